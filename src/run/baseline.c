/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workspace baseline of a session (baseline.h): where it lives, its
 * record before the sandbox starts, its removal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/clock.h"
#include "base/fileio.h"
#include "base/rmtree.h"
#include "run/baseline-internal.h"
#include "run/gitdirs.h"
#include "run/statelog.h"
#include "base/banned.h"

#define SESSION_ID_MAX 64u

const struct run_baseline_limits run_baseline_default_limits = {
        .max_entries = AGS_BASELINE_MAX_ENTRIES,
        .copy_total = AGS_BASELINE_COPY_TOTAL,
        .copy_file = AGS_BASELINE_COPY_FILE_MAX,
};

static bool session_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    return n > 0 && n <= SESSION_ID_MAX &&
           strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

int run_baseline_dir(const char *(*getenv_fn)(const char *name), const char *session_id, char **ret,
                     struct ags_error *err)
{
    *ret = NULL;
    if (!session_id_ok(session_id))
        return ags_error_set(err, -EINVAL, "not a session id: '%.64s'",
                             session_id ? session_id : "");
    _cleanup_free_ char *dir = run_state_log_dir(getenv_fn, "sessions");
    if (!dir)
        return ags_error_set(err, -ENOENT, "no state directory: set HOME");
    *ret = xasprintf("%s/%s", dir, session_id);
    return 0;
}

/* The parent of dir, made when missing and opened: a directory of ours
 * that nobody else can write, not reached through a symlink at its last
 * component (the sessions directory).  *ret_leaf: dir's last component. */
static int open_parent(const char *dir, const char **ret_leaf, struct ags_error *err)
{
    const char *slash = strrchr(dir, '/');
    if (dir[0] != '/' || !slash || !slash[1] || strcmp(slash + 1, "..") == 0 ||
        strcmp(slash + 1, ".") == 0)
        return ags_error_set(err, -EINVAL, "internal: not a baseline directory: %s", dir);
    _cleanup_free_ char *parent =
            slash == dir ? xstrdup("/") : xstrndup(dir, (size_t)(slash - dir));
    int r = mkdir_parents(parent, 0700, err);
    if (r < 0)
        return r;
    _cleanup_close_ int fd = open(parent, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m%s", parent,
                             errno == ELOOP || errno == ENOTDIR ? " (a symlink is refused)" : "");
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot stat %s: %m", parent);
    if (st.st_uid != geteuid() || (st.st_mode & 022))
        return ags_error_set(err, -EPERM, "%s is not yours alone (owner or mode): refused", parent);
    *ret_leaf = slash + 1;
    return TAKE_FD(fd);
}

struct record {
    const struct run_baseline_limits *lim;
    struct strbuf manifest;
    int objects; /* the objects directory */
    uint64_t copied_files, stored_bytes;
    struct ags_error *err;
};

/* Stores data as objects/<sha256>; an object already there is the same
 * content (a duplicate is stored once). */
static int store(struct record *rc, const char *data, size_t len, const uint8_t *sha)
{
    char hex[SHA256_HEX_SIZE];
    sha256_hex_of(sha, hex);
    _cleanup_close_ int fd =
            openat(rc->objects, hex, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST)
        return 0;
    if (fd < 0)
        return ags_error_set(rc->err, -errno, "cannot store a copy: %m");
    int r = write_all(fd, data, len);
    if (r < 0)
        return ags_error_set(rc->err, r, "cannot store a copy: %s", strerror(-r));
    rc->stored_bytes += len;
    return 0;
}

/* A copy of a small regular file, within the total (a binary one only
 * hashed); none is fine (the diff then says sizes only). */
static int copy(struct record *rc, int dfd, const char *name, struct bl_entry *e)
{
    if (e->size > rc->lim->copy_file || rc->stored_bytes + e->size > rc->lim->copy_total)
        return 0;
    _cleanup_close_ int fd =
            openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || (uint64_t)st.st_ino != e->ino || !S_ISREG(st.st_mode))
        return 0; /* unreadable or replaced: listed without a copy */
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (read_fd_bounded(fd, rc->lim->copy_file, &data, &len, NULL) < 0 ||
        rc->stored_bytes + len > rc->lim->copy_total)
        return 0;
    sha256(data, len, e->sha);
    e->has_sha = true;
    /* A binary file's lines are never shown: its digest alone tells an
     * edit from a touch, and build output in the tree costs no space. */
    if (memchr(data, '\0', len < BL_BINARY_PROBE ? len : BL_BINARY_PROBE))
        return 0;
    int r = store(rc, data, len, e->sha);
    if (r < 0)
        return r;
    rc->copied_files++;
    return 0;
}

static int record_entry(struct bl_walk *w, int dfd, const char *name, struct bl_entry *e)
{
    struct record *rc = w->userdata;
    if (e->type == 'f') {
        int r = copy(rc, dfd, name, e);
        if (r < 0)
            return r;
    }
    size_t before = rc->manifest.len;
    if (bl_manifest_entry(&rc->manifest, e) < 0) {
        /* The manifest is full: without the line it has a part of. */
        rc->manifest.len = before;
        rc->manifest.buf[before] = '\0';
        w->partial = w->stop = true;
        return 1;
    }
    return 0;
}

static int record_into(int tfd, const char *workdir, struct record *rc, struct bl_walk *w)
{
    struct ags_error *err = rc->err;
    if (mkdirat(tfd, BL_OBJECTS, 0700) < 0)
        return ags_error_set(err, -errno, "cannot create the baseline's objects: %m");
    _cleanup_close_ int ofd =
            openat(tfd, BL_OBJECTS, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int wfd = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (ofd < 0 || wfd < 0) {
        int r = ags_error_set(err, -errno, "cannot open %s: %m", wfd < 0 ? workdir : "objects");
        if (wfd >= 0)
            (void)close(wfd);
        return r;
    }
    rc->objects = ofd;
    _cleanup_free_ char *branch = NULL, *commit = NULL;
    gitdirs_head(workdir, geteuid(), &branch, &commit);
    int r = bl_manifest_header(&rc->manifest, workdir, (int64_t)time(NULL), branch, commit);
    if (r == 0)
        r = bl_walk(w, wfd);
    if (r < 0)
        return err && err->code
                       ? r
                       : ags_error_set(err, r, "cannot walk %s: %s", workdir, strerror(-r));
    /* The footer has room beyond the entries' bound (BL_MANIFEST_MAX). */
    rc->manifest.max = BL_MANIFEST_MAX;
    r = bl_manifest_footer(&rc->manifest, w->partial, w->entries);
    if (r < 0)
        return ags_error_set(err, r, "the baseline's manifest is too large");
    return write_file_atomic_at(tfd, "baseline", BL_MANIFEST, rc->manifest.buf, rc->manifest.len,
                                0600, err);
}

int run_baseline_record_with(const char *workdir, const char *dir,
                             const struct run_baseline_limits *lim, struct run_baseline_stats *st,
                             struct ags_error *err)
{
    int64_t t0 = monotonic_ms();
    const char *leaf = NULL;
    _cleanup_close_ int pfd = open_parent(dir, &leaf, err);
    if (pfd < 0)
        return pfd;
    char tmp[32];
    int r = mkdir_temp_at(pfd, tmp, 0700);
    if (r < 0)
        return ags_error_set(err, r, "cannot create a directory beside %s: %s", dir, strerror(-r));
    struct record rc = {.lim = lim, .objects = -EBADF, .err = err};
    strbuf_init(&rc.manifest, AGS_BASELINE_MANIFEST_MAX);
    struct bl_walk w = {.max_entries = lim->max_entries, .entry = record_entry, .userdata = &rc};
    _cleanup_close_ int tfd = openat(pfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    r = tfd < 0 ? ags_error_set(err, -errno, "cannot open %s: %m", tmp)
                : record_into(tfd, workdir, &rc, &w);
    if (rc.objects >= 0)
        (void)close(rc.objects);
    size_t manifest_len = rc.manifest.len;
    strbuf_done(&rc.manifest);
    if (r == 0 && renameat2(pfd, tmp, pfd, leaf, RENAME_NOREPLACE) < 0)
        r = ags_error_set(err, -errno, "cannot create %s: %m", dir);
    if (r < 0) {
        if (rmtree_at(pfd, tmp, tmp, NULL) < 0)
            ags_error_prefix(err, "%s was left behind", tmp);
        return r;
    }
    if (st)
        *st = (struct run_baseline_stats){
                .entries = w.entries,
                .copied_files = rc.copied_files,
                .stored_bytes = rc.stored_bytes,
                .manifest_bytes = manifest_len,
                .ms = monotonic_ms() - t0,
                .partial = w.partial,
        };
    return 0;
}

int run_baseline_record(const char *workdir, const char *dir, struct run_baseline_stats *st,
                        struct ags_error *err)
{
    return run_baseline_record_with(workdir, dir, &run_baseline_default_limits, st, err);
}

/* The header's four lines fit in this (the work dir at most 3 x PATH_MAX). */
#define HEADER_READ_MAX (16u * 1024u)

int run_baseline_workdir(const char *dir, char **ret, struct ags_error *err)
{
    *ret = NULL;
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    _cleanup_close_ int fd =
            dfd < 0 ? -errno
                    : openat(dfd, BL_MANIFEST, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
        return ags_error_set(err, -ENOENT, "no baseline in %s", dir);
    char buf[HEADER_READ_MAX];
    ssize_t n = read(fd, buf, sizeof(buf));
    size_t len = 0;
    for (int lines = 0; n > 0 && len < (size_t)n && lines < 4; len++)
        lines += buf[len] == '\n';
    struct bl_manifest m;
    int r = bl_manifest_parse(buf, len, true, &m, err);
    if (r < 0)
        return r;
    *ret = TAKE_PTR(m.workdir);
    bl_manifest_done(&m);
    return 0;
}

int run_baseline_remove(const char *dir)
{
    return rmtree(dir, NULL);
}
