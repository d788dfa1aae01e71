/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One frame carried in band in an output stream, taken out of it on the
 * way to the user (a remote sandbox's export at the end of its stdout:
 * run/remote.h).  The frame is an APC string, which a terminal that ever
 * saw one would ignore:
 *
 *     ESC _ TAG ; LEN ; HEX ESC \
 *
 * LEN is the payload's length in decimal (at most 20 digits), HEX its 2*LEN
 * lowercase or uppercase hex digits.  Everything else passes through; a
 * byte that breaks a frame after its "ESC _ TAG ;" makes the filter skip to
 * the next ESC \ (a corrupted export is never dumped on the terminal) or
 * to the next ESC _, which may start the next frame (a frame left half
 * open never swallows the one after it).  The
 * result is the last frame only, and only when nothing but the frame came
 * after it: whoever writes last (the sandbox's main process, after it has
 * killed everything else) decides, and any output after a frame voids it.
 *
 * Pure: no I/O, no allocation; the payload goes to a callback.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define INBAND_TAG_MAX 32
/* Room inband_feed() may need beyond its input, and inband_finish() needs:
 * a marker held across feeds. */
#define INBAND_SLACK (INBAND_TAG_MAX + 3)

/* Gets the payload in pieces: start is true (with n == 0) when a frame
 * begins (forget an earlier one).  A negative return voids the frame. */
typedef int (*inband_payload_fn)(void *userdata, bool start, const unsigned char *p, size_t n);

struct inband {
    char marker[INBAND_SLACK]; /* ESC _ TAG ; */
    uint8_t marker_len;
    uint8_t held;  /* marker bytes matched so far (state PREFIX) */
    uint8_t state;
    uint8_t digits;
    bool discard;  /* the frame is over max or its payload callback failed */
    bool complete; /* the last frame was whole and nothing followed it */
    int hi;        /* the first hex digit of a byte, -1 for none */
    uint64_t max, len, got;
    inband_payload_fn payload;
    void *userdata;
    size_t n_out;
    unsigned char out[256]; /* decoded bytes not yet given to payload */
};

/* tag: 1..INBAND_TAG_MAX bytes of [a-z0-9-]; max: the largest payload
 * taken (a larger frame is skipped and voids the result). */
void inband_init(struct inband *f, const char *tag, uint64_t max, inband_payload_fn payload,
                 void *userdata);
/* Filters n bytes into out (room for n + INBAND_SLACK); returns how many
 * it wrote. */
size_t inband_feed(struct inband *f, const char *in, size_t n, char *out);
/* At the end of the stream: a marker's beginning still held is output after
 * all (into out, INBAND_SLACK bytes); returns its length. */
size_t inband_finish(struct inband *f, char *out);
/* Whether the stream ended with a whole frame; its length in *ret_len. */
bool inband_result(const struct inband *f, uint64_t *ret_len);
