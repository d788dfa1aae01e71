/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The egress proxy's request head as pure functions (internal to src/egress):
 * what a client in the sandbox asks for, parsed strictly, and the head a
 * plain HTTP request is passed on with.  The sandbox chose every byte.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/hostport.h"
#include "base/limits.h"
#include "base/strbuf.h"

#define EGRESS_METHOD_MAX 16u /* the longest method name taken ("PROPPATCH", "CONNECT") */

struct egress_header {
    const char *name, *value; /* views into the parsed buffer, value trimmed */
    size_t name_len, value_len;
};

struct egress_request {
    char method[EGRESS_METHOD_MAX + 1];
    bool connect;             /* CONNECT host:port; else an absolute http:// URL */
    char version;             /* '0' or '1': HTTP/1.x */
    struct host_port target;  /* lower-cased; default port 80 for http:// */
    const char *path;         /* absolute-form: the path and query ("" for none); a view */
    size_t path_len;
    size_t n_headers;
    struct egress_header headers[AGS_EGRESS_MAX_HEADERS];
    size_t head_len;          /* bytes of the head, its empty line included */
};

/*
 * Parses the head at the start of buf[0..len): 1 when it is whole (req
 * filled; bytes past req->head_len are the client's early data), 0 when
 * more bytes are needed, -EMSGSIZE past AGS_EGRESS_MAX_HEAD bytes or
 * AGS_EGRESS_MAX_HEADERS header lines, -EBADMSG for anything else: lines
 * end in CRLF, the request line is `CONNECT host:port HTTP/1.x` (a
 * bracketed IPv6 host; the port required) or `METHOD http://host[:port]
 * [/path] HTTP/1.x` (visible ASCII, no user information, no fragment), a
 * header line is `token: value` without folding or control characters.
 */
int egress_request_parse(const char *buf, size_t len, struct egress_request *req) _warn_unused_;

/*
 * The head a plain HTTP request reaches its server with: the request line
 * in origin-form, `Host:` the checked authority (port only when not 80),
 * the client's headers without Host, Connection, Proxy-Connection,
 * Keep-Alive and Proxy-Authorization, and `Connection: close` (one request
 * per connection).  -E2BIG past out's bound.
 */
int egress_request_rewrite(const struct egress_request *req, struct strbuf *out) _warn_unused_;
