/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags uninstall: removes what the install manifest lists, and only that. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strutil.h"
#include "run/install.h"
#include "run/internal.h"
#include "base/banned.h"

struct removal {
    const char *home;
    bool force;
    run_uninstall_kept_fn *kept;
    void *userdata;
    struct run_uninstall_result *res;
    struct run_manifest left; /* what stays listed */
};

static void keep(struct removal *rm, const struct run_manifest_entry *e, const char *why)
{
    rm->res->kept++;
    run_manifest_add(&rm->left, e->kind, e->path, e->value, e->mode);
    if (rm->kept)
        rm->kept(e->path, why, rm->userdata);
}

/* What install writes below ~/.local ("share/ags/" and all below it), and
 * for a directory entry the directories above those. */
static const char *const install_places[] = {
    "bin/ags",
    RUN_HELPER_REL,
    "share/ags/",
    "share/bash-completion/completions/ags",
    "share/zsh/site-functions/_ags",
    "share/fish/vendor_completions.d/ags.fish",
};

static bool install_place(const char *rel, bool dir)
{
    size_t n = strlen(rel);
    for (size_t i = 0; i < ARRAY_SIZE(install_places); i++) {
        const char *p = install_places[i];
        size_t k = strlen(p);
        if (strcmp(rel, p) == 0)
            return true; /* the file itself */
        if (p[k - 1] == '/' && n > k && strncmp(rel, p, k) == 0)
            return true; /* below share/ags/ */
        if (dir && k > n && strncmp(p, rel, n) == 0 && p[n] == '/')
            return true; /* a directory above one of them */
    }
    return false;
}

/* No directory between ~/.local and path is a symlink: what install made
 * there were directories, and a link would lead the removal elsewhere. */
static bool no_link_on_the_way(const char *local, const char *path)
{
    _cleanup_free_ char *p = xstrdup(path);
    for (char *slash = p + strlen(local) + 1; (slash = strchr(slash, '/')); slash++) {
        *slash = '\0';
        struct stat st;
        bool dir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
        *slash = '/';
        if (!dir)
            return false;
    }
    return true;
}

/* Where install writes: a manifest naming anything else was not written by
 * it (a manifest is a file of the user's, but what it may make uninstall
 * remove stays within what install writes). */
static bool below_local(const struct removal *rm, const char *path, bool dir)
{
    _cleanup_free_ char *local = xasprintf("%s/.local", rm->home);
    if (!run_install_path_plain(path) || !path_under(path, local))
        return false;
    if (strcmp(path, local) == 0)
        return dir; /* ~/.local itself, when install made it */
    return install_place(path + strlen(local) + 1, dir) && no_link_on_the_way(local, path);
}

/* A file or link: removed only while it is as install left it. */
static void remove_entry(struct removal *rm, const struct run_manifest_entry *e)
{
    if (!below_local(rm, e->path, false)) {
        keep(rm, e, "not a place below ~/.local where ags install writes");
        return;
    }
    struct stat st;
    if (lstat(e->path, &st) < 0) {
        if (errno == ENOENT)
            rm->res->absent++;
        else
            keep(rm, e, strerror(errno));
        return;
    }
    bool same = false;
    struct ags_error err = {0};
    int r = run_install_entry_matches(e->path, &st, e, &same, &err);
    if (r < 0 && !rm->force) {
        keep(rm, e, err.msg);
        return;
    }
    if (!same && !rm->force) {
        keep(rm, e, "changed since ags install wrote it (--force removes it anyway)");
        return;
    }
    if (unlink(e->path) < 0)
        keep(rm, e, strerror(errno));
    else
        rm->res->removed++;
}

/* Directories last and deepest first (install listed parents first); one
 * that holds something else stays, silently, listed again in install's order. */
static void remove_dirs(struct removal *rm, const struct run_manifest *m)
{
    _cleanup_free_ bool *stays = xcalloc(m->n + 1, sizeof(*stays));
    for (size_t i = m->n; i-- > 0;) {
        if (m->v[i].kind != RUN_MANIFEST_DIR || !below_local(rm, m->v[i].path, true))
            continue;
        if (rmdir(m->v[i].path) == 0)
            rm->res->removed++;
        else if (errno == ENOENT)
            rm->res->absent++;
        else
            stays[i] = true;
    }
    for (size_t i = 0; i < m->n; i++)
        if (stays[i])
            run_manifest_add(&rm->left, RUN_MANIFEST_DIR, m->v[i].path, NULL, 0);
}

/* Nothing kept: the manifest goes before the directories (it is in one of
 * them); else it lists what is left, so that a later uninstall finds it. */
static int drop_manifest(const char *home, struct ags_error *err)
{
    _cleanup_free_ char *path = run_install_manifest_path(home);
    if (unlink(path) < 0 && errno != ENOENT)
        return ags_error_set(err, -errno, "cannot remove '%s': %m", path);
    return 0;
}

static int rewrite_manifest(const char *home, const struct run_manifest *left,
                            struct ags_error *err)
{
    _cleanup_free_ char *path = run_install_manifest_path(home);
    _cleanup_free_ char *text = run_manifest_render(left);
    return write_file_atomic(path, text, strlen(text), 0644, err);
}

int run_uninstall(const char *home, bool force, run_uninstall_kept_fn *kept, void *userdata,
                  struct run_uninstall_result *ret, struct ags_error *err)
{
    *ret = (struct run_uninstall_result){0};
    struct run_manifest m;
    int r = run_install_manifest_load(home, &m, err);
    if (r < 0)
        return r;
    _cleanup_free_ char *path = run_install_manifest_path(home);
    if (access(path, F_OK) < 0) {
        run_manifest_done(&m);
        return ags_error_set(err, -ENOENT, "no install manifest at '%s': ags install has "
                             "written nothing here", path);
    }
    struct removal rm = {.home = home, .force = force, .kept = kept, .userdata = userdata,
                         .res = ret};
    for (size_t i = 0; i < m.n; i++)
        if (m.v[i].kind != RUN_MANIFEST_DIR)
            remove_entry(&rm, &m.v[i]);
    r = ret->kept == 0 ? drop_manifest(home, err) : 0;
    if (r == 0)
        remove_dirs(&rm, &m);
    if (r == 0 && ret->kept > 0)
        r = rewrite_manifest(home, &rm.left, err);
    run_manifest_done(&m);
    run_manifest_done(&rm.left);
    return r;
}
