/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The URL reader that proxy_url_parse and proxy_url_callback_port share (url.c). */

#include "proxy/url.h"

/* Everything proxy_url_parse checks but the loopback refusal; *path_off is where the path,
 * query or fragment starts (len when there is none). */
int proxy_url_split(const char *url, size_t len, struct proxy_url *u, size_t *path_off,
                    struct ags_error *err) _warn_unused_;
/* localhost, a name below .localhost, 127.0.0.0/8, 0.0.0.0, ::1, :: and their IPv4-mapped
 * forms: the host's own machine as the browser would reach it. */
bool proxy_host_is_loopback(const struct proxy_url *u);
