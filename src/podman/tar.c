/* SPDX-License-Identifier: GPL-2.0-or-later */
/* An in-process ustar writer for build contexts (see tar.h for the format choices). */
#include "podman/tar.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "base/banned.h"

#define TAR_NAME_LEN   100u
#define TAR_PREFIX_LEN 155u
#define TAR_PATH_MAX   (TAR_PREFIX_LEN + 1u + TAR_NAME_LEN)
#define TAR_BUF_SIZE   (64u * 1024u)

/* Octal, right-aligned with leading zeros, NUL-terminated within width. */
static void put_octal(unsigned char *field, size_t width, uint64_t v)
{
    char tmp[24];
    (void)snprintf(tmp, sizeof(tmp), "%0*llo", (int)(width - 1), (unsigned long long)v);
    memcpy(field, tmp, width - 1);
    field[width - 1] = '\0';
}

/* Where path splits into prefix '/' name; 0 when it fits the name field alone. */
static int split_path(const char *path, size_t *ret_split)
{
    size_t len = strlen(path);
    if (len <= TAR_NAME_LEN) {
        *ret_split = 0;
        return 0;
    }
    /* The split slash may not be the trailing one of a directory. */
    size_t end = len - (path[len - 1] == '/' ? 1 : 0);
    for (size_t i = end < TAR_PREFIX_LEN ? end : TAR_PREFIX_LEN; i > 0; i--) {
        if (i < end && path[i] == '/' && len - i - 1 <= TAR_NAME_LEN) {
            *ret_split = i;
            return 0;
        }
    }
    return -ENAMETOOLONG;
}

int podman_tar_header(unsigned char hdr[PODMAN_TAR_BLOCK], const char *path,
                      enum podman_tar_type type, uint32_t mode, uint64_t size,
                      const char *linkname, struct ags_error *err)
{
    size_t split = 0;
    if (path[0] == '\0' || split_path(path, &split) < 0)
        return ags_error_set(err, -ENAMETOOLONG,
                             "'%s' does not fit a ustar header (at most %u bytes, split at a "
                             "'/' into %u + %u)", path, TAR_PATH_MAX, TAR_PREFIX_LEN,
                             TAR_NAME_LEN);
    if (linkname && strlen(linkname) > TAR_NAME_LEN)
        return ags_error_set(err, -ENAMETOOLONG, "the target of symlink '%s' is longer than %u "
                             "bytes (the ustar limit)", path, TAR_NAME_LEN);
    memset(hdr, 0, PODMAN_TAR_BLOCK);
    if (split) {
        memcpy(hdr + 345, path, split);                             /* prefix */
        memcpy(hdr + 0, path + split + 1, strlen(path) - split - 1); /* name */
    } else {
        memcpy(hdr + 0, path, strlen(path));
    }
    put_octal(hdr + 100, 8, mode & 07777);
    put_octal(hdr + 108, 8, 0);    /* uid */
    put_octal(hdr + 116, 8, 0);    /* gid */
    put_octal(hdr + 124, 12, size);
    put_octal(hdr + 136, 12, 0);   /* mtime: reproducible */
    hdr[156] = (unsigned char)type;
    if (linkname)
        memcpy(hdr + 157, linkname, strlen(linkname));
    memcpy(hdr + 257, "ustar", 6); /* magic with its NUL */
    memcpy(hdr + 263, "00", 2);
    memset(hdr + 148, ' ', 8);     /* checksum: computed with blanks in its field */
    unsigned sum = 0;
    for (size_t i = 0; i < PODMAN_TAR_BLOCK; i++)
        sum += hdr[i];
    char chk[8];
    (void)snprintf(chk, sizeof(chk), "%06o", sum & 0777777u);
    memcpy(hdr + 148, chk, 6);
    hdr[154] = '\0';
    hdr[155] = ' ';
    return 0;
}

/* ---- output ---- */

struct tar_out {
    int fd;
    uint64_t size, max;
    size_t entries;
    unsigned char buf[TAR_BUF_SIZE];
    size_t buf_len;
    const char *root;
};

static int flush_out(struct tar_out *o, struct ags_error *err)
{
    size_t off = 0;
    while (off < o->buf_len) {
        ssize_t w = write(o->fd, o->buf + off, o->buf_len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return ags_error_set(err, -errno, "writing the build context archive: %m");
        off += (size_t)w;
    }
    o->buf_len = 0;
    return 0;
}

static int put(struct tar_out *o, const void *p, size_t n, struct ags_error *err)
{
    if (n > o->max - o->size)
        return ags_error_set(err, -EFBIG, "the build context '%s' is larger than %llu bytes",
                             o->root, (unsigned long long)o->max);
    o->size += n;
    const unsigned char *src = p;
    while (n > 0) {
        size_t take = TAR_BUF_SIZE - o->buf_len < n ? TAR_BUF_SIZE - o->buf_len : n;
        memcpy(o->buf + o->buf_len, src, take);
        o->buf_len += take;
        src += take;
        n -= take;
        if (o->buf_len == TAR_BUF_SIZE) {
            int r = flush_out(o, err);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

static int put_padding(struct tar_out *o, uint64_t size, struct ags_error *err)
{
    static const unsigned char zeros[PODMAN_TAR_BLOCK];
    size_t rest = (size_t)(size % PODMAN_TAR_BLOCK);
    return rest ? put(o, zeros, PODMAN_TAR_BLOCK - rest, err) : 0;
}

static int put_header(struct tar_out *o, const char *path, enum podman_tar_type type,
                      uint32_t mode, uint64_t size, const char *linkname, struct ags_error *err)
{
    if (++o->entries > PODMAN_TAR_MAX_ENTRIES)
        return ags_error_set(err, -E2BIG, "the build context '%s' has more than %u entries",
                             o->root, PODMAN_TAR_MAX_ENTRIES);
    unsigned char hdr[PODMAN_TAR_BLOCK];
    int r = podman_tar_header(hdr, path, type, mode, size, linkname, err);
    return r < 0 ? r : put(o, hdr, sizeof(hdr), err);
}

/* ---- entries ---- */

/* The contents of fd (which st described when it was chosen) as path;
 * shown names it in messages. */
static int put_file_fd(struct tar_out *o, int fd, const char *path, const char *shown,
                       const struct stat *st, uint32_t mode, struct ags_error *err)
{
    struct stat now;
    if (fstat(fd, &now) < 0)
        return ags_error_set(err, -errno, "cannot read '%s': %m", shown);
    if (now.st_dev != st->st_dev || now.st_ino != st->st_ino || now.st_size != st->st_size)
        return ags_error_set(err, -EAGAIN, "'%s' changed while the build context was read",
                             shown);
    uint64_t size = (uint64_t)st->st_size;
    int r = put_header(o, path, PODMAN_TAR_FILE, mode, size, NULL, err);
    char chunk[TAR_BUF_SIZE];
    for (uint64_t left = size; r == 0 && left > 0;) {
        ssize_t n = read(fd, chunk, left < sizeof(chunk) ? (size_t)left : sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ags_error_set(err, n < 0 ? -errno : -EAGAIN, "reading '%s': %s", shown,
                                 n < 0 ? strerror(errno) : "the file shrank");
        r = put(o, chunk, (size_t)n, err);
        left -= (uint64_t)n;
    }
    return r < 0 ? r : put_padding(o, size, err);
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
        int r = put_header(o, x->name, PODMAN_TAR_FILE, 0644, 0, NULL, err);
        return r;
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
    return put_header(o, path, PODMAN_TAR_SYMLINK, st->st_mode & 0777, 0, target, err);
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
        r = put_header(o, rel->buf, PODMAN_TAR_DIR, st.st_mode, 0, NULL, err);
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
    struct tar_out *o = xcalloc(1, sizeof(*o));
    *o = (struct tar_out){.fd = out_fd, .max = max_size, .root = dir};
    struct strbuf rel;
    strbuf_init(&rel, TAR_PATH_MAX + 1);
    static const unsigned char end[2 * PODMAN_TAR_BLOCK];
    int r = strbuf_append(&rel, "", 0); /* rel.buf is never NULL in messages */
    if (r == 0)
        r = walk(o, dfd, &rel, 0, err);
    else
        (void)close(dfd);
    for (size_t i = 0; r == 0 && i < n_extra; i++)
        r = put_extra(o, ctx_fd, &extra[i], err);
    if (r == 0)
        r = put(o, end, sizeof(end), err);
    if (r == 0)
        r = flush_out(o, err);
    if (r == 0)
        *ret_size = o->size;
    strbuf_done(&rel);
    free(o);
    return r;
}
