/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/*
 * A TOML 1.0.0 / 1.1.0 document as a value tree.  Every key and value carries
 * the 1-based line and column (in characters) where it starts.  Strings are
 * validated UTF-8 and may contain NUL (from \u0000), so they carry a length.
 *
 * Ownership: toml_parse() returns a tree owned by the caller; free it with
 * toml_free().  Everything reachable from it is owned by the tree.
 */

enum toml_version {
    TOML_1_0 = 10,
    TOML_1_1 = 11,
};

enum toml_type {
    TOML_TABLE,
    TOML_ARRAY,
    TOML_STRING,
    TOML_INTEGER,
    TOML_FLOAT,
    TOML_BOOL,
    TOML_DATETIME,       /* offset date-time */
    TOML_DATETIME_LOCAL, /* local date-time */
    TOML_DATE_LOCAL,
    TOML_TIME_LOCAL,
};

struct toml_pos {
    uint32_t line; /* 1-based */
    uint32_t col;  /* 1-based, in Unicode scalar values */
};

struct toml_datetime {
    int year, month, day;        /* unused for TOML_TIME_LOCAL */
    int hour, minute, second;    /* unused for TOML_DATE_LOCAL */
    uint32_t nanosecond;
    int frac_digits;             /* digits written for the fraction (0 = none), capped at 9 */
    int offset_minutes;          /* TOML_DATETIME only; 0 for 'Z' */
    bool offset_z;               /* offset written as Z/z rather than +00:00 */
};

struct toml_value;
struct toml_table_index; /* private lookup index of a large table */

struct toml_array {
    size_t len, cap;
    struct toml_value **items;
};

struct toml_kv {
    char *key; /* NUL-terminated; key_len excludes the NUL (keys may contain NUL) */
    size_t key_len;
    struct toml_pos key_pos;
    struct toml_value *value;
};

struct toml_table {
    size_t len, cap;
    struct toml_kv *items; /* in document order */
    /* Parser bookkeeping (how the table came to be) used to reject
     * redefinitions; readers can ignore these. */
    bool inline_table;     /* written as { ... }: sealed */
    bool defined;          /* has a [header] of its own */
    bool implicit;         /* created by a dotted key or a deeper header */
    bool dotted;           /* created by a dotted key in a key/value line */
    struct toml_table_index *index; /* private: hash index once the table grows */
};

struct toml_value {
    enum toml_type type;
    struct toml_pos pos;
    bool array_of_tables;  /* TOML_ARRAY made by [[header]] */
    union {
        struct {
            char *ptr;
            size_t len;
        } s;
        int64_t i;
        double f;
        bool b;
        struct toml_datetime dt;
        struct toml_array arr;
        struct toml_table tab;
    } u;
};

/* Parses len bytes of buf.  filename is used only in error messages, which read
 * "FILENAME:LINE:COL: what is wrong" (err->code is -EINVAL for syntax errors,
 * -E2BIG for a limit).  Limits: AGS_TOML_MAX_FILE_SIZE bytes, AGS_TOML_MAX_DEPTH
 * nesting.  The parser is not recursive on input-controlled depth beyond the limit. */
int toml_parse(const char *buf, size_t len, const char *filename, enum toml_version version,
               struct toml_value **ret, struct ags_error *err) _warn_unused_;
/* Reads path (bounded) and parses it. */
int toml_parse_file(const char *path, enum toml_version version, struct toml_value **ret,
                    struct ags_error *err) _warn_unused_;
/* NULL-safe; returns NULL. */
struct toml_value *toml_free(struct toml_value *v);

static inline void toml_freep(struct toml_value **v)
{
    toml_free(*v);
}

#define _cleanup_toml_ _cleanup_(toml_freep)

/* Lookup of a key in a table value (NULL if v is not a table or has no such key). */
const struct toml_kv *toml_table_find(const struct toml_value *table, const char *key);
const struct toml_value *toml_table_get(const struct toml_value *table, const char *key);
/* The same for a key of len bytes (keys may contain NUL). */
const struct toml_kv *toml_table_findn(const struct toml_value *table, const char *key, size_t len);
const char *toml_type_name(enum toml_type t); /* "string", "integer", "table", ... */
/* Writes an RFC 3339 rendering of a date/time value into buf (at least 64 bytes). */
void toml_datetime_format(const struct toml_value *v, char *buf, size_t size);
