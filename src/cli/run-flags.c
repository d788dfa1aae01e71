/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hand-written parser of the run flags, shared by run mode and `ags plan`. */
#include "cli/run-flags.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/cli.h"
#include "base/banned.h"

#define AGENT_CHOICES "pi, claude, codex, gemini, opencode or shell"

/* Flags of the original's integrations that this ags leaves out. */
struct unsupported {
    const char *flag;
    const char *alias;
    bool takes_value;
    const char *why;
};

static const struct unsupported unsupported_flags[] = {
    {"--browser", NULL, false, "the browser sidecar is out of scope"},
    {"--psp", NULL, false, "the podman-socket-proxy sidecar is out of scope"},
    {"--psp-keep", NULL, false, "the podman-socket-proxy sidecar is out of scope"},
    {"--op-secret-set", "-1", true, "1Password Secure Notes are out of scope"},
    {"--wayland-compositor-passthrough", NULL, false, "Wayland passthrough is out of scope"},
};

struct parser {
    int argc;
    char **argv;
    int i;
    struct run_flags *f;
    const struct unsupported *unsupported; /* the first one seen */
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

/*
 * Matches argv[i] against a value flag (`--name V`, `--name=V`, or the short
 * alias `-x V`).  Returns 1 with *val set, 0 when it is another flag, or an
 * exit status for a missing value.
 */
static int value_flag(struct parser *ps, const char *name, const char *alias, const char **val)
{
    const char *a = ps->argv[ps->i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=') {
        if (!a[n + 1])
            goto missing;
        *val = a + n + 1;
        return 1;
    }
    if (strcmp(a, name) != 0 && !(alias && strcmp(a, alias) == 0))
        return 0;
    if (ps->i + 1 >= ps->argc || !ps->argv[ps->i + 1][0])
        goto missing;
    *val = ps->argv[++ps->i];
    return 1;
missing:
    if (alias)
        return usage("missing value for %s / %s", name, alias);
    return usage("missing value for %s", name);
}

static bool *bool_flag(struct run_flags *f, const char *a, bool allow_json)
{
    if (strcmp(a, "--tmux") == 0)
        return &f->tmux;
    if (strcmp(a, "--stop-when-done") == 0)
        return &f->stop_when_done;
    if (strcmp(a, "--yolo") == 0)
        return &f->yolo;
    if (strcmp(a, "--root") == 0)
        return &f->root;
    if (strcmp(a, "--lockdown") == 0)
        return &f->lockdown;
    if (strcmp(a, "--defaults") == 0 || strcmp(a, "-D") == 0)
        return &f->defaults;
    if (allow_json && strcmp(a, "--json") == 0)
        return &f->json;
    return NULL;
}

/* Returns 1 when argv[i] was an unsupported flag (its value consumed), 0 when
 * not, or an exit status. */
static int unsupported_flag(struct parser *ps)
{
    for (size_t k = 0; k < ARRAY_SIZE(unsupported_flags); k++) {
        const struct unsupported *u = &unsupported_flags[k];
        const char *val = NULL;
        int r = 0;
        if (u->takes_value)
            r = value_flag(ps, u->flag, u->alias, &val);
        else if (strcmp(ps->argv[ps->i], u->flag) == 0)
            r = 1;
        if (r == 0)
            continue;
        if (r > 1)
            return r;
        if (!ps->unsupported)
            ps->unsupported = u;
        return 1;
    }
    return 0;
}

static int one_value_flag(struct parser *ps)
{
    struct run_flags *f = ps->f;
    const char *val = NULL;
    int r = value_flag(ps, "--agent", NULL, &val);
    if (r == 1) {
        if (plan_agent_from_name(val, &f->agent) < 0)
            return usage("invalid agent '%s' (expected " AGENT_CHOICES ")", val);
        f->have_agent = true;
        return 1;
    }
    if (r == 0 && (r = value_flag(ps, "--config", NULL, &val)) == 1) {
        f->config_path = val;
        return 1;
    }
    if (r == 0 && (r = value_flag(ps, "--add-dir", "-d", &val)) == 1) {
        f->add_dirs = xrealloc(f->add_dirs, (f->n_add_dirs + 1) * sizeof(*f->add_dirs));
        f->add_dirs[f->n_add_dirs++] = val;
        return 1;
    }
    return r;
}

static int check_combination(const struct parser *ps)
{
    const struct run_flags *f = ps->f;
    if (ps->unsupported && f->lockdown)
        return usage("--lockdown cannot be combined with %s", ps->unsupported->flag);
    if (ps->unsupported)
        return usage("%s is not supported by this ags (%s)", ps->unsupported->flag,
                     ps->unsupported->why);
    if (!f->have_agent)
        return usage("missing --agent (expected " AGENT_CHOICES ")");
    if (f->lockdown && f->root)
        return usage("--lockdown cannot be combined with --root");
    if (f->stop_when_done && !f->tmux)
        return usage("--stop-when-done requires --tmux");
    return 0;
}

int run_flags_parse(int argc, char **argv, int first, bool allow_json, struct run_flags *ret)
{
    *ret = (struct run_flags){0};
    struct parser ps = {.argc = argc, .argv = argv, .f = ret};
    for (ps.i = first; ps.i < argc; ps.i++) {
        const char *a = argv[ps.i];
        if (strcmp(a, "--") == 0) {
            ret->passthrough = (const char *const *)argv + ps.i + 1;
            ret->n_passthrough = (size_t)(argc - ps.i - 1);
            break;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            ret->help = true;
            return 0;
        }
        bool *b = bool_flag(ret, a, allow_json);
        if (b) {
            *b = true;
            continue;
        }
        int r = one_value_flag(&ps);
        if (r == 0)
            r = unsupported_flag(&ps);
        if (r == 1)
            continue;
        if (r > 1)
            return r;
        if (a[0] == '-')
            return usage("unexpected flag '%s' (ags --help lists the flags)", a);
        return usage("unexpected positional argument '%s' (use '--' before passthrough args)", a);
    }
    return check_combination(&ps);
}

void run_flags_done(struct run_flags *f)
{
    free(f->add_dirs);
    f->add_dirs = NULL;
    f->n_add_dirs = 0;
}
