/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "base/netrule.h"
#include "base/parse-util.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/banned.h"

bool cfg_origin_set(const struct cfg_origin *at)
{
    return at->file != NULL;
}

struct cfg_origin cfg_origin_at(const struct cfg_decoder *d, struct toml_pos pos)
{
    return (struct cfg_origin){.file = d->file, .line = pos.line, .col = pos.col};
}

static char *vformat(const struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                     const char *fmt, va_list ap) _printf_(4, 0);

static char *vformat(const struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                     const char *fmt, va_list ap)
{
    char msg[1024];
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    return xasprintf("%s:%u:%u: %s: %s", d->file, pos.line, pos.col, ctx, msg);
}

void cfg_report_error(struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *line = vformat(d, pos, ctx, fmt, ap);
    va_end(ap);
    cfg_diag_error(d->diag, "%s", line);
}

void cfg_report_warning(struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    _cleanup_free_ char *line = vformat(d, pos, ctx, fmt, ap);
    va_end(ap);
    cfg_diag_warning(d->diag, "%s", line);
}

void cfg_warn_unknown_key(struct cfg_decoder *d, struct toml_pos pos, const char *ctx,
                          const char *key, const char *const *candidates)
{
    const char *best = NULL;
    size_t best_dist = (size_t)-1;
    for (size_t i = 0; candidates[i]; i++) {
        size_t dist = str_edit_distance(key, candidates[i], 64);
        if (dist < best_dist) {
            best_dist = dist;
            best = candidates[i];
        }
    }
    if (best)
        cfg_report_warning(d, pos, ctx, "unknown key '%s' ignored (closest valid key: '%s')", key,
                           best);
    else
        cfg_report_warning(d, pos, ctx, "unknown key '%s' ignored", key);
}

static const char *article_type(enum toml_type t)
{
    switch (t) {
    case TOML_TABLE:
        return "a table";
    case TOML_ARRAY:
        return "an array";
    case TOML_INTEGER:
        return "an integer";
    default:
        return toml_type_name(t);
    }
}

/* A string value without NUL bytes, or NULL after reporting why not. */
static const char *want_string(struct cfg_decoder *d, const struct toml_value *v, const char *ctx)
{
    if (v->type != TOML_STRING) {
        cfg_report_error(d, v->pos, ctx, "expected a string, found %s", article_type(v->type));
        return NULL;
    }
    if (memchr(v->u.s.ptr, '\0', v->u.s.len)) {
        cfg_report_error(d, v->pos, ctx, "must not contain a NUL character");
        return NULL;
    }
    return v->u.s.ptr;
}

static bool check_container_path(struct cfg_decoder *d, const struct toml_value *v,
                                 const char *ctx, const char *s)
{
    if (s[0] != '/') {
        cfg_report_error(d, v->pos, ctx, "'%s' must be an absolute path inside the sandbox", s);
        return false;
    }
    return true;
}

static bool check_env_name(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                           const char *s)
{
    if (!str_is_env_name(s)) {
        cfg_report_error(d, v->pos, ctx,
                         "'%s' is not a valid environment variable name "
                         "(letters, digits and '_', not starting with a digit)", s);
        return false;
    }
    return true;
}

/* Checked once here, where the entry's FILE:LINE:COL is known: the plan and
 * the overlay rule parse it again and may take it as valid. */
static bool check_net_rule(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                           const char *s)
{
    struct netrule r;
    const char *why = NULL;
    if (netrule_parse(s, &r, &why) < 0) {
        cfg_report_error(d, v->pos, ctx, "'%s' is no allow entry: %s (docs/config.md [network])",
                         s, why);
        return false;
    }
    return true;
}

/* Decodes one string of a scalar or list field; returns an owned string or NULL. */
static char *decode_string(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                           enum cfg_ftype type, bool required)
{
    const char *s = want_string(d, v, ctx);
    if (!s)
        return NULL;
    if (s[0] == '\0' && (required || type != CFG_T_STRING)) {
        cfg_report_error(d, v->pos, ctx, "must not be empty");
        return NULL;
    }
    struct ags_error err;
    char *out = NULL;
    switch (type) {
    case CFG_T_PATH:
        if (cfg_expand_path(d->host, s, d->file_dir, &out, &err) < 0) {
            cfg_report_error(d, v->pos, ctx, "%s", err.msg);
            return NULL;
        }
        return d->repo_root ? cfg_overlay_resolve(d, v->pos, ctx, out) : out;
    case CFG_T_CONTAINER_PATH:
    case CFG_T_CONTAINER_PATHS:
        return check_container_path(d, v, ctx, s) ? xstrdup(s) : NULL;
    case CFG_T_ENV_NAME:
    case CFG_T_ENV_NAMES:
        return check_env_name(d, v, ctx, s) ? xstrdup(s) : NULL;
    case CFG_T_NET_RULES:
        return check_net_rule(d, v, ctx, s) ? xstrdup(s) : NULL;
    default:
        return xstrdup(s);
    }
}

static void decode_strv(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                        enum cfg_ftype type, struct cfg_strv *out)
{
    if (v->type != TOML_ARRAY) {
        cfg_report_error(d, v->pos, ctx, "expected an array of strings, found %s",
                         article_type(v->type));
        return;
    }
    size_t n = v->u.arr.len;
    if (type == CFG_T_NET_RULES && n > AGS_NET_ALLOW_MAX) {
        cfg_report_error(d, v->pos, ctx, "%zu entries, more than the %u ags takes", n,
                         AGS_NET_ALLOW_MAX);
        return;
    }
    char **items = xcalloc(n + 1, sizeof(char *));
    struct cfg_origin *item_at = xcalloc(n + 1, sizeof(*item_at));
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *ictx = xasprintf("%s[%zu]", ctx, i);
        enum cfg_ftype item_type = type == CFG_T_ARGV && i == 0 ? CFG_T_STRING : type;
        char *s = decode_string(d, v->u.arr.items[i], ictx, item_type, true);
        if (s) {
            item_at[got] = cfg_origin_at(d, v->u.arr.items[i]->pos);
            items[got++] = s;
        }
    }
    if (got != n) { /* an element was reported; keep nothing half-decoded */
        strv_free_n(items, got);
        free(item_at);
        return;
    }
    out->v = items;
    out->n = n;
    out->at = cfg_origin_at(d, v->pos);
    out->item_at = item_at;
}

static void decode_argv(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                        struct cfg_strv *out)
{
    decode_strv(d, v, ctx, CFG_T_STRV, out);
    if (!out->v)
        return;
    struct ags_error err;
    char *argv0 = NULL;
    if (out->n == 0) {
        cfg_report_error(d, v->pos, ctx, "must include at least one element (the program's "
                                         "absolute path)");
    } else if (cfg_expand_command(d->host, out->v[0], &argv0, &err) < 0) {
        cfg_report_error(d, v->u.arr.items[0]->pos, ctx, "%s", err.msg);
    } else {
        free(out->v[0]);
        out->v[0] = argv0; /* only [0] is expanded: the rest is passed literally */
    }
}

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const struct cfg_kv *)a)->key, ((const struct cfg_kv *)b)->key);
}

static void decode_map(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                       struct cfg_map *out)
{
    if (v->type != TOML_TABLE) {
        cfg_report_error(d, v->pos, ctx, "expected a table of strings, found %s",
                         article_type(v->type));
        return;
    }
    if (v->u.tab.len == 0) {
        cfg_report_error(d, v->pos, ctx, "must include at least one key");
        return;
    }
    struct cfg_kv *kv = xcalloc(v->u.tab.len, sizeof(*kv));
    size_t got = 0;
    for (size_t i = 0; i < v->u.tab.len; i++) {
        const struct toml_kv *item = &v->u.tab.items[i];
        _cleanup_free_ char *ictx = xasprintf("%s.%s", ctx, item->key);
        const char *s = want_string(d, item->value, ictx);
        if (!s)
            continue;
        kv[got].key = xstrdup(item->key);
        kv[got++].value = xstrdup(s);
    }
    qsort(kv, got, sizeof(*kv), cmp_kv);
    out->v = kv;
    out->n = got;
    out->at = cfg_origin_at(d, v->pos);
}

static void decode_u32(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                       const struct cfg_field *f, struct cfg_u32 *out)
{
    if (v->type != TOML_INTEGER) {
        cfg_report_error(d, v->pos, ctx, "expected an integer, found %s", article_type(v->type));
        return;
    }
    int64_t lo = 0, hi = UINT32_MAX;
    if (f->type == CFG_T_PORT) {
        lo = 1;
        hi = 65535;
    } else if (f->max > 0) {
        lo = f->min;
        hi = f->max;
    }
    if (v->u.i < lo || v->u.i > hi) {
        cfg_report_error(d, v->pos, ctx, "%lld is out of range (%lld to %lld)",
                         (long long)v->u.i, (long long)lo, (long long)hi);
        return;
    }
    out->v = (uint32_t)v->u.i;
    out->at = cfg_origin_at(d, v->pos);
}

static void decode_size(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                        struct cfg_u64 *out)
{
    uint64_t size = 0;
    if (v->type == TOML_INTEGER && v->u.i > 0) {
        size = (uint64_t)v->u.i;
    } else if (v->type == TOML_STRING) {
        const char *s = want_string(d, v, ctx);
        if (!s)
            return;
        int r = parse_size(s, &size);
        if (r < 0) {
            cfg_report_error(d, v->pos, ctx, "'%s' is %s (a number of bytes with an optional "
                             "unit B, KiB, MiB, GiB or TiB, e.g. \"512MiB\")", s,
                             r == -ERANGE ? "too large" : "no size");
            return;
        }
    } else if (v->type != TOML_INTEGER) {
        cfg_report_error(d, v->pos, ctx, "expected a size such as \"512MiB\", found %s",
                         article_type(v->type));
        return;
    }
    if (size == 0) {
        cfg_report_error(d, v->pos, ctx, "must be larger than 0");
        return;
    }
    out->v = size;
    out->at = cfg_origin_at(d, v->pos);
}

static void decode_enum(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                        const char *const *names, struct cfg_u32 *out)
{
    const char *s = want_string(d, v, ctx);
    if (!s)
        return;
    /* An empty name marks a slot that cannot be written (provider 0 = none). */
    for (size_t i = 0; names[i]; i++) {
        if (names[i][0] && strcasecmp(s, names[i]) == 0) {
            out->v = (uint32_t)i;
            out->at = cfg_origin_at(d, v->pos);
            return;
        }
    }
    char valid[256] = "";
    size_t len = 0;
    for (size_t i = 0; names[i] && len < sizeof(valid); i++)
        if (names[i][0])
            len += (size_t)snprintf(valid + len, sizeof(valid) - len, "%s'%s'", len ? ", " : "",
                                    names[i]);
    cfg_report_error(d, v->pos, ctx, "invalid value '%s' (valid values: %s)", s, valid);
}

static void decode_field(struct cfg_decoder *d, const struct toml_value *v, const char *ctx,
                         const struct cfg_field *f, void *obj)
{
    void *slot = (char *)obj + f->off;
    switch (f->type) {
    case CFG_T_STRING:
    case CFG_T_PATH:
    case CFG_T_CONTAINER_PATH:
    case CFG_T_ENV_NAME: {
        struct cfg_str *out = slot;
        char *s = decode_string(d, v, ctx, f->type, f->required);
        if (s) {
            out->v = s;
            out->at = cfg_origin_at(d, v->pos);
        }
        break;
    }
    case CFG_T_BOOL: {
        struct cfg_bool *out = slot;
        if (v->type != TOML_BOOL) {
            cfg_report_error(d, v->pos, ctx, "expected true or false, found %s",
                             article_type(v->type));
            break;
        }
        out->v = v->u.b;
        out->at = cfg_origin_at(d, v->pos);
        break;
    }
    case CFG_T_U32:
    case CFG_T_PORT:
        decode_u32(d, v, ctx, f, slot);
        break;
    case CFG_T_ENUM:
        decode_enum(d, v, ctx, f->names, slot);
        break;
    case CFG_T_STRV:
    case CFG_T_ENV_NAMES:
    case CFG_T_CONTAINER_PATHS:
    case CFG_T_NET_RULES:
        decode_strv(d, v, ctx, f->type, slot);
        break;
    case CFG_T_MAP:
        decode_map(d, v, ctx, slot);
        break;
    case CFG_T_ARGV:
        decode_argv(d, v, ctx, slot);
        break;
    case CFG_T_SIZE:
        decode_size(d, v, ctx, slot);
        break;
    }
}

static bool is_extra_key(const char *key, const char *const *extra_keys)
{
    for (size_t i = 0; extra_keys && extra_keys[i]; i++)
        if (strcmp(key, extra_keys[i]) == 0)
            return true;
    return false;
}

void cfg_decode_fields(struct cfg_decoder *d, const struct toml_value *table, const char *ctx,
                       const struct cfg_table_schema *schema, void *obj,
                       const char *const *extra_keys)
{
    const char *names[32];
    size_t n_names = 0;
    for (size_t i = 0; i < schema->n_fields && n_names < ARRAY_SIZE(names) - 3; i++)
        names[n_names++] = schema->fields[i].key;
    for (size_t i = 0; extra_keys && extra_keys[i] && n_names < ARRAY_SIZE(names) - 1; i++)
        names[n_names++] = extra_keys[i];
    names[n_names] = NULL;

    for (size_t i = 0; i < table->u.tab.len; i++) {
        const struct toml_kv *kv = &table->u.tab.items[i];
        if (is_extra_key(kv->key, extra_keys))
            continue;
        const struct cfg_field *f = NULL;
        for (size_t j = 0; j < schema->n_fields && !f; j++)
            if (strcmp(schema->fields[j].key, kv->key) == 0)
                f = &schema->fields[j];
        if (!f) {
            cfg_warn_unknown_key(d, kv->key_pos, ctx, kv->key, names);
            continue;
        }
        /* On the hot path of large configs: no allocation; a context longer
         * than the buffer is cut, which only shortens a message. */
        char fctx[512];
        if (snprintf(fctx, sizeof(fctx), "%s.%s", ctx, f->key) >= (int)sizeof(fctx))
            fctx[sizeof(fctx) - 1] = '\0';
        const char *why = d->is_overlay ? cfg_overlay_forbidden(schema->name, f->key) : NULL;
        if (why) {
            cfg_report_error(d, kv->key_pos, fctx,
                             "a repo-local config may not set it (%s); set it in your own config "
                             "if you want it", why);
            continue;
        }
        why = d->is_overlay ? cfg_overlay_loosens(schema->name, f->key, kv->value) : NULL;
        if (why) {
            cfg_report_error(d, kv->value->pos, fctx,
                             "a repo-local config may only make it stricter (%s)", why);
            continue;
        }
        decode_field(d, kv->value, fctx, f, obj);
    }
    /* A singular table in an overlay only changes what it names. */
    if (d->is_overlay && !schema->array)
        return;
    for (size_t j = 0; j < schema->n_fields; j++) {
        const struct cfg_field *f = &schema->fields[j];
        if (f->required && !cfg_origin_set(cfg_field_origin(f, obj)) && !toml_table_find(table, f->key))
            cfg_report_error(d, table->pos, ctx, "missing required key '%s'", f->key);
    }
}
