/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * toml-test decoder: TOML on stdin, tagged JSON on stdout and exit 0, or the
 * error on stderr and exit 1.  Usage: toml-decode [--toml-version 1.0.0|1.1.0]
 * The JSON is written by hand: only src/podman and src/proxy link jansson.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/fileio.h"
#include "base/limits.h"
#include "base/strbuf.h"
#include "base/strutil.h"
#include "toml/toml.h"
#include "base/banned.h"

#define JSON_MAX ((size_t)1 << 30)

static int emit(struct strbuf *sb, const struct toml_value *v);

static int emit_leaf(struct strbuf *sb, const char *type, const char *value)
{
    int r = strbuf_appendf(sb, "{\"type\":\"%s\",\"value\":", type);
    if (r >= 0)
        r = json_append_string(sb, value, strlen(value));
    if (r >= 0)
        r = strbuf_appendc(sb, '}');
    return r;
}

static int emit_float(struct strbuf *sb, double f)
{
    char buf[64];
    if (isnan(f))
        return emit_leaf(sb, "float", "nan");
    if (isinf(f))
        return emit_leaf(sb, "float", f < 0 ? "-inf" : "inf");
    (void)snprintf(buf, sizeof(buf), "%.17g", f);
    return emit_leaf(sb, "float", buf);
}

static int emit_table(struct strbuf *sb, const struct toml_table *t)
{
    int r = strbuf_appendc(sb, '{');
    for (size_t i = 0; r >= 0 && i < t->len; i++) {
        if (i > 0)
            r = strbuf_appendc(sb, ',');
        if (r >= 0)
            r = json_append_string(sb, t->items[i].key, t->items[i].key_len);
        if (r >= 0)
            r = strbuf_appendc(sb, ':');
        if (r >= 0)
            r = emit(sb, t->items[i].value);
    }
    return r >= 0 ? strbuf_appendc(sb, '}') : r;
}

static int emit_array(struct strbuf *sb, const struct toml_array *a)
{
    int r = strbuf_appendc(sb, '[');
    for (size_t i = 0; r >= 0 && i < a->len; i++) {
        if (i > 0)
            r = strbuf_appendc(sb, ',');
        if (r >= 0)
            r = emit(sb, a->items[i]);
    }
    return r >= 0 ? strbuf_appendc(sb, ']') : r;
}

/* Recursion depth is bounded by the parser's AGS_TOML_MAX_DEPTH. */
static int emit(struct strbuf *sb, const struct toml_value *v)
{
    char buf[64];
    switch (v->type) {
    case TOML_TABLE:
        return emit_table(sb, &v->u.tab);
    case TOML_ARRAY:
        return emit_array(sb, &v->u.arr);
    case TOML_STRING: {
        int r = strbuf_appends(sb, "{\"type\":\"string\",\"value\":");
        if (r >= 0)
            r = json_append_string(sb, v->u.s.ptr, v->u.s.len);
        return r >= 0 ? strbuf_appendc(sb, '}') : r;
    }
    case TOML_INTEGER:
        (void)snprintf(buf, sizeof(buf), "%lld", (long long)v->u.i);
        return emit_leaf(sb, "integer", buf);
    case TOML_FLOAT:
        return emit_float(sb, v->u.f);
    case TOML_BOOL:
        return emit_leaf(sb, "bool", v->u.b ? "true" : "false");
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL:
        toml_datetime_format(v, buf, sizeof(buf));
        return emit_leaf(sb,
                         v->type == TOML_DATETIME         ? "datetime"
                         : v->type == TOML_DATETIME_LOCAL ? "datetime-local"
                         : v->type == TOML_DATE_LOCAL     ? "date-local"
                                                          : "time-local",
                         buf);
    }
    return -EINVAL;
}

static int parse_args(int argc, char **argv, enum toml_version *ret)
{
    *ret = TOML_1_1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--toml-version") != 0 || i + 1 >= argc)
            return -EINVAL;
        const char *v = argv[++i];
        if (strcmp(v, "1.0.0") == 0 || strcmp(v, "1.0") == 0)
            *ret = TOML_1_0;
        else if (strcmp(v, "1.1.0") == 0 || strcmp(v, "1.1") == 0)
            *ret = TOML_1_1;
        else
            return -EINVAL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    enum toml_version version;
    if (parse_args(argc, argv, &version) < 0) {
        fprintf(stderr, "usage: toml-decode [--toml-version 1.0.0|1.1.0] < file.toml\n");
        return 2;
    }
    struct ags_error err = {0};
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    if (read_fd_bounded(STDIN_FILENO, AGS_TOML_MAX_FILE_SIZE, &buf, &len, &err) < 0) {
        fprintf(stderr, "toml-decode: %s\n", err.msg);
        return 1;
    }
    _cleanup_toml_ struct toml_value *root = NULL;
    if (toml_parse(buf, len, "<stdin>", version, &root, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, JSON_MAX);
    if (emit(&sb, root) < 0 || strbuf_appendc(&sb, '\n') < 0) {
        fprintf(stderr, "toml-decode: JSON output is too large\n");
        return 1;
    }
    if (fwrite(sb.buf, 1, sb.len, stdout) != sb.len || fflush(stdout) != 0)
        return 1;
    return 0;
}
