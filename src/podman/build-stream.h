/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The reply of POST /libpod/build: one JSON object per line, still HTTP 200
 * when the build fails (libpod-api.md section 2).  A pure parser, fed the
 * bytes as they arrive, so it can be unit-tested and fuzzed:
 *   {"stream":"STEP 1/3: FROM ...\n"}       -> on_output(text)
 *   {"stream":"<64 hex>\n"}                  -> the image id (the last one wins;
 *                                              12..64 hex digits, the whole text)
 *   {"aux":{"ID":"sha256:<hex>"}}            -> the image id (compat builds)
 *   {"error":"...","errorDetail":{...}}      -> failure with that text
 *   {"cause":"...","message":"..."}          -> failure (an error object in the stream)
 * A failure 'building at STEP "<the whole step>": <cause>' is told as
 * 'step N/M (<its start>...) failed: <cause>': a RUN step may be kilobytes long
 * and would push the cause off the end of the message.
 * Lines are bounded (PODMAN_BUILD_MAX_LINE); a line that is not a JSON
 * object is a protocol error.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/strbuf.h"

#define PODMAN_BUILD_MAX_LINE  (1024u * 1024u)
#define PODMAN_BUILD_MAX_ERROR 4096u /* bytes of the build's error text kept */
#define PODMAN_BUILD_STEP_SHOWN 60u  /* bytes of a failed step's text in the error */

struct podman_build_stream {
    struct strbuf line; /* the incomplete last line */
    char *id;           /* owned; the last image id seen */
    char *error;        /* owned; the first error text seen */
    char *step;         /* owned; the last "STEP N/M: text" line, bounded */
    size_t lines;
    void (*on_output)(const char *text, size_t len, void *userdata);
    void *userdata;
};

void podman_build_stream_init(struct podman_build_stream *s,
                              void (*on_output)(const char *text, size_t len, void *userdata),
                              void *userdata);
void podman_build_stream_done(struct podman_build_stream *s);
/* Feeds n more bytes.  -E2BIG for an over-long line, -EPROTO for a line that
 * is not a JSON object (err says which); the stream is then unusable. */
int podman_build_stream_feed(struct podman_build_stream *s, const char *p, size_t n,
                             struct ags_error *err) _warn_unused_;
/* The end of the reply: parses a last line without '\n', then returns the
 * image id (owned) or -EIO with the build's own error text, or with "no image
 * id" when the stream ended without one. */
int podman_build_stream_finish(struct podman_build_stream *s, char **ret_id,
                               struct ags_error *err) _warn_unused_;

/* n bytes of s are all lowercase hex digits. */
bool podman_is_hex(const char *s, size_t n);
