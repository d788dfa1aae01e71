/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds: the one clock of every deadline and timing. */
int64_t monotonic_ms(void);
