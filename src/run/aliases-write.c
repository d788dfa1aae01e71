/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where create-aliases writes: wrappers in a bin directory, the rc file. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/aliases.h"
#include "base/banned.h"

/* A wrapper is a few lines; an rc file a few KiB.  Bigger is not ours to edit. */
#define WRAPPER_MAX (64u * 1024u)
#define RC_MAX      (4u * 1024u * 1024u)

static int open_bindir(const char *bindir, struct ags_error *err)
{
    int r = mkdir_parents(bindir, 0755, err);
    if (r < 0)
        return r;
    int fd = open(bindir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : ags_error_set(err, -errno, "cannot open directory '%s': %m", bindir);
}

/* What is at name now decides whether ags may write it. */
static int classify(int dfd, const char *bindir, const char *name, const char *text, bool force,
                    enum run_alias_outcome *ret, struct ags_error *err)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno != ENOENT)
            return ags_error_set(err, -errno, "cannot inspect '%s/%s': %m", bindir, name);
        *ret = RUN_ALIAS_WRITTEN;
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        *ret = RUN_ALIAS_SKIPPED_DIR;
        return 0;
    }
    if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode)) {
        *ret = force ? RUN_ALIAS_WRITTEN : RUN_ALIAS_SKIPPED_SYMLINK;
        return 0;
    }
    _cleanup_free_ char *shown = xasprintf("%s/%s", bindir, name);
    _cleanup_free_ char *old = NULL;
    size_t len = 0;
    int r = read_regular_file_at(dfd, name, shown, WRAPPER_MAX, &old, &len, NULL, err);
    if (r == -EFBIG) { /* not a wrapper of ours */
        ags_error_clear(err);
        *ret = force ? RUN_ALIAS_WRITTEN : RUN_ALIAS_SKIPPED_FOREIGN;
        return 0;
    }
    if (r < 0)
        return r;
    if (strlen(old) == len && strcmp(old, text) == 0 && (st.st_mode & 07777) == 0755)
        *ret = RUN_ALIAS_UNCHANGED;
    else if (force || (strlen(old) == len && run_alias_is_managed(old)))
        *ret = RUN_ALIAS_WRITTEN;
    else
        *ret = RUN_ALIAS_SKIPPED_FOREIGN;
    return 0;
}

int run_alias_write_wrapper(const char *bindir, const struct run_alias *a, bool force,
                            enum run_alias_outcome *ret, struct ags_error *err)
{
    if (!run_alias_name_valid(a->name))
        return ags_error_set(err, -EINVAL, "'%s' cannot name a wrapper", a->name);
    _cleanup_close_ int dfd = open_bindir(bindir, err);
    if (dfd < 0)
        return dfd;
    _cleanup_free_ char *text = run_alias_wrapper_text(a->command);
    int r = classify(dfd, bindir, a->name, text, force, ret, err);
    if (r < 0 || *ret != RUN_ALIAS_WRITTEN)
        return r;
    return write_file_atomic_at(dfd, bindir, a->name, text, strlen(text), 0755, err);
}

/* The file to edit: where a symlinked rc file points, else path itself. */
static int rc_target(const char *path, char **ret, unsigned *ret_mode, struct ags_error *err)
{
    struct stat st;
    *ret_mode = 0644;
    if (lstat(path, &st) < 0) {
        if (errno != ENOENT)
            return ags_error_set(err, -errno, "cannot inspect '%s': %m", path);
        *ret = xstrdup(path);
        return 0;
    }
    _cleanup_free_ char *real = realpath(path, NULL);
    if (!real || stat(real, &st) < 0)
        return ags_error_set(err, -errno, "cannot resolve '%s': %m", path);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "'%s' is not a regular file; ags edits only files",
                             path);
    *ret_mode = st.st_mode & 07777;
    *ret = TAKE_PTR(real);
    return 0;
}

static int read_rc(const char *path, char **ret, struct ags_error *err)
{
    size_t len = 0;
    int r = read_regular_file_at(AT_FDCWD, path, path, RC_MAX, ret, &len, NULL, err);
    if (r == -ENOENT) {
        ags_error_clear(err);
        *ret = xstrdup("");
        return 0;
    }
    if (r == 0 && strlen(*ret) != len) {
        free(TAKE_PTR(*ret));
        return ags_error_set(err, -EINVAL, "'%s' contains a NUL byte; ags does not edit it", path);
    }
    return r;
}

static int ensure_parent(const char *path, struct ags_error *err)
{
    _cleanup_free_ char *dir = xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    return mkdir_parents(dir, 0755, err);
}

int run_alias_write_rc(const char *path, const struct run_alias *v, size_t n, bool fish,
                       bool *ret_changed, struct ags_error *err)
{
    unsigned mode = 0644;
    _cleanup_free_ char *target = NULL, *old = NULL, *new = NULL;
    _cleanup_free_ char *block = run_alias_block(v, n, fish);
    int r = rc_target(path, &target, &mode, err);
    if (r == 0)
        r = read_rc(target, &old, err);
    if (r == 0)
        r = run_alias_rc_update(old, block, target, &new, err);
    if (r < 0)
        return r;
    *ret_changed = strcmp(old, new) != 0;
    if (!*ret_changed)
        return 0;
    r = ensure_parent(target, err);
    return r < 0 ? r : write_file_atomic(target, new, strlen(new), mode, err);
}
