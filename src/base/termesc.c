/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/termesc.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/alloc.h"
#include "base/utf8.h"
#include "base/banned.h"

bool term_invisible(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) || cp == 0xad || cp == 0x061c || cp == 0x180e ||
           (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
           (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

int term_escape(struct strbuf *sb, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        int r;
        uint32_t cp = 0;
        size_t len = p[i] < 0x80 ? 1 : utf8_decode(p + i, n - i, &cp);
        if (p[i] == '\t' || p[i] == '\n') {
            r = strbuf_appendc(sb, (char)p[i]);
        } else if (p[i] < 0x20 || p[i] == 0x7f || len == 0) {
            r = strbuf_appendf(sb, "\\x%02x", p[i]);
            len = 1;
        } else if (p[i] >= 0x80 && term_invisible(cp)) {
            r = strbuf_appendf(sb, "\\u{%x}", cp);
        } else {
            r = strbuf_append(sb, s + i, len);
        }
        if (r < 0)
            return r;
        i += len;
    }
    return 0;
}

char *term_escape_str(const char *s)
{
    size_t n = strlen(s);
    struct strbuf sb;
    strbuf_init(&sb, 8 * n + 1); /* "\u{fffb}" is the longest form of one byte */
    if (term_escape(&sb, s, n) < 0)
        ags_oom();
    return strbuf_steal(&sb);
}
