/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Shared by the files of src/toml/ only.  The parser is a hand-written
 * recursive-descent parser over a byte cursor; recursion happens only for
 * nested arrays and inline tables and is bounded by AGS_TOML_MAX_DEPTH.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"
#include "base/utf8.h"
#include "toml/toml.h"

#define TOML_EOF (-1)

struct toml_parser {
    const char *p, *end; /* cursor and end of input */
    struct toml_pos at;  /* position of *p */
    const char *filename;
    enum toml_version version;
    struct ags_error *err;
    struct toml_value *root;
    struct toml_value *cur; /* table that receives key/value lines */
    unsigned cur_depth;     /* nesting depth of cur (root = 0) */
};

static inline int scan_peek(const struct toml_parser *P)
{
    return P->p < P->end ? (unsigned char)*P->p : TOML_EOF;
}

static inline int scan_peek_at(const struct toml_parser *P, size_t off)
{
    return (size_t)(P->end - P->p) > off ? (unsigned char)P->p[off] : TOML_EOF;
}

/* Consumes one byte; the column counts characters, so continuation bytes don't move it. */
static inline void scan_adv(struct toml_parser *P)
{
    unsigned char c = (unsigned char)*P->p++;
    if (c == '\n') {
        P->at.line++;
        P->at.col = 1;
    } else if ((c & 0xC0) != 0x80) {
        P->at.col++;
    }
}

static inline void scan_advn(struct toml_parser *P, size_t n)
{
    while (n--)
        scan_adv(P);
}

static inline bool toml_is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline bool toml_is_bare_key_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || toml_is_digit(c) || c == '_' ||
           c == '-';
}

/* Control characters that may not appear literally anywhere (tab is fine). */
static inline bool toml_is_control(int c)
{
    return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

/* ---- utf8.c ---- */
/* Checks the whole input; the error names the first bad byte. */
int toml_check_utf8(struct toml_parser *P) _warn_unused_;

/* ---- scan.c ---- */
/* Sets P->err to "FILENAME:LINE:COL: message" and returns code. */
int toml_fail(struct toml_parser *P, struct toml_pos at, int code, const char *fmt, ...)
        _printf_(4, 5);
/* Describes the character at the cursor for "found ..." ("end of line", "'x'"). */
const char *scan_describe(const struct toml_parser *P, char *buf, size_t size);
void scan_skip_ws(struct toml_parser *P);
/* If at '#', consumes the comment up to (not including) the line end. */
int scan_skip_comment(struct toml_parser *P) _warn_unused_;
/* 1 if a newline (LF or CRLF) was consumed, 0 if none is here, <0 on a bare CR. */
int scan_newline(struct toml_parser *P) _warn_unused_;
/* Skips whitespace, comments and newlines (inside arrays). */
int scan_skip_wscn(struct toml_parser *P) _warn_unused_;
/* After an expression: optional whitespace and comment, then a newline or EOF. */
int scan_end_of_line(struct toml_parser *P, const char *after) _warn_unused_;
/* Fails with "expected WHAT, found X" at the cursor. */
int scan_expected(struct toml_parser *P, const char *what);

/* ---- strings.c ---- */
/* At a quote: parses any of the four string forms (single-line only if key). */
int toml_parse_string(struct toml_parser *P, bool key, char **ret, size_t *ret_len) _warn_unused_;

/* ---- numbers.c / float.c ---- */
int toml_parse_number(struct toml_parser *P, struct toml_value *v) _warn_unused_;

#define TOML_DEC_MAX_DIGITS 800

/* A decimal number: value = (neg ? -1 : 1) * digits * 10^exp10. */
struct toml_decimal {
    unsigned char digits[TOML_DEC_MAX_DIGITS]; /* 0-9, no leading zeros */
    size_t n;
    bool truncated; /* nonzero digits were dropped after the last kept one */
    bool neg;
    int64_t exp10;
};

/* Correctly rounded (ties to even); -ERANGE if the magnitude overflows a double. */
int toml_decimal_to_double(const struct toml_decimal *d, double *ret) _warn_unused_;

/* ---- datetime.c ---- */
/* True if the cursor starts a date (DDDD-) or a time (DD:). */
bool toml_looks_like_datetime(const struct toml_parser *P);
int toml_parse_datetime(struct toml_parser *P, struct toml_value *v) _warn_unused_;

/* ---- keys.c ---- */
struct toml_keypart {
    char *s;
    size_t len;
    struct toml_pos pos;
};

struct toml_key {
    struct toml_keypart *parts;
    size_t n, cap;
};

void toml_key_done(struct toml_key *k);

static inline void toml_key_donep(struct toml_key *k)
{
    toml_key_done(k);
}

#define _cleanup_key_ _cleanup_(toml_key_donep)
/* Parses a (dotted) key and the whitespace after it. */
int toml_parse_key(struct toml_parser *P, struct toml_key *k) _warn_unused_;
/* Renders parts [0, upto] for messages, e.g. a.b."c d"; owned by the caller. */
char *toml_key_display(const struct toml_key *k, size_t upto);

/* ---- table.c ---- */
/* A new value owned by the caller. */
struct toml_value *toml_value_new(enum toml_type type, struct toml_pos pos);
struct toml_kv *toml_table_lookup(const struct toml_table *t, const char *key, size_t len);
/* Appends a key the caller has checked is absent; takes key and value. */
struct toml_kv *toml_table_add(struct toml_table *t, char *key, size_t len, struct toml_pos pos,
                               struct toml_value *v);
void toml_array_push(struct toml_array *a, struct toml_value *v);
void toml_table_index_free(struct toml_table *t);
/* "an integer", "a table", ... for messages. */
const char *toml_type_with_article(enum toml_type t);

/* ---- value.c ---- */
/* Parses a value whose containers sit at nesting depth `depth`; *ret is owned. */
int toml_parse_value(struct toml_parser *P, unsigned depth, struct toml_value **ret) _warn_unused_;
/* Parses one key = value into table (at nesting depth `depth`). */
int toml_parse_keyval(struct toml_parser *P, struct toml_value *table, unsigned depth)
        _warn_unused_;
int toml_fail_depth(struct toml_parser *P, struct toml_pos at);
