/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "toml/toml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml-internal.h"
#include "base/banned.h"

/* Recursion is bounded: the parser never builds a tree deeper than AGS_TOML_MAX_DEPTH. */
struct toml_value *toml_free(struct toml_value *v)
{
    if (!v)
        return NULL;
    switch (v->type) {
    case TOML_TABLE:
        for (size_t i = 0; i < v->u.tab.len; i++) {
            free(v->u.tab.items[i].key);
            toml_free(v->u.tab.items[i].value);
        }
        free(v->u.tab.items);
        toml_table_index_free(&v->u.tab);
        break;
    case TOML_ARRAY:
        for (size_t i = 0; i < v->u.arr.len; i++)
            toml_free(v->u.arr.items[i]);
        free(v->u.arr.items);
        break;
    case TOML_STRING:
        free(v->u.s.ptr);
        break;
    default:
        break;
    }
    free(v);
    return NULL;
}

const struct toml_kv *toml_table_findn(const struct toml_value *table, const char *key, size_t len)
{
    if (!table || table->type != TOML_TABLE || !key)
        return NULL;
    return toml_table_lookup(&table->u.tab, key, len);
}

const struct toml_kv *toml_table_find(const struct toml_value *table, const char *key)
{
    return key ? toml_table_findn(table, key, strlen(key)) : NULL;
}

const struct toml_value *toml_table_get(const struct toml_value *table, const char *key)
{
    const struct toml_kv *kv = toml_table_find(table, key);
    return kv ? kv->value : NULL;
}

const char *toml_type_name(enum toml_type t)
{
    switch (t) {
    case TOML_TABLE:
        return "table";
    case TOML_ARRAY:
        return "array";
    case TOML_STRING:
        return "string";
    case TOML_INTEGER:
        return "integer";
    case TOML_FLOAT:
        return "float";
    case TOML_BOOL:
        return "boolean";
    case TOML_DATETIME:
        return "offset date-time";
    case TOML_DATETIME_LOCAL:
        return "local date-time";
    case TOML_DATE_LOCAL:
        return "local date";
    case TOML_TIME_LOCAL:
        return "local time";
    }
    return "unknown";
}

static size_t format_time(const struct toml_datetime *dt, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%02d:%02d:%02d", dt->hour, dt->minute, dt->second);
    if (n < 0 || (size_t)n >= size)
        return size;
    if (dt->frac_digits > 0) {
        int digits = dt->frac_digits > 9 ? 9 : dt->frac_digits;
        uint32_t frac = dt->nanosecond;
        for (int i = digits; i < 9; i++)
            frac /= 10;
        int m = snprintf(buf + n, size - (size_t)n, ".%0*u", digits, (unsigned)frac);
        if (m < 0 || (size_t)m >= size - (size_t)n)
            return size;
        n += m;
    }
    return (size_t)n;
}

void toml_datetime_format(const struct toml_value *v, char *buf, size_t size)
{
    if (!buf || size == 0)
        return;
    buf[0] = '\0';
    if (!v)
        return;
    const struct toml_datetime *dt = &v->u.dt;
    size_t n = 0;
    if (v->type == TOML_DATETIME || v->type == TOML_DATETIME_LOCAL || v->type == TOML_DATE_LOCAL) {
        int r = snprintf(buf, size, "%04d-%02d-%02d%s", dt->year, dt->month, dt->day,
                         v->type == TOML_DATE_LOCAL ? "" : "T");
        if (r < 0 || (size_t)r >= size)
            return;
        n = (size_t)r;
    }
    if (v->type == TOML_DATE_LOCAL)
        return;
    if (v->type != TOML_DATETIME && v->type != TOML_DATETIME_LOCAL && v->type != TOML_TIME_LOCAL) {
        buf[0] = '\0';
        return;
    }
    n += format_time(dt, buf + n, size - n);
    if (n >= size || v->type != TOML_DATETIME)
        return;
    if (dt->offset_z) {
        (void)snprintf(buf + n, size - n, "Z");
        return;
    }
    int off = dt->offset_minutes;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    (void)snprintf(buf + n, size - n, "%c%02d:%02d", sign, off / 60, off % 60);
}
