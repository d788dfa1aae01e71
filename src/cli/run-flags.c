/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The run flags' table and parser, shared by run mode and `ags plan`. */
#include "cli/run-flags.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/netrule.h"
#include "cli/cli.h"
#include "base/banned.h"

#define AGENT_CHOICES "pi, claude, codex, gemini, opencode or shell"

/* The run flags, shared by run mode and `ags plan`; `ags --help` lists them. */
enum {
    RF_AGENT,
    RF_CONFIG,
    RF_ADD_DIR,
    RF_TMUX,
    RF_DETACH,
    RF_STOP_WHEN_DONE,
    RF_YOLO,
    RF_ROOT,
    RF_LOCKDOWN,
    RF_DEFAULTS,
    RF_BACKEND,
    RF_CONNECTION,
    RF_URL,
    RF_NETWORK,
    RF_ALLOW,
    RF_HELP,
};

const struct cli_flag cli_run_flags[] = {
    [RF_AGENT] = {"--agent", NULL, CLI_VALUE_AGENT, NULL, "which agent to launch", 0},
    [RF_CONFIG] = CLI_FLAG_CONFIG,
    [RF_ADD_DIR] = {"--add-dir", "-d", CLI_VALUE_DIR, NULL, "also mount DIR read-write", 0},
    [RF_TMUX] = {"--tmux", NULL, CLI_VALUE_NONE, NULL, "run the agent inside tmux", 0},
    [RF_DETACH] = {"--detach", NULL, CLI_VALUE_NONE, NULL,
                   "start the agent in the background (tmux; ags attach NAME)", 0},
    [RF_STOP_WHEN_DONE] = {"--stop-when-done", NULL, CLI_VALUE_NONE, NULL,
                           "with --tmux: the container exits with the agent", 0},
    [RF_YOLO] = {"--yolo", NULL, CLI_VALUE_NONE, NULL, "disable the ags guards", 0},
    [RF_ROOT] = {"--root", NULL, CLI_VALUE_NONE, NULL, "run as root inside the sandbox", 0},
    [RF_LOCKDOWN] = {"--lockdown", NULL, CLI_VALUE_NONE, NULL,
                     "hardened run for untrusted repositories", 0},
    [RF_DEFAULTS] = {"--defaults", "-D", CLI_VALUE_NONE, NULL,
                     "prepend the agent's default arguments", 0},
    [RF_BACKEND] = CLI_FLAG_BACKEND_AT(0),
    [RF_CONNECTION] = CLI_FLAG_CONNECTION_AT(0),
    [RF_URL] = {"--url", NULL, CLI_VALUE_WORD, NULL,
                "the Podman service URI (unix://, ssh://, tcp://)", 0},
    [RF_NETWORK] = {"--network", NULL, CLI_VALUE_CHOICE, "open allowlist none",
                    "what the sandbox may reach, for this run", 0},
    [RF_ALLOW] = {"--allow", NULL, CLI_VALUE_HOST, NULL,
                  "also allow HOST[:PORT] in allowlist mode (repeatable)", 0},
    [RF_HELP] = CLI_FLAG_HELP,
    CLI_FLAGS_END,
};

const struct cli_flag cli_plan_flags[] = {
    {"--json", NULL, CLI_VALUE_NONE, NULL, "print the plan as JSON", 0},
    CLI_FLAGS_END,
};

/* Flags of the original's integrations that this ags leaves out (never
 * completed); help says why. */
static const struct cli_flag unsupported_flags[] = {
    {"--browser", NULL, CLI_VALUE_NONE, NULL, "the browser sidecar is out of scope", 0},
    {"--psp", NULL, CLI_VALUE_NONE, NULL, "the podman-socket-proxy sidecar is out of scope", 0},
    {"--psp-keep", NULL, CLI_VALUE_NONE, NULL, "the podman-socket-proxy sidecar is out of scope",
     0},
    {"--op-secret-set", "-1", CLI_VALUE_WORD, NULL, "1Password Secure Notes are out of scope", 0},
    {"--wayland-compositor-passthrough", NULL, CLI_VALUE_NONE, NULL,
     "Wayland passthrough is out of scope", 0},
    CLI_FLAGS_END,
};

struct parser {
    int argc;
    char **argv;
    int i;
    bool allow_json;
    struct run_flags *f;
    const struct cli_flag *unsupported; /* the first one seen */
};

static int usage(const char *fmt, ...) _printf_(1, 2);

static int usage(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cli_error("%s", msg);
    return AGS_EXIT_USAGE;
}

static bool *switch_of(struct run_flags *f, const struct cli_flag *flag)
{
    switch (flag - cli_run_flags) {
    case RF_TMUX:
        return &f->tmux;
    case RF_DETACH:
        return &f->detach;
    case RF_STOP_WHEN_DONE:
        return &f->stop_when_done;
    case RF_YOLO:
        return &f->yolo;
    case RF_ROOT:
        return &f->root;
    case RF_LOCKDOWN:
        return &f->lockdown;
    case RF_DEFAULTS:
        return &f->defaults;
    case RF_HELP:
        return &f->help;
    default:
        return NULL;
    }
}

/* Checked here, so a bad entry is a usage error naming the flag. */
static int add_allow(struct run_flags *f, const char *val)
{
    struct netrule r;
    const char *why = NULL;
    if (netrule_parse(val, &r, &why) < 0)
        return usage("invalid value '%s' for --allow: %s", val, why);
    f->allow = xrealloc(f->allow, (f->n_allow + 1) * sizeof(*f->allow));
    f->allow[f->n_allow++] = val;
    return 0;
}

/* Stores one flag of cli_run_flags.  Returns 0 or an exit status. */
static int apply_run_flag(struct run_flags *f, const struct cli_flag *flag, const char *val)
{
    bool *b = switch_of(f, flag);
    if (b) {
        *b = true;
        return 0;
    }
    switch (flag - cli_run_flags) {
    case RF_AGENT:
        if (plan_agent_from_name(val, &f->agent) < 0)
            return usage("invalid agent '%s' (expected " AGENT_CHOICES ")", val);
        f->have_agent = true;
        return 0;
    case RF_CONFIG:
        f->config_path = val;
        return 0;
    case RF_BACKEND:
        f->engine.backend = val;
        return 0;
    case RF_CONNECTION:
        f->engine.connection = val;
        return 0;
    case RF_URL:
        f->engine.url = val;
        return 0;
    case RF_NETWORK: /* cli_flag_next checked it is one of the choices */
        if (plan_network_mode_from_name(val, &f->network) < 0)
            return usage("invalid value '%s' for --network", val);
        f->network_set = true;
        return 0;
    case RF_ALLOW:
        return add_allow(f, val);
    default: /* RF_ADD_DIR */
        f->add_dirs = xrealloc(f->add_dirs, (f->n_add_dirs + 1) * sizeof(*f->add_dirs));
        f->add_dirs[f->n_add_dirs++] = val;
        return 0;
    }
}

/* Returns 1 when argv[i] was a flag (its value consumed), 0 when not, or an
 * exit status. */
static int one_flag(struct parser *ps)
{
    const struct cli_flag *flag = NULL;
    const char *val = NULL;
    int r = cli_flag_next(cli_run_flags, ps->argc, ps->argv, &ps->i, NULL, &flag, &val);
    if (r == 1) {
        int rc = apply_run_flag(ps->f, flag, val);
        return rc ? rc : 1;
    }
    if (r == 0 && ps->allow_json)
        r = cli_flag_next(cli_plan_flags, ps->argc, ps->argv, &ps->i, NULL, &flag, &val);
    if (r == 1) {
        ps->f->json = true; /* the one flag of cli_plan_flags */
        return 1;
    }
    if (r == 0)
        r = cli_flag_next(unsupported_flags, ps->argc, ps->argv, &ps->i, NULL, &flag, &val);
    if (r == 1 && !ps->unsupported)
        ps->unsupported = flag;
    return r;
}

static int check_combination(const struct parser *ps)
{
    const struct run_flags *f = ps->f;
    if (ps->unsupported && f->lockdown)
        return usage("--lockdown cannot be combined with %s", ps->unsupported->name);
    if (ps->unsupported)
        return usage("%s is not supported by this ags (%s)", ps->unsupported->name,
                     ps->unsupported->help);
    if (!f->have_agent)
        return usage("missing --agent (expected " AGENT_CHOICES ")");
    if (f->lockdown && f->root)
        return usage("--lockdown cannot be combined with --root");
    if (f->stop_when_done && !f->tmux && !f->detach)
        return usage("--stop-when-done requires --tmux or --detach");
    return 0;
}

int run_flags_parse(int argc, char **argv, int first, bool allow_json, struct run_flags *ret)
{
    *ret = (struct run_flags){0};
    struct parser ps = {.argc = argc, .argv = argv, .allow_json = allow_json, .f = ret};
    for (ps.i = first; ps.i < argc; ps.i++) {
        const char *a = argv[ps.i];
        if (strcmp(a, "--") == 0) {
            ret->passthrough = (const char *const *)argv + ps.i + 1;
            ret->n_passthrough = (size_t)(argc - ps.i - 1);
            break;
        }
        int r = one_flag(&ps);
        if (r == 1 && ret->help)
            return 0; /* the rest is not checked: the caller prints help */
        if (r == 1)
            continue;
        if (r > 1)
            return r;
        if (a[0] == '-')
            return usage("unexpected flag '%s' (ags --help lists the flags)", a);
        return usage("unexpected positional argument '%s' (use '--' before passthrough args)", a);
    }
    ret->tmux = ret->tmux || ret->detach; /* a detached session runs in tmux */
    return check_combination(&ps);
}

void run_flags_done(struct run_flags *f)
{
    free(f->add_dirs);
    f->add_dirs = NULL;
    f->n_add_dirs = 0;
    free(f->allow);
    f->allow = NULL;
    f->n_allow = 0;
}
