/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The turn-taking lock of concurrent runs (backend/podman.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "backend/podman.h"

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_second_process_waits_until_the_first_releases(void **state)
{
    (void)state;
    char dir[] = "/tmp/ags-test-lock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    if (child == 0) {
        struct backend_lock l;
        backend_lock_open(&l, dir);
        if (backend_lock_take(&l, NULL) < 0 || !l.held)
            _exit(1);
        (void)!write(ready[1], "x", 1);
        usleep(400000);
        backend_lock_close(&l);
        _exit(0);
    }
    char b;
    assert_int_equal(read(ready[0], &b, 1), 1);
    struct backend_lock l;
    backend_lock_open(&l, dir);
    assert_true(l.fd >= 0);
    long long t0 = ms_now();
    assert_int_equal(backend_lock_take(&l, NULL), 0);
    assert_true(l.held);
    assert_true(ms_now() - t0 >= 250); /* it waited for the child's turn */
    backend_lock_release(&l);
    backend_lock_release(&l); /* idempotent */
    assert_false(l.held);
    backend_lock_close(&l);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    _cleanup_free_ char *path = xasprintf("%s/ags-podman-%ld.lock", dir, (long)geteuid());
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static volatile sig_atomic_t g_cancel;

static void on_alarm(int sig)
{
    g_cancel = sig;
}

static void test_waiting_ends_with_eintr_when_the_cancel_flag_is_set(void **state)
{
    (void)state;
    char dir[] = "/tmp/ags-test-lock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct backend_lock holder;
    backend_lock_open(&holder, dir);
    pid_t child = fork();
    if (child == 0) { /* another process holds the turn for a long time */
        if (backend_lock_take(&holder, NULL) < 0)
            _exit(1);
        pause();
        _exit(0);
    }
    usleep(200000);
    struct sigaction sa = {.sa_handler = on_alarm}; /* no SA_RESTART, like ags */
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    struct backend_lock l;
    backend_lock_open(&l, dir);
    alarm(1);
    assert_int_equal(backend_lock_take(&l, &g_cancel), -EINTR);
    assert_false(l.held);
    backend_lock_close(&l);
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    backend_lock_close(&holder);
    _cleanup_free_ char *path = xasprintf("%s/ags-podman-%ld.lock", dir, (long)geteuid());
    (void)unlink(path);
    (void)rmdir(dir);
}

static void test_without_a_lock_file_runs_go_on_unserialised(void **state)
{
    (void)state;
    struct backend_lock l;
    backend_lock_open(&l, "/nonexistent-ags-dir");
    assert_int_equal(l.fd, -1);
    assert_int_equal(backend_lock_take(&l, NULL), 0);
    backend_lock_close(&l);
}

/* In a shared /tmp (no runtime dir) another user may plant the lock file and
 * hold it forever: only our own file is used, so such a plant stalls nothing.
 * Needs root to be that other user (unit tests run as root in CI). */
static void test_lock_file_of_another_user_is_not_used(void **state)
{
    (void)state;
    if (geteuid() != 0)
        fail_msg("needs root: the planted lock file must belong to another uid");
    char dir[] = "/tmp/ags-test-lock-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/ags-podman-%ld.lock", dir, (long)geteuid());
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    assert_true(fd >= 0);
    assert_int_equal(fchown(fd, 65534, 65534), 0);
    assert_int_equal(fchmod(fd, 0666), 0);
    assert_int_equal(flock(fd, LOCK_EX), 0); /* the stranger holds it */
    struct backend_lock l;
    backend_lock_open(&l, dir);
    assert_int_equal(l.fd, -1);
    long long t0 = ms_now();
    assert_int_equal(backend_lock_take(&l, NULL), 0); /* returns at once, unserialised */
    assert_true(ms_now() - t0 < 1000);
    backend_lock_close(&l);
    close(fd);
    (void)unlink(path);
    (void)rmdir(dir);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_process_waits_until_the_first_releases),
        cmocka_unit_test(test_waiting_ends_with_eintr_when_the_cancel_flag_is_set),
        cmocka_unit_test(test_without_a_lock_file_runs_go_on_unserialised),
        cmocka_unit_test(test_lock_file_of_another_user_is_not_used),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
