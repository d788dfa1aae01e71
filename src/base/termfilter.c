/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The terminal output filter: a VT500-style parser (ground, escape, CSI,
 * string states) that re-emits only what it parsed whole and allowed.  Two
 * rules make it safe whatever the terminal's own parser does with odd input:
 * nothing reaches the output but allowed units, each complete; and whatever
 * the filter is unsure of (a control inside a sequence, a byte out of place,
 * a sequence over the cap) is dropped, never passed on as it came.
 */
#include "base/termfilter.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "base/banned.h"

#define ESC 0x1B
#define BEL 0x07
#define CAN 0x18
#define SUB 0x1A
#define DEL 0x7F
#define SO 0x0E
#define SI 0x0F

/* C0 controls that only move the cursor or pick a character set:
 * BEL BS HT LF VT FF CR SO SI. */
#define KEPT_C0 0xFF80u

enum {
    ST_GROUND,
    ST_UTF8,         /* seq: the lead byte and continuation bytes so far */
    ST_ESC,          /* seq: ESC */
    ST_ESC_INTER,    /* seq: ESC and intermediate bytes */
    ST_CSI,          /* seq: ESC [ parameters, intermediates */
    ST_CSI_SKIP,     /* a dropped CSI, until its final byte */
    ST_OSC,          /* seq: ESC ] number ; text */
    ST_OSC_ESC,      /* in a kept OSC after ESC: ST, or ESC starts anew */
    ST_STR_SKIP,     /* a dropped string (DCS APC PM SOS, most OSC), until ST */
    ST_STR_SKIP_ESC, /* in a dropped string after ESC */
};

enum {
    F_KEEP = 1u << 0,     /* ESC_INTER: an allowed sequence */
    F_INTER = 1u << 1,    /* CSI: an intermediate byte came */
    F_BEL_ENDS = 1u << 2, /* STR_SKIP: BEL ends it too (an OSC) */
    F_OSC_TEXT = 1u << 3, /* OSC: the number and ';' came, text follows */
};

/* Modes that outlive the program that set them and make the host shell
 * unusable or garbled after the run (termfilter_finish resets them): the
 * alternate screens first, so that the others apply to the normal one. */
static const struct {
    uint16_t mode;
    bool on_by_default;
} persistent[] = {
    {1049, false}, {1047, false}, {47, false},   /* alternate screen */
    {1, false},                                  /* application cursor keys */
    {9, false},                                  /* X10 mouse */
    {25, true},                                  /* cursor visible */
    {66, false},                                 /* application keypad (DECNKM) */
    {1000, false}, {1001, false}, {1002, false}, /* mouse tracking */
    {1003, false}, {1004, false}, {1005, false}, /* ..., focus events, UTF-8 mouse */
    {1006, false}, {1007, false}, {1015, false}, /* SGR mouse, alternate scroll, urxvt mouse */
    {1016, false},                               /* SGR pixel mouse */
    {2004, false},                               /* bracketed paste */
    {2026, false},                               /* synchronized output */
};

/* termfilter.misc */
enum {
    M_KEYPAD = 1u << 0,     /* ESC = */
    M_SHIFT_OUT = 1u << 1,  /* SO: G1 in use */
    M_G0 = 1u << 2,         /* G0 is not ASCII */
    M_OTHER_KEYS = 1u << 3, /* xterm's modifyOtherKeys */
};

static void set_misc(struct termfilter *f, unsigned bit, bool on)
{
    f->misc = (uint8_t)(on ? f->misc | bit : f->misc & ~bit);
}

struct out {
    char *p;
    size_t n;
};

static void put(struct out *o, unsigned char c)
{
    o->p[o->n++] = (char)c;
}

static void put_held(const struct termfilter *f, struct out *o)
{
    memcpy(o->p + o->n, f->seq, f->len);
    o->n += f->len;
}

static void enter(struct termfilter *f, int state, unsigned char first)
{
    f->state = (uint8_t)state;
    f->flags = 0;
    f->seq[0] = first;
    f->len = 1;
}

/* Appends c to the held sequence; false when it is full (the caller drops the
 * sequence). */
static bool hold(struct termfilter *f, unsigned char c)
{
    if (f->len >= sizeof(f->seq))
        return false;
    f->seq[f->len++] = c;
    return true;
}

static void skip_string(struct termfilter *f, bool bel_ends)
{
    f->state = ST_STR_SKIP;
    f->flags = bel_ends ? F_BEL_ENDS : 0;
    f->len = 0;
}

static void to_ground(struct termfilter *f)
{
    f->state = ST_GROUND;
    f->flags = 0;
    f->len = 0;
}

static size_t utf8_length(unsigned char lead)
{
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF)
        return 3;
    if (lead >= 0xF0 && lead <= 0xF4)
        return 4;
    return 0; /* a continuation byte, C0/C1 overlong leads, beyond U+10FFFF */
}

/* ---- the ground state and UTF-8 text */

static void on_ground(struct termfilter *f, struct out *o, unsigned char c)
{
    if (c >= 0x20 && c < DEL) {
        put(o, c);
    } else if (c == ESC) {
        enter(f, ST_ESC, c);
    } else if (c < 0x20) {
        if (KEPT_C0 & (1u << c))
            put(o, c);
        if (c == SO || c == SI)
            set_misc(f, M_SHIFT_OUT, c == SO);
    } else if (c > DEL && utf8_length(c)) {
        enter(f, ST_UTF8, c);
        f->utf8_need = (uint8_t)utf8_length(c);
    }
    /* DEL, raw C1 bytes (0x80-0x9F) and other invalid bytes: dropped. */
}

/* False: c is not part of the character; the caller feeds it again. */
static bool on_utf8(struct termfilter *f, struct out *o, unsigned char c)
{
    if ((c & 0xC0u) != 0x80u) {
        to_ground(f);
        return false;
    }
    f->seq[f->len++] = c;
    if (f->len < f->utf8_need)
        return true;
    uint32_t cp;
    /* U+0080..U+009F are the C1 controls (C2 80..C2 9F): some terminals obey
     * them like their 8-bit forms. */
    if (utf8_decode(f->seq, f->len, &cp) == f->len && cp >= 0xA0) {
        if (f->ascii)
            put(o, '?');
        else
            put_held(f, o);
    }
    to_ground(f);
    return true;
}

/* ---- escape sequences */

/* Controls inside ESC and CSI sequences (terminals run them mid-sequence, a
 * reading the filter does not follow): the sequence so far is dropped. */
static bool in_sequence_control(struct termfilter *f, unsigned char c)
{
    if (c == DEL)
        return true;
    if (c == ESC) {
        enter(f, ST_ESC, c);
        return true;
    }
    bool cancel = c == CAN || c == SUB;
    to_ground(f);
    return cancel; /* other controls and bytes >= 0x80 count as text again */
}

static bool on_esc(struct termfilter *f, struct out *o, unsigned char c)
{
    if (c == '[' || c == ']') {
        f->state = c == '[' ? ST_CSI : ST_OSC;
        (void)hold(f, c); /* the second byte: there is room */
        return true;
    }
    if (c == 'P' || c == 'X' || c == '^' || c == '_') {
        skip_string(f, false); /* DCS, SOS, PM, APC */
        return true;
    }
    if (c >= 0x20 && c <= 0x2F) {
        f->state = ST_ESC_INTER;
        /* Character sets (G0-G3) and DEC line attributes; not ESC % (leaves
         * UTF-8, so that UTF-8 text becomes C1 controls) nor ESC SP. */
        if (strchr("()*+-./#", c))
            f->flags = F_KEEP;
        (void)hold(f, c);
        return true;
    }
    if (c >= 0x30 && c < DEL) {
        /* Cursor save/restore, keypad modes, index, reset, shifts. */
        if (strchr("6789=>DEHMNOZcno|}~", c)) {
            put(o, ESC);
            put(o, c);
        }
        if (c == '=' || c == '>')
            set_misc(f, M_KEYPAD, c == '=');
        to_ground(f);
        return true;
    }
    return in_sequence_control(f, c);
}

static bool on_esc_inter(struct termfilter *f, struct out *o, unsigned char c)
{
    if (c >= 0x20 && c <= 0x2F) {
        if (!hold(f, c))
            f->flags = 0;
        return true;
    }
    if (c >= 0x30 && c < DEL) {
        if (f->flags & F_KEEP) {
            put_held(f, o);
            put(o, c);
            if (f->seq[1] == '(')
                set_misc(f, M_G0, f->len > 2 || c != 'B');
        }
        to_ground(f);
        return true;
    }
    return in_sequence_control(f, c);
}

/* Parses the parameter at *p (plain digits, ended by ';' or end) and moves
 * *p past it and its ';'; -1 if it is empty or not plain digits. */
static long next_param(const unsigned char **p, const unsigned char *end)
{
    long v = 0;
    const unsigned char *q = *p;
    bool digits = q < end && *q != ';';
    for (; q < end && *q != ';'; q++) {
        if (*q < '0' || *q > '9' || v > 100000)
            digits = false;
        else
            v = v * 10 + (*q - '0');
    }
    *p = q < end ? q + 1 : q;
    return digits ? v : -1;
}

static bool plain_params(const unsigned char *p, const unsigned char *end)
{
    for (; p < end; p++)
        if ((*p < '0' || *p > '9') && *p != ';')
            return false; /* private markers, sub-parameters, intermediates */
    return true;
}

/* Window operations (xterm CSI Ps t) that only report the window's size in
 * characters or pixels (14 16 18) or save/restore the title (22 23); the
 * rest move, resize, iconify or raise the window or report its title. */
static bool window_op_allowed(const unsigned char *p, const unsigned char *end)
{
    if (!plain_params(p, end))
        return false;
    long v = next_param(&p, end);
    return v == 14 || v == 16 || v == 18 || v == 22 || v == 23;
}

/* Set/reset mode (CSI Pm h, CSI ? Pm h and their l) except the modes that
 * change how the terminal parses what follows, so that it would read this
 * filter's output differently (DECANM 2: VT52, DECTEK 38: Tektronix), and
 * ANSI KAM (2), which locks the keyboard beyond the run.  Mode 2 goes
 * whatever the private marker. */
static bool mode_allowed(const unsigned char *p, const unsigned char *end)
{
    bool dec = p < end && *p == '?';
    if (p < end && *p >= 0x3C)
        p++;
    if (!plain_params(p, end))
        return false;
    while (p < end) {
        long v = next_param(&p, end);
        /* 1042 and 1043: BEL marks the window urgent or raises it */
        if (v == 2 || (dec && (v == 38 || v == 1042 || v == 1043)))
            return false;
    }
    return true;
}

static void track_mode(struct termfilter *f, long mode, bool set)
{
    for (size_t i = 0; i < sizeof(persistent) / sizeof(persistent[0]); i++)
        if (persistent[i].mode == mode)
            f->modes = set != persistent[i].on_by_default ? f->modes | (1u << i)
                                                          : f->modes & ~(1u << i);
}

/* Notes what a CSI that passed left changed in the terminal beyond the run:
 * DEC modes, kitty keyboard flags (CSI > flags u pushes, CSI < n u pops),
 * xterm's modifyOtherKeys (CSI > 4 ; n m). */
static void track_csi(struct termfilter *f, unsigned char final)
{
    const unsigned char *p = f->seq + 2, *end = f->seq + f->len;
    unsigned char marker = p < end && *p >= 0x3C ? *p++ : 0;
    if (!plain_params(p, end))
        return;
    if (marker == '?' && (final == 'h' || final == 'l')) {
        while (p < end)
            track_mode(f, next_param(&p, end), final == 'h');
    } else if (marker == '>' && final == 'u') {
        if (f->kitty < UINT8_MAX)
            f->kitty++;
    } else if (marker == '<' && final == 'u') {
        long n = next_param(&p, end);
        n = n < 1 ? 1 : n;
        f->kitty = n >= f->kitty ? 0 : (uint8_t)(f->kitty - n);
    } else if (marker == '>' && final == 'm' && next_param(&p, end) == 4) {
        set_misc(f, M_OTHER_KEYS, next_param(&p, end) > 0);
    }
}

/* Whether the CSI held in f (ESC [ ...) with this final byte may pass. */
static bool csi_allowed(const struct termfilter *f, unsigned char final)
{
    const unsigned char *p = f->seq + 2, *end = f->seq + f->len;
    bool star = memchr(p, '*', (size_t)(end - p)) != NULL;
    bool dollar = memchr(p, '$', (size_t)(end - p)) != NULL;
    bool quote = memchr(p, '"', (size_t)(end - p)) != NULL;
    switch (final) {
    case 'p': /* CSI " p DECSCL: conformance level and 7/8-bit controls */
        return !quote;
    case 'i': /* media copy: the printer (xterm pipes it to a command) */
        return false;
    case 'y': /* CSI * y DECRQCRA: checksums of what is on the screen */
        return !star;
    case '|': /* CSI $ | DECSCPP, CSI * | DECSNLS: resize the window */
        return !star && !dollar;
    case ']': /* Linux console settings: blanking, bell, power saving */
        return false;
    case 't':
        return window_op_allowed(p, end);
    case 'h':
    case 'l':
        return mode_allowed(p, end);
    default:
        return true;
    }
}

static bool on_csi(struct termfilter *f, struct out *o, unsigned char c)
{
    if (c >= 0x30 && c <= 0x3F) {
        bool marker = c >= 0x3C;
        /* Parameters after an intermediate, or a private marker after the
         * first byte: malformed, the terminals disagree, drop it. */
        if ((f->flags & F_INTER) || (marker && f->len > 2) || !hold(f, c))
            f->state = ST_CSI_SKIP;
        return true;
    }
    if (c >= 0x20 && c <= 0x2F) {
        f->flags |= F_INTER;
        if (!hold(f, c))
            f->state = ST_CSI_SKIP;
        return true;
    }
    if (c >= 0x40 && c < DEL) {
        if (csi_allowed(f, c)) {
            put_held(f, o);
            put(o, c);
            track_csi(f, c);
        }
        to_ground(f);
        return true;
    }
    return in_sequence_control(f, c);
}

static bool on_csi_skip(struct termfilter *f, unsigned char c)
{
    if (c >= 0x20 && c <= 0x3F)
        return true;
    if (c >= 0x40 && c < DEL) {
        to_ground(f);
        return true;
    }
    return in_sequence_control(f, c);
}

/* ---- strings: OSC titles are kept, everything else is skipped */

/* ESC ] d ; text BEL with the text's controls (C0, DEL, C1) and invalid
 * UTF-8 removed: a title is shown in the host's window list. */
static void put_title(const struct termfilter *f, struct out *o)
{
    const size_t head = 4; /* ESC ] d ; */
    memcpy(o->p + o->n, f->seq, head);
    o->n += head;
    for (size_t i = head; i < f->len;) {
        uint32_t cp;
        size_t k = utf8_decode(f->seq + i, f->len - i, &cp);
        if (k == 0) {
            i++;
            continue;
        }
        if (cp >= 0xA0 && f->ascii) {
            put(o, '?');
        } else if ((cp >= 0x20 && cp < DEL) || cp >= 0xA0) {
            memcpy(o->p + o->n, f->seq + i, k);
            o->n += k;
        }
        i += k;
    }
    put(o, BEL);
}

/* OSC 0, 1 and 2 (icon name and window title) only. */
static bool on_osc_number(struct termfilter *f, unsigned char c)
{
    if (c == ';' && f->len == 3 && f->seq[2] >= '0' && f->seq[2] <= '2') {
        f->flags |= F_OSC_TEXT;
        return hold(f, c);
    }
    if (c >= '0' && c <= '9' && f->len == 2)
        return hold(f, c);
    skip_string(f, true);
    return true;
}

static void end_osc(struct termfilter *f, struct out *o)
{
    if (f->flags & F_OSC_TEXT)
        put_title(f, o);
    to_ground(f);
}

static bool on_osc(struct termfilter *f, struct out *o, unsigned char c)
{
    if (c == BEL) {
        end_osc(f, o);
    } else if (c == ESC) {
        f->state = ST_OSC_ESC;
    } else if (c == CAN || c == SUB) {
        to_ground(f);
    } else if (c < 0x20 || c == DEL) {
        /* ignored inside a string, as xterm does */
    } else if (!(f->flags & F_OSC_TEXT)) {
        if (!on_osc_number(f, c))
            skip_string(f, true);
    } else if (!hold(f, c)) {
        skip_string(f, true);
    }
    return true;
}

/* After ESC inside a string: ST ends it, anything else aborts it and starts
 * a new escape sequence (the caller feeds c again). */
static bool on_string_esc(struct termfilter *f, struct out *o, unsigned char c)
{
    if (c == '\\') {
        if (f->state == ST_OSC_ESC)
            end_osc(f, o);
        else
            to_ground(f);
        return true;
    }
    enter(f, ST_ESC, ESC);
    return false;
}

static bool on_str_skip(struct termfilter *f, unsigned char c)
{
    if (c == ESC)
        f->state = ST_STR_SKIP_ESC;
    else if (c == CAN || c == SUB || (c == BEL && (f->flags & F_BEL_ENDS)))
        to_ground(f);
    return true;
}

/* True once c is consumed; false to feed it again in the new state. */
static bool step(struct termfilter *f, struct out *o, unsigned char c)
{
    switch (f->state) {
    case ST_UTF8:
        return on_utf8(f, o, c);
    case ST_ESC:
        return on_esc(f, o, c);
    case ST_ESC_INTER:
        return on_esc_inter(f, o, c);
    case ST_CSI:
        return on_csi(f, o, c);
    case ST_CSI_SKIP:
        return on_csi_skip(f, c);
    case ST_OSC:
        return on_osc(f, o, c);
    case ST_OSC_ESC:
    case ST_STR_SKIP_ESC:
        return on_string_esc(f, o, c);
    case ST_STR_SKIP:
        return on_str_skip(f, c);
    default:
        on_ground(f, o, c);
        return true;
    }
}

void termfilter_init(struct termfilter *f)
{
    memset(f, 0, sizeof(*f));
    f->state = ST_GROUND;
}

void termfilter_init_ascii(struct termfilter *f)
{
    termfilter_init(f);
    f->ascii = 1;
}

static void put_str(struct out *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

size_t termfilter_finish(struct termfilter *f, char *out)
{
    struct out o = {.p = out};
    char buf[32];
    for (size_t i = 0; i < sizeof(persistent) / sizeof(persistent[0]); i++) {
        if (!(f->modes & (1u << i)))
            continue;
        (void)snprintf(buf, sizeof(buf), "\033[?%u%c", persistent[i].mode,
                       persistent[i].on_by_default ? 'h' : 'l');
        put_str(&o, buf);
    }
    if (f->misc & M_KEYPAD)
        put_str(&o, "\033>");
    if (f->kitty) {
        (void)snprintf(buf, sizeof(buf), "\033[<%uu", (unsigned)f->kitty);
        put_str(&o, buf);
    }
    if (f->misc & M_OTHER_KEYS)
        put_str(&o, "\033[>4m");
    if (f->misc & M_SHIFT_OUT)
        put(&o, SI);
    if (f->misc & M_G0)
        put_str(&o, "\033(B");
    f->modes = 0;
    f->misc = 0;
    f->kitty = 0;
    return o.n;
}

size_t termfilter_feed(struct termfilter *f, const char *in, size_t n, char *out)
{
    struct out o = {.p = out};
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        /* A byte fed again moves towards the ground state, which always
         * consumes it: at most three steps. */
        while (!step(f, &o, c))
            ;
    }
    return o.n;
}
