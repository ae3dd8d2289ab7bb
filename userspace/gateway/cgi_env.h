/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * CGI/1.1 meta-variables (RFC 3875 4.1) for one request: built once, used
 * as the environment of a CGI script and as the PARAMS of a FastCGI
 * request. Pure code over the shared parser's result.
 */
#ifndef KHTTPDD_CGI_ENV_H
#define KHTTPDD_CGI_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <khttpd/http_parser.h>

/* What the server knows beyond the request head. */
struct cgi_request {
	const char *head;		/* the parsed head's buffer */
	const struct khttp_request *req;
	const char *script_name;	/* URL path of the script */
	const char *script_filename;	/* its file */
	const char *path_info;		/* decoded, "" when none */
	const char *document_root;
	const char *server_name;	/* NULL: from Host (port stripped) */
	const char *server_addr;
	unsigned int server_port;
	const char *remote_addr;
	unsigned int remote_port;
	const char *remote_user;	/* NULL: not authenticated */
	const char *auth_type;
	int https;
	const char *ssl_protocol;	/* with https: "TLSv1.3" */
	const char *ssl_cipher;		/* with https: OpenSSL's name */
	long long content_length;	/* -1: unknown (chunked request) */
};

/* "NAME=value\0" entries back to back. */
struct cgi_env {
	char *buf;
	size_t len, cap;
	size_t count;
	int oom;
};

/*
 * Build the meta-variables: the RFC 3875 set, DOCUMENT_ROOT,
 * SCRIPT_FILENAME, REQUEST_URI, REDIRECT_STATUS (php-cgi), and HTTP_* for
 * the request's fields. Several fields of one name are joined with ", ".
 * Left out: Content-Length/Content-Type (they are CONTENT_*), Authorization
 * (RFC 3875 4.1.18), Proxy (httpoxy) and names containing '_' (they would
 * collide with '-' names). Returns 0, or -1 when out of memory.
 */
int cgi_env_build(struct cgi_env *env, const struct cgi_request *r);
void cgi_env_free(struct cgi_env *env);
/* A NULL-terminated array of pointers into env->buf (malloc'd) for execve. */
char **cgi_env_vector(const struct cgi_env *env);
/* Value of NAME, or NULL. */
const char *cgi_env_get(const struct cgi_env *env, const char *name);

#endif /* KHTTPDD_CGI_ENV_H */
