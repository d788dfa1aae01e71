/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The syscall names of the seccomp filter (seccomp-table.c), internal to src/bwrap. */

#include <stddef.h>

struct bwrap_seccomp_names {
    const char *const *names;
    size_t n;
};

extern const struct bwrap_seccomp_names bwrap_seccomp_allowed;
extern const struct bwrap_seccomp_names bwrap_seccomp_allowed_arch;
extern const struct bwrap_seccomp_names bwrap_seccomp_denied_eperm;
