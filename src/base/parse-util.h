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
/* A byte size: decimal digits and an optional binary unit, "B", "K"/"KiB",
 * "M"/"MiB", "G"/"GiB" or "T"/"TiB" (1024-based; no blank, no decimal "KB"
 * that could mean 1000).  -ERANGE beyond uint64_t. */
int parse_size(const char *s, uint64_t *ret) _warn_unused_;
/* "4GiB", "512MiB", "1000B": the largest unit that divides v exactly, in the
 * spelling parse_size reads back. */
#define SIZE_TEXT_MAX 24u
void size_text(uint64_t v, char out[SIZE_TEXT_MAX]);
/* The value of one hexadecimal digit (either case), -1 for any other character. */
int hex_digit_value(int c);
