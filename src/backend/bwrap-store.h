/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Between the files of the bubblewrap backend's store (bwrap-store*.c; the
 * layout is in bwrap.h).  Every path below data_dir is opened one component
 * at a time without following a symlink (base/fileio.h open_dir_below), and
 * every file read is bounded by AGS_BWRAP_STORE_FILE_MAX.
 */

#include <stdbool.h>

#include "backend/bwrap.h"
#include "base/sha256.h"

#define BWRAP_STORE_ROOTFS  "rootfs"
#define BWRAP_STORE_TAGS    "tags" /* in rootfs/ */
#define BWRAP_STORE_VOLUMES "volumes"
#define BWRAP_STORE_LABELS  "labels"
#define BWRAP_STORE_ENV     "env"
#define BWRAP_STORE_CREATED "created"
#define BWRAP_STORE_ROOT    "root"
#define BWRAP_STORE_DATA    "_data"

/* The launch half's per-run directory <data_dir>/runs/ags-bwrap-<name>/ (on
 * disk, private, never mounted: not in a shared /tmp another user could
 * squat, nor on the small runtime tmpfs): the image id it runs and its owner
 * (base/procid.h text), which tell the store which images are in use. */
#define BWRAP_STORE_RUNS     "runs"
#define BWRAP_RUN_DIR_PREFIX "ags-bwrap-"
#define BWRAP_RUN_IMAGE_FILE "image-id"
#define BWRAP_RUN_OWNER_FILE "owner"
/* The run's labels (BWRAP_STORE_LABELS, for ags ps) and, once started, the
 * bwrap process's identity (base/procid.h text: ags stop signals that pid
 * only while it is still that process). */
#define BWRAP_RUN_SANDBOX_FILE "sandbox"

/* Opens <data_dir>/<sub> ("" : data_dir itself), each directory ours and
 * private (data_dir is made 0700), never through a symlink; create makes
 * what is missing.  -ENOENT: absent (without create). */
int bwrap_store_open(struct bwrap_backend *b, const char *sub, bool create, int *ret_fd,
                     struct ags_error *err) _warn_unused_;
/* 64 lowercase hex digits. */
bool bwrap_store_is_id(const char *s);
/* A volume name: [A-Za-z0-9][A-Za-z0-9_.-]*, at most AGS_BWRAP_STORE_NAME_MAX. */
bool bwrap_store_is_volume_name(const char *s);
/* The file name in rootfs/tags/ of image name (percent-encoded: only
 * [A-Za-z0-9_-] stay, so no name is "." or ".." or holds a '/'); NULL for an
 * empty or too long name. */
char *bwrap_store_tag_file(const char *image);
/* The image name a tag file name stands for; NULL when it is no such name. */
char *bwrap_store_tag_name(const char *file);
/* The non-empty lines of a store file (bounded, regular, not a symlink);
 * -ENOENT when it is absent. */
int bwrap_store_read_lines(int dirfd, const char *name, const char *shown, char ***ret,
                           struct ags_error *err) _warn_unused_;
/* Writes lines (may be NULL), one per line, to name in dirfd atomically. */
int bwrap_store_write_lines(int dirfd, const char *where, const char *name,
                            const char *const *lines, struct ags_error *err) _warn_unused_;
/* The id image names in rootfs (an id, "sha256:<id>" or a tag) when the
 * image is there; -ENOENT otherwise. */
int bwrap_store_resolve(int rootfs, const char *image, char id[SHA256_HEX_SIZE],
                        struct ags_error *err) _warn_unused_;
/* The names of the live runs (their per-run directory's owner not proven
 * dead) that run image id; id NULL: every live run.  Never NULL. */
char **bwrap_store_live_runs(struct bwrap_backend *b, const char *id);
/* Moves name in dirfd aside under a fresh name and removes that tree
 * (never following a symlink, whatever its modes); -ENOENT: absent. */
int bwrap_store_remove_entry(int dirfd, const char *where, const char *name,
                             struct ags_error *err) _warn_unused_;
/* A new entry's directory under a temporary name tmp in dirfd, opened. */
int bwrap_store_begin_entry(int dirfd, const char *where, char tmp[static 32], int *ret_fd,
                            struct ags_error *err) _warn_unused_;
/* Removes the temporary entry tmp when it is still there (an entry made
 * under it that could not be renamed into place). */
void bwrap_store_drop_temp(int dirfd, const char *where, const char *tmp);
/* Whether the run's cancel flag is up. */
static inline bool bwrap_store_cancelled(const struct bwrap_backend *b)
{
    return b->cancel && *b->cancel;
}
