/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The lockdown terminal filter (base/termfilter.c) on arbitrary bytes.
 * Besides crashes and sanitizer reports it checks invariants: the output is
 * the same whether the input comes whole or in chunks of a size taken from
 * the input; it is never longer than the input; it is valid UTF-8 without
 * NUL or C1 controls (U+0080..U+009F); no ESC in it starts a string other
 * than an OSC 0/1/2 title (so never ESC ] 5 2, DCS, APC, PM or SOS); and
 * filtering the output again changes nothing.  The same for a terminal that
 * is not UTF-8, whose output has no byte >= 0x80 at all.  What
 * termfilter_finish() writes at the end fits TERMFILTER_RESET_MAX, is the
 * same in any chunking and passes the filter unchanged.
 *
 * Input: byte 0 = chunk size (1..256), the rest = the output stream.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/termfilter.h"
#include "base/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool g_ascii;

static void init(struct termfilter *f)
{
    if (g_ascii)
        termfilter_init_ascii(f);
    else
        termfilter_init(f);
}

/* Filters in chunks of step; the reset finish() writes goes to reset. */
static size_t filter_finish(const char *in, size_t n, size_t step, char *out, char *reset,
                            size_t *ret_reset)
{
    struct termfilter f;
    init(&f);
    size_t o = 0;
    for (size_t off = 0; off < n; off += step) {
        size_t len = n - off < step ? n - off : step;
        size_t k = termfilter_feed(&f, in + off, len, out + o);
        if (k > len + TERMFILTER_SLACK)
            abort();
        o += k;
    }
    *ret_reset = termfilter_finish(&f, reset);
    if (*ret_reset > TERMFILTER_RESET_MAX)
        abort();
    return o;
}

static size_t filter(const char *in, size_t n, size_t step, char *out)
{
    char reset[TERMFILTER_RESET_MAX];
    size_t r;
    return filter_finish(in, n, step, out, reset, &r);
}

static void check_escapes(const char *s, size_t n)
{
    for (const char *p = s; (p = memchr(p, 0x1B, n - (size_t)(p - s))) != NULL; p++) {
        if ((size_t)(p - s) + 1 >= n)
            abort(); /* a lone ESC at the end */
        char c = p[1];
        if (c == 'P' || c == 'X' || c == '^' || c == '_' || c == '\\' || c == '%')
            abort();
        if (c == ']' && ((size_t)(p - s) + 3 >= n || p[2] < '0' || p[2] > '2' || p[3] != ';'))
            abort();
    }
}

static void check_text(const char *s, size_t n)
{
    if (!utf8_valid(s, n) || memchr(s, '\0', n))
        abort();
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (k == 0 || (cp >= 0x80 && cp <= 0x9F))
            abort();
        i += k;
    }
}

static void check_ascii(const char *s, size_t n)
{
    for (size_t i = 0; g_ascii && i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            abort();
}

static void check_reset(const char *reset, size_t r, const char *reset2, size_t r2)
{
    char again[TERMFILTER_RESET_MAX + TERMFILTER_SLACK];
    if (r != r2 || memcmp(reset, reset2, r) != 0)
        abort();
    if (filter(reset, r, r ? r : 1, again) != r || memcmp(again, reset, r) != 0)
        abort();
}

static void one_terminal(const uint8_t *data, size_t size)
{
    size_t step = (size_t)data[0] + 1;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    char *whole = malloc(n + TERMFILTER_SLACK);
    char *chunked = malloc(n + 256 * TERMFILTER_SLACK);
    char *again = malloc(n + TERMFILTER_SLACK);
    if (!whole || !chunked || !again)
        abort();
    char reset[TERMFILTER_RESET_MAX], reset2[TERMFILTER_RESET_MAX];
    size_t r = 0, r2 = 0;
    size_t w = filter_finish(in, n, n ? n : 1, whole, reset, &r);
    size_t c = filter_finish(in, n, step, chunked, reset2, &r2);
    if (w > n || c != w || memcmp(whole, chunked, w) != 0)
        abort();
    check_reset(reset, r, reset2, r2);
    check_text(whole, w);
    check_ascii(whole, w);
    check_escapes(whole, w);
    size_t a = filter(whole, w, w ? w : 1, again);
    if (a != w || memcmp(again, whole, w) != 0)
        abort();
    free(whole);
    free(chunked);
    free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    g_ascii = false;
    one_terminal(data, size);
    g_ascii = true;
    one_terminal(data, size);
    return 0;
}
