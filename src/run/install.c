/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags install: what is in place now, and writing the items and the manifest. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/sha256.h"
#include "run/install.h"
#include "base/banned.h"

#define INSTALLED_MAX (512u * 1024u * 1024u) /* a file install wrote: the binary at most */
#define MANIFEST_MAX  (16u * 1024u * 1024u)

char *run_install_manifest_path(const char *home)
{
    return xasprintf("%s/.local/share/ags/install-manifest", home);
}

int run_install_manifest_load(const char *home, struct run_manifest *ret, struct ags_error *err)
{
    *ret = (struct run_manifest){0};
    _cleanup_free_ char *path = run_install_manifest_path(home);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    struct stat st;
    int r = read_regular_file_at(AT_FDCWD, path, path, MANIFEST_MAX, &text, &len, &st, err);
    if (r == -ENOENT) {
        ags_error_clear(err);
        return 0;
    }
    if (r < 0)
        return r;
    /* What it lists is removed and replaced: only the caller's own list counts. */
    if (st.st_uid != geteuid())
        return ags_error_set(err, -EPERM, "'%s' belongs to uid %u, not to you (uid %u): ags "
                             "install and uninstall work only from your own manifest",
                             path, (unsigned)st.st_uid, (unsigned)geteuid());
    if (strlen(text) != len)
        return ags_error_set(err, -EINVAL, "'%s' contains a NUL byte", path);
    return run_manifest_parse(text, path, ret, err);
}

/* The sha256 of the regular file at path (never through a symlink). */
static int file_digest(const char *path, char out[SHA256_HEX_SIZE], struct ags_error *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    int r = read_regular_file_at(AT_FDCWD, path, path, INSTALLED_MAX, &data, &len, NULL, err);
    if (r < 0)
        return r;
    sha256_hex(data, len, out);
    return 0;
}

static bool link_points_to(const char *path, const char *target)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0)
        return false;
    buf[n] = '\0';
    return strcmp(buf, target) == 0;
}

/* Whether path is now what the entry says install left there. */
int run_install_entry_matches(const char *path, const struct stat *st,
                              const struct run_manifest_entry *e, bool *ret, struct ags_error *err)
{
    *ret = false;
    if (!e)
        return 0;
    if (e->kind == RUN_MANIFEST_LINK) {
        *ret = S_ISLNK(st->st_mode) && link_points_to(path, e->value);
        return 0;
    }
    if (e->kind != RUN_MANIFEST_FILE || !S_ISREG(st->st_mode))
        return 0;
    char digest[SHA256_HEX_SIZE];
    int r = file_digest(path, digest, err);
    *ret = r == 0 && strcmp(digest, e->value) == 0 && (st->st_mode & 07777) == e->mode;
    return r;
}

static int matches_item(const char *path, const struct stat *st,
                        const struct run_install_item *it, bool *ret, struct ags_error *err)
{
    *ret = false;
    if (it->link_target) {
        *ret = S_ISLNK(st->st_mode) && link_points_to(path, it->link_target);
        return 0;
    }
    if (!S_ISREG(st->st_mode) || (st->st_mode & 07777) != it->mode)
        return 0;
    char now[SHA256_HEX_SIZE], want[SHA256_HEX_SIZE];
    int r = file_digest(path, now, err);
    if (r < 0)
        return r;
    sha256_hex(it->data, it->len, want);
    *ret = strcmp(now, want) == 0;
    return 0;
}

int run_install_state_of(const char *home, const struct run_install_item *it,
                         const struct run_manifest *m, enum run_install_state *ret,
                         struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/.local/%s", home, it->rel);
    struct stat st;
    if (lstat(path, &st) < 0) {
        *ret = RUN_INSTALL_NEW;
        return errno == ENOENT ? 0 : ags_error_set(err, -errno, "cannot inspect '%s': %m", path);
    }
    if (S_ISDIR(st.st_mode)) {
        *ret = RUN_INSTALL_DIRECTORY;
        return 0;
    }
    bool ours = false, same = false;
    int r = run_install_entry_matches(path, &st, run_manifest_find(m, path), &ours, err);
    if (r == 0 && ours)
        r = matches_item(path, &st, it, &same, err);
    if (r < 0)
        return r;
    *ret = !ours ? RUN_INSTALL_FOREIGN : same ? RUN_INSTALL_SAME : RUN_INSTALL_OURS;
    return 0;
}

static int make_dir(const char *path, struct run_manifest *m, struct ags_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : ags_error_set(err, -ENOTDIR, "'%s' is not a directory",
                                                       path);
    if (errno != ENOENT)
        return ags_error_set(err, -errno, "cannot inspect '%s': %m", path);
    if (mkdir(path, 0755) < 0)
        return ags_error_set(err, -errno, "cannot create '%s': %m", path);
    run_manifest_add(m, RUN_MANIFEST_DIR, path, NULL, 0);
    return 0;
}

/* Creates the missing directories of ~/.local/<rel>'s parent, one component at
 * a time, and lists each one it created in m (parents first). */
static int make_parents(const char *home, const char *rel, struct run_manifest *m,
                        struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/.local/%s", home, rel);
    char *last = strrchr(path, '/');
    /* From ~/.local down: $HOME itself is never install's to create. */
    for (char *p = path + strlen(home) + strlen("/.local"); p && p <= last;
         p = strchr(p + 1, '/')) {
        *p = '\0';
        int r = make_dir(path, m, err);
        *p = '/';
        if (r < 0)
            return r;
    }
    return 0;
}

/* A symlink put in place by rename, so that it replaces what was there. */
static int write_link(const char *path, const char *target, struct ags_error *err)
{
    _cleanup_free_ char *tmp = xasprintf("%s.ags-tmp-link", path);
    (void)unlink(tmp);
    if (symlink(target, tmp) < 0)
        return ags_error_set(err, -errno, "cannot create the symlink '%s': %m", tmp);
    if (rename(tmp, path) < 0) {
        int e = errno;
        (void)unlink(tmp);
        return ags_error_set(err, -e, "cannot put the symlink at '%s': %s", path, strerror(e));
    }
    return 0;
}

static int write_item(const char *home, const struct run_install_item *it,
                      enum run_install_state state, struct run_manifest *m, struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/.local/%s", home, it->rel);
    if (state == RUN_INSTALL_DIRECTORY)
        return ags_error_set(err, -EISDIR, "'%s' is a directory; ags install does not replace "
                             "a directory: move it away and run again", path);
    int r = make_parents(home, it->rel, m, err);
    if (r == 0 && state != RUN_INSTALL_SAME)
        r = it->link_target ? write_link(path, it->link_target, err)
                            : write_file_atomic(path, it->data, it->len, it->mode, err);
    if (r < 0)
        return r;
    if (it->link_target) {
        run_manifest_add(m, RUN_MANIFEST_LINK, path, it->link_target, 0);
    } else {
        char digest[SHA256_HEX_SIZE];
        sha256_hex(it->data, it->len, digest);
        run_manifest_add(m, RUN_MANIFEST_FILE, path, digest, it->mode);
    }
    return 0;
}

/* The manifest is written after every item and again on a failure, so that
 * what was written is always listed for uninstall. */
static int write_manifest(const char *home, struct run_manifest *m, struct ags_error *err)
{
    int r = make_parents(home, "share/ags/install-manifest", m, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *path = run_install_manifest_path(home);
    _cleanup_free_ char *text = run_manifest_render(m);
    return write_file_atomic(path, text, strlen(text), 0644, err);
}

int run_install_write(const char *home, const struct run_install_items *items,
                      const enum run_install_state *states, struct run_manifest *m,
                      struct ags_error *err)
{
    if (strpbrk(home, "\t\n"))
        return ags_error_set(err, -EINVAL, "$HOME contains a tab or a newline; ags install "
                             "cannot list its paths in the manifest");
    int r = 0;
    for (size_t i = 0; i < items->n && r == 0; i++)
        r = write_item(home, &items->v[i], states[i], m, err);
    if (r < 0) {
        (void)write_manifest(home, m, NULL);
        return r;
    }
    return write_manifest(home, m, err);
}
