/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * ags create-aliases (ags-behaviour.md section 8.6): short names for the
 * agent commands people type every day, as wrapper scripts in ~/.local/bin
 * marked as ags's, or as alias lines in a block between markers of the shell's
 * rc file.  What ags wrote is recognised by its marker, so a second run
 * rewrites it in place (or leaves it "unchanged") and a user's own file of the
 * same name is left alone unless forced.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"

#define RUN_ALIAS_MARKER      "# AGS_MANAGED_ALIAS"
#define RUN_ALIAS_BLOCK_BEGIN "# >>> ags managed aliases >>>"
#define RUN_ALIAS_BLOCK_END   "# <<< ags managed aliases <<<"

struct run_alias {
    const char *name;
    const char *command; /* shell words; the user's arguments follow it */
};

/* The original's names and commands, short and long name for each. */
extern const struct run_alias run_default_aliases[];
extern const size_t run_n_default_aliases;

/* A name a wrapper file and an alias can both carry: [A-Za-z0-9_][A-Za-z0-9_.-]*,
 * at most 64 bytes (never a path, never an option). */
bool run_alias_name_valid(const char *name);

/* A command a wrapper's exec line and an alias can carry: not empty, no
 * control character (a newline would end the exec line early). */
bool run_alias_command_valid(const char *command);

/* "#!/usr/bin/env bash\n# AGS_MANAGED_ALIAS\nset -euo pipefail\nexec CMD \"$@\"\n" */
char *run_alias_wrapper_text(const char *command);
/* Whether a file's contents are a wrapper ags wrote (its second line is the marker). */
bool run_alias_is_managed(const char *text);
/* The marker block: begin line, "alias NAME='COMMAND'" per alias (a ' in the
 * command as '\'' for POSIX shells; for fish, ' and \ as \' and \\), end
 * line, each ending in a newline. */
char *run_alias_block(const struct run_alias *v, size_t n, bool fish);
/*
 * rc with block in place of its managed block (from the begin marker line
 * through the end marker line and one newline after it), or appended after a
 * blank line when it has none.  -EINVAL with *err naming shown:LINE when a
 * begin marker has no end marker after it (ags will not guess where its block
 * ends in a file the user edits).
 */
int run_alias_rc_update(const char *rc, const char *block, const char *shown, char **ret,
                        struct ags_error *err) _warn_unused_;

enum run_alias_outcome {
    RUN_ALIAS_WRITTEN,
    RUN_ALIAS_UNCHANGED,
    RUN_ALIAS_SKIPPED_DIR,     /* a directory has the name */
    RUN_ALIAS_SKIPPED_SYMLINK, /* a symlink has it (replaced only with force) */
    RUN_ALIAS_SKIPPED_FOREIGN, /* a file ags did not write (replaced only with force) */
};

/* Writes the wrapper NAME (mode 0755) in the directory bindir (created if
 * missing), never following a symlink at NAME. */
int run_alias_write_wrapper(const char *bindir, const struct run_alias *a, bool force,
                            enum run_alias_outcome *ret, struct ags_error *err) _warn_unused_;
/* Puts the block (fish: quoted for fish) into the rc file at path (created,
 * with its directory, when missing; a symlinked rc file, as dotfile managers
 * make, is edited where it points).  *ret_changed: false when it already held
 * this block. */
int run_alias_write_rc(const char *path, const struct run_alias *v, size_t n, bool fish,
                       bool *ret_changed, struct ags_error *err) _warn_unused_;
