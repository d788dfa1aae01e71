/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The bubblewrap engine client: starts one bwrap process with a command line
 * the caller made (it knows nothing of plans or config), attaches slirp4netns
 * to the sandbox's network namespace before the sandbox's command runs, and
 * relays the sandbox's terminal or output streams until it ends.
 *
 * The start is a handshake: bwrap writes the sandbox's pid to an info pipe
 * once its namespaces exist and waits on a block pipe before it runs the
 * command; slirp4netns joins that network namespace (through the user
 * namespace that owns it: bwrap nests a second one for the sandbox), says it
 * is ready, and only then is the block pipe released.  So the command never
 * runs without its network, and a failing slirp4netns ends the launch.
 *
 * The child inherits nothing but its standard streams and the fds the caller
 * names (secrets, the seccomp program): every other descriptor is closed at
 * exec, including any an outer program leaked into ags.  It dies with ags
 * (PR_SET_PDEATHSIG; bwrap's --die-with-parent takes the sandbox along).
 */

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/error.h"
#include "base/outfilter.h"

struct bwrap_start_opts {
    const char *program;       /* bwrap, absolute */
    const char *const *args;   /* its options and the command, NULL-terminated (no argv[0]) */
    const char *const *envp;   /* the sandbox's environment exactly, NULL-terminated */
    const int *keep_fds;       /* stay open in bwrap at the same numbers */
    size_t n_keep_fds;
    /* The network: slirp4netns (absolute) attached as tap0 with its own DNS
     * (10.0.2.3) and the host's loopback at 10.0.2.2 only when
     * host_loopback; NULL: the sandbox has only its own loopback. */
    const char *slirp4netns;
    bool host_loopback;
    int slirp_log_fd;          /* slirp4netns's stdout and stderr (-1: /dev/null) */
    /* The sandbox's RLIMIT_NPROC (soft and hard), set on its first process
     * before it is released: inside its own user namespace only its own
     * processes count against it (0: none). */
    uint32_t nproc_limit;
    /* The caller's side.  tty: the sandbox gets a pseudo-terminal of its own
     * (never the caller's terminal), its output relayed to out_fd; else its
     * stdin is in_fd (-1: /dev/null) and its stdout/stderr are out_fd/err_fd,
     * through a pipe only where a filter rewrites them. */
    bool tty;
    int in_fd, out_fd, err_fd;
    const struct output_filter *out_filter, *err_filter;
};

struct bwrap_proc {
    pid_t pid;        /* bwrap; 0 once reaped */
    pid_t slirp_pid;  /* 0: none or reaped */
    int slirp_exit_wr; /* closing it ends slirp4netns */
    int master;       /* the pty's master (tty), else -1 */
    int out_rd, err_rd; /* filtered streams' read ends, else -1 */
    int status;       /* bwrap's wait status once reaped */
    bool tty;
};

#define BWRAP_PROC_INIT                                                                \
    {                                                                                  \
        .slirp_exit_wr = -1, .master = -1, .out_rd = -1, .err_rd = -1,                 \
    }

/* Starts the sandbox and, with slirp4netns, its network.  On failure nothing
 * of it runs any more. */
int bwrap_start(const struct bwrap_start_opts *o, struct bwrap_proc *ret,
                struct ags_error *err) _warn_unused_;

/* Relays between the caller's streams and the sandbox until bwrap exits;
 * *ret_exit is the sandbox command's exit status (128+N for a signal).  With
 * a terminal on in_fd it is raw for the duration.  -EINTR: SIGINT, SIGTERM,
 * SIGHUP or *cancel ended the wait (the sandbox still runs: bwrap_stop). */
int bwrap_attach(struct bwrap_proc *p, const struct bwrap_start_opts *o,
                 const volatile sig_atomic_t *cancel, int *ret_exit,
                 struct ags_error *err) _warn_unused_;

/* Kills what still runs (bwrap first: the sandbox dies with it), reaps it,
 * ends slirp4netns and closes the relay's fds.  Idempotent. */
void bwrap_stop(struct bwrap_proc *p);

/* `bwrap --version`'s version ("0.8.0"), into buf; 0 or a negative errno. */
int bwrap_version(const char *program, char *buf, size_t size, struct ags_error *err);
