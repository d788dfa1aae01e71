/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Between the files of the baseline (baseline.h): one entry, the walk, the
 * manifest. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "base/limits.h"
#include "base/sha256.h"
#include "base/strbuf.h"
#include "run/baseline.h"

#define BL_MANIFEST "manifest"
#define BL_OBJECTS  "objects"
#define BL_MAGIC    "ags-baseline 1"
/* The header and footer lines beside the entries. */
#define BL_MANIFEST_MAX (AGS_BASELINE_MANIFEST_MAX + 64u * 1024u)
/* Binary: a NUL in this many first bytes. */
#define BL_BINARY_PROBE 8192u

struct bl_entry {
    char *path;   /* owned (the walk's callback gets a borrowed one) */
    char *target; /* a symlink's, owned likewise */
    char type;    /* see struct run_change_side */
    uint32_t mode;
    uint64_t size, ino;
    int64_t mtime_ns, ctime_ns;
    bool has_sha;
    uint8_t sha[SHA256_DIGEST_SIZE];
};

void bl_entry_done(struct bl_entry *e);

/* ---- the walk (baseline-walk.c) ---- */
struct bl_walk {
    size_t max_entries;
    /* Per entry, before a directory is entered; path and target are the
     * walk's (copy them to keep).  dfd/name: where it is.  < 0 stops the walk with
     * that error, > 0: the entry is not taken. */
    int (*entry)(struct bl_walk *w, int dfd, const char *name, struct bl_entry *e);
    void *userdata;
    /* Results. */
    size_t entries;
    bool partial;
    /* Internal. */
    dev_t dev;
    bool stop;
    char path[AGS_BASELINE_PATH_MAX + 1];
};

/* Walks below the directory fd (taken), never following a symlink. */
int bl_walk(struct bl_walk *w, int fd) _warn_unused_;
/* Opens a regular file of the tree at path (relative, from the walk) for
 * reading: no component a symlink, no FIFO waited for. -errno. */
int bl_open_below(int root, const char *path) _warn_unused_;

/* ---- the manifest (baseline-manifest.c) ---- */
struct bl_manifest {
    char *workdir;
    int64_t created;
    char *branch, *commit; /* HEAD then, or NULL */
    bool partial;
    struct bl_entry *v;
    size_t n;
};

void bl_manifest_done(struct bl_manifest *m);
int bl_manifest_header(struct strbuf *sb, const char *workdir, int64_t created, const char *branch,
                       const char *commit) _warn_unused_;
int bl_manifest_entry(struct strbuf *sb, const struct bl_entry *e) _warn_unused_;
int bl_manifest_footer(struct strbuf *sb, bool partial, size_t entries) _warn_unused_;
/* Parses a manifest (text[len], NUL-terminated); header_only stops after the
 * header.  -EBADMSG with err for anything out of form; entries come sorted by
 * path. */
int bl_manifest_parse(const char *text, size_t len, bool header_only, struct bl_manifest *ret,
                      struct ags_error *err) _warn_unused_;
/* strcmp order of paths, for qsort. */
int bl_entry_cmp(const void *a, const void *b);
