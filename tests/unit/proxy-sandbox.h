/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A sandbox played for the auth proxy's tests and benchmark
 * (test-proxy-server.c, tests/bench/auth-relay-bench.c): a child process in
 * a network namespace of its own (so its 127.0.0.1:PORT is not the host's,
 * where the proxy binds the same port) runs the agent's callback server on
 * 127.0.0.1:PORT and the real ags-helper as the opener.  The child reports
 * the helper's exit status and stderr and each request its server received
 * over a pipe.  Without a helper and without a namespace it is just the
 * callback server (the benchmark's direct path).  Errors are negative errno.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct psbx_opts {
    bool own_netns;     /* a network namespace of its own (root, or a user namespace) */
    const char *helper; /* ags-helper, run as `ags-helper open URL`; NULL: none */
    const char *socket; /* the proxy's sandbox socket ($AGS_AUTH_PROXY_SOCK) */
    const char *url;
    uint16_t port;        /* the callback server's port */
    const char *response; /* its answer to every request; NULL: it never answers */
    size_t response_len;
    unsigned max_requests; /* it serves this many, then exits */
    bool report_requests;  /* each request's bytes back over the pipe */
};

struct psbx {
    pid_t pid;
    int report; /* read end of the child's records */
};

int psbx_start(const struct psbx_opts *o, struct psbx *ret);
/* The helper's exit status and its stderr (NUL-terminated, cut to size). */
int psbx_helper_result(struct psbx *s, int timeout_ms, int *status, char *text, size_t size);
/* The next request the callback server received: malloc'd bytes in *req. */
int psbx_next_request(struct psbx *s, int timeout_ms, char **req, size_t *len);
/* Kills the child (and so its server) and reaps it. */
void psbx_stop(struct psbx *s);

/* A port the kernel had free on 127.0.0.1 a moment ago. */
uint16_t psbx_free_port(void);
/* The browser: sends req to 127.0.0.1:port, reads the answer to the server's close
 * (malloc'd, NUL-terminated).  0, or negative errno (-ETIMEDOUT). */
int psbx_http(uint16_t port, const char *req, size_t len, int timeout_ms, char **answer,
              size_t *answer_len);
