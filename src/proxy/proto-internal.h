/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The checks the parser and the builders share (proto-check.c), so what one
 * accepts the other does. */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "proxy/proto.h"

/* 1..max bytes of printable ASCII (a message for the agent, a relay's reason). */
bool proxy_text_ok(const char *p, size_t len, size_t max);
/* An RFC 9110 token of 1..max bytes (a method, a header name). */
bool proxy_token_ok(const char *p, size_t len, size_t max);
/* Checks method and target (requests), status (responses), every header and the body
 * against the bounds of docs/auth-proxy.md; -EINVAL naming what failed. */
int proxy_http_check(const struct proxy_http *h, bool request, struct ags_error *err);
