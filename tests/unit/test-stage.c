/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/procid.h"
#include "run/assets.h"
#include "run/stage.h"

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
    dir(home, "agent");
    put(home, "agent/auth.json", "{}");
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
    assert_int_equal(stage_lockdown(&plan, stage, NULL, &err), 0);

    assert_false(exists(dest, "auth.json")); /* each agent has its own allowlist */
    assert_false(exists(dest, "agent"));
    assert_true(exists(dest, ".credentials.json"));
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
    assert_int_equal(stage_lockdown(&pplan, stage2, NULL, &err), 0);
    assert_true(exists(dest2, "agent/auth.json"));
    assert_false(exists(dest2, "auth.json"));
    assert_false(exists(dest2, ".credentials.json"));

    assert_int_equal(stage_remove_tree(stage, &err), 0);
    assert_int_equal(stage_remove_tree(stage2, &err), 0);
    assert_int_equal(stage_remove_tree(home, &err), 0);
    assert_false(exists(stage, ""));
    assert_false(exists(home, ""));
    assert_int_equal(stat("/etc/passwd", &st), 0); /* removal never followed a symlink */
    assert_int_equal(stage_remove_tree(stage, &err), 0); /* already gone: fine */
    assert_non_null(mkdtemp(strcpy(home, "/tmp/ags-test-home-XXXXXX")));
    put(home, "f", "x");
    _cleanup_free_ char *slashed = xasprintf("%s//", home);
    assert_int_equal(stage_remove_tree(slashed, &err), 0); /* a trailing slash names the dir */
    assert_false(exists(home, ""));
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
    assert_int_equal(stage_sweep(tmp, NULL, &removed, &err), 0);
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
    assert_int_equal(stage_sweep("/nonexistent-ags-tmp", NULL, &removed, &err), 0);
}

/* A running supervised session keeps its staging when its supervisor is
 * gone (the sweep's rule for its sandbox and secrets); another session's,
 * or one whose session file is not its owner's, goes. */
static void test_sweep_keeps_the_staging_of_a_running_supervised_session(void **state)
{
    (void)state;
    char tmp[] = "/tmp/ags-test-keep-XXXXXX";
    assert_non_null(mkdtemp(tmp));
    struct procid self;
    struct ags_error err = {0};
    assert_int_equal(procid_self(&self, &err), 0);
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    assert_int_equal(waitpid(dead, NULL, 0), dead);
    _cleanup_free_ char *kept = xasprintf("ags-lockdown-%d-pi-kept00", (int)dead);
    _cleanup_free_ char *other = xasprintf("ags-lockdown-%d-pi-other0", (int)dead);
    dir(tmp, kept);
    owner_file(tmp, kept, &self, (uint32_t)dead, self.pidns);
    _cleanup_free_ char *kept_path = xasprintf("%s/%s", tmp, kept);
    assert_int_equal(stage_write_session(kept_path, "0123456789abcdef", &err), 0);
    assert_int_equal(stage_write_session(kept_path, "again", &err) < 0, 1); /* never replaced */
    dir(tmp, other);
    owner_file(tmp, other, &self, (uint32_t)dead, self.pidns);
    _cleanup_free_ char *other_path = xasprintf("%s/%s", tmp, other);
    assert_int_equal(stage_write_session(other_path, "fedcba9876543210", &err), 0);
    char id[] = "0123456789abcdef";
    char *keep[] = {id, NULL};
    size_t removed = 0;
    assert_int_equal(stage_sweep(tmp, keep, &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_true(exists(tmp, kept));
    assert_false(exists(tmp, other));
    assert_int_equal(stage_sweep(tmp, NULL, &removed, &err), 0); /* the session ended */
    assert_false(exists(tmp, kept));
    assert_int_equal(stage_remove_tree(tmp, &err), 0);
}

/* ---- hostile agent homes (issue 10, items 8 to 10) ---- */

/* Checks inside a forked child, where cmocka's asserts cannot be used. */
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                                 \
        }                                                                             \
    } while (0)

/* Runs fn in a child that is an ordinary user (nobody when the suite runs as
 * root, so that permissions apply) and is killed after timeout seconds: a
 * regression that blocks fails the test instead of hanging the suite. */
static void run_in_child(int (*fn)(void *), void *arg, unsigned timeout)
{
    (void)fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0))
            _exit(3);
        (void)prctl(PR_SET_DUMPABLE, 1); /* setuid cleared it: /proc/self stays ours */
        alarm(timeout);
        _exit(fn(arg));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("the child was killed by signal %d (SIGALRM is %d: it blocked)",
                 WTERMSIG(status), SIGALRM);
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Creates each entry below root: "dir/" is a directory, anything else a file
 * whose content is its own path. */
static int build(const char *root, const char *const *entries)
{
    struct ags_error err;
    for (size_t i = 0; entries[i]; i++) {
        _cleanup_free_ char *path = xasprintf("%s/%s", root, entries[i]);
        size_t n = strlen(path);
        if (path[n - 1] == '/') {
            path[n - 1] = '\0';
            if (mkdir_parents(path, 0700, &err) < 0)
                return -1;
            continue;
        }
        _cleanup_free_ char *dir = xstrdup(path);
        *strrchr(dir, '/') = '\0';
        if (mkdir_parents(dir, 0700, &err) < 0 ||
            write_file_atomic(path, entries[i], strlen(entries[i]), 0600, &err) < 0)
            return -1;
    }
    return 0;
}

static bool gone(const char *path)
{
    struct stat st;
    return lstat(path, &st) < 0 && errno == ENOENT;
}

/* One agent's real on-disk layout (docs/run-mode.md, "Lockdown staging"). */
struct layout {
    enum plan_agent agent;
    const char *destination;    /* the home's path in the sandbox */
    const char *const *present; /* the user's real home */
    const char *const *staged;  /* what the sandbox gets */
    const char *const *dropped; /* what it must not get */
};

static void check_layout(const struct layout *l)
{
    char home[] = "/tmp/ags-test-layout-XXXXXX";
    char stage[] = "/tmp/ags-test-stage-XXXXXX";
    assert_non_null(mkdtemp(home));
    struct ags_error err = {0};
    assert_int_equal(stage_make_dir(stage, &err), 0);
    assert_int_equal(build(home, l->present), 0);
    _cleanup_free_ char *dest = xasprintf("%s%s", stage, l->destination);
    _cleanup_free_ char *destination = xstrdup(l->destination);
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = dest, .destination = destination,
                           .stage_from = home};
    struct ags_plan plan = {.agent = l->agent, .mounts = &m, .n_mounts = 1};
    int r = stage_lockdown(&plan, stage, NULL, &err);
    if (r < 0)
        fail_msg("%s", err.msg);
    for (size_t i = 0; l->staged[i]; i++)
        if (!exists(dest, l->staged[i]))
            fail_msg("%s: '%s' was not staged", l->destination, l->staged[i]);
    for (size_t i = 0; l->dropped[i]; i++)
        if (exists(dest, l->dropped[i]))
            fail_msg("%s: '%s' was staged", l->destination, l->dropped[i]);
    assert_int_equal(stage_remove_tree(stage, &err), 0);
    assert_int_equal(stage_remove_tree(home, &err), 0);
}

static void test_lockdown_stages_pi_config_but_no_sessions_at_any_depth(void **state)
{
    (void)state;
    static const char *const present[] = {
        "agent/auth.json", "agent/settings.json", "agent/models.json", "agent/keybindings.json",
        "agent/AGENTS.md", "agent/SYSTEM.md", "agent/extensions/guard-mine.ts",
        "agent/extensions/pkg/index.ts", "agent/extensions/pkg/node_modules/x/index.js",
        "agent/extensions/pkg/logs/run.log", "agent/prompts/review.md",
        "agent/skills/s1/SKILL.md", "agent/skills/s1/history.jsonl",
        "agent/skills/s1/sessions/a.json", "agent/themes/dark.json",
        "agent/sessions/--home-u-secret--/2025-01-01T00-00-00_abc.jsonl",
        "agent/pi-debug.log", "agent/bin/rg", "other/notes.txt", NULL,
    };
    static const char *const staged[] = {
        "agent/auth.json", "agent/settings.json", "agent/models.json", "agent/keybindings.json",
        "agent/AGENTS.md", "agent/SYSTEM.md", "agent/extensions/guard-mine.ts",
        "agent/extensions/pkg/index.ts", "agent/extensions/pkg/node_modules/x/index.js",
        "agent/prompts/review.md", "agent/skills/s1/SKILL.md", "agent/themes/dark.json", NULL,
    };
    static const char *const dropped[] = {
        "agent/sessions", "agent/pi-debug.log", "agent/bin", "agent/extensions/pkg/logs",
        "agent/skills/s1/history.jsonl", "agent/skills/s1/sessions", "other", NULL,
    };
    check_layout(&(struct layout){PLAN_AGENT_PI, PLAN_PI_HOME, present, staged, dropped});
}

static void test_lockdown_stages_claude_config_but_no_transcripts_or_history(void **state)
{
    (void)state;
    static const char *const present[] = {
        ".credentials.json", "settings.json", "CLAUDE.md", "keybindings.json",
        "agents/reviewer.md", "commands/ship.md", "skills/s/SKILL.md",
        "skills/s/transcripts/t.md", "output-styles/terse.md", "hooks/pre.sh",
        "plugins/installed_plugins.json", "plugins/known_marketplaces.json",
        "plugins/marketplaces/m/.claude-plugin/marketplace.json",
        "plugins/cache/m/p/1.0.0/.claude-plugin/plugin.json", "history.jsonl",
        "projects/-home-u-secret/0340f328.jsonl", "projects/-home-u-secret/memory/MEMORY.md",
        "todos/0340f328-agent.json", "shell-snapshots/snapshot-bash-1.sh",
        "file-history/0340f328/abc@v1", "session-env/0340f328/", "debug/0340f328.txt",
        "plans/plan.md", "statsig/statsig.cached.evaluations.1", "ide/1234.lock",
        "paste-cache/p.txt", "stats-cache.json", "backups/.claude.json.backup", NULL,
    };
    static const char *const staged[] = {
        ".credentials.json", "settings.json", "CLAUDE.md", "keybindings.json",
        "agents/reviewer.md", "commands/ship.md", "skills/s/SKILL.md", "output-styles/terse.md",
        "hooks/pre.sh", "plugins/installed_plugins.json", "plugins/known_marketplaces.json",
        "plugins/marketplaces/m/.claude-plugin/marketplace.json",
        "plugins/cache/m/p/1.0.0/.claude-plugin/plugin.json", NULL,
    };
    static const char *const dropped[] = {
        "history.jsonl", "projects", "todos", "shell-snapshots", "file-history", "session-env",
        "debug", "plans", "statsig", "ide", "paste-cache", "stats-cache.json", "backups",
        "skills/s/transcripts", NULL,
    };
    check_layout(&(struct layout){PLAN_AGENT_CLAUDE, "/home/dev/.claude", present, staged,
                                  dropped});
}

static void test_lockdown_stages_codex_config_but_no_sessions_history_or_logs(void **state)
{
    (void)state;
    static const char *const present[] = {
        "auth.json", "config.toml", "AGENTS.md", "prompts/fix.md", "skills/s/SKILL.md",
        "rules/default.rules", "sessions/2025/01/01/rollout-2025-01-01T00-00-00-x.jsonl",
        "archived_sessions/rollout-x.jsonl", "history.jsonl", "log/codex-tui.log",
        "state_5.sqlite", "session_index.jsonl", NULL,
    };
    static const char *const staged[] = {
        "auth.json", "config.toml", "AGENTS.md", "prompts/fix.md", "skills/s/SKILL.md",
        "rules/default.rules", NULL,
    };
    static const char *const dropped[] = {
        "sessions", "archived_sessions", "history.jsonl", "log", "state_5.sqlite",
        "session_index.jsonl", NULL,
    };
    check_layout(&(struct layout){PLAN_AGENT_CODEX, "/home/dev/.codex", present, staged,
                                  dropped});
}

static void test_lockdown_stages_gemini_config_but_no_chats_or_checkpoints(void **state)
{
    (void)state;
    static const char *const present[] = {
        "settings.json", "oauth_creds.json", "google_accounts.json", "installation_id",
        "GEMINI.md", ".env", "commands/review.toml", "extensions/e/gemini-extension.json",
        "skills/s/SKILL.md", "tmp/384e9530/chats/session-2025-01-01T00-00-x.json",
        "tmp/384e9530/logs.json", "tmp/384e9530/checkpoint-x.json", "history/384e9530/h",
        "state.json", NULL,
    };
    static const char *const staged[] = {
        "settings.json", "oauth_creds.json", "google_accounts.json", "installation_id",
        "GEMINI.md", ".env", "commands/review.toml", "extensions/e/gemini-extension.json",
        "skills/s/SKILL.md", NULL,
    };
    static const char *const dropped[] = {"tmp", "history", "state.json", NULL};
    check_layout(&(struct layout){PLAN_AGENT_GEMINI, "/home/dev/.gemini", present, staged,
                                  dropped});
}

static void test_lockdown_stages_opencode_config_dir_only(void **state)
{
    (void)state;
    static const char *const present[] = {
        "opencode.json", "opencode.jsonc", "tui.json", "AGENTS.md", "agent/a.md",
        "agents/b.md", "command/c.md", "commands/d.md", "plugin/p.ts", "plugins/q.ts",
        "mode/m.md", "modes/n.md", "themes/t.json", "tool/t.ts", "tools/u.ts",
        "skill/s/SKILL.md", "skills/s/SKILL.md", "package.json", "node_modules/x/index.js",
        "storage/session/x.json", "log/2025.log", "auth.json", NULL,
    };
    static const char *const staged[] = {
        "opencode.json", "opencode.jsonc", "tui.json", "AGENTS.md", "agent/a.md",
        "agents/b.md", "command/c.md", "commands/d.md", "plugin/p.ts", "plugins/q.ts",
        "mode/m.md", "modes/n.md", "themes/t.json", "tool/t.ts", "tools/u.ts",
        "skill/s/SKILL.md", "skills/s/SKILL.md", "package.json", "node_modules/x/index.js", NULL,
    };
    static const char *const dropped[] = {"storage", "log", "auth.json", NULL};
    check_layout(&(struct layout){PLAN_AGENT_OPENCODE, "/home/dev/.config/opencode", present,
                                  staged, dropped});
}

static void test_lockdown_stages_claude_json_without_project_history(void **state)
{
    (void)state;
    char home[] = "/tmp/ags-test-claudejson-XXXXXX";
    char stage[] = "/tmp/ags-test-stage-XXXXXX";
    assert_non_null(mkdtemp(home));
    struct ags_error err = {0};
    assert_int_equal(stage_make_dir(stage, &err), 0);
    put(home, ".claude.json",
        "{\"numStartups\": 3, \"hasCompletedOnboarding\": true, \"theme\": \"dark\",\n"
        " \"userID\": \"u1\", \"oauthAccount\": {\"emailAddress\": \"me@example.org\"},\n"
        " \"projects\": {\"/home/u/secret-repo\": {\"history\": [{\"display\": \"SECRET-PROMPT\"}],"
        " \"lastSessionId\": \"0340f328\"}},\n"
        " \"githubRepoPaths\": {\"me/secret-repo\": [\"/home/u/secret-repo\"]},\n"
        " \"mcpServers\": {\"x\": {\"env\": {\"TOKEN\": \"SECRET-TOKEN\"}}}}\n");
    _cleanup_free_ char *from = xasprintf("%s/.claude.json", home);
    _cleanup_free_ char *dest = xasprintf("%s/home/dev/.claude.json", stage);
    char destination[] = "/home/dev/.claude.json";
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = dest, .destination = destination,
                           .stage_from = from};
    struct ags_plan plan = {.agent = PLAN_AGENT_CLAUDE, .mounts = &m, .n_mounts = 1};
    int r = stage_lockdown(&plan, stage, NULL, &err);
    if (r < 0)
        fail_msg("%s", err.msg);
    _cleanup_free_ char *text = slurp(stage, "home/dev/.claude.json");
    assert_non_null(strstr(text, "\"hasCompletedOnboarding\""));
    assert_non_null(strstr(text, "me@example.org"));
    assert_non_null(strstr(text, "\"userID\""));
    assert_null(strstr(text, "SECRET-PROMPT"));
    assert_null(strstr(text, "secret-repo"));
    assert_null(strstr(text, "SECRET-TOKEN"));
    assert_int_equal(mode_of(stage, "home/dev/.claude.json"), 0600);
    assert_int_equal(stage_remove_tree(stage, &err), 0);
    assert_int_equal(stage_remove_tree(home, &err), 0);
}

/* In a child: stage_remove_tree succeeds and nothing is left. */
static int removed_entirely(const char *path)
{
    struct ags_error err = {0};
    int r = stage_remove_tree(path, &err);
    if (r < 0)
        fprintf(stderr, "stage_remove_tree: %s\n", err.msg);
    CHECK(r == 0);
    CHECK(gone(path));
    return 0;
}

/* A staged home whose agent locked directories away (chmod 000, 0500, 0300). */
static int remove_locked_tree(void *arg)
{
    (void)arg;
    char stage[] = "/tmp/ags-test-locked-XXXXXX";
    CHECK(mkdtemp(stage));
    static const char *const tree[] = {
        "home/dev/.pi/agent/auth.json", "home/dev/.pi/agent/locked/a",
        "home/dev/.pi/agent/locked/inner/b", "home/dev/.pi/agent/readonly/c",
        "home/dev/.pi/agent/noread/d", NULL,
    };
    CHECK(build(stage, tree) == 0);
    static const struct {
        const char *rel;
        mode_t mode;
    } locks[] = {
        {"home/dev/.pi/agent/locked/inner", 0}, {"home/dev/.pi/agent/locked", 0},
        {"home/dev/.pi/agent/readonly", 0500}, {"home/dev/.pi/agent/noread", 0300},
        {"home/dev/.pi", 0},
    };
    for (size_t i = 0; i < ARRAY_SIZE(locks); i++) {
        _cleanup_free_ char *p = xasprintf("%s/%s", stage, locks[i].rel);
        CHECK(chmod(p, locks[i].mode) == 0);
    }
    return removed_entirely(stage);
}

static void test_removal_restores_permissions_of_directories_the_agent_locked(void **state)
{
    (void)state;
    run_in_child(remove_locked_tree, NULL, 30);
}

#define DEEP_LEVELS 3000 /* "d/" x 3000: far beyond PATH_MAX */

static int remove_deep_tree(void *arg)
{
    (void)arg;
    char stage[] = "/tmp/ags-test-deep-XXXXXX";
    CHECK(mkdtemp(stage));
    int fd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int lock = -1;
    CHECK(fd >= 0);
    for (unsigned i = 0; i < DEEP_LEVELS; i++) {
        CHECK(mkdirat(fd, "d", 0700) == 0);
        if (i % 1000 == 500) {
            int f = openat(fd, "auth.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            CHECK(f >= 0);
            (void)close(f);
        }
        int sub = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (i == DEEP_LEVELS - 10)
            lock = dup(fd);
        (void)close(fd);
        fd = sub;
        CHECK(fd >= 0);
    }
    (void)close(fd);
    CHECK(lock >= 0 && fchmod(lock, 0) == 0); /* and a locked directory down there */
    (void)close(lock);
    return removed_entirely(stage);
}

static void test_removal_removes_a_tree_deeper_than_path_max(void **state)
{
    (void)state;
    run_in_child(remove_deep_tree, NULL, 120);
}

#define SWEEP_GOOD 20

/* A dead run's staging dir that cannot be removed (a mount point inside,
 * in a private mount namespace) must not keep the sweep from the others. */
static int sweep_past_a_failure(void *arg)
{
    (void)arg;
    uid_t uid = geteuid();
    gid_t gid = getegid();
    CHECK(unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0);
    _cleanup_free_ char *uid_map = xasprintf("%u %u 1\n", (unsigned)uid, (unsigned)uid);
    _cleanup_free_ char *gid_map = xasprintf("%u %u 1\n", (unsigned)gid, (unsigned)gid);
    struct ags_error err = {0};
    int f = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
    CHECK(f >= 0 && write(f, "deny", 4) == 4);
    (void)close(f);
    f = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
    CHECK(f >= 0 && write(f, uid_map, strlen(uid_map)) == (ssize_t)strlen(uid_map));
    (void)close(f);
    f = open("/proc/self/gid_map", O_WRONLY | O_CLOEXEC);
    CHECK(f >= 0 && write(f, gid_map, strlen(gid_map)) == (ssize_t)strlen(gid_map));
    (void)close(f);

    char tmp[] = "/tmp/ags-test-sweep2-XXXXXX";
    CHECK(mkdtemp(tmp));
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    CHECK(dead > 0 && waitpid(dead, NULL, 0) == dead);
    _cleanup_free_ char *bad = xasprintf("%s/ags-lockdown-%d-pi-bad000", tmp, (int)dead);
    _cleanup_free_ char *busy = xasprintf("%s/home", bad);
    CHECK(mkdir(bad, 0700) == 0 && mkdir(busy, 0700) == 0);
    CHECK(mount("tmpfs", busy, "tmpfs", 0, "size=64k") == 0);
    /* every one carries an owner file naming the dead process: proven gone */
    struct procid self;
    CHECK(procid_self(&self, &err) == 0);
    _cleanup_free_ char *bad_name = xasprintf("ags-lockdown-%d-pi-bad000", (int)dead);
    owner_file(tmp, bad_name, &self, (uint32_t)dead, self.pidns);
    for (int i = 0; i < SWEEP_GOOD; i++) {
        _cleanup_free_ char *name = xasprintf("ags-lockdown-%d-pi-good%02d", (int)dead, i);
        _cleanup_free_ char *good = xasprintf("%s/home/dev/.pi/agent/", name);
        _cleanup_free_ char *auth = xasprintf("%sauth.json", good);
        const char *const entries[] = {good, auth, NULL};
        CHECK(build(tmp, entries) == 0);
        owner_file(tmp, name, &self, (uint32_t)dead, self.pidns);
    }
    size_t removed = 0;
    int r = stage_sweep(tmp, NULL, &removed, &err);
    CHECK(r < 0);
    CHECK(strstr(err.msg, "bad000") != NULL);
    if (removed != SWEEP_GOOD)
        fprintf(stderr, "removed %zu of %d\n", removed, SWEEP_GOOD);
    CHECK(removed == SWEEP_GOOD);
    CHECK(umount(busy) == 0);
    CHECK(stage_remove_tree(tmp, &err) == 0);
    return 0;
}

static void test_sweep_keeps_going_after_a_staging_dir_it_cannot_remove(void **state)
{
    (void)state;
    run_in_child(sweep_past_a_failure, NULL, 60);
}

/* openat is wrapped (-Wl,--wrap=openat): the next open of a file named
 * g_swap_name first renames g_swap_with over g_swap_target, the way another
 * process could between ags's stat and its open. */
static const char *g_swap_name;
static char g_swap_target[512], g_swap_with[512];
static off_t g_grow_to; /* instead of the swap: the file grows to this size */

int __real_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...);
int __wrap_openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (g_swap_name && !(flags & O_CREAT) && strcmp(base, g_swap_name) == 0) {
        g_swap_name = NULL;
        if (g_grow_to > 0 ? truncate(g_swap_target, g_grow_to) < 0
                          : rename(g_swap_with, g_swap_target) < 0)
            abort();
    }
    return __real_openat(dirfd, path, flags, mode);
}

/* Stages a pi home (in-tree file) or claude's ~/.claude.json (top-level file
 * mount) while a FIFO is swapped in for the file at the moment ags opens it. */
static int stage_with_fifo_swapped_in(void *arg)
{
    bool top_level = arg != NULL;
    char home[] = "/tmp/ags-test-fifo-XXXXXX";
    char stage[] = "/tmp/ags-test-stage-XXXXXX";
    struct ags_error err = {0};
    CHECK(mkdtemp(home) && stage_make_dir(stage, &err) == 0);
    const char *name = top_level ? ".claude.json" : "auth.json";
    const char *const entries[] = {top_level ? ".claude.json" : "agent/auth.json", NULL};
    CHECK(build(home, entries) == 0);
    (void)snprintf(g_swap_target, sizeof(g_swap_target), "%s/%s%s", home,
                   top_level ? "" : "agent/", name);
    (void)snprintf(g_swap_with, sizeof(g_swap_with), "%s/fifo", home);
    CHECK(mkfifo(g_swap_with, 0600) == 0);
    g_swap_name = name;
    _cleanup_free_ char *from = top_level ? xasprintf("%s/.claude.json", home) : xstrdup(home);
    const char *to = top_level ? "/home/dev/.claude.json" : PLAN_PI_HOME;
    _cleanup_free_ char *dest = xasprintf("%s%s", stage, to);
    _cleanup_free_ char *destination = xstrdup(to);
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = dest, .destination = destination,
                           .stage_from = from};
    struct ags_plan plan = {.agent = top_level ? PLAN_AGENT_CLAUDE : PLAN_AGENT_PI,
                            .mounts = &m, .n_mounts = 1};
    int r = stage_lockdown(&plan, stage, NULL, &err);
    CHECK(g_swap_name == NULL); /* the swap happened */
    CHECK(r < 0);
    CHECK(strstr(err.msg, name) != NULL);
    CHECK(strstr(err.msg, "regular file") != NULL);
    CHECK(stage_remove_tree(stage, &err) == 0 && stage_remove_tree(home, &err) == 0);
    return 0;
}

static void test_staging_refuses_a_fifo_swapped_in_after_the_stat_without_blocking(void **state)
{
    (void)state;
    run_in_child(stage_with_fifo_swapped_in, NULL, 10);
    static char top_level[] = "top-level";
    run_in_child(stage_with_fifo_swapped_in, top_level, 10);
}

static void test_staging_caps_the_bytes_copied_not_the_size_seen_before(void **state)
{
    (void)state;
    char home[] = "/tmp/ags-test-grow-XXXXXX";
    char stage[] = "/tmp/ags-test-stage-XXXXXX";
    struct ags_error err = {0};
    assert_non_null(mkdtemp(home));
    assert_int_equal(stage_make_dir(stage, &err), 0);
    static const char *const entries[] = {"agent/auth.json", NULL};
    assert_int_equal(build(home, entries), 0);
    _cleanup_free_ char *dest = xasprintf("%s%s", stage, PLAN_PI_HOME);
    char destination[] = PLAN_PI_HOME;
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = dest, .destination = destination,
                           .stage_from = home};
    struct ags_plan plan = {.agent = PLAN_AGENT_PI, .mounts = &m, .n_mounts = 1};
    /* the file grows from 15 bytes to 4 MiB between the stat and the open */
    (void)snprintf(g_swap_target, sizeof(g_swap_target), "%s/agent/auth.json", home);
    g_grow_to = 4 << 20;
    g_swap_name = "auth.json";
    int r = stage_lockdown_within(&plan, stage, 1 << 20, NULL, &err);
    g_grow_to = 0;
    assert_null(g_swap_name); /* it grew */
    assert_int_equal(r, -EFBIG);
    assert_non_null(strstr(err.msg, "larger than 1 MiB"));
    _cleanup_free_ char *copy = xasprintf("%s/agent/auth.json", dest);
    struct stat st;
    assert_true(stat(copy, &st) < 0 || st.st_size <= 1 << 20);
    assert_int_equal(stage_remove_tree(stage, &err), 0);
    assert_int_equal(stage_remove_tree(home, &err), 0);
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

/* ---- what a normal run plants in the real home for lockdown ---- */

/* Whether one of the notes contains both needles. */
static bool noted(const struct stage_notes *notes, const char *a, const char *b)
{
    for (size_t i = 0; i < STAGE_MAX_NOTES && notes->msg[i]; i++)
        if (strstr(notes->msg[i], a) && strstr(notes->msg[i], b))
            return true;
    return false;
}

/* Stages home as pi's home into a fresh staging dir; returns that dir's
 * copy of the home (owned by the caller) and its staging dir in stage. */
static char *stage_pi_home(const char *home, char stage[static 32], struct stage_notes *notes,
                           int *ret)
{
    struct ags_error err = {0};
    (void)snprintf(stage, 32, "%s", "/tmp/ags-test-stage-XXXXXX");
    if (stage_make_dir(stage, &err) < 0)
        return NULL;
    char *dest = xasprintf("%s%s", stage, PLAN_PI_HOME);
    char destination[] = PLAN_PI_HOME;
    _cleanup_free_ char *from = xstrdup(home);
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = dest, .destination = destination,
                           .stage_from = from};
    struct ags_plan plan = {.agent = PLAN_AGENT_PI, .mounts = &m, .n_mounts = 1};
    *ret = stage_lockdown(&plan, stage, notes, &err);
    if (*ret < 0)
        fprintf(stderr, "staging failed: %s\n", err.msg);
    return dest;
}

static void done_staging(struct stage_notes *notes, const char *stage, const char *home)
{
    stage_notes_done(notes);
    struct ags_error err = {0};
    assert_int_equal(stage_remove_tree(stage, &err), 0);
    assert_int_equal(stage_remove_tree(home, &err), 0);
}

/* A normal run (~/.pi read-write) links a session transcript of another
 * project into an allowlisted directory: lockdown must not stage it. */
static void test_lockdown_skips_hard_linked_files_with_a_note(void **state)
{
    (void)state;
    char home[] = "/tmp/ags-test-hardlink-XXXXXX";
    assert_non_null(mkdtemp(home));
    static const char *const entries[] = {
        "agent/auth.json", "agent/skills/", "agent/sessions/--other-project--/s.jsonl", NULL};
    assert_int_equal(build(home, entries), 0);
    _cleanup_free_ char *session = xasprintf("%s/agent/sessions/--other-project--/s.jsonl", home);
    _cleanup_free_ char *planted = xasprintf("%s/agent/skills/notes.md", home);
    assert_int_equal(link(session, planted), 0);
    char stage[32];
    struct stage_notes notes = {0};
    int r = -1;
    _cleanup_free_ char *dest = stage_pi_home(home, stage, &notes, &r);
    assert_int_equal(r, 0);
    assert_true(exists(dest, "agent/auth.json"));
    assert_true(exists(dest, "agent/skills"));
    assert_false(exists(dest, "agent/skills/notes.md"));
    assert_int_equal(notes.n, 1);
    assert_true(noted(&notes, "agent/skills/notes.md", "hard link"));
    done_staging(&notes, stage, home);
}

#define DEEP_NAME "\033]52;c;SGk=\a"

/* An unreadable file, an unreadable directory and a tree deeper than
 * STAGE_MAX_DEPTH (named like an OSC 52, as an attacker would) in allowlisted
 * places: each is skipped with a note, the rest is staged, the run goes on. */
static int stage_past_unreadable_and_deep_entries(void *arg)
{
    (void)arg;
    char home[] = "/tmp/ags-test-unreadable-XXXXXX";
    CHECK(mkdtemp(home));
    static const char *const entries[] = {
        "agent/auth.json", "agent/skills/secret.md", "agent/extensions/locked/x.ts",
        "agent/prompts/ok.md", NULL};
    CHECK(build(home, entries) == 0);
    _cleanup_free_ char *secret = xasprintf("%s/agent/skills/secret.md", home);
    _cleanup_free_ char *locked = xasprintf("%s/agent/extensions/locked", home);
    CHECK(chmod(secret, 0) == 0 && chmod(locked, 0) == 0);
    _cleanup_free_ char *deep = xasprintf("%s/agent/skills", home);
    int fd = open(deep, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; fd >= 0 && i < STAGE_MAX_DEPTH + 8; i++) {
        CHECK(mkdirat(fd, DEEP_NAME, 0700) == 0);
        int sub = openat(fd, DEEP_NAME, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        (void)close(fd);
        fd = sub;
    }
    CHECK(fd >= 0);
    (void)close(fd);
    char stage[32];
    struct stage_notes notes = {0};
    int r = -1;
    _cleanup_free_ char *dest = stage_pi_home(home, stage, &notes, &r);
    CHECK(r == 0);
    CHECK(exists(dest, "agent/auth.json") && exists(dest, "agent/prompts/ok.md"));
    CHECK(!exists(dest, "agent/skills/secret.md"));
    CHECK(!exists(dest, "agent/extensions/locked"));
    CHECK(notes.n == 3);
    CHECK(noted(&notes, "agent/skills/secret.md", "cannot read"));
    CHECK(noted(&notes, "agent/extensions/locked", "cannot read"));
    CHECK(noted(&notes, "agent/skills/" DEEP_NAME, "nested too deeply"));
    stage_notes_done(&notes);
    struct ags_error err = {0};
    CHECK(stage_remove_tree(stage, &err) == 0 && stage_remove_tree(home, &err) == 0);
    return 0;
}

static void test_lockdown_skips_unreadable_and_too_deep_entries_with_a_note(void **state)
{
    (void)state;
    run_in_child(stage_past_unreadable_and_deep_entries, NULL, 30);
}

/* More skipped entries than notes kept: the count is exact, the kept few
 * are the first ones. */
static void test_lockdown_notes_are_bounded_and_counted(void **state)
{
    (void)state;
    char home[] = "/tmp/ags-test-manylinks-XXXXXX";
    assert_non_null(mkdtemp(home));
    static const char *const entries[] = {"agent/skills/", "agent/orig", NULL};
    assert_int_equal(build(home, entries), 0);
    _cleanup_free_ char *orig = xasprintf("%s/agent/orig", home);
    for (int i = 0; i < 3 * STAGE_MAX_NOTES; i++) {
        _cleanup_free_ char *l = xasprintf("%s/agent/skills/l%02d", home, i);
        assert_int_equal(link(orig, l), 0);
    }
    char stage[32];
    struct stage_notes notes = {0};
    int r = -1;
    _cleanup_free_ char *dest = stage_pi_home(home, stage, &notes, &r);
    assert_int_equal(r, 0);
    assert_false(exists(dest, "agent/skills/l00"));
    assert_int_equal(notes.n, 3 * STAGE_MAX_NOTES);
    for (size_t i = 0; i < STAGE_MAX_NOTES; i++)
        assert_non_null(notes.msg[i]);
    done_staging(&notes, stage, home);
}

/* A file that would take the staged copy over the cap (the agent wrote it
 * into an allowlisted directory) is skipped with a note; the rest is staged. */
static void test_lockdown_skips_a_file_over_the_cap_with_a_note(void **state)
{
    (void)state;
    char home[] = "/tmp/ags-test-bigfile-XXXXXX";
    assert_non_null(mkdtemp(home));
    static const char *const entries[] = {"agent/auth.json", "agent/skills/big", NULL};
    assert_int_equal(build(home, entries), 0);
    _cleanup_free_ char *big = xasprintf("%s/agent/skills/big", home);
    assert_int_equal(truncate(big, 2 << 20), 0);
    char stage[] = "/tmp/ags-test-stage-XXXXXX";
    struct ags_error err = {0};
    assert_int_equal(stage_make_dir(stage, &err), 0);
    _cleanup_free_ char *dest = xasprintf("%s%s", stage, PLAN_PI_HOME);
    char destination[] = PLAN_PI_HOME;
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = dest, .destination = destination,
                           .stage_from = home};
    struct ags_plan plan = {.agent = PLAN_AGENT_PI, .mounts = &m, .n_mounts = 1};
    struct stage_notes notes = {0};
    int r = stage_lockdown_within(&plan, stage, 1 << 20, &notes, &err);
    if (r < 0)
        fail_msg("%s", err.msg);
    assert_true(exists(dest, "agent/auth.json"));
    assert_false(exists(dest, "agent/skills/big"));
    assert_int_equal(notes.n, 1);
    assert_true(noted(&notes, "agent/skills/big", "1 MiB"));
    done_staging(&notes, stage, home);
}

/* ~/.claude.json is mounted read-write as a file in a normal run: the agent
 * can chmod 000 it.  Lockdown then stages an empty object, with a note. */
static int stage_unreadable_claude_json(void *arg)
{
    (void)arg;
    char home[] = "/tmp/ags-test-claudejson-XXXXXX";
    CHECK(mkdtemp(home));
    static const char *const entries[] = {".claude.json", NULL};
    CHECK(build(home, entries) == 0);
    _cleanup_free_ char *from = xasprintf("%s/.claude.json", home);
    CHECK(chmod(from, 0) == 0);
    char stage[] = "/tmp/ags-test-stage-XXXXXX";
    struct ags_error err = {0};
    CHECK(stage_make_dir(stage, &err) == 0);
    _cleanup_free_ char *dest = xasprintf("%s/home/dev/.claude.json", stage);
    char destination[] = "/home/dev/.claude.json";
    struct plan_mount m = {.type = PLAN_MOUNT_BIND, .source = dest, .destination = destination,
                           .stage_from = from};
    struct ags_plan plan = {.agent = PLAN_AGENT_CLAUDE, .mounts = &m, .n_mounts = 1};
    struct stage_notes notes = {0};
    int r = stage_lockdown(&plan, stage, &notes, &err);
    if (r < 0)
        fprintf(stderr, "staging failed: %s\n", err.msg);
    CHECK(r == 0);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    CHECK(read_file_bounded(dest, 64, &text, &len, &err) == 0);
    CHECK(strcmp(text, "{}\n") == 0);
    CHECK(notes.n == 1 && noted(&notes, ".claude.json", "cannot read"));
    stage_notes_done(&notes);
    CHECK(stage_remove_tree(stage, &err) == 0 && stage_remove_tree(home, &err) == 0);
    return 0;
}

static void test_lockdown_stages_an_empty_claude_json_for_an_unreadable_one(void **state)
{
    (void)state;
    run_in_child(stage_unreadable_claude_json, NULL, 30);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lockdown_staging_keeps_only_allowlisted_entries_of_the_agent_home),
        cmocka_unit_test(test_pi_guard_is_written_into_the_pi_mount_and_settings_only_when_missing),
        cmocka_unit_test(test_pi_without_a_pi_mount_gets_a_note_and_shell_or_yolo_stay_silent),
        cmocka_unit_test(test_claude_hook_and_plugin_go_into_the_hooks_mount_normal_and_lockdown),
        cmocka_unit_test(test_sweep_removes_only_own_staging_of_dead_owners),
        cmocka_unit_test(test_sweep_keeps_the_staging_of_a_running_supervised_session),
        cmocka_unit_test(test_lockdown_stages_pi_config_but_no_sessions_at_any_depth),
        cmocka_unit_test(test_lockdown_stages_claude_config_but_no_transcripts_or_history),
        cmocka_unit_test(test_lockdown_stages_codex_config_but_no_sessions_history_or_logs),
        cmocka_unit_test(test_lockdown_stages_gemini_config_but_no_chats_or_checkpoints),
        cmocka_unit_test(test_lockdown_stages_opencode_config_dir_only),
        cmocka_unit_test(test_lockdown_stages_claude_json_without_project_history),
        cmocka_unit_test(test_removal_restores_permissions_of_directories_the_agent_locked),
        cmocka_unit_test(test_removal_removes_a_tree_deeper_than_path_max),
        cmocka_unit_test(test_sweep_keeps_going_after_a_staging_dir_it_cannot_remove),
        cmocka_unit_test(test_staging_refuses_a_fifo_swapped_in_after_the_stat_without_blocking),
        cmocka_unit_test(test_staging_caps_the_bytes_copied_not_the_size_seen_before),
        cmocka_unit_test(test_staging_dir_records_its_owner),
        cmocka_unit_test(test_lockdown_skips_hard_linked_files_with_a_note),
        cmocka_unit_test(test_lockdown_skips_unreadable_and_too_deep_entries_with_a_note),
        cmocka_unit_test(test_lockdown_notes_are_bounded_and_counted),
        cmocka_unit_test(test_lockdown_skips_a_file_over_the_cap_with_a_note),
        cmocka_unit_test(test_lockdown_stages_an_empty_claude_json_for_an_unreadable_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
