/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

/*
 * Decodes standard base64 (RFC 4648 section 4, '=' padding, no whitespace,
 * as in an OpenSSH .pub line) into out, of room max bytes.  Only canonical
 * text is accepted: a length that is a multiple of 4, padding only at the
 * end, and zero bits where padding cuts a byte, so one blob has exactly one
 * spelling.  Returns the decoded length; -EINVAL for anything else, -E2BIG
 * when the result would not fit in max.
 */
long base64_decode(const char *in, size_t len, uint8_t *out, size_t max) _warn_unused_;
/* The same for the URL and file name safe alphabet (RFC 4648 section 5: '-'
 * and '_' for '+' and '/', '=' padding), as Go's base64.URLEncoding writes
 * Podman's X-Docker-Container-Path-Stat header. */
long base64url_decode(const char *in, size_t len, uint8_t *out, size_t max) _warn_unused_;

/* Encodes data[0..n) as standard base64 without '=' padding (as ssh prints
 * a SHA256 fingerprint) into out, which must hold 4 * ((n + 2) / 3) + 1 bytes. */
void base64_encode_nopad(const uint8_t *data, size_t n, char *out);
