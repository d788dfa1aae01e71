/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the relay lets through between the user's browser and the sandbox: the browser's
 * cookies stay out of the sandbox, and the sandbox's answer cannot set cookies for
 * localhost or send the browser to another service on the host's loopback. */
#include <string.h>
#include <strings.h>

#include "proxy/server-internal.h"
#include "proxy/url.h"
#include "base/banned.h"

static bool header_is(const struct proxy_header *h, const char *name)
{
    return h->name.len == strlen(name) && strncasecmp(h->name.p, name, h->name.len) == 0;
}

void relay_request_view(const struct proxy_http *req, struct proxy_header *headers,
                        struct proxy_http *out)
{
    *out = *req;
    out->headers = headers;
    out->n_headers = 0;
    /* A browser sends every localhost cookie to every port: those of the user's other
     * local services (a notebook's session, say) are none of the sandbox's business. */
    for (size_t i = 0; i < req->n_headers; i++)
        if (!header_is(&req->headers[i], "Cookie"))
            headers[out->n_headers++] = req->headers[i];
}

/* A path on the relay itself: "/x", never "//host" nor "/\host" (browsers read a backslash
 * as a slash), and visible ASCII only (browsers drop tabs and newlines before reading). */
static bool relative_path(struct proxy_str v)
{
    if (v.len == 0 || v.p[0] != '/' || (v.len > 1 && (v.p[1] == '/' || v.p[1] == '\\')))
        return false;
    for (size_t i = 0; i < v.len; i++)
        if (v.p[i] < 0x21 || v.p[i] > 0x7e || v.p[i] == '\\')
            return false;
    return true;
}

bool relay_location_allowed(struct proxy_str v, uint16_t port)
{
    if (relative_path(v))
        return true;
    uint16_t to;
    size_t off;
    /* http on localhost, 127.0.0.1 or [::1]: only this window's own port. */
    if (proxy_url_loopback_callback(v.p, v.len, &to, &off, NULL) == 0)
        return to == port;
    /* Anything else must be a page the proxy would open itself: public http(s). */
    struct proxy_url u;
    return proxy_url_parse(v.p, v.len, &u, NULL) == 0;
}

/* The sandbox's own, dropped: cookies it would set for localhost (every port), a refresh
 * that redirects like Location, and the two the relay sets itself. */
static bool response_header_dropped(const struct proxy_header *h, uint16_t port)
{
    static const char *const dropped[] = {"Set-Cookie", "Set-Cookie2", "Refresh",
                                          "Content-Security-Policy", "X-Content-Type-Options"};
    for (size_t i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
        if (header_is(h, dropped[i]))
            return true;
    return header_is(h, "Location") && !relay_location_allowed(h->value, port);
}

void relay_response_view(const struct proxy_http *resp, uint16_t port,
                         struct proxy_header *headers, struct proxy_http *out)
{
    *out = *resp;
    out->headers = headers;
    out->n_headers = 0;
    for (size_t i = 0; i < resp->n_headers; i++)
        if (!response_header_dropped(&resp->headers[i], port))
            headers[out->n_headers++] = resp->headers[i];
    /* The page is shown as a sandboxed document: no script, form or same-origin access to
     * anything on localhost, and never sniffed into another type. */
    static const struct proxy_header added[RELAY_ADDED_HEADERS] = {
            {.name = {"Content-Security-Policy", 23}, .value = {"sandbox", 7}},
            {.name = {"X-Content-Type-Options", 22}, .value = {"nosniff", 7}},
    };
    for (size_t i = 0; i < RELAY_ADDED_HEADERS; i++)
        headers[out->n_headers++] = added[i];
}
