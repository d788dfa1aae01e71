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
/* Room termfilter_finish() needs. */
#define TERMFILTER_RESET_MAX 256

struct termfilter {
    uint8_t state;
    uint8_t utf8_need; /* bytes of the UTF-8 character being collected */
    uint8_t flags;     /* per sequence */
    uint8_t ascii;     /* the terminal is not UTF-8: no byte >= 0x80 comes out */
    uint16_t len;      /* bytes held in seq */
    uint32_t modes;    /* persistent modes the stream left changed (termfilter_finish) */
    uint8_t misc;      /* the same for keypad, character sets, modifyOtherKeys */
    uint8_t kitty;     /* kitty keyboard flags pushed and not popped */
    unsigned char seq[AGS_TERM_SEQ_MAX];
};

/* For a UTF-8 terminal. */
void termfilter_init(struct termfilter *f);
/* For any other terminal (a Latin-1 xterm obeys the 8-bit C1 controls, so
 * that the UTF-8 continuation byte 0x9D would start an OSC): every character
 * beyond ASCII becomes '?', every other byte >= 0x80 is dropped. */
void termfilter_init_ascii(struct termfilter *f);
/* Filters n bytes into out, which has room for n + TERMFILTER_SLACK bytes;
 * returns the number of bytes written.  An unfinished sequence at the end of
 * the stream is simply never written. */
size_t termfilter_feed(struct termfilter *f, const char *in, size_t n, char *out);
/* At the end of the stream: writes into out (TERMFILTER_RESET_MAX bytes) the
 * sequences that undo what the stream set and left set and that would
 * outlive it in the terminal (the alternate screen, mouse and focus
 * reporting, bracketed paste, synchronized output, application cursor keys
 * and keypad, a hidden cursor, kitty keyboard flags, modifyOtherKeys, a
 * shifted or line-drawing character set); returns their length. */
size_t termfilter_finish(struct termfilter *f, char *out);
