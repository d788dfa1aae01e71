/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The sweep's liveness decision (base/procid): what identifies a process
 * across PID namespaces, boots and machines, and when its owner is proven
 * dead.  Fake identities for the other namespace / boot / machine; the real
 * /proc for this process and a reaped child.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/procid.h"

static const struct procid self_fake = {
        .machine = "3d1219c7c4c5404aaa1f6d2a48adfda4",
        .boot = "626c337a34dc4a50bc005961d9903cda",
        .pidns = 4026531836u,
        .pid = 4242,
        .start = 777,
};

/* pid 4242 runs since 777, pid 5000 since 900; nothing else exists. */
static int fake_start(uint32_t pid, uint64_t *ret)
{
    if (pid == 4242)
        *ret = 777;
    else if (pid == 5000)
        *ret = 900;
    else
        return -ESRCH;
    return 0;
}

static int unreadable_start(uint32_t pid, uint64_t *ret)
{
    (void)pid;
    (void)ret;
    return -EACCES;
}

static void test_live_owner_in_our_namespace_is_kept(void **state)
{
    (void)state;
    assert_int_equal(procid_owner_state(&self_fake, &self_fake, fake_start), PROCID_ALIVE);
    struct procid other = self_fake;
    other.pid = 5000;
    other.start = 900;
    assert_int_equal(procid_owner_state(&other, &self_fake, fake_start), PROCID_ALIVE);
}

static void test_gone_or_reused_pid_is_dead(void **state)
{
    (void)state;
    struct procid gone = self_fake;
    gone.pid = 31337;
    assert_int_equal(procid_owner_state(&gone, &self_fake, fake_start), PROCID_DEAD);
    /* pid 5000 exists, but started later: another process got the number */
    struct procid reused = self_fake;
    reused.pid = 5000;
    reused.start = 123;
    assert_int_equal(procid_owner_state(&reused, &self_fake, fake_start), PROCID_DEAD);
    /* /proc cannot tell: keep */
    assert_int_equal(procid_owner_state(&gone, &self_fake, unreadable_start), PROCID_UNKNOWN);
}

static void test_other_pid_namespace_is_left_alone(void **state)
{
    (void)state;
    /* Flatpak, toolbox: the same pid number is another process, or none */
    struct procid other = self_fake;
    other.pidns = 4026532999u;
    other.pid = 31337; /* no such pid here */
    assert_int_equal(procid_owner_state(&other, &self_fake, fake_start), PROCID_UNKNOWN);
    other.pid = 5000; /* a pid here with another start time */
    assert_int_equal(procid_owner_state(&other, &self_fake, fake_start), PROCID_UNKNOWN);
}

static void test_other_boot_dead_only_on_this_machine(void **state)
{
    (void)state;
    struct procid old_boot = self_fake;
    memcpy(old_boot.boot, "00000000000000000000000000000001", 33);
    assert_int_equal(procid_owner_state(&old_boot, &self_fake, fake_start), PROCID_DEAD);
    /* another machine sharing a remote engine */
    struct procid remote = old_boot;
    memcpy(remote.machine, "ffffffffffffffffffffffffffffffff", 33);
    assert_int_equal(procid_owner_state(&remote, &self_fake, fake_start), PROCID_UNKNOWN);
    /* a machine id unknown on either side proves nothing */
    struct procid anon = old_boot;
    anon.machine[0] = '\0';
    assert_int_equal(procid_owner_state(&anon, &self_fake, fake_start), PROCID_UNKNOWN);
    struct procid self_anon = self_fake;
    self_anon.machine[0] = '\0';
    assert_int_equal(procid_owner_state(&old_boot, &self_anon, fake_start), PROCID_UNKNOWN);
}

static void test_text_round_trip_and_old_labels(void **state)
{
    (void)state;
    char text[PROCID_MAX_TEXT];
    procid_format(&self_fake, text, sizeof(text));
    assert_string_equal(text, "1:3d1219c7c4c5404aaa1f6d2a48adfda4:626c337a34dc4a50bc005961d9903cda:"
                              "4026531836:4242:777");
    struct procid back;
    assert_int_equal(procid_parse(text, &back), 0);
    assert_memory_equal(&back, &self_fake, sizeof(back));
    struct procid anon = self_fake;
    anon.machine[0] = '\0';
    procid_format(&anon, text, sizeof(text));
    assert_int_equal(procid_parse(text, &back), 0);
    assert_string_equal(back.machine, "");
    /* old labels (a bare pid) and garbage: not an identity, so never swept */
    const char *bad[] = {"4242", "", "1:", "2:-:626c337a34dc4a50bc005961d9903cda:1:2:3",
                         "1:xyz:626c337a34dc4a50bc005961d9903cda:1:2:3",
                         "1:-:626c337a34dc4a50bc005961d9903cda:1:0:3",
                         "1:-:626c337a34dc4a50bc005961d9903cda:1:2:3:4",
                         "1:-:626c337a34dc4a50bc005961d9903cda:1:-2:3",
                         "1:-:626c337a34dc4a50bc005961d9903cd:1:2:3"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        if (procid_parse(bad[i], &back) == 0)
            fail_msg("'%s' parsed", bad[i]);
    assert_int_equal(procid_text_state("4242", &self_fake), PROCID_UNKNOWN);
}

/* me with the pid of a child that has exited and been reaped. */
static struct procid reaped_child_of(const struct procid *me)
{
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, NULL, 0), child);
    struct procid dead = *me;
    dead.pid = (uint32_t)child;
    return dead;
}

/* The real thing: this process is alive, a reaped child is dead, a forged
 * start time (pid reused) is dead. */
static void test_real_process_and_reaped_child(void **state)
{
    (void)state;
    struct procid me;
    struct ags_error err = {0};
    assert_int_equal(procid_self(&me, &err), 0);
    assert_int_equal(me.pid, (uint32_t)getpid());
    struct stat st;
    assert_int_equal(stat("/proc/self/ns/pid", &st), 0);
    assert_int_equal(me.pidns, (uint64_t)st.st_ino);
    assert_true(me.start > 0);
    char text[PROCID_MAX_TEXT];
    procid_format(&me, text, sizeof(text));
    assert_int_equal(procid_text_state(text, &me), PROCID_ALIVE);
    struct procid dead = reaped_child_of(&me);
    procid_format(&dead, text, sizeof(text));
    assert_int_equal(procid_text_state(text, &me), PROCID_DEAD);
    struct procid reused = me;
    reused.start = me.start + 1;
    procid_format(&reused, text, sizeof(text));
    assert_int_equal(procid_text_state(text, &me), PROCID_DEAD);
    /* a comm with spaces and ')' does not confuse the stat parser */
    assert_int_equal(prctl(PR_SET_NAME, "a) b ) c", 0, 0, 0), 0);
    uint64_t start = 0;
    assert_int_equal(procid_start_time((uint32_t)getpid(), &start), 0);
    assert_true(start == me.start);
}

/* A sweeping ags in a time namespace with a shifted boot clock (unshare
 * --time --boottime N) reads every start time shifted: the live owner must
 * still be alive to it, and its own identity must read alive from outside.
 * Needs root, for the time namespace (unit tests run as root in CI). */
static void test_shifted_time_namespace_keeps_live_owner(void **state)
{
    (void)state;
    if (geteuid() != 0)
        fail_msg("needs root: unshare(CLONE_NEWTIME)");
    struct procid me;
    struct ags_error err = {0};
    assert_int_equal(procid_self(&me, &err), 0);
    char text[PROCID_MAX_TEXT], theirs[PROCID_MAX_TEXT] = "";
    procid_format(&me, text, sizeof(text));
    int up[2], down[2];
    assert_int_equal(pipe2(up, O_CLOEXEC), 0);
    assert_int_equal(pipe2(down, O_CLOEXEC), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(up[0]);
        close(down[1]); /* the parent's close must reach the inner child */
        static const char shift[] = "boottime 1000 0\n";
        int fd = unshare(CLONE_NEWTIME) == 0
                         ? open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC) : -1;
        if (fd < 0 || write(fd, shift, strlen(shift)) != (ssize_t)strlen(shift))
            _exit(90);
        pid_t inner = fork(); /* the first process in the new time namespace */
        if (inner == 0) {
            struct procid shifted;
            if (procid_self(&shifted, NULL) < 0)
                _exit(91);
            char mine[PROCID_MAX_TEXT];
            procid_format(&shifted, mine, sizeof(mine));
            if (write(up[1], mine, strlen(mine)) < 0) { /* best effort */ }
            close(up[1]);
            char c;
            if (read(down[0], &c, 1) < 0) { /* best effort */ } /* lives until the parent looked */
            _exit((int)procid_text_state(text, &shifted));
        }
        int status = 0;
        waitpid(inner, &status, 0);
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 92);
    }
    close(up[1]);
    close(down[0]);
    ssize_t n = read(up[0], theirs, sizeof(theirs) - 1);
    assert_true(n > 0);
    theirs[n] = '\0';
    assert_int_equal(procid_text_state(theirs, &me), PROCID_ALIVE);
    close(down[1]);
    close(up[0]);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), PROCID_ALIVE);
}

/* Something in use (a running container, a secret a running container
 * carries) of another boot id is kept even on the same machine id: cloned
 * VMs sharing an engine and systemd-nspawn containers look like that.  Its
 * owner's pid still proves it dead when the boot is ours. */
static void test_in_use_needs_the_pid_proof(void **state)
{
    (void)state;
    struct procid me;
    struct ags_error err = {0};
    assert_int_equal(procid_self(&me, &err), 0);
    struct procid other_boot = me;
    memcpy(other_boot.boot, "00000000000000000000000000000001", 33);
    char text[PROCID_MAX_TEXT];
    procid_format(&other_boot, text, sizeof(text));
    assert_int_equal(procid_text_state(text, &me), PROCID_DEAD); /* not in use: rebooted */
    assert_int_equal(procid_text_state_in_use(text, &me), PROCID_UNKNOWN);
    struct procid dead = reaped_child_of(&me);
    procid_format(&dead, text, sizeof(text));
    assert_int_equal(procid_text_state_in_use(text, &me), PROCID_DEAD);
    procid_format(&me, text, sizeof(text));
    assert_int_equal(procid_text_state_in_use(text, &me), PROCID_ALIVE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_live_owner_in_our_namespace_is_kept),
            cmocka_unit_test(test_gone_or_reused_pid_is_dead),
            cmocka_unit_test(test_other_pid_namespace_is_left_alone),
            cmocka_unit_test(test_other_boot_dead_only_on_this_machine),
            cmocka_unit_test(test_text_round_trip_and_old_labels),
            cmocka_unit_test(test_real_process_and_reaped_child),
            cmocka_unit_test(test_shifted_time_namespace_keeps_live_owner),
            cmocka_unit_test(test_in_use_needs_the_pid_proof),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
