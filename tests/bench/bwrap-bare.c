/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * For tools/bench-bwrap.sh: the bare engine sequence of a bubblewrap run,
 * without ags around it.  `bwrap-bare -- BWRAP_ARGS...` starts bwrap with
 * those arguments plus the same seccomp program ags gives it, attaches
 * slirp4netns to its network (bwrap/launch.h: the info/block handshake) and
 * waits; exits with the sandbox's status.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bwrap/launch.h"
#include "bwrap/seccomp.h"


int main(int argc, char **argv)
{
    if (argc < 3 || strcmp(argv[1], "--") != 0) {
        fprintf(stderr, "usage: bwrap-bare -- BWRAP_ARGS... COMMAND...\n");
        return 2;
    }
    struct ags_error err = {0};
    int seccomp = -1;
    if (bwrap_seccomp_program(&seccomp, &err) < 0) {
        fprintf(stderr, "bwrap-bare: %s\n", err.msg);
        return 125;
    }
    char fd[16];
    snprintf(fd, sizeof(fd), "%d", seccomp);
    const char *args[512];
    size_t n = 0;
    args[n++] = "--seccomp";
    args[n++] = fd;
    for (int i = 2; i < argc && n < 511; i++)
        args[n++] = argv[i];
    args[n] = NULL;
    const struct bwrap_start_opts o = {
        .program = "/usr/bin/bwrap",
        .args = args,
        .envp = (const char *const *)environ,
        .keep_fds = &seccomp,
        .n_keep_fds = 1,
        .slirp4netns = "/usr/bin/slirp4netns",
        .slirp_log_fd = -1,
        .in_fd = 0,
        .out_fd = 1,
        .err_fd = 2,
    };
    struct bwrap_proc p = BWRAP_PROC_INIT;
    int status = 125;
    if (bwrap_start(&o, &p, &err) < 0 || bwrap_attach(&p, &o, NULL, &status, &err) < 0) {
        fprintf(stderr, "bwrap-bare: %s\n", err.msg);
        status = 125;
    }
    bwrap_stop(&p);
    return status;
}
