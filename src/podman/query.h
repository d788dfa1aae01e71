/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

#include "base/strbuf.h"

/* Query strings for libpod: key=value pairs joined by '&', values percent-encoded
 * (RFC 3986 unreserved characters kept).  Maps and filters are one parameter
 * holding URL-encoded JSON (libpod-api.md 0.2). */
int podman_url_escape(struct strbuf *sb, const char *s) _warn_unused_;
int podman_query_add(struct strbuf *sb, const char *key, const char *value) _warn_unused_;
int podman_query_add_bool(struct strbuf *sb, const char *key, bool value) _warn_unused_;
