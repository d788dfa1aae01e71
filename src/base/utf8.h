/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length (1-4) of the valid UTF-8 sequence at s, storing its code point; 0 if invalid. */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp);
/* Encodes a Unicode scalar value; returns the number of bytes (1-4). */
size_t utf8_encode(uint32_t cp, char out[4]);
/* Whether s[0..n) is entirely valid UTF-8 (RFC 3629; NUL bytes are valid). */
bool utf8_valid(const char *s, size_t n);
/* The longest prefix of s[0..n) of at most max bytes that does not end inside
 * a multi-byte sequence (a cut for display; s need not be valid). */
size_t utf8_cut(const char *s, size_t n, size_t max);
