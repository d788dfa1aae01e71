/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml-internal.h"

#include <errno.h>

#include "base/banned.h"

/* Accepted ranges follow RFC 3629 table 3-7: no overlong forms, no UTF-16
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
    if (n == 0)
        return 0;
    unsigned char c = s[0];
    if (c < 0x80) {
        *ret_cp = c;
        return 1;
    }
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        cp = c & 0x0Fu;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        cp = c & 0x07u;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        unsigned char b = s[i];
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
            return 0;
        cp = (cp << 6) | (b & 0x3Fu);
    }
    *ret_cp = cp;
    return len;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Says why the sequence at s (known to be invalid) is rejected. */
static const char *utf8_why(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0x80 && c <= 0xBF)
        return "a continuation byte cannot start a character";
    if (c == 0xC0 || c == 0xC1)
        return "overlong encoding";
    if (c >= 0xF5)
        return c >= 0xF8 ? "this byte never appears in UTF-8" : "code point above U+10FFFF";
    if (n < 2 || (s[1] & 0xC0) != 0x80)
        return "truncated multi-byte sequence";
    if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xF0 && s[1] < 0x90))
        return "overlong encoding";
    if (c == 0xED && s[1] >= 0xA0)
        return "UTF-16 surrogate (U+D800..U+DFFF)";
    if (c == 0xF4 && s[1] >= 0x90)
        return "code point above U+10FFFF";
    return "truncated multi-byte sequence";
}

int toml_check_utf8(struct toml_parser *P)
{
    const unsigned char *s = (const unsigned char *)P->p;
    const unsigned char *end = (const unsigned char *)P->end;
    struct toml_pos at = P->at;
    while (s < end) {
        unsigned char c = *s;
        if (c < 0x80) {
            s++;
            if (c == '\n') {
                at.line++;
                at.col = 1;
            } else {
                at.col++;
            }
            continue;
        }
        uint32_t cp;
        size_t len = utf8_decode(s, (size_t)(end - s), &cp);
        if (len == 0)
            return toml_fail(P, at, -EINVAL, "invalid UTF-8 byte 0x%02X: %s", (unsigned)c,
                             utf8_why(s, (size_t)(end - s)));
        s += len;
        at.col++;
    }
    return 0;
}
