/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/macro.h"

/*
 * String vectors: NULL-terminated arrays of owned strings (argv, labels,
 * environment lists).  The one set of helpers every layer uses.
 */

/* Frees a NULL-terminated array of strings and the strings (NULL-safe). */
void strv_free(char **v);
/* Frees the first n strings of v and v itself (for counted arrays, NULL-safe). */
void strv_free_n(char **v, size_t n);
static inline void strv_freep(char ***v)
{
    strv_free(*v);
}
#define _cleanup_strv_free_ _cleanup_(strv_freep)

/* env (an environment list) with name set to value for a child process: the
 * array is owned (free it alone), its strings are env's but the one for name,
 * *ret_own (free it too), which replaces any name= already there. */
char **strv_env_with(char *const *env, const char *name, const char *value, char **ret_own);

/* Number of strings before the NULL (0 for NULL). */
size_t strv_len(char *const *v);
/* NULL or no strings. */
static inline bool strv_empty(const char *const *v)
{
    return !v || !v[0];
}
/* A new vector holding copies of the n strings given. */
char **strv_new(size_t n, ...);

/* A NULL-terminated string vector being built (owned until stolen). */
struct strv_builder {
    char **v;
    size_t n, cap;
};
/* Appends owned (taken over) and keeps the vector NULL-terminated. */
void strv_builder_push(struct strv_builder *s, char *owned);
/* Hands the vector out and resets the builder; never NULL (an empty vector). */
char **strv_builder_steal(struct strv_builder *s);
/* Frees what was pushed and resets the builder. */
void strv_builder_done(struct strv_builder *s);
