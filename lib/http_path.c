// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The request path as a file name: percent-decoding and dot-segment removal
 * (RFC 3986 5.2.4). khttp_parse() runs it without an output to refuse paths
 * that climb above "/"; the servers run it again to get the name to look up,
 * and ask khttp_path_hidden() whether that name may be served at all.
 */
#include "http_common.h"

/*
 * Dot-segment removal over the percent-decoded path. With out == NULL it only
 * validates (what khttp_parse() needs, without a buffer): the depth count of
 * kept segments decides climbing, the output is not needed for that.
 */
struct path_out {
	char *out;
	size_t outsz;
	size_t o;		/* bytes written */
	size_t seg;		/* where the current segment starts in out */
	size_t seg_len;
	size_t depth;		/* segments kept */
	bool dots_only;
};

/* A segment ended; a separator follows when more is set. */
static int path_segment_end(struct path_out *p, bool more)
{
	if (p->seg_len == 2 && p->dots_only) {
		if (!p->depth)
			return KHTTP_E_PATH_ESCAPE;
		p->depth--;
		if (p->out) {
			/* out[seg - 1] ends the kept segment: cut back to its start */
			p->o = p->seg - 1;
			while (p->out[p->o - 1] != '/')
				p->o--;
		}
	} else if (p->seg_len == 0 || (p->seg_len == 1 && p->dots_only)) {
		p->o = p->seg;
	} else {
		p->depth++;
		if (p->out && more) {
			if (p->o + 1 >= p->outsz)
				return KHTTP_E_URI_TOO_LONG;
			p->out[p->o++] = '/';
		}
	}
	p->seg = p->o;
	p->seg_len = 0;
	p->dots_only = true;
	return 0;
}

static int path_normalize(const char *raw, size_t len, char *out, size_t outsz)
{
	struct path_out p = { .out = out, .outsz = outsz, .dots_only = true };
	size_t i = 0;
	int err;

	if (out) {
		if (outsz < 2)
			return KHTTP_E_URI_TOO_LONG;
		out[p.o++] = '/';
		p.seg = p.o;
	}
	while (i < len) {
		u8 c = raw[i++];

		if (c == '%') {
			int hi = i + 1 < len ? hex_value(raw[i]) : -1;
			int lo = hi >= 0 ? hex_value(raw[i + 1]) : -1;

			if (lo < 0)
				return KHTTP_E_PATH_ENCODING;
			c = (u8)(hi << 4 | lo);
			i += 2;
		}
		if (c == '/') {
			/* a decoded %2F separates segments like '/' does */
			err = path_segment_end(&p, true);
			if (err)
				return err;
			continue;
		}
		if (is_ctl(c))
			return KHTTP_E_PATH_NUL;
		if (c != '.')
			p.dots_only = false;
		p.seg_len++;
		if (out) {
			if (p.o + 1 >= outsz)
				return KHTTP_E_URI_TOO_LONG;
			out[p.o++] = c;
		}
	}
	err = path_segment_end(&p, false);
	if (err)
		return err;
	if (!out)
		return 0;
	out[p.o] = '\0';
	return (int)p.o;
}

int khttp_path_check(const char *raw, size_t len)
{
	return path_normalize(raw, len, NULL, 0);
}

int khttp_path_normalize(const char *raw, size_t len, char *out, size_t outsz)
{
	if (!out)
		return KHTTP_E_URI_TOO_LONG;
	return path_normalize(raw, len, out, outsz);
}

/* RFC 8615: the one dot-directory that is meant to be served. */
#define WELL_KNOWN	".well-known"
#define WELL_KNOWN_LEN	(sizeof(WELL_KNOWN) - 1)

bool khttp_path_hidden(const char *path, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (path[i] != '.' || (i && path[i - 1] != '/'))
			continue;
		/* only the top-level /.well-known itself is exempt */
		if (i == 1 && len - i >= WELL_KNOWN_LEN &&
		    !memcmp(path + i, WELL_KNOWN, WELL_KNOWN_LEN) &&
		    (len - i == WELL_KNOWN_LEN || path[i + WELL_KNOWN_LEN] == '/'))
			continue;
		return true;
	}
	return false;
}
