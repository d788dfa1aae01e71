/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The incremental reader of length-prefixed frames (uint32 big-endian
 * length, then that many bytes) that the ssh-agent protocol and the auth
 * proxy's protocol share: any chunking, one byte at a time included; the
 * length is judged from its 4 bytes before one byte of the body is kept,
 * and the body grows with what arrived, never ahead of it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct frame_reader {
    uint8_t hdr[4];
    size_t hdr_len;
    uint32_t want; /* body length, once the 4 length bytes are in */
    uint8_t *body;
    size_t have, cap;
    bool ready;       /* a whole body is held */
    uint32_t max;     /* the largest body taken */
    const char *what; /* names a frame in errors ("ssh-agent message") */
};

void frame_reader_init(struct frame_reader *r, uint32_t max, const char *what);
void frame_reader_done(struct frame_reader *r);
/*
 * Consumes bytes of p up to the end of one frame; *used says how many (feed
 * the rest after frame_reader_next).  Returns 1 when a whole body is held
 * (a further feed consumes nothing until frame_reader_next), 0 when more
 * bytes are needed, -EMSGSIZE for a length above max and -EBADMSG for a zero
 * length.  After an error the stream is out of step: drop the peer.
 */
int frame_reader_feed(struct frame_reader *r, const void *p, size_t n, size_t *used,
                      struct ags_error *err) _warn_unused_;
const uint8_t *frame_reader_body(const struct frame_reader *r, size_t *len);
/* Forgets the held body (its buffer is kept for the next one). */
void frame_reader_next(struct frame_reader *r);
/* Some bytes of a frame arrived but not all (a peer that left mid-message). */
bool frame_reader_partial(const struct frame_reader *r);
