// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * HTTPS with OpenSSL 3: the contexts (TLS 1.2 and 1.3 only, AEAD ciphers
 * with ECDHE, ALPN http/1.1, tickets; SNI picks the vhost's certificate),
 * the non-blocking handshake driven by the worker's epoll, and the record
 * layer every byte of a TLS connection goes through. When OpenSSL managed
 * to install kernel TLS for sending, SSL_write and SSL_sendfile hand the
 * plain bytes to the kernel; otherwise files are read and SSL_write'd.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "khttpdd.h"

const bool tls_compiled = true;
struct tls_stats tls_stats;

/* Handshakes in progress, whole daemon (TLS HandshakeMax). */
static atomic_uint handshaking;

#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!SHA1:!SHA256:!SHA384"
#define TLS13_SUITES "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
	"TLS_CHACHA20_POLY1305_SHA256"

/* The oldest queued OpenSSL error as text (and the queue emptied). */
static const char *ssl_error(void)
{
	static __thread char buf[256];
	unsigned long e = ERR_get_error();

	ERR_clear_error();
	if (!e)
		return "unknown error";
	ERR_error_string_n(e, buf, sizeof(buf));
	return buf;
}

static int alpn_select(SSL *ssl, const unsigned char **out,
		       unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	static const unsigned char ours[] = "\x08http/1.1";

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto((unsigned char **)out, outlen, ours,
				  sizeof(ours) - 1, in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;	/* no_application_protocol */
	return SSL_TLSEXT_ERR_OK;
}

/* SNI: the certificate of the vhost the name selects (the default's else). */
static int servername(SSL *ssl, int *alert, void *arg)
{
	struct conn *c = SSL_get_app_data(ssl);
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	const struct vhost *vh;

	(void)alert;
	(void)arg;
	if (!c || !name)
		return SSL_TLSEXT_ERR_OK;
	vh = config_vhost(c->cfg, name, strlen(name));
	if (vh->tls.ctx && vh->tls.ctx != SSL_get_SSL_CTX(ssl))
		SSL_set_SSL_CTX(ssl, vh->tls.ctx);
	return SSL_TLSEXT_ERR_OK;
}

__attribute__((format(printf, 4, 5)))
static int cert_fail(char *err, size_t errsz, const struct tls_cert *tc,
		     const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, errsz, "%s:%u: ", tc->file, tc->cert_line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < errsz)
		vsnprintf(err + n, errsz - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* The chain's leaf must be valid now: an expired one fails every client. */
static int check_dates(SSL_CTX *ctx, const struct tls_cert *tc, char *err,
		       size_t errsz)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);
	char when[64] = "?";
	BIO *b;

	if (X509_cmp_current_time(X509_get0_notAfter(x)) < 0) {
		b = BIO_new(BIO_s_mem());
		if (b && ASN1_TIME_print(b, X509_get0_notAfter(x)))
			when[BIO_read(b, when, sizeof(when) - 1)] = '\0';
		BIO_free(b);
		return cert_fail(err, errsz, tc, "Certificate %s expired (%s)",
				 tc->cert, when);
	}
	if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		return cert_fail(err, errsz, tc, "Certificate %s is not valid yet",
				 tc->cert);
	return 0;
}

/* The key: opened here for a clear errno, never printed. */
static int use_key(SSL_CTX *ctx, struct tls_cert *tc, char *err, size_t errsz)
{
	FILE *f = fopen(tc->key, "re");
	EVP_PKEY *k;
	int rc;

	if (!f)
		return snprintf(err, errsz, "%s:%u: CertificateKey %s: %s",
				tc->file, tc->key_line, tc->key,
				strerror(errno)), -1;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!k)
		return snprintf(err, errsz, "%s:%u: CertificateKey %s: not a PEM private key (%s)",
				tc->file, tc->key_line, tc->key, ssl_error()), -1;
	rc = SSL_CTX_use_PrivateKey(ctx, k);
	EVP_PKEY_free(k);
	if (rc != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		return snprintf(err, errsz, "%s:%u: CertificateKey %s does not match Certificate %s",
				tc->file, tc->key_line, tc->key, tc->cert), -1;
	}
	return 0;
}

static SSL_CTX *ctx_new(const struct tls_conf *conf)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (!ctx)
		return NULL;
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) ||
	    !SSL_CTX_set_ciphersuites(ctx, TLS13_SUITES) ||
	    !SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384")) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
			    SSL_OP_CIPHER_SERVER_PREFERENCE |
			    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF |
			    (conf->ktls ? SSL_OP_ENABLE_KTLS : 0));
	/* callers retry a blocked write with the same bytes, maybe more */
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
			 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			 SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_num_tickets(ctx, 1);
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	SSL_CTX_set_tlsext_servername_callback(ctx, servername);
	return ctx;
}

static int cert_load(const struct tls_conf *conf, struct tls_cert *tc,
		     char *err, size_t errsz)
{
	SSL_CTX *ctx;
	FILE *f;

	if (!tc->key)
		return cert_fail(err, errsz, tc, "Certificate %s: no CertificateKey in this [TLS]",
				 tc->cert);
	if (!tc->cert)
		return snprintf(err, errsz, "%s:%u: CertificateKey %s: no Certificate in this [TLS]",
				tc->file, tc->key_line, tc->key), -1;
	f = fopen(tc->cert, "re");
	if (!f)
		return cert_fail(err, errsz, tc, "Certificate %s: %s", tc->cert,
				 strerror(errno));
	fclose(f);
	ctx = ctx_new(conf);
	if (!ctx)
		return cert_fail(err, errsz, tc, "TLS context: %s", ssl_error());
	tc->ctx = ctx;
	if (SSL_CTX_use_certificate_chain_file(ctx, tc->cert) != 1)
		return cert_fail(err, errsz, tc, "Certificate %s: not a PEM certificate chain (%s)",
				 tc->cert, ssl_error());
	if (check_dates(ctx, tc, err, errsz))
		return -1;
	return use_key(ctx, tc, err, errsz);
}

int tls_load(struct config *cfg, char *err, size_t errsz)
{
	struct tls_cert *def = &cfg->tls.cert;

	if (!def->cert && !def->key)
		def = &cfg->vhosts[0].tls;
	if (!def->cert && !def->key)
		return snprintf(err, errsz, "%s: a TLS listener needs a certificate: Certificate and CertificateKey in [TLS]",
				cfg->tls.listen_at), -1;
	if (cert_load(&cfg->tls, def, err, errsz))
		return -1;
	for (size_t i = 0; i < cfg->nvhosts; i++) {
		struct tls_cert *tc = &cfg->vhosts[i].tls;

		if (tc != def && (tc->cert || tc->key) &&
		    cert_load(&cfg->tls, tc, err, errsz))
			return -1;
	}
	if (def != &cfg->tls.cert) {	/* the default vhost's is the default */
		SSL_CTX_up_ref(def->ctx);
		cfg->tls.cert.ctx = def->ctx;
	}
	return 0;
}

void tls_cert_free(struct tls_cert *tc)
{
	SSL_CTX_free(tc->ctx);
	free(tc->cert);
	free(tc->key);
}

int tls_accept(struct conn *c)
{
	SSL *ssl;

	if (atomic_fetch_add(&handshaking, 1) >= c->cfg->tls.handshake_max) {
		atomic_fetch_sub(&handshaking, 1);
		atomic_fetch_add_explicit(&tls_stats.handshake_refused, 1,
					  memory_order_relaxed);
		return -1;
	}
	c->state = CONN_HANDSHAKE;
	c->deadline = c->w->now + c->cfg->tls.handshake_timeout;
	ssl = SSL_new(c->cfg->tls.cert.ctx);
	if (!ssl || !SSL_set_fd(ssl, c->ev.fd)) {
		SSL_free(ssl);
		atomic_fetch_sub(&handshaking, 1);
		return -1;
	}
	SSL_set_app_data(ssl, c);
	SSL_set_accept_state(ssl);
	c->ssl = ssl;
	return 0;
}

/* Say once, clearly, why the kernel does not encrypt. */
static void ktls_note(const struct conn *c)
{
	static atomic_bool said;
	const char *why;

	if (atomic_exchange(&said, true))
		return;
	if (!c->cfg->tls.ktls)
		why = "KTLS off in [TLS]";
	else if (access("/proc/net/tls_stat", F_OK))
		why = "the kernel has no TLS (load the tls module: modprobe tls)";
	else
		why = "the kernel refused this cipher (its crypto module may be missing)";
	log_msg("kTLS is off: %s; TLS records are encrypted in userspace", why);
}

int tls_handshake(struct conn *c)
{
	int rc;

	ERR_clear_error();	/* SSL_get_error() reads the thread's queue */
	rc = SSL_do_handshake(c->ssl);

	if (rc != 1) {
		int e = SSL_get_error(c->ssl, rc);

		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			conn_arm(c, e == SSL_ERROR_WANT_READ ? EPOLLIN : EPOLLOUT);
			return 0;
		}
		ERR_clear_error();
		c->tls_failed = true;
		atomic_fetch_add_explicit(&tls_stats.handshake_failed, 1,
					  memory_order_relaxed);
		return -1;
	}
	atomic_fetch_sub(&handshaking, 1);
	c->state = CONN_READ_HEAD;
	c->deadline = c->w->now + c->cfg->header_timeout;
	c->tls_ktls_tx = BIO_get_ktls_send(SSL_get_wbio(c->ssl)) > 0;
	atomic_fetch_add_explicit(&tls_stats.handshakes, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(c->tls_ktls_tx ? &tls_stats.conns_ktls :
				  &tls_stats.conns_user, 1, memory_order_relaxed);
	if (!c->tls_ktls_tx)
		ktls_note(c);
	conn_arm(c, EPOLLIN);
	return 1;
}

void tls_shutdown(struct conn *c)
{
	if (c->state == CONN_HANDSHAKE || c->tls_failed ||
	    (SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN))
		return;
	SSL_shutdown(c->ssl);	/* close_notify, if the socket takes it */
	ERR_clear_error();
}

void tls_close(struct conn *c)
{
	if (c->state == CONN_HANDSHAKE)
		atomic_fetch_sub(&handshaking, 1);
	else
		tls_shutdown(c);
	SSL_free(c->ssl);
	ERR_clear_error();
	c->ssl = NULL;
}

/* An SSL_read/SSL_write result rc as recv/send would give it. */
static ssize_t io_result(struct conn *c, int rc, size_t done)
{
	int e;

	if (rc > 0)
		return (ssize_t)done;
	e = SSL_get_error(c->ssl, rc);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		errno = EAGAIN;
		return -1;
	}
	if (e == SSL_ERROR_ZERO_RETURN)
		return 0;
	ERR_clear_error();
	c->tls_failed = true;
	if (e != SSL_ERROR_SYSCALL || !errno)
		errno = EPROTO;
	return -1;
}

/*
 * Before the handshake is done nothing is read or written: SSL_read and
 * SSL_write would drive it, and a plugin answering at accept (mandril)
 * would race the client's Finished.
 */
static ssize_t not_yet(void)
{
	errno = ENOTCONN;
	return -1;
}

ssize_t tls_recv(struct conn *c, void *buf, size_t len)
{
	size_t n = 0;
	int rc;

	if (c->state == CONN_HANDSHAKE)
		return not_yet();
	ERR_clear_error();
	rc = SSL_read_ex(c->ssl, buf, len, &n);

	return io_result(c, rc, n);
}

ssize_t tls_send(struct conn *c, const void *buf, size_t len)
{
	size_t n = 0;
	int rc;

	if (c->state == CONN_HANDSHAKE)
		return not_yet();
	ERR_clear_error();
	rc = SSL_write_ex(c->ssl, buf, len, &n);

	if (rc > 0)
		atomic_fetch_add_explicit(c->tls_ktls_tx ? &tls_stats.bytes_ktls :
					  &tls_stats.bytes_user, n,
					  memory_order_relaxed);
	return io_result(c, rc, n);
}

/* Four full records per pread and SSL_write. */
#define TLS_FILE_CHUNK 65536

ssize_t tls_sendfile(struct conn *c, int fd, off_t *off, size_t len)
{
	char buf[TLS_FILE_CHUNK];
	ssize_t n;

	if (c->tls_ktls_tx) {
		ERR_clear_error();
		n = SSL_sendfile(c->ssl, fd, *off, len, 0);
		if (n > 0) {
			*off += n;
			atomic_fetch_add_explicit(&tls_stats.bytes_ktls_sendfile,
						  (uint64_t)n, memory_order_relaxed);
			return n;
		}
		return io_result(c, (int)n, 0);
	}
	/*
	 * A blocked SSL_write must be retried with the same bytes: the same
	 * offset and length read the same bytes again (a file that changes
	 * under a response breaks it anyway).
	 */
	if (len > sizeof(buf))
		len = sizeof(buf);
	n = pread(fd, buf, len, *off);
	if (n <= 0)
		return n;
	n = tls_send(c, buf, (size_t)n);
	if (n > 0)
		*off += n;
	return n;
}

bool tls_pending(const struct conn *c)
{
	return c->ssl && SSL_pending(c->ssl) > 0;
}

const char *tls_version(const struct conn *c)
{
	return c->ssl ? SSL_get_version(c->ssl) : NULL;
}

const char *tls_cipher(const struct conn *c)
{
	return c->ssl ? SSL_get_cipher_name(c->ssl) : NULL;
}
