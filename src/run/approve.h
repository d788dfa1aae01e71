/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The user's approvals that run/ wires between a host-side service and the
 * desktop (notify/notify.h): the service takes a callback, so ssh/ never
 * includes notify/.
 */

#include <stddef.h>

#include "proxy/server.h"
#include "ssh/agent-server.h"

/* How long a signature waits for the user's answer: then it is refused. */
#define RUN_SSH_APPROVE_TIMEOUT_MS 60000

/*
 * The ssh_approve_fn of a run's agent proxy ([ssh] confirm = "always"):
 * "Allow the sandbox to sign with <key comment> (<purpose>)?" with what would
 * be signed (the filter's reason) and the client's pid, through notify_ask.
 * 1 allowed; 0 denied or unanswered (why says which); negative errno when
 * there is no way to ask (why says why).  userdata: NULL, or a const int *
 * timeout in ms instead of RUN_SSH_APPROVE_TIMEOUT_MS.
 */
int run_ssh_approve(const struct ssh_sign_question *q, char *why, size_t why_size, void *userdata);

/*
 * The proxy_approve_fn of a run's auth proxy (proxy/server.h): "Open a URL
 * for the sandbox (HOST)?" with the full URL, and when the login's callback is
 * to be relayed, on which port, through notify_ask with Open and Deny, for
 * timeout_ms, withdrawn when cancel_fd fires.  1 open, 0 denied, unanswered
 * or answered elsewhere (why says which), negative errno when there is no way
 * to ask here (why says why; the server then waits for `ags approve`).
 * userdata: unused.
 */
/* The most of a host a question's title shows (cut from the left). */
#define RUN_PROXY_TITLE_HOST_MAX 60u

int run_proxy_approve(const struct proxy_question *q, int cancel_fd, int timeout_ms, char *why,
                      size_t why_size, void *userdata);
