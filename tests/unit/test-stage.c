/* SPDX-License-Identifier: GPL-2.0-or-later */
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
#include "sandbox/stage.h"

static void put(const char *root, const char *rel, const char *text)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    struct ags_error err;
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0600, &err), 0);
}

static void dir(const char *root, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    assert_int_equal(mkdir(path, 0700), 0);
}

static bool exists(const char *root, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    struct stat st;
    return lstat(path, &st) == 0;
}

static void test_lockdown_staging_keeps_only_allowlisted_entries_of_the_agent_home(void **state)
{
    (void)state;
    char home[] = "/tmp/ags-test-home-XXXXXX";
    char stage[] = "/tmp/ags-test-stage-XXXXXX";
    assert_non_null(mkdtemp(home));
    struct ags_error err;
    assert_int_equal(stage_make_dir(stage, &err), 0);
    struct stat st;
    assert_int_equal(stat(stage, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    put(home, "auth.json", "{}");
    put(home, ".credentials.json", "{}");
    put(home, "transcript.log", "secret history");
    dir(home, "sessions");
    put(home, "sessions/1.json", "{}");
    dir(home, "skills");
    put(home, "skills/a.md", "skill");
    dir(home, "skills/nested");
    put(home, "skills/nested/b.md", "b");
    char link[512];
    (void)snprintf(link, sizeof(link), "%s/skills/escape", home);
    assert_int_equal(symlink("/etc", link), 0);
    (void)snprintf(link, sizeof(link), "%s/models.json", home);
    assert_int_equal(symlink("/etc/passwd", link), 0);

    char dest[512], hooks[512];
    (void)snprintf(dest, sizeof(dest), "%s/home/dev/.claude", stage);
    (void)snprintf(hooks, sizeof(hooks), "%s/run/ags-claude-hooks", stage);
    char claude_home[] = "/home/dev/.claude", hooks_dir[] = "/run/ags-claude-hooks";
    struct plan_mount mounts[2] = {
        {.type = PLAN_MOUNT_BIND, .source = dest, .destination = claude_home, .stage_from = home},
        {.type = PLAN_MOUNT_BIND, .source = hooks, .destination = hooks_dir, .read_only = true},
    };
    struct ags_plan plan = {.agent = PLAN_AGENT_CLAUDE, .mounts = mounts, .n_mounts = 2};
    assert_int_equal(stage_lockdown(&plan, stage, &err), 0);

    assert_true(exists(dest, "auth.json"));
    assert_true(exists(dest, ".credentials.json")); /* claude-only allowlist */
    assert_true(exists(dest, "skills/a.md"));
    assert_true(exists(dest, "skills/nested/b.md"));
    assert_false(exists(dest, "transcript.log"));
    assert_false(exists(dest, "sessions"));
    assert_false(exists(dest, "skills/escape")); /* symlinks never staged */
    assert_false(exists(dest, "models.json"));
    assert_true(exists(hooks, ""));

    /* pi does not get claude's extra files */
    char stage2[] = "/tmp/ags-test-stage-XXXXXX";
    assert_int_equal(stage_make_dir(stage2, &err), 0);
    char dest2[512];
    (void)snprintf(dest2, sizeof(dest2), "%s/home/dev/.pi", stage2);
    char pi_home[] = "/home/dev/.pi";
    struct plan_mount pm = {.type = PLAN_MOUNT_BIND, .source = dest2, .destination = pi_home,
                            .stage_from = home};
    struct ags_plan pplan = {.agent = PLAN_AGENT_PI, .mounts = &pm, .n_mounts = 1};
    assert_int_equal(stage_lockdown(&pplan, stage2, &err), 0);
    assert_true(exists(dest2, "auth.json"));
    assert_false(exists(dest2, ".credentials.json"));

    assert_int_equal(stage_remove_tree(stage, &err), 0);
    assert_int_equal(stage_remove_tree(stage2, &err), 0);
    assert_int_equal(stage_remove_tree(home, &err), 0);
    assert_false(exists(stage, ""));
    assert_false(exists(home, ""));
    assert_int_equal(stat("/etc/passwd", &st), 0); /* removal never followed a symlink */
    assert_int_equal(stage_remove_tree(stage, &err), 0); /* already gone: fine */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lockdown_staging_keeps_only_allowlisted_entries_of_the_agent_home),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
