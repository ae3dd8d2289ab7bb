/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Running one parser vector in every feeding mode, shared by the userspace
 * runner and the KUnit suite so that both hold the parser to the same rules.
 * The caller provides every buffer (no allocation here).
 */
#ifndef KHTTPD_VECTOR_CHECK_H
#define KHTTPD_VECTOR_CHECK_H

#include "parser_vectors.h"

#ifndef ARRAY_SIZE	/* the kernel's, for userspace */
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/*
 * KV_SPLIT splits inputs at every byte, unless they are longer than
 * 2 * KV_SPLIT_EDGE: then at every byte of both ends and at a stride in
 * between (for slow runs: KASAN under TCG, valgrind).
 */
#ifndef KV_SPLIT_EDGE
#define KV_SPLIT_EDGE 65536
#endif
#define KV_SPLIT_STRIDE 61

enum kv_mode {
	KV_WHOLE,	/* one call with everything */
	KV_GROWING,	/* calls with 1, 2, 3, ... bytes on the same request */
	KV_SPLIT,	/* two calls: k bytes, then all, for every k */
	KV_REPARSE,	/* half, then khttp_request_init() and all */
	KV_PIPELINE,	/* the input three times in a row */
	KV_MODES,
};

static const char * const kv_mode_names[KV_MODES] = {
	"whole", "growing", "split", "reparse", "pipeline",
};

static inline size_t kv_len(const struct khttp_vector *v)
{
	return v->len + (v->pad ? strlen(v->pad) * v->pad_count : 0);
}

/* Writes the input with its padding into buf (kv_len() bytes). */
static inline void kv_build(const struct khttp_vector *v, char *buf)
{
	size_t plen = v->pad ? strlen(v->pad) : 0, o = v->pad_at;
	u32 i;

	memcpy(buf, v->input, v->pad_at);
	for (i = 0; i < v->pad_count; i++, o += plen)
		memcpy(buf + o, v->pad, plen);
	memcpy(buf + o, v->input + v->pad_at, v->len - v->pad_at);
}

static inline bool kv_span_is(const char *buf, struct khttp_span s,
			      const char *want, size_t want_len)
{
	return s.len == want_len && !memcmp(buf + s.off, want, want_len);
}

static inline bool kv_span_inside(struct khttp_span s, size_t head_len)
{
	return (size_t)s.off + s.len <= head_len;
}

/*
 * Compares a parse of buf[0..len) against v. scratch (len + 2 bytes) holds
 * the normalized path. Returns NULL or the name of the first mismatch.
 */
static inline const char *kv_check(const struct khttp_vector *v, const char *buf,
				   size_t len, int rc, const struct khttp_request *r,
				   char *scratch)
{
	size_t head_len = v->head_len ? v->head_len : len;
	const struct khttp_span spans[] = {
		r->method_str, r->target, r->path, r->query, r->host, r->host_name,
		r->if_none_match, r->if_range, r->user_agent, r->referer,
		r->authorization, r->content_type,
	};
	size_t i;
	int n;

	if (rc != v->result)
		return "result";
	if (rc != KHTTP_DONE)
		return NULL;
	if (r->head_len != head_len)
		return "head_len";
	for (i = 0; i < ARRAY_SIZE(spans); i++) {
		if (!kv_span_inside(spans[i], r->head_len))
			return "span outside the head";
	}
	if (r->method != v->method)
		return "method";
	if (r->version != v->version)
		return "version";
	if (r->flags != v->flags)
		return "flags";
	if (v->host ? !kv_span_is(buf, r->host, v->host, strlen(v->host)) : r->host.len)
		return "host";
	if (v->host_name ? !kv_span_is(buf, r->host_name, v->host_name,
				       strlen(v->host_name)) :
	    r->host_name.off != r->host.off || r->host_name.len != r->host.len)
		return "host_name";
	if (v->query_is_pad) {
		size_t plen = strlen(v->pad);

		if (r->query.len != plen * v->pad_count)
			return "query (padding)";
		for (i = 0; i < r->query.len; i++) {
			if (buf[r->query.off + i] != v->pad[i % plen])
				return "query (padding)";
		}
	} else if (v->query ? !kv_span_is(buf, r->query, v->query, strlen(v->query)) :
		   r->query.len) {
		return "query";
	}
	if (!v->path)
		return "vector without path";
	n = khttp_path_normalize(buf + r->path.off, r->path.len, scratch, len + 2);
	if (n < 0 || (size_t)n != strlen(v->path) || memcmp(scratch, v->path, n))
		return "path";
	if (r->content_length != v->content_length)
		return "content_length";
	if ((r->flags & KHTTP_F_HAS_RANGE) &&
	    (r->range_first != v->range_first || r->range_last != v->range_last))
		return "range";
	if ((r->flags & KHTTP_F_HAS_IMS) && r->ims != v->ims)
		return "ims";
	if ((r->flags & KHTTP_F_HAS_IUMS) && r->iums != v->iums)
		return "iums";
	return NULL;
}

static inline int kv_parse(struct khttp_request *r, const struct khttp_vector *v,
			   const char *buf, size_t len)
{
	return khttp_parse(r, &v->lim, buf, len);
}

/* Whether split point k is tried for an input of len bytes. */
static inline bool kv_split_tried(size_t k, size_t len)
{
	return len <= 2 * KV_SPLIT_EDGE || k < KV_SPLIT_EDGE ||
	       k > len - KV_SPLIT_EDGE || k % KV_SPLIT_STRIDE == 0;
}

/* Pipelining needs a complete head with nothing after it. */
static inline bool kv_pipelines(const struct khttp_vector *v)
{
	return v->result == KHTTP_DONE && !v->head_len;
}

/*
 * Runs v (already built in buf, len bytes) in one mode. pipe holds 3 * len
 * bytes for KV_PIPELINE. Returns NULL or what went wrong; *at is the split
 * point or pipelined copy involved.
 */
static inline const char *kv_run(const struct khttp_vector *v, enum kv_mode mode,
				 const char *buf, size_t len, char *pipe,
				 char *scratch, size_t *at)
{
	struct khttp_request r, whole;
	const char *err = NULL;
	size_t k;
	int rc = KHTTP_AGAIN;

	/* every feeding must leave the request exactly as one whole call does */
	khttp_request_init(&whole);
	kv_parse(&whole, v, buf, len);
	*at = 0;
	switch (mode) {
	case KV_WHOLE:
		khttp_request_init(&r);
		rc = kv_parse(&r, v, buf, len);
		/* a finished parse answers the same again */
		if (kv_parse(&r, v, buf, len) != rc)
			return "second call differs";
		return kv_check(v, buf, len, rc, &r, scratch);
	case KV_GROWING:
		khttp_request_init(&r);
		for (k = 0; k <= len && rc == KHTTP_AGAIN; k++)
			rc = kv_parse(&r, v, buf, k);
		if (memcmp(&r, &whole, sizeof(r)))
			return "request differs from a whole parse";
		return kv_check(v, buf, len, rc, &r, scratch);
	case KV_SPLIT:
		for (k = 1; k < len && !err; k++) {
			if (!kv_split_tried(k, len))
				continue;
			*at = k;
			khttp_request_init(&r);
			rc = kv_parse(&r, v, buf, k);
			if (rc == KHTTP_AGAIN)
				rc = kv_parse(&r, v, buf, len);
			err = memcmp(&r, &whole, sizeof(r)) ?
			      "request differs from a whole parse" :
			      kv_check(v, buf, len, rc, &r, scratch);
		}
		return err;
	case KV_REPARSE:
		khttp_request_init(&r);
		kv_parse(&r, v, buf, len / 2);
		khttp_request_init(&r);
		rc = kv_parse(&r, v, buf, len);
		if (memcmp(&r, &whole, sizeof(r)))
			return "request differs from a whole parse";
		return kv_check(v, buf, len, rc, &r, scratch);
	case KV_PIPELINE:
		if (!kv_pipelines(v))
			return NULL;
		for (k = 0; k < 3; k++)
			memcpy(pipe + k * len, buf, len);
		for (k = 0; k < 3 && !err; k++) {
			*at = k;
			khttp_request_init(&r);
			rc = kv_parse(&r, v, pipe + k * len, (3 - k) * len);
			err = kv_check(v, pipe + k * len, len, rc, &r, scratch);
		}
		return err;
	case KV_MODES:
		break;
	}
	return "bad mode";
}

#endif /* KHTTPD_VECTOR_CHECK_H */
