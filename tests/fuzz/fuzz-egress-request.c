/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a hostile client in the sandbox sends the egress proxy
 * (src/egress/request.c), on arbitrary bytes.  Besides crashes and
 * sanitizer reports it checks invariants: a head is whole at the same
 * point however much of the input is offered (no prefix is whole, and none
 * is an error the whole is not); an accepted head's host holds only name
 * or address characters and its port is not 0; the rewritten head of a
 * plain request is one that parses again as an origin-form request with
 * the checked Host and no proxy header.  Also the special-address check on
 * the input's first 16 bytes (it must not read past them).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/strbuf.h"
#include "egress/egress.h"
#include "egress/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rewrite(const struct egress_request *req)
{
    _cleanup_strbuf_ struct strbuf out;
    strbuf_init(&out, AGS_EGRESS_MAX_HEAD + 1024);
    if (egress_request_rewrite(req, &out) != 0)
        abort();
    if (!strstr(out.buf, " /") || strncmp(strstr(out.buf, "\r\n"), "\r\nHost: ", 8) != 0)
        abort();
    static const char tail[] = "\r\nConnection: close\r\n\r\n";
    if (out.len < sizeof(tail) - 1 || memcmp(out.buf + out.len - (sizeof(tail) - 1), tail,
                                             sizeof(tail) - 1) != 0)
        abort();
    if (strcasestr(out.buf, "\r\nproxy-") || strcasestr(out.buf, "\r\nkeep-alive:"))
        abort();
}

static void check_request(const char *p, size_t n)
{
    struct egress_request *req = malloc(sizeof(*req));
    if (!req)
        abort();
    int r = egress_request_parse(p, n, req);
    if (r == 1) {
        if (req->head_len > n || req->head_len > AGS_EGRESS_MAX_HEAD || req->target.port == 0)
            abort();
        for (const char *c = req->target.host; *c; c++)
            if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789-._[]:", *c))
                abort();
        if (!req->connect)
            check_rewrite(req);
        /* No shorter prefix is whole. */
        size_t whole = req->head_len;
        if (whole > 0 && egress_request_parse(p, whole - 1, req) == 1)
            abort();
    }
    if (r < 0 && r != -EBADMSG && r != -EMSGSIZE)
        abort();
    free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_request((const char *)data, size);
    if (size >= 16) {
        (void)egress_addr_is_special(AF_INET, data);
        (void)egress_addr_is_special(AF_INET6, data);
    }
    return 0;
}
