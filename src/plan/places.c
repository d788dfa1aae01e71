/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Places a sandbox never reaches (docs/security.md, "Places ags never
 * mounts"): /, $HOME and its ancestors, ags's own config, state, cache and
 * runtime directories and anything containing them.  The workspace and
 * --add-dir are refused there; git metadata there is left out with a note.
 * Also the git metadata mounts: read-write outside lockdown, read-only in
 * lockdown, where a git dir inside the workdir gets its config and hooks/
 * mounted read-only over the writable workdir.
 */
#include "plan/plan.h"

#include <string.h>

#include "base/alloc.h"
#include "plan/internal.h"
#include "base/banned.h"

bool plan_git_head_valid(const char *text)
{
    size_t n = strcspn(text, "\n");
    if (text[n] == '\n' && text[n + 1] != '\0')
        return false;
    if (strncmp(text, "ref:", 4) == 0) {
        const char *r = text + 4 + strspn(text + 4, " \t");
        return strncmp(r, "refs/", 5) == 0 && (size_t)(r - text) + 5 < n;
    }
    if (n != 40 && n != 64)
        return false;
    return strspn(text, "0123456789abcdef") == n;
}

/* path is, contains, or (unless allowed) lies inside ags's directory d. */
static char *own_dir_refusal(const struct plan_own_dir *d, const char *path)
{
    if (path_under(d->path, path))
        return xasprintf("it %s ags's %s directory %s",
                         strcmp(d->path, path) == 0 ? "is" : "contains", d->what, d->path);
    if (!d->inside_ok && path_under(path, d->path))
        return xasprintf("it is inside ags's %s directory %s", d->what, d->path);
    return NULL;
}

char *plan_refusal(const struct plan_host *h, const char *path)
{
    if (strcmp(path, "/") == 0)
        return xstrdup("it is the root directory");
    if (h->home && strcmp(path, h->home) == 0)
        return xstrdup("it is your home directory");
    if (h->home && path_under(h->home, path))
        return xasprintf("it contains your home directory %s", h->home);
    for (size_t i = 0; i < h->n_own_dirs; i++) {
        char *why = own_dir_refusal(&h->own_dirs[i], path);
        if (why)
            return why;
    }
    return NULL;
}

char *plan_socket_refusal(const struct plan_host *h, const char *path)
{
    for (size_t i = 0; i < h->n_own_dirs; i++) {
        char *why = h->own_dirs[i].sockets ? own_dir_refusal(&h->own_dirs[i], path) : NULL;
        if (why)
            return why;
    }
    return NULL;
}

static bool same_dir(const struct plan_dir_id *a, const struct plan_dir_id *b)
{
    return a->dev == b->dev && a->ino == b->ino;
}

static bool in_chain(const struct plan_dir_id *id, const struct plan_dir_id *chain, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (same_dir(id, &chain[i]))
            return true;
    return false;
}

/* The workspace by identity: it is, or contains, a place never mounted, or
 * lies inside one that allows nothing inside. */
static char *refusal_by_identity(const struct plan_host *h)
{
    if (h->n_cwd_chain == 0)
        return NULL;
    for (size_t i = 0; i < h->n_places; i++) {
        const struct plan_place_id *p = &h->places[i];
        if (p->n_chain == 0)
            continue;
        if (in_chain(&h->cwd_chain[0], p->chain, p->n_chain))
            return xasprintf("it %s %s %s (the same directory under another name)",
                             same_dir(&h->cwd_chain[0], &p->chain[0]) ? "is" : "contains",
                             p->what, p->path);
        if (!p->inside_ok && in_chain(&p->chain[0], h->cwd_chain, h->n_cwd_chain))
            return xasprintf("it is inside %s %s (the same directory under another name)",
                             p->what, p->path);
    }
    return NULL;
}

int plan_check_workspace(struct plan_builder *b)
{
    const char *cwd = b->in->host.cwd;
    _cleanup_free_ char *why = plan_refusal(&b->in->host, cwd);
    if (!why)
        why = refusal_by_identity(&b->in->host);
    if (!why)
        return 0;
    return ags_error_set(b->err, -EINVAL,
                         "refusing to use %s as the workspace: %s; cd into a project directory",
                         cwd, why);
}

/* Lockdown: a .git inside the workdir is writable through it, and git on the
 * host runs what .git/config, .git/config.worktree (with
 * extensions.worktreeConfig) and .git/hooks/ name (core.fsmonitor,
 * core.hooksPath, aliases, post-checkout ...), what a submodule's config in
 * .git/modules/ names (`git status` descends into submodules), follows what
 * a linked worktree's .git/worktrees/<name>/commondir names, and follows a
 * .git file.  A .git file goes read-only; a .git directory is mounted on
 * itself (a mount point cannot be renamed away and replaced) with those
 * read-only on top; config, config.worktree and hooks/ are created empty
 * first when missing so that the agent cannot create them.  objects/ and
 * refs/ of an accepted git directory are pinned too (writable): without them
 * .git is no repository and the host's git would take the next directory up
 * that looks like one, e.g. the workspace root made bare-shaped by the agent.
 * What a mount cannot keep (a new .git/commondir, HEAD) run/gitdirs.c
 * checks after the run. */
struct git_member {
    const char *name;
    bool dir, create, read_only;
    bool repo_only; /* only in an accepted git directory (it exists) */
};

static const struct git_member git_members[] = {
    {"config", false, true, true, false},
    {"config.worktree", false, true, true, false},
    {"hooks", true, true, true, false},
    {"modules", true, false, true, false},
    {"worktrees", true, false, true, false},
    {"objects", true, false, false, true},
    {"refs", true, false, false, true},
};

static int add_git_member(struct plan_builder *b, const struct git_member *gm,
                          enum plan_git_entry e)
{
    const char *kind = gm->dir ? "directory" : "file";
    _cleanup_free_ char *path = xasprintf("%s/%s", b->in->host.dotgit, gm->name);
    if (e == PLAN_GIT_MISSING && !gm->create)
        return 0;
    if (e == PLAN_GIT_ODD || e == (gm->dir ? PLAN_GIT_FILE : PLAN_GIT_DIR))
        return ags_error_set(b->err, -EINVAL,
                             "--lockdown: %s is not a plain %s (a symlink?): git on your host "
                             "uses what it names, and the agent could change it; inspect it and "
                             "replace it by a plain %s, then run again",
                             path, kind, kind);
    struct plan_mount *m = plan_add_mount(
            b, PLAN_MOUNT_BIND, path, path, gm->read_only,
            gm->read_only ? xasprintf("lockdown: git %s read-only (git on your host uses it)",
                                      gm->name)
                          : xasprintf("lockdown: git %s pinned (git on your host needs it)",
                                      gm->name));
    if (e == PLAN_GIT_MISSING)
        m->create = gm->dir ? PLAN_CREATE_DIR : PLAN_CREATE_FILE;
    return 0;
}

static int protect_dotgit(struct plan_builder *b)
{
    const struct plan_host *h = &b->in->host;
    if (!h->dotgit || !path_under(h->dotgit, h->cwd))
        return 0; /* outside the workdir: not writable, or mounted read-only */
    if (h->dotgit_kind == PLAN_GIT_FILE) {
        plan_add_mount(b, PLAN_MOUNT_BIND, h->dotgit, h->dotgit, true,
                       xstrdup("lockdown: .git file read-only (git on your host follows it)"));
        return 0;
    }
    if (h->dotgit_kind != PLAN_GIT_DIR)
        return 0; /* a symlink or FIFO: git discovery said why in a note */
    plan_add_mount(b, PLAN_MOUNT_BIND, h->dotgit, h->dotgit, false,
                   xstrdup("lockdown: .git pinned (a mount point cannot be replaced)"));
    /* gitdirs.c accepted it: HEAD, objects/ and refs/ are there, not symlinks */
    bool repo = h->git_dir && strcmp(h->git_dir, h->dotgit) == 0;
    const enum plan_git_entry seen[ARRAY_SIZE(git_members)] = {
        h->dotgit_config,  h->dotgit_config_worktree, h->dotgit_hooks, h->dotgit_modules,
        h->dotgit_worktrees, PLAN_GIT_DIR,            PLAN_GIT_DIR};
    for (size_t i = 0; i < ARRAY_SIZE(git_members); i++) {
        if (git_members[i].repo_only && !repo)
            continue;
        int r = add_git_member(b, &git_members[i], seen[i]);
        if (r < 0)
            return r;
    }
    return 0;
}

/* Git metadata names directories the agent of an earlier run may have
 * written: besides the places never mounted, it may not lead to another
 * agent's home or any configured mount source (at, below or above one),
 * which this run would then get read-write, or at all. */
static char *git_refusal(const struct plan_builder *b, const char *path)
{
    char *why = plan_refusal(&b->in->host, path);
    const struct ags_config *cfg = b->in->cfg;
    if (path_under(path, b->in->host.cwd))
        return why; /* the workdir's own .git: mounted with it anyway */
    for (size_t i = 0; !why && i < cfg->n_mounts; i++) {
        const struct cfg_mount *m = &cfg->mounts[i];
        if (m->host.v && (path_under(path, m->host.v) || path_under(m->host.v, path)))
            why = xasprintf("it is at or below the host path of a configured mount, or contains "
                            "it: %s (%s)",
                            m->host.v, m->source.v ? m->source.v : "mount");
    }
    return why;
}

/* Git metadata outside the workdir (linked worktrees, submodules, launches in
 * a subdirectory), at the same path: read-write so that commits work, or
 * read-only in lockdown.  The common dir comes first: a worktree's own git
 * dir lies inside it and is covered.  Only what run/gitdirs.c accepted
 * arrives here; a place ags never mounts is left out with a note. */
int plan_add_git_dirs(struct plan_builder *b)
{
    const struct plan_host *h = &b->in->host;
    bool lockdown = b->in->flags.lockdown;
    const char *cand[2] = {h->git_common_dir, h->git_dir};
    const char *what[2] = {"common dir", "git dir"};
    bool refused = false;
    if (h->git_note)
        plan_note(b, "%s", h->git_note);
    for (size_t i = 0; i < 2 && !refused; i++) {
        _cleanup_free_ char *why = cand[i] ? git_refusal(b, cand[i]) : NULL;
        if (why)
            plan_note(b, "git metadata %s (%s) not mounted: %s", cand[i], what[i], why);
        refused = why != NULL;
    }
    const char *added = NULL;
    for (size_t i = 0; i < 2 && !refused; i++) {
        const char *d = cand[i];
        if (!d || d[0] != '/' || path_under(d, h->cwd))
            continue;
        if (added && path_under(d, added))
            continue;
        plan_add_mount(b, PLAN_MOUNT_BIND, d, d, lockdown,
                       xasprintf("git metadata (%s%s)", what[i],
                                 lockdown ? "; read-only in lockdown" : ""));
        added = d;
    }
    return lockdown ? protect_dotgit(b) : 0;
}
