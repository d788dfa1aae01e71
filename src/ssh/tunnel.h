/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The ssh:// transport to a remote Podman API (docs/architecture.md
 * "Remote engines"): one TCP connection and libssh2 session per tunnel, the
 * server's host key checked against ~/.ssh/known_hosts (ed25519 and ECDSA
 * only), the user authenticated by the ssh-agent or an identity file, then
 * one direct-streamlocal@openssh.com channel to the remote socket per API
 * connection.  One pump thread drives the session (libssh2 is not
 * thread-safe); each channel is bridged to a local socket whose other end is
 * the caller's.  Keepalives every 5 s; no answer for 10 s (or a socket error)
 * closes every bridged stream and fails every later dial with why.
 */

#include "base/dialer.h"

#define SSH_TUNNEL_CONNECT_TIMEOUT_MS 10000L
#define SSH_TUNNEL_KEEPALIVE_SECONDS  5
#define SSH_TUNNEL_DEAD_MS            10000L

/* An ags_dialer_open_fn: connects, checks and authenticates, starts the pump. */
int ssh_tunnel_open(const struct ags_dial_target *t, struct ags_dialer **ret, struct ags_error *err)
        _warn_unused_;
