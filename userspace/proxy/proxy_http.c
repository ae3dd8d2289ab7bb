// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Heads to and from backends (see proxy_http.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "proxy_http.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/reqfield.h"
#include "core/strbuf.h"
#include <khttpd/http_response.h>

/* ---- pieces of heads ---- */

static void add_span(struct strbuf *s, const char *buf, struct khttp_span sp)
{
	strbuf_add(s, buf + sp.off, sp.len);
}

/* ---- fields ---- */

/* RFC 9110 7.6.1 hop-by-hop fields, plus the proxy authentication pair. */
static const char *const hop_by_hop[] = {
	"connection", "keep-alive", "proxy-connection", "te", "trailer",
	"transfer-encoding", "upgrade", "proxy-authorization",
	"proxy-authenticate",
};

#define COUNT(list) (sizeof(list) / sizeof(*(list)))

/* Where name is in list (case-insensitive), or -1. */
static int name_index(const char *buf, struct khttp_span name,
		      const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (khttp_span_ieq(buf, name, list[i]))
			return (int)i;
	return -1;
}

static bool name_in(const char *buf, struct khttp_span name,
		    const char *const *list, size_t n)
{
	return name_index(buf, name, list, n) >= 0;
}

/*
 * Calls fn(token, len) for each token of every field called field: tokens
 * end at a comma or at one of extra_delims, blanks around them dropped.
 */
static void each_token(const char *buf, const struct khttp_request *req,
		       const char *field, const char *extra_delims,
		       void (*fn)(const char *t, size_t len, void *arg),
		       void *arg)
{
	struct khttp_span n, v;
	u16 pos = 0;

	while (khttp_field_next(buf, req, &pos, &n, &v)) {
		size_t i = 0;

		if (!khttp_span_ieq(buf, n, field))
			continue;
		while (i < v.len) {
			size_t start, end;

			while (i < v.len && (buf[v.off + i] == ',' ||
					     buf[v.off + i] == ' ' ||
					     buf[v.off + i] == '\t'))
				i++;
			start = i;
			while (i < v.len && buf[v.off + i] != ',' &&
			       !strchr(extra_delims, buf[v.off + i]))
				i++;
			end = i;
			while (end > start && (buf[v.off + end - 1] == ' ' ||
					       buf[v.off + end - 1] == '\t'))
				end--;
			if (end > start)
				fn(buf + v.off + start, end - start, arg);
		}
	}
}

struct token_search {
	const char *name;
	size_t len;
	bool found;
};

static void token_compare(const char *t, size_t len, void *arg)
{
	struct token_search *ts = arg;

	if (len == ts->len && !strncasecmp(t, ts->name, len))
		ts->found = true;
}

/* Is name one of the tokens of a Connection field? */
static bool named_by_connection(const char *buf,
				const struct khttp_request *req,
				struct khttp_span name)
{
	struct token_search ts = { buf + name.off, name.len, false };

	/* a Connection token is a token: blanks end it too */
	each_token(buf, req, "connection", " \t", token_compare, &ts);
	return ts.found;
}

/*
 * Values of every field called name, joined with ", ", then a comma;
 * fields Connection names are hop-by-hop, not merged.
 */
static void add_merged(struct strbuf *s, const char *buf,
		       const struct khttp_request *req, const char *name)
{
	struct khttp_span n, v;
	u16 pos = 0;

	while (khttp_field_next(buf, req, &pos, &n, &v)) {
		if (!khttp_span_ieq(buf, n, name) || !v.len ||
		    named_by_connection(buf, req, n))
			continue;
		add_span(s, buf, v);
		strbuf_str(s, ", ");
	}
}

void proxy_via_token_init(char out[PROXY_VIA_TOKEN_LEN + 1])
{
	uint64_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL);
	snprintf(out, PROXY_VIA_TOKEN_LEN + 1, "khttpd-%016llx",
		 (unsigned long long)r);
}

bool proxy_request_looped(const char *buf, const struct khttp_request *req,
			  const char *token)
{
	struct khttp_span n, v;
	u16 pos = 0;
	size_t tl = strlen(token);

	while (khttp_field_next(buf, req, &pos, &n, &v))
		if (khttp_span_ieq(buf, n, "via") &&
		    memmem(buf + v.off, v.len, token, tl))
			return true;
	return false;
}

bool proxy_path_ambiguous(const char *buf, const struct khttp_request *req,
			  const char *path)
{
	const char *raw = buf + req->path.off;

	for (size_t i = 0; i + 2 < req->path.len; i++)
		if (raw[i] == '%' && raw[i + 1] == '2' &&
		    (raw[i + 2] == 'f' || raw[i + 2] == 'F'))
			return true;
	return strchr(path, '\\') != NULL;	/* raw or decoded from %5C */
}

char *proxy_target(const char *buf, const struct khttp_request *req,
		   const char *path, size_t *len)
{
	struct strbuf s = { 0 };
	size_t plen = strlen(path), elen;
	char *enc;

	if (!req->path.len && req->target.len == 1 && buf[req->target.off] == '*') {
		strbuf_str(&s, "*");
		return strbuf_take(&s, len);
	}
	/* encoded as the module's and the daemon's Location is */
	elen = khttp_path_encode(NULL, 0, path, plen);
	enc = malloc(elen + 1);
	if (!enc)
		return NULL;
	khttp_path_encode(enc, elen, path, plen);
	strbuf_add(&s, enc, elen);
	free(enc);
	if (req->query.len) {
		strbuf_str(&s, "?");
		add_span(&s, buf, req->query);
	}
	return strbuf_take(&s, len);
}

/* Written by the proxy whatever the client sent. */
static const char *const replaced[] = {
	"host", "content-length", "expect", "via", "x-forwarded-for",
	"forwarded",
};
/*
 * What a proxy says of its client's request: ours, unless the client is a
 * trusted front proxy, whose view is nearer the real client.
 */
enum { REAL_IP, FORWARDED_HOST, FORWARDED_PROTO, NBELIEVED };
static const char *const believed[NBELIEVED] = {
	[REAL_IP] = "X-Real-IP",
	[FORWARDED_HOST] = "X-Forwarded-Host",
	[FORWARDED_PROTO] = "X-Forwarded-Proto",
};

/*
 * A client field the backend does not get: a name with '_' (backends that
 * map names to CGI-style variables read Content_Length as Content-Length
 * and X_Forwarded_For as X-Forwarded-For), a hop-by-hop field, one named by
 * Connection, one the proxy writes itself.
 */
static bool request_field_dropped(const char *buf,
				  const struct khttp_request *req,
				  struct khttp_span n)
{
	return memchr(buf + n.off, '_', n.len) ||
	       name_in(buf, n, hop_by_hop, COUNT(hop_by_hop)) ||
	       name_in(buf, n, replaced, COUNT(replaced)) ||
	       named_by_connection(buf, req, n);
}

/* What proxy_build_request() copies of the client's fields. */
struct request_copy {
	const struct khttp_request *req;
	const struct proxy_req_params *p;
	unsigned kept;		/* believed[] fields the client's stand for */
};

static bool request_keeps(const char *buf, struct khttp_span n,
			  struct khttp_span v, void *arg)
{
	struct request_copy *rc = arg;
	int b;

	(void)v;
	if (request_field_dropped(buf, rc->req, n))
		return false;
	b = name_index(buf, n, believed, NBELIEVED);
	if (b >= 0 && !rc->p->trusted)
		return false;
	if (b >= 0)
		rc->kept |= 1u << b;
	return true;
}

/* Our believed[i]: the client's address, its Host, our scheme. */
static void add_believed(struct strbuf *s, const char *buf,
			 const struct khttp_request *req,
			 const struct proxy_req_params *p, int i)
{
	if (i == FORWARDED_HOST && !req->host.len)
		return;
	strbuf_str(s, believed[i]);
	strbuf_str(s, ": ");
	if (i == REAL_IP)
		strbuf_str(s, p->client_ip);
	else if (i == FORWARDED_HOST)
		add_span(s, buf, req->host);
	else
		strbuf_str(s, p->https ? "https" : "http");
	strbuf_str(s, "\r\n");
}

char *proxy_build_request(const char *buf, const struct khttp_request *req,
			  const struct proxy_req_params *p, size_t *len)
{
	struct strbuf s = { 0 };
	char num[32];
	bool v6 = strchr(p->client_ip, ':') != NULL;
	struct request_copy rc = { .req = req, .p = p };

	add_span(&s, buf, req->method_str);
	strbuf_str(&s, " ");
	strbuf_add(&s, p->target, p->target_len);
	strbuf_str(&s, " HTTP/1.1\r\nHost: ");
	if (p->host)
		strbuf_add(&s, p->host, p->host_len);
	else
		add_span(&s, buf, req->host);
	strbuf_str(&s, "\r\n");

	reqfield_copy(&s, buf, req, request_keeps, &rc);
	for (int i = 0; i < NBELIEVED; i++)
		if (!(rc.kept & (1u << i)))
			add_believed(&s, buf, req, p, i);

	if (req->flags & KHTTP_F_CHUNKED) {
		strbuf_str(&s, "Transfer-Encoding: chunked\r\n");
	} else if (req->content_length || req->method == KHTTP_METHOD_POST ||
		   req->method == KHTTP_METHOD_PUT ||
		   req->method == KHTTP_METHOD_PATCH) {
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)req->content_length);
		strbuf_str(&s, "Content-Length: ");
		strbuf_str(&s, num);
		strbuf_str(&s, "\r\n");
	}
	/* the chain of addresses: a trusted client's, then its own */
	strbuf_str(&s, "X-Forwarded-For: ");
	if (p->trusted)
		add_merged(&s, buf, req, "x-forwarded-for");
	strbuf_str(&s, p->client_ip);
	strbuf_str(&s, "\r\nForwarded: ");
	if (p->trusted)
		add_merged(&s, buf, req, "forwarded");
	strbuf_str(&s, v6 ? "for=\"[" : "for=");
	strbuf_str(&s, p->client_ip);
	strbuf_str(&s, v6 ? "]\"" : "");
	if (req->host.len) {
		strbuf_str(&s, ";host=\"");
		add_span(&s, buf, req->host);
		strbuf_str(&s, "\"");
	}
	strbuf_str(&s, p->https ? ";proto=https\r\nVia: " : ";proto=http\r\nVia: ");
	add_merged(&s, buf, req, "via");
	strbuf_str(&s, req->version == 10 ? "1.0 " : "1.1 ");
	strbuf_str(&s, p->via_token);
	strbuf_str(&s, "\r\n\r\n");
	return strbuf_take(&s, len);
}

bool proxy_response_bodyless(int status, bool head_request)
{
	return head_request || khttp_status_bodyless(status);
}

/*
 * The status line is checked here; the fields go through the shared
 * request parser behind a synthetic request line, so response heads get
 * the same strict field syntax and framing checks as requests.
 */
static const char fake11[] = "GET / HTTP/1.1\r\nHost: backend\r\n";
static const char fake10[] = "GET / HTTP/1.0\r\n";

int proxy_parse_response(const char *buf, size_t len, struct proxy_resp *r)
{
	struct khttp_limits lim = { .line_max = 8192,
				    .head_max = KHTTP_HEAD_CEILING,
				    .fields_max = 256 };
	const char *end, *eol, *prefix;
	struct khttp_span n, v;
	size_t line_len, fields_len, plen;
	u16 pos = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	end = memmem(buf, len, "\r\n\r\n", 4);
	if (!end)
		return len > KHTTP_HEAD_CEILING - sizeof(fake11) ?
			KHTTP_E_HEADERS_TOO_LARGE : KHTTP_AGAIN;
	eol = memmem(buf, (size_t)(end - buf) + 2, "\r\n", 2);
	line_len = (size_t)(eol - buf) + 2;
	/* "HTTP/1.x SSS[ reason]" */
	if (line_len < 14 || memcmp(buf, "HTTP/1.", 7) ||
	    (buf[7] != '0' && buf[7] != '1') || buf[8] != ' ' ||
	    buf[9] < '1' || buf[9] > '5' || buf[10] < '0' || buf[10] > '9' ||
	    buf[11] < '0' || buf[11] > '9' ||
	    (line_len > 14 && buf[12] != ' '))
		return KHTTP_E_VERSION_SYNTAX;
	for (size_t i = 12; i < line_len - 2; i++)
		if ((unsigned char)buf[i] < 0x20 && buf[i] != '\t')
			return KHTTP_E_LINE_ENDING;
	r->version = buf[7] == '1' ? 11 : 10;
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + buf[11] - '0';

	prefix = r->version == 11 ? fake11 : fake10;
	plen = strlen(prefix);
	fields_len = (size_t)(end - buf) + 4 - line_len;
	if (plen + fields_len > KHTTP_HEAD_CEILING)
		return KHTTP_E_HEADERS_TOO_LARGE;
	r->reason = strndup(buf + 9, line_len - 11);
	r->fields = malloc(plen + fields_len);
	if (!r->fields || !r->reason) {
		proxy_resp_free(r);
		return KHTTP_E_HEADERS_TOO_LARGE;
	}
	memcpy(r->fields, prefix, plen);
	memcpy(r->fields + plen, buf + line_len, fields_len);
	khttp_request_init(&r->freq);
	rc = khttp_parse(&r->freq, &lim, r->fields, plen + fields_len);
	if (rc != KHTTP_DONE) {
		proxy_resp_free(r);
		/* KHTTP_AGAIN cannot be: the head is complete */
		return rc == KHTTP_AGAIN ? KHTTP_E_LINE_ENDING : rc;
	}
	r->keep_alive = r->freq.flags & KHTTP_F_KEEP_ALIVE;
	r->chunked = r->freq.flags & KHTTP_F_CHUNKED;
	r->content_length = r->freq.content_length;
	while (khttp_field_next(r->fields, &r->freq, &pos, &n, &v))
		if (khttp_span_ieq(r->fields, n, "content-length"))
			r->has_length = true;
	r->head_len = (size_t)(end - buf) + 4;
	return KHTTP_DONE;
}

/*
 * A field of a backend's response that is not the backend's to pass on:
 * our synthetic Host line, a hop-by-hop field, one named by Connection.
 */
static bool resp_field_not_forwarded(const struct proxy_resp *r,
				     struct khttp_span n)
{
	const char *buf = r->fields;

	return (r->version == 11 && n.off < sizeof(fake11) - 1) ||
	       name_in(buf, n, hop_by_hop, COUNT(hop_by_hop)) ||
	       named_by_connection(buf, &r->freq, n);
}

void proxy_resp_free(struct proxy_resp *r)
{
	free(r->fields);
	free(r->reason);
	r->fields = r->reason = NULL;
}

/* What proxy_build_response() copies of the backend's fields. */
struct response_copy {
	const struct proxy_resp *r;
	bool chunked;
};

static bool response_keeps(const char *buf, struct khttp_span n,
			   struct khttp_span v, void *arg)
{
	const struct response_copy *rc = arg;

	(void)v;
	/*
	 * The synthetic Host line is ours, Via is merged below; a 204 never
	 * has a length (RFC 9110 8.6): a client or cache that believed one
	 * would take the next response as its body.
	 */
	return !resp_field_not_forwarded(rc->r, n) &&
	       !khttp_span_ieq(buf, n, "via") &&
	       !((rc->chunked || rc->r->status == 204) &&
		 khttp_span_ieq(buf, n, "content-length"));
}

char *proxy_build_response(const struct proxy_resp *r,
			   const char *via_token, bool chunked,
			   bool keep_alive, u8 client_version, size_t *len)
{
	const char *buf = r->fields;
	struct strbuf s = { 0 };
	struct response_copy rc = { .r = r, .chunked = chunked };

	strbuf_str(&s, "HTTP/1.1 ");
	strbuf_str(&s, r->reason);
	strbuf_str(&s, "\r\n");
	reqfield_copy(&s, buf, &r->freq, response_keeps, &rc);
	if (chunked)
		strbuf_str(&s, "Transfer-Encoding: chunked\r\n");
	strbuf_str(&s, "Via: ");
	add_merged(&s, buf, &r->freq, "via");
	strbuf_str(&s, r->version == 10 ? "1.0 " : "1.1 ");
	strbuf_str(&s, via_token);
	strbuf_str(&s, "\r\n");
	if (!keep_alive)
		strbuf_str(&s, "Connection: close\r\n");
	else if (client_version == 10)
		strbuf_str(&s, "Connection: keep-alive\r\n");
	strbuf_str(&s, "\r\n");
	return strbuf_take(&s, len);
}

size_t proxy_chunk_header(char *out, size_t data_len)
{
	return (size_t)snprintf(out, 20, "%zx\r\n", data_len);
}

/* ---- caching proxied responses ---- */

struct cc_state {
	bool forbid, public;
	long max_age, s_maxage;		/* -1: absent */
	char *vary;
	size_t varysz, varylen;
};

static bool tok_is(const char *t, size_t len, const char *word)
{
	size_t wl = strlen(word);

	return len >= wl && !strncasecmp(t, word, wl) &&
	       (len == wl || t[wl] == '=');
}

static long tok_seconds(const char *t, size_t len, size_t skip)
{
	long n = 0;

	if (len <= skip)
		return -1;
	for (size_t i = skip; i < len; i++) {
		if (t[i] < '0' || t[i] > '9' || n > 100000000)
			return -1;
		n = n * 10 + (t[i] - '0');
	}
	return n;
}

static void cc_token(const char *t, size_t len, void *arg)
{
	struct cc_state *st = arg;

	if (tok_is(t, len, "no-store") || tok_is(t, len, "private") ||
	    tok_is(t, len, "no-cache"))
		st->forbid = true;
	else if (tok_is(t, len, "s-maxage"))
		st->s_maxage = tok_seconds(t, len, 9);
	else if (tok_is(t, len, "max-age"))
		st->max_age = tok_seconds(t, len, 8);
	else if (tok_is(t, len, "public"))
		st->public = true;
}

static void vary_token(const char *t, size_t len, void *arg)
{
	struct cc_state *st = arg;

	if (len == 1 && *t == '*') {
		st->forbid = true;
		return;
	}
	if (st->varylen + len + 2 > st->varysz) {
		st->forbid = true;	/* too many to key on */
		return;
	}
	if (st->varylen)
		st->vary[st->varylen++] = ' ';
	for (size_t i = 0; i < len; i++)
		st->vary[st->varylen++] = (char)tolower((unsigned char)t[i]);
	st->vary[st->varylen] = '\0';
}

unsigned proxy_response_ttl(const struct proxy_resp *r, bool credentials,
			    char *vary, size_t varysz)
{
	struct cc_state st = { .max_age = -1, .s_maxage = -1, .vary = vary,
			       .varysz = varysz };
	struct khttp_span n, v;
	u16 pos = 0;
	long ttl;

	vary[0] = '\0';
	if (r->status != 200)
		return 0;
	each_token(r->fields, &r->freq, "cache-control", "", cc_token, &st);
	each_token(r->fields, &r->freq, "vary", "", vary_token, &st);
	while (khttp_field_next(r->fields, &r->freq, &pos, &n, &v))
		if (khttp_span_ieq(r->fields, n, "set-cookie"))
			st.forbid = true;
	if (credentials && !st.public && st.s_maxage < 0)
		st.forbid = true;	/* meant for that client alone */
	ttl = st.s_maxage >= 0 ? st.s_maxage : st.max_age;
	return st.forbid || ttl <= 0 ? 0 : (unsigned)ttl;
}

static void req_cc_token(const char *t, size_t len, void *arg)
{
	if (tok_is(t, len, "no-cache") || tok_is(t, len, "no-store"))
		*(bool *)arg = true;
}

enum proxy_cache_use proxy_request_cache_use(const char *buf,
					     const struct khttp_request *req)
{
	bool bypass = false;

	each_token(buf, req, "cache-control", "", req_cc_token, &bypass);
	each_token(buf, req, "pragma", "", req_cc_token, &bypass);
	if (bypass)
		return PROXY_CACHE_BYPASS;
	/* every Authorization field: the parser keeps only the last one */
	return reqfield_has(buf, req, "authorization", NULL) ?
	       PROXY_CACHE_CREDENTIALS : PROXY_CACHE_USE;
}

/* What proxy_cached_fields() keeps; it notes the Content-Type on the way. */
struct cached_copy {
	const struct proxy_resp *r;
	char *ctype;
	size_t ctypesz;
};

static bool cached_keeps(const char *buf, struct khttp_span n,
			 struct khttp_span v, void *arg)
{
	static const char *const own[] = {
		"date", "server", "content-type", "content-length", "via",
		"age", "x-cache",
	};
	const struct cached_copy *cc = arg;

	if (khttp_span_ieq(buf, n, "content-type") && v.len < cc->ctypesz) {
		memcpy(cc->ctype, buf + v.off, v.len);
		cc->ctype[v.len] = '\0';
	}
	return !resp_field_not_forwarded(cc->r, n) &&
	       !name_in(buf, n, own, COUNT(own));
}

char *proxy_cached_fields(const struct proxy_resp *r, char *ctype,
			  size_t ctypesz, size_t *len)
{
	struct cached_copy cc = { .r = r, .ctype = ctype, .ctypesz = ctypesz };
	struct strbuf s = { 0 };

	ctype[0] = '\0';
	reqfield_copy(&s, r->fields, &r->freq, cached_keeps, &cc);
	return strbuf_take(&s, len);
}

size_t proxy_vary_key(const char *buf, const struct khttp_request *req,
		      const char *vary, char *key, size_t off, size_t keysz)
{
	const char *name = vary;

	while (*name) {
		size_t nl = strcspn(name, " ");
		struct khttp_span n, v;
		u16 pos = 0;

		if (off + nl + 2 > keysz)
			return 0;
		key[off++] = '\0';
		memcpy(key + off, name, nl);
		off += nl;
		key[off++] = '=';
		while (khttp_field_next(buf, req, &pos, &n, &v)) {
			if (n.len != nl || strncasecmp(buf + n.off, name, nl))
				continue;
			if (off + v.len + 1 > keysz)
				return 0;
			memcpy(key + off, buf + v.off, v.len);
			off += v.len;
			key[off++] = ',';
		}
		name += nl;
		name += *name == ' ';
	}
	return off;
}
