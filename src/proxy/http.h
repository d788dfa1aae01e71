/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The HTTP/1.1 ends of the callback relay as pure functions: the host reads
 * the browser's callback request and writes the sandbox's response back;
 * the opener writes the request to the in-sandbox server and reads its
 * response.  Bounded like the protocol (AGS_PROXY_MAX_HEADER for the head,
 * AGS_PROXY_MAX_BODY for the body); libc only (the static opener links it).
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "proxy/proto.h"

/* What proxy_http_parse reads: a response to HEAD has no body whatever its length says. */
enum proxy_http_kind {
    PROXY_HTTP_REQUEST,
    PROXY_HTTP_RESPONSE,
    PROXY_HTTP_RESPONSE_TO_HEAD,
};

/*
 * Parses one HTTP/1.x request or response from buf[0..len).  Returns 1 for
 * a whole message (*consumed: its bytes), 0 when more bytes are needed (eof:
 * the peer closed, which ends a response without a length), or negative:
 * -EMSGSIZE past a bound, -ENOTSUP for a request with Transfer-Encoding or a
 * coding other than chunked, -EBADMSG for anything else malformed.  Method,
 * target and headers are views into buf, the body (de-chunked) into *body
 * (bound AGS_PROXY_MAX_BODY); framing headers (proxy_header_is_framing) are
 * dropped, so the result passes the protocol's own checks.  Free with
 * proxy_http_done.
 */
int proxy_http_parse(const char *buf, size_t len, enum proxy_http_kind kind, bool eof,
                     struct proxy_http *h, struct strbuf *body, size_t *consumed,
                     struct ags_error *err) _warn_unused_;
void proxy_http_done(struct proxy_http *h);

/* The request line, the headers, Content-Length when there is a body (or the method sends
 * one), Connection: close, the body. */
int proxy_http_write_request(struct strbuf *out, const struct proxy_http *req) _warn_unused_;
/* The status line, the headers, Content-Length, Connection: close, the body. */
int proxy_http_write_response(struct strbuf *out, const struct proxy_http *resp) _warn_unused_;
