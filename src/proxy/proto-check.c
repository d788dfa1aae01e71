/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Field checks shared by the parser and the builders of proto.h. */
#include "proxy/proto-internal.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include "base/banned.h"

#define PROXY_TOKEN_MAX 256u /* a method or a header name */

bool proxy_text_ok(const char *p, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
            return false;
    return true;
}

static bool is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

bool proxy_token_ok(const char *p, size_t len, size_t max)
{
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_tchar((unsigned char)p[i]))
            return false;
    return true;
}

/* A request target in origin form: '/' and visible ASCII, nothing that could end the line. */
static bool target_ok(struct proxy_str t)
{
    if (t.len == 0 || t.len > AGS_PROXY_MAX_URL || t.p[0] != '/')
        return false;
    for (size_t i = 0; i < t.len; i++)
        if ((unsigned char)t.p[i] <= 0x20 || (unsigned char)t.p[i] >= 0x7f)
            return false;
    return true;
}

/* Field content (RFC 9110 5.5): tab, visible ASCII, space and obs-text; never CR, LF, NUL. */
static bool value_ok(struct proxy_str v)
{
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return false;
    }
    return true;
}

bool proxy_header_is_framing(const char *name, size_t len)
{
    static const char *const framing[] = {
            "content-length",   "transfer-encoding", "connection", "keep-alive",
            "proxy-connection", "upgrade",           "te",         "trailer",
    };
    for (size_t i = 0; i < sizeof(framing) / sizeof(framing[0]); i++)
        if (strlen(framing[i]) == len && strncasecmp(framing[i], name, len) == 0)
            return true;
    return false;
}

static int headers_check(const struct proxy_http *h, size_t head, struct ags_error *err)
{
    if (h->n_headers > AGS_PROXY_MAX_HEADERS)
        return ags_error_set(err, -EINVAL, "%zu header lines (at most %u)", h->n_headers,
                             AGS_PROXY_MAX_HEADERS);
    for (size_t i = 0; i < h->n_headers; i++) {
        const struct proxy_header *hd = &h->headers[i];
        if (!proxy_token_ok(hd->name.p, hd->name.len, PROXY_TOKEN_MAX))
            return ags_error_set(err, -EINVAL, "header %zu: a name that is no token", i + 1);
        if (!value_ok(hd->value))
            return ags_error_set(err, -EINVAL, "header %zu: a control character in its value",
                                 i + 1);
        if (proxy_header_is_framing(hd->name.p, hd->name.len))
            return ags_error_set(err, -EINVAL, "header %zu: '%.*s' is the relay's own", i + 1,
                                 (int)hd->name.len, hd->name.p);
        /* "name: value\r\n" */
        if (hd->value.len > AGS_PROXY_MAX_HEADER)
            return ags_error_set(err, -EINVAL, "header %zu: longer than %u bytes", i + 1,
                                 AGS_PROXY_MAX_HEADER);
        head += hd->name.len + hd->value.len + 4;
        if (head > AGS_PROXY_MAX_HEADER)
            return ags_error_set(err, -EINVAL, "headers of more than %u bytes",
                                 AGS_PROXY_MAX_HEADER);
    }
    return 0;
}

int proxy_http_check(const struct proxy_http *h, bool request, struct ags_error *err)
{
    size_t head;
    if (request) {
        if (!proxy_token_ok(h->method.p, h->method.len, PROXY_TOKEN_MAX))
            return ags_error_set(err, -EINVAL, "a method that is no token");
        if (!target_ok(h->target))
            return ags_error_set(err, -EINVAL,
                                 "a request target that is not '/' and visible ASCII");
        head = h->method.len + h->target.len + sizeof(" HTTP/1.1\r\n");
    } else {
        if (h->status < 200 || h->status > 599)
            return ags_error_set(err, -EINVAL, "status %u (200 to 599 are relayed)",
                                 (unsigned)h->status);
        head = sizeof("HTTP/1.1 200 \r\n");
    }
    if (h->body.len > AGS_PROXY_MAX_BODY)
        return ags_error_set(err, -EINVAL, "a body of more than %u bytes", AGS_PROXY_MAX_BODY);
    return headers_check(h, head, err);
}
