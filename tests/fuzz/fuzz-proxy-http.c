/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a hostile sandbox or browser controls on the relay's HTTP ends and
 * in a URL to open (src/proxy/http-*.c, url*.c, allow.c), on arbitrary
 * bytes.  Besides crashes and sanitizer reports it checks invariants: a
 * message is whole at the same point however much of the input is offered
 * (a prefix is never whole before the full message is); a parsed message
 * passes the protocol's builders and is written back out; an accepted URL's
 * host holds only name or address characters and is never loopback; a
 * callback port is at least 1024; a refusal's text builds as REFUSED; a name or IPv4 host is
 * auto-allowed by an entry equal to it.
 *
 * Input: byte 0 bit 0 = request (else response), bit 3 with bit 0 clear =
 * response to HEAD, bit 1 = the peer closed; the rest = the bytes (also
 * read as a URL).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "proxy/decide.h"
#include "proxy/http.h"
#include "proxy/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void http(const char *p, size_t n, enum proxy_http_kind kind, bool eof)
{
    bool request = kind == PROXY_HTTP_REQUEST;
    _cleanup_strbuf_ struct strbuf body, out;
    strbuf_init(&body, AGS_PROXY_MAX_BODY);
    strbuf_init(&out, PROXY_FRAME_MAX);
    struct proxy_http h;
    size_t used = 0;
    int r = proxy_http_parse(p, n, kind, eof, &h, &body, &used, NULL);
    if (r != 1)
        return;
    if (used > n || h.body.len > AGS_PROXY_MAX_BODY)
        abort();
    int w = request ? proxy_build_callback_request(&out, 1, &h)
                    : proxy_build_callback_response(&out, 1, &h);
    if (w != 0)
        abort();
    strbuf_reset(&out);
    w = request ? proxy_http_write_request(&out, &h) : proxy_http_write_response(&out, &h);
    if (w != 0)
        abort(); /* a bodyless response has an empty body */
    proxy_http_done(&h);
    /* A shorter prefix of a message that was not read to its close is never whole. */
    if (used > 0 && !eof) {
        r = proxy_http_parse(p, used - 1, kind, false, &h, &body, &used, NULL);
        if (r == 1)
            abort();
    }
}

/* Every refusal's text is one the protocol carries. */
static void decision(const char *p, size_t n)
{
    struct proxy_open_decision d;
    proxy_open_decide(p, n, NULL, &d);
    if (d.verdict == PROXY_VERDICT_ALLOW)
        abort(); /* nothing is allowed without a list */
    if (d.verdict != PROXY_VERDICT_REFUSE)
        return;
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, PROXY_FRAME_MAX);
    if (proxy_build_text(&out, PROXY_REFUSED, d.message) != 0)
        abort();
}

static void url(const char *p, size_t n)
{
    decision(p, n);
    struct proxy_url u;
    if (proxy_url_parse(p, n, &u, NULL) < 0)
        return;
    for (const char *c = u.host; *c; c++)
        if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-._[]:", *c))
            abort();
    if (u.port == 0 || !u.host[0])
        abort();
    uint16_t port = 0;
    if (proxy_url_callback_port(p, n, &port, NULL) == 1 && port < 1024)
        abort();
    /* A name or IPv4 host always matches itself (an entry with ':' never matches). */
    char *domains[] = {u.host, NULL};
    if (u.host[0] != '[' && !proxy_host_auto_allowed(&u, domains))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    static const enum proxy_http_kind kinds[] = {PROXY_HTTP_RESPONSE, PROXY_HTTP_REQUEST,
                                                 PROXY_HTTP_RESPONSE_TO_HEAD, PROXY_HTTP_REQUEST};
    http(p, size - 1, kinds[((data[0] >> 2) & 2) | (data[0] & 1)], data[0] & 2);
    url(p, size - 1);
    return 0;
}
