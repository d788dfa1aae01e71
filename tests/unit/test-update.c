/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags update-agents (run/update.c, run/agentlock.c): which package specs are
 * passed on, the script each agent's maintenance sandbox runs, how its output
 * becomes the one line per agent, and the agent lock between updates and
 * starting runs.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "run/run.h"

/* ---- package specs ---- */

static void test_spec_accepts_npm_names_scopes_versions_and_tags(void **state)
{
    (void)state;
    static const char *const good[] = {
        "@mariozechner/pi-coding-agent", "@earendil-works/pi-coding-agent@1.6.0", "opencode-ai",
        "@openai/codex@latest", "pi-coding-agent@^0.73", "x@>=1.2.0",
    };
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        struct ags_error err = {0};
        if (run_update_spec_check(good[i], &err) != 0)
            fail_msg("refused %s: %s", good[i], err.msg);
    }
}

static void test_spec_refuses_options_spaces_paths_and_shell(void **state)
{
    (void)state;
    char longname[300];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    static const char *const bad[] = {
        "", "-g", "--registry=http://evil", "a b", "../x", "./local", "x;rm -rf /", "$(id)",
        "file:/etc", "x\ny", "`id`",
    };
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        struct ags_error err = {0};
        if (run_update_spec_check(bad[i], &err) != -EINVAL)
            fail_msg("accepted '%s'", bad[i]);
        assert_non_null(strstr(err.msg, "is not a package spec"));
    }
    struct ags_error err = {0};
    assert_int_equal(run_update_spec_check(longname, &err), -EINVAL);
    assert_int_equal(run_update_spec_check(NULL, &err), -EINVAL);
}

static void test_packages_pi_from_config_the_others_fixed_shell_none(void **state)
{
    (void)state;
    assert_string_equal(run_update_package(PLAN_AGENT_PI, "@x/pi@1"), "@x/pi@1");
    assert_string_equal(run_update_package(PLAN_AGENT_CODEX, "@x/pi"), "@openai/codex");
    assert_string_equal(run_update_package(PLAN_AGENT_GEMINI, "@x/pi"), "@google/gemini-cli");
    assert_string_equal(run_update_package(PLAN_AGENT_OPENCODE, "@x/pi"), "opencode-ai");
    assert_string_equal(run_update_package(PLAN_AGENT_CLAUDE, "@x/pi"),
                        "@anthropic-ai/claude-code");
    assert_null(run_update_package(PLAN_AGENT_SHELL, "@x/pi"));
    assert_null(run_update_script(PLAN_AGENT_SHELL, "x", 0));
}

/* ---- the script ---- */

static void test_pnpm_agents_install_with_scripts_off_and_the_minimum_age(void **state)
{
    (void)state;
    _cleanup_free_ char *s = run_update_script(PLAN_AGENT_PI, "@m/pi-coding-agent", 1440);
    assert_non_null(strstr(s, "pnpm add -g --ignore-scripts --config.minimum-release-age=1440 "
                              "'@m/pi-coding-agent' || exit 1"));
    /* old version, install, verify: in that order, each marked */
    const char *check = strstr(s, "ags-update: step check");
    const char *old = strstr(s, "ags-update: old $(ags_v /usr/local/pnpm/pi)");
    const char *install = strstr(s, "ags-update: step install");
    const char *verify = strstr(s, "ags-update: step verify");
    const char *fresh = strstr(s, "ags_new=$(ags_v /usr/local/pnpm/pi)");
    assert_true(check && old && install && verify && fresh);
    assert_true(check < old && old < install && install < verify && verify < fresh);
    /* the agent's binary (agent-writable) runs with a time limit and writes a
     * file, so neither it nor a child it leaves can hold the update up */
    assert_non_null(strstr(s, "ags_v() { timeout -k 5 60 \"$@\" --version </dev/null "
                              ">/tmp/ags-version 2>&1;"));
    assert_null(strstr(s, "npm install"));
    assert_null(strstr(s, "postinstall"));
    _cleanup_free_ char *any = run_update_script(PLAN_AGENT_CODEX, "@openai/codex", 0);
    assert_non_null(strstr(any, "pnpm add -g --ignore-scripts '@openai/codex' || exit 1"));
    assert_null(strstr(any, "minimum-release-age"));
    assert_non_null(strstr(any, "ags_new=$(ags_v /usr/local/pnpm/codex)"));
    assert_null(strstr(any, "postinstall"));
}

/* opencode and claude put their native binary in place in their own
 * postinstall: that one script runs, by name, after the scripts-off install. */
static void test_opencode_and_claude_run_only_their_own_postinstall(void **state)
{
    (void)state;
    _cleanup_free_ char *oc = run_update_script(PLAN_AGENT_OPENCODE, "opencode-ai", 0);
    assert_non_null(strstr(oc, "pnpm add -g --ignore-scripts opencode-ai && "
                               "(cd \"$(pnpm root -g)\"/opencode-ai && "
                               "npm run --silent postinstall) || exit 1"));
    _cleanup_free_ char *cl = run_update_script(PLAN_AGENT_CLAUDE, "@anthropic-ai/claude-code", 0);
    assert_non_null(strstr(cl, "'@anthropic-ai/claude-code' && (cd "
                               "/opt/claude-home/npm/lib/node_modules/@anthropic-ai/claude-code"
                               " && npm run --silent postinstall) && mkdir -p"));
}

static void test_claude_installs_its_npm_package_into_the_install_volume(void **state)
{
    (void)state;
    _cleanup_free_ char *s = run_update_script(PLAN_AGENT_CLAUDE, "@anthropic-ai/claude-code", 60);
    assert_non_null(strstr(s, "npm install -g --no-fund --no-audit --ignore-scripts "
                              "--prefix /opt/claude-home/npm --before="));
    assert_non_null(strstr(s, "- 60 * 60 ))"));
    assert_non_null(strstr(s, "ln -sfn /opt/claude-home/npm/bin/claude "
                              "/opt/claude-home/.local/bin/claude"));
    assert_non_null(strstr(s, "ags_new=$(ags_v /opt/claude-home/.local/bin/claude)"));
    assert_null(strstr(s, "pnpm"));
}

/* The versions, step and detail are the agent's words (its binary, its
 * volume): the line that reaches the terminal shows C1 controls and bidi
 * overrides as escapes, never as what a terminal acts on. */
static void test_the_line_escapes_what_the_agent_wrote(void **state)
{
    (void)state;
    struct run_update_result res = {0};
    run_update_parse("ags-update: step install\n"
                     "Error: \xc2\x9b" "2J\xc2\x9d" "0;owned\xc2\x9c \xe2\x80\xae" "gnp.txt\n",
                     1, &res);
    _cleanup_free_ char *line = run_update_line(PLAN_AGENT_PI, &res);
    assert_null(strstr(line, "\xc2\x9b"));
    assert_null(strstr(line, "\xc2\x9d"));
    assert_null(strstr(line, "\xe2\x80\xae"));
    assert_non_null(strstr(line, "pi: failed at install: Error: \\u{9b}2J"));
    run_update_parse("ags-update: step verify\nags-update: new 1.0\xe2\x80\xae\n", 0, &res);
    _cleanup_free_ char *ok = run_update_line(PLAN_AGENT_CODEX, &res);
    assert_null(strstr(ok, "\xe2\x80\xae"));
}

/* ---- versions, output, lines ---- */

static void assert_version(const char *line, const char *want)
{
    char out[RUN_VERSION_MAX];
    run_update_version(line, out, sizeof(out));
    assert_string_equal(out, want);
}

static void test_version_is_the_first_word_starting_with_a_digit(void **state)
{
    (void)state;
    assert_version("0.73.1", "0.73.1");
    assert_version("  0.73.1 \r\n", "0.73.1");
    assert_version("codex-cli 0.46.0", "0.46.0");
    assert_version("2.0.14 (Claude Code)", "2.0.14");
    assert_version("opencode v1.2.3", "v1.2.3");
    assert_version("version unknown", "version unknown");
    assert_version("", "");
    assert_version("\x1b]52;c;x\x07 oops", "?]52;c;x? oops");
}

static void test_version_is_cut_to_fit(void **state)
{
    (void)state;
    char line[200];
    memset(line, '7', sizeof(line) - 1);
    line[sizeof(line) - 1] = '\0';
    char out[RUN_VERSION_MAX];
    run_update_version(line, out, sizeof(out));
    assert_int_equal(strlen(out), RUN_VERSION_MAX - 1);
}

static void test_parse_a_fresh_install(void **state)
{
    (void)state;
    struct run_update_result r;
    run_update_parse("ags-update: step check\nags-update: step install\n"
                     "Packages: +42\nDone in 9s\nags-update: step verify\n"
                     "ags-update: new 0.73.1\n", 0, &r);
    assert_true(r.ok);
    assert_string_equal(r.old_version, "");
    assert_string_equal(r.new_version, "0.73.1");
    r.seconds = 9.25;
    _cleanup_free_ char *line = run_update_line(PLAN_AGENT_PI, &r);
    assert_string_equal(line, "pi: not installed -> 0.73.1 (9.2 s)");
}

static void test_parse_an_update_and_a_noop(void **state)
{
    (void)state;
    struct run_update_result r;
    run_update_parse("ags-update: step check\nags-update: old codex-cli 0.45.0\n"
                     "ags-update: step install\nags-update: step verify\n"
                     "ags-update: new codex-cli 0.46.0\n", 0, &r);
    assert_true(r.ok);
    _cleanup_free_ char *line = run_update_line(PLAN_AGENT_CODEX, &r);
    assert_string_equal(line, "codex: 0.45.0 -> 0.46.0 (0.0 s)");
    run_update_parse("ags-update: old 0.73.1\nags-update: new 0.73.1", 0, &r);
    assert_true(r.ok);
    _cleanup_free_ char *same = run_update_line(PLAN_AGENT_PI, &r);
    assert_string_equal(same, "pi: up to date (0.73.1, 0.0 s)");
}

static void test_parse_a_failed_install_names_the_step_and_last_line(void **state)
{
    (void)state;
    struct run_update_result r;
    run_update_parse("ags-update: step check\nags-update: step install\n"
                     "Progress: resolved 1\n"
                     " ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/@x%2Fnope: Not Found\n"
                     "\n"
                     "No authorization header was set for the request.\n", 1, &r);
    assert_false(r.ok);
    assert_string_equal(r.step, "install");
    _cleanup_free_ char *line = run_update_line(PLAN_AGENT_PI, &r);
    assert_string_equal(line, "pi: failed at install: ERR_PNPM_FETCH_404  GET "
                              "https://registry.npmjs.org/@x%2Fnope: Not Found");
}

static void test_parse_without_a_new_version_is_a_failure(void **state)
{
    (void)state;
    struct run_update_result r;
    run_update_parse("ags-update: step check\nags-update: step install\n"
                     "ags-update: step verify\n", 0, &r);
    assert_false(r.ok);
    assert_string_equal(r.step, "verify");
    assert_string_equal(r.detail, "exit status 0");
    run_update_parse("", 127, &r);
    assert_false(r.ok);
    assert_string_equal(r.step, "check");
    assert_string_equal(r.detail, "exit status 127");
    run_update_parse("ags-update: step verify\nboom: not found\n", 127, &r);
    _cleanup_free_ char *line = run_update_line(PLAN_AGENT_GEMINI, &r);
    assert_string_equal(line, "gemini: failed at verify: boom: not found");
}

/* ---- the agent lock ---- */

struct lock_fx {
    char dir[64];
    int waited;
};

static void on_wait(const void *userdata)
{
    struct lock_fx *f = (struct lock_fx *)(uintptr_t)userdata;
    f->waited++;
}

static int take(struct lock_fx *f, enum plan_agent a, bool exclusive, int *fd)
{
    static const volatile sig_atomic_t cancelled = 1;
    const struct run_agent_lock_opts o = {
        .dir = f->dir, .agent = a, .exclusive = exclusive,
        .cancel = &cancelled, /* never wait in a test: busy is -EINTR */
        .on_wait = on_wait, .userdata = f,
    };
    struct ags_error err = {0};
    return run_agent_lock(&o, fd, &err);
}

static void lock_fx_init(struct lock_fx *f)
{
    *f = (struct lock_fx){0};
    (void)snprintf(f->dir, sizeof(f->dir), "/tmp/ags-test-lock-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
}

static void lock_fx_done(struct lock_fx *f)
{
    for (int a = 0; a < PLAN_AGENT_COUNT; a++) {
        _cleanup_free_ char *p = xasprintf("%s/ags-agent-%ld-%s.lock", f->dir, (long)geteuid(),
                                           plan_agent_name((enum plan_agent)a));
        (void)unlink(p);
    }
    assert_int_equal(rmdir(f->dir), 0);
}

static const char *fake_runtime;
static const char *fake_getenv(const char *name)
{
    return strcmp(name, "XDG_RUNTIME_DIR") == 0 ? fake_runtime : NULL;
}

/* The lock lives in a private runtime dir, else in the cache dir (made
 * 0700): never in a directory another user can write, such as /tmp, where a
 * planted file or directory of the lock's name would block every update. */
static void test_the_lock_dir_is_private_never_the_shared_tmp(void **state)
{
    (void)state;
    struct lock_fx f;
    lock_fx_init(&f); /* mkdtemp: 0700, ours */
    struct ags_error err = {0};
    _cleanup_free_ char *cache = xasprintf("%s/cache/ags", f.dir);
    char *dir = NULL;

    fake_runtime = f.dir;
    assert_int_equal(run_private_dir(fake_getenv, cache, true, &dir, &err), 0);
    assert_string_equal(dir, f.dir);
    free(dir);

    fake_runtime = "/tmp"; /* world-writable: not private */
    assert_int_equal(run_private_dir(fake_getenv, cache, true, &dir, &err), 0);
    assert_string_equal(dir, cache);
    free(dir);
    struct stat st;
    assert_int_equal(lstat(cache, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);

    fake_runtime = NULL;
    assert_int_equal(chmod(cache, 0770), 0); /* a cache dir others may use */
    dir = NULL;
    assert_int_equal(run_private_dir(fake_getenv, cache, true, &dir, &err), -EPERM);
    assert_null(dir);
    assert_non_null(strstr(err.msg, "chmod 0700"));
    assert_int_equal(run_private_dir(fake_getenv, "relative", true, &dir, &err), -EINVAL);

    _cleanup_free_ char *parent = xasprintf("%s/cache", f.dir);
    assert_int_equal(rmdir(cache), 0);
    assert_int_equal(rmdir(parent), 0);
    lock_fx_done(&f);
}

static void test_runs_share_the_lock_an_update_waits_for_them(void **state)
{
    (void)state;
    struct lock_fx f;
    lock_fx_init(&f);
    int run1 = -1, run2 = -1, update = -1;
    assert_int_equal(take(&f, PLAN_AGENT_PI, false, &run1), 0);
    assert_int_equal(take(&f, PLAN_AGENT_PI, false, &run2), 0);
    assert_int_equal(f.waited, 0);
    assert_int_equal(take(&f, PLAN_AGENT_PI, true, &update), -EINTR);
    assert_int_equal(f.waited, 1);
    (void)close(run1);
    assert_int_equal(take(&f, PLAN_AGENT_PI, true, &update), -EINTR);
    (void)close(run2);
    assert_int_equal(take(&f, PLAN_AGENT_PI, true, &update), 0);
    (void)close(update);
    lock_fx_done(&f);
}

static void test_an_update_holds_off_runs_and_updates_of_that_agent_only(void **state)
{
    (void)state;
    struct lock_fx f;
    lock_fx_init(&f);
    int update = -1, other = -1;
    assert_int_equal(take(&f, PLAN_AGENT_PI, true, &update), 0);
    assert_int_equal(take(&f, PLAN_AGENT_PI, false, &other), -EINTR);
    assert_int_equal(take(&f, PLAN_AGENT_PI, true, &other), -EINTR);
    assert_int_equal(f.waited, 2);
    assert_int_equal(take(&f, PLAN_AGENT_CODEX, true, &other), 0);
    (void)close(other);
    (void)close(update);
    assert_int_equal(take(&f, PLAN_AGENT_PI, false, &other), 0);
    (void)close(other);
    lock_fx_done(&f);
}

static void test_a_lock_file_of_another_user_or_a_symlink_is_refused(void **state)
{
    (void)state;
    struct lock_fx f;
    lock_fx_init(&f);
    _cleanup_free_ char *path = xasprintf("%s/ags-agent-%ld-pi.lock", f.dir, (long)geteuid());
    assert_int_equal(symlink("/tmp", path), 0);
    int fd = -1;
    assert_int_not_equal(take(&f, PLAN_AGENT_PI, true, &fd), 0);
    assert_int_equal(unlink(path), 0);
    if (geteuid() == 0) { /* the tests run as root: a file that is not ours */
        int planted = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        assert_true(planted >= 0);
        assert_int_equal(fchown(planted, 65534, 65534), 0);
        (void)close(planted);
        assert_int_equal(take(&f, PLAN_AGENT_PI, true, &fd), -EPERM);
    }
    lock_fx_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_accepts_npm_names_scopes_versions_and_tags),
        cmocka_unit_test(test_spec_refuses_options_spaces_paths_and_shell),
        cmocka_unit_test(test_packages_pi_from_config_the_others_fixed_shell_none),
        cmocka_unit_test(test_pnpm_agents_install_with_scripts_off_and_the_minimum_age),
        cmocka_unit_test(test_claude_installs_its_npm_package_into_the_install_volume),
        cmocka_unit_test(test_opencode_and_claude_run_only_their_own_postinstall),
        cmocka_unit_test(test_the_line_escapes_what_the_agent_wrote),
        cmocka_unit_test(test_version_is_the_first_word_starting_with_a_digit),
        cmocka_unit_test(test_version_is_cut_to_fit),
        cmocka_unit_test(test_parse_a_fresh_install),
        cmocka_unit_test(test_parse_an_update_and_a_noop),
        cmocka_unit_test(test_parse_a_failed_install_names_the_step_and_last_line),
        cmocka_unit_test(test_parse_without_a_new_version_is_a_failure),
        cmocka_unit_test(test_the_lock_dir_is_private_never_the_shared_tmp),
        cmocka_unit_test(test_runs_share_the_lock_an_update_waits_for_them),
        cmocka_unit_test(test_an_update_holds_off_runs_and_updates_of_that_agent_only),
        cmocka_unit_test(test_a_lock_file_of_another_user_or_a_symlink_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
