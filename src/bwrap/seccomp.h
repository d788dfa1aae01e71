/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The seccomp filter of a bubblewrap sandbox (docs/bwrap.md "Seccomp"): at
 * least as strict as containers-common's default profile for a process with
 * no capabilities, compiled by libseccomp at build time (bwrap/gen/) into a
 * classic BPF program that bwrap loads.
 */

#include "base/error.h"

/*
 * A new memory file (memfd, close-on-exec) holding the compiled program,
 * sealed against every change, its offset at 0.  The caller owns *ret_fd and
 * passes it as `bwrap --seccomp FD`: bwrap reads the program from the fd's
 * offset and loads it right before it executes the sandbox's command (after
 * setting no_new_privs).  The fd is close-on-exec, so the caller clears
 * FD_CLOEXEC on the copy the child keeps (in the child after fork, or on a
 * dup made for it).  One fd per bwrap: reading it moves the offset that
 * every dup of it shares.
 */
int bwrap_seccomp_program(int *ret_fd, struct ags_error *err) _warn_unused_;
