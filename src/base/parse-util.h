/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "base/macro.h"

/* Whole-string decimal parsers: no sign for unsigned, no spaces, no trailing
 * garbage, range-checked.  Return 0 or -EINVAL/-ERANGE; *ret untouched on failure. */
int parse_u32(const char *s, uint32_t *ret) _warn_unused_;
int parse_i64(const char *s, int64_t *ret) _warn_unused_;
/* Decimal digits only (no sign, no blank), the whole range of uint64_t. */
int parse_u64(const char *s, uint64_t *ret) _warn_unused_;
int parse_port(const char *s, uint16_t *ret) _warn_unused_;
/* The value of one hexadecimal digit (either case), -1 for any other character. */
int hex_digit_value(int c);
