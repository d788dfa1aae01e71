/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The builders of proto.h: each checks what it writes with the parser's own checks. */
#include "proxy/proto.h"

#include <errno.h>
#include <string.h>

#include "proxy/proto-internal.h"
#include "base/banned.h"

static int put_u16(struct strbuf *out, uint16_t v)
{
    const char b[2] = {(char)(v >> 8), (char)v};
    return strbuf_append(out, b, sizeof(b));
}

static int put_u32(struct strbuf *out, uint32_t v)
{
    const char b[4] = {(char)(v >> 24), (char)(v >> 16), (char)(v >> 8), (char)v};
    return strbuf_append(out, b, sizeof(b));
}

static int put_str(struct strbuf *out, const char *p, size_t len)
{
    int r = put_u32(out, (uint32_t)len);
    return r < 0 ? r : strbuf_append(out, p, len);
}

static int put_headers(struct strbuf *out, const struct proxy_http *h)
{
    int r = put_u32(out, (uint32_t)h->n_headers);
    for (size_t i = 0; r == 0 && i < h->n_headers; i++) {
        r = put_str(out, h->headers[i].name.p, h->headers[i].name.len);
        if (r == 0)
            r = put_str(out, h->headers[i].value.p, h->headers[i].value.len);
    }
    return r;
}

/* A frame is its length, then the type and fields: begin writes a placeholder length,
 * end fills it in, or puts out back as it was. */
static size_t frame_begin(struct strbuf *out, enum proxy_msg_type type, int *r)
{
    size_t start = out->len;
    *r = put_u32(out, 0);
    if (*r == 0)
        *r = strbuf_appendc(out, (char)type);
    return start;
}

static int frame_end(struct strbuf *out, size_t start, int r)
{
    if (r == 0 && out->len - start - 4 > AGS_PROXY_MAX_MESSAGE)
        r = -EINVAL;
    if (r < 0) {
        out->len = start;
        if (out->buf)
            out->buf[start] = '\0';
        return r;
    }
    uint32_t n = (uint32_t)(out->len - start - 4);
    const uint8_t b[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(out->buf + start, b, sizeof(b));
    return 0;
}

int proxy_build_open(struct strbuf *out, const char *url, size_t len)
{
    if (len == 0 || len > AGS_PROXY_MAX_URL)
        return -EINVAL;
    int r;
    size_t start = frame_begin(out, PROXY_OPEN, &r);
    if (r == 0)
        r = put_u32(out, PROXY_PROTO_VERSION);
    if (r == 0)
        r = put_str(out, url, len);
    return frame_end(out, start, r);
}

int proxy_build_text(struct strbuf *out, enum proxy_msg_type type, const char *text)
{
    if ((type != PROXY_WAITING && type != PROXY_REFUSED) ||
        !proxy_text_ok(text, strlen(text), AGS_PROXY_MAX_TEXT))
        return -EINVAL;
    int r;
    size_t start = frame_begin(out, type, &r);
    if (r == 0)
        r = put_str(out, text, strlen(text));
    return frame_end(out, start, r);
}

int proxy_build_opened(struct strbuf *out, uint16_t relay_port)
{
    int r;
    size_t start = frame_begin(out, PROXY_OPENED, &r);
    if (r == 0)
        r = put_u16(out, relay_port);
    return frame_end(out, start, r);
}

int proxy_build_done(struct strbuf *out)
{
    int r;
    size_t start = frame_begin(out, PROXY_DONE, &r);
    return frame_end(out, start, r);
}

int proxy_build_callback_request(struct strbuf *out, uint32_t id, const struct proxy_http *req)
{
    if (proxy_http_check(req, true, NULL) < 0)
        return -EINVAL;
    int r;
    size_t start = frame_begin(out, PROXY_CALLBACK_REQUEST, &r);
    if (r == 0)
        r = put_u32(out, id);
    if (r == 0)
        r = put_str(out, req->method.p, req->method.len);
    if (r == 0)
        r = put_str(out, req->target.p, req->target.len);
    if (r == 0)
        r = put_headers(out, req);
    if (r == 0)
        r = put_str(out, req->body.p, req->body.len);
    return frame_end(out, start, r);
}

int proxy_build_callback_response(struct strbuf *out, uint32_t id, const struct proxy_http *resp)
{
    if (proxy_http_check(resp, false, NULL) < 0)
        return -EINVAL;
    int r;
    size_t start = frame_begin(out, PROXY_CALLBACK_RESPONSE, &r);
    if (r == 0)
        r = put_u32(out, id);
    if (r == 0)
        r = put_u16(out, resp->status);
    if (r == 0)
        r = put_headers(out, resp);
    if (r == 0)
        r = put_str(out, resp->body.p, resp->body.len);
    return frame_end(out, start, r);
}

int proxy_build_callback_failed(struct strbuf *out, uint32_t id, const char *reason)
{
    if (!proxy_text_ok(reason, strlen(reason), AGS_PROXY_MAX_TEXT))
        return -EINVAL;
    int r;
    size_t start = frame_begin(out, PROXY_CALLBACK_FAILED, &r);
    if (r == 0)
        r = put_u32(out, id);
    if (r == 0)
        r = put_str(out, reason, strlen(reason));
    return frame_end(out, start, r);
}
