/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The auth proxy's control socket lines (src/proxy/control-line.c) on
 * arbitrary bytes: the request line the server reads from a client, and the
 * LIST and ALLOW/DENY answers `ags approve` reads from a server.  Besides
 * crashes and sanitizer reports it checks invariants: a parsed request names
 * a valid id; a parsed listing holds visible ASCII only, is formatted back
 * into exactly the bytes it came from, and parses again to the same; a
 * verdict is 1, 0 or an error.
 *
 * Input: byte 0 picks the parser (request, listing, verdict), the rest is
 * the bytes.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/strbuf.h"
#include "proxy/control-line.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_visible(const char *s)
{
    if (!*s)
        abort();
    for (; *s; s++)
        if (*s < 0x21 || *s > 0x7e)
            abort();
}

static void request(const char *p, size_t n)
{
    struct proxy_control_request req;
    const char *why = NULL;
    int r = proxy_control_parse_request(p, n, &req, &why);
    if (r < 0 && !why)
        abort();
    if (r == 0 && req.verb != PROXY_CONTROL_LIST && !proxy_id_valid(req.id))
        abort();
    /* What the server answers a refused line must itself parse as an ERROR. */
    if (r < 0) {
        _cleanup_strbuf_ struct strbuf out;
        strbuf_init(&out, PROXY_CONTROL_ANSWER_MAX);
        if (proxy_control_format_error(&out, why) < 0 ||
            proxy_control_parse_verdict(out.buf, out.len, NULL) != -EPROTO)
            abort();
    }
}

static void listing(const char *p, size_t n)
{
    struct proxy_listing l;
    if (proxy_control_parse_listing(p, n, &l, NULL) < 0)
        return;
    if (l.has_pending) {
        check_visible(l.pending.host);
        check_visible(l.pending.url);
        if (!proxy_id_valid(l.pending.id))
            abort();
    }
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, 2 * PROXY_CONTROL_ANSWER_MAX);
    if (proxy_control_format_listing(&out, &l) < 0 || out.len != n || memcmp(out.buf, p, n) != 0)
        abort();
    struct proxy_listing again;
    if (proxy_control_parse_listing(out.buf, out.len, &again, NULL) < 0 ||
        again.n_relays != l.n_relays || again.has_pending != l.has_pending)
        abort();
    proxy_listing_done(&again);
    proxy_listing_done(&l);
}

static void verdict(const char *p, size_t n)
{
    int r = proxy_control_parse_verdict(p, n, NULL);
    if (r > 1 || (r < 0 && r != -EBADMSG && r != -EPROTO))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 2 * PROXY_CONTROL_ANSWER_MAX)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 3) {
    case 0:
        request(p, n);
        break;
    case 1:
        listing(p, n);
        break;
    default:
        verdict(p, n);
        break;
    }
    return 0;
}
