/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml-internal.h"

#include <errno.h>

#include "base/banned.h"

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
