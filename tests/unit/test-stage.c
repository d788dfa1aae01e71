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
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/procid.h"
#include "sandbox/assets.h"
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

/* agent-assets/ of this source tree (the test is compiled from an absolute path). */
static char *assets_dir(void)
{
    _cleanup_free_ char *self = xstrdup(__FILE__);
    char *cut = strstr(self, "/tests/unit/");
    assert_non_null(cut);
    *cut = '\0';
    return xasprintf("%s/agent-assets", self);
}

static char *slurp(const char *root, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    char *text = NULL;
    size_t len;
    struct ags_error err;
    assert_int_equal(read_file_bounded(path, 1u << 20, &text, &len, &err), 0);
    return text;
}

static unsigned mode_of(const char *root, const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", root, rel);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

static void test_pi_guard_is_written_into_the_pi_mount_and_settings_only_when_missing(void **state)
{
    (void)state;
    _cleanup_free_ char *assets = assets_dir();
    char home[] = "/tmp/ags-test-pi-XXXXXX";
    assert_non_null(mkdtemp(home));
    char dest[] = PLAN_PI_HOME;
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = home, .destination = dest};
    struct ags_plan plan = {.agent = PLAN_AGENT_PI, .mounts = &m, .n_mounts = 1};
    _cleanup_free_ char *note = NULL;
    struct ags_error err;
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_null(note);
    _cleanup_free_ char *want = slurp(assets, "pi/guard.ts");
    _cleanup_free_ char *got = slurp(home, "agent/extensions/guard.ts");
    assert_string_equal(got, want);
    _cleanup_free_ char *settings = slurp(home, "agent/settings.json");
    assert_string_equal(settings, "{\"extensions\":[],\"skills\":[],\"prompts\":[]}\n");
    assert_int_equal(mode_of(home, "agent/settings.json"), 0600);

    /* A tampered guard is replaced; the user's own settings are kept. */
    put(home, "agent/extensions/guard.ts", "// disabled");
    put(home, "agent/settings.json", "{\"mine\":true}");
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    _cleanup_free_ char *again = slurp(home, "agent/extensions/guard.ts");
    assert_string_equal(again, want);
    _cleanup_free_ char *kept = slurp(home, "agent/settings.json");
    assert_string_equal(kept, "{\"mine\":true}");
    assert_int_equal(stage_remove_tree(home, &err), 0);
}

static void test_pi_without_a_pi_mount_gets_a_note_and_shell_or_yolo_stay_silent(void **state)
{
    (void)state;
    _cleanup_free_ char *assets = assets_dir();
    struct ags_plan plan = {.agent = PLAN_AGENT_PI};
    char *note = NULL;
    struct ags_error err;
    assert_int_equal(assets_install(&plan, assets, &note, &err), 1);
    assert_non_null(note);
    assert_non_null(strstr(note, "container = \"/home/dev/.pi\""));
    free(note);
    plan.yolo = true;
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_null(note);
    plan = (struct ags_plan){.agent = PLAN_AGENT_SHELL};
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_null(note);
}

static void test_claude_hook_and_plugin_go_into_the_hooks_mount_normal_and_lockdown(void **state)
{
    (void)state;
    _cleanup_free_ char *assets = assets_dir();
    char hooks[] = "/tmp/ags-test-hooks-XXXXXX";
    assert_non_null(mkdtemp(hooks));
    char normal[] = PLAN_HOOKS_DIR, locked[] = PLAN_LOCKDOWN_HOOKS;
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = hooks, .destination = normal,
                           .read_only = true};
    struct ags_plan plan = {.agent = PLAN_AGENT_CLAUDE, .mounts = &m, .n_mounts = 1};
    _cleanup_free_ char *note = NULL;
    struct ags_error err;
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_int_equal(mode_of(hooks, "guard.sh"), 0755);
    assert_true(exists(hooks, ".claude-plugin/plugin.json"));
    assert_true(exists(hooks, "skills/guard/SKILL.md"));
    assert_int_equal(stage_remove_tree(hooks, &err), 0);

    /* lockdown: the staged hooks dir, never the normal one */
    assert_non_null(mkdtemp(strcpy(hooks, "/tmp/ags-test-hooks-XXXXXX")));
    m.destination = locked;
    plan.lockdown = true;
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_true(exists(hooks, "guard.sh"));
    m.destination = normal; /* a lockdown plan never has the normal hooks mount */
    assert_int_equal(stage_remove_tree(hooks, &err), 0);
    assert_non_null(mkdtemp(strcpy(hooks, "/tmp/ags-test-hooks-XXXXXX")));
    assert_int_equal(assets_install(&plan, assets, &note, &err), 0);
    assert_false(exists(hooks, "guard.sh"));
    assert_int_equal(stage_remove_tree(hooks, &err), 0);
}

/* An owner file at the root of staging dir rel, saying id (with pid and pidns changed). */
static void owner_file(const char *root, const char *rel, const struct procid *self,
                       uint32_t pid, uint64_t pidns)
{
    struct procid id = *self;
    id.pid = pid;
    id.pidns = pidns;
    char text[PROCID_MAX_TEXT];
    procid_format(&id, text, sizeof(text));
    _cleanup_free_ char *path = xasprintf("%s/%s/owner", root, rel);
    struct ags_error err = {0};
    if (write_file_atomic(path, text, strlen(text), 0600, &err) < 0)
        fail_msg("%s", err.msg);
}

/* The sweep removes only what it can prove dead: the owner file at the root
 * of a staging dir names a process of this boot and PID namespace that is
 * gone.  A live owner, an owner in another PID namespace (Flatpak, toolbox:
 * the pid in the name means nothing here), no owner file (an older ags) or
 * an owner file that is not a regular file of ours: kept. */
static void test_sweep_removes_only_own_staging_of_dead_owners(void **state)
{
    (void)state;
    char tmp[] = "/tmp/ags-test-sweep-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    struct procid self;
    struct ags_error err = {0};
    assert_int_equal(procid_self(&self, &err), 0);
    /* A pid that is not running: a child that has been reaped. */
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    assert_true(dead > 0);
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    _cleanup_free_ char *gone = xasprintf("ags-lockdown-%d-pi-abc123", (int)dead);
    _cleanup_free_ char *live = xasprintf("ags-lockdown-%d-pi-def456", (int)getpid());
    _cleanup_free_ char *elsewhere = xasprintf("ags-lockdown-%d-pi-ns0000", (int)dead);
    _cleanup_free_ char *legacy = xasprintf("ags-lockdown-%d-pi-old000", (int)dead);
    _cleanup_free_ char *linked = xasprintf("ags-lockdown-%d-pi-lnk000", (int)dead);
    dir(tmp, gone);
    _cleanup_free_ char *inner = xasprintf("%s/home", gone);
    dir(tmp, inner);
    owner_file(tmp, gone, &self, (uint32_t)dead, self.pidns);
    dir(tmp, live);
    owner_file(tmp, live, &self, self.pid, self.pidns);
    dir(tmp, elsewhere);
    owner_file(tmp, elsewhere, &self, (uint32_t)dead, self.pidns + 1);
    dir(tmp, legacy);
    dir(tmp, linked);
    /* tmp/owner names a dead owner; linked/owner is a symlink to it */
    _cleanup_free_ char *target = xasprintf("%s/owner", tmp);
    _cleanup_free_ char *owner_link = xasprintf("%s/%s/owner", tmp, linked);
    owner_file(tmp, ".", &self, (uint32_t)dead, self.pidns);
    assert_int_equal(symlink(target, owner_link), 0);
    dir(tmp, "unrelated");
    _cleanup_free_ char *link = xasprintf("%s/ags-lockdown-%d-claude-lnk", tmp, (int)dead);
    assert_int_equal(symlink("/etc", link), 0);
    size_t removed = 0;
    assert_int_equal(stage_sweep(tmp, &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_false(exists(tmp, gone));
    assert_true(exists(tmp, live));      /* its owner (this test) is alive */
    assert_true(exists(tmp, elsewhere)); /* alive, perhaps, in another PID namespace */
    assert_true(exists(tmp, legacy));    /* no owner file: nothing proven */
    assert_true(exists(tmp, linked));    /* the owner file is a symlink: not trusted */
    assert_true(exists(tmp, "unrelated"));
    struct stat st;
    assert_int_equal(lstat(link, &st), 0); /* a symlink is never followed or removed */
    assert_int_equal(stat("/etc/passwd", &st), 0);
    assert_int_equal(stage_remove_tree(tmp, &err), 0);
    assert_int_equal(stage_sweep("/nonexistent-ags-tmp", &removed, &err), 0);
}

/* stage_make_dir leaves a 0600 owner file naming this process at the root. */
static void test_staging_dir_records_its_owner(void **state)
{
    (void)state;
    char path[] = "/tmp/" STAGE_PREFIX "1-pi-XXXXXX";
    struct ags_error err = {0};
    assert_int_equal(stage_make_dir(path, &err), 0);
    _cleanup_free_ char *owner = xasprintf("%s/owner", path);
    struct stat st;
    assert_int_equal(lstat(owner, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0600);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    assert_int_equal(read_file_bounded(owner, PROCID_MAX_TEXT, &text, &len, &err), 0);
    struct procid self, id;
    assert_int_equal(procid_self(&self, &err), 0);
    assert_int_equal(procid_parse(text, &id), 0);
    assert_memory_equal(&id, &self, sizeof(id));
    assert_int_equal(procid_text_state(text, &self), PROCID_ALIVE);
    assert_int_equal(stage_remove_tree(path, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lockdown_staging_keeps_only_allowlisted_entries_of_the_agent_home),
        cmocka_unit_test(test_pi_guard_is_written_into_the_pi_mount_and_settings_only_when_missing),
        cmocka_unit_test(test_pi_without_a_pi_mount_gets_a_note_and_shell_or_yolo_stay_silent),
        cmocka_unit_test(test_claude_hook_and_plugin_go_into_the_hooks_mount_normal_and_lockdown),
        cmocka_unit_test(test_sweep_removes_only_own_staging_of_dead_owners),
        cmocka_unit_test(test_staging_dir_records_its_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
