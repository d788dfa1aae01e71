/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "base/error.h"

/* A memfd (O_CLOEXEC, offset 0) holding the sandbox's compiled seccomp
 * program for bwrap --seccomp. */
int bwrap_seccomp_program(int *ret_fd, struct ags_error *err) _warn_unused_;
