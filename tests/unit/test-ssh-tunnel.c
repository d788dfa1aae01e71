/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The persisting ssh tunnel's local side (ssh/tunnel-shared.c) against
 * another local user: where its sockets may live, and who may answer on
 * them.  No ssh server is needed: the URI names a loopback port nothing
 * listens on, so a real start fails at once; what is pinned is what a run
 * refuses before it would talk to a tunnel.  Runs as root (a second user is
 * played as uid 65534), as CI does.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/dialer.h"
#include "base/rmtree.h"
#include "ssh/tunnel.h"

#define NOBODY 65534
/* Nothing listens on port 1 of loopback: a tunnel process fails at once. */
#define DEAD_URI "ssh://me@127.0.0.1:1/run/podman/podman.sock"

static const char *no_env(const char *name)
{
    (void)name;
    return NULL;
}

static struct ags_dial_target target(const char *runtime_dir)
{
    return (struct ags_dial_target){.uri = DEAD_URI,
                                    .home = "/nonexistent",
                                    .runtime_dir = runtime_dir,
                                    .getenv = no_env,
                                    .timeout_ms = 2000,
                                    .persist_seconds = 60};
}

static char *make_dir(mode_t mode)
{
    char *dir = strdup("/tmp/ags-test-tunnel-XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, mode), 0);
    return dir;
}

static void remove_dir(char *dir)
{
    assert_int_equal(rmtree(dir, NULL), 0);
    free(dir);
}

/* The one ssh-<hash> directory a first open made below runtime/ags. */
static char *hash_dir(const char *runtime)
{
    char *base = NULL;
    assert_true(asprintf(&base, "%s/ags", runtime) > 0);
    DIR *d = opendir(base);
    assert_non_null(d);
    char *found = NULL;
    for (struct dirent *e; (e = readdir(d));)
        if (strncmp(e->d_name, "ssh-", 4) == 0)
            assert_true(asprintf(&found, "%s/%s", base, e->d_name) > 0);
    closedir(d);
    free(base);
    assert_non_null(found);
    return found;
}

/* A first open of tg (nothing answers, no tunnel starts) makes its
 * directory: *sa names the ctl socket in it; returns the directory. */
static char *ctl_address(const struct ags_dial_target *tg, struct sockaddr_un *sa)
{
    struct ags_dialer *d = NULL;
    struct ags_error err = {0};
    assert_true(ssh_tunnel_open(tg, &d, &err) < 0);
    char *dir = hash_dir(tg->runtime_dir);
    *sa = (struct sockaddr_un){.sun_family = AF_UNIX};
    assert_true((size_t)snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/ctl", dir) <
                sizeof(sa->sun_path));
    return dir;
}

/* Another user's runtime directory (or one others may write): they could
 * rename ags/ away mid-run and put a tunnel of theirs in its place. */
static void test_runtime_dir_others_can_write_is_refused(void **state)
{
    (void)state;
    char *rt = make_dir(0777);
    struct ags_dial_target tg = target(rt);
    struct ags_dialer *d = NULL;
    struct ags_error err = {0};
    int r = ssh_tunnel_open(&tg, &d, &err);
    assert_int_equal(r, -EPERM);
    assert_null(d);
    assert_non_null(strstr(err.msg, rt));
    char *base = NULL;
    assert_true(asprintf(&base, "%s/ags", rt) > 0);
    struct stat st;
    assert_int_equal(lstat(base, &st), -1); /* nothing made there */
    free(base);
    remove_dir(rt);
}

/* A control socket served by another uid: the run refuses it before
 * reading a stream from it (its streams would carry the session's terminal
 * and the export of a pull to whoever serves it). */
static void test_control_socket_of_another_user_is_refused(void **state)
{
    (void)state;
    char *rt = make_dir(0700);
    struct ags_dial_target tg = target(rt);
    struct sockaddr_un sa;
    char *dir = ctl_address(&tg, &sa);
    struct ags_dialer *d = NULL;
    struct ags_error err = {0};

    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* bound here, listening as the other user: SO_PEERCRED names them */
        int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
            setresgid(NOBODY, NOBODY, NOBODY) < 0 || setresuid(NOBODY, NOBODY, NOBODY) < 0 ||
            listen(fd, 4) < 0)
            _exit(1);
        (void)!write(ready[1], "r", 1);
        for (;;) {
            int c = accept(fd, NULL, NULL);
            if (c < 0)
                _exit(1);
            static const char yes[5] = {'A', 0, 0, 0, 0}; /* "you may use the tunnel" */
            (void)!send(c, yes, sizeof(yes), MSG_NOSIGNAL);
        }
    }
    (void)close(ready[1]);
    char b;
    assert_int_equal(read(ready[0], &b, 1), 1);
    (void)close(ready[0]);

    int r = ssh_tunnel_open(&tg, &d, &err);
    (void)kill(pid, SIGKILL);
    (void)waitpid(pid, NULL, 0);
    if (r == 0)
        d->free(d);
    assert_int_equal(r, -EPERM);
    assert_non_null(strstr(err.msg, "uid 65534"));
    free(dir);
    remove_dir(rt);
}

/* A tunnel process that stopped accepting (stopped, or stuck on a lock its
 * fork inherited): once its listen queue is full, a blocking connect waits
 * for room forever.  The run gives up by its deadline instead. */
static void test_a_full_control_queue_does_not_hang_the_run(void **state)
{
    (void)state;
    char *rt = make_dir(0700);
    struct ags_dial_target tg = target(rt);
    tg.timeout_ms = 500;
    struct sockaddr_un sa;
    char *dir = ctl_address(&tg, &sa);
    struct ags_dialer *d = NULL;
    struct ags_error err = {0};
    int l = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    assert_true(l >= 0);
    assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(l, 0), 0);
    int fill[8];
    size_t n = 0;
    for (; n < sizeof(fill) / sizeof(fill[0]); n++) {
        fill[n] = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (connect(fill[n], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
            assert_int_equal(errno, EAGAIN); /* full: the next blocking connect waits */
            break;
        }
    }
    assert_true(n < sizeof(fill) / sizeof(fill[0]));

    pid_t pid = fork(); /* the open in a child: before the fix it never returns */
    assert_true(pid >= 0);
    if (pid == 0) {
        int r = ssh_tunnel_open(&tg, &d, &err);
        _exit(r == -ETIMEDOUT ? 0 : 1);
    }
    int status = 0;
    pid_t got = 0;
    for (int i = 0; i < 150 && got == 0; i++) { /* 15 s: the deadline is 5.5 s */
        got = waitpid(pid, &status, WNOHANG);
        if (got == 0)
            (void)usleep(100 * 1000);
    }
    if (got == 0) {
        (void)kill(pid, SIGKILL);
        (void)waitpid(pid, NULL, 0);
    }
    for (size_t i = 0; i <= n; i++)
        (void)close(fill[i]);
    (void)close(l);
    assert_int_equal(got, pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    free(dir);
    remove_dir(rt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_runtime_dir_others_can_write_is_refused),
            cmocka_unit_test(test_control_socket_of_another_user_is_refused),
            cmocka_unit_test(test_a_full_control_queue_does_not_hang_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
