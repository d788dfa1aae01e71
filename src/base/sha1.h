/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * FIPS 180-4 SHA-1 and RFC 2104 HMAC-SHA1, written for ags: OpenSSH's
 * hashed known_hosts names (|1|salt|HMAC-SHA1(salt, host)).  Never for
 * anything that needs collision resistance.
 */

#include <stddef.h>
#include <stdint.h>

#define SHA1_DIGEST_SIZE 20

void sha1(const void *data, size_t len, uint8_t out[SHA1_DIGEST_SIZE]);
void hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
               uint8_t out[SHA1_DIGEST_SIZE]);
