/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Helpers of the filter's log text (internal to src/ssh). */

#include <stddef.h>

#include "base/macro.h"
#include "ssh/agent-wire.h"

/* Client-chosen bytes as log text: printable ASCII (quote and backslash too
 * become '?'), at most 64 of them and "..." when cut. */
void agent_printable(char *dst, size_t size, struct agent_str s);
/* Formats reason and returns code, so a check can `return agent_reason(...)`. */
int agent_reason(char *reason, size_t size, int code, const char *fmt, ...) _printf_(4, 5);
