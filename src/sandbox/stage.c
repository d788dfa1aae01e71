/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sandbox/stage.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/procid.h"
#include "base/banned.h"

/* What survives at the top level of a staged agent home (ags-behaviour.md §6).
 * History, sessions and transcripts are left behind on purpose. */
static const char *const keep_files[] = {
    "auth.json", "config.json", "config.toml", "credentials.json", "models.json",
    "settings.json", "settings.local.json", NULL,
};
static const char *const keep_files_claude[] = {
    ".credentials.json", ".mcp.json", "CLAUDE.md", "keybindings.json", NULL,
};
static const char *const keep_dirs[] = {
    "agent", "commands", "extensions", "packages", "plugins", "prompts", "skills", "templates",
    "themes", NULL,
};
static const char *const keep_dirs_claude[] = {"agents", "mcp", "shared", "teams", "tools", NULL};

struct copy_ctx {
    unsigned long long bytes;
    struct ags_error *err;
};

static bool listed(const char *name, const char *const *a, const char *const *b)
{
    for (size_t i = 0; a[i]; i++)
        if (strcmp(a[i], name) == 0)
            return true;
    for (size_t i = 0; b && b[i]; i++)
        if (strcmp(b[i], name) == 0)
            return true;
    return false;
}

/* The owner file at the staging root (never mounted: only subdirectories
 * are): who made it, for stage_sweep (base/procid.h). */
#define STAGE_OWNER_FILE "owner"

int stage_make_dir(char *template_path, struct ags_error *err)
{
    if (!mkdtemp(template_path))
        return ags_error_set(err, -errno, "cannot create the lockdown staging directory '%s': %m",
                             template_path);
    struct procid self;
    if (procid_self(&self, NULL) < 0)
        return 0; /* no proof of ownership: the sweep keeps it; the run still removes it */
    char text[PROCID_MAX_TEXT];
    procid_format(&self, text, sizeof(text));
    _cleanup_free_ char *path = xasprintf("%s/" STAGE_OWNER_FILE, template_path);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                  0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        int r = ags_error_set(err, -errno, "cannot write '%s': %m", path);
        (void)unlink(path);
        (void)rmdir(template_path);
        return r;
    }
    return 0;
}

static int copy_file(int src_dir, const char *name, const char *dst, const struct stat *st,
                     struct copy_ctx *cx)
{
    cx->bytes += (unsigned long long)st->st_size;
    if (cx->bytes > STAGE_MAX_BYTES)
        return ags_error_set(cx->err, -EFBIG, "the agent home is larger than %llu MiB; not "
                                              "staging it for --lockdown", STAGE_MAX_BYTES >> 20);
    _cleanup_close_ int in = openat(src_dir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0)
        return ags_error_set(cx->err, -errno, "cannot read '%s' for staging: %m", name);
    _cleanup_close_ int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                   st->st_mode & 0777);
    if (out < 0)
        return ags_error_set(cx->err, -errno, "cannot create '%s': %m", dst);
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(cx->err, -errno, "reading '%s': %m", name);
        if (n == 0)
            return 0;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return ags_error_set(cx->err, -errno, "writing '%s': %m", dst);
            off += w;
        }
    }
}

/* Copies directory fd src into dst (created), dropping symlinks and anything
 * that is neither a file nor a directory.  top: apply the agent allowlists. */
static int copy_dir(int src, const char *dst, mode_t mode, const struct ags_plan *p, bool top,
                    unsigned depth, struct copy_ctx *cx)
{
    if (depth > STAGE_MAX_DEPTH)
        return ags_error_set(cx->err, -ELOOP, "'%s' is nested too deeply to stage", dst);
    int r = mkdir_parents(dst, mode & 0777, cx->err);
    if (r < 0)
        return r;
    int dfd = dup(src);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            (void)close(dfd);
        return ags_error_set(cx->err, -errno, "cannot list '%s': %m", dst);
    }
    bool claude = p->agent == PLAN_AGENT_CLAUDE;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        _cleanup_free_ char *to = xasprintf("%s/%s", dst, de->d_name);
        if (S_ISREG(st.st_mode)) {
            if (!top || listed(de->d_name, keep_files, claude ? keep_files_claude : NULL))
                r = copy_file(src, de->d_name, to, &st, cx);
        } else if (S_ISDIR(st.st_mode)) {
            if (top && !listed(de->d_name, keep_dirs, claude ? keep_dirs_claude : NULL))
                continue;
            _cleanup_close_ int sub =
                    openat(src, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (sub < 0)
                continue;
            r = copy_dir(sub, to, st.st_mode, p, false, depth + 1, cx);
        } /* symlinks, sockets, devices: never staged */
    }
    closedir(d);
    return r;
}

static int stage_one(const struct ags_plan *p, const struct plan_mount *m, struct copy_ctx *cx)
{
    struct stat st;
    if (lstat(m->stage_from, &st) < 0)
        return ags_error_set(cx->err, -errno, "cannot stage '%s' for --lockdown: %m",
                             m->stage_from);
    if (S_ISREG(st.st_mode)) {
        _cleanup_free_ char *dir = xstrdup(m->source);
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            int r = mkdir_parents(dir, 0700, cx->err);
            if (r < 0)
                return r;
        }
        return copy_file(AT_FDCWD, m->stage_from, m->source, &st, cx);
    }
    if (!S_ISDIR(st.st_mode))
        return ags_error_set(cx->err, -EINVAL, "'%s' is neither a file nor a directory; "
                                               "--lockdown stages only those", m->stage_from);
    _cleanup_close_ int fd = open(m->stage_from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(cx->err, -errno, "cannot open '%s': %m", m->stage_from);
    return copy_dir(fd, m->source, st.st_mode, p, true, 0, cx);
}

int stage_lockdown(const struct ags_plan *p, const char *staging_dir, struct ags_error *err)
{
    size_t n = strlen(staging_dir);
    struct copy_ctx cx = {.err = err};
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        int r = 0;
        if (m->stage_from)
            r = stage_one(p, m, &cx);
        else if (strncmp(m->source, staging_dir, n) == 0 && m->source[n] == '/')
            r = mkdir_parents(m->source, 0755, err); /* e.g. the fresh claude hook directory */
        if (r < 0)
            return r;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    int r = flag == FTW_DP ? rmdir(path) : unlink(path);
    return r < 0 && errno != ENOENT ? -1 : 0;
}

int stage_remove_tree(const char *path, struct ags_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0 && errno == ENOENT)
        return 0;
    if (nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        return ags_error_set(err, -errno, "cannot remove '%s': %m", path);
    return 0;
}

/* Whether the ags that made staging dir `name` (in dir) is proven gone: its
 * owner file, a regular file of ours, names a dead process.  Without one
 * (an older ags, or no /proc) nothing is proven. */
static bool staging_owner_dead(int dir, const char *name, const struct procid *self)
{
    _cleanup_free_ char *rel = xasprintf("%s/" STAGE_OWNER_FILE, name);
    _cleanup_close_ int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
                                                      O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid())
        return false;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (read_fd_bounded(fd, PROCID_MAX_TEXT, &text, &len, NULL) < 0)
        return false;
    return procid_text_state(text, self) == PROCID_DEAD;
}

int stage_sweep(const char *tmp_dir, size_t *ret_removed, struct ags_error *err)
{
    *ret_removed = 0;
    struct procid self;
    int r = procid_self(&self, err);
    if (r < 0)
        return r;
    _cleanup_close_ int fd = open(tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : ags_error_set(err, -errno, "cannot open '%s': %m", tmp_dir);
    DIR *d = fdopendir(fd);
    if (!d)
        return ags_error_set(err, -errno, "cannot read '%s': %m", tmp_dir);
    TAKE_FD(fd);
    struct dirent *e;
    while ((e = readdir(d)) && r == 0) {
        struct stat st;
        /* Only our own directories (never a symlink), of an ags proven gone. */
        if (strncmp(e->d_name, STAGE_PREFIX, strlen(STAGE_PREFIX)) != 0 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            continue;
        if (!staging_owner_dead(dirfd(d), e->d_name, &self))
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", tmp_dir, e->d_name);
        r = stage_remove_tree(path, err);
        if (r == 0)
            (*ret_removed)++;
    }
    closedir(d);
    return r;
}
