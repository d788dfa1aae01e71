/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The authority of a URL or of a CONNECT request, "host[:port]", checked
 * byte by byte: what both the auth proxy's URL check and the egress proxy
 * take a host from.  The sandbox chose every byte: it refuses rather than
 * guesses.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/limits.h"

struct host_port {
    /* Lowercased; an IPv6 literal keeps its brackets; a trailing dot is kept. */
    char host[AGS_PROXY_MAX_HOST + 1];
    bool ip_literal; /* dotted-quad IPv4 or [IPv6] */
    uint16_t port;   /* the authority's, else the default */
};

/*
 * Parses a[0..n): a DNS name (letters, digits, '-', '_', labels of 1-63),
 * a dotted-quad IPv4 address (a numeric last label in any other notation,
 * "127.1" or "0x7f.1", is refused: parsers disagree on it) or a bracketed
 * IPv6 address without a zone, then ":port" (1-65535), or default_port
 * when there is none (default_port 0: a port is required).  No user
 * information: '@' is the caller's to refuse.  0, or -EINVAL with err.
 */
int host_port_parse(const char *a, size_t n, uint16_t default_port, struct host_port *ret,
                    struct ags_error *err) _warn_unused_;
