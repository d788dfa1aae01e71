/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TOML parser on arbitrary bytes, in both TOML versions.  Besides crashes
 * and sanitizer reports it checks invariants: every error carries a message
 * with a position and a known code, every key of a parsed tree is found again
 * by lookup, and whatever TOML 1.0 accepts TOML 1.1 accepts too.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Recursion is bounded by the parser's depth limit. */
static void walk(const struct toml_value *v)
{
    char buf[64];
    if (v->pos.line == 0 || v->pos.col == 0)
        abort();
    switch (v->type) {
    case TOML_TABLE:
        for (size_t i = 0; i < v->u.tab.len; i++) {
            const struct toml_kv *kv = &v->u.tab.items[i];
            if (toml_table_findn(v, kv->key, kv->key_len) != kv || kv->key[kv->key_len] != '\0')
                abort();
            walk(kv->value);
        }
        break;
    case TOML_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++)
            walk(v->u.arr.items[i]);
        break;
    case TOML_STRING:
        if (v->u.s.ptr[v->u.s.len] != '\0')
            abort();
        break;
    case TOML_DATETIME:
    case TOML_DATETIME_LOCAL:
    case TOML_DATE_LOCAL:
    case TOML_TIME_LOCAL:
        toml_datetime_format(v, buf, sizeof(buf));
        if (buf[0] == '\0')
            abort();
        break;
    default:
        break;
    }
}

static int parse_one(const uint8_t *data, size_t size, enum toml_version version)
{
    struct ags_error err = {0};
    struct toml_value *root = NULL;
    int r = toml_parse((const char *)data, size, "fuzz.toml", version, &root, &err);
    if (r < 0) {
        if (root || (r != -EINVAL && r != -E2BIG) || err.code != r ||
            strncmp(err.msg, "fuzz.toml:", 10) != 0)
            abort();
        return r;
    }
    walk(root);
    toml_free(root);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int r10 = parse_one(data, size, TOML_1_0);
    int r11 = parse_one(data, size, TOML_1_1);
    if (r10 == 0 && r11 != 0)
        abort();
    return 0;
}
