/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bubblewrap backend's store: its directories, names and files
 * (bwrap-store.h). */
#include "backend/bwrap-store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/procid.h"
#include "base/rmtree.h"
#include "base/strbuf.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/banned.h"

/* data_dir itself: ours, and private whatever it was made with (another
 * local user must neither read images and volumes nor plant anything). */
static int open_data_dir(struct bwrap_backend *b, bool create, int *ret_fd,
                         struct ags_error *err)
{
    if (create) {
        int r = mkdir_parents(b->data_dir, 0700, err);
        if (r < 0)
            return r;
    }
    _cleanup_close_ int fd = open(b->data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open ags's data directory '%s': %m",
                             b->data_dir);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot look at '%s': %m", b->data_dir);
    if (st.st_uid != geteuid())
        return ags_error_set(err, -EPERM, "ags's data directory '%s' belongs to uid %u, not you",
                             b->data_dir, (unsigned)st.st_uid);
    if ((st.st_mode & 077) && fchmod(fd, 0700) < 0)
        return ags_error_set(err, -errno, "cannot make '%s' private: %m", b->data_dir);
    *ret_fd = TAKE_FD(fd);
    return 0;
}

int bwrap_store_open(struct bwrap_backend *b, const char *sub, bool create, int *ret_fd,
                     struct ags_error *err)
{
    _cleanup_close_ int data = -EBADF;
    int r = open_data_dir(b, create, &data, err);
    if (r < 0 || !sub[0]) {
        if (r == 0)
            *ret_fd = TAKE_FD(data);
        return r;
    }
    _cleanup_close_ int fd = -EBADF;
    r = open_dir_below(data, b->data_dir, sub, 0700, create, &fd, err);
    if (r < 0)
        return r;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot look at '%s/%s': %m", b->data_dir, sub);
    if (st.st_uid != geteuid())
        return ags_error_set(err, -EPERM, "'%s/%s' belongs to uid %u, not you", b->data_dir,
                             sub, (unsigned)st.st_uid);
    *ret_fd = TAKE_FD(fd);
    return 0;
}

bool bwrap_store_is_id(const char *s)
{
    size_t n = strspn(s, "0123456789abcdef");
    return n == SHA256_HEX_SIZE - 1 && !s[n];
}

bool bwrap_store_is_volume_name(const char *s)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t n = strlen(s);
    return n > 0 && n <= AGS_BWRAP_STORE_NAME_MAX && strchr(alnum, s[0]) &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static bool tag_plain(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

char *bwrap_store_tag_file(const char *image)
{
    size_t n = strlen(image);
    if (n == 0 || n > AGS_BWRAP_STORE_NAME_MAX)
        return NULL;
    char *out = xmalloc(3 * n + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)image; *p; p++) {
        if (tag_plain((char)*p))
            *o++ = (char)*p;
        else
            o += snprintf(o, 4, "%%%02X", *p);
    }
    *o = '\0';
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

char *bwrap_store_tag_name(const char *file)
{
    _cleanup_free_ char *out = xmalloc(strlen(file) + 1);
    char *o = out;
    for (const char *p = file; *p; p++) {
        if (tag_plain(*p)) {
            *o++ = *p;
            continue;
        }
        int hi = *p == '%' ? hex_value(p[1]) : -1, lo = hi >= 0 ? hex_value(p[2]) : -1;
        int c = hi * 16 + lo;
        if (lo < 0 || c == 0 || tag_plain((char)c)) /* only the encoding ags writes */
            return NULL;
        *o++ = (char)c;
        p += 2;
    }
    *o = '\0';
    return o == out ? NULL : TAKE_PTR(out);
}

int bwrap_store_read_lines(int dirfd, const char *name, const char *shown, char ***ret,
                           struct ags_error *err)
{
    _cleanup_free_ char *buf = NULL;
    size_t len = 0;
    int r = read_regular_file_at(dirfd, name, shown, AGS_BWRAP_STORE_FILE_MAX, &buf, &len, NULL,
                                 err);
    if (r < 0)
        return r;
    if (strlen(buf) != len)
        return ags_error_set(err, -EINVAL, "'%s' holds a NUL byte", shown);
    struct strv_builder sb = {0};
    char *save = NULL;
    for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        strv_builder_push(&sb, xstrdup(line));
    *ret = strv_builder_steal(&sb);
    return 0;
}

int bwrap_store_write_lines(int dirfd, const char *where, const char *name,
                            const char *const *lines, struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, AGS_BWRAP_STORE_FILE_MAX);
    for (size_t i = 0; lines && lines[i]; i++)
        if (strbuf_appends(&sb, lines[i]) < 0 || strbuf_appendc(&sb, '\n') < 0)
            return ags_error_set(err, -E2BIG, "'%s/%s' would be larger than %u bytes", where,
                                 name, AGS_BWRAP_STORE_FILE_MAX);
    return write_file_atomic_at(dirfd, where, name, sb.buf ? sb.buf : "", sb.len, 0600, err);
}

static bool is_dir_at(int dirfd, const char *name)
{
    struct stat st;
    return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

int bwrap_store_resolve(int rootfs, const char *image, char id[SHA256_HEX_SIZE],
                        struct ags_error *err)
{
    const char *bare = str_has_prefix(image, "sha256:") ? image + 7 : image;
    if (bwrap_store_is_id(bare)) {
        if (!is_dir_at(rootfs, bare))
            return ags_error_set(err, -ENOENT, "no image %.12s", bare);
        memcpy(id, bare, SHA256_HEX_SIZE);
        return 0;
    }
    _cleanup_free_ char *file = bwrap_store_tag_file(image);
    if (!file)
        return ags_error_set(err, -EINVAL, "'%.64s...' is no image name", image);
    _cleanup_close_ int tags = -EBADF;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = open_dir_below(rootfs, BWRAP_STORE_ROOTFS, BWRAP_STORE_TAGS, 0700, false, &tags,
                           NULL);
    if (r == 0)
        r = read_regular_file_at(tags, file, image, AGS_BWRAP_STORE_FILE_MAX, &text, &len, NULL,
                                 err);
    if (r == -ENOENT)
        return ags_error_set(err, -ENOENT, "no image %s", image);
    if (r < 0)
        return r;
    text[strcspn(text, "\n")] = '\0';
    if (!bwrap_store_is_id(text))
        return ags_error_set(err, -EINVAL, "the tag file of %s holds no image id", image);
    if (!is_dir_at(rootfs, text))
        return ags_error_set(err, -ENOENT, "no image %s (its %.12s is gone)", image, text);
    memcpy(id, text, SHA256_HEX_SIZE);
    return 0;
}

/* Whether the run of per-run directory dir may still run: its owner is not
 * proven dead (no owner file, as while the launch half writes it: alive). */
static bool run_alive(int dir, const struct procid *self)
{
    return !self || procid_file_state(dir, BWRAP_RUN_OWNER_FILE, self) != PROCID_DEAD;
}

static void consider_run(int parent, const char *name, const char *id, const struct procid *self,
                         struct strv_builder *out)
{
    _cleanup_close_ int dir = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
                                                           O_CLOEXEC);
    struct stat st;
    if (dir < 0 || fstat(dir, &st) < 0 || st.st_uid != geteuid() || !run_alive(dir, self))
        return;
    _cleanup_free_ char *runs = id ? read_own_line_at(dir, BWRAP_RUN_IMAGE_FILE, PROCID_MAX_TEXT) : NULL;
    if (!id || !runs || strcmp(runs, id) == 0) /* no image file yet: it may be this one */
        strv_builder_push(out, xstrdup(name + strlen(BWRAP_RUN_DIR_PREFIX)));
}

char **bwrap_store_live_runs(struct bwrap_backend *b, const char *id)
{
    struct strv_builder out = {0};
    struct procid self;
    bool know_self = procid_self(&self, NULL) == 0;
    int fd = -EBADF;
    if (bwrap_store_open(b, BWRAP_STORE_RUNS, false, &fd, NULL) < 0)
        fd = -EBADF;
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            (void)close(fd);
        return strv_builder_steal(&out);
    }
    struct dirent *e;
    while ((e = readdir(d)))
        if (str_has_prefix(e->d_name, BWRAP_RUN_DIR_PREFIX) &&
            e->d_name[strlen(BWRAP_RUN_DIR_PREFIX)])
            /* Without our own identity nothing is proven dead: every run counts. */
            consider_run(dirfd(d), e->d_name, id, know_self ? &self : NULL, &out);
    closedir(d);
    return strv_builder_steal(&out);
}

int bwrap_store_remove_entry(int dirfd, const char *where, const char *name,
                             struct ags_error *err)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return ags_error_set(err, -errno, "cannot look at '%s/%s': %m", where, name);
    /* Renamed first (onto a fresh empty directory: rename replaces it), so
     * that a removal cut short leaves no half entry under its name. */
    char aside[32];
    int r = S_ISDIR(st.st_mode) ? mkdir_temp_at(dirfd, aside, 0700) : -ENOTDIR;
    if (r < 0)
        return r == -ENOTDIR ? (unlinkat(dirfd, name, 0) == 0
                                        ? 0
                                        : ags_error_set(err, -errno, "cannot remove '%s/%s': %m",
                                                        where, name))
                             : ags_error_set(err, r, "cannot make a directory in '%s': %s",
                                             where, strerror(-r));
    if (renameat(dirfd, name, dirfd, aside) < 0) {
        r = ags_error_set(err, -errno, "cannot move '%s/%s' aside: %m", where, name);
        (void)unlinkat(dirfd, aside, AT_REMOVEDIR);
        return r;
    }
    _cleanup_free_ char *shown = xasprintf("%s/%s", where, name);
    return rmtree_at(dirfd, aside, shown, err);
}

void bwrap_store_drop_temp(int dirfd, const char *where, const char *tmp)
{
    struct stat st;
    if (fstatat(dirfd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0)
        (void)!bwrap_store_remove_entry(dirfd, where, tmp, NULL);
}

int bwrap_store_begin_entry(int dirfd, const char *where, char tmp[static 32], int *ret_fd,
                            struct ags_error *err)
{
    int r = mkdir_temp_at(dirfd, tmp, 0700);
    if (r < 0)
        return ags_error_set(err, r, "cannot make a directory in '%s': %s", where, strerror(-r));
    r = open_dir_below(dirfd, where, tmp, 0, false, ret_fd, err);
    if (r < 0)
        (void)unlinkat(dirfd, tmp, AT_REMOVEDIR);
    return r;
}
