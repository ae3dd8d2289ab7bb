// SPDX-License-Identifier: GPL-2.0 OR MIT
/* CGI/1.1 meta-variables (see cgi_env.h). */
#include "cgi_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define KHTTPD_SOFTWARE "khttpd"

/* Append "name=" + the pieces, NUL-terminated, as one entry. */
static void env_add(struct cgi_env *env, const char *name, const char *v,
		    size_t vlen)
{
	size_t nlen = strlen(name), need = nlen + 1 + vlen + 1;

	if (env->oom)
		return;
	if (need > env->cap - env->len) {
		size_t cap = env->cap ? env->cap : 1024;
		char *p;

		while (need > cap - env->len)
			cap *= 2;
		p = realloc(env->buf, cap);
		if (!p) {
			env->oom = 1;
			return;
		}
		env->buf = p;
		env->cap = cap;
	}
	memcpy(env->buf + env->len, name, nlen);
	env->buf[env->len + nlen] = '=';
	memcpy(env->buf + env->len + nlen + 1, v, vlen);
	env->buf[env->len + need - 1] = '\0';
	env->len += need;
	env->count++;
}

static void env_str(struct cgi_env *env, const char *name, const char *v)
{
	if (v)
		env_add(env, name, v, strlen(v));
}

static void env_num(struct cgi_env *env, const char *name,
		    unsigned long long v)
{
	char num[24];

	env_add(env, name, num, (size_t)snprintf(num, sizeof(num), "%llu", v));
}

static void env_span(struct cgi_env *env, const char *name, const char *buf,
		     struct khttp_span s)
{
	env_add(env, name, buf + s.off, s.len);
}

/* Fields that are not passed as HTTP_*. */
static int field_skipped(const char *buf, struct khttp_span name)
{
	static const char *const skipped[] = {
		"Content-Length", "Content-Type", "Authorization", "Proxy",
	};
	size_t i;

	if (memchr(buf + name.off, '_', name.len))
		return 1;
	for (i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
		if (khttp_span_ieq(buf, name, skipped[i]))
			return 1;
	return 0;
}

static int span_ieq_span(const char *buf, struct khttp_span a,
			 struct khttp_span b)
{
	return a.len == b.len &&
	       !strncasecmp(buf + a.off, buf + b.off, a.len);
}

/* HTTP_<NAME>: every field of that name, in order, joined with ", ". */
static void env_fields(struct cgi_env *env, const char *buf,
		       const struct khttp_request *req)
{
	struct khttp_span name, value, n2, v2;
	u16 pos = 0;

	while (khttp_field_next(buf, req, &pos, &name, &value)) {
		char var[5 + 256];
		char *joined = NULL;
		size_t jlen = 0;
		u16 p2 = 0;
		int first = 1, seen_before = 0;

		if (field_skipped(buf, name) || name.len > 255)
			continue;
		/* Only the first occurrence emits; it gathers the others. */
		while (khttp_field_next(buf, req, &p2, &n2, &v2)) {
			char *grown;

			if (!span_ieq_span(buf, name, n2))
				continue;
			if (first && n2.off != name.off) {
				seen_before = 1;
				break;
			}
			grown = realloc(joined, jlen + 2 + v2.len + 1);
			if (!grown) {
				env->oom = 1;
				break;
			}
			joined = grown;
			if (!first) {
				memcpy(joined + jlen, ", ", 2);
				jlen += 2;
			}
			memcpy(joined + jlen, buf + v2.off, v2.len);
			jlen += v2.len;
			first = 0;
		}
		if (!seen_before && !env->oom) {
			size_t i;

			memcpy(var, "HTTP_", 5);
			for (i = 0; i < name.len; i++) {
				char c = buf[name.off + i];

				if (c >= 'a' && c <= 'z')
					c = (char)(c - 'a' + 'A');
				else if (c == '-')
					c = '_';
				var[5 + i] = c;
			}
			var[5 + name.len] = '\0';
			env_add(env, var, joined ? joined : "", jlen);
		}
		free(joined);
	}
}

int cgi_env_build(struct cgi_env *env, const struct cgi_request *r)
{
	const struct khttp_request *req = r->req;
	const char *buf = r->head;
	char proto[16];

	memset(env, 0, sizeof(*env));
	env_str(env, "GATEWAY_INTERFACE", "CGI/1.1");
	env_str(env, "SERVER_SOFTWARE", KHTTPD_SOFTWARE);
	snprintf(proto, sizeof(proto), "HTTP/%d.%d", req->version / 10,
		 req->version % 10);
	env_str(env, "SERVER_PROTOCOL", proto);
	env_span(env, "REQUEST_URI", buf, req->target);
	env_span(env, "REQUEST_METHOD", buf, req->method_str);
	env_span(env, "QUERY_STRING", buf, req->query);
	env_str(env, "SCRIPT_NAME", r->script_name);
	env_str(env, "SCRIPT_FILENAME", r->script_filename);
	env_str(env, "DOCUMENT_ROOT", r->document_root);
	if (r->path_info && r->path_info[0]) {
		size_t dl = strlen(r->document_root);
		size_t pl = strlen(r->path_info);
		char *t = malloc(dl + pl + 1);

		env_str(env, "PATH_INFO", r->path_info);
		if (!t) {
			env->oom = 1;
		} else {
			memcpy(t, r->document_root, dl);
			memcpy(t + dl, r->path_info, pl + 1);
			env_str(env, "PATH_TRANSLATED", t);
			free(t);
		}
	}
	if (r->server_name) {
		env_str(env, "SERVER_NAME", r->server_name);
	} else {
		struct khttp_span h = req->host;
		const char *start = buf + h.off, *colon;
		const char *bracket = memchr(start, ']', h.len);

		/* strip the port, but not inside an IPv6 literal */
		if (bracket)
			start = bracket;
		colon = memchr(start, ':', (size_t)(buf + h.off + h.len - start));
		if (colon)
			h.len = (u16)(colon - (buf + h.off));
		env_span(env, "SERVER_NAME", buf, h);
	}
	env_str(env, "SERVER_ADDR", r->server_addr);
	env_num(env, "SERVER_PORT", r->server_port);
	env_str(env, "REMOTE_ADDR", r->remote_addr);
	env_str(env, "REMOTE_HOST", r->remote_addr);
	env_num(env, "REMOTE_PORT", r->remote_port);
	env_str(env, "REMOTE_USER", r->remote_user);
	env_str(env, "AUTH_TYPE", r->auth_type);
	if (r->content_length >= 0 && (req->flags & KHTTP_F_HAS_BODY))
		env_num(env, "CONTENT_LENGTH",
			(unsigned long long)r->content_length);
	if (req->content_type.len)
		env_span(env, "CONTENT_TYPE", buf, req->content_type);
	if (r->https) {
		env_str(env, "HTTPS", "on");
		env_str(env, "REQUEST_SCHEME", "https");
		env_str(env, "SSL_PROTOCOL", r->ssl_protocol);
		env_str(env, "SSL_CIPHER", r->ssl_cipher);
	}
	env_str(env, "REDIRECT_STATUS", "200");
	env_fields(env, buf, req);
	if (env->oom) {
		cgi_env_free(env);
		return -1;
	}
	return 0;
}

void cgi_env_free(struct cgi_env *env)
{
	free(env->buf);
	memset(env, 0, sizeof(*env));
}

char **cgi_env_vector(const struct cgi_env *env)
{
	char **v = malloc((env->count + 1) * sizeof(*v));
	size_t i, off = 0;

	if (!v)
		return NULL;
	for (i = 0; i < env->count; i++) {
		v[i] = env->buf + off;
		off += strlen(env->buf + off) + 1;
	}
	v[env->count] = NULL;
	return v;
}

const char *cgi_env_get(const struct cgi_env *env, const char *name)
{
	size_t nlen = strlen(name), off = 0, i;

	for (i = 0; i < env->count; i++) {
		const char *e = env->buf + off;

		if (!strncmp(e, name, nlen) && e[nlen] == '=')
			return e + nlen + 1;
		off += strlen(e) + 1;
	}
	return NULL;
}
