/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A build context as a reproducible ustar archive (see tar.h for the format choices). */
#include "podman/tar.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/tar.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/banned.h"

#define CTX_PATH_MAX (TAR_PREFIX_LEN + 1u + TAR_NAME_LEN)

struct tar_out {
    struct tar_writer w;
    const char *root;
};

static int put_header(struct tar_out *o, const char *path, enum tar_type type, uint32_t mode,
                      const char *linkname, struct ags_error *err)
{
    struct tar_entry e = {.path = path, .type = type, .mode = mode, .linkname = linkname};
    return tar_put_entry(&o->w, &e, err);
}

/* ---- entries ---- */

/* The contents of fd (which st described when it was chosen) as path;
 * shown names it in messages. */
static int put_file_fd(struct tar_out *o, int fd, const char *path, const char *shown,
                       const struct stat *st, uint32_t mode, struct ags_error *err)
{
    struct tar_entry e = {.path = path, .type = TAR_FILE, .mode = mode};
    return tar_put_file(&o->w, &e, fd, st, shown, err);
}

static int put_file(struct tar_out *o, int dfd, const char *name, const char *path,
                    const struct stat *st, struct ags_error *err)
{
    /* O_NONBLOCK: a file swapped for a FIFO after it was chosen opens at once
     * (and then fails the identity check) instead of blocking the build. */
    _cleanup_close_ int fd =
            openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot read '%s/%s': %m", o->root, path);
    _cleanup_free_ char *shown = xasprintf("%s/%s", o->root, path);
    return put_file_fd(o, fd, path, shown, st, st->st_mode, err);
}

/* A host file that joins the context at the top level under its own name
 * (symlinks followed: it is the user's choice of file, not the context's). */
static int put_extra(struct tar_out *o, int ctx_fd, const struct podman_tar_extra *x,
                     struct ags_error *err)
{
    struct stat st;
    if (!x->name[0] || strchr(x->name, '/') || x->name[0] == '.')
        return ags_error_set(err, -EINVAL, "'%s' is not a plain file name for the build context",
                             x->name);
    if (fstatat(ctx_fd, x->name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        return ags_error_set(err, -EEXIST, "the build context '%s' already has a '%s', which "
                             "ags adds itself", o->root, x->name);
    if (!x->path) {
        return put_header(o, x->name, TAR_FILE, 0644, NULL, err);
    }
    _cleanup_close_ int fd = open(x->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot read '%s': %m", x->path);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "'%s' is not a regular file", x->path);
    return put_file_fd(o, fd, x->name, x->path, &st, 0644, err);
}

static int put_symlink(struct tar_out *o, int dfd, const char *name, const char *path,
                       const struct stat *st, struct ags_error *err)
{
    char target[TAR_NAME_LEN + 2];
    ssize_t n = readlinkat(dfd, name, target, sizeof(target));
    if (n < 0)
        return ags_error_set(err, -errno, "cannot read symlink '%s/%s': %m", o->root, path);
    if ((size_t)n > TAR_NAME_LEN)
        return ags_error_set(err, -ENAMETOOLONG, "the target of symlink '%s' is longer than %u "
                             "bytes (the ustar limit)", path, TAR_NAME_LEN);
    target[n] = '\0';
    return put_header(o, path, TAR_SYMLINK, st->st_mode & 0777, target, err);
}

static int walk(struct tar_out *o, int dfd, struct strbuf *rel, unsigned depth,
                struct ags_error *err);

static int put_entry(struct tar_out *o, int dfd, const char *name, struct strbuf *rel,
                     unsigned depth, struct ags_error *err)
{
    size_t keep = rel->len;
    if (strbuf_appends(rel, name) < 0)
        return ags_error_set(err, -ENAMETOOLONG, "'%s/%s%s' does not fit a ustar header",
                             o->root, rel->buf, name);
    struct stat st;
    int r;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        r = ags_error_set(err, -errno, "cannot stat '%s/%s': %m", o->root, rel->buf);
    else if (S_ISREG(st.st_mode))
        r = put_file(o, dfd, name, rel->buf, &st, err);
    else if (S_ISLNK(st.st_mode))
        r = put_symlink(o, dfd, name, rel->buf, &st, err);
    else if (!S_ISDIR(st.st_mode))
        r = ags_error_set(err, -EINVAL, "'%s/%s' is not a regular file, directory or symlink: "
                          "it cannot go into a build context", o->root, rel->buf);
    else if (strbuf_appendc(rel, '/') < 0)
        r = ags_error_set(err, -ENAMETOOLONG, "'%s/%s/' does not fit a ustar header", o->root,
                          rel->buf);
    else
        r = put_header(o, rel->buf, TAR_DIR, st.st_mode, NULL, err);
    if (r == 0 && S_ISDIR(st.st_mode)) {
        int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        r = sub < 0 ? ags_error_set(err, -errno, "cannot open '%s/%s': %m", o->root, rel->buf)
                    : walk(o, sub, rel, depth + 1, err); /* walk closes sub */
    }
    rel->len = keep;
    rel->buf[keep] = '\0';
    return r;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Takes ownership of dfd. */
static int walk(struct tar_out *o, int dfd, struct strbuf *rel, unsigned depth,
                struct ags_error *err)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        int e = -errno;
        (void)close(dfd);
        return ags_error_set(err, e, "cannot list '%s/%s': %s", o->root, rel->buf, strerror(-e));
    }
    if (depth > PODMAN_TAR_MAX_DEPTH) {
        closedir(d);
        return ags_error_set(err, -ELOOP, "'%s/%s' is nested more than %u directories deep",
                             o->root, rel->buf, PODMAN_TAR_MAX_DEPTH);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n >= PODMAN_TAR_MAX_ENTRIES)
            r = ags_error_set(err, -E2BIG, "'%s/%s' has more than %u entries", o->root,
                              rel->buf, PODMAN_TAR_MAX_ENTRIES);
        names = xgrow(names, &cap, n + 1, sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    if (n > 1) /* an empty directory has names == NULL, which qsort may not get */
        qsort(names, n, sizeof(*names), cmp_name);
    for (size_t i = 0; r == 0 && i < n; i++)
        r = put_entry(o, dirfd(d), names[i], rel, depth, err);
    strv_free_n(names, n);
    closedir(d);
    return r;
}

int podman_tar_dir(const char *dir, const struct podman_tar_extra *extra, size_t n_extra,
                   int out_fd, uint64_t max_size, uint64_t *ret_size, struct ags_error *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return ags_error_set(err, -errno, "cannot open the build context '%s': %m", dir);
    _cleanup_close_ int ctx_fd = fcntl(dfd, F_DUPFD_CLOEXEC, 3);
    if (ctx_fd < 0) {
        int e = -errno;
        (void)close(dfd);
        return ags_error_set(err, e, "cannot open the build context '%s': %s", dir, strerror(-e));
    }
    _cleanup_free_ char *what = xasprintf("the build context '%s'", dir);
    struct tar_out *o = xcalloc(1, sizeof(*o));
    tar_writer_init(&o->w, out_fd, max_size, PODMAN_TAR_MAX_ENTRIES, what);
    o->root = dir;
    struct strbuf rel;
    strbuf_init(&rel, CTX_PATH_MAX + 1);
    int r = strbuf_append(&rel, "", 0); /* rel.buf is never NULL in messages */
    if (r == 0)
        r = walk(o, dfd, &rel, 0, err);
    else
        (void)close(dfd);
    for (size_t i = 0; r == 0 && i < n_extra; i++)
        r = put_extra(o, ctx_fd, &extra[i], err);
    if (r == 0)
        r = tar_finish(&o->w, err);
    if (r == 0)
        *ret_size = o->w.size;
    strbuf_done(&rel);
    tar_writer_done(&o->w);
    free(o);
    return r;
}
