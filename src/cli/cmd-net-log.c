/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags net-log [SESSION] [--json]: what a sandbox in allowlist mode tried to
 * reach, from the egress proxy's audit log (run/netlog.h); the latest
 * session by default.  Every field came through the sandbox (a host name it
 * asked for), so the table escapes each one; --json prints the objects again
 * as ASCII-only JSON, one per line.
 */
#include <errno.h>
#include <stdio.h>

#include "base/termesc.h"
#include "cli/cli.h"
#include "run/netlog.h"
#include "base/banned.h"

#define NETLOG_USAGE "usage: ags net-log [--json] [SESSION]"

enum { NF_HELP, NF_JSON };
static const struct cli_flag netlog_flags[] = {
    [NF_HELP] = CLI_FLAG_HELP,
    [NF_JSON] = {"--json", NULL, CLI_VALUE_NONE, NULL, "one JSON object per line", 0},
    CLI_FLAGS_END,
};

struct netlog_args {
    const char *session;
    bool help, json;
};

static int parse(int argc, char **argv, struct netlog_args *a)
{
    *a = (struct netlog_args){0};
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int c = cli_flag_next(netlog_flags, argc, argv, &i, NETLOG_USAGE, &f, &val);
        if (c > 1)
            return c;
        if (c == 1 && f - netlog_flags == NF_HELP) {
            a->help = true;
        } else if (c == 1) {
            a->json = true;
        } else if (argv[i][0] == '-' || a->session) {
            cli_error("unexpected argument '%s'\n%s", argv[i], NETLOG_USAGE);
            return AGS_EXIT_USAGE;
        } else {
            a->session = argv[i];
        }
    }
    return 0;
}

static void print_entry(const struct run_netlog_entry *e)
{
    _cleanup_free_ char *host = term_escape_str(e->host);
    _cleanup_free_ char *addr = term_escape_str(e->address[0] ? e->address : "-");
    _cleanup_free_ char *method = term_escape_str(e->method[0] ? e->method : "-");
    _cleanup_free_ char *decision = term_escape_str(e->decision);
    _cleanup_free_ char *reason = term_escape_str(e->reason);
    _cleanup_free_ char *time = term_escape_str(e->time);
    printf("%-24s %-8s %-7s %s:%lld  %s  up %lld down %lld  %lld ms%s%s\n", time, decision, method,
           host, e->port, addr, e->bytes_up, e->bytes_down, e->duration_ms,
           reason[0] ? "  " : "", reason);
}

static int netlog_run(int argc, char **argv)
{
    struct netlog_args a;
    int rc = parse(argc, argv, &a);
    if (rc != 0 || a.help) {
        if (a.help)
            puts(NETLOG_USAGE);
        return rc;
    }
    struct run_netlog l;
    struct ags_error err = {0};
    int r = run_netlog_read(NULL, a.session, &l, &err);
    if (r < 0) {
        cli_error("%s", err.msg);
        return r == -EINVAL ? AGS_EXIT_USAGE : AGS_EXIT_FAILURE;
    }
    if (!a.json)
        printf("session %s (%s): %zu connection attempts\n", l.session, l.path, l.n);
    for (size_t i = 0; i < l.n; i++) {
        if (a.json)
            puts(l.v[i].json);
        else
            print_entry(&l.v[i]);
    }
    if (l.unreadable)
        cli_warning("%zu lines of %s are not log entries and were skipped", l.unreadable, l.path);
    run_netlog_done(&l);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

const struct ags_command cmd_net_log = {
    .name = "net-log",
    .summary = "show what a sandbox in allowlist mode connected to (the latest session)",
    .args = "[--json] [SESSION]",
    .flags = netlog_flags,
    .operands = CLI_VALUE_WORD,
    .run = netlog_run,
};
