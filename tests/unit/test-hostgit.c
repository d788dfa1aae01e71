/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host's git runner itself (run/hostgit.h), on what its callers' tests
 * (unit/remote-upload, unit/remote) do not reach: stdout past its bound
 * stops git at once, a failure's message carries git's stderr escaped, git
 * sees only its fixed environment and no fd of ours, and the work-tree
 * style never finds a repository above the directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "run/hostgit.h"

static char tmpdir[] = "/tmp/test-hostgit.XXXXXX";
static char *repo;

/* The shell line of fmt (the paths here hold no quote); its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char *cmd = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&cmd, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    int status = system(cmd);
    free(cmd);
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *test_env(const char *name)
{
    if (strcmp(name, "HOME") == 0)
        return "/nonexistent-home";
    if (strcmp(name, "XDG_CONFIG_HOME") == 0)
        return "relative/config"; /* not absolute: left out */
    if (strcmp(name, "PATH") == 0)
        return "/usr/bin:/bin";
    return NULL;
}

/* A repository with one commit: a.txt, and big.bin of 5000 bytes. */
static int setup(void **state)
{
    (void)state;
    repo = mkdtemp(tmpdir) ? xasprintf("%s/repo", tmpdir) : NULL;
    if (!repo)
        return -1;
    return sh("mkdir -p %s && cd %s && git init -q . && git config user.email t@t && "
              "git config user.name t && echo a >a.txt && head -c 5000 /dev/zero >big.bin && "
              "git add -A && git commit -qm one",
              repo, repo);
}

static int teardown(void **state)
{
    (void)state;
    free(repo);
    return sh("rm -rf %s", tmpdir);
}

static struct run_host_git opts(const char *dir, size_t out_max)
{
    return (struct run_host_git){.dir = dir, .repo = RUN_HOST_GIT_CHDIR, .in_fd = -1,
                                 .out_max = out_max, .getenv_fn = test_env};
}

/* git cat-file --batch prints the blob (less than a pipe holds, more than
 * the bound) and then waits for its next line on a stdin that never ends:
 * only killing it returns.  The alarm fails the test instead of hanging. */
static void test_stdout_past_its_bound_is_efbig_and_git_is_killed(void **state)
{
    (void)state;
    int in[2];
    assert_int_equal(pipe2(in, O_CLOEXEC), 0);
    assert_int_equal(write(in[1], "HEAD:big.bin\n", 13), 13);
    struct run_host_git o = opts(repo, 100);
    o.in_fd = in[0];
    const char *const args[] = {"cat-file", "--batch", NULL};
    char *out = NULL;
    struct ags_error err = {0};
    alarm(60);
    assert_int_equal(run_host_git(&o, args, &out, NULL, &err), -EFBIG);
    alarm(0);
    assert_null(out);
    assert_non_null(strstr(err.msg, "git cat-file in "));
    assert_non_null(strstr(err.msg, "printed more than 100 bytes"));
    close(in[0]);
    close(in[1]);
}

static void test_output_within_its_bound_comes_back_with_its_length(void **state)
{
    (void)state;
    struct run_host_git o = opts(repo, 64);
    const char *const args[] = {"ls-files", "-z", NULL};
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(run_host_git(&o, args, &out, &len, NULL), 0);
    assert_int_equal(len, 14);
    assert_memory_equal(out, "a.txt\0big.bin\0", 14);
    assert_int_equal(out[len], '\0');
    free(out);
}

/* An alias is a shell command git runs with its own environment and fds. */
static int probe(const char *cmd, const char *what, char **ret, struct ags_error *err)
{
    char *alias = xasprintf("alias.probe=!%s", cmd);
    const char *const config[] = {alias, NULL};
    struct run_host_git o = opts(repo, 64 * 1024);
    o.config = config;
    o.what = what;
    const char *const args[] = {"probe", NULL};
    int r = run_host_git(&o, args, ret, NULL, err);
    free(alias);
    return r;
}

static char *through_shell(const char *cmd)
{
    char *out = NULL;
    struct ags_error err = {0};
    if (probe(cmd, NULL, &out, &err) < 0)
        fail_msg("%s", err.msg);
    return out;
}

/* Git's own messages replace control bytes; what it runs (a helper, a
 * hook) writes to the same stderr unfiltered. */
static void test_a_failure_names_the_job_and_the_escaped_stderr_tail(void **state)
{
    (void)state;
    char *out = NULL;
    struct ags_error err = {0};
    assert_int_equal(probe("head -c 3000 /dev/zero | tr '\\0' x >&2; "
                           "printf 'the end\\033[2J\\n\\n' >&2; exit 3",
                           "object type", &out, &err),
                     -EBADMSG);
    assert_null(out);
    char *want = xasprintf("git object type failed in %s (exit status 3): ...xxx", repo);
    assert_non_null(strstr(err.msg, want));
    free(want);
    /* the end of stderr, escaped, its trailing newlines cut */
    size_t n = strlen(err.msg);
    assert_true(n > 14);
    assert_string_equal(err.msg + n - 14, "the end\\x1b[2J");
    assert_null(strchr(err.msg, '\033'));
}

static void test_git_sees_only_its_fixed_environment(void **state)
{
    (void)state;
    assert_int_equal(setenv("AGS_TEST_HOSTGIT_LEAK", "1", 1), 0);
    char *env = through_shell("env");
    assert_int_equal(unsetenv("AGS_TEST_HOSTGIT_LEAK"), 0);
    static const char *const want[] = {
            ":/usr/local/bin:/usr/bin:/bin\n", "\nLC_ALL=C\n",
            "\nGIT_CONFIG_NOSYSTEM=1\n",            "\nGIT_OPTIONAL_LOCKS=0\n",
            "\nGIT_TERMINAL_PROMPT=0\n",            "\nGIT_NO_LAZY_FETCH=1\n",
            "\nGIT_ALLOW_PROTOCOL=\n",              "\nHOME=/nonexistent-home\n",
    };
    char *text = xasprintf("\n%s", env); /* every line starts after a newline */
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(text, want[i]))
            fail_msg("no %s in git's environment:%s", want[i] + 1, text);
    assert_null(strstr(text, "AGS_TEST_HOSTGIT_LEAK"));
    assert_null(strstr(text, "XDG_CONFIG_HOME"));
    free(text);
    free(env);
}

static void test_no_fd_of_ours_reaches_git(void **state)
{
    (void)state;
    int fd = fcntl(STDERR_FILENO, F_DUPFD, 57); /* not close-on-exec */
    assert_true(fd >= 57);
    char *cmd = xasprintf("test -e /proc/self/fd/%d && echo open || echo closed", fd);
    char *out = through_shell(cmd);
    close(fd);
    assert_string_equal(out, "closed\n");
    free(out);
    free(cmd);
}

/* A directory without its own .git inside a repository: git -C would find
 * the one above; the work-tree style must not. */
static void test_the_work_tree_style_finds_no_repository_above(void **state)
{
    (void)state;
    char *sub = xasprintf("%s/sub", repo);
    assert_int_equal(sh("mkdir -p %s && echo s >%s/s.txt", sub, sub), 0);
    struct run_host_git o = opts(sub, 1024);
    const char *const args[] = {"ls-files", "-z", NULL};
    char *out = NULL;
    assert_int_equal(run_host_git(&o, args, &out, NULL, NULL), 0); /* -C: the parent's */
    free(out);
    out = NULL;
    o.repo = RUN_HOST_GIT_WORK_TREE;
    assert_int_equal(run_host_git(&o, args, &out, NULL, NULL), -EBADMSG);
    assert_null(out);
    free(sub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_stdout_past_its_bound_is_efbig_and_git_is_killed),
            cmocka_unit_test(test_output_within_its_bound_comes_back_with_its_length),
            cmocka_unit_test(test_a_failure_names_the_job_and_the_escaped_stderr_tail),
            cmocka_unit_test(test_git_sees_only_its_fixed_environment),
            cmocka_unit_test(test_no_fd_of_ours_reaches_git),
            cmocka_unit_test(test_the_work_tree_style_finds_no_repository_above),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
