/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Git discovery (run/gitdirs.c) against real trees: what an agent could
 * have planted in an earlier run is never accepted, FIFOs never block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/gitdirs.h"
#include "run/stage.h"

struct tree {
    char root[64];
};

static void tree_init(struct tree *t)
{
    snprintf(t->root, sizeof(t->root), "/tmp/ags-test-git-XXXXXX");
    assert_non_null(mkdtemp(t->root));
    char *c = realpath(t->root, NULL); /* /tmp may be a symlink */
    assert_non_null(c);
    snprintf(t->root, sizeof(t->root), "%s", c);
    free(c);
}

static void tree_done(struct tree *t)
{
    struct ags_error err;
    assert_int_equal(stage_remove_tree(t->root, &err), 0);
}

static char *at(const struct tree *t, const char *rel)
{
    return xasprintf("%s/%s", t->root, rel);
}

static void put(const struct tree *t, const char *rel, const char *text)
{
    _cleanup_free_ char *path = at(t, rel);
    struct ags_error err;
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0644, &err), 0);
}

static void dir(const struct tree *t, const char *rel)
{
    _cleanup_free_ char *path = at(t, rel);
    struct ags_error err;
    assert_int_equal(mkdir_parents(path, 0755, &err), 0);
}

static void fifo(const struct tree *t, const char *rel)
{
    _cleanup_free_ char *path = at(t, rel);
    assert_int_equal(mkfifo(path, 0600), 0);
}

/* What `git init` leaves: HEAD, objects/, refs/, config, hooks/. */
static void git_dir(const struct tree *t, const char *rel)
{
    _cleanup_free_ char *objects = xasprintf("%s/objects", rel);
    _cleanup_free_ char *refs = xasprintf("%s/refs/heads", rel);
    _cleanup_free_ char *hooks = xasprintf("%s/hooks", rel);
    _cleanup_free_ char *head = xasprintf("%s/HEAD", rel);
    _cleanup_free_ char *config = xasprintf("%s/config", rel);
    dir(t, objects);
    dir(t, refs);
    dir(t, hooks);
    put(t, head, "ref: refs/heads/main\n");
    put(t, config, "[core]\n\trepositoryformatversion = 0\n");
}

/* `git worktree add WT` from MAIN: MAIN/.git/worktrees/NAME and WT/.git. */
static void linked_worktree(const struct tree *t, const char *main, const char *wt,
                            const char *name)
{
    _cleanup_free_ char *gd_rel = xasprintf("%s/.git/worktrees/%s", main, name);
    _cleanup_free_ char *gd = at(t, gd_rel);
    _cleanup_free_ char *wt_git = xasprintf("%s/%s/.git", t->root, wt);
    dir(t, gd_rel);
    dir(t, wt);
    _cleanup_free_ char *head = xasprintf("%s/HEAD", gd_rel);
    _cleanup_free_ char *commondir = xasprintf("%s/commondir", gd_rel);
    _cleanup_free_ char *gitdir = xasprintf("%s/gitdir", gd_rel);
    _cleanup_free_ char *back = xasprintf("%s\n", wt_git);
    _cleanup_free_ char *dotgit_rel = xasprintf("%s/.git", wt);
    _cleanup_free_ char *dotgit = xasprintf("gitdir: %s\n", gd);
    put(t, head, "ref: refs/heads/feature\n");
    put(t, commondir, "../..\n");
    put(t, gitdir, back);
    put(t, dotgit_rel, dotgit);
}

static void find(const struct tree *t, const char *rel, struct gitdirs *g)
{
    _cleanup_free_ char *cwd = at(t, rel);
    struct ags_error err = {0};
    assert_int_equal(gitdirs_find(cwd, getuid(), g, &err), 0);
}

static void assert_rejected(const struct gitdirs *g, const char *why)
{
    assert_null(g->git_dir);
    assert_null(g->common_dir);
    assert_non_null(g->rejected);
    if (!strstr(g->rejected, why))
        fail_msg("'%s' not in: %s", why, g->rejected);
    assert_non_null(strstr(g->rejected, "git metadata not mounted"));
}

static void assert_path(const struct tree *t, const char *got, const char *rel)
{
    _cleanup_free_ char *want = at(t, rel);
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void test_a_repository_found_from_a_subdirectory_is_its_own_common_dir(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "repo/.git");
    dir(&t, "repo/src/deep");
    struct gitdirs g;
    find(&t, "repo/src/deep", &g);
    assert_int_equal(g.kind, GITDIRS_PLAIN);
    assert_null(g.rejected);
    assert_path(&t, g.git_dir, "repo/.git");
    assert_path(&t, g.common_dir, "repo/.git");
    assert_path(&t, g.dotgit, "repo/.git");
    assert_int_equal(g.dotgit_kind, PLAN_GIT_DIR);
    assert_int_equal(g.dotgit_config, PLAN_GIT_FILE);
    assert_int_equal(g.dotgit_hooks, PLAN_GIT_DIR);
    assert_int_equal(g.dotgit_modules, PLAN_GIT_MISSING);
    assert_int_equal(g.dotgit_worktrees, PLAN_GIT_MISSING);
    gitdirs_done(&g);
    dir(&t, "repo/.git/modules/lib");
    _cleanup_free_ char *wts = at(&t, "repo/.git/worktrees");
    assert_int_equal(symlink("/tmp", wts), 0);
    find(&t, "repo", &g);
    assert_int_equal(g.dotgit_modules, PLAN_GIT_DIR);
    assert_int_equal(g.dotgit_worktrees, PLAN_GIT_ODD);
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_outside_any_repository_nothing_is_found(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    dir(&t, "plain/sub");
    struct gitdirs g;
    find(&t, "plain/sub", &g);
    assert_int_equal(g.kind, GITDIRS_NONE);
    assert_null(g.git_dir);
    assert_null(g.rejected);
    assert_null(g.dotgit);
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_dotgit_symlink_is_rejected_even_to_a_real_git_dir(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "other/.git");
    dir(&t, "repo");
    _cleanup_free_ char *target = at(&t, "other/.git");
    _cleanup_free_ char *link = at(&t, "repo/.git");
    assert_int_equal(symlink(target, link), 0);
    struct gitdirs g;
    find(&t, "repo", &g);
    assert_rejected(&g, "/repo/.git is a symlink");
    assert_int_equal(g.dotgit_kind, PLAN_GIT_ODD);
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_fifo_named_dotgit_neither_blocks_nor_is_accepted(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    dir(&t, "repo");
    fifo(&t, "repo/.git");
    alarm(10); /* a blocking open would end the test here */
    struct gitdirs g;
    find(&t, "repo", &g);
    alarm(0);
    assert_rejected(&g, "/repo/.git is a FIFO");
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_gitdir_file_pointing_at_home_or_root_is_rejected(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    dir(&t, "home/u/.ssh");
    dir(&t, "repo");
    _cleanup_free_ char *home = at(&t, "home/u");
    _cleanup_free_ char *line = xasprintf("gitdir: %s\n", home);
    put(&t, "repo/.git", line);
    struct gitdirs g;
    find(&t, "repo", &g);
    assert_rejected(&g, "neither a linked worktree's git dir nor a submodule's");
    gitdirs_done(&g);
    put(&t, "repo/.git", "gitdir: /\n");
    find(&t, "repo", &g);
    assert_rejected(&g, "neither a linked worktree's git dir nor a submodule's");
    assert_int_equal(g.dotgit_kind, PLAN_GIT_FILE);
    gitdirs_done(&g);
    put(&t, "repo/.git", "not a gitdir line\n");
    find(&t, "repo", &g);
    assert_rejected(&g, "is not a \"gitdir: PATH\" file");
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_commondir_file_in_a_dotgit_directory_is_rejected(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "repo/.git");
    dir(&t, "home/u");
    _cleanup_free_ char *home = at(&t, "home/u");
    _cleanup_free_ char *line = xasprintf("%s\n", home);
    put(&t, "repo/.git/commondir", line);
    dir(&t, "repo/sub");
    struct gitdirs g;
    find(&t, "repo/sub", &g);
    assert_rejected(&g, "has a commondir file");
    /* still known, so that lockdown can protect it */
    assert_path(&t, g.dotgit, "repo/.git");
    assert_int_equal(g.dotgit_kind, PLAN_GIT_DIR);
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_linked_worktree_is_accepted_with_the_main_git_dir_as_common_dir(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "main/.git");
    linked_worktree(&t, "main", "wt", "feature");
    dir(&t, "wt/lib");
    struct gitdirs g;
    find(&t, "wt/lib", &g);
    assert_null(g.rejected);
    assert_int_equal(g.kind, GITDIRS_WORKTREE);
    assert_path(&t, g.git_dir, "main/.git/worktrees/feature");
    assert_path(&t, g.common_dir, "main/.git");
    assert_path(&t, g.dotgit, "wt/.git");
    assert_int_equal(g.dotgit_kind, PLAN_GIT_FILE);
    gitdirs_done(&g);
    /* a relative gitdir (worktree.useRelativePaths) is resolved from wt/ */
    put(&t, "wt/.git", "gitdir: ../main/.git/worktrees/feature\n");
    put(&t, "main/.git/worktrees/feature/gitdir", "../../../../wt/.git\n");
    find(&t, "wt", &g);
    assert_int_equal(g.kind, GITDIRS_WORKTREE);
    assert_path(&t, g.common_dir, "main/.git");
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_worktree_whose_commondir_is_home_is_rejected(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "main/.git");
    linked_worktree(&t, "main", "wt", "feature");
    dir(&t, "home/u");
    _cleanup_free_ char *home = at(&t, "home/u");
    _cleanup_free_ char *line = xasprintf("%s\n", home);
    put(&t, "main/.git/worktrees/feature/commondir", line);
    struct gitdirs g;
    find(&t, "wt", &g);
    assert_rejected(&g, "is not a git directory holding worktrees/feature");
    gitdirs_done(&g);
    /* even a home that looks like a git dir must list this worktree */
    git_dir(&t, "home/u");
    find(&t, "wt", &g);
    assert_rejected(&g, "is not a git directory holding worktrees/feature");
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_worktree_git_dir_of_another_work_tree_is_rejected(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "main/.git");
    linked_worktree(&t, "main", "wt", "feature");
    dir(&t, "thief");
    _cleanup_free_ char *gd = at(&t, "main/.git/worktrees/feature");
    _cleanup_free_ char *line = xasprintf("gitdir: %s\n", gd);
    put(&t, "thief/.git", line);
    struct gitdirs g;
    find(&t, "thief", &g);
    assert_rejected(&g, "whose gitdir file does not point back at it");
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_fifos_named_commondir_or_gitdir_neither_block_nor_are_accepted(void **state)
{
    (void)state;
    const char *names[] = {"commondir", "gitdir"};
    for (size_t i = 0; i < 2; i++) {
        struct tree t;
        tree_init(&t);
        git_dir(&t, "main/.git");
        linked_worktree(&t, "main", "wt", "feature");
        _cleanup_free_ char *rel = xasprintf("main/.git/worktrees/feature/%s", names[i]);
        _cleanup_free_ char *path = at(&t, rel);
        assert_int_equal(unlink(path), 0);
        fifo(&t, rel);
        alarm(10);
        struct gitdirs g;
        find(&t, "wt", &g);
        alarm(0);
        assert_null(g.git_dir);
        assert_non_null(g.rejected);
        gitdirs_done(&g);
        tree_done(&t);
    }
}

static void test_a_submodule_is_accepted_only_when_its_core_worktree_points_back(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "super/.git");
    git_dir(&t, "super/.git/modules/libs/core");
    put(&t, "super/.git/modules/libs/core/config",
        "[core]\n\trepositoryformatversion = 0\n\tbare = false\n"
        "\tworktree = ../../../../libs/core\n");
    dir(&t, "super/libs/core/src");
    put(&t, "super/libs/core/.git", "gitdir: ../../.git/modules/libs/core\n");
    struct gitdirs g;
    find(&t, "super/libs/core/src", &g);
    assert_null(g.rejected);
    assert_int_equal(g.kind, GITDIRS_SUBMODULE);
    assert_path(&t, g.git_dir, "super/.git/modules/libs/core");
    assert_path(&t, g.common_dir, "super/.git/modules/libs/core");
    gitdirs_done(&g);
    /* core.worktree naming another directory: not this work tree's */
    put(&t, "super/.git/modules/libs/core/config", "[core]\n\tworktree = ../../../../other\n");
    find(&t, "super/libs/core", &g);
    assert_rejected(&g, "neither a linked worktree's git dir nor a submodule's");
    gitdirs_done(&g);
    /* a git dir with the right core.worktree but not below a modules/ dir */
    git_dir(&t, "loose");
    _cleanup_free_ char *wt = at(&t, "super/libs/core");
    _cleanup_free_ char *cfg = xasprintf("[core]\n\tworktree = \"%s\"\n", wt);
    put(&t, "loose/config", cfg);
    _cleanup_free_ char *loose = at(&t, "loose");
    _cleanup_free_ char *line = xasprintf("gitdir: %s\n", loose);
    put(&t, "super/libs/core/.git", line);
    find(&t, "super/libs/core", &g);
    assert_rejected(&g, "under a git dir's modules/");
    gitdirs_done(&g);
    tree_done(&t);
}

static void test_a_dotgit_directory_without_git_structure_is_rejected_but_known(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    dir(&t, "repo/.git");
    struct gitdirs g;
    find(&t, "repo", &g);
    assert_rejected(&g, "is not a git directory (HEAD, objects/ and refs/)");
    assert_path(&t, g.dotgit, "repo/.git");
    assert_int_equal(g.dotgit_kind, PLAN_GIT_DIR);
    assert_int_equal(g.dotgit_config, PLAN_GIT_MISSING);
    assert_int_equal(g.dotgit_hooks, PLAN_GIT_MISSING);
    gitdirs_done(&g);
    /* a symlinked hooks/ or config is reported, for lockdown to refuse */
    git_dir(&t, "repo/.git");
    _cleanup_free_ char *hooks = at(&t, "repo/.git/hooks");
    assert_int_equal(rmdir(hooks), 0);
    assert_int_equal(symlink("/tmp", hooks), 0);
    fifo(&t, "repo/.git/config.new");
    _cleanup_free_ char *cfg = at(&t, "repo/.git/config");
    _cleanup_free_ char *cfg_new = at(&t, "repo/.git/config.new");
    assert_int_equal(rename(cfg_new, cfg), 0);
    find(&t, "repo", &g);
    assert_int_equal(g.kind, GITDIRS_PLAIN);
    assert_int_equal(g.dotgit_hooks, PLAN_GIT_ODD);
    assert_int_equal(g.dotgit_config, PLAN_GIT_ODD);
    gitdirs_done(&g);
    tree_done(&t);
}

static bool listed(char **found, const char *rel)
{
    for (size_t i = 0; found[i]; i++)
        if (strcmp(found[i], rel) == 0)
            return true;
    return false;
}

static void test_planted_nested_dotgit_entries_are_found_but_not_the_top_one(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    time_t before = time(NULL) - 1;
    git_dir(&t, "repo/.git");                 /* the workdir's own: lockdown protects it */
    git_dir(&t, "repo/vendor/lib/.git");      /* a nested repository */
    dir(&t, "repo/sub");
    put(&t, "repo/sub/.git", "gitdir: /x\n"); /* a .git file */
    git_dir(&t, "repo/.git/modules/m");       /* inside .git: not entered */
    git_dir(&t, "elsewhere/deep/.git");
    _cleanup_free_ char *target = at(&t, "elsewhere");
    _cleanup_free_ char *link = at(&t, "repo/link");
    assert_int_equal(symlink(target, link), 0); /* not followed */
    _cleanup_free_ char *workdir = at(&t, "repo");
    struct gitdirs_planted found;
    struct ags_error err = {0};
    assert_int_equal(gitdirs_planted(workdir, before, true, &found, &err), 0);
    assert_int_equal(found.n_dotgits, 2);
    assert_true(listed(found.dotgits, "vendor/lib/.git"));
    assert_true(listed(found.dotgits, "sub/.git"));
    assert_false(found.truncated);
    gitdirs_planted_done(&found);
    /* nothing changed since a later moment */
    assert_int_equal(gitdirs_planted(workdir, time(NULL) + 10, true, &found, &err), 0);
    assert_int_equal(found.n_dotgits, 0);
    assert_null(found.dotgits[0]);
    gitdirs_planted_done(&found);
    tree_done(&t);
}

/* F3 of the git review: a new top .git when none was protected at launch, a
 * nested bare repository (HEAD, objects/, refs/, config: git takes it for a
 * repository without any .git) and a .git deeper than the walk goes. */
static void test_planted_finds_a_new_top_dotgit_bare_repositories_and_what_is_too_deep(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    time_t before = time(NULL) - 1;
    git_dir(&t, "repo/.git");
    git_dir(&t, "repo/sub/bare");
    char deep[256] = "repo";
    for (unsigned i = 0; i < GITDIRS_SCAN_MAX_DEPTH + 2; i++)
        strcat(deep, "/d");
    _cleanup_free_ char *deep_git = xasprintf("%s/.git", deep);
    git_dir(&t, deep_git);
    _cleanup_free_ char *workdir = at(&t, "repo");
    struct gitdirs_planted found;
    struct ags_error err = {0};
    assert_int_equal(gitdirs_planted(workdir, before, false, &found, &err), 0);
    assert_true(listed(found.dotgits, ".git")); /* not protected at launch: it counts */
    assert_int_equal(found.n_bare, 1);
    assert_true(listed(found.bare, "sub/bare"));
    assert_int_equal(found.n_too_deep, 1);
    assert_non_null(strstr(found.too_deep[0], "d/d/d"));
    gitdirs_planted_done(&found);
    /* protected at launch: the top .git is not reported */
    assert_int_equal(gitdirs_planted(workdir, before, true, &found, &err), 0);
    assert_false(listed(found.dotgits, ".git"));
    gitdirs_planted_done(&found);
    /* an old bare repository nobody touched is not reported */
    assert_int_equal(gitdirs_planted(workdir, time(NULL) + 10, true, &found, &err), 0);
    assert_int_equal(found.n_bare, 0);
    gitdirs_planted_done(&found);
    tree_done(&t);
}

/* F4 of the git review: another user's repository in a shared parent (a
 * 1777 /tmp/x with a .git made by nobody) is not mounted, as git itself
 * refuses it ("dubious ownership"). */
static void test_a_repository_of_another_user_is_rejected(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "shared/.git");
    dir(&t, "shared/mine");
    _cleanup_free_ char *cwd = at(&t, "shared/mine");
    struct gitdirs g;
    struct ags_error err = {0};
    assert_int_equal(gitdirs_find(cwd, getuid() + 1, &g, &err), 0);
    assert_rejected(&g, "not to you");
    assert_non_null(strstr(g.rejected, "safe.directory"));
    gitdirs_done(&g);
    assert_int_equal(gitdirs_find(cwd, getuid(), &g, &err), 0);
    assert_non_null(g.git_dir);
    gitdirs_done(&g);
    tree_done(&t);
}

static bool has_event(const struct gitdirs_event *ev, size_t n, enum gitdirs_event_kind kind,
                      const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (ev[i].kind == kind && strcmp(ev[i].path, path) == 0)
            return true;
    return false;
}

static bool exists(const struct tree *t, const char *rel)
{
    _cleanup_free_ char *p = at(t, rel);
    struct stat st;
    return lstat(p, &st) == 0;
}

/* F1/F2 of the git review: after a lockdown run a new .git/commondir or
 * gitdir is renamed aside, a new objects/info/alternates too, an invalid
 * HEAD is put back, and a workdir made bare-shaped loses its new HEAD. */
static void test_guard_neutralises_commondir_gitdir_alternates_head_and_a_bare_workdir(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "repo/.git");
    dir(&t, "repo/.git/objects/info");
    _cleanup_free_ char *workdir = at(&t, "repo");
    struct gitdirs_guard g;
    gitdirs_guard_begin(workdir, &g);
    assert_true(g.top_protected);
    time_t since = time(NULL) - 1;
    /* what the agent does */
    put(&t, "repo/.git/commondir", "../evil\n");
    put(&t, "repo/.git/gitdir", "/x\n");
    put(&t, "repo/.git/gitdir.ags-quarantine", "taken\n"); /* the name is taken */
    put(&t, "repo/.git/objects/info/alternates", "/home/u\n");
    put(&t, "repo/.git/HEAD", "garbage\n");
    dir(&t, "repo/objects");
    dir(&t, "repo/refs");
    put(&t, "repo/HEAD", "ref: refs/heads/main\n");
    struct gitdirs_event *ev = NULL;
    size_t n = 0;
    gitdirs_guard_check(&g, since, &ev, &n);
    _cleanup_free_ char *commondir = at(&t, "repo/.git/commondir");
    _cleanup_free_ char *gitdir = at(&t, "repo/.git/gitdir");
    _cleanup_free_ char *alternates = at(&t, "repo/.git/objects/info/alternates");
    _cleanup_free_ char *head = at(&t, "repo/.git/HEAD");
    _cleanup_free_ char *root_head = at(&t, "repo/HEAD");
    assert_true(has_event(ev, n, GITDIRS_QUARANTINED, commondir));
    assert_true(has_event(ev, n, GITDIRS_QUARANTINED, gitdir));
    assert_true(has_event(ev, n, GITDIRS_QUARANTINED, alternates));
    assert_true(has_event(ev, n, GITDIRS_RESTORED, head));
    assert_true(has_event(ev, n, GITDIRS_BARE, workdir));
    assert_true(has_event(ev, n, GITDIRS_QUARANTINED, root_head));
    assert_false(exists(&t, "repo/.git/commondir"));
    assert_true(exists(&t, "repo/.git/commondir.ags-quarantine"));
    assert_false(exists(&t, "repo/.git/gitdir"));
    for (size_t i = 0; i < n; i++)
        if (strcmp(ev[i].path, gitdir) == 0)
            assert_non_null(strstr(ev[i].moved, "/gitdir.ags-quarantine-"));
    assert_false(exists(&t, "repo/.git/objects/info/alternates"));
    assert_false(exists(&t, "repo/HEAD"));
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    struct ags_error err = {0};
    assert_int_equal(read_regular_file_at(AT_FDCWD, head, head, 4096, &text, &len, NULL, &err), 0);
    assert_string_equal(text, "ref: refs/heads/main\n");
    gitdirs_events_free(ev, n);
    /* a second check finds nothing left to do */
    gitdirs_guard_check(&g, since, &ev, &n);
    assert_int_equal(n, 0);
    gitdirs_events_free(ev, n);
    gitdirs_guard_done(&g);
    tree_done(&t);
}

/* What existed at launch is the user's: left alone, a changed alternates
 * named; a valid HEAD the agent moved (git checkout) is kept. */
static void test_guard_keeps_what_existed_at_launch_and_a_valid_new_head(void **state)
{
    (void)state;
    struct tree t;
    tree_init(&t);
    git_dir(&t, "repo/.git");
    dir(&t, "repo/.git/objects/info");
    put(&t, "repo/.git/objects/info/alternates", "/srv/objects\n");
    _cleanup_free_ char *workdir = at(&t, "repo");
    struct gitdirs_guard g;
    gitdirs_guard_begin(workdir, &g);
    time_t since = time(NULL) - 1;
    put(&t, "repo/.git/HEAD", "ref: refs/heads/feature\n");
    put(&t, "repo/.git/objects/info/alternates", "/home/u\n");
    struct gitdirs_event *ev = NULL;
    size_t n = 0;
    gitdirs_guard_check(&g, since, &ev, &n);
    _cleanup_free_ char *alternates = at(&t, "repo/.git/objects/info/alternates");
    assert_int_equal(n, 1);
    assert_true(has_event(ev, n, GITDIRS_CHANGED, alternates));
    assert_true(exists(&t, "repo/.git/objects/info/alternates"));
    gitdirs_events_free(ev, n);
    gitdirs_guard_done(&g);
    tree_done(&t);
}

static void test_a_relative_cwd_is_an_error(void **state)
{
    (void)state;
    struct gitdirs g;
    struct ags_error err = {0};
    assert_int_equal(gitdirs_find("repo", getuid(), &g, &err), -EINVAL);
    assert_null(g.git_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_repository_found_from_a_subdirectory_is_its_own_common_dir),
        cmocka_unit_test(test_outside_any_repository_nothing_is_found),
        cmocka_unit_test(test_a_dotgit_symlink_is_rejected_even_to_a_real_git_dir),
        cmocka_unit_test(test_a_fifo_named_dotgit_neither_blocks_nor_is_accepted),
        cmocka_unit_test(test_a_gitdir_file_pointing_at_home_or_root_is_rejected),
        cmocka_unit_test(test_a_commondir_file_in_a_dotgit_directory_is_rejected),
        cmocka_unit_test(test_a_linked_worktree_is_accepted_with_the_main_git_dir_as_common_dir),
        cmocka_unit_test(test_a_worktree_whose_commondir_is_home_is_rejected),
        cmocka_unit_test(test_a_worktree_git_dir_of_another_work_tree_is_rejected),
        cmocka_unit_test(test_fifos_named_commondir_or_gitdir_neither_block_nor_are_accepted),
        cmocka_unit_test(test_a_submodule_is_accepted_only_when_its_core_worktree_points_back),
        cmocka_unit_test(test_a_dotgit_directory_without_git_structure_is_rejected_but_known),
        cmocka_unit_test(test_planted_nested_dotgit_entries_are_found_but_not_the_top_one),
        cmocka_unit_test(test_planted_finds_a_new_top_dotgit_bare_repositories_and_what_is_too_deep),
        cmocka_unit_test(test_a_repository_of_another_user_is_rejected),
        cmocka_unit_test(test_guard_neutralises_commondir_gitdir_alternates_head_and_a_bare_workdir),
        cmocka_unit_test(test_guard_keeps_what_existed_at_launch_and_a_valid_new_head),
        cmocka_unit_test(test_a_relative_cwd_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
