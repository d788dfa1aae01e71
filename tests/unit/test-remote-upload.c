/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A remote engine's workspace (run/remote-upload.h): what is listed inside
 * and outside git, that a hostile repository's config runs nothing, the
 * refusal of a .git file, the cap with its biggest entries, and the tar
 * unpacked by GNU tar byte for byte, modes, links and all.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/remote-upload.h"

static char tmpdir[] = "/tmp/test-remote-upload.XXXXXX";
static char *home;

/* The paths of this test hold no quote, so a shell line is safe. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *cmd = NULL;
    assert_true(vasprintf(&cmd, fmt, ap) >= 0);
    va_end(ap);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-ec", cmd, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    free(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *test_env(const char *name)
{
    if (strcmp(name, "HOME") == 0)
        return home;
    if (strcmp(name, "PATH") == 0)
        return "/usr/bin:/bin";
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(tmpdir))
        return -1;
    home = xasprintf("%s/home", tmpdir);
    return sh("mkdir -p %s", home);
}

static int teardown(void **state)
{
    (void)state;
    int r = sh("rm -rf %s", tmpdir);
    free(home);
    return r;
}

/* A repository with one of each kind; a config whose fsmonitor would leave
 * a mark if git ran it. */
static char *make_repo(const char *name)
{
    char *w = xasprintf("%s/%s", tmpdir, name);
    assert_int_equal(sh("mkdir -p %s && cd %s && git init -q . && "
                        "git config user.email t@t && git config user.name t && "
                        "printf 'tracked\\n' > tracked.txt && "
                        "printf '#!/bin/sh\\n' > run.sh && chmod 755 run.sh && "
                        "printf 'ignored.log\\nbuild/\\n' > .gitignore && "
                        "mkdir -p src/deep && printf 'x' > src/deep/a.c && "
                        "printf 'caf\\303\\251' > 'caf\xc3\xa9.txt' && "
                        "head -c 3000 /dev/urandom > blob.bin && "
                        "ln -s tracked.txt link && "
                        "git add -A && git commit -qm one && "
                        "printf 'tracked.log\\n' > tracked.log && git add -f tracked.log && "
                        "git commit -qm two && "
                        "printf 'untracked\\n' > untracked.txt && "
                        "printf 'i' > ignored.log && mkdir build && printf 'b' > build/out && "
                        "printf 'secret.env\\n*.tmp\\ntracked.log\\n' > .agsignore && "
                        "printf 's' > secret.env && printf 't' > x.tmp && "
                        "git config core.fsmonitor 'touch %s/pwned; false'",
                        w, w, tmpdir),
                     0);
    return w;
}

static bool listed(const struct run_ws_list *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->paths[i], path) == 0)
            return true;
    return false;
}

static void test_git_lists_tracked_untracked_and_the_git_dir_but_not_ignored(void **state)
{
    (void)state;
    char *w = make_repo("repo");
    struct run_ws_list l = {0};
    struct ags_error err = {0};
    assert_int_equal(run_ws_list(w, test_env, &l, &err), 0);
    assert_true(l.git);
    assert_true(listed(&l, "tracked.txt"));
    assert_true(listed(&l, "run.sh"));
    assert_true(listed(&l, "src/deep/a.c"));
    assert_true(listed(&l, "caf\xc3\xa9.txt"));
    assert_true(listed(&l, "link"));
    assert_true(listed(&l, "untracked.txt"));
    assert_true(listed(&l, ".agsignore"));
    assert_true(listed(&l, ".git/HEAD"));
    assert_true(listed(&l, ".git/config"));
    /* tracked: never filtered, not even by .agsignore */
    assert_true(listed(&l, "tracked.log"));
    assert_false(listed(&l, "ignored.log"));
    assert_false(listed(&l, "build/out"));
    assert_false(listed(&l, "secret.env"));
    assert_false(listed(&l, "x.tmp"));
    /* the repository's fsmonitor never ran */
    char *mark = xasprintf("%s/pwned", tmpdir);
    assert_int_equal(access(mark, F_OK), -1);
    free(mark);
    /* sorted by components: a directory's contents right after it */
    for (size_t i = 1; i < l.n; i++)
        assert_false(strcmp(l.paths[i - 1], l.paths[i]) == 0);
    run_ws_list_done(&l);
    free(w);
}

static void test_outside_git_everything_but_agsignore(void **state)
{
    (void)state;
    char *w = xasprintf("%s/plain", tmpdir);
    assert_int_equal(sh("mkdir -p %s/node_modules/m %s/keep && cd %s && printf a > a && "
                        "printf m > node_modules/m/x && printf k > keep/k && "
                        "printf 'node_modules/\\n' > .agsignore", w, w, w), 0);
    struct run_ws_list l = {0};
    struct ags_error err = {0};
    assert_int_equal(run_ws_list(w, test_env, &l, &err), 0);
    assert_false(l.git);
    assert_true(listed(&l, "a"));
    assert_true(listed(&l, "keep"));
    assert_true(listed(&l, "keep/k"));
    assert_true(listed(&l, ".agsignore"));
    assert_false(listed(&l, "node_modules"));
    assert_false(listed(&l, "node_modules/m/x"));
    run_ws_list_done(&l);
    free(w);
}

static void test_a_git_file_is_refused(void **state)
{
    (void)state;
    char *w = xasprintf("%s/linked", tmpdir);
    assert_int_equal(sh("mkdir -p %s && printf 'gitdir: /elsewhere\\n' > %s/.git", w, w), 0);
    struct run_ws_list l = {0};
    struct ags_error err = {0};
    assert_int_equal(run_ws_list(w, test_env, &l, &err), -EINVAL);
    assert_non_null(strstr(err.msg, ".git is not a directory (a linked worktree or a submodule)"));
    free(w);
}

/* A repository that says it is a partial clone: a missing object is fetched
 * from its promisor remote on demand, and fetching from a path runs
 * remote.NAME.uploadpack through the shell (an ext:: URL or sshCommand
 * would run a program as well).  ls-files --others reads a .gitignore that
 * is missing from the work tree but skip-worktree in the index from its
 * blob, which is missing here. */
static void test_a_partial_clone_config_makes_the_listing_fetch_nothing(void **state)
{
    (void)state;
    char *w = xasprintf("%s/promisor", tmpdir);
    char *mark = xasprintf("%s/pwned-lazy", tmpdir);
    assert_int_equal(sh("mkdir -p %s/nowhere && cd %s && git init -q . && "
                        "git config user.email t@t && git config user.name t && "
                        "printf 'tracked\\n' > tracked.txt && git add -A && git commit -qm one && "
                        "git update-index --add --cacheinfo "
                        "100644,1234567890123456789012345678901234567890,.gitignore && "
                        "git update-index --skip-worktree .gitignore && "
                        "git config core.repositoryformatversion 1 && "
                        "git config extensions.partialClone origin && "
                        "git config remote.origin.url %s/nowhere && "
                        "git config remote.origin.promisor true && "
                        "git config remote.origin.uploadpack 'touch %s; false' && "
                        "git config protocol.file.allow always && "
                        "printf 'u\\n' > untracked.txt",
                        w, w, w, mark),
                     0);
    struct run_ws_list l = {0};
    struct ags_error err = {0};
    assert_int_equal(run_ws_list(w, test_env, &l, &err), 0);
    assert_true(listed(&l, "tracked.txt"));
    assert_true(listed(&l, "untracked.txt"));
    assert_int_equal(access(mark, F_OK), -1);
    run_ws_list_done(&l);
    free(mark);
    free(w);
}

static void test_over_the_cap_names_the_size_cap_and_biggest_entries(void **state)
{
    (void)state;
    char *w = xasprintf("%s/big", tmpdir);
    assert_int_equal(sh("mkdir -p %s/huge %s/small && head -c 300000 /dev/zero > %s/huge/f && "
                        "head -c 1000 /dev/zero > %s/small/f && printf x > %s/tiny",
                        w, w, w, w, w), 0);
    struct run_ws_list l = {0};
    struct ags_error err = {0};
    assert_int_equal(run_ws_list(w, test_env, &l, &err), 0);
    uint64_t size = 0;
    assert_int_equal(run_ws_tar(w, &l, 1000, 1000, -1, 100 * 1024, &size, &err), -EFBIG);
    assert_non_null(strstr(err.msg, "is 298.0 KiB, more than [remote] max_upload = \"100KiB\""));
    assert_non_null(
            strstr(err.msg, "biggest entries: huge 294.0 KiB, small 2.0 KiB, tiny 1.0 KiB ("));
    assert_int_equal(run_ws_tar(w, &l, 1000, 1000, -1, 1 << 20, &size, &err), 0);
    run_ws_list_done(&l);
    free(w);
}

static void test_the_tar_unpacks_to_the_same_bytes_modes_and_links(void **state)
{
    (void)state;
    char *w = make_repo("repo2");
    struct run_ws_list l = {0};
    struct ags_error err = {0};
    assert_int_equal(run_ws_list(w, test_env, &l, &err), 0);
    uint64_t measured = 0, written = 0;
    assert_int_equal(run_ws_tar(w, &l, 1000, 1000, -1, 1 << 30, &measured, &err), 0);
    char *tarfile = xasprintf("%s/ws.tar", tmpdir);
    int fd = open(tarfile, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(run_ws_tar(w, &l, 1000, 1000, fd, 1 << 30, &written, &err), 0);
    assert_true(measured == written);
    close(fd);
    char *x = xasprintf("%s/x", tmpdir);
    assert_int_equal(sh("mkdir %s && tar -x -p --no-same-owner -f %s -C %s", x, tarfile, x), 0);
    /* every listed file's bytes and mode as on the host */
    assert_int_equal(sh("cd %s && for f in tracked.txt run.sh src/deep/a.c 'caf\303\251.txt' "
                        "blob.bin untracked.txt .git/HEAD .git/index; do "
                        "cmp \"$f\" %s/\"$f\"; "
                        "[ \"$(stat -c %%a \"$f\")\" = \"$(stat -c %%a %s/\"$f\")\" ]; done; "
                        "[ \"$(readlink %s/link)\" = tracked.txt ]; "
                        "[ ! -e %s/secret.env ] && [ ! -e %s/ignored.log ] && "
                        "[ ! -e %s/build ]", w, x, x, x, x, x, x), 0);
    /* git in the copy sees the same commit and a clean tracked tree */
    assert_int_equal(sh("cd %s && [ \"$(git -C %s rev-parse HEAD)\" = \"$(git rev-parse HEAD)\" ] "
                        "&& git -c core.fsmonitor=false -C %s diff --quiet HEAD -- tracked.txt",
                        w, x, x), 0);
    run_ws_list_done(&l);
    free(x);
    free(tarfile);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_git_lists_tracked_untracked_and_the_git_dir_but_not_ignored),
        cmocka_unit_test(test_outside_git_everything_but_agsignore),
        cmocka_unit_test(test_a_git_file_is_refused),
        cmocka_unit_test(test_a_partial_clone_config_makes_the_listing_fetch_nothing),
        cmocka_unit_test(test_over_the_cap_names_the_size_cap_and_biggest_entries),
        cmocka_unit_test(test_the_tar_unpacks_to_the_same_bytes_modes_and_links),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
