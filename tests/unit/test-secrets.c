/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secret resolution order and the helper-command rules (docs/secrets.md).
 * Helpers are real scripts run as real processes; the keyring is replaced by
 * a table here (the real one is tested under dbus-run-session in
 * tests/secrets/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strv.h"
#include "config/config.h"
#include "plan/plan.h"
#include "secrets/secrets.h"

static char g_dir[] = "/tmp/ags-test-secrets-XXXXXX";

/* argv and envp arrays are char *const[]: string literals need the cast. */
#define MUT(s) ((char *)(uintptr_t)(s))

/* ---- fakes of the host: an environment and a keyring table ---- */

static const char *const *g_env; /* "NAME=value" */

static const char *fake_getenv(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; g_env && g_env[i]; i++)
        if (strncmp(g_env[i], name, n) == 0 && g_env[i][n] == '=')
            return g_env[i] + n + 1;
    return NULL;
}

static int g_keyring_calls;

/* Items keyed by their "service" attribute. */
static int fake_keyring(const struct cfg_map *attrs, char **ret, size_t *ret_len,
                        struct ags_error *err)
{
    g_keyring_calls++;
    for (size_t i = 0; i < attrs->n; i++) {
        if (strcmp(attrs->v[i].key, "service") != 0)
            continue;
        if (strcmp(attrs->v[i].value, "stored") == 0) {
            *ret = xstrdup("from-keyring");
            *ret_len = strlen(*ret);
            return 0;
        }
        if (strcmp(attrs->v[i].value, "locked") == 0)
            return ags_error_set(err, -EACCES, "the keyring holding it is locked");
    }
    return ags_error_set(err, -ENOENT, "no keyring item matches");
}

static struct secret_host host(void)
{
    return (struct secret_host){.getenv = fake_getenv, .home = g_dir,
                                .keyring_lookup = fake_keyring, .helper_timeout_ms = 2000};
}

static char *script(const char *name, const char *body)
{
    char *path = xasprintf("%s/%s", g_dir, name);
    _cleanup_free_ char *text = xasprintf("#!/bin/sh\n%s\n", body);
    struct ags_error err;
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0755, &err), 0);
    return path;
}

static struct ags_config *load(const char *toml)
{
    const struct cfg_host h = {.home = "/home/u", .cwd = "/", .getenv = fake_getenv};
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};
    int r = config_load_buffer(&h, toml, strlen(toml), "/etc/ags.toml", false, &cfg, &diag);
    for (size_t i = 0; i < diag.n_errors; i++)
        print_message("config error: %s\n", diag.errors[i]);
    cfg_diag_done(&diag);
    assert_int_equal(r, 0);
    return cfg;
}

/* The plan's references: every [[secret]] in order, then passthrough names. */
static struct ags_plan plan_of(const struct ags_config *cfg, struct plan_secret *buf, size_t cap,
                               const char *const *passthrough)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_secrets && n < cap; i++)
        buf[n++] = (struct plan_secret){.env = cfg->secrets[i].env.v, .config_index = (long)i};
    for (size_t i = 0; passthrough && passthrough[i] && n < cap; i++)
        buf[n++] = (struct plan_secret){.env = (char *)(uintptr_t)passthrough[i],
                                        .config_index = -1,
                                        .host_env = (char *)(uintptr_t)passthrough[i]};
    return (struct ags_plan){.secrets = buf, .n_secrets = n};
}

static const struct secret_value *value_of(const struct secret_set *s, const char *env)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].env, env) == 0)
            return &s->v[i];
    return NULL;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int setup_dir(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(g_dir));
    return 0;
}

static int remove_dir(void **state)
{
    (void)state;
    _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- resolution order ---- */

static void test_from_env_beats_secret_store_beats_command_within_one_entry(void **state)
{
    (void)state;
    _cleanup_free_ char *marker = xasprintf("%s/helper-ran", g_dir);
    _cleanup_free_ char *body = xasprintf("touch '%s'; echo from-helper", marker);
    _cleanup_free_ char *helper = script("order.sh", body);
    _cleanup_free_ char *toml = xasprintf(
            "[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"T\"\nfrom_env = \"HOST_T\"\n"
            "secret_store = { service = \"stored\" }\ncommand = [\"%s\"]\n", helper);
    struct ags_config *cfg = load(toml);
    struct plan_secret buf[4];
    struct ags_plan plan = plan_of(cfg, buf, 4, NULL);
    struct secret_host h = host();

    static const char *const with_env[] = {"HOST_T=from-env", NULL};
    g_env = with_env;
    g_keyring_calls = 0;
    struct secret_set s;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].value, "from-env");
    assert_int_equal(s.v[0].source, SECRET_SOURCE_ENV);
    assert_int_equal(g_keyring_calls, 0); /* first success stops the search */
    assert_false(exists(marker));
    secret_set_done(&s);

    static const char *const empty_env[] = {"HOST_T=", NULL}; /* empty falls through */
    g_env = empty_env;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_string_equal(s.v[0].value, "from-keyring");
    assert_int_equal(s.v[0].source, SECRET_SOURCE_KEYRING);
    assert_false(exists(marker));
    secret_set_done(&s);
    config_free(cfg);
}

static void test_command_runs_when_env_and_keyring_yield_nothing(void **state)
{
    (void)state;
    _cleanup_free_ char *helper = script("last.sh", "echo from-helper");
    _cleanup_free_ char *toml = xasprintf(
            "[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"T\"\nfrom_env = \"UNSET\"\n"
            "secret_store = { service = \"absent\" }\ncommand = [\"%s\"]\n", helper);
    struct ags_config *cfg = load(toml);
    struct plan_secret buf[4];
    struct ags_plan plan = plan_of(cfg, buf, 4, NULL);
    struct secret_host h = host();
    g_env = NULL;
    struct secret_set s;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].value, "from-helper");
    assert_int_equal(s.v[0].len, strlen("from-helper"));
    assert_int_equal(s.v[0].source, SECRET_SOURCE_COMMAND);
    assert_non_null(strstr(s.v[0].origin, "command "));
    assert_int_equal(s.n_warnings, 0); /* an absent keyring item is not worth a warning */
    secret_set_done(&s);
    config_free(cfg);
}

static void test_first_entry_per_target_wins_and_failures_warn_without_values(void **state)
{
    (void)state;
    _cleanup_free_ char *bad = script("bad.sh", "echo leaked-output; exit 3");
    _cleanup_free_ char *toml = xasprintf(
            "[sandbox]\nimage = \"i\"\n"
            "[[secret]]\nenv = \"T\"\ncommand = [\"%s\"]\n"
            "[[secret]]\nenv = \"T\"\nsecret_store = { service = \"locked\" }\n"
            "[[secret]]\nenv = \"T\"\nfrom_env = \"SECOND\"\n"
            "[[secret]]\nenv = \"T\"\nfrom_env = \"THIRD\"\n", bad);
    struct ags_config *cfg = load(toml);
    struct plan_secret buf[8];
    struct ags_plan plan = plan_of(cfg, buf, 8, NULL);
    struct secret_host h = host();
    static const char *const env[] = {"SECOND=two", "THIRD=three", NULL};
    g_env = env;
    struct secret_set s;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.v[0].value, "two");
    assert_int_equal(s.n_warnings, 2);
    assert_non_null(strstr(s.warnings[0], "command secret lookup for T failed"));
    assert_non_null(strstr(s.warnings[0], "helper exited with status 3"));
    assert_null(strstr(s.warnings[0], "leaked-output"));
    assert_non_null(strstr(s.warnings[1], "locked"));
    secret_set_done(&s);
    config_free(cfg);
}

static void test_oversized_environment_value_is_a_warning_not_a_value(void **state)
{
    (void)state;
    struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"T\"\n"
                                  "from_env = \"BIG\"\n");
    struct plan_secret buf[2];
    struct ags_plan plan = plan_of(cfg, buf, 2, NULL);
    struct secret_host h = host();
    size_t n = AGS_SECRET_MAX_VALUE + 1;
    char *big = xmalloc(strlen("BIG=") + n + 1);
    memcpy(big, "BIG=", 4);
    memset(big + 4, 'x', n);
    big[4 + n] = '\0';
    const char *env[] = {big, NULL};
    g_env = env;
    struct secret_set s;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(s.n_warnings, 1);
    assert_non_null(strstr(s.warnings[0], "environment secret lookup for T failed"));
    assert_non_null(strstr(s.warnings[0], "longer than 512000 bytes"));
    secret_set_done(&s);
    g_env = NULL;
    free(big);
    config_free(cfg);
}

static void test_passthrough_takes_the_host_variable_and_unset_targets_are_absent(void **state)
{
    (void)state;
    struct ags_config *cfg = load("[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"T\"\n"
                                  "from_env = \"NOPE\"\n");
    struct plan_secret buf[4];
    static const char *const pass[] = {"PASS", "EMPTY", NULL};
    struct ags_plan plan = plan_of(cfg, buf, 4, pass);
    struct secret_host h = host();
    static const char *const env[] = {"PASS=p-value", "EMPTY=", NULL};
    g_env = env;
    struct secret_set s;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_int_equal(s.n, 1);
    assert_null(value_of(&s, "T"));
    assert_null(value_of(&s, "EMPTY"));
    assert_string_equal(must_get(value_of(&s, "PASS"))->value, "p-value");
    assert_int_equal(must_get(value_of(&s, "PASS"))->source, SECRET_SOURCE_PASSTHROUGH);
    secret_set_done(&s);
    config_free(cfg);
}

static void test_legacy_providers_resolve_after_the_new_sources(void **state)
{
    (void)state;
    struct ags_config *cfg = load(
            "[sandbox]\nimage = \"i\"\n"
            "[[secret]]\nenv = \"A\"\nprovider = \"env\"\n"
            "[[secret]]\nenv = \"B\"\nprovider = \"env\"\nvar = \"B_HOST\"\n"
            "[[secret]]\nenv = \"C\"\nprovider = \"secret-tool\"\n"
            "attributes = { service = \"stored\" }\n");
    struct plan_secret buf[4];
    struct ags_plan plan = plan_of(cfg, buf, 4, NULL);
    struct secret_host h = host();
    static const char *const env[] = {"A=a", "B_HOST=b", NULL};
    g_env = env;
    struct secret_set s;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(must_get(value_of(&s, "A"))->value, "a");
    assert_string_equal(must_get(value_of(&s, "B"))->value, "b");
    assert_string_equal(must_get(value_of(&s, "C"))->value, "from-keyring");
    secret_set_done(&s);
    config_free(cfg);
}

static void test_lockdown_resolves_nothing_and_runs_no_helper(void **state)
{
    (void)state;
    _cleanup_free_ char *marker = xasprintf("%s/lockdown-ran", g_dir);
    _cleanup_free_ char *body = xasprintf("touch '%s'; echo v", marker);
    _cleanup_free_ char *helper = script("lockdown.sh", body);
    _cleanup_free_ char *toml = xasprintf(
            "[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"T\"\ncommand = [\"%s\"]\n"
            "[[secret]]\nenv = \"U\"\nsecret_store = { service = \"stored\" }\n", helper);
    struct ags_config *cfg = load(toml);
    struct plan_secret buf[4];
    struct ags_plan plan = plan_of(cfg, buf, 4, NULL);
    plan.lockdown = true;
    struct secret_host h = host();
    g_keyring_calls = 0;
    struct secret_set s;
    secrets_resolve(cfg, &plan, &h, &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(g_keyring_calls, 0);
    assert_false(exists(marker));
    secret_set_done(&s);
    config_free(cfg);
}

static void test_diagnose_names_the_resolving_source_and_why_others_failed(void **state)
{
    (void)state;
    struct ags_config *cfg = load(
            "[sandbox]\nimage = \"i\"\n"
            "[[secret]]\nenv = \"T\"\nfrom_env = \"UNSET\"\nsecret_store = { service = \"locked\" }\n"
            "[[secret]]\nenv = \"T\"\nsecret_store = { service = \"stored\" }\n"
            "[[secret]]\nenv = \"N\"\nfrom_env = \"ALSO_UNSET\"\n");
    struct secret_host h = host();
    g_env = NULL;
    struct secret_check *c = NULL;
    size_t n = 0;
    secrets_diagnose(cfg, &h, &c, &n);
    assert_int_equal(n, 2);
    assert_string_equal(c[0].env, "T");
    assert_int_equal(c[0].state, SECRET_CHECK_RESOLVED);
    assert_non_null(strstr(c[0].source, "secret_store (config /etc/ags.toml:7)"));
    assert_int_equal(c[0].n_notes, 2);
    assert_string_equal(c[0].notes[0], "from_env UNSET: not set");
    assert_non_null(strstr(c[0].notes[1], "locked"));
    assert_string_equal(c[1].env, "N");
    assert_int_equal(c[1].state, SECRET_CHECK_UNRESOLVED);
    assert_null(c[1].source);
    for (size_t i = 0; i < n; i++) /* a value never appears */
        for (size_t k = 0; k < c[i].n_notes; k++)
            assert_null(strstr(c[i].notes[k], "from-keyring"));
    secret_checks_free(c, n);
    config_free(cfg);
}

/* ---- the output rules ---- */

static void test_output_rules_strip_one_newline_and_reject_empty_nul_newlines_bad_utf8(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(secret_output_check("abc\n", 4, &why), 3);
    assert_int_equal(secret_output_check("abc\r\n", 5, &why), 3);
    assert_int_equal(secret_output_check("abc", 3, &why), 3);
    assert_int_equal(secret_output_check("h\xc3\xa9llo", 6, &why), 6);
    assert_int_equal(secret_output_check("\n", 1, &why), -EINVAL);
    assert_string_equal(why, "helper stdout was empty");
    assert_int_equal(secret_output_check("abc\n\n", 5, &why), -EINVAL);
    assert_string_equal(why, "helper stdout contained an embedded newline");
    assert_int_equal(secret_output_check("a\rb", 3, &why), -EINVAL);
    assert_string_equal(why, "helper stdout contained an embedded newline");
    assert_int_equal(secret_output_check("a\0b", 3, &why), -EINVAL);
    assert_string_equal(why, "helper stdout contained a NUL byte");
    assert_int_equal(secret_output_check("\xff\xfe", 2, &why), -EINVAL);
    assert_string_equal(why, "helper stdout was not valid UTF-8");
    assert_int_equal(secret_output_check("\xed\xa0\x80", 3, &why), -EINVAL); /* surrogate */
}

/* ---- real helper processes ---- */

static int run_helper(const char *body, unsigned timeout_ms, char **out, const char **why)
{
    _cleanup_free_ char *path = script("h.sh", body);
    char *argv[] = {path, NULL};
    char *envp[] = {MUT("PATH=/usr/bin:/bin"), NULL};
    size_t len = 0;
    *out = NULL;
    return secret_helper_run(argv, g_dir, envp, timeout_ms, SECRET_HELPER_MAX_OUTPUT, out, &len,
                             why);
}

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_helper_that_hangs_is_killed_at_the_timeout(void **state)
{
    (void)state;
    char *out;
    const char *why = NULL;
    long long t0 = ms_now();
    assert_int_equal(run_helper("sleep 30", 300, &out, &why), -ETIMEDOUT);
    assert_string_equal(why, "lookup timed out");
    assert_true(ms_now() - t0 < 10000); /* returned long before the 30 s sleep */
    assert_null(out);
}

/* Runs a helper body that prints "value" and writes a pid to pidfile: the
 * lookup succeeds well before the 5 s timeout; returns that pid. */
static pid_t run_value_helper_returning_pid(const char *body, const char *pidfile)
{
    char *out;
    const char *why = NULL;
    long long t0 = ms_now();
    assert_int_equal(run_helper(body, 5000, &out, &why), 0);
    assert_true(ms_now() - t0 < 4000); /* the helper's exit ended it, not the timeout */
    assert_string_equal(out, "value");
    free(out);
    _cleanup_free_ char *text = NULL;
    size_t len;
    struct ags_error err;
    assert_int_equal(read_file_bounded(pidfile, 64, &text, &len, &err), 0);
    pid_t pid = (pid_t)atoi(text);
    assert_true(pid > 0);
    return pid;
}

static void test_grandchild_holding_stdout_does_not_stall_and_is_killed(void **state)
{
    (void)state;
    _cleanup_free_ char *pidfile = xasprintf("%s/grandchild.pid", g_dir);
    _cleanup_free_ char *body = xasprintf("sleep 60 & echo $! > '%s'; echo value; exit 0", pidfile);
    pid_t pid = run_value_helper_returning_pid(body, pidfile);
    size_t len;
    struct ags_error err;
    /* killed with the group (reaped by init or our reaper; gone within a moment) */
    bool gone = false;
    for (int i = 0; i < 100 && !gone; i++) {
        _cleanup_free_ char *stat_path = xasprintf("/proc/%d/stat", (int)pid);
        _cleanup_free_ char *st = NULL;
        gone = read_file_bounded(stat_path, 4096, &st, &len, &err) < 0 ||
               strstr(st, ") Z ") != NULL;
        if (!gone)
            usleep(20000);
    }
    assert_true(gone);
}

/* A daemon the helper starts in a session of its own (gpg-agent for pass)
 * is outside the group: it is left alive, and its open stdout does not turn
 * a helper that succeeded into a timeout. */
static void test_daemon_in_own_session_keeping_stdout_neither_stalls_nor_is_killed(void **state)
{
    (void)state;
    _cleanup_free_ char *pidfile = xasprintf("%s/daemon.pid", g_dir);
    _cleanup_free_ char *body =
            xasprintf("setsid sh -c 'echo $$ > %s.tmp; mv %s.tmp %s; exec sleep 60' &\n"
                      "while [ ! -s %s ]; do sleep 0.01; done\n" /* its session has begun */
                      "echo value; exit 0",
                      pidfile, pidfile, pidfile, pidfile);
    pid_t pid = run_value_helper_returning_pid(body, pidfile);
    assert_int_equal(kill(pid, 0), 0); /* still running */
    assert_int_equal(kill(pid, SIGKILL), 0);
}

static void test_helper_that_closes_stdout_early_is_waited_for(void **state)
{
    (void)state;
    char *out;
    const char *why = NULL;
    assert_int_equal(run_helper("echo late-exit; exec >&-; sleep 0.3; exit 0", 5000, &out, &why), 0);
    assert_string_equal(out, "late-exit");
    free(out);
    assert_int_equal(run_helper("echo v; exec >&-; sleep 30", 300, &out, &why), -ETIMEDOUT);
    assert_string_equal(why, "lookup timed out");
}

static void test_endless_output_stops_at_the_size_limit(void **state)
{
    (void)state;
    char *out;
    const char *why = NULL;
    assert_int_equal(run_helper("exec yes", 5000, &out, &why), -EFBIG);
    assert_string_equal(why, "helper stdout exceeded the size limit");
    assert_null(out);
}

static void test_nul_bytes_multiline_and_failing_helpers_are_refused_with_reasons(void **state)
{
    (void)state;
    char *out;
    const char *why = NULL;
    assert_int_equal(run_helper("printf 'ab\\000cd'", 5000, &out, &why), -EINVAL);
    assert_string_equal(why, "helper stdout contained a NUL byte");
    assert_int_equal(run_helper("printf 'line1\\nline2\\n'", 5000, &out, &why), -EINVAL);
    assert_string_equal(why, "helper stdout contained an embedded newline");
    assert_int_equal(run_helper("echo x; exit 4", 5000, &out, &why), -EINVAL);
    assert_string_equal(why, "helper exited with status 4");
    assert_int_equal(run_helper("kill -TERM $$", 5000, &out, &why), -EINVAL);
    assert_string_equal(why, "helper was killed by signal 15");
    assert_int_equal(run_helper("true", 5000, &out, &why), -EINVAL);
    assert_string_equal(why, "helper stdout was empty");
}

static void test_missing_executable_is_named_as_such(void **state)
{
    (void)state;
    char *argv[] = {MUT("/nonexistent/helper"), NULL};
    char *envp[] = {NULL};
    char *out = NULL;
    size_t len;
    const char *why = NULL;
    assert_int_equal(secret_helper_run(argv, "/", envp, 1000, 100, &out, &len, &why), -ENOENT);
    assert_string_equal(why, "executable not found");
}

static void test_helper_sees_only_the_allowlisted_environment_and_runs_in_home(void **state)
{
    (void)state;
    char *host_env[] = {MUT("PATH=/usr/bin:/bin"), MUT("HOME=/home/u"),
                        MUT("OPENAI_API_KEY=sk-secret"), MUT("USER=u"), MUT("LD_PRELOAD=/evil.so"),
                        MUT("XDG_RUNTIME_DIR=/run/user/1"), NULL};
    char **env = secret_helper_env(host_env);
    size_t n = 0;
    while (env[n])
        n++;
    assert_int_equal(n, 4);
    _cleanup_free_ char *path = script("env.sh", "echo \"$(env | sort | tr '\\n' ' ')|$(pwd)\"");
    char *argv[] = {path, NULL};
    char *out = NULL;
    size_t len;
    const char *why = NULL;
    assert_int_equal(secret_helper_run(argv, g_dir, env, 2000, 4096, &out, &len, &why), 0);
    assert_null(strstr(out, "OPENAI_API_KEY"));
    assert_null(strstr(out, "LD_PRELOAD"));
    assert_non_null(strstr(out, "HOME=/home/u"));
    assert_non_null(strstr(out, g_dir)); /* cwd */
    free(out);
    strv_free(env);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as in ags: helpers must get the default back */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_env_beats_secret_store_beats_command_within_one_entry),
        cmocka_unit_test(test_command_runs_when_env_and_keyring_yield_nothing),
        cmocka_unit_test(test_first_entry_per_target_wins_and_failures_warn_without_values),
        cmocka_unit_test(test_passthrough_takes_the_host_variable_and_unset_targets_are_absent),
        cmocka_unit_test(test_oversized_environment_value_is_a_warning_not_a_value),
        cmocka_unit_test(test_legacy_providers_resolve_after_the_new_sources),
        cmocka_unit_test(test_lockdown_resolves_nothing_and_runs_no_helper),
        cmocka_unit_test(test_diagnose_names_the_resolving_source_and_why_others_failed),
        cmocka_unit_test(test_output_rules_strip_one_newline_and_reject_empty_nul_newlines_bad_utf8),
        cmocka_unit_test(test_helper_that_hangs_is_killed_at_the_timeout),
        cmocka_unit_test(test_grandchild_holding_stdout_does_not_stall_and_is_killed),
        cmocka_unit_test(test_daemon_in_own_session_keeping_stdout_neither_stalls_nor_is_killed),
        cmocka_unit_test(test_helper_that_closes_stdout_early_is_waited_for),
        cmocka_unit_test(test_endless_output_stops_at_the_size_limit),
        cmocka_unit_test(test_nul_bytes_multiline_and_failing_helpers_are_refused_with_reasons),
        cmocka_unit_test(test_missing_executable_is_named_as_such),
        cmocka_unit_test(test_helper_sees_only_the_allowlisted_environment_and_runs_in_home),
    };
    return cmocka_run_group_tests(tests, setup_dir, remove_dir);
}
