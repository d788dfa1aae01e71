/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The compiled seccomp program, generated at build time by src/bwrap/gen/seccomp-gen.c
 * (internal to src/bwrap: bwrap/seccomp.h hands it out). */

#include <stddef.h>

extern const size_t bwrap_seccomp_program_size;
extern const unsigned char bwrap_seccomp_program_bytes[];
