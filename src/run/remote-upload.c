/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The workspace tar and its upload (remote-upload.h).  Every path of the list
 * is reached through its parent directory opened one component at a time
 * without following a symlink (base/fileio.h open_dir_below), and every
 * file opened O_NOFOLLOW|O_NONBLOCK, checked against what was measured: a
 * symlink or FIFO swapped in meanwhile never sends a host file that was not
 * below the work dir, nor hangs the run.
 */
#include "run/remote-upload.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/tar.h"
#include "run/internal.h"
#include "base/banned.h"

/* Top-level entries reported when the workspace is over the cap. */
#define BIGGEST_SHOWN 5u

struct top_size {
    char *name;
    uint64_t bytes;
};

struct ws_tar {
    const char *root;
    int wfd;
    struct tar_writer w;
    /* The directory entries already written: the chain above the current path. */
    char *dirs[AGS_REMOTE_UPLOAD_MAX_DEPTH + 1];
    size_t n_dirs;
    /* The parent directory last opened, for the next path in it. */
    char *parent;
    int parent_fd;
    /* Bytes per top-level entry (the list is sorted by components, so each
     * one's paths are together). */
    struct top_size *tops;
    size_t n_tops, cap_tops;
};

static void ws_tar_done(struct ws_tar *t)
{
    for (size_t i = 0; i < t->n_dirs; i++)
        free(t->dirs[i]);
    free(t->parent);
    if (t->parent_fd >= 0)
        (void)close(t->parent_fd);
    for (size_t i = 0; i < t->n_tops; i++)
        free(t->tops[i].name);
    free(t->tops);
    tar_writer_done(&t->w);
}

static void count_top(struct ws_tar *t, const char *path, uint64_t bytes)
{
    size_t len = strcspn(path, "/");
    struct top_size *last = t->n_tops ? &t->tops[t->n_tops - 1] : NULL;
    if (!last || strlen(last->name) != len || strncmp(last->name, path, len) != 0) {
        t->tops = xgrow(t->tops, &t->cap_tops, t->n_tops + 1, sizeof(*t->tops));
        last = &t->tops[t->n_tops++];
        *last = (struct top_size){xstrndup(path, len), 0};
    }
    last->bytes += bytes;
}

/* The parent directory of path (its fd, owned by t). */
static int open_parent(struct ws_tar *t, const char *path, int *ret_fd, struct ags_error *err)
{
    const char *slash = strrchr(path, '/');
    _cleanup_free_ char *parent = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
    if (t->parent && strcmp(t->parent, parent) == 0) {
        *ret_fd = t->parent_fd;
        return 0;
    }
    int fd = -1;
    int r = open_dir_below(t->wfd, t->root, parent, 0, false, &fd, err);
    if (r < 0)
        return r;
    if (t->parent_fd >= 0)
        (void)close(t->parent_fd);
    free(t->parent);
    t->parent = TAKE_PTR(parent);
    t->parent_fd = fd;
    *ret_fd = fd;
    return 0;
}

static int64_t mtime_of(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec;
}

static int put_dir(struct ws_tar *t, const char *rel, const struct stat *st,
                   struct ags_error *err)
{
    if (t->n_dirs >= AGS_REMOTE_UPLOAD_MAX_DEPTH)
        return ags_error_set(err, -ELOOP, "'%s' is nested more than %u directories deep", rel,
                             AGS_REMOTE_UPLOAD_MAX_DEPTH);
    _cleanup_free_ char *path = xasprintf("%s/", rel);
    struct tar_entry e = {.path = path, .type = TAR_DIR, .mode = st->st_mode & 0777,
                          .mtime = mtime_of(st)};
    int r = tar_put_entry(&t->w, &e, err);
    if (r == 0)
        t->dirs[t->n_dirs++] = xstrdup(rel);
    return r;
}

static bool is_below(const char *path, const char *dir)
{
    size_t len = strlen(dir);
    return strncmp(path, dir, len) == 0 && path[len] == '/';
}

/* The directories above path not written yet, each right before what it holds. */
static int put_ancestors(struct ws_tar *t, const char *path, struct ags_error *err)
{
    while (t->n_dirs > 0 && !is_below(path, t->dirs[t->n_dirs - 1]))
        free(t->dirs[--t->n_dirs]);
    const char *from = t->n_dirs ? path + strlen(t->dirs[t->n_dirs - 1]) + 1 : path;
    for (const char *slash = strchr(from, '/'); slash; slash = strchr(slash + 1, '/')) {
        _cleanup_free_ char *dir = xstrndup(path, (size_t)(slash - path));
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r = open_dir_below(t->wfd, t->root, dir, 0, false, &fd, err);
        if (r == 0 && fstat(fd, &st) < 0)
            r = ags_error_set(err, -errno, "cannot stat '%s/%s': %m", t->root, dir);
        if (r == 0)
            r = put_dir(t, dir, &st, err);
        if (r < 0)
            return r;
    }
    return 0;
}

static int put_file(struct ws_tar *t, int pfd, const char *name, const char *path,
                    const struct stat *st, struct ags_error *err)
{
    _cleanup_free_ char *shown = xasprintf("%s/%s", t->root, path);
    _cleanup_close_ int fd = -1;
    if (t->w.fd >= 0) {
        /* O_NONBLOCK: a FIFO swapped in opens at once, then fails the check. */
        fd = openat(pfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
            return ags_error_set(err, -errno, "cannot read '%s': %m", shown);
    }
    struct tar_entry e = {.path = path, .mode = st->st_mode & 0777, .mtime = mtime_of(st)};
    return tar_put_file(&t->w, &e, fd, st, shown, err);
}

static int put_symlink(struct ws_tar *t, int pfd, const char *name, const char *path,
                       const struct stat *st, struct ags_error *err)
{
    _cleanup_free_ char *shown = xasprintf("%s/%s", t->root, path);
    struct tar_entry e = {.path = path, .mode = 0777, .mtime = mtime_of(st)};
    return tar_put_symlink_at(&t->w, pfd, name, &e, shown, err);
}

/* One path of the list; one that is gone (a tracked file deleted) or of
 * another type (FIFO, socket, device) is left out. */
static int put_path(struct ws_tar *t, const char *path, struct ags_error *err)
{
    int r = put_ancestors(t, path, err);
    int pfd = -1;
    if (r == 0)
        r = open_parent(t, path, &pfd, err);
    if (r < 0)
        return r == -ENOENT ? 0 : r;
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    struct stat st;
    if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : ags_error_set(err, -errno, "cannot stat '%s/%s': %m",
                                                  t->root, path);
    if (S_ISREG(st.st_mode))
        return put_file(t, pfd, name, path, &st, err);
    if (S_ISLNK(st.st_mode))
        return put_symlink(t, pfd, name, path, &st, err);
    if (S_ISDIR(st.st_mode))
        return put_dir(t, path, &st, err);
    return 0;
}

static int cmp_top(const void *a, const void *b)
{
    const struct top_size *x = a, *y = b;
    return (x->bytes < y->bytes) - (x->bytes > y->bytes);
}

static void human(uint64_t bytes, char *out, size_t size)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    (void)snprintf(out, size, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

/* "the workspace /w is 5.2 GiB, more than [remote] max_upload (4GiB); its
 * biggest entries: node_modules 3.1 GiB, ..." */
static int over_cap(struct ws_tar *t, uint64_t max, struct ags_error *err)
{
    qsort(t->tops, t->n_tops, sizeof(*t->tops), cmp_top);
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, 4096);
    for (size_t i = 0; i < t->n_tops && i < BIGGEST_SHOWN; i++) {
        char size[32];
        human(t->tops[i].bytes, size, sizeof(size));
        if (strbuf_appendf(&sb, "%s%s %s", i ? ", " : "", t->tops[i].name, size) < 0)
            break;
    }
    char total[32], cap[SIZE_TEXT_MAX];
    human(t->w.size, total, sizeof(total));
    size_text(max, cap);
    return ags_error_set(err, -EFBIG,
                         "the workspace %s is %s, more than [remote] max_upload = \"%s\"; its "
                         "biggest entries: %s (list what the sandbox does not need in "
                         ".agsignore, or raise max_upload)", t->root, total, cap,
                         sb.buf ? sb.buf : "none");
}

int run_ws_tar(const char *dir, const struct run_ws_list *l, uint32_t uid, uint32_t gid,
               int out_fd, uint64_t max, uint64_t *ret_size, struct ags_error *err)
{
    struct ws_tar t = {.root = dir, .parent_fd = -1};
    t.wfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (t.wfd < 0)
        return ags_error_set(err, -errno, "cannot open the work dir %s: %m", dir);
    _cleanup_free_ char *what = xasprintf("the workspace %s", dir);
    bool measuring = out_fd < 0;
    /* Measuring counts it all, so the message can say how much it is. */
    tar_writer_init(&t.w, out_fd, measuring ? UINT64_MAX : max,
                    2 * (size_t)AGS_REMOTE_UPLOAD_MAX_ENTRIES, what);
    t.w.uid = uid;
    t.w.gid = gid;
    t.w.pax = true;
    int r = 0;
    for (size_t i = 0; r == 0 && i < l->n; i++) {
        uint64_t before = t.w.size;
        r = put_path(&t, l->paths[i], err);
        if (r == 0)
            count_top(&t, l->paths[i], t.w.size - before);
    }
    if (r == 0)
        r = tar_finish(&t.w, err);
    if (r == 0 && t.w.size > max)
        r = over_cap(&t, max, err);
    if (r == 0)
        *ret_size = t.w.size;
    (void)close(t.wfd);
    ws_tar_done(&t);
    return r;
}

/* ---- the upload ---- */

/* An unnamed 0600 file in dir: nothing another user (or a later run) sees. */
static int private_file(const char *dir, struct ags_error *err)
{
    int r = mkdir_parents(dir, 0700, err);
    if (r < 0)
        return r;
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
        return fd >= 0 ? fd : ags_error_set(err, -errno, "cannot make a file in %s: %m", dir);
    /* No O_TMPFILE there: a fresh name, unlinked at once. */
    _cleanup_free_ char *tmpl = xasprintf("%s/.ags-upload-XXXXXX", dir);
    fd = mkostemp(tmpl, O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot make a file in %s: %m", dir);
    (void)unlink(tmpl);
    return fd;
}

/* The labels a helper container carries: the run's ownership (the sweep
 * removes what a killed ags left) and what it is. */
static char **helper_labels(const struct ags_plan *p)
{
    static const char *const keys[] = {PLAN_LABEL_MANAGED, PLAN_LABEL_OWNER, PLAN_LABEL_PID,
                                       PLAN_LABEL_SESSION, NULL};
    struct strv_builder b = {0};
    for (size_t i = 0; keys[i]; i++) {
        const char *v = plan_label_value(p->labels, keys[i]);
        if (v)
            strv_builder_push(&b, xasprintf("%s=%s", keys[i], v));
    }
    strv_builder_push(&b, xstrdup("ags.helper=upload"));
    return strv_builder_steal(&b);
}

static bool uploads(const struct plan_mount *m)
{
    return m->upload_from && m->type == PLAN_MOUNT_VOLUME;
}

/* m's directory listed once, measured against the cap (before a byte is
 * written), then its tar into a private file. */
static int pack_one(const struct ags_config *cfg, const struct ags_plan *p,
                    const struct plan_mount *m, const char *(*getenv_fn)(const char *),
                    struct run_remote_tar *ret, struct ags_error *err)
{
    struct run_ws_list l = {0};
    uint64_t max = cfg->remote.max_upload.v, size = 0;
    uint32_t uid = p->identity.uid, gid = p->identity.gid;
    int r = run_ws_list(m->upload_from, getenv_fn, &l, err);
    if (r == 0)
        r = run_ws_tar(m->upload_from, &l, uid, gid, -1, max, &size, err);
    _cleanup_close_ int fd = r == 0 ? private_file(cfg->sandbox.cache_dir.v, err) : -1;
    if (r == 0 && fd < 0)
        r = fd;
    if (r == 0)
        r = run_ws_tar(m->upload_from, &l, uid, gid, fd, max, &size, err);
    run_ws_list_done(&l);
    if (r < 0)
        return r;
    ret->fd = TAKE_FD(fd);
    ret->size = size;
    return 0;
}

void run_remote_pack_done(struct run_remote_pack *pack)
{
    for (size_t i = 0; i < pack->n; i++)
        if (pack->v[i].fd >= 0)
            (void)close(pack->v[i].fd);
    free(pack->v);
    *pack = (struct run_remote_pack){0};
}

int run_remote_pack(const struct ags_config *cfg, const struct ags_plan *p,
                    const char *(*getenv_fn)(const char *name), struct run_remote_pack *ret,
                    struct ags_error *err)
{
    *ret = (struct run_remote_pack){0};
    ret->v = xcalloc(p->n_mounts + 1, sizeof(*ret->v));
    int r = 0;
    for (size_t i = 0; r == 0 && i < p->n_mounts; i++) {
        if (!uploads(&p->mounts[i]))
            continue;
        struct run_remote_tar *t = &ret->v[ret->n];
        *t = (struct run_remote_tar){.mount = i, .fd = -1};
        r = pack_one(cfg, p, &p->mounts[i], getenv_fn, t, err);
        if (r == 0)
            ret->n++;
    }
    if (r < 0)
        run_remote_pack_done(ret);
    return r;
}

static int cannot_upload(const struct backend *b, struct ags_error *err)
{
    return ags_error_set(err, -EOPNOTSUPP, "the %s backend cannot upload a workspace (a remote "
                         "engine needs Podman)", b->ops->name);
}

/* A read-only volume is no place the sandbox may write, so it is filled
 * through a never-started helper container that mounts it read-write. */
static int put_through_helper(struct backend *b, const struct ags_plan *p,
                              const struct plan_mount *m, int fd, struct ags_error *err)
{
    if (!b->ops->helper_upload)
        return cannot_upload(b, err);
    _cleanup_strv_free_ char **labels = helper_labels(p);
    const struct backend_helper h = { /* the helper mounts it read-write */
        .image = p->image.v,
        .volumes = m,
        .n_volumes = 1,
        .labels = (const char *const *)labels,
        .uid = p->identity.uid,
        .gid = p->identity.gid,
    };
    return b->ops->helper_upload(b, &h, m->destination, fd, err);
}

int run_remote_put(struct backend *b, const struct ags_plan *p, const char *id,
                   const struct run_remote_pack *pack, const struct run_callbacks *cb,
                   struct ags_error *err)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < pack->n; i++) {
        const struct run_remote_tar *t = &pack->v[i];
        const struct plan_mount *m = &p->mounts[t->mount];
        char shown[32];
        human(t->size, shown, sizeof(shown));
        run_progressf(cb, "uploading %s (%s) to the remote engine", m->upload_from, shown);
        if (m->read_only)
            r = put_through_helper(b, p, m, t->fd, err);
        else if (b->ops->copy_in)
            r = b->ops->copy_in(b, id, m->destination, t->fd, err);
        else
            r = cannot_upload(b, err);
    }
    return r;
}
