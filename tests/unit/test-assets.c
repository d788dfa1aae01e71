/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Guard installation against a hostile agent home: the agent had ~/.pi
 * read-write in an earlier run and planted symlinks (or files) where ags
 * writes its guard.  ags must refuse, naming the path, and never write
 * through them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/assets.h"
#include "run/stage.h"

/* agent-assets/ of this source tree (the test is compiled from an absolute path). */
static char *assets_dir(void)
{
    _cleanup_free_ char *self = xstrdup(__FILE__);
    char *cut = strstr(self, "/tests/unit/");
    assert_non_null(cut);
    *cut = '\0';
    return xasprintf("%s/agent-assets", self);
}

static void mkdir_in(const char *root, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0700), 0);
}

static void link_in(const char *root, const char *rel, const char *target)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    assert_int_equal(symlink(target, path), 0);
}

static bool exists_in(const char *root, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    struct stat st;
    return lstat(path, &st) == 0;
}

static size_t entries_in(const char *dir)
{
    _cleanup_free_ char *cmd = xasprintf("find '%s' -mindepth 1 | wc -l", dir);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    unsigned long n = 99;
    assert_int_equal(fscanf(f, "%lu", &n), 1);
    assert_int_equal(pclose(f), 0);
    return n;
}

struct fixture {
    char home[64];    /* the agent's rw home (the mount source) */
    char outside[64]; /* a host directory the agent must not reach */
};

static int setup(void **state)
{
    struct fixture *fx = xcalloc(1, sizeof(*fx));
    strcpy(fx->home, "/tmp/ags-test-assets-home-XXXXXX");
    strcpy(fx->outside, "/tmp/ags-test-assets-out-XXXXXX");
    if (!mkdtemp(fx->home) || !mkdtemp(fx->outside))
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    struct ags_error err;
    int r = stage_remove_tree(fx->home, &err) | stage_remove_tree(fx->outside, &err);
    free(fx);
    return r;
}

static int install(const char *source, const char *destination, enum plan_agent agent,
                   struct ags_error *err)
{
    _cleanup_free_ char *assets = assets_dir();
    _cleanup_free_ char *src = xstrdup(source), *dst = xstrdup(destination);
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = src, .destination = dst};
    struct ags_plan plan = {.agent = agent, .mounts = &m, .n_mounts = 1};
    _cleanup_free_ char *note = NULL;
    return assets_install(&plan, assets, &note, err);
}

static void assert_refused(int r, const struct ags_error *err, const char *component)
{
    assert_true(r < 0);
    assert_non_null(strstr(err->msg, component));
    assert_non_null(strstr(err->msg, "symlink"));
}

static void test_pi_guard_is_not_written_through_a_planted_extensions_symlink(void **state)
{
    struct fixture *fx = *state;
    mkdir_in(fx->home, "agent");
    link_in(fx->home, "agent/extensions", fx->outside);
    struct ags_error err = {0};
    int r = install(fx->home, PLAN_PI_HOME, PLAN_AGENT_PI, &err);
    assert_refused(r, &err, "agent/extensions");
    assert_int_equal(entries_in(fx->outside), 0);
}

static void test_pi_guard_and_settings_are_not_written_through_a_planted_agent_symlink(void **state)
{
    struct fixture *fx = *state;
    link_in(fx->home, "agent", fx->outside); /* e.g. agent -> ~ */
    struct ags_error err = {0};
    int r = install(fx->home, PLAN_PI_HOME, PLAN_AGENT_PI, &err);
    assert_refused(r, &err, "agent");
    assert_int_equal(entries_in(fx->outside), 0);
}

static void test_pi_guard_refuses_a_file_where_a_directory_belongs(void **state)
{
    struct fixture *fx = *state;
    mkdir_in(fx->home, "agent");
    _cleanup_free_ char *file = xasprintf("%s/agent/extensions", fx->home);
    struct ags_error err = {0};
    assert_int_equal(write_file_atomic(file, "x", 1, 0600, &err), 0);
    int r = install(fx->home, PLAN_PI_HOME, PLAN_AGENT_PI, &err);
    assert_true(r < 0);
    assert_non_null(strstr(err.msg, "agent/extensions"));
    assert_non_null(strstr(err.msg, "not a directory"));
}

static void test_pi_guard_replaces_a_planted_guard_symlink_without_following_it(void **state)
{
    struct fixture *fx = *state;
    mkdir_in(fx->home, "agent");
    mkdir_in(fx->home, "agent/extensions");
    _cleanup_free_ char *victim = xasprintf("%s/bashrc", fx->outside);
    struct ags_error err = {0};
    assert_int_equal(write_file_atomic(victim, "mine", 4, 0600, &err), 0);
    link_in(fx->home, "agent/extensions/guard.ts", victim);
    link_in(fx->home, "agent/settings.json", victim);
    assert_int_equal(install(fx->home, PLAN_PI_HOME, PLAN_AGENT_PI, &err), 0);
    struct stat st;
    _cleanup_free_ char *guard = xasprintf("%s/agent/extensions/guard.ts", fx->home);
    assert_int_equal(lstat(guard, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(victim, 100, &text, &len, &err), 0);
    assert_string_equal(text, "mine");
    assert_int_equal(entries_in(fx->outside), 1);
}

static void test_claude_hooks_are_not_written_through_a_planted_symlink(void **state)
{
    struct fixture *fx = *state;
    link_in(fx->home, "skills", fx->outside);
    struct ags_error err = {0};
    int r = install(fx->home, PLAN_HOOKS_DIR, PLAN_AGENT_CLAUDE, &err);
    assert_refused(r, &err, "skills");
    assert_int_equal(entries_in(fx->outside), 0);
    /* the hooks directory itself planted as a symlink (mount source ".../ags-hooks") */
    _cleanup_free_ char *hooks = xasprintf("%s/ags-hooks", fx->home);
    assert_int_equal(symlink(fx->outside, hooks), 0);
    r = install(hooks, PLAN_HOOKS_DIR, PLAN_AGENT_CLAUDE, &err);
    assert_refused(r, &err, "ags-hooks");
    assert_int_equal(entries_in(fx->outside), 0);
}

static void test_guard_installation_creates_missing_directories_private(void **state)
{
    struct fixture *fx = *state;
    _cleanup_free_ char *fresh = xasprintf("%s/new/pi", fx->home);
    struct ags_error err = {0};
    assert_int_equal(install(fresh, PLAN_PI_HOME, PLAN_AGENT_PI, &err), 0);
    assert_true(exists_in(fresh, "agent/extensions/guard.ts"));
    assert_true(exists_in(fresh, "agent/settings.json"));
    _cleanup_free_ char *hooks = xasprintf("%s/cache/ags-hooks", fx->home);
    assert_int_equal(install(hooks, PLAN_HOOKS_DIR, PLAN_AGENT_CLAUDE, &err), 0);
    assert_true(exists_in(hooks, "skills/guard/SKILL.md"));
    assert_true(exists_in(hooks, ".claude-plugin/plugin.json"));
    assert_int_equal(entries_in(fx->outside), 0);
    /* What they create is private: the cache directory (the agent lock
     * refuses a cache directory others can enter) and the agent home. */
    struct stat st;
    _cleanup_free_ char *cache = xasprintf("%s/cache", fx->home);
    assert_int_equal(stat(cache, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(stat(fresh, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
}


/* A remote engine's hooks are a volume uploaded from ags's hooks directory:
 * the guard is written there first (never into the volume's name). */
static void test_claude_hooks_of_a_remote_engine_go_where_the_volume_is_uploaded_from(void **state)
{
    struct fixture *fx = *state;
    _cleanup_free_ char *assets = assets_dir();
    _cleanup_free_ char *hooks = xasprintf("%s/cache/ags-hooks", fx->home);
    char name[] = "ags-ws-s123-1", dest[] = PLAN_HOOKS_DIR;
    struct plan_mount m = {.type = PLAN_MOUNT_VOLUME, .source = name, .destination = dest,
                           .read_only = true, .upload_from = hooks};
    struct ags_plan plan = {.agent = PLAN_AGENT_CLAUDE, .remote = true, .mounts = &m,
                            .n_mounts = 1};
    _cleanup_free_ char *note = NULL;
    struct ags_error err = {0};
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_true(exists_in(hooks, "guard.sh"));
    assert_true(exists_in(hooks, "skills/guard/SKILL.md"));
    /* An agent volume without an upload is nothing of the host's. */
    m.upload_from = NULL;
    _cleanup_free_ char *cache = xasprintf("%s/cache", fx->home);
    assert_int_equal(stage_remove_tree(cache, &err), 0);
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_false(exists_in(fx->home, "cache"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
                test_pi_guard_is_not_written_through_a_planted_extensions_symlink, setup,
                teardown),
        cmocka_unit_test_setup_teardown(
                test_pi_guard_and_settings_are_not_written_through_a_planted_agent_symlink, setup,
                teardown),
        cmocka_unit_test_setup_teardown(test_pi_guard_refuses_a_file_where_a_directory_belongs,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
                test_pi_guard_replaces_a_planted_guard_symlink_without_following_it, setup,
                teardown),
        cmocka_unit_test_setup_teardown(test_claude_hooks_are_not_written_through_a_planted_symlink,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
                test_guard_installation_creates_missing_directories_private, setup,
                teardown),
        cmocka_unit_test_setup_teardown(
                test_claude_hooks_of_a_remote_engine_go_where_the_volume_is_uploaded_from, setup,
                teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
