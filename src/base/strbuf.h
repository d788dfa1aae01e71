/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "base/macro.h"

/* A growable byte buffer with a hard cap: every buffer that holds outside
 * input has one (curl's dynbuf "toobig"). buf is always NUL-terminated. */
struct strbuf {
    char *buf;
    size_t len, cap, max;
};

void strbuf_init(struct strbuf *sb, size_t max);
void strbuf_done(struct strbuf *sb);
/* -E2BIG when the result would exceed max; the buffer is then unchanged. */
int strbuf_append(struct strbuf *sb, const char *p, size_t n) _warn_unused_;
int strbuf_appends(struct strbuf *sb, const char *s) _warn_unused_;
int strbuf_appendc(struct strbuf *sb, char c) _warn_unused_;
int strbuf_appendf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3) _warn_unused_;
void strbuf_reset(struct strbuf *sb);
/* Returns the buffer (owned by the caller) and resets sb. */
char *strbuf_steal(struct strbuf *sb);

static inline void strbuf_donep(struct strbuf *sb)
{
    strbuf_done(sb);
}

#define _cleanup_strbuf_ _cleanup_(strbuf_donep)
