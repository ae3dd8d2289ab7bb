// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The response side shared by the module and the daemon; see
 * http_response.h. Numbers are written with the small writers below rather
 * than snprintf, whose kernel and libc versions differ.
 */
#include <khttpd/http_response.h>
#include "http_common.h"

/* Appends into a fixed buffer; once something does not fit, it stays full. */
struct out_buf {
	char *p;
	size_t len;
	size_t cap;
	bool full;
};

static void put_mem(struct out_buf *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void put_str(struct out_buf *w, const char *s)
{
	put_mem(w, s, strlen(s));
}

static void put_num(struct out_buf *w, u64 v, unsigned int base)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	put_mem(w, tmp + i, sizeof(tmp) - i);
}

const char *khttp_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	case 508: return "Loop Detected";
	}
	return "Unknown";
}

#define TEXT(t) "text/" t "; charset=utf-8"

static const struct {
	const char *ext;
	const char *type;
} mime_types[] = {
	{ "html", TEXT("html") },
	{ "htm", TEXT("html") },
	{ "shtml", TEXT("html") },
	{ "xhtml", "application/xhtml+xml" },
	{ "css", TEXT("css") },
	{ "js", TEXT("javascript") },
	{ "mjs", TEXT("javascript") },
	{ "json", "application/json" },
	{ "map", "application/json" },
	{ "webmanifest", "application/manifest+json" },
	{ "jsonld", "application/ld+json" },
	{ "xml", TEXT("xml") },
	{ "xsl", TEXT("xml") },
	{ "rss", "application/rss+xml" },
	{ "atom", "application/atom+xml" },
	{ "txt", TEXT("plain") },
	{ "text", TEXT("plain") },
	{ "log", TEXT("plain") },
	{ "csv", TEXT("csv") },
	{ "tsv", TEXT("tab-separated-values") },
	{ "md", TEXT("markdown") },
	{ "markdown", TEXT("markdown") },
	{ "ics", TEXT("calendar") },
	{ "vtt", TEXT("vtt") },
	{ "svg", "image/svg+xml" },
	{ "svgz", "image/svg+xml" },
	{ "png", "image/png" },
	{ "apng", "image/apng" },
	{ "jpg", "image/jpeg" },
	{ "jpeg", "image/jpeg" },
	{ "gif", "image/gif" },
	{ "webp", "image/webp" },
	{ "avif", "image/avif" },
	{ "ico", "image/x-icon" },
	{ "bmp", "image/bmp" },
	{ "tif", "image/tiff" },
	{ "tiff", "image/tiff" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "ttf", "font/ttf" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "zip", "application/zip" },
	{ "gz", "application/gzip" },
	{ "tgz", "application/gzip" },
	{ "tar", "application/x-tar" },
	{ "xz", "application/x-xz" },
	{ "bz2", "application/x-bzip2" },
	{ "zst", "application/zstd" },
	{ "7z", "application/x-7z-compressed" },
	{ "rar", "application/vnd.rar" },
	{ "mp3", "audio/mpeg" },
	{ "ogg", "audio/ogg" },
	{ "oga", "audio/ogg" },
	{ "opus", "audio/ogg" },
	{ "wav", "audio/wav" },
	{ "flac", "audio/flac" },
	{ "m4a", "audio/mp4" },
	{ "aac", "audio/aac" },
	{ "mp4", "video/mp4" },
	{ "m4v", "video/mp4" },
	{ "webm", "video/webm" },
	{ "ogv", "video/ogg" },
	{ "mov", "video/quicktime" },
	{ "mkv", "video/x-matroska" },
	{ "avi", "video/x-msvideo" },
	{ "wasm", "application/wasm" },
	{ "epub", "application/epub+zip" },
	{ "rtf", "application/rtf" },
	{ "iso", "application/octet-stream" },
	{ NULL, "application/octet-stream" },
};

const char *khttp_mime_type(const char *path, size_t len)
{
	struct khttp_span ext = { 0, 0 };
	size_t dot = len, i;

	/* the extension is after the last '.' of the last segment */
	while (dot > 0 && path[dot - 1] != '.' && path[dot - 1] != '/')
		dot--;
	if (dot == 0 || path[dot - 1] != '.')
		dot = len;
	if (len - dot > 16)	/* longer than any in the table */
		return "application/octet-stream";
	ext.len = (u16)(len - dot);
	for (i = 0; mime_types[i].ext; i++) {
		if (khttp_span_ieq(path + dot, ext, mime_types[i].ext))
			break;
	}
	return mime_types[i].type;
}

int khttp_etag_format(char *out, u64 ino, s64 mtime, u64 size)
{
	struct out_buf w = { .p = out, .cap = KHTTP_ETAG_MAX - 1 };

	put_mem(&w, "\"", 1);
	put_num(&w, ino, 16);
	put_mem(&w, "-", 1);
	put_num(&w, (u64)mtime, 16);
	put_mem(&w, "-", 1);
	put_num(&w, size, 16);
	put_mem(&w, "\"", 1);
	out[w.len] = '\0';
	return (int)w.len;
}

/* Drops a "W/" prefix: weak comparison ignores it (RFC 9110 8.8.3.2). */
static void etag_unweak(const char **tag, size_t *len)
{
	if (*len >= 2 && (*tag)[0] == 'W' && (*tag)[1] == '/') {
		*tag += 2;
		*len -= 2;
	}
}

bool khttp_etag_list_match(const char *list, size_t len,
			   const char *etag, size_t etag_len)
{
	size_t i = 0;

	while (len && is_ows(list[len - 1]))
		len--;
	while (i < len && is_ows(list[i]))
		i++;
	if (len - i == 1 && list[i] == '*')
		return true;
	if (!etag)
		return false;
	etag_unweak(&etag, &etag_len);
	while (i < len) {
		const char *tag;
		size_t tag_len;
		bool match;

		if (list[i] == ',' || is_ows(list[i])) {
			i++;
			continue;
		}
		tag = list + i;
		tag_len = len - i;
		etag_unweak(&tag, &tag_len);
		i = tag - list;
		/* entity-tag = [ W/ ] DQUOTE *etagc DQUOTE; a ',' may be inside */
		if (list[i] != '"')
			return false;
		for (i++; i < len && list[i] != '"'; i++) {
			if ((u8)list[i] < 0x21 || list[i] == 0x7f)
				return false;
		}
		if (i == len)
			return false;
		i++;
		match = (size_t)(list + i - tag) == etag_len &&
			!memcmp(tag, etag, etag_len);
		while (i < len && is_ows(list[i]))
			i++;
		if (i < len && list[i] != ',')
			return false;
		if (match)
			return true;
	}
	return false;
}

static bool method_is_get_or_head(const struct khttp_request *req)
{
	return req->method == KHTTP_METHOD_GET || req->method == KHTTP_METHOD_HEAD;
}

int khttp_conditional(const char *buf, const struct khttp_request *req,
		      const char *etag, size_t etag_len, s64 mtime)
{
	if ((req->flags & KHTTP_F_HAS_IUMS) && mtime > req->iums)
		return 412;
	if (req->if_none_match.len) {
		if (!khttp_etag_list_match(buf + req->if_none_match.off,
					   req->if_none_match.len, etag, etag_len))
			return 0;
		return method_is_get_or_head(req) ? 304 : 412;
	}
	if ((req->flags & KHTTP_F_HAS_IMS) && method_is_get_or_head(req) &&
	    mtime <= req->ims)
		return 304;
	return 0;
}

/* If-Range: a strong ETag equal to ours, or exactly our Last-Modified. */
static bool if_range_matches(const char *buf, const struct khttp_request *req,
			     const char *etag, size_t etag_len, s64 mtime)
{
	const char *v = buf + req->if_range.off;
	size_t n = req->if_range.len;
	s64 date;

	if (!n)
		return true;
	if (v[0] == '"')
		return etag && n == etag_len && !memcmp(v, etag, n);
	if (n >= 2 && v[0] == 'W' && v[1] == '/')
		return false;	/* weak validators never match If-Range */
	return khttp_date_parse(v, n, &date) && date == mtime;
}

int khttp_range_resolve(const char *buf, const struct khttp_request *req,
			const char *etag, size_t etag_len, s64 mtime,
			u64 size, u64 *start, u64 *len)
{
	u64 first = req->range_first, last = req->range_last;

	*start = 0;
	*len = size;
	if (!(req->flags & KHTTP_F_HAS_RANGE) || !method_is_get_or_head(req) ||
	    !if_range_matches(buf, req, etag, etag_len, mtime))
		return 200;
	if (first == KHTTP_RANGE_NONE) {
		/* suffix: the last "last" bytes, all of them if fewer */
		if (!last || !size) {
			*len = 0;
			return 416;
		}
		*start = last < size ? size - last : 0;
		*len = size - *start;
		return 206;
	}
	if (first >= size) {
		*len = 0;
		return 416;
	}
	if (last == KHTTP_RANGE_NONE || last >= size)
		last = size - 1;
	*start = first;
	*len = last - first + 1;
	return 206;
}

static void put_field(struct out_buf *w, const char *name, const char *value)
{
	put_str(w, name);
	put_str(w, value);
	put_mem(w, "\r\n", 2);
}

size_t khttp_head_build(char *out, size_t outsz, const struct khttp_head *h)
{
	struct out_buf w = { .p = out, .cap = outsz };
	char date[KHTTP_DATE_LEN + 1];
	size_t i;

	put_str(&w, "HTTP/1.1 ");
	put_num(&w, (u64)h->status, 10);
	put_mem(&w, " ", 1);
	put_field(&w, "", khttp_reason(h->status));
	if (h->date) {
		put_str(&w, "Date: ");
		put_mem(&w, h->date, KHTTP_DATE_LEN);
		put_mem(&w, "\r\n", 2);
	}
	put_field(&w, "Server: ", KHTTP_SERVER_NAME);
	if (h->content_type)
		put_field(&w, "Content-Type: ", h->content_type);
	if (h->has_body_length) {
		put_str(&w, "Content-Length: ");
		put_num(&w, h->content_length, 10);
		put_mem(&w, "\r\n", 2);
	}
	if (h->last_modified) {
		khttp_date_format(h->last_modified, date);
		put_field(&w, "Last-Modified: ", date);
	}
	if (h->etag)
		put_field(&w, "ETag: ", h->etag);
	if (h->accept_ranges)
		put_field(&w, "Accept-Ranges: ", "bytes");
	if (h->status == 206) {
		/* content_length is the length of the part */
		if (!h->content_length)
			return 0;
		put_str(&w, "Content-Range: bytes ");
		put_num(&w, h->range_start, 10);
		put_mem(&w, "-", 1);
		put_num(&w, h->range_start + h->content_length - 1, 10);
		put_mem(&w, "/", 1);
		put_num(&w, h->range_total, 10);
		put_mem(&w, "\r\n", 2);
	} else if (h->status == 416) {
		put_str(&w, "Content-Range: bytes */");
		put_num(&w, h->range_total, 10);
		put_mem(&w, "\r\n", 2);
	}
	if (h->location) {
		/* no CR/LF or other control bytes: no header injection */
		for (i = 0; i < h->location_len; i++) {
			if ((u8)h->location[i] < 0x20 || h->location[i] == 0x7f)
				return 0;
		}
		put_str(&w, "Location: ");
		put_mem(&w, h->location, h->location_len);
		put_mem(&w, "\r\n", 2);
	}
	if (!h->keep_alive)
		put_field(&w, "Connection: ", "close");
	else if (h->version == 10)
		put_field(&w, "Connection: ", "keep-alive");
	if (h->extra)
		put_str(&w, h->extra);
	put_mem(&w, "\r\n", 2);
	return w.full ? 0 : w.len;
}

bool khttp_status_bodyless(int status)
{
	return status < 200 || status == 204 || status == 304;
}

size_t khttp_error_build(char *out, size_t outsz, int status, u8 version,
			 bool keep_alive, const char *date, const char *extra)
{
	static const char *const body[] = {
		"<!DOCTYPE html>\n<html><head><title>", " ",
		"</title></head>\n<body><h1>", " ", "</h1></body></html>\n",
	};
	struct khttp_head h = {
		.status = status,
		.version = version,
		.keep_alive = keep_alive,
		.date = date,
		.extra = extra,
	};
	const char *reason = khttp_reason(status);
	char code[3];
	struct out_buf w;
	size_t n, i;

	if (status < 100 || status > 999)
		return 0;
	code[0] = '0' + status / 100;
	code[1] = '0' + status / 10 % 10;
	code[2] = '0' + status % 10;
	if (!khttp_status_bodyless(status)) {
		h.has_body_length = true;
		h.content_type = "text/html; charset=utf-8";
		for (i = 0; i < 5; i++)
			h.content_length += strlen(body[i]);
		h.content_length += 2 * (sizeof(code) + strlen(reason));
	}
	n = khttp_head_build(out, outsz, &h);
	if (!n || !h.has_body_length)
		return n;
	w = (struct out_buf){ .p = out, .len = n, .cap = outsz };
	for (i = 0; i < 5; i++) {
		put_str(&w, body[i]);
		if (i == 0 || i == 2)
			put_mem(&w, code, sizeof(code));
		else if (i == 1 || i == 3)
			put_str(&w, reason);
	}
	return w.full ? 0 : w.len;
}
