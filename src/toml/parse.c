/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The document level: lines, [table] and [[array of tables]] headers. */
#include "toml/toml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "toml/toml-internal.h"
#include "base/banned.h"

/* One step of a header path: find or create the table (the last element of
 * an array of tables). */
static int header_descend(struct toml_parser *P, const struct toml_key *key, size_t i,
                          struct toml_value **t, unsigned *depth)
{
    const struct toml_keypart *part = &key->parts[i];
    struct toml_kv *kv = toml_table_lookup(&(*t)->u.tab, part->s, part->len);
    if (++*depth > AGS_TOML_MAX_DEPTH)
        return toml_fail_depth(P, part->pos);
    if (!kv) {
        struct toml_value *nt = toml_value_new(TOML_TABLE, part->pos);
        nt->u.tab.implicit = true;
        toml_table_add(&(*t)->u.tab, xstrndup(part->s, part->len), part->len, part->pos, nt);
        *t = nt;
        return 0;
    }
    struct toml_value *v = kv->value;
    if (v->type == TOML_ARRAY && v->array_of_tables && v->u.arr.len > 0) {
        if (++*depth > AGS_TOML_MAX_DEPTH)
            return toml_fail_depth(P, part->pos);
        v = v->u.arr.items[v->u.arr.len - 1];
    }
    _cleanup_free_ char *name = toml_key_display(key, i);
    if (v->type != TOML_TABLE)
        return toml_fail(P, part->pos, -EINVAL,
                         "cannot use '%s' as a table: it is already %s (defined at %u:%u)", name,
                         toml_type_with_article(v->type), (unsigned)kv->key_pos.line,
                         (unsigned)kv->key_pos.col);
    if (v->u.tab.inline_table)
        return toml_fail(P, part->pos, -EINVAL,
                         "cannot add to inline table '%s' (defined at %u:%u): an inline table "
                         "is complete once closed",
                         name, (unsigned)v->pos.line, (unsigned)v->pos.col);
    *t = v;
    return 0;
}

static int define_table(struct toml_parser *P, const struct toml_key *key, struct toml_pos hpos,
                        struct toml_value *parent, unsigned depth)
{
    const struct toml_keypart *part = &key->parts[key->n - 1];
    struct toml_kv *kv = toml_table_lookup(&parent->u.tab, part->s, part->len);
    struct toml_value *v;
    if (!kv) {
        v = toml_value_new(TOML_TABLE, hpos);
        toml_table_add(&parent->u.tab, xstrndup(part->s, part->len), part->len, part->pos, v);
    } else {
        v = kv->value;
        _cleanup_free_ char *name = toml_key_display(key, key->n - 1);
        struct toml_pos kp = kv->key_pos;
        if (v->type == TOML_ARRAY && v->array_of_tables)
            return toml_fail(P, hpos, -EINVAL,
                             "table [%s] conflicts with the array of tables [[%s]] at %u:%u", name,
                             name, (unsigned)v->pos.line, (unsigned)v->pos.col);
        if (v->type != TOML_TABLE)
            return toml_fail(P, hpos, -EINVAL,
                             "table [%s] conflicts with key '%s', which is already %s (defined "
                             "at %u:%u)",
                             name, name, toml_type_with_article(v->type), (unsigned)kp.line,
                             (unsigned)kp.col);
        if (v->u.tab.inline_table)
            return toml_fail(P, hpos, -EINVAL,
                             "table [%s] conflicts with the inline table '%s' at %u:%u", name, name,
                             (unsigned)v->pos.line, (unsigned)v->pos.col);
        if (v->u.tab.defined)
            return toml_fail(P, hpos, -EINVAL, "duplicate table [%s] (first defined at %u:%u)",
                             name, (unsigned)v->pos.line, (unsigned)v->pos.col);
        if (v->u.tab.dotted)
            return toml_fail(P, hpos, -EINVAL,
                             "table [%s] was already created by the dotted key at %u:%u", name,
                             (unsigned)kp.line, (unsigned)kp.col);
        v->pos = hpos;
    }
    v->u.tab.defined = true;
    P->cur = v;
    P->cur_depth = depth;
    return 0;
}

static int append_table(struct toml_parser *P, const struct toml_key *key, struct toml_pos hpos,
                        struct toml_value *parent, unsigned depth)
{
    const struct toml_keypart *part = &key->parts[key->n - 1];
    struct toml_kv *kv = toml_table_lookup(&parent->u.tab, part->s, part->len);
    struct toml_value *arr;
    if (!kv) {
        arr = toml_value_new(TOML_ARRAY, hpos);
        arr->array_of_tables = true;
        toml_table_add(&parent->u.tab, xstrndup(part->s, part->len), part->len, part->pos, arr);
    } else {
        arr = kv->value;
        if (arr->type != TOML_ARRAY || !arr->array_of_tables) {
            _cleanup_free_ char *name = toml_key_display(key, key->n - 1);
            return toml_fail(P, hpos, -EINVAL,
                             "cannot use [[%s]]: '%s' is already %s%s (defined at %u:%u)", name,
                             name, toml_type_with_article(arr->type),
                             arr->type == TOML_ARRAY ? " value, not an array of tables" : "",
                             (unsigned)kv->key_pos.line, (unsigned)kv->key_pos.col);
        }
    }
    if (depth + 1 > AGS_TOML_MAX_DEPTH)
        return toml_fail_depth(P, part->pos);
    struct toml_value *t = toml_value_new(TOML_TABLE, hpos);
    t->u.tab.defined = true;
    toml_array_push(&arr->u.arr, t);
    P->cur = t;
    P->cur_depth = depth + 1;
    return 0;
}

static int parse_header(struct toml_parser *P)
{
    struct toml_pos hpos = P->at;
    scan_adv(P);
    bool aot = scan_peek(P) == '[';
    if (aot)
        scan_adv(P);
    scan_skip_ws(P);
    _cleanup_key_ struct toml_key key = {0};
    int r = toml_parse_key(P, &key);
    if (r < 0)
        return r;
    const char *close = aot ? "']]' to close the [[array of tables]] header"
                            : "']' to close the [table] header";
    if (scan_peek(P) != ']' || (aot && scan_peek_at(P, 1) != ']')) {
        if (aot && scan_peek(P) == ']')
            scan_adv(P);
        return scan_expected(P, close);
    }
    scan_advn(P, aot ? 2 : 1);
    struct toml_value *t = P->root;
    unsigned depth = 0;
    for (size_t i = 0; i + 1 < key.n; i++) {
        r = header_descend(P, &key, i, &t, &depth);
        if (r < 0)
            return r;
    }
    if (++depth > AGS_TOML_MAX_DEPTH)
        return toml_fail_depth(P, key.parts[key.n - 1].pos);
    r = aot ? append_table(P, &key, hpos, t, depth) : define_table(P, &key, hpos, t, depth);
    if (r < 0)
        return r;
    return scan_end_of_line(P, aot ? "the [[array of tables]] header" : "the [table] header");
}

static int parse_document(struct toml_parser *P)
{
    for (;;) {
        scan_skip_ws(P);
        int c = scan_peek(P), r;
        if (c == TOML_EOF)
            return 0;
        if (c == '#' || c == '\n' || c == '\r') {
            r = scan_end_of_line(P, "a comment");
        } else if (c == '[') {
            r = parse_header(P);
        } else {
            r = toml_parse_keyval(P, P->cur, P->cur_depth);
            if (r >= 0)
                r = scan_end_of_line(P, "the value");
        }
        if (r < 0)
            return r;
    }
}

int toml_parse(const char *buf, size_t len, const char *filename, enum toml_version version,
               struct toml_value **ret, struct ags_error *err)
{
    if (!filename)
        filename = "<input>";
    if (version != TOML_1_0 && version != TOML_1_1)
        return ags_error_set(err, -EINVAL, "%s: unsupported TOML version %d", filename,
                             (int)version);
    if (len > AGS_TOML_MAX_FILE_SIZE)
        return ags_error_set(err, -E2BIG, "%s: file is larger than %u bytes", filename,
                             AGS_TOML_MAX_FILE_SIZE);
    if (!buf) {
        if (len)
            return ags_error_set(err, -EINVAL, "%s: no input buffer", filename);
        buf = "";
    }
    struct toml_parser P = {
            .p = buf,
            .end = buf + len,
            .at = {.line = 1, .col = 1},
            .filename = filename,
            .version = version,
            .err = err,
    };
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        P.p += 3; /* a byte order mark is not part of the document */
    int r = toml_check_utf8(&P);
    if (r < 0)
        return r;
    _cleanup_toml_ struct toml_value *root = toml_value_new(TOML_TABLE, P.at);
    P.root = P.cur = root;
    r = parse_document(&P);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(root);
    return 0;
}

int toml_parse_file(const char *path, enum toml_version version, struct toml_value **ret,
                    struct ags_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = read_file_bounded(path, AGS_TOML_MAX_FILE_SIZE, &buf, &len, err);
    if (r == -EFBIG)
        return ags_error_set(err, -E2BIG, "%s: file is larger than %u bytes", path,
                             AGS_TOML_MAX_FILE_SIZE);
    if (r < 0)
        return r;
    return toml_parse(buf, len, path, version, ret, err);
}
