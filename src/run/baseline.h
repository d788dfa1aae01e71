/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * ags diff: a session's changes to its workspace since it started
 * (docs/sessions.md "ags diff").  Before the sandbox starts, the run records
 * a baseline of the work tree on the host, outside the workspace (the agent
 * can write all of the workspace and its .git): a manifest of every entry
 * (type, mode, size, inode, mtime and ctime, symlink target; .git
 * directories left out) and copies of small regular files, content-addressed
 * by SHA-256.  ags diff walks the tree again and compares.  No git is ever
 * run: the repository's config, hooks and filters would run code on the
 * host; HEAD is read from its files (gitdirs_head).
 *
 * Every walk is bounded (base/limits.h AGS_BASELINE_*): symlinks are never
 * followed, other filesystems never entered, and a tree beyond the bounds
 * gives a partial manifest that the diff says it is.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* The bounds of one record (tests use small ones). */
struct run_baseline_limits {
    size_t max_entries;
    size_t copy_total, copy_file; /* bytes: all copies, one copy */
};
extern const struct run_baseline_limits run_baseline_default_limits;

/* What a record did, for the run's closing note. */
struct run_baseline_stats {
    uint64_t entries;      /* in the manifest */
    uint64_t copied_files; /* text files with a copy (duplicates included; a
                            * binary file is only hashed) */
    uint64_t stored_bytes; /* bytes of the copies stored (each content once) */
    uint64_t manifest_bytes;
    int64_t ms;   /* how long it took */
    bool partial; /* a bound was reached: not every entry is in it */
};

/* <XDG_STATE_HOME or ~/.local/state>/ags/sessions/<session_id>, owned;
 * -EINVAL for a session id that is not [A-Za-z0-9_-]{1,64}, -ENOENT without
 * XDG_STATE_HOME and HOME.  getenv_fn NULL: the process environment. */
int run_baseline_dir(const char *(*getenv_fn)(const char *name), const char *session_id, char **ret,
                     struct ags_error *err) _warn_unused_;

/* Records the baseline of workdir (absolute) into dir, which must not exist:
 * its parent is made 0700 (with its parents) and refused when it is a
 * symlink, not ours or writable by others; the baseline is built in a
 * temporary directory beside dir and renamed into place when complete.
 * st (may be NULL) gets the counts. */
int run_baseline_record(const char *workdir, const char *dir, struct run_baseline_stats *st,
                        struct ags_error *err) _warn_unused_;
int run_baseline_record_with(const char *workdir, const char *dir,
                             const struct run_baseline_limits *lim, struct run_baseline_stats *st,
                             struct ags_error *err) _warn_unused_;

/* The work dir a baseline was recorded for (its manifest's header), owned;
 * -ENOENT when dir holds no baseline. */
int run_baseline_workdir(const char *dir, char **ret, struct ags_error *err) _warn_unused_;

/* Removes dir and everything below it without following a symlink; a
 * missing dir is fine.  0 or -errno. */
int run_baseline_remove(const char *dir);

/* ---- the diff ---- */

enum run_change_kind {
    RUN_CHANGE_ADDED,
    RUN_CHANGE_DELETED,
    RUN_CHANGE_MODIFIED, /* a regular file's content, or a symlink's target */
    RUN_CHANGE_TYPE,     /* a file became a directory, a symlink ... */
    RUN_CHANGE_MODE,     /* permission bits only */
};

/* What the diff can say about a regular file's content. */
enum run_change_content {
    RUN_CONTENT_NONE,      /* not a regular file, or no content to show (--stat) */
    RUN_CONTENT_DIFF,      /* ->diff holds the unified hunks ("" for an empty file) */
    RUN_CONTENT_BINARY,    /* a NUL in the first 8 KiB of either side */
    RUN_CONTENT_TOO_LARGE, /* beyond the bounds of the line diff or of a copy */
    RUN_CONTENT_NO_COPY,   /* the baseline holds no copy: sizes only */
};

/* An entry's type: 'f' regular, 'd' directory, 'l' symlink, 'o' other (a
 * FIFO, socket or device), 'm' another filesystem's mount point (not
 * entered). */
struct run_change_side {
    char type;
    uint32_t mode; /* permission bits */
    uint64_t size;
    const char *target; /* a symlink's, else NULL */
};

struct run_change {
    enum run_change_kind kind;
    const char *path;                /* relative to the work dir; any bytes but NUL */
    struct run_change_side old, new; /* old for all but ADDED, new for all but DELETED */
    enum run_change_content content;
    const char *diff; /* RUN_CONTENT_DIFF */
    size_t diff_len;
};

struct run_diff_header {
    const char *workdir;
    int64_t created; /* seconds since the epoch */
    uint64_t entries;
    bool partial;     /* the baseline is partial */
    bool now_partial; /* the tree now is beyond the bounds */
    /* HEAD of a git work tree then and now (NULL: none or unreadable):
     * the branch ("refs/heads/x") and the commit. */
    const char *branch_old, *branch_new, *commit_old, *commit_new;
};

struct run_diff_counts {
    size_t added, deleted, modified, type, mode;
    size_t lines_added, lines_deleted; /* of the unified diffs computed */
};

struct run_diff_opts {
    bool text; /* compute unified diffs (not for --stat or --name-only) */
    /* Called once before any change (may be NULL). */
    void (*header)(const struct run_diff_header *h, void *userdata);
    /* Per change, in path order; a negative return stops the diff with it. */
    int (*change)(const struct run_change *c, void *userdata);
    void *userdata;
    struct run_diff_counts *counts; /* may be NULL */
};

/* Compares workdir (NULL: the one the baseline was recorded for) with the
 * baseline in dir.  -ENOENT: dir holds no baseline; -EBADMSG: a corrupt
 * manifest. */
int run_baseline_diff(const char *dir, const char *workdir, const struct run_diff_opts *o,
                      struct ags_error *err) _warn_unused_;

/* ---- the text ags diff prints (baseline-render.c), owned ---- */

/* path as ags diff shows it: as it is when it is printable ASCII without
 * '"' or '\\', else in double quotes with C escapes (octal for bytes beyond
 * ASCII), as git quotes names. */
char *run_diff_quote_path(const char *path);
/* The lines of a change: "diff --ags a/P b/P", what changed and, with
 * content, the unified diff; escape: its lines are shown on a terminal
 * (term_escape: every control byte visible). */
char *run_diff_change_text(const struct run_change *c, bool escape);
/* "A path" one line per change for --name-status-like --name-only. */
char *run_diff_name_text(const struct run_change *c);
/* The header lines (work dir, when, partial notes, HEAD moved). */
char *run_diff_header_text(const struct run_diff_header *h);
/* The --stat summary. */
char *run_diff_counts_text(const struct run_diff_counts *n);

/* f set up for the user's terminal (UTF-8 or not, from the locale), for
 * ags diff's output on a terminal (run/terminal.c). */
struct termfilter;
void run_diff_terminal_init(struct termfilter *f);
