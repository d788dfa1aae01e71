/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds: the one clock of every deadline and timing. */
int64_t monotonic_ms(void);

/* "2024-05-01T12:00:00Z" (RFC 3339, UTC) of secs since the epoch into buf
 * (CLOCK_UTC_TEXT bytes suffice); "" when it cannot be shown. */
#define CLOCK_UTC_TEXT 32u
void clock_format_utc(int64_t secs, char *buf, size_t size);
/* The reverse, for exactly that form: 0, or -EINVAL. */
int clock_parse_utc(const char *text, int64_t *ret);
