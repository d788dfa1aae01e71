/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The digest of an image's build context: the containerfile directory and
 * the files ags adds to it (the host's CA bundle).  The image carries it as
 * a label, so that a later look (ags doctor) can tell whether the installed
 * containerfile/ or the bundle changed since the image was built.  It hashes
 * what the build sees (names, kinds, permission bits, contents, link
 * targets), not the tar bytes, so it needs no engine and no tar writer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/strv.h"
#include "run/internal.h"
#include "base/banned.h"

#define CONTEXT_MAX_BYTES (64u * 1024u * 1024u)
#define CONTEXT_MAX_DEPTH 16u

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One record: kind, mode, name and the content, lengths spelled out so that
 * no two different contexts give the same byte stream. */
static int put_record(struct strbuf *sb, char kind, unsigned mode, const char *name,
                      const char *data, size_t len)
{
    int r = strbuf_appendf(sb, "%c %o %zu:%s %zu:", kind, mode & 07777u, strlen(name), name,
                           len);
    if (r == 0 && len)
        r = strbuf_append(sb, data, len);
    return r;
}

static int too_big(struct ags_error *err)
{
    return ags_error_set(err, -EFBIG, "the build context is larger than %u bytes",
                         CONTEXT_MAX_BYTES);
}

static int put_file(struct strbuf *sb, int dfd, const char *name, const char *rel,
                    unsigned mode, struct ags_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = read_regular_file_at(dfd, name, rel, CONTEXT_MAX_BYTES, &buf, &len, NULL, err);
    if (r < 0)
        return r;
    return put_record(sb, 'f', mode, rel, buf, len) < 0 ? too_big(err) : 0;
}

static int put_dir(struct strbuf *sb, int dfd, const char *rel, unsigned depth,
                   struct ags_error *err);

static int put_entry(struct strbuf *sb, int dfd, const char *name, const char *prefix,
                     unsigned depth, struct ags_error *err)
{
    _cleanup_free_ char *rel = prefix[0] ? xasprintf("%s/%s", prefix, name) : xstrdup(name);
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return ags_error_set(err, -errno, "cannot read '%s': %m", rel);
    if (S_ISREG(st.st_mode))
        return put_file(sb, dfd, name, rel, st.st_mode, err);
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlinkat(dfd, name, target, sizeof(target));
        if (n < 0 || (size_t)n >= sizeof(target))
            return ags_error_set(err, n < 0 ? -errno : -ENAMETOOLONG,
                                 "cannot read symlink '%s'", rel);
        return put_record(sb, 'l', 0777, rel, target, (size_t)n) < 0 ? too_big(err) : 0;
    }
    if (!S_ISDIR(st.st_mode))
        return ags_error_set(err, -EINVAL, "'%s' in the build context is neither a file, a "
                                           "directory nor a symlink", rel);
    int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0)
        return ags_error_set(err, -errno, "cannot open '%s': %m", rel);
    int r = put_record(sb, 'd', st.st_mode, rel, NULL, 0) < 0 ? too_big(err) : 0;
    if (r == 0)
        r = put_dir(sb, sub, rel, depth + 1, err);
    else
        (void)close(sub);
    return r;
}

/* Takes ownership of dfd; entries in name order. */
static int put_dir(struct strbuf *sb, int dfd, const char *rel, unsigned depth,
                   struct ags_error *err)
{
    DIR *d = fdopendir(dfd);
    if (!d) {
        int e = -errno;
        (void)close(dfd);
        return ags_error_set(err, e, "cannot list '%s'", rel[0] ? rel : ".");
    }
    int r = depth > CONTEXT_MAX_DEPTH
                    ? ags_error_set(err, -ELOOP, "the build context nests too deep at '%s'", rel)
                    : 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        names = xgrow(names, &cap, n + 1, sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_name);
    for (size_t i = 0; r == 0 && i < n; i++)
        r = put_entry(sb, dirfd(d), names[i], rel, depth, err);
    strv_free_n(names, n);
    closedir(d);
    return r;
}

static int put_extra(struct strbuf *sb, const struct backend_context_file *f,
                     struct ags_error *err)
{
    if (!f->path)
        return put_record(sb, 'f', 0644, f->name, NULL, 0) < 0 ? too_big(err) : 0;
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = read_file_bounded(f->path, CONTEXT_MAX_BYTES, &buf, &len, err);
    if (r < 0)
        return r;
    return put_record(sb, 'f', 0644, f->name, buf, len) < 0 ? too_big(err) : 0;
}

int run_image_context_digest(const char *dir, const struct backend_context_file *files,
                             size_t n_files, char hex[SHA256_HEX_SIZE], struct ags_error *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return ags_error_set(err, -errno, "cannot open the build context '%s': %m", dir);
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, CONTEXT_MAX_BYTES);
    int r = put_dir(&sb, dfd, "", 0, err);
    for (size_t i = 0; r == 0 && i < n_files; i++)
        r = put_extra(&sb, &files[i], err);
    if (r < 0)
        return r;
    sha256_hex(sb.buf ? sb.buf : "", sb.len, hex);
    return 0;
}
