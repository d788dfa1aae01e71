/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The in-band frame filter (base/inband.h): a small state machine over the
 * stream.  Outside a frame it copies bytes, holding back only what may be
 * the start of the marker; inside one it decodes hex and hands the bytes
 * on in batches.
 */
#include "base/inband.h"

#include <string.h>

#include "base/parse-util.h"

#include "base/banned.h"

#define ESC 0x1B

enum {
    ST_SCAN,   /* passing bytes through */
    ST_PREFIX, /* held marker bytes matched so far */
    ST_LEN,    /* the decimal length, up to ';' */
    ST_HEX,    /* 2*len hex digits */
    ST_END,    /* ESC of the closing ESC \ */
    ST_END2,   /* its '\' */
    ST_SKIP,   /* a broken frame, up to ESC \ */
    ST_SKIP2,  /* in it after ESC */
};

#define LEN_DIGITS_MAX 20

void inband_init(struct inband *f, const char *tag, uint64_t max, inband_payload_fn payload,
                 void *userdata)
{
    size_t t = strnlen(tag, INBAND_TAG_MAX);
    *f = (struct inband){.max = max, .payload = payload, .userdata = userdata, .hi = -1};
    f->marker[0] = ESC;
    f->marker[1] = '_';
    memcpy(f->marker + 2, tag, t);
    f->marker[2 + t] = ';';
    f->marker_len = (uint8_t)(3 + t);
}

/* Hands the decoded bytes on; a failing callback voids the frame. */
static void flush_payload(struct inband *f)
{
    if (f->n_out && !f->discard && f->payload &&
        f->payload(f->userdata, false, f->out, f->n_out) < 0)
        f->discard = true;
    f->n_out = 0;
}

static void begin_frame(struct inband *f)
{
    f->state = ST_LEN;
    f->held = 0;
    f->digits = 0;
    f->len = f->got = 0;
    f->hi = -1;
    f->n_out = 0;
    f->discard = false;
    f->complete = false;
    if (f->payload && f->payload(f->userdata, true, NULL, 0) < 0)
        f->discard = true;
}

/* A byte that does not belong where it came: the frame is skipped to its
 * ESC \ or to an ESC _ that may start the next frame (an agent's half-open
 * frame must not swallow the main process's); the byte may be that ESC. */
static void break_frame(struct inband *f, unsigned char c)
{
    f->n_out = 0;
    f->state = c == ESC ? ST_SKIP2 : ST_SKIP;
}

/* Inside a frame: one byte of its length, payload or end. */
static void frame_byte(struct inband *f, unsigned char c)
{
    switch (f->state) {
    case ST_LEN:
        if (c == ';' && f->digits > 0) {
            f->discard |= f->len > f->max;
            f->state = f->len ? ST_HEX : ST_END;
        } else if (c >= '0' && c <= '9' && f->digits < LEN_DIGITS_MAX &&
                   f->len <= (UINT64_MAX - 9) / 10) {
            f->len = f->len * 10 + (uint64_t)(c - '0');
            f->digits++;
        } else {
            break_frame(f, c);
        }
        return;
    case ST_HEX: {
        int v = hex_digit_value(c);
        if (v < 0) {
            break_frame(f, c);
            return;
        }
        if (f->hi < 0) {
            f->hi = v;
            return;
        }
        if (!f->discard)
            f->out[f->n_out++] = (unsigned char)(f->hi << 4 | v);
        f->hi = -1;
        if (f->n_out == sizeof(f->out))
            flush_payload(f);
        if (++f->got == f->len)
            f->state = ST_END;
        return;
    }
    case ST_END:
        if (c == ESC)
            f->state = ST_END2;
        else
            break_frame(f, c);
        return;
    case ST_END2:
        if (c == '\\') {
            flush_payload(f);
            f->complete = !f->discard;
            f->state = ST_SCAN;
        } else if (c == '_') { /* ESC _: the next frame's start */
            f->n_out = 0;
            f->state = ST_PREFIX;
            f->held = 2;
        } else {
            break_frame(f, c);
        }
        return;
    case ST_SKIP:
        if (c == ESC)
            f->state = ST_SKIP2;
        return;
    case ST_SKIP2:
        if (c == '_') {
            f->state = ST_PREFIX;
            f->held = 2;
        } else {
            f->state = c == '\\' ? ST_SCAN : c == ESC ? ST_SKIP2 : ST_SKIP;
        }
        return;
    default:
        return;
    }
}

/* Outside a frame: copies what cannot start one.  Returns bytes consumed. */
static size_t scan(struct inband *f, const char *in, size_t n, char *out, size_t *o)
{
    const char *esc = memchr(in, ESC, n);
    size_t k = esc ? (size_t)(esc - in) : n;
    memcpy(out + *o, in, k);
    *o += k;
    if (k)
        f->complete = false; /* output after a frame voids it */
    if (esc) {
        f->state = ST_PREFIX;
        f->held = 1;
        k++;
    }
    return k;
}

/* A held marker start that turned out to be output. */
static void release_held(struct inband *f, char *out, size_t *o)
{
    memcpy(out + *o, f->marker, f->held);
    *o += f->held;
    f->held = 0;
    f->complete = false;
    f->state = ST_SCAN;
}

size_t inband_feed(struct inband *f, const char *in, size_t n, char *out)
{
    size_t o = 0;
    size_t i = 0;
    while (i < n) {
        if (f->state == ST_SCAN) {
            i += scan(f, in + i, n - i, out, &o);
        } else if (f->state == ST_PREFIX) {
            if (in[i] == f->marker[f->held]) {
                i++;
                if (++f->held == f->marker_len)
                    begin_frame(f);
            } else {
                release_held(f, out, &o); /* in[i] is looked at again */
            }
        } else {
            frame_byte(f, (unsigned char)in[i++]);
        }
    }
    if (f->state == ST_HEX)
        flush_payload(f);
    return o;
}

size_t inband_finish(struct inband *f, char *out)
{
    size_t o = 0;
    if (f->state == ST_PREFIX)
        release_held(f, out, &o);
    else if (f->state != ST_SCAN)
        f->complete = false; /* a frame cut short */
    f->state = ST_SCAN;
    return o;
}

bool inband_result(const struct inband *f, uint64_t *ret_len)
{
    if (!f->complete)
        return false;
    *ret_len = f->len;
    return true;
}
