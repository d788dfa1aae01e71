/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE    65 /* 64 hex digits and NUL */

/* FIPS 180-4 SHA-256, written for ags (trust pinning of repo overlays). */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_SIZE]);
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_SIZE]);
/* The digest d as 64 lowercase hex digits. */
void sha256_hex_of(const uint8_t d[SHA256_DIGEST_SIZE], char out[SHA256_HEX_SIZE]);

/* The same over data that comes in pieces (a tarball read in chunks). */
struct sha256_ctx {
    uint32_t h[8];
    uint8_t buf[64];
    size_t n;       /* bytes in buf */
    uint64_t total; /* bytes hashed */
};
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_SIZE]);
