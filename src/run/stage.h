/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Lockdown staging (docs/run-mode.md): a sanitised copy of only the selected
 * agent's home in a private temporary directory, removed after the run.  Used
 * by every backend.
 */

#include "base/error.h"
#include "base/procid.h"
#include "plan/plan.h"

/* Staging never copies more than this in total: a home that large is not
 * something an untrusted repository's agent should get a copy of. */
#define STAGE_MAX_BYTES (512ull * 1024ull * 1024ull)
#define STAGE_MAX_DEPTH 32

/* Staging directories are $TMPDIR/ags-lockdown-<pid>-<agent>-XXXXXX. */
#define STAGE_PREFIX "ags-lockdown-"

/* Creates the private 0700 staging directory from a "...XXXXXX" template (in place). */
int stage_make_dir(char *template_path, struct ags_error *err) _warn_unused_;
/* Entries of the agent home that staging leaves out although the allowlist
 * names them (a hard-linked file, an unreadable or too deeply nested entry),
 * for the user to see: the first STAGE_MAX_NOTES messages, and how many
 * there were.  The paths in them come from the agent home: escape them. */
#define STAGE_MAX_NOTES 8
struct stage_notes {
    char *msg[STAGE_MAX_NOTES];
    size_t n;
};
void stage_notes_done(struct stage_notes *notes);

/* Copies each mount's stage_from into its source, filtered for the plan's agent,
 * and creates the other mount sources that live inside staging_dir.  What it
 * skips goes to notes (may be NULL). */
int stage_lockdown(const struct ags_plan *p, const char *staging_dir, struct stage_notes *notes,
                   struct ags_error *err) _warn_unused_;
/* stage_lockdown with another byte budget than STAGE_MAX_BYTES (tests). */
int stage_lockdown_within(const struct ags_plan *p, const char *staging_dir,
                          unsigned long long max_bytes, struct stage_notes *notes,
                          struct ags_error *err) _warn_unused_;
/* Removes a tree without following symlinks, however deep it is and whatever
 * permissions its directories have (each gets its owner's rwx back first); a
 * missing path is not an error. */
int stage_remove_tree(const char *path, struct ags_error *err) _warn_unused_;
/* Removes the staging directories in tmp_dir that belong to this user and to
 * an ags process that is gone (killed before it could clean up), except
 * those of a session in keep (stage_kept_for_session).  One that cannot be
 * removed does not stop the others; the first error is returned. */
int stage_sweep(const char *tmp_dir, char *const *keep, size_t *ret_removed,
                struct ags_error *err) _warn_unused_;
/* The same for the directories named prefix... (the ssh agent proxy's too). */
int stage_sweep_prefix(const char *tmp_dir, const char *prefix, size_t *ret_removed,
                       struct ags_error *err) _warn_unused_;
/* Writes the owner file (this process, base/procid.h) into the fresh private
 * directory dir, so that a sweep can prove it left behind once ags is gone.
 * Without /proc no file is written (0): the sweep then keeps the directory. */
int stage_write_owner(const char *dir, struct ags_error *err) _warn_unused_;
/* The same for this process in place of the one that made dir (a
 * supervisor takes over its session's staging, run/supervise.c). */
int stage_rewrite_owner(const char *dir, struct ags_error *err) _warn_unused_;
/* The session (its id) a supervisor's staging serves: while its sandbox runs
 * the sweep and prune keep the staging whoever its owner (keep: the running
 * supervised sessions' ids, NULL-terminated, or NULL). */
#define STAGE_SESSION_MAX 128u
int stage_write_session(const char *dir, const char *session, struct ags_error *err)
        _warn_unused_;
bool stage_kept_for_session(int dir, const char *name, char *const *keep);
/* The state of the ags that made staging dir name (in dir): its owner file,
 * a regular file of ours, names it.  Without one (an older ags, no /proc):
 * PROCID_UNKNOWN, nothing is proven. */
enum procid_state stage_owner_state(int dir, const char *name, const struct procid *self);
