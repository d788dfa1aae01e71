/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seccomp program of a bubblewrap sandbox (bwrap/seccomp): a sealed
 * memory file of whole BPF instructions that the kernel accepts, the same
 * bytes every time, and the bytes the filter's table compiles to now (the
 * build compiled it into ags).  bwrap/seccomp-covers-podman-profile checks what it
 * allows, bwrap/seccomp-probe runs it under real bwrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/macro.h"
#include "bwrap/gen/seccomp-build.h"
#include "bwrap/seccomp.h"

static int program_fd(void)
{
    struct ags_error err = {0};
    int fd = -EBADF;
    int r = bwrap_seccomp_program(&fd, &err);
    if (r < 0)
        fail_msg("bwrap_seccomp_program: %s", err.msg);
    return fd;
}

/* The whole program, read from the fd's offset as bwrap reads it. */
static char *read_all(int fd, size_t *ret_len)
{
    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    char *buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    size_t len = 0;
    ssize_t got;
    while ((got = read(fd, buf + len, (size_t)st.st_size + 1 - len)) > 0)
        len += (size_t)got;
    assert_true(got == 0);
    *ret_len = len;
    return buf;
}

static void test_program_is_a_sealed_close_on_exec_memfd_at_offset_0(void **state)
{
    (void)state;
    _cleanup_close_ int fd = program_fd();
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    int seals = fcntl(fd, F_GET_SEALS);
    assert_true(seals >= 0);
    int want = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
    assert_int_equal(seals & want, want);
    assert_int_equal(lseek(fd, 0, SEEK_CUR), 0);
    /* Neither a write nor a truncation gets through, nor can the seals be lifted. */
    assert_int_equal(pwrite(fd, "x", 1, 0), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(ftruncate(fd, 0), -1);
    assert_int_equal(errno, EPERM);
    assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
    assert_int_equal(errno, EPERM);
}

static void test_program_is_whole_instructions_within_the_kernel_limit(void **state)
{
    (void)state;
    _cleanup_close_ int fd = program_fd();
    size_t len;
    _cleanup_free_ char *prog = read_all(fd, &len);
    assert_true(len > 0);
    assert_int_equal(len % sizeof(struct sock_filter), 0);
    assert_true(len / sizeof(struct sock_filter) <= BPF_MAXINSNS);
    /* The first thing it reads is the architecture: a syscall number means nothing before. */
    struct sock_filter first;
    memcpy(&first, prog, sizeof(first));
    assert_int_equal(first.code, BPF_LD | BPF_W | BPF_ABS);
    assert_int_equal(first.k, offsetof(struct seccomp_data, arch));
}

static void test_program_is_the_same_bytes_every_time_and_what_the_table_compiles_to(void **state)
{
    (void)state;
    _cleanup_close_ int a = program_fd();
    _cleanup_close_ int b = program_fd();
    _cleanup_close_ int fresh = memfd_create("test-seccomp", MFD_CLOEXEC);
    assert_true(fresh >= 0);
    struct ags_error err = {0};
    assert_int_equal(bwrap_seccomp_build(fresh, &err), 0);
    assert_int_equal(lseek(fresh, 0, SEEK_SET), 0);
    size_t len_a, len_b, len_fresh;
    _cleanup_free_ char *pa = read_all(a, &len_a);
    _cleanup_free_ char *pb = read_all(b, &len_b);
    _cleanup_free_ char *pf = read_all(fresh, &len_fresh);
    assert_int_equal(len_a, len_b);
    assert_memory_equal(pa, pb, len_a);
    assert_int_equal(len_a, len_fresh);
    assert_memory_equal(pa, pf, len_a);
}

/* In a child: load the program as bwrap does and check three verdicts whose
 * errno the kernel itself would not give for these arguments. */
static int child_under_filter(const char *prog, size_t len)
{
    struct sock_fprog fprog = {.len = (unsigned short)(len / sizeof(struct sock_filter)),
                               .filter = (struct sock_filter *)(uintptr_t)prog};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) != 0)
        return 10;
    if (getpid() <= 0)
        return 11;
    /* kexec_load: the profile's EPERM (the kernel: EINVAL/EFAULT/EPERM). */
    if (syscall(SYS_kexec_load, 0, 0, NULL, 0) != -1 || errno != EPERM)
        return 12;
    /* add_key, allowed by no rule: ENOSYS (the kernel: EFAULT). */
    if (syscall(SYS_add_key, NULL, NULL, NULL, 0, 0) != -1 || errno != ENOSYS)
        return 13;
    /* TIOCSTI on no fd: EPERM before the kernel's EBADF. */
    if (ioctl(-1, TIOCSTI, "x") != -1 || errno != EPERM)
        return 14;
    return 0;
}

static void test_program_loads_and_denies_in_the_kernel(void **state)
{
    (void)state;
    _cleanup_close_ int fd = program_fd();
    size_t len;
    _cleanup_free_ char *prog = read_all(fd, &len);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(child_under_filter(prog, len));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_program_is_a_sealed_close_on_exec_memfd_at_offset_0),
        cmocka_unit_test(test_program_is_whole_instructions_within_the_kernel_limit),
        cmocka_unit_test(test_program_is_the_same_bytes_every_time_and_what_the_table_compiles_to),
        cmocka_unit_test(test_program_loads_and_denies_in_the_kernel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
