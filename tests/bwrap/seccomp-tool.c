/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Test driver of the sandbox's seccomp filter (src/bwrap/seccomp.c):
 *
 *   seccomp-tool list        the architectures the filter covers and every
 *                            syscall libseccomp names on each: "arch TOKEN NAME"
 *                            then "sys TOKEN NR NAME" lines
 *   seccomp-tool bpf         the compiled program on stdout
 *   seccomp-tool exec ARGV   runs ARGV with the program on an inherited fd,
 *                            each argument "@FD@" replaced by its number
 *                            (bwrap --seccomp @FD@ ...)
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "bwrap/gen/seccomp-build.h"
#include "bwrap/seccomp.h"

/* Syscall numbers to name: the usual table, x32's (its numbers carry bit 30)
 * and arm's private calls (cacheflush, set_tls, ...). */
static const struct {
    uint32_t first, count;
} ranges[] = {{0, 1024}, {0x40000000u, 1024}, {0x0f0000u, 256}};

/* The names Podman's archMap and seccomp.json use. */
static const char *arch_name(uint32_t token)
{
    static const struct {
        uint32_t token;
        const char *name;
    } names[] = {{SCMP_ARCH_X86_64, "x86_64"}, {SCMP_ARCH_X86, "x86"}, {SCMP_ARCH_X32, "x32"},
                 {SCMP_ARCH_AARCH64, "aarch64"}, {SCMP_ARCH_ARM, "arm"}};
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].token == token)
            return names[i].name;
    return "unknown";
}

static int list(void)
{
    const uint32_t *arches;
    size_t n = bwrap_seccomp_arches(&arches);
    for (size_t i = 0; i < n; i++)
        printf("arch %u %s\n", arches[i], arch_name(arches[i]));
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < ARRAY_SIZE(ranges); r++)
            for (uint32_t k = 0; k < ranges[r].count; k++) {
                int nr = (int)(ranges[r].first + k);
                _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(arches[i], nr);
                if (name)
                    printf("sys %u %d %s\n", arches[i], nr, name);
            }
    return fflush(stdout) == 0 ? 0 : 1;
}

static int program(int *ret_fd)
{
    struct ags_error err = {0};
    if (bwrap_seccomp_program(ret_fd, &err) < 0) {
        fprintf(stderr, "seccomp-tool: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int dump(void)
{
    _cleanup_close_ int fd = -EBADF;
    if (program(&fd))
        return 1;
    char buf[4096];
    ssize_t got;
    while ((got = read(fd, buf, sizeof(buf))) > 0)
        if (fwrite(buf, 1, (size_t)got, stdout) != (size_t)got)
            return 1;
    return got < 0 || fflush(stdout) != 0;
}

static int run(char **argv)
{
    int fd = -EBADF;
    if (program(&fd))
        return 1;
    if (fcntl(fd, F_SETFD, 0) < 0) {
        perror("seccomp-tool: fcntl");
        return 1;
    }
    char num[16];
    snprintf(num, sizeof(num), "%d", fd);
    for (char **a = argv; *a; a++)
        if (strcmp(*a, "@FD@") == 0)
            *a = num;
    execv(argv[0], argv);
    fprintf(stderr, "seccomp-tool: cannot run %s: %s\n", argv[0], strerror(errno));
    return 127;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return list();
    if (argc == 2 && strcmp(argv[1], "bpf") == 0)
        return dump();
    if (argc > 2 && strcmp(argv[1], "exec") == 0)
        return run(argv + 2);
    fprintf(stderr, "usage: seccomp-tool list | bpf | exec PROGRAM [ARG|@FD@]...\n");
    return 2;
}
