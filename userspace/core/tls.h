/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * HTTPS for khttpdd (Documentation/tls.md): the [TLS] settings the config
 * parser fills in, the certificates tls_load() checks and turns into
 * OpenSSL contexts, and the transport every read and write of a TLS
 * connection goes through (tls.c). Built with TLS=0, tls_none.c stands in:
 * a "Listen PORT tls" line is then refused by the parser.
 */
#ifndef KHTTPDD_TLS_H
#define KHTTPDD_TLS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct config;
struct conn;

/* False in a TLS=0 build. */
extern const bool tls_compiled;

/* A certificate chain and its key, with the lines that named them. */
struct tls_cert {
	char *cert, *key;	/* paths */
	const char *file;	/* the config file (lives in its vhost/config) */
	unsigned cert_line, key_line;
	void *ctx;		/* SSL_CTX *: tls_load(), freed with the config */
};

/* [TLS] of the main file. */
struct tls_conf {
	struct tls_cert cert;	/* the default certificate */
	unsigned handshake_timeout;	/* seconds */
	unsigned handshake_max;	/* concurrent handshakes, whole daemon */
	unsigned hsts;		/* Strict-Transport-Security max-age; 0: off */
	bool redirect_http;	/* plain listeners answer 301 to https */
	bool ktls;		/* try kernel TLS after the handshake */
	char *file;		/* the main file (its certificate's errors) */
	char *listen_at;	/* "file:line" of the first TLS Listen */
};

/* Daemon-wide counters (khttpctl stats). */
struct tls_stats {
	_Atomic uint64_t handshakes, handshake_failed, handshake_refused;
	_Atomic uint64_t conns_ktls, conns_user;	/* by TX path */
	_Atomic uint64_t bytes_ktls_sendfile, bytes_ktls, bytes_user;
};

extern struct tls_stats tls_stats;

/*
 * Build the contexts of cfg's certificates (the default one and each
 * vhost's): 0, or -1 with "file:line: what is wrong" in err (a missing or
 * unreadable file, a key that does not match, an expired certificate).
 * Only for a config with a TLS listener.
 */
int tls_load(struct config *cfg, char *err, size_t errsz);
void tls_cert_free(struct tls_cert *tc);

/* The connection came from a TLS listener: start its handshake (-1: close). */
int tls_accept(struct conn *c);
/* Drive the handshake: 1 done, 0 wait (events armed), -1 failed. */
int tls_handshake(struct conn *c);
/* Send close_notify once (best effort: the socket is non-blocking). */
void tls_shutdown(struct conn *c);
/* tls_shutdown() and free the TLS state. */
void tls_close(struct conn *c);
/* The most plaintext one TLS record carries. */
#define TLS_RECORD_MAX 16384
/* As recv/send/sendfile (-1 with errno EAGAIN when it would block). */
ssize_t tls_recv(struct conn *c, void *buf, size_t len);
ssize_t tls_send(struct conn *c, const void *buf, size_t len);
ssize_t tls_sendfile(struct conn *c, int fd, off_t *off, size_t len);
/* Decrypted bytes are waiting in OpenSSL that epoll will not report. */
bool tls_pending(const struct conn *c);
/* "TLSv1.3" and the cipher's OpenSSL name; NULL when c is plain. */
const char *tls_version(const struct conn *c);
const char *tls_cipher(const struct conn *c);

#endif /* KHTTPDD_TLS_H */
