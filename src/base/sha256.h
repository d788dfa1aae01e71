/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE    65 /* 64 hex digits and NUL */

/* FIPS 180-4 SHA-256, written for ags (trust pinning of repo overlays). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE]);
