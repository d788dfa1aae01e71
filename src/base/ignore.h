/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The gitignore subset of `.agsignore` (docs/remote.md "What is uploaded"):
 * pure functions, because the file is the repository's, i.e. anyone's.
 *
 * One pattern a line; blank lines and lines starting with '#' are skipped;
 * trailing blanks are dropped unless escaped ("\ "); '\' takes the next
 * character literally ("\#", "\!").  A leading '!' re-includes what an
 * earlier line excluded (the last matching line wins).  A trailing '/'
 * matches directories only.  A pattern with a '/' at its start or in its
 * middle is anchored at the root; one without matches a name at any depth.
 * '*' matches within one name, '?' one character but '/', "[a-z]" and
 * "[!a-z]" a class; "**" as a whole name matches any number of directories
 * ("**" + "/x", "a/" + "**" + "/b", "a/" + "**").  As in git, nothing inside
 * an excluded directory can be re-included: ignore_path checks every parent.
 *
 * Bounded: at most AGS_IGNORE_MAX_RULES patterns of AGS_IGNORE_MAX_LINE
 * bytes (longer lines are an error naming the line).  Matching has no
 * exponential backtracking (one backtracking point for '*' and one for
 * "**"), but it is still quadratic in the path per pattern and runs for
 * every directory above a path: 4096 patterns like "**" + "/" + "*a" repeated
 * against a path 250 directories deep take seconds per path, and a
 * repository has up to millions of paths.  So a list spends at most
 * max_steps steps (AGS_IGNORE_MATCH_STEPS unless set: seconds of CPU) over
 * all its matches; then every match is a miss and
 * ignore_exhausted says so: the caller must refuse the result.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

struct ignore_rule {
    char *pattern; /* unescaped segments, '/'-separated, without the leading '/' or trailing '/' */
    bool negate, dir_only, anchored;
};

struct ignore_list {
    struct ignore_rule *v;
    size_t n;
    /* The matching spent so far, and its budget (0: AGS_IGNORE_MATCH_STEPS). */
    uint64_t steps, max_steps;
};

/* Parses text (len bytes, need not be NUL-terminated).  name names the file
 * in messages ("'.agsignore' line 3: ..."). */
int ignore_parse(const char *text, size_t len, const char *name, struct ignore_list *ret,
                 struct ags_error *err) _warn_unused_;
void ignore_list_done(struct ignore_list *l);

/* Whether path (relative, '/'-separated, no trailing '/') itself matches: the
 * verdict of the last rule that matches, false when none does. */
bool ignore_match(struct ignore_list *l, const char *path, bool is_dir);
/* Whether path is excluded: it or any directory above it matches. */
bool ignore_path(struct ignore_list *l, const char *path, bool is_dir);
/* Whether l spent its budget: the matches since were misses, not verdicts. */
bool ignore_exhausted(const struct ignore_list *l);
