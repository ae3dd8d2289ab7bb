// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A build without OpenSSL (make TLS=0): no connection is ever TLS, because
 * the config parser refuses "Listen PORT tls" (tls_compiled), so nothing
 * can downgrade silently; these only satisfy the callers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "khttpdd.h"

const bool tls_compiled = false;
struct tls_stats tls_stats;

int tls_load(struct config *cfg, char *err, size_t errsz)
{
	(void)cfg;
	snprintf(err, errsz, "TLS support is not compiled in (built with TLS=0)");
	return -1;
}

void tls_cert_free(struct tls_cert *tc)
{
	free(tc->cert);
	free(tc->key);
}

int tls_accept(struct conn *c)
{
	(void)c;
	return -1;
}

int tls_handshake(struct conn *c)
{
	(void)c;
	return -1;
}

void tls_shutdown(struct conn *c)
{
	(void)c;
}

void tls_close(struct conn *c)
{
	(void)c;
}

static ssize_t no_tls(void)
{
	errno = EPROTONOSUPPORT;
	return -1;
}

ssize_t tls_recv(struct conn *c, void *buf, size_t len)
{
	(void)c, (void)buf, (void)len;
	return no_tls();
}

ssize_t tls_send(struct conn *c, const void *buf, size_t len)
{
	(void)c, (void)buf, (void)len;
	return no_tls();
}

ssize_t tls_sendfile(struct conn *c, int fd, off_t *off, size_t len)
{
	(void)c, (void)fd, (void)off, (void)len;
	return no_tls();
}

bool tls_pending(const struct conn *c)
{
	(void)c;
	return false;
}

const char *tls_version(const struct conn *c)
{
	(void)c;
	return NULL;
}

const char *tls_cipher(const struct conn *c)
{
	(void)c;
	return NULL;
}
