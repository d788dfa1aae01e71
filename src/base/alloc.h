/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "base/macro.h"

/*
 * Allocation never fails from the caller's point of view: on OOM ags prints
 * one line and exits (crun, bubblewrap and tmux do the same).  A CLI gains
 * nothing from -ENOMEM paths that no test exercises.
 */
_noreturn_ void ags_oom(void);
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array of nmemb elements to at least need; returns the new pointer. */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem_size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);
