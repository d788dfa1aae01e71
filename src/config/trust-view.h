/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>

#include "base/strbuf.h"

/* Overlays larger than this are not offered for trust: nobody reviews more on
 * a terminal, and the prompt must show all of what is trusted. */
#define TRUST_VIEW_MAX_BYTES (256u * 1024u)

/*
 * Appends s[0..n) so that a terminal shows every byte for what it is: tab and
 * newline pass, other C0 controls, DEL and invalid UTF-8 become \xNN, and C1
 * controls (U+0080-U+009F, CSI is U+009B), bidi overrides and isolates, and
 * other invisible format characters become \u{...}.  Backslashes are not
 * doubled (the text is TOML, full of them).  -E2BIG when sb is full.
 */
int trust_view_escape(struct strbuf *sb, const char *s, size_t n) _warn_unused_;
