/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Bringing a remote session's changes back (docs/remote.md "Bringing
 * changes back").  The workspace lives in a volume on the engine's machine;
 * a helper container (backend.h helper_run) runs our fixed export script
 * over it and writes, after one header line, a git bundle of <base>..HEAD
 * plus a commit of the uncommitted changes, or (outside git) a binary patch
 * against the baseline taken right after the upload.  On the host that
 * output is untrusted: the bundle is verified and fetched with the host's
 * git (fsck on, hooks and fsmonitor off) into a new branch ags/<name>, never
 * touching the work tree, the index or HEAD; a patch is only saved.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "base/error.h"
#include "base/inband.h"
#include "base/outfilter.h"

/* ---- remote-export.c: the script and its framing (pure) ---- */

/* The POSIX sh script a helper container runs as
 * `/bin/sh -c SCRIPT ags-export MODE WORKDIR BASE NAME BASEDIR`. */
extern const char run_export_script[];

/* Where a helper mounts the session's baseline volume (outside git). */
#define RUN_EXPORT_BASE_DIR "/ags-export-base"
#define RUN_EXPORT_HEADER   "AGS-EXPORT/1 "

enum run_export_mode {
    RUN_EXPORT_MODE_GIT,      /* the workspace is a git work tree: a bundle */
    RUN_EXPORT_MODE_PLAIN,    /* not: a patch against the baseline */
    RUN_EXPORT_MODE_BASELINE, /* not, right after the upload: record the baseline */
};

enum run_export_kind {
    RUN_EXPORT_NONE,     /* nothing changed */
    RUN_EXPORT_BUNDLE,   /* a git bundle follows, its head refs/heads/ags-export */
    RUN_EXPORT_PATCH,    /* a `git diff --binary` follows */
    RUN_EXPORT_BASELINE, /* the baseline was recorded */
};

/* The head the bundle carries. */
#define RUN_EXPORT_BUNDLE_REF "refs/heads/ags-export"

struct run_export_header {
    enum run_export_kind kind;
    bool uncommitted; /* bundle: its tip commits the uncommitted changes */
    size_t len;       /* bytes of the header line, its newline included */
};

/* Parses the first line of an export's output (buf, n: its first bytes).
 * -EBADMSG for anything but one of the exact header lines. */
int run_export_parse_header(const char *buf, size_t n, struct run_export_header *ret,
                            struct ags_error *err) _warn_unused_;

/* The script's argv (pointers into the arguments; argv has room for 10). */
void run_export_argv(enum run_export_mode mode, const char *workdir, const char *base,
                     const char *name, const char *argv[static 10]);

/* Whether base is what the export takes as a commit: 40 or 64 lowercase hex. */
bool run_export_base_ok(const char *base);

/* Where a git session's export lands inside its sandbox: the container's
 * own layer (no volume, no tmpfs outside --lockdown, which a remote run
 * refuses), read back with backend copy_out after the sandbox exited. */
#define RUN_EXPORT_INNER_PATH "/tmp/ags-export"
/* The tag of the frame the sandbox's main process ends its stdout with:
 * the export (base/inband.h), or an empty frame when it made none. */
#define RUN_EXPORT_FRAME_TAG "ags-export"

/* A git session's sandbox argv: argv behind a main process that runs the
 * export of mode git into the file out (RUN_EXPORT_INNER_PATH) when argv's
 * process has ended (remote-export.c says how; an image without perl runs
 * argv alone).  Owned. */
char **run_export_wrap_argv(const char *const *argv, const char *out, uint64_t max,
                            const char *workdir, const char *base, const char *name);

/* ---- remote-host.c: the host's side of what came back ---- */

/* The result of bringing changes back, for the CLI to print. */
struct run_pull_result {
    enum run_export_kind kind; /* NONE, BUNDLE or PATCH */
    char *branch;              /* BUNDLE: "ags/<name>[-N]" */
    uint64_t commits;          /* BUNDLE: commits on it not on base (the extra one included) */
    bool uncommitted;          /* BUNDLE: its tip holds the uncommitted changes */
    char *patch;               /* PATCH: where it was saved */
    bool volumes_removed;      /* the session's workspace volumes are gone */
};

void run_pull_result_done(struct run_pull_result *r);

/* Whether name may become a branch and a file name: [A-Za-z0-9][A-Za-z0-9_.-]*,
 * at most 128 bytes, no "..", not ending in ".lock" or ".". */
bool run_pull_name_ok(const char *name);

/* Verifies the bundle at path with the host's git in repo (a work tree)
 * and fetches its head into refs/heads/ags/<name> (or -2, -3 ...: an
 * existing branch is never overwritten); base (may be NULL) counts the
 * commits.  Refused (-EBADMSG) when the bundle is corrupt, its
 * prerequisites are missing or it holds anything but RUN_EXPORT_BUNDLE_REF. */
int run_pull_fetch_bundle(const char *repo, const char *path, const char *name, const char *base,
                          struct run_pull_result *ret, struct ags_error *err) _warn_unused_;

/* Saves n bytes of fd from offset off as <dir>/<name>.patch (or -2 ...:
 * never overwritten), 0600; dir is made 0700 when missing.  *ret_path owned. */
int run_pull_save_patch(const char *dir, const char *name, int fd, uint64_t off,
                        char **ret_path, struct ags_error *err) _warn_unused_;

/* ---- remote-pull.c: the helper steps ---- */

/* A remote session's workspace as its volume's labels tell it. */
struct run_remote_session {
    const char *name;    /* ags.name: the session name */
    const char *session; /* ags.session: 16 hex */
    const char *workdir; /* the local work dir (ags.workdir decoded) */
    const char *base;    /* ags.base: a commit, or "none" outside git */
    const char *image;   /* the helper containers' image (the plan's) */
    uint32_t uid, gid;   /* the sandbox user (the plan's identity) */
    /* Its volumes by name (a run knows them from its plan), or NULL: found
     * by listing the engine's volumes (ags pull). */
    const char *const *volumes;
};

struct run_pull_opts {
    uint64_t max_pull;    /* [remote] max_pull */
    bool keep;            /* keep the workspace volumes after a successful pull */
    const char *state_dir; /* where a patch goes; NULL: <state>/ags/sessions */
    const char *(*getenv)(const char *name); /* NULL: the process environment */
    /* The export the sandbox made itself (run_remote_fetch_export) is in
     * export_fd; without it a helper container makes one. */
    bool exported_inside;
    int export_fd;
};

/* The remote session a plan describes, from its workspace volume (the
 * mount labelled ags.volume=workspace: its session, name and base labels,
 * its destination as the work dir), the plan's image and identity; the
 * strings point into p.  -ENOENT: the plan has no workspace volume (a local
 * engine). */
int run_remote_session_from_plan(const struct ags_plan *p, struct run_remote_session *ret)
        _warn_unused_;

/* The workspace volume of a session id ("ags-ws-<id>") and the baseline's. */
char *run_remote_workspace_volume(const char *session);
char *run_remote_base_volume(const char *session);

/* Outside git, right after the upload: records the baseline of the
 * workspace in the volume run_remote_base_volume (made by the caller). */
int run_remote_baseline(struct backend *b, const struct run_remote_session *s,
                        struct ags_error *err) _warn_unused_;

/* Brings the session's changes back (see above), then, unless o->keep,
 * removes its workspace volumes (ags-ws-<id> and ags-ws-<id>-*). */
int run_remote_pull(struct backend *b, const struct run_remote_session *s,
                    const struct run_pull_opts *o, struct run_pull_result *ret,
                    struct ags_error *err) _warn_unused_;

/* What a pull did, one line for people: "NAME: branch ags/NAME (2 commits,
 * the last one the uncommitted changes)", "NAME: patch PATH (review it...)"
 * or "NAME: nothing changed" (owned; escaped for a terminal). */
char *run_pull_result_text(const char *name, const struct run_pull_result *res);

/* The two steps a remote run takes (run/exec.c; nothing for a local plan).
 * After the upload: the baseline outside git (base "none"). */
struct ags_config;
struct run_callbacks;
int run_remote_after_upload(struct backend *b, const struct ags_plan *p,
                            struct ags_error *err) _warn_unused_;
/* After the sandbox was removed: the changes back ([remote] max_pull), the
 * volumes removed; what happened through cb->progress, a failure as a
 * warning that names `ags pull NAME` (the volumes are kept then). */
void run_remote_bring_back(struct backend *b, const struct ags_plan *p,
                           const struct ags_config *cfg, int export_fd,
                           const struct run_callbacks *cb);

/* Whether the plan's sandbox makes its own export (a git session whose
 * argv run_export_wrap_argv wraps); its session in *ret (pointing into p). */
bool run_remote_exports_inside(const struct ags_plan *p, struct run_remote_session *ret);

/* The export the exited sandbox id made (RUN_EXPORT_INNER_PATH) into a
 * private unnamed file, at most [remote] max_pull bytes: *ret_fd (owned).
 * -ENOENT: it made none (an image without perl, a stop that came too
 * late, an agent that got in the way): a helper container makes it then. */
int run_remote_fetch_export(struct backend *b, const char *id, const struct ags_config *cfg,
                            int *ret_fd, struct ags_error *err) _warn_unused_;

/* ---- remote-capture.c: the export at the end of the sandbox's stdout ---- */

/* Takes the frame the sandbox's main process ends its stdout with
 * (RUN_EXPORT_FRAME_TAG) out of the stream, into a private unnamed file in
 * the state dir: no archive GET of the exited sandbox, no waiting for the
 * engine's cleanup.  The rest of the stream goes on through inner. */
struct run_export_capture {
    struct inband band;
    struct output_filter hook;
    const struct output_filter *inner;
    char *scratch; /* inband's output on its way to inner */
    size_t scratch_cap;
    int fd;
};

/* Sets c up for frames of at most max bytes ([remote] max_pull). */
int run_export_capture_begin(struct run_export_capture *c, uint64_t max,
                             struct ags_error *err) _warn_unused_;
/* The filter for the sandbox's stdout, with inner (may be NULL) after it. */
const struct output_filter *run_export_capture_filter(struct run_export_capture *c,
                                                      const struct output_filter *inner);
/* After the stream: what c held back that was output after all goes to
 * out_fd (through inner). */
void run_export_capture_end(struct run_export_capture *c, int out_fd);
/* 1: the export is in *ret_fd (owned, at offset 0); 0: the sandbox said it
 * made none; -ENOENT: the stream brought no frame (or a broken one, or
 * output after it). */
int run_export_capture_take(struct run_export_capture *c, int *ret_fd) _warn_unused_;
void run_export_capture_done(struct run_export_capture *c);

/* A private unnamed file in the state dir (<state>/ags/sessions). */
int run_remote_export_file(int *ret_fd, struct ags_error *err) _warn_unused_;

/* Removes the volumes names, or without names those the engine lists as
 * ags-ws-<session> and ags-ws-<session>-*; one already gone is no error,
 * -EBUSY when a container still uses one (the others are still removed). */
int run_remote_remove_volumes(struct backend *b, const char *session, const char *const *names,
                              struct ags_error *err) _warn_unused_;

/* The volumes of the remote session the plan describes, by name: its
 * uploaded volumes and, outside git, the baseline's (owned strv; empty for
 * a local plan). */
char **run_remote_plan_volumes(const struct ags_plan *p);

/* ---- remote-workspaces.c: the workspaces not brought back yet ---- */

struct run_workspace {
    char *volume;  /* ags-ws-<session> */
    char *name;    /* ags.name */
    char *session; /* ags.session */
    char *workdir; /* ags.workdir decoded ("" when it does not decode) */
    char *base;    /* ags.base */
    bool running;  /* a sandbox of that session is there (created or running) */
};

struct run_workspaces {
    struct run_workspace *v;
    size_t n;
    struct backend *backend; /* open until run_workspaces_done */
};

void run_workspaces_done(struct run_workspaces *w);

/* Pure: the workspace volumes among objs (ags.volume=workspace with a
 * session and a name that run_pull_name_ok takes), running from sessions. */
void run_workspaces_from(const struct backend_objects *objs, const struct backend_sessions *ss,
                         struct run_workspaces *ret);

/* Opens the engine (o as for ags df) and lists the workspaces. */
struct run_owned_opts;
int run_workspaces_gather(const struct run_owned_opts *o, struct run_workspaces *ret,
                          struct ags_error *err) _warn_unused_;
