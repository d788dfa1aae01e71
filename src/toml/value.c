/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Values, arrays, inline tables and key/value pairs (shared by the document
 * level and inline tables). */
#include "toml/toml-internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/banned.h"

int toml_fail_depth(struct toml_parser *P, struct toml_pos at)
{
    return toml_fail(P, at, -E2BIG, "tables and arrays are nested more than %u levels deep",
                     AGS_TOML_MAX_DEPTH);
}

static bool is_word_char(int c)
{
    return toml_is_bare_key_char(c) || c == '.' || c == ':' || c == '+';
}

/* A scalar must not run straight into more word characters ("1.2.3", "truex"). */
static int check_value_end(struct toml_parser *P, const char *start, struct toml_pos at)
{
    if (!is_word_char(scan_peek(P)))
        return 0;
    const char *end = P->p;
    while (end < P->end && is_word_char((unsigned char)*end) && end - start < 40)
        end++;
    return toml_fail(P, at, -EINVAL, "invalid value '%.*s%s'", (int)(end - start), start,
                     end < P->end && is_word_char((unsigned char)*end) ? "..." : "");
}

static int parse_word(struct toml_parser *P, struct toml_value *v)
{
    const char *start = P->p;
    size_t n = 0;
    while (start + n < P->end && is_word_char((unsigned char)start[n]))
        n++;
    if ((n == 4 && memcmp(start, "true", 4) == 0) || (n == 5 && memcmp(start, "false", 5) == 0)) {
        v->type = TOML_BOOL;
        v->u.b = n == 4;
        scan_advn(P, n);
        return 0;
    }
    if (n == 3 && (memcmp(start, "inf", 3) == 0 || memcmp(start, "nan", 3) == 0))
        return toml_parse_number(P, v);
    int shown = n > 40 ? 40 : (int)n;
    if ((n == 4 && strncasecmp(start, "true", 4) == 0) ||
        (n == 5 && strncasecmp(start, "false", 5) == 0))
        return toml_fail(P, P->at, -EINVAL,
                         "invalid value '%.*s' (booleans are lowercase: true or false)", shown,
                         start);
    return toml_fail(P, P->at, -EINVAL, "invalid value '%.*s%s' (strings must be in quotes)", shown,
                     start, n > 40 ? "..." : "");
}

static int parse_array(struct toml_parser *P, unsigned depth, struct toml_value *v)
{
    if (depth > AGS_TOML_MAX_DEPTH)
        return toml_fail_depth(P, P->at);
    v->type = TOML_ARRAY;
    scan_adv(P);
    for (;;) {
        int r = scan_skip_wscn(P);
        if (r < 0)
            return r;
        if (scan_peek(P) == ']')
            break;
        _cleanup_toml_ struct toml_value *item = NULL;
        r = toml_parse_value(P, depth + 1, &item);
        if (r < 0)
            return r;
        toml_array_push(&v->u.arr, TAKE_PTR(item));
        r = scan_skip_wscn(P);
        if (r < 0)
            return r;
        int c = scan_peek(P);
        if (c == ']')
            break;
        if (c != ',')
            return scan_expected(P, "',' or ']' after an array element");
        scan_adv(P);
    }
    scan_adv(P);
    return 0;
}

/* Inside { }: TOML 1.1 allows newlines and comments, TOML 1.0 only spaces. */
static int skip_inline_ws(struct toml_parser *P)
{
    if (P->version >= TOML_1_1)
        return scan_skip_wscn(P);
    scan_skip_ws(P);
    int c = scan_peek(P);
    if (c == '\n' || c == '\r' || c == '#')
        return toml_fail(P, P->at, -EINVAL,
                         "an inline table must be on one line in TOML 1.0 (newlines and "
                         "comments inside are allowed from TOML 1.1 on)");
    return 0;
}

static int parse_inline_table(struct toml_parser *P, unsigned depth, struct toml_value *v)
{
    if (depth > AGS_TOML_MAX_DEPTH)
        return toml_fail_depth(P, P->at);
    v->type = TOML_TABLE;
    scan_adv(P);
    int r = skip_inline_ws(P);
    if (r < 0)
        return r;
    while (scan_peek(P) != '}') {
        r = toml_parse_keyval(P, v, depth);
        if (r >= 0)
            r = skip_inline_ws(P);
        if (r < 0)
            return r;
        int c = scan_peek(P);
        if (c == '}')
            break;
        if (c != ',')
            return scan_expected(P, "',' or '}' after a key/value pair in an inline table");
        struct toml_pos comma = P->at;
        scan_adv(P);
        r = skip_inline_ws(P);
        if (r < 0)
            return r;
        if (scan_peek(P) == '}' && P->version < TOML_1_1)
            return toml_fail(P, comma, -EINVAL,
                             "trailing comma in an inline table (allowed from TOML 1.1 on)");
    }
    scan_adv(P);
    v->u.tab.inline_table = true; /* sealed: nothing may add to it later */
    return 0;
}

int toml_parse_value(struct toml_parser *P, unsigned depth, struct toml_value **ret)
{
    struct toml_pos at = P->at;
    const char *start = P->p;
    _cleanup_toml_ struct toml_value *v = toml_value_new(TOML_BOOL, at);
    int c = scan_peek(P), r;
    if (c == '"' || c == '\'') {
        v->type = TOML_STRING;
        r = toml_parse_string(P, false, &v->u.s.ptr, &v->u.s.len);
    } else if (c == '[') {
        r = parse_array(P, depth, v);
    } else if (c == '{') {
        r = parse_inline_table(P, depth, v);
    } else if (toml_is_digit(c) || c == '+' || c == '-') {
        if (toml_is_digit(c) && toml_looks_like_datetime(P))
            r = toml_parse_datetime(P, v);
        else
            r = toml_parse_number(P, v);
        if (r >= 0)
            r = check_value_end(P, start, at);
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        r = parse_word(P, v);
    } else {
        r = scan_expected(P, "a value");
    }
    if (r < 0)
        return r;
    *ret = TAKE_PTR(v);
    return 0;
}

/* One step of a dotted key in a key/value pair: find or create the table. */
static int descend_dotted(struct toml_parser *P, const struct toml_key *key, size_t i,
                          struct toml_value **t)
{
    const struct toml_keypart *part = &key->parts[i];
    struct toml_kv *kv = toml_table_lookup(&(*t)->u.tab, part->s, part->len);
    if (!kv) {
        struct toml_value *nt = toml_value_new(TOML_TABLE, part->pos);
        nt->u.tab.implicit = nt->u.tab.dotted = true;
        toml_table_add(&(*t)->u.tab, xstrndup(part->s, part->len), part->len, part->pos, nt);
        *t = nt;
        return 0;
    }
    struct toml_value *v = kv->value;
    _cleanup_free_ char *name = toml_key_display(key, i);
    if (v->type != TOML_TABLE)
        return toml_fail(P, part->pos, -EINVAL,
                         "cannot add keys to '%s': it is already %s (defined at %u:%u)", name,
                         toml_type_with_article(v->type), (unsigned)kv->key_pos.line,
                         (unsigned)kv->key_pos.col);
    if (v->u.tab.inline_table)
        return toml_fail(P, part->pos, -EINVAL,
                         "cannot add keys to inline table '%s' (defined at %u:%u): an inline "
                         "table is complete once closed",
                         name, (unsigned)v->pos.line, (unsigned)v->pos.col);
    if (v->u.tab.defined)
        return toml_fail(P, part->pos, -EINVAL,
                         "cannot add keys to table '%s' with a dotted key: it has its own "
                         "[header] at %u:%u",
                         name, (unsigned)v->pos.line, (unsigned)v->pos.col);
    v->u.tab.dotted = true;
    *t = v;
    return 0;
}

int toml_parse_keyval(struct toml_parser *P, struct toml_value *table, unsigned depth)
{
    _cleanup_key_ struct toml_key key = {0};
    int r = toml_parse_key(P, &key);
    if (r < 0)
        return r;
    struct toml_value *t = table;
    for (size_t i = 0; i + 1 < key.n; i++) {
        if (++depth > AGS_TOML_MAX_DEPTH)
            return toml_fail_depth(P, key.parts[i].pos);
        r = descend_dotted(P, &key, i, &t);
        if (r < 0)
            return r;
    }
    struct toml_keypart *last = &key.parts[key.n - 1];
    const struct toml_kv *dup = toml_table_lookup(&t->u.tab, last->s, last->len);
    if (dup) {
        _cleanup_free_ char *name = toml_key_display(&key, key.n - 1);
        return toml_fail(P, last->pos, -EINVAL, "duplicate key '%s' (first defined at %u:%u)", name,
                         (unsigned)dup->key_pos.line, (unsigned)dup->key_pos.col);
    }
    if (scan_peek(P) != '=')
        return scan_expected(P, "'=' after the key");
    scan_adv(P);
    scan_skip_ws(P);
    _cleanup_toml_ struct toml_value *v = NULL;
    r = toml_parse_value(P, depth + 1, &v);
    if (r < 0)
        return r;
    toml_table_add(&t->u.tab, TAKE_PTR(last->s), last->len, last->pos, TAKE_PTR(v));
    return 0;
}
