/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include "base/error.h"
#include "podman/http.h"

/*
 * Turns a libpod error reply {"cause","message","response"} (or a text body
 * for 404/405 of unknown paths) into one line "what: message" with a hint
 * where one helps, and a negative errno from the status: 404 -ENOENT,
 * 409 -EBUSY, 304 -EALREADY, 400 -EINVAL, 5xx -EIO (conflicts that 4.3
 * reports as 500 are recognised by their cause).
 */
int podman_reply_error(const struct podman_reply *reply, const char *what, struct ags_error *err);
