/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The control socket's text protocol (control.h) as pure functions, so the
 * server, the client and the fuzz target share one reading of it: the
 * request line the server parses, the answers it formats, and the answers
 * the client parses back.  Each parser takes the bytes as they came and
 * refuses rather than guesses: a field out of place, a byte outside visible
 * ASCII, a line too long, anything after END.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/strbuf.h"
#include "proxy/control.h"

enum proxy_control_verb {
    PROXY_CONTROL_LIST,
    PROXY_CONTROL_ALLOW,
    PROXY_CONTROL_DENY,
};

struct proxy_control_request {
    enum proxy_control_verb verb;
    char id[PROXY_ID_LEN + 1]; /* ALLOW, DENY */
};

/* One request: the bytes read up to and including the first "\n" (len counts it).  0, or
 * -EBADMSG with *why, a static printable text for the ERROR answer. */
int proxy_control_parse_request(const char *line, size_t len, struct proxy_control_request *req,
                                const char **why) _warn_unused_;

/* The answers, each ending in "END\n"; -E2BIG when out's bound is reached. */
int proxy_control_format_listing(struct strbuf *out, const struct proxy_listing *l) _warn_unused_;
int proxy_control_format_verdict(struct strbuf *out, bool known) _warn_unused_;
int proxy_control_format_error(struct strbuf *out, const char *why) _warn_unused_;

/* A whole LIST answer: 0 with *l filled (free with proxy_listing_done), -EBADMSG for one
 * that does not parse, -EPROTO for an ERROR answer (err carries its text). */
int proxy_control_parse_listing(const char *buf, size_t len, struct proxy_listing *l,
                                struct ags_error *err) _warn_unused_;
/* A whole ALLOW/DENY answer: 1 OK, 0 UNKNOWN, -EBADMSG or -EPROTO as above. */
int proxy_control_parse_verdict(const char *buf, size_t len, struct ags_error *err) _warn_unused_;
