/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A streaming filter for bytes on their way to the user's terminal (lockdown
 * output, docs/security.md "Terminal output in lockdown").  It keeps what
 * draws on the screen and drops the escape sequences that act on the host
 * instead: the clipboard (OSC 52), notifications, hyperlinks, colour and
 * font changes, every DCS/APC/PM/SOS string (tmux passthrough, kitty
 * graphics, sixel), window operations, the printer, screen checksums, the
 * 8-bit C1 controls raw or UTF-8 encoded, and invalid UTF-8.
 *
 * Pure: no I/O, no allocation.  A sequence split across feeds is held
 * (at most AGS_TERM_SEQ_MAX bytes) until it is complete; a longer one is
 * dropped whole, and a dropped string is skipped without being held.  What
 * comes out is made of whole units only (characters, controls, complete
 * sequences), so outputs of several filters (stdout, stderr) may interleave
 * on one terminal, and it passes through the filter unchanged.  Over a whole
 * stream the output is never longer than the input.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/limits.h"

/* Room feed() may need beyond its input: what it held from earlier feeds. */
#define TERMFILTER_SLACK AGS_TERM_SEQ_MAX

struct termfilter {
    uint8_t state;
    uint8_t utf8_need; /* bytes of the UTF-8 character being collected */
    uint8_t flags;     /* per sequence */
    uint16_t len;      /* bytes held in seq */
    unsigned char seq[AGS_TERM_SEQ_MAX];
};

void termfilter_init(struct termfilter *f);
/* Filters n bytes into out, which has room for n + TERMFILTER_SLACK bytes;
 * returns the number of bytes written.  An unfinished sequence at the end of
 * the stream is simply never written. */
size_t termfilter_feed(struct termfilter *f, const char *in, size_t n, char *out);
