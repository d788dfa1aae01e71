/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The demultiplexer of a non-TTY attach/exec/logs stream (internal to
 * src/podman; pure: no I/O, so it is unit-tested and fuzzed on arbitrary
 * chunk splits).  A frame is an 8-byte header [stream, 0, 0, 0, len_be32]
 * and len payload bytes.  Streams: 0 stdin echo, 1 stdout, 2 stderr, 3 an
 * error from the service.  Payloads are passed on as they arrive (never
 * buffered), except stream 3 whose text becomes the error message.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Podman writes what conmon read in one go (8 KiB here); anything this big is garbage. */
#define PODMAN_FRAME_MAX        (1024u * 1024u)
#define PODMAN_FRAME_HEADER_LEN 8u
#define PODMAN_FRAME_ERRMSG_MAX 512u

enum podman_stream_id {
    PODMAN_STREAM_STDIN = 0,
    PODMAN_STREAM_STDOUT = 1,
    PODMAN_STREAM_STDERR = 2,
    PODMAN_STREAM_ERROR = 3,
};

struct podman_demux {
    uint8_t hdr[PODMAN_FRAME_HEADER_LEN];
    size_t hdr_len; /* header bytes collected so far */
    uint8_t stream; /* of the current frame */
    uint32_t left;  /* payload bytes of the current frame still to come */
    bool in_payload;
    char errmsg[PODMAN_FRAME_ERRMSG_MAX]; /* stream-3 text so far (NUL-terminated) */
    size_t errmsg_len;
    uint64_t offset; /* stream bytes consumed, for messages */
};

/* Receives payload bytes of stream 0, 1 or 2; a negative return stops the feed. */
typedef int (*podman_demux_fn)(void *userdata, enum podman_stream_id stream, const char *p,
                               size_t n);

void podman_demux_init(struct podman_demux *d);
/*
 * Feeds n stream bytes.  Returns 0; the callback's negative return; -EPROTO
 * on a malformed header (unknown stream, non-zero padding); -EFBIG on a frame
 * longer than PODMAN_FRAME_MAX; -EIO when a stream-3 frame completes (the
 * message is its text).  After an error the demuxer must not be fed again.
 */
int podman_demux_feed(struct podman_demux *d, const char *p, size_t n, podman_demux_fn fn,
                      void *userdata, struct ags_error *err) _warn_unused_;
/* At the end of the stream: -EPROTO if it stopped inside a frame. */
int podman_demux_finish(const struct podman_demux *d, struct ags_error *err) _warn_unused_;
