/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/strbuf.h"

/* Levenshtein distance, capped: returns cap+1 as soon as it is certain to exceed cap. */
size_t str_edit_distance(const char *a, const char *b, size_t cap);
/* [A-Za-z_][A-Za-z0-9_]* */
bool str_is_env_name(const char *s);
bool str_has_prefix(const char *s, const char *prefix);
/* The variable's value when it is set and not empty, else NULL; getenv_fn
 * NULL: the process environment. */
/* getenv() with the signature of an injectable getenv_fn. */
const char *env_process(const char *name);
const char *env_nonempty(const char *(*getenv_fn)(const char *name), const char *name);
/* path is dir itself or below it (component-wise; dir's trailing slashes ignored). */
bool path_under(const char *path, const char *dir);
/* Keeps the last cap bytes of a stream in buf (*len of them so far) as
 * in[0..n) arrives: the tail of a program's stderr for a message. */
void str_tail_keep(char *buf, size_t cap, size_t *len, const char *in, size_t n);
/* s with every byte outside '!'..'~' and every '%' as %XX (uppercase hex):
 * one printable ASCII word, whatever bytes s holds (a label value). */
char *str_pct_encode(const char *s);
/* The reverse: 0, or -EINVAL for a '%' not followed by two hex digits or a
 * %00 (the result is a C string). */
int str_pct_decode(const char *s, char **ret) _warn_unused_;
/* Appends s as a JSON string literal (quotes included); len bytes, may hold NUL. */
int json_append_string(struct strbuf *sb, const char *s, size_t len) _warn_unused_;
/* Appends s in double quotes with TOML basic-string escaping. */
int toml_append_string(struct strbuf *sb, const char *s) _warn_unused_;
