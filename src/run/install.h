/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * ags install / ags uninstall: a per-user install below ~/.local (the binary
 * in bin/, ags-helper in lib/ags/, containerfile/ and agent-assets/ in
 * share/ags/) with a manifest of
 * every file, link and directory it made, so that uninstall removes exactly
 * those and only while they are as install left them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* ---- the manifest (manifest.c) ---- */

enum run_manifest_kind {
    RUN_MANIFEST_FILE, /* value: the sha256 of what install wrote */
    RUN_MANIFEST_LINK, /* value: the symlink's target */
    RUN_MANIFEST_DIR,  /* a directory install created; value: NULL */
};

struct run_manifest_entry {
    enum run_manifest_kind kind;
    unsigned mode; /* files */
    char *path;    /* absolute, without a tab or newline */
    char *value;
};

struct run_manifest {
    struct run_manifest_entry *v;
    size_t n, cap;
};

/* Copies path and value; a path already listed is replaced. */
void run_manifest_add(struct run_manifest *m, enum run_manifest_kind kind, const char *path,
                      const char *value, unsigned mode);
const struct run_manifest_entry *run_manifest_find(const struct run_manifest *m,
                                                   const char *path);
void run_manifest_done(struct run_manifest *m);
/* One line per entry: "file\t0644\tSHA256\tPATH", "link\tTARGET\tPATH",
 * "dir\tPATH", after a comment line. */
char *run_manifest_render(const struct run_manifest *m);
/* The inverse; -EINVAL with *err naming shown:LINE for a line it cannot read. */
int run_manifest_parse(const char *text, const char *shown, struct run_manifest *ret,
                       struct ags_error *err) _warn_unused_;

/* ---- install and uninstall (install.c, install-files.c, uninstall.c) ---- */

/* What install puts below ~/.local: a file's bytes or a symlink. */
struct run_install_item {
    char *rel;         /* below ~/.local: "bin/ags", "share/ags/agent-assets/pi/guard.ts" */
    char *data;        /* NULL for a symlink */
    size_t len;
    unsigned mode;
    char *link_target; /* a symlink: its target */
};

struct run_install_items {
    struct run_install_item *v;
    size_t n, cap;
};
void run_install_items_done(struct run_install_items *l);
/* Hook for generated files (shell completions): takes data. */
void run_install_items_add(struct run_install_items *l, const char *rel, char *data, size_t len,
                           unsigned mode);

struct run_install_opts {
    const char *home;
    const char *exe;               /* the running binary, resolved */
    const char *helper;            /* its ags-helper (run_install_helper) */
    const char *containerfile_dir; /* the shipped containerfile/ and agent-assets/ */
    const char *assets_dir;
    bool link_self;                /* bin/ags a symlink to exe instead of a copy (and
                                      lib/ags/ags-helper to helper) */
};

/* Whether path is a plain absolute path (no ".", "..", "//" component, no
 * trailing '/'): the manifest records paths below HOME as written, so HOME
 * must spell them the same way at install and at uninstall, and a listed
 * path must not step out of where it seems to be. */
bool run_install_path_plain(const char *path);

/* The running binary, resolved (NULL if /proc does not say). */
char *run_install_self_exe(void);
/* The shipped directory rel ("containerfile", "agent-assets") this ags uses. */
char *run_install_shipped_dir(const char *rel);
/* The ags-helper this ags mounts into its sandboxes (run_helper_path), NULL
 * when there is none it may use. */
char *run_install_helper(void);

/* Whether exe sits in a CMake build directory (CMakeCache.txt beside it): a
 * link to it would break with the next clean build. */
bool run_install_exe_in_build_tree(const char *exe);

/* The binary and the helper (or the links to them) and every regular file of
 * the two asset trees, in a stable order. */
int run_install_collect(const struct run_install_opts *o, struct run_install_items *ret,
                        struct ags_error *err) _warn_unused_;

enum run_install_state {
    RUN_INSTALL_NEW,       /* nothing there */
    RUN_INSTALL_SAME,      /* already what install would write */
    RUN_INSTALL_OURS,      /* as an earlier install left it: replaced */
    RUN_INSTALL_FOREIGN,   /* not install's, or changed since: only with force */
    RUN_INSTALL_DIRECTORY, /* a directory: never replaced */
};

/* ~/.local/share/ags/install-manifest */
char *run_install_manifest_path(const char *home);
/* Reads the manifest: an absent one is empty. */
int run_install_manifest_load(const char *home, struct run_manifest *ret, struct ags_error *err)
        _warn_unused_;

/* What is at the item's place now, judged against the manifest. */
int run_install_state_of(const char *home, const struct run_install_item *it,
                         const struct run_manifest *m, enum run_install_state *ret,
                         struct ags_error *err) _warn_unused_;

/* Writes every item (states as run_install_state_of gave them; FOREIGN only
 * when the caller was told to force), creating missing directories, then the
 * manifest: the old one's entries and what was written now.  A DIRECTORY item
 * is refused. */
int run_install_write(const char *home, const struct run_install_items *items,
                      const enum run_install_state *states, struct run_manifest *m,
                      struct ags_error *err) _warn_unused_;

/* Whether path (lstat'ed into st) is what the entry says install left there. */
struct stat;
int run_install_entry_matches(const char *path, const struct stat *st,
                              const struct run_manifest_entry *e, bool *ret,
                              struct ags_error *err) _warn_unused_;

typedef void run_uninstall_kept_fn(const char *path, const char *why, void *userdata);

struct run_uninstall_result {
    size_t removed, absent, kept;
};

/* Removes what the manifest lists, files and links only while they are as
 * install left them (any with force), then the directories install made
 * when they are empty, then the manifest when nothing was kept (else it is
 * rewritten with what is left).  -ENOENT with *err when there is no manifest. */
int run_uninstall(const char *home, bool force, run_uninstall_kept_fn *kept, void *userdata,
                  struct run_uninstall_result *ret, struct ags_error *err) _warn_unused_;

/* ---- uninstall --purge: ags's own directories of this user (purge.c) ---- */

#define RUN_PURGE_MAX_DIRS 3

struct run_purge_dir {
    const char *what; /* "config", "state", "cache" */
    char *path;       /* owned */
    uint64_t bytes;   /* disk use (a bounded walk: at least this much) */
    /* NULL: purge removes it; else why it is kept (a cache_dir configured
     * outside a directory named ags, a directory of another user). */
    const char *kept_why;
};

struct run_purge_dirs {
    struct run_purge_dir v[RUN_PURGE_MAX_DIRS];
    size_t n;
};

/* The config directory ($XDG_CONFIG_HOME/ags or ~/.config/ags), the state
 * directory ($XDG_STATE_HOME/ags or ~/.local/state/ags) and cfg's cache_dir,
 * each once and only when something is there.  xdg_config/xdg_state may be
 * NULL (a relative value is ignored, as XDG says). */
void run_purge_dirs_find(const char *home, const char *xdg_config, const char *xdg_state,
                         const char *cache_dir, struct run_purge_dirs *ret);
void run_purge_dirs_done(struct run_purge_dirs *d);
/* Removes d (kept_why NULL): a symlink is removed as a link (never what it
 * points at), a directory with everything below it, never following a
 * symlink inside. */
int run_purge_dir_remove(const struct run_purge_dir *d, struct ags_error *err) _warn_unused_;
