/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What of a work dir a remote engine gets (remote-upload.h, docs/remote.md
 * "What is uploaded").  The repository is anyone's: its git config must not
 * run code here (run/hostgit.h), its .agsignore is parsed by base/ignore.c,
 * and its tree is walked without following a symlink.
 */
#include "run/remote-upload.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/ignore.h"
#include "base/limits.h"
#include "base/strv.h"
#include "run/hostgit.h"
#include "base/banned.h"

void run_ws_list_done(struct run_ws_list *l)
{
    strv_free_n(l->paths, l->n);
    *l = (struct run_ws_list){0};
}

static int push(struct run_ws_list *l, char *owned, struct ags_error *err)
{
    if (l->n >= AGS_REMOTE_UPLOAD_MAX_ENTRIES) {
        free(owned);
        return ags_error_set(err, -E2BIG, "the workspace has more than %u entries",
                             AGS_REMOTE_UPLOAD_MAX_ENTRIES);
    }
    l->paths = xgrow(l->paths, &l->cap, l->n + 1, sizeof(*l->paths));
    l->paths[l->n++] = owned;
    return 0;
}

/* ---- the lists ---- */

/* A relative path of plain components: git never tracks another, but its
 * index is the repository's, so one that climbs out ("../x", "/etc/x",
 * "a//b") is not believed. */
static bool plain_relative(const char *p, size_t len)
{
    if (len == 0 || p[0] == '/')
        return false;
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        while (i + n < len && p[i + n] != '/')
            n++;
        if (n == 0 || (n == 1 && p[i] == '.') || (n == 2 && p[i] == '.' && p[i + 1] == '.'))
            return false;
        i += n + 1;
        if (i == len) /* a trailing '/' */
            return false;
    }
    return true;
}

/* One entry of `ls-files -z -t`: "<tag> <path>", the tag "?" for an
 * untracked file (which ignore may leave out), any other for one in the
 * index (always kept: a missing one would come back as a deletion). */
static int add_git_path(struct run_ws_list *l, const char *entry, size_t n,
                        struct ignore_list *ignore, struct ags_error *err)
{
    bool untracked = n >= 2 && entry[0] == '?';
    const char *path = entry + 2;
    size_t len = n >= 2 ? n - 2 : 0;
    if (n < 2 || entry[1] != ' ' || !plain_relative(path, len))
        return ags_error_set(err, -EINVAL, "git lists '%.*s' in %s, which is no plain relative "
                             "path; not uploaded",
                             (int)(n < 200 ? n : 200), entry,
                             untracked ? "the untracked files" : "the index");
    if (untracked && ignore_path(ignore, path, false))
        return 0;
    return push(l, xstrndup(path, len), err);
}

/* The tracked files and the untracked ones git does not ignore, in one
 * listing. */
static int git_paths(const char *dir, const char *(*getenv_fn)(const char *),
                     struct ignore_list *ignore, struct run_ws_list *l, struct ags_error *err)
{
    static const char *const args[] = {"ls-files", "-z", "-t", "--cached", "--others",
                                       "--exclude-standard", NULL};
    const struct run_host_git o = {.dir = dir, .repo = RUN_HOST_GIT_WORK_TREE, .in_fd = -1,
                                   .out_max = AGS_REMOTE_GIT_LIST_MAX, .getenv_fn = getenv_fn};
    _cleanup_free_ char *out = NULL;
    size_t len = 0;
    int r = run_host_git(&o, args, &out, &len, err);
    for (size_t pos = 0; r == 0 && pos < len && !ignore_exhausted(ignore);) {
        const char *nul = memchr(out + pos, '\0', len - pos);
        size_t end = nul ? (size_t)(nul - out) : len;
        r = add_git_path(l, out + pos, end - pos, ignore, err);
        pos = end + 1;
    }
    return r; /* an exhausted ignore: run_ws_list refuses the list */
}

/* Everything below rel (a directory of dir_fd's tree, "" for its top) that
 * ignore lets through (NULL: everything), directories included. */
static int walk(int dfd, const char *rel, unsigned depth, struct ignore_list *ignore,
                struct run_ws_list *l, struct ags_error *err)
{
    if (depth > AGS_REMOTE_UPLOAD_MAX_DEPTH) {
        (void)close(dfd);
        return ags_error_set(err, -ELOOP, "'%s' is nested more than %u directories deep", rel,
                             AGS_REMOTE_UPLOAD_MAX_DEPTH);
    }
    DIR *d = fdopendir(dfd);
    if (!d) {
        int e = -errno;
        (void)close(dfd);
        return ags_error_set(err, e, "cannot list '%s': %s", rel, strerror(-e));
    }
    int r = 0;
    for (;;) {
        errno = 0;
        /* Spent: run_ws_list refuses the list. */
        bool spent = ignore && ignore_exhausted(ignore);
        struct dirent *de = r == 0 && !spent ? readdir(d) : NULL;
        if (!de)
            break;
        const char *name = de->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            (!rel[0] && strcmp(name, ".git") == 0))
            continue;
        _cleanup_free_ char *path = rel[0] ? xasprintf("%s/%s", rel, name) : xstrdup(name);
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* gone meanwhile */
        bool is_dir = S_ISDIR(st.st_mode);
        if (ignore && ignore_path(ignore, path, is_dir))
            continue;
        r = push(l, xstrdup(path), err);
        if (r == 0 && is_dir) {
            int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            r = sub < 0 ? ags_error_set(err, -errno, "cannot open '%s': %m", path)
                        : walk(sub, path, depth + 1, ignore, l, err); /* takes sub */
        }
    }
    if (r == 0 && errno != 0)
        r = ags_error_set(err, -errno, "cannot list '%s': %m", rel);
    closedir(d);
    return r;
}

/* The whole git dir: every object, ref and config as it is. */
static int walk_git_dir(int wfd, struct run_ws_list *l, struct ags_error *err)
{
    int gfd = openat(wfd, ".git", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (gfd < 0)
        return ags_error_set(err, -errno, "cannot open .git: %m");
    int r = push(l, xstrdup(".git"), err);
    if (r < 0) {
        (void)close(gfd);
        return r;
    }
    return walk(gfd, ".git", 1, NULL, l, err);
}

static int read_agsignore(int wfd, const char *dir, struct ignore_list *ret,
                          struct ags_error *err)
{
    *ret = (struct ignore_list){0};
    _cleanup_free_ char *shown = xasprintf("%s/.agsignore", dir);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = read_regular_file_at(wfd, ".agsignore", shown, AGS_IGNORE_FILE_MAX, &text, &len,
                                 NULL, err);
    if (r == -ENOENT)
        return 0;
    return r < 0 ? r : ignore_parse(text, len, shown, ret, err);
}

/* By components: '/' sorts before every other byte, so what is below a
 * directory follows it at once ("a", "a/x", "a-b", not "a", "a-b", "a/x"),
 * and the tar writes each directory once, right before its contents. */
static int cmp_path(const void *a, const void *b)
{
    const unsigned char *x = *(const unsigned char *const *)a;
    const unsigned char *y = *(const unsigned char *const *)b;
    for (; *x && *x == *y; x++, y++)
        ;
    unsigned cx = *x == '/' ? 1u : *x, cy = *y == '/' ? 1u : *y;
    return (cx > cy) - (cx < cy);
}

/* Sorted, each path once (tracked and untracked lists never overlap, but
 * a path is cheap to check). */
static void sort_unique(struct run_ws_list *l)
{
    if (l->n < 2)
        return;
    qsort(l->paths, l->n, sizeof(*l->paths), cmp_path);
    size_t out = 1;
    for (size_t i = 1; i < l->n; i++) {
        if (strcmp(l->paths[i], l->paths[out - 1]) == 0)
            free(l->paths[i]);
        else
            l->paths[out++] = l->paths[i];
    }
    l->n = out;
}

static int git_kind(int wfd, const char *dir, bool *ret_git, struct ags_error *err)
{
    struct stat st;
    *ret_git = false;
    if (fstatat(wfd, ".git", &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? 0 : ags_error_set(err, -errno, "cannot stat %s/.git: %m", dir);
    if (!S_ISDIR(st.st_mode))
        return ags_error_set(err, -EINVAL,
                             "%s/.git is not a directory (a linked worktree or a submodule): "
                             "its repository lives elsewhere, which a remote engine cannot "
                             "reach; run ags in the main work tree, or use a local engine", dir);
    *ret_git = true;
    return 0;
}

int run_ws_list(const char *dir, const char *(*getenv_fn)(const char *name),
                struct run_ws_list *ret, struct ags_error *err)
{
    _cleanup_close_ int wfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (wfd < 0)
        return ags_error_set(err, -errno, "cannot open the work dir %s: %m", dir);
    struct run_ws_list l = {0};
    struct ignore_list ignore;
    int r = git_kind(wfd, dir, &l.git, err);
    if (r == 0)
        r = read_agsignore(wfd, dir, &ignore, err);
    if (r < 0)
        return r;
    if (l.git) {
        r = git_paths(dir, getenv_fn, &ignore, &l, err);
        if (r == 0)
            r = walk_git_dir(wfd, &l, err);
    } else {
        int dfd = fcntl(wfd, F_DUPFD_CLOEXEC, 3);
        r = dfd < 0 ? ags_error_set(err, -errno, "dup: %m") : walk(dfd, "", 0, &ignore, &l, err);
    }
    /* Past its budget every match was a miss: what it should have left out
     * would be uploaded. */
    if (r == 0 && ignore_exhausted(&ignore))
        r = ags_error_set(err, -E2BIG, "matching %s/.agsignore against the work dir took more "
                          "than %llu steps: its patterns are too costly for these paths (many "
                          "'*' and '**' against deep directories); simplify them",
                          dir, (unsigned long long)AGS_IGNORE_MATCH_STEPS);
    ignore_list_done(&ignore);
    if (r < 0) {
        run_ws_list_done(&l);
        return r;
    }
    sort_unique(&l);
    *ret = l;
    return 0;
}
