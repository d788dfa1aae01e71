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
 * bytes (longer lines are an error naming the line); matching is linear in
 * the path per pattern (no backtracking blow-up).
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

struct ignore_rule {
    char *pattern; /* unescaped segments, '/'-separated, without the leading '/' or trailing '/' */
    bool negate, dir_only, anchored;
};

struct ignore_list {
    struct ignore_rule *v;
    size_t n;
};

/* Parses text (len bytes, need not be NUL-terminated).  name names the file
 * in messages ("'.agsignore' line 3: ..."). */
int ignore_parse(const char *text, size_t len, const char *name, struct ignore_list *ret,
                 struct ags_error *err) _warn_unused_;
void ignore_list_done(struct ignore_list *l);

/* Whether path (relative, '/'-separated, no trailing '/') itself matches: the
 * verdict of the last rule that matches, false when none does. */
bool ignore_match(const struct ignore_list *l, const char *path, bool is_dir);
/* Whether path is excluded: it or any directory above it matches. */
bool ignore_path(const struct ignore_list *l, const char *path, bool is_dir);
