/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Outside text made safe to show in a notification or a dialog. */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/termesc.h"
#include "base/utf8.h"
#include "notify/internal.h"
#include "base/banned.h"

#define CUT_MARK "..."

static char *markup_escaped(const char *s)
{
    struct strbuf sb;
    /* Each byte becomes at most "&quot;". */
    strbuf_init(&sb, strlen(s) * 6 + 1);
    for (; *s; s++) {
        int r;
        switch (*s) {
        case '&': r = strbuf_appends(&sb, "&amp;"); break;
        case '<': r = strbuf_appends(&sb, "&lt;"); break;
        case '>': r = strbuf_appends(&sb, "&gt;"); break;
        case '\'': r = strbuf_appends(&sb, "&apos;"); break;
        case '"': r = strbuf_appends(&sb, "&quot;"); break;
        default: r = strbuf_appendc(&sb, *s); break;
        }
        (void)r; /* the cap above fits every byte */
    }
    return strbuf_steal(&sb);
}

char *notify_text(const char *s, size_t max, bool one_line, bool markup)
{
    struct strbuf sb;
    strbuf_init(&sb, max);
    if (!s)
        s = "";
    /* A cut leaves the prefix that fitted (never empty: max holds any one escape). */
    if (term_escape(&sb, s, strlen(s)) == -E2BIG && sb.buf) {
        size_t keep = utf8_cut(sb.buf, sb.len, max - strlen(CUT_MARK));
        sb.buf[keep] = '\0';
        sb.len = keep;
        int r = strbuf_appends(&sb, CUT_MARK); /* fits: keep left room for it */
        (void)r;
    }
    char *text = strbuf_steal(&sb);
    if (one_line)
        for (char *p = text; *p; p++)
            if (*p == '\n' || *p == '\t')
                *p = ' ';
    if (!markup)
        return text;
    char *escaped = markup_escaped(text);
    free(text);
    return escaped;
}
