/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml-internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/banned.h"

void toml_key_done(struct toml_key *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->parts[i].s);
    free(k->parts);
    *k = (struct toml_key){0};
}

static int parse_simple_key(struct toml_parser *P, struct toml_keypart *part)
{
    part->pos = P->at;
    int c = scan_peek(P);
    if (c == '"' || c == '\'')
        return toml_parse_string(P, true, &part->s, &part->len);
    if (!toml_is_bare_key_char(c)) {
        if (c == '=')
            return toml_fail(P, P->at, -EINVAL, "expected a key before '='");
        return scan_expected(P, "a key (letters, digits, '_', '-' or a quoted string)");
    }
    const char *start = P->p;
    while (toml_is_bare_key_char(scan_peek(P))) {
        P->p++;
        P->at.col++;
    }
    part->len = (size_t)(P->p - start);
    part->s = xstrndup(start, part->len);
    return 0;
}

int toml_parse_key(struct toml_parser *P, struct toml_key *k)
{
    for (;;) {
        if (k->n >= AGS_TOML_MAX_KEY_PARTS)
            return toml_fail(P, P->at, -E2BIG, "dotted key has more than %u parts",
                             AGS_TOML_MAX_KEY_PARTS);
        k->parts = xgrow(k->parts, &k->cap, k->n + 1, sizeof(*k->parts));
        struct toml_keypart *part = &k->parts[k->n];
        *part = (struct toml_keypart){0};
        int r = parse_simple_key(P, part);
        if (r < 0)
            return r;
        k->n++;
        scan_skip_ws(P);
        if (scan_peek(P) != '.')
            return 0;
        scan_adv(P);
        scan_skip_ws(P);
    }
}

static bool is_bare(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!toml_is_bare_key_char((unsigned char)s[i]))
            return false;
    return true;
}

static int display_part(struct strbuf *sb, const struct toml_keypart *part)
{
    bool bare = is_bare(part->s, part->len);
    int r = bare ? 0 : strbuf_appendc(sb, '"');
    for (size_t j = 0; r >= 0 && j < part->len; j++) {
        unsigned char c = (unsigned char)part->s[j];
        if (!bare && (c == '"' || c == '\\'))
            r = strbuf_appendf(sb, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            r = strbuf_appendf(sb, "\\u%04X", c);
        else
            r = strbuf_appendc(sb, (char)c);
    }
    return r >= 0 && !bare ? strbuf_appendc(sb, '"') : r;
}

/* Keys in messages are written as they could be typed, quoting where needed.
 * Long keys are cut short: the message has a fixed size anyway. */
char *toml_key_display(const struct toml_key *k, size_t upto)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, 200);
    for (size_t i = 0; i <= upto && i < k->n; i++) {
        int r = i > 0 ? strbuf_appendc(&sb, '.') : 0;
        if (r >= 0)
            r = display_part(&sb, &k->parts[i]);
        if (r < 0) {
            /* Cut at a character boundary, then mark the cut. */
            while (sb.len > 0 && ((unsigned char)sb.buf[sb.len - 1] & 0xC0) == 0x80)
                sb.len--;
            if (sb.len > 0 && (unsigned char)sb.buf[sb.len - 1] >= 0xC0)
                sb.len--;
            sb.max = sb.len + 3;
            r = strbuf_appends(&sb, "...");
            break;
        }
    }
    return strbuf_steal(&sb);
}
