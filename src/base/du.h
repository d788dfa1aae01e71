/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Disk use of a tree that something untrusted may have written (a lockdown
 * staging directory): walked below a directory fd, never following a
 * symlink, with bounded depth and entry count so that a planted tree cannot
 * make the walk take unbounded time or file descriptors.
 */

#include <stdbool.h>
#include <stdint.h>

#include "base/macro.h"

#define DU_MAX_DEPTH   64u
#define DU_MAX_ENTRIES 200000u

struct du_result {
    uint64_t bytes;   /* allocated bytes (st_blocks * 512) of what was seen */
    uint64_t entries; /* how many entries were seen */
    bool complete;    /* false: a bound was hit or something was unreadable */
};

/* name in dirfd (AT_FDCWD with a path) and, for a directory, everything
 * below it.  A symlink counts as itself.  -errno when name itself cannot be
 * looked at (-ENOENT: it is gone). */
int du_tree_at(int dirfd, const char *name, struct du_result *ret) _warn_unused_;
