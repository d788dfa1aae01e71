/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Compiling the sandbox's seccomp filter with libseccomp: at build time
 * (seccomp-gen.c writes the program into the build tree, which
 * bwrap/seccomp.c carries), and in the tests.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

/* Compiles the filter and writes the BPF program to fd. */
int bwrap_seccomp_build(int fd, struct ags_error *err) _warn_unused_;

/*
 * The architectures the filter has rules for (libseccomp's SCMP_ARCH_*
 * tokens): the native one first, then those a native process can also call
 * the kernel as (x86 and x32 beside x86_64, arm beside aarch64).  A syscall of
 * any other architecture kills the process.
 */
size_t bwrap_seccomp_arches(const uint32_t **ret);
