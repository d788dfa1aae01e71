/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "base/macro.h"

/*
 * The one error convention: a fallible function returns >= 0 on success or a
 * negative errno on failure, and fills the optional *err (which may be NULL)
 * only on failure.  The message is a fixed buffer so reporting cannot fail;
 * it reads "context: context: root cause".  Library layers never print.
 */
#define AGS_ERROR_MSG_MAX 1024

struct ags_error {
    int code;                   /* negative errno */
    char msg[AGS_ERROR_MSG_MAX];
};

/* Sets *err (if non-NULL) and returns code, so callers can `return ags_error_set(...)`.
 * A positive code is negated; 0 becomes -EINVAL. */
int ags_error_set(struct ags_error *err, int code, const char *fmt, ...) _printf_(3, 4);
/* Puts "prefix: " in front of the existing message; returns err->code (or -EINVAL). */
int ags_error_prefix(struct ags_error *err, const char *fmt, ...) _printf_(2, 3);
void ags_error_clear(struct ags_error *err);
