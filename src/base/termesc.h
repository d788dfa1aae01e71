/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/strbuf.h"

/*
 * Text from outside (a repository's overlay, values quoted in config errors)
 * shown on a terminal so that every byte is seen for what it is: tab and
 * newline pass, other C0 controls, DEL and invalid UTF-8 become \xNN, and C1
 * controls (U+0080-U+009F; CSI is U+009B), bidi overrides and isolates and
 * other invisible format characters become \u{...}.  Backslashes are not
 * doubled (the text is mostly TOML, full of them).
 */
/* Appends s[0..n) escaped; -E2BIG when sb is full (sb then holds a prefix). */
int term_escape(struct strbuf *sb, const char *s, size_t n) _warn_unused_;
/* The escaped copy of a NUL-terminated string (owned by the caller). */
char *term_escape_str(const char *s);
/* Characters that change what a terminal shows without being seen: C1
 * controls, bidi overrides and isolates, zero-width and other format
 * characters, line and paragraph separators. */
bool term_invisible(uint32_t cp);
