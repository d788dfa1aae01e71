/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The auth proxy's protocol (docs/auth-proxy.md) as pure functions: no I/O,
 * so the host's server and the in-sandbox opener (src/helper) feed it
 * whatever bytes arrived, in any chunks, and the unit tests and the fuzz
 * target drive it the same way.
 *
 * A message on the wire is uint32 length (big endian) + body; the body's
 * first byte is its type, its fields follow: uint16/uint32 big endian, and
 * strings as uint32 length + bytes.  The reader hands out bodies; the parser
 * gives views into a body (struct proxy_str), valid as long as the body is;
 * builders append one whole frame (length included) to a bounded strbuf.
 * What a builder accepts, the parser accepts, and the other way round: both
 * hold every field to the same checks.
 *
 * This header needs libc only: the static opener links it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"
#include "base/frame-reader.h"
#include "base/limits.h"
#include "base/strbuf.h"

/* OPEN carries it; a host that speaks another answers REFUSED and closes. */
#define PROXY_PROTO_VERSION 1u
#define PROXY_FRAME_MAX     (AGS_PROXY_MAX_MESSAGE + 4u)

/* Where the run mounts the socket in the sandbox; $AGS_AUTH_PROXY_SOCK overrides it. */
#define PROXY_SANDBOX_DIR    "/run/ags-auth-proxy"
#define PROXY_SANDBOX_SOCKET PROXY_SANDBOX_DIR "/auth-proxy.sock"
#define PROXY_SOCKET_ENV     "AGS_AUTH_PROXY_SOCK"

enum proxy_msg_type {
    /* sandbox -> host */
    PROXY_OPEN = 1,              /* uint32 version, string url: the first and only request */
    PROXY_CALLBACK_RESPONSE = 2, /* uint32 id, uint16 status, headers, string body */
    PROXY_CALLBACK_FAILED = 3,   /* uint32 id, string reason */
    /* host -> sandbox */
    PROXY_WAITING = 16,          /* string text: the request waits for the user */
    PROXY_OPENED = 17,           /* uint16 relay port (0: none, the connection ends) */
    PROXY_REFUSED = 18,          /* string text: for the agent; the connection ends */
    PROXY_CALLBACK_REQUEST = 19, /* uint32 id, string method, string target, headers, body */
    PROXY_DONE = 20,             /* the relay window closed; the connection ends */
};

/* Which end sent a message: each accepts only the other's types. */
enum proxy_peer {
    PROXY_FROM_SANDBOX,
    PROXY_FROM_HOST,
};

/* A view into a message body: not NUL-terminated. */
struct proxy_str {
    const char *p;
    size_t len;
};

struct proxy_header {
    struct proxy_str name, value;
};

/* A relayed HTTP request (method, target) or response (status): the framing headers
 * (proxy_header_is_framing) are never in it: whoever writes the HTTP adds its own. */
struct proxy_http {
    struct proxy_str method, target;
    uint16_t status;
    struct proxy_header *headers; /* parser: xcalloc'd (proxy_msg_done frees it) */
    size_t n_headers;
    struct proxy_str body;
};

struct proxy_msg {
    uint8_t type;           /* an enum proxy_msg_type */
    uint32_t version;       /* OPEN */
    uint32_t id;            /* CALLBACK_*: the relay's number, echoed in the answer */
    uint16_t port;          /* OPENED */
    struct proxy_str text;  /* OPEN: the URL; WAITING, REFUSED: the message; FAILED: reason */
    struct proxy_http http; /* CALLBACK_REQUEST, CALLBACK_RESPONSE */
};

/* The reader of frames (base/frame-reader.h: frame_reader_feed, _body, _next, _partial,
 * _done) set up for this protocol: bodies of at most AGS_PROXY_MAX_MESSAGE. */
void proxy_reader_init(struct frame_reader *r);

/*
 * Parses one body sent by `from`: a type the other end sends, or fields that
 * do not check out (a byte left over included), give -EBADMSG; an OPEN of
 * another version -EPROTONOSUPPORT (m->version says which).  On success free
 * with proxy_msg_done.  The OPEN's URL is only bounded here: proxy_url_parse
 * judges it.
 */
int proxy_msg_parse(const uint8_t *body, size_t len, enum proxy_peer from, struct proxy_msg *m,
                    struct ags_error *err) _warn_unused_;
void proxy_msg_done(struct proxy_msg *m);
/* The name of a type for logs and errors ("OPEN"), NULL for an unknown one. */
const char *proxy_msg_name(unsigned type);

/* Content-Length, Transfer-Encoding, Connection and the other hop-by-hop headers: the
 * relay drops them from what it reads and never carries them (case-insensitive). */
bool proxy_header_is_framing(const char *name, size_t len);

/*
 * Builders: each appends one frame.  -EINVAL for a field the parser would
 * refuse, -E2BIG when out's own bound is reached; on failure out is as it
 * was.  out's bound should be at least PROXY_FRAME_MAX.
 */
int proxy_build_open(struct strbuf *out, const char *url, size_t len) _warn_unused_;
/* WAITING or REFUSED: text is printable (no control character). */
int proxy_build_text(struct strbuf *out, enum proxy_msg_type type, const char *text) _warn_unused_;
int proxy_build_opened(struct strbuf *out, uint16_t relay_port) _warn_unused_;
int proxy_build_done(struct strbuf *out) _warn_unused_;
int proxy_build_callback_request(struct strbuf *out, uint32_t id, const struct proxy_http *req)
        _warn_unused_;
int proxy_build_callback_response(struct strbuf *out, uint32_t id, const struct proxy_http *resp)
        _warn_unused_;
int proxy_build_callback_failed(struct strbuf *out, uint32_t id, const char *reason) _warn_unused_;
