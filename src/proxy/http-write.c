/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The writers of http.h. */
#include "proxy/http.h"

#include <errno.h>
#include <string.h>

#include "proxy/proto-internal.h"
#include "base/banned.h"

static const char *reason_phrase(unsigned status)
{
    static const struct {
        unsigned status;
        const char *reason;
    } reasons[] = {
            {200, "OK"},
            {201, "Created"},
            {202, "Accepted"},
            {204, "No Content"},
            {301, "Moved Permanently"},
            {302, "Found"},
            {303, "See Other"},
            {304, "Not Modified"},
            {307, "Temporary Redirect"},
            {308, "Permanent Redirect"},
            {400, "Bad Request"},
            {401, "Unauthorized"},
            {403, "Forbidden"},
            {404, "Not Found"},
            {405, "Method Not Allowed"},
            {411, "Length Required"},
            {413, "Content Too Large"},
            {431, "Request Header Fields Too Large"},
            {500, "Internal Server Error"},
            {501, "Not Implemented"},
            {502, "Bad Gateway"},
            {503, "Service Unavailable"},
            {504, "Gateway Timeout"},
    };

    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].reason;
    return "";
}

static int put_headers_and_body(struct strbuf *out, const struct proxy_http *h, bool length)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < h->n_headers; i++)
        r = strbuf_appendf(out, "%.*s: %.*s\r\n", (int)h->headers[i].name.len, h->headers[i].name.p,
                           (int)h->headers[i].value.len, h->headers[i].value.p);
    if (r == 0 && length)
        r = strbuf_appendf(out, "Content-Length: %zu\r\n", h->body.len);
    if (r == 0)
        r = strbuf_appends(out, "Connection: close\r\n\r\n");
    if (r == 0)
        r = strbuf_append(out, h->body.p, h->body.len);
    return r;
}

static bool method_sends_body(struct proxy_str m)
{
    return (m.len == 4 && memcmp(m.p, "POST", 4) == 0) ||
           (m.len == 3 && memcmp(m.p, "PUT", 3) == 0) ||
           (m.len == 5 && memcmp(m.p, "PATCH", 5) == 0);
}

/* On failure out is as it was. */
static int finish(struct strbuf *out, size_t start, int r)
{
    if (r < 0) {
        out->len = start;
        if (out->buf)
            out->buf[start] = '\0';
    }
    return r;
}

int proxy_http_write_request(struct strbuf *out, const struct proxy_http *req)
{
    if (proxy_http_check(req, true, NULL) < 0)
        return -EINVAL;
    size_t start = out->len;
    int r = strbuf_appendf(out, "%.*s %.*s HTTP/1.1\r\n", (int)req->method.len, req->method.p,
                           (int)req->target.len, req->target.p);
    if (r == 0)
        r = put_headers_and_body(out, req, req->body.len > 0 || method_sends_body(req->method));
    return finish(out, start, r);
}

int proxy_http_write_response(struct strbuf *out, const struct proxy_http *resp)
{
    if (proxy_http_check(resp, false, NULL) < 0)
        return -EINVAL;
    size_t start = out->len;
    int r = strbuf_appendf(out, "HTTP/1.1 %u %s\r\n", (unsigned)resp->status,
                           reason_phrase(resp->status));
    /* 204 and 304 have no body and no length (RFC 9110 8.6). */
    bool bodyless = resp->status == 204 || resp->status == 304;
    if (r == 0 && bodyless && resp->body.len > 0)
        r = -EINVAL;
    if (r == 0)
        r = put_headers_and_body(out, resp, !bodyless);
    return finish(out, start, r);
}
