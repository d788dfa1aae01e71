/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A line diff of two texts in unified format (the hunks of `diff -u`, from
 * "@@" on), Myers' O((N+M)D) greedy algorithm with every step's frontier kept
 * for the walk back: bounded by the lines of each side and the edit distance
 * D, so memory is at most about D^2 ints.  Pure: no I/O.  For ags diff,
 * whose texts are a sandbox's files.
 */

#include <stddef.h>

#include "base/strbuf.h"

struct linediff_limits {
    size_t max_lines; /* of each side */
    size_t max_edits; /* inserted plus deleted lines */
    unsigned context; /* lines around each change (diff -u: 3) */
};

/* Appends to sb the hunks that turn a[0..alen) into b[0..blen): nothing when
 * they are equal.  A last line without a newline is followed by "\ No newline
 * at end of file".  -E2BIG: more lines or edits than l allows, or sb full
 * (sb then holds a part). */
int linediff_unified(const char *a, size_t alen, const char *b, size_t blen,
                     const struct linediff_limits *l, struct strbuf *sb) _warn_unused_;
