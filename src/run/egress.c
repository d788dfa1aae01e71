/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The egress proxy of a run in allowlist mode (egress.h): its private
 * directory, the plan's allow list as the proxy's policy, the audit log and
 * the refusals said on stderr.  What ags prints shares the terminal with the
 * agent: a refusal line only names what was refused, the log is the record.
 */
#include <errno.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "base/netrule.h"
#include "egress/egress.h"
#include "run/egress.h"
#include "run/internal.h"
#include "run/sessiondir.h"
#include "run/stage.h"
#include "run/statelog.h"
#include "base/banned.h"

struct run_egress_ctx {
    const struct run_callbacks *cb;
    struct netrule *rules;
    size_t n_rules;
};

static bool name_allowed(void *ctx, const char *host, uint16_t port)
{
    const struct run_egress_ctx *c = ctx;
    return netrule_list_match_name(c->rules, c->n_rules, host, port);
}

static bool addr_listed(void *ctx, int family, const void *addr, uint16_t port)
{
    const struct run_egress_ctx *c = ctx;
    return netrule_list_match_addr(c->rules, c->n_rules, family, addr, port);
}

static void warn_line(void *ctx, const char *line)
{
    const struct run_egress_ctx *c = ctx;
    run_warnf(c->cb, "%s", line);
}

/* Without its audit log an allowlist run does not start: the policy promises
 * a record of every attempt (a full disk fails the run, it is not a way to
 * connect unseen). */
static int open_log(struct run_egress *re, const struct run_egress_opts *o, const char *session,
                    struct ags_error *err)
{
    re->log_fd = run_state_log_open(o->getenv, "network", session, ".jsonl", &re->log_path, err);
    return re->log_fd < 0 ? ags_error_prefix(err, "the network audit log") : 0;
}

int run_egress_begin(struct run_egress *re, const struct run_egress_opts *o,
                     struct ags_error *err)
{
    *re = (struct run_egress){.log_fd = -EBADF};
    const struct ags_plan *p = o->plan;
    const char *sock = p->egress_sock;
    if (!sock)
        return 0;
    int r = run_session_dir_make(o->getenv, o->cfg->sandbox.cache_dir.v, sock,
                                 RUN_EGRESS_DIR_PREFIX, RUN_EGRESS_SOCK_NAME, &re->dir, err);
    if (r < 0)
        return ags_error_prefix(err, "the egress proxy");
    re->ctx = xmalloc(sizeof(*re->ctx));
    *re->ctx = (struct run_egress_ctx){
        .cb = o->cb,
        .rules = xcalloc(p->network.n_allow + 1, sizeof(struct netrule)),
        .n_rules = p->network.n_allow,
    };
    for (size_t i = 0; i < p->network.n_allow; i++)
        re->ctx->rules[i] = p->network.allow[i].rule;
    const char *session = plan_label_value(p->labels, PLAN_LABEL_SESSION);
    r = open_log(re, o, session, err);
    if (r < 0)
        return r;
    const struct egress_opts eo = {
        .socket_path = sock,
        .policy = {.name_allowed = name_allowed, .addr_listed = addr_listed, .ctx = re->ctx},
        .log_fd = re->log_fd,
        .session = session ? session : "",
        .agent = plan_agent_name(p->agent),
        .warn = warn_line,
        .warn_ctx = re->ctx,
    };
    r = egress_start(&eo, &re->server, err);
    return r < 0 ? ags_error_prefix(err, "the egress proxy") : 0;
}

void run_egress_end(struct run_egress *re, const struct run_callbacks *cb)
{
    if (re->server) {
        uint64_t allowed = 0, refused = 0, failed = 0;
        egress_counts(re->server, &allowed, &refused, &failed);
        if (refused || failed)
            run_warnf(cb, "network: %llu connections allowed, %llu refused by the policy, %llu "
                          "failed (ags net-log shows them)",
                      (unsigned long long)allowed, (unsigned long long)refused,
                      (unsigned long long)failed);
    }
    egress_stop(re->server);
    re->server = NULL;
    run_state_log_close(re->log_fd, re->log_path);
    re->log_fd = -EBADF;
    free(re->log_path);
    re->log_path = NULL;
    struct ags_error e = {0};
    if (re->dir && stage_remove_tree(re->dir, &e) < 0)
        run_warnf(cb, "%s (the next run removes it)", e.msg);
    free(re->dir);
    re->dir = NULL;
    if (re->ctx)
        free(re->ctx->rules);
    free(re->ctx);
    re->ctx = NULL;
}
