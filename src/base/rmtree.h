/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Removal of a tree that a sandbox could write (lockdown staging, a bwrap
 * volume, an image root): never following a symlink, however deep it is
 * and whatever permissions its directories have (each gets its owner's rwx
 * back first).  A missing tree is not an error.
 */

#include "base/error.h"

/* name in directory parent (a file or symlink: itself); shown names it in errors. */
int rmtree_at(int parent, const char *name, const char *shown, struct ags_error *err)
        _warn_unused_;
/* The same for a path. */
int rmtree(const char *path, struct ags_error *err) _warn_unused_;
