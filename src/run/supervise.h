/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Supervised sessions (run/supervise.c, docs/sessions.md): a tmux run
 * carried out by a supervisor process that outlives the ags that started
 * it, reporting to that ags over a pipe until the session is up.
 */

#include <sys/types.h>

#include "run/run.h"

struct run_supervised {
    int fd;     /* the supervisor's reports (read end) */
    pid_t pid;  /* the supervisor, once it said */
    char *name; /* the sandbox, once started */
};

/* Starts the supervisor for o (o->plan is a tmux plan) and relays what the
 * run says through o->cb: 0 once the session is up (*ret holds its name),
 * 0 with *ret_exit when it ended before that (ret->name NULL), or a negative
 * errno with *err when the run failed (everything undone).  SIGINT, SIGTERM
 * and SIGHUP meanwhile are passed on as SIGTERM (the supervisor undoes the
 * run).  ret is the caller's (run_supervised_done). */
int run_supervise_start(const struct run_opts *o, struct run_supervised *ret, int *ret_exit,
                        struct ags_error *err) _warn_unused_;
/* Relays what the supervisor still says through cb until it ends: 0 with
 * *ret_exit the session's exit status, or a negative errno. */
int run_supervised_wait(struct run_supervised *sv, const struct run_callbacks *cb, int *ret_exit,
                        struct ags_error *err) _warn_unused_;
void run_supervised_done(struct run_supervised *sv);

/* Whether the backend o->cfg names can attach to a running sandbox
 * (backend.h exec_session: Podman, not bwrap), opened for the question. */
int run_backend_can_attach(const struct run_opts *o, bool *ret, struct ags_error *err)
        _warn_unused_;
