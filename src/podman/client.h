/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The client behind the opaque struct podman_client (internal to src/podman).
 *
 * connect.c implements podman_connect() (endpoint resolution, ping, version
 * check, autostart), podman_client_free(), podman_client_version(),
 * podman_client_uri() and podman_client_from_endpoint() below, the plain
 * constructor that podman_connect() builds its result with.
 * Resource files (containers.c, images.c, ...) use c->http for ordinary
 * requests and c->ep for hijacked streams (attach, exec start).
 */

#include "podman/http.h"

struct podman_client {
    struct podman_http *http;  /* owned */
    struct podman_endpoint ep; /* owned; the endpoint the transport talks to */
    char *version;             /* owned, may be NULL; the service's version, e.g. "4.3.1" */
    struct ags_dialer *dialer; /* owned; ssh:// only (ep.dialer borrows it) */
};

/*
 * Builds a client for ep without pinging it or checking its version.  ep is
 * copied; version (may be NULL) is copied.  The result is owned by the caller:
 * free it with podman_client_free().
 */
int podman_client_from_endpoint(const struct podman_endpoint *ep, const char *version,
                                struct podman_client **ret, struct ags_error *err) _warn_unused_;
