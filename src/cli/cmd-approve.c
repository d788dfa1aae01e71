/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags approve [ID], ags deny ID, ags auth-callback URL: answering a
 * sandbox's request to open a page from another terminal, and completing a
 * login on a host without a browser (run/authproxy.h).  What is listed
 * comes from the running sessions' proxies, never from what a sandbox
 * printed: the terminal a run shares with its agent can show look-alike
 * lines, this command cannot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "proxy/control.h"
#include "run/authproxy.h"
#include "base/banned.h"

#define APPROVE_USAGE  "usage: ags approve [--config FILE] [ID]"
#define DENY_USAGE     "usage: ags deny [--config FILE] ID"
#define CALLBACK_USAGE "usage: ags auth-callback [--config FILE] 'http://localhost:PORT/...'"

enum { AF_HELP, AF_CONFIG };
static const struct cli_flag approve_flags[] = {
    [AF_HELP] = CLI_FLAG_HELP,
    [AF_CONFIG] = CLI_FLAG_CONFIG,
    CLI_FLAGS_END,
};

struct approve_args {
    const char *config_path;
    const char *operand;
    bool help;
};

/* Flags and at most one operand (required when need_operand). */
static int parse(int argc, char **argv, const char *usage, bool need_operand,
                 struct approve_args *a)
{
    *a = (struct approve_args){0};
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int c = cli_flag_next(approve_flags, argc, argv, &i, usage, &f, &val);
        if (c > 1)
            return c;
        if (c == 1 && f - approve_flags == AF_HELP) {
            a->help = true;
        } else if (c == 1) {
            a->config_path = val;
        } else if (argv[i][0] == '-' || a->operand) {
            cli_error("unexpected argument '%s'\n%s", argv[i], usage);
            return AGS_EXIT_USAGE;
        } else {
            a->operand = argv[i];
        }
    }
    if (a->help) {
        puts(usage);
        return 0;
    }
    if (need_operand && !a->operand) {
        cli_error("missing operand\n%s", usage);
        return AGS_EXIT_USAGE;
    }
    return 0;
}

/* The running sessions' proxies, under the config's cache_dir. */
static int sessions(const char *config_path, struct run_proxy_sessions *ret)
{
    _cleanup_config_ struct ags_config *cfg = NULL;
    struct cli_host h;
    cli_host_init(&h);
    h.config_read_only = true;
    int rc = cli_load_config(&h, config_path, false, &cfg);
    cli_host_done(&h);
    if (rc != 0)
        return rc;
    struct ags_error err = {0};
    if (run_proxy_sessions_list(NULL, cfg->sandbox.cache_dir.v, ret, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    return 0;
}

static void print_listing(const struct run_proxy_sessions *s)
{
    size_t pending = 0;
    for (size_t i = 0; i < s->n; i++) {
        const struct proxy_listing *l = &s->v[i].listing;
        if (!l->has_pending)
            continue;
        pending++;
        _cleanup_free_ char *url = term_escape_str(l->pending.url);
        _cleanup_free_ char *host = term_escape_str(l->pending.host);
        printf("%s  session %s asks to open a page on %s:\n    %s\n", l->pending.id,
               s->v[i].session, host, url);
        if (l->pending.relay_port)
            printf("    and to relay the login's callback on port %u into the sandbox\n",
                   (unsigned)l->pending.relay_port);
    }
    if (pending)
        printf("answer with: ags approve ID, or ags deny ID\n");
    else
        printf("no request waits for approval\n");
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->v[i].listing.n_relays; k++)
            printf("session %s waits for a login callback on port %u (ags auth-callback "
                   "'http://localhost:%u/...')\n",
                   s->v[i].session, (unsigned)s->v[i].listing.relays[k],
                   (unsigned)s->v[i].listing.relays[k]);
}

static int answer(const char *config_path, const char *id, bool allow)
{
    if (!proxy_id_valid(id)) {
        _cleanup_free_ char *shown = term_escape_str(id);
        cli_error("'%s' is not a request id (%u hex characters; `ags approve` lists them)", shown,
                  PROXY_ID_LEN);
        return AGS_EXIT_USAGE;
    }
    struct run_proxy_sessions s;
    int rc = sessions(config_path, &s);
    if (rc != 0)
        return rc;
    const struct run_proxy_session *which = NULL;
    struct ags_error err = {0};
    int r = run_proxy_answer(&s, id, allow, &which, &err);
    if (r > 0)
        printf("%s request %s of session %s\n", allow ? "approved" : "denied", id,
               which->session);
    else if (r == 0)
        cli_error("no request %s waits (it was answered, timed out, or its session ended; `ags "
                  "approve` lists what waits)", id);
    else
        cli_error("%s", err.msg);
    run_proxy_sessions_done(&s);
    return r > 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

static int approve_run(int argc, char **argv)
{
    struct approve_args a;
    int rc = parse(argc, argv, APPROVE_USAGE, false, &a);
    if (rc != 0 || a.help)
        return rc;
    if (a.operand)
        return answer(a.config_path, a.operand, true);
    struct run_proxy_sessions s;
    rc = sessions(a.config_path, &s);
    if (rc != 0)
        return rc;
    print_listing(&s);
    run_proxy_sessions_done(&s);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

static int deny_run(int argc, char **argv)
{
    struct approve_args a;
    int rc = parse(argc, argv, DENY_USAGE, true, &a);
    if (rc != 0 || a.help)
        return rc;
    return answer(a.config_path, a.operand, false);
}

static int auth_callback_run(int argc, char **argv)
{
    struct approve_args a;
    int rc = parse(argc, argv, CALLBACK_USAGE, true, &a);
    if (rc != 0 || a.help)
        return rc;
    struct run_proxy_sessions s;
    rc = sessions(a.config_path, &s);
    if (rc != 0)
        return rc;
    uint16_t status = 0;
    struct ags_error err = {0};
    int r = run_auth_callback(&s, a.operand, &status, &err);
    run_proxy_sessions_done(&s);
    if (r == -EINVAL) {
        cli_error("%s\n%s", err.msg, CALLBACK_USAGE);
        return AGS_EXIT_USAGE;
    }
    if (r < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    printf("relayed into the sandbox; its login server answered %u\n", (unsigned)status);
    return status < 400 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_approve = {
    .name = "approve",
    .summary = "list the sandboxes' requests to open a page, or approve one",
    .args = "[--config FILE] [ID]",
    .flags = approve_flags,
    .operands = CLI_VALUE_WORD,
    .run = approve_run,
};

const struct ags_command cmd_deny = {
    .name = "deny",
    .summary = "deny a sandbox's request to open a page",
    .args = "[--config FILE] ID",
    .flags = approve_flags,
    .operands = CLI_VALUE_WORD,
    .run = deny_run,
};

const struct ags_command cmd_auth_callback = {
    .name = "auth-callback",
    .summary = "relay a login's final address into the sandbox waiting for it",
    .args = "[--config FILE] URL",
    .flags = approve_flags,
    .operands = CLI_VALUE_WORD,
    .run = auth_callback_run,
};
