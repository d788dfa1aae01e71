/* SPDX-License-Identifier: GPL-2.0-or-later */
/* proxy_http_parse: one HTTP/1.x message, strictly (CRLF lines, no folding, one length). */
#include "proxy/http.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/parse-util.h"
#include "proxy/proto-internal.h"
#include "base/banned.h"

/* How the body ends, from the headers. */
struct framing {
    bool has_length, chunked;
    size_t length;
};

void proxy_http_done(struct proxy_http *h)
{
    free(h->headers);
    *h = (struct proxy_http){0};
}

/* The end of the head (past its empty line), 0 while it is not all there. */
static size_t head_end(const char *buf, size_t len)
{
    size_t max = len < AGS_PROXY_MAX_HEADER ? len : AGS_PROXY_MAX_HEADER;
    for (size_t i = 3; i < max; i++)
        if (buf[i - 3] == '\r' && buf[i - 2] == '\n' && buf[i - 1] == '\r' && buf[i] == '\n')
            return i + 1;
    return 0;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static struct proxy_str trim(const char *p, size_t n)
{
    while (n > 0 && is_ows(*p)) {
        p++;
        n--;
    }
    while (n > 0 && is_ows(p[n - 1]))
        n--;
    return (struct proxy_str){.p = p, .len = n};
}

static bool is_http_version(const char *p, size_t n)
{
    return n == 8 && (memcmp(p, "HTTP/1.1", 8) == 0 || memcmp(p, "HTTP/1.0", 8) == 0);
}

static int start_line(const char *p, size_t n, bool request, struct proxy_http *h)
{
    const char *sp1 = memchr(p, ' ', n);
    if (!sp1)
        return -EBADMSG;
    size_t first = (size_t)(sp1 - p), rest = n - first - 1;
    const char *second = sp1 + 1;
    const char *sp2 = memchr(second, ' ', rest);
    if (request) {
        if (!sp2 || !is_http_version(sp2 + 1, (size_t)(p + n - sp2 - 1)))
            return -EBADMSG;
        h->method = (struct proxy_str){.p = p, .len = first};
        h->target = (struct proxy_str){.p = second, .len = (size_t)(sp2 - second)};
        return 0;
    }
    size_t code_len = sp2 ? (size_t)(sp2 - second) : rest;
    if (!is_http_version(p, first) || code_len != 3)
        return -EBADMSG;
    unsigned status = 0;
    for (size_t i = 0; i < 3; i++) {
        if (second[i] < '0' || second[i] > '9')
            return -EBADMSG;
        status = status * 10 + (unsigned)(second[i] - '0');
    }
    h->status = (uint16_t)status;
    return 0;
}

static int take_length(struct proxy_str v, struct framing *f)
{
    size_t n = 0;
    if (v.len == 0 || v.len > 10)
        return -EBADMSG;
    for (size_t i = 0; i < v.len; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return -EBADMSG;
        n = n * 10 + (size_t)(v.p[i] - '0');
    }
    /* Repeated, it must say the same each time (RFC 9112 6.3). */
    if (f->has_length && f->length != n)
        return -EBADMSG;
    if (n > AGS_PROXY_MAX_BODY)
        return -EMSGSIZE;
    f->has_length = true;
    f->length = n;
    return 0;
}

static int framing_header(struct proxy_str name, struct proxy_str v, bool request,
                          struct framing *f)
{
    if (name.len == 14 && strncasecmp(name.p, "content-length", 14) == 0)
        return take_length(v, f);
    if (name.len == 17 && strncasecmp(name.p, "transfer-encoding", 17) == 0) {
        /* A browser never sends one with a callback; a response may be chunked. */
        if (request || v.len != 7 || strncasecmp(v.p, "chunked", 7) != 0 || f->chunked)
            return -ENOTSUP;
        f->chunked = true;
    }
    return 0; /* Connection and the like: the relay writes its own */
}

/* One "name: value" line. */
static int header_line(const char *p, size_t n, bool request, struct proxy_http *h,
                       struct framing *f)
{
    const char *colon = memchr(p, ':', n);
    if (!colon || colon == p)
        return -EBADMSG;
    struct proxy_str name = {.p = p, .len = (size_t)(colon - p)};
    struct proxy_str value = trim(colon + 1, n - name.len - 1);
    if (!proxy_token_ok(name.p, name.len, AGS_PROXY_MAX_HEADER))
        return -EBADMSG; /* a space before the colon, or folding */
    if (proxy_header_is_framing(name.p, name.len))
        return framing_header(name, value, request, f);
    if (h->n_headers == AGS_PROXY_MAX_HEADERS)
        return -EMSGSIZE;
    h->headers[h->n_headers++] = (struct proxy_header){.name = name, .value = value};
    return 0;
}

static int parse_head(const char *buf, size_t end, bool request, struct proxy_http *h,
                      struct framing *f)
{
    h->headers = xcalloc(AGS_PROXY_MAX_HEADERS, sizeof(*h->headers));
    size_t off = 0;
    for (bool first = true;; first = false) {
        const char *lf = memchr(buf + off, '\n', end - off);
        size_t line = (size_t)(lf - (buf + off));
        if (line == 0 || buf[off + line - 1] != '\r')
            return -EBADMSG; /* a bare LF */
        line--;
        if (line == 0)
            break;
        if (memchr(buf + off, '\r', line))
            return -EBADMSG; /* a bare CR */
        int r = first ? start_line(buf + off, line, request, h)
                      : header_line(buf + off, line, request, h, f);
        if (r < 0)
            return r;
        off += line + 2;
    }
    if (f->has_length && f->chunked)
        return -EBADMSG; /* both: the way requests are smuggled */
    return 0;
}

/* One chunk-size line at buf[*off]: 1 with *size, 0 for more bytes, negative if broken. */
static int chunk_size(const char *buf, size_t len, size_t *off, size_t *size)
{
    size_t i = *off, n = 0, digits = 0;
    for (; i < len && hex_digit_value(buf[i]) >= 0; i++) {
        if (++digits > 8)
            return -EMSGSIZE;
        n = n * 16 + (size_t)hex_digit_value(buf[i]);
    }
    if (i == len)
        return 0;
    if (digits == 0)
        return -EBADMSG;
    /* Extensions (";name=value") are ignored; the line ends at CRLF, within bounds. */
    const char *lf = memchr(buf + i, '\n', len - i);
    if (!lf)
        return len - i > 1024 ? -EBADMSG : 0;
    if ((size_t)(lf - buf) == i || lf[-1] != '\r' || (size_t)(lf - buf) - i > 1024)
        return -EBADMSG;
    *off = (size_t)(lf - buf) + 1;
    *size = n;
    return 1;
}

/* Trailer lines after the last chunk, up to the empty line: dropped. */
static int chunk_trailers(const char *buf, size_t len, size_t *off)
{
    for (size_t i = *off; i < len;) {
        const char *lf = memchr(buf + i, '\n', len - i);
        if (!lf)
            return len - *off > AGS_PROXY_MAX_HEADER ? -EMSGSIZE : 0;
        size_t line = (size_t)(lf - (buf + i));
        if (line == 0 || buf[i + line - 1] != '\r')
            return -EBADMSG;
        i += line + 1;
        if (line == 1) {
            *off = i;
            return 1;
        }
    }
    return 0;
}

static int dechunk(const char *buf, size_t len, size_t off, struct strbuf *body, size_t *end)
{
    for (;;) {
        size_t size;
        int r = chunk_size(buf, len, &off, &size);
        if (r <= 0)
            return r;
        if (size == 0) {
            r = chunk_trailers(buf, len, &off);
            *end = off;
            return r;
        }
        if (size > AGS_PROXY_MAX_BODY || body->len + size > AGS_PROXY_MAX_BODY)
            return -EMSGSIZE;
        if (len - off < size + 2)
            return 0;
        if (buf[off + size] != '\r' || buf[off + size + 1] != '\n')
            return -EBADMSG;
        if (strbuf_append(body, buf + off, size) < 0)
            return -EMSGSIZE;
        off += size + 2;
    }
}

/* The body after the head at off: 1 when whole (*end past it), 0 for more bytes. */
static int take_body(const char *buf, size_t len, size_t off, enum proxy_http_kind kind,
                     bool eof, const struct proxy_http *h, const struct framing *f,
                     struct strbuf *body, size_t *end)
{
    size_t avail = len - off;
    bool request = kind == PROXY_HTTP_REQUEST;
    bool bodyless = kind == PROXY_HTTP_RESPONSE_TO_HEAD ||
                    (!request && (h->status == 204 || h->status == 304));
    if (bodyless || (request && !f->has_length)) {
        *end = off;
        return 1;
    }
    if (f->chunked)
        return dechunk(buf, len, off, body, end);
    if (f->has_length) {
        if (avail < f->length)
            return 0;
        *end = off + f->length;
        return strbuf_append(body, buf + off, f->length) < 0 ? -EMSGSIZE : 1;
    }
    /* A response without a length ends when the server closes. */
    if (avail > AGS_PROXY_MAX_BODY)
        return -EMSGSIZE;
    if (!eof)
        return 0;
    *end = len;
    return strbuf_append(body, buf + off, avail) < 0 ? -EMSGSIZE : 1;
}

static int parse_message(const char *buf, size_t len, enum proxy_http_kind kind, bool eof,
                         struct proxy_http *h, struct strbuf *body, size_t *consumed)
{
    bool request = kind == PROXY_HTTP_REQUEST;
    size_t end = head_end(buf, len);
    if (end == 0)
        return len >= AGS_PROXY_MAX_HEADER ? -EMSGSIZE : 0;
    struct framing f = {0};
    int r = parse_head(buf, end, request, h, &f);
    if (r == 0)
        r = take_body(buf, len, end, kind, eof, h, &f, body, consumed);
    if (r == 1) {
        h->body = (struct proxy_str){.p = body->buf ? body->buf : "", .len = body->len};
        if (proxy_http_check(h, request, NULL) < 0)
            r = -EBADMSG;
    }
    return r;
}

int proxy_http_parse(const char *buf, size_t len, enum proxy_http_kind kind, bool eof,
                     struct proxy_http *h, struct strbuf *body, size_t *consumed,
                     struct ags_error *err)
{
    bool request = kind == PROXY_HTTP_REQUEST;
    *h = (struct proxy_http){0};
    strbuf_reset(body);
    int r = parse_message(buf, len, kind, eof, h, body, consumed);
    if (r == 0 && eof)
        r = -EBADMSG;
    if (r == 1)
        return 1;
    proxy_http_done(h);
    strbuf_reset(body);
    if (r == 0)
        return 0;
    const char *what = request ? "callback request" : "callback response";
    if (r == -EMSGSIZE)
        return ags_error_set(err, r, "a %s over the relay's bounds (head %u, body %u bytes)", what,
                             AGS_PROXY_MAX_HEADER, AGS_PROXY_MAX_BODY);
    if (r == -ENOTSUP)
        return ags_error_set(err, r, "a %s with a transfer coding the relay does not take", what);
    return ags_error_set(err, -EBADMSG, "a malformed %s", what);
}
