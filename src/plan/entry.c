/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Agent profiles (ags-behaviour.md section 2.10), the bash entrypoint and its
 * quoting (2.9), and the container name (2.5).  The sidecar parts of the
 * original script (socat, webview relay, 1Password) are out of scope.
 */
#include "plan/plan.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "plan/internal.h"
#include "base/banned.h"

#define SCRIPT_MAX  (1024u * 1024u)
#define NAME_SLUG_MAX 40u
#define TMUX_SCRIPT "/tmp/ags-run-in-tmux.sh"
#define TMUX_EXIT_FILE "/tmp/ags-agent-exit"
#define CLAUDE_BIN PLAN_HOME "/.local/bin/claude"
/* The script runs every command of its own on the image's system directories
 * only; the plan's PATH (the container's, saved here) comes back for the final
 * exec of the agent, whose program is named by absolute path. */
#define SYSTEM_PATH_FIRST "ags_path=$PATH; PATH=" PLAN_SYSTEM_PATH "; "
#define HAND_OVER "PATH=$ags_path; exec "

void plan_script_put(struct strbuf *sb, const char *s)
{
    if (strbuf_appends(sb, s) < 0)
        ags_oom();
}

void plan_script_putq(struct strbuf *sb, const char *s)
{
    if (plan_shell_quote(sb, s) < 0)
        ags_oom();
}

#define put  plan_script_put
#define putq plan_script_putq

int plan_shell_quote(struct strbuf *sb, const char *s)
{
    bool bare = s[0] != '\0';
    for (const char *c = s; *c && bare; c++)
        bare = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
               strchr("/._-", *c);
    if (bare)
        return strbuf_appends(sb, s);
    int r = strbuf_appendc(sb, '\'');
    for (const char *c = s; r >= 0 && *c; c++)
        r = *c == '\'' ? strbuf_appends(sb, "'\\''") : strbuf_appendc(sb, *c);
    return r < 0 ? r : strbuf_appendc(sb, '\'');
}

/* The agent's command line: executable and profile arguments, quoted. */
struct profile {
    const char *command;
    const char *args[8];
    size_t n_args;
    const char *boot_dirs[2];
    const char *setup;
};

static void arg(struct profile *pr, const char *a)
{
    if (pr->n_args < ARRAY_SIZE(pr->args))
        pr->args[pr->n_args++] = a;
}

#define CLAUDE_HOOK_SETTINGS(dir)                                                         \
    "{\"sandbox\":{\"enabled\":false},\"hooks\":{\"PreToolUse\":[{\"matcher\":"          \
    "\"Bash|Read|Write|Edit|Grep|Glob\",\"hooks\":[{\"type\":\"command\",\"command\":\"" \
    dir "/guard.sh\",\"timeout\":5}]}]}}"

/* The prompt hint about host services is left out in lockdown, where the host
 * is not meant to be reachable (inconsistency 2); --root adds its own line.
 * Both go into one --append-system-prompt because a repeated flag may keep
 * only the last value. */
static const char *system_prompt(const struct plan_input *in)
{
    bool hint = !in->flags.lockdown;
    if (in->flags.root)
        return hint ? PLAN_HOST_HINT " " PLAN_ROOT_PROMPT : PLAN_ROOT_PROMPT;
    return hint ? PLAN_HOST_HINT : NULL;
}

static struct profile agent_profile(const struct plan_input *in)
{
    struct profile pr = {0};
    bool guard = !in->flags.yolo;
    const char *prompt = system_prompt(in);
    switch (in->agent) {
    case PLAN_AGENT_PI:
        pr.command = "/usr/local/pnpm/pi";
        if (guard) {
            arg(&pr, "-e");
            arg(&pr, PLAN_PI_HOME "/agent/extensions/guard.ts");
        }
        break;
    case PLAN_AGENT_CLAUDE:
        pr.command = CLAUDE_BIN;
        pr.setup = "ln -sf /opt/claude-home/.local/bin/claude " CLAUDE_BIN;
        arg(&pr, "--dangerously-skip-permissions");
        if (guard) {
            bool ld = in->flags.lockdown;
            arg(&pr, "--settings");
            arg(&pr, ld ? CLAUDE_HOOK_SETTINGS(PLAN_LOCKDOWN_HOOKS)
                        : CLAUDE_HOOK_SETTINGS(PLAN_HOOKS_DIR));
            arg(&pr, "--plugin-dir");
            arg(&pr, ld ? PLAN_LOCKDOWN_HOOKS : PLAN_HOOKS_DIR);
        }
        break;
    case PLAN_AGENT_CODEX:
        pr.command = "/usr/local/pnpm/codex";
        if (!in->flags.lockdown) {
            arg(&pr, "-c");
            arg(&pr, "developer_instructions=\"" PLAN_HOST_HINT "\"");
        }
        break;
    case PLAN_AGENT_GEMINI:
        pr.command = "/usr/local/pnpm/gemini";
        break;
    case PLAN_AGENT_OPENCODE:
    case PLAN_AGENT_SHELL:
    default:
        pr.command = in->agent == PLAN_AGENT_SHELL ? "/bin/bash" : "/usr/local/pnpm/opencode";
        pr.boot_dirs[0] = PLAN_HOME "/.local/share/opencode";
        pr.boot_dirs[1] = PLAN_HOME "/.cache/opencode";
        break;
    }
    if ((in->agent == PLAN_AGENT_PI || in->agent == PLAN_AGENT_CLAUDE) && prompt) {
        arg(&pr, "--append-system-prompt");
        arg(&pr, prompt);
    }
    return pr;
}

static void put_agent_command(struct strbuf *sb, const struct profile *pr)
{
    putq(sb, pr->command);
    for (size_t i = 0; i < pr->n_args; i++) {
        put(sb, " ");
        putq(sb, pr->args[i]);
    }
    put(sb, " \"$@\"");
}

/* Agent CLIs live in named volumes that `ags update-agents` fills, not in the
 * image: a fresh volume is empty.  Say that instead of bash's "command not
 * found".  The shell agent is the image's own bash. */
static void put_agent_check(struct strbuf *sb, const struct plan_input *in,
                            const struct profile *pr)
{
    if (in->agent == PLAN_AGENT_SHELL)
        return;
    put(sb, "if ! command -v ");
    putq(sb, pr->command);
    put(sb, " >/dev/null 2>&1; then echo ");
    _cleanup_free_ char *msg = xasprintf("[ags] %s is not installed in the sandbox (its runtime "
                                         "volume is empty). Install it with `ags update-agents`.",
                                         plan_agent_name(in->agent));
    putq(sb, msg);
    put(sb, " >&2; exit 127; fi; ");
}

/* tmux: a script in /tmp runs the agent inside session `ags`; without
 * --stop-when-done a shell stays open after the agent exits.  tmux is looked
 * up while PATH is still the system one (an image without tmux must not run
 * one planted in a volume) and started by that path.
 *
 * With a terminal (an attached run, the bwrap backend) tmux is the final exec,
 * as before.  Without one (a supervised session, docs/sessions.md) the session
 * is started detached and this script stays the sandbox's main process: it
 * outlives every client (ags attach comes and goes through exec), tells the
 * supervisor on its stdout that the session is up, ends when
 * the tmux session ends (or kills it on SIGTERM, ags stop) and exits with the
 * agent's status, which the session's script leaves in a file. */
static void put_tmux(struct strbuf *sb, const struct profile *pr, bool stop_when_done)
{
    put(sb, "if ! ags_tmux=$(command -v tmux); then echo '[ags] tmux is not available in "
            "the sandbox image. Run `ags update-image` to rebuild it.' >&2; exit 127; fi; ");
    put(sb, "cat > " TMUX_SCRIPT " <<'AGS_TMUX_EOF'\n#!/bin/bash\n");
    put_agent_command(sb, pr);
    put(sb, "\nAGS_EXIT=$?\nprintf '%s\\n' \"$AGS_EXIT\" > " TMUX_EXIT_FILE "\n");
    if (stop_when_done)
        put(sb, "exit \"$AGS_EXIT\"\n");
    else
        put(sb, "echo \"[ags] Agent exited (code $AGS_EXIT). Shell is ready — type 'exit' to "
                "stop the container.\"\nexec /bin/bash\n");
    put(sb, "AGS_TMUX_EOF\nchmod +x " TMUX_SCRIPT "; ");
    put(sb, "if [ -t 0 ]; then " HAND_OVER "\"$ags_tmux\" new-session -A -s ags " TMUX_SCRIPT
            " \"$@\"; fi; ");
    put(sb, "PATH=$ags_path \"$ags_tmux\" new-session -d -s ags " TMUX_SCRIPT
            " \"$@\" || exit 125; printf '" PLAN_SESSION_READY_SH "\\n'; ");
    put(sb, "trap '\"$ags_tmux\" kill-server 2>/dev/null; exit 143' TERM INT HUP; ");
    put(sb, "while \"$ags_tmux\" has-session -t ags 2>/dev/null; do sleep 0.5 & wait $!; done; ");
    put(sb, "ags_x=$(cat " TMUX_EXIT_FILE " 2>/dev/null); case $ags_x in ''|*[!0-9]*) ags_x=0;; "
            "esac; exit \"$ags_x\"");
}

/* Secrets arrive as files (Podman secrets mounted at /run/secrets/<NAME>, never
 * as env: on Podman 4.x that shows in `podman inspect`).  The script reads each
 * one that exists into the variable of that name; the values never appear in
 * the script or any argv.  read -d '' keeps the value byte for byte (newlines
 * included); it returns 1 at EOF, which is expected. */
static void put_secret_exports(struct strbuf *sb, const struct ags_plan *p)
{
    bool any = false;
    for (size_t i = 0; i < p->n_secrets; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(p->secrets[j].env, p->secrets[i].env) == 0;
        if (seen)
            continue;
        put(sb, any ? " " : "for ags_n in ");
        putq(sb, p->secrets[i].env);
        any = true;
    }
    if (any)
        put(sb, "; do if [ -r " PLAN_SECRETS_DIR "/\"$ags_n\" ]; then IFS= read -r -d '' "
                "\"$ags_n\" < " PLAN_SECRETS_DIR "/\"$ags_n\"; export \"$ags_n\"; fi; done; "
                "unset ags_n; ");
}

/* The login files a login shell reads after /etc/profile (bash: the first of
 * these that exists; sh: ~/.profile). */
static const char *const login_files[] = {PLAN_HOME "/.bash_profile", PLAN_HOME "/.bash_login",
                                          PLAN_HOME "/.profile"};

static bool under_a_mount(const struct ags_plan *p, const char *path)
{
    for (size_t i = 0; i < p->n_mounts; i++)
        if (path_under(path, p->mounts[i].destination))
            return true;
    return false;
}

/* A login shell (`bash -l`, `bash -lc` as codex runs commands, a new tmux
 * window, `su -`) reads /etc/profile, which on Debian replaces PATH, and
 * ~/.profile, which prepends ~/.local/bin.  The container's home is the
 * image's, fresh every run, so appending one line that sets the plan's PATH
 * to each login file there gives every login shell of this run exactly the
 * plan's PATH.  A login file a mount provides is the user's (or a volume's)
 * and is never written; neither is one that cannot be (a read-only image). */
static void put_login_path(struct strbuf *sb, const struct ags_plan *p)
{
    const char *path = NULL;
    for (size_t i = 0; i < p->n_env && !path; i++)
        if (strcmp(p->env[i].name, "PATH") == 0)
            path = p->env[i].value;
    if (!path)
        return;
    _cleanup_strbuf_ struct strbuf line;
    strbuf_init(&line, SCRIPT_MAX);
    put(&line, "PATH=");
    putq(&line, path);
    put(&line, "; export PATH");
    put(sb, "ags_login=");
    putq(sb, line.buf);
    put(sb, "; for ags_f in");
    for (size_t i = 0; i < ARRAY_SIZE(login_files); i++)
        if (!under_a_mount(p, login_files[i])) {
            put(sb, " ");
            putq(sb, login_files[i]);
        }
    /* ~/.profile always (sh reads it), the bash-only ones where they exist. */
    put(sb, "; do if [ -f \"$ags_f\" ] || [ \"$ags_f\" = " PLAN_HOME "/.profile ]; then "
            "printf '%s\\n' \"$ags_login\" 2>/dev/null >> \"$ags_f\"; fi; done; "
            "unset ags_f ags_login; ");
}

static char *build_script(const struct plan_input *in, const struct ags_plan *p,
                          const struct profile *pr)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, SCRIPT_MAX);
    put(&sb, SYSTEM_PATH_FIRST);
    plan_put_forwarder(&sb, p);
    put_login_path(&sb, p);
    put_secret_exports(&sb, p);
    const struct cfg_strv *boot = &in->cfg->sandbox.container_boot_dirs;
    if (boot->n || pr->boot_dirs[0]) {
        put(&sb, "mkdir -p");
        for (size_t i = 0; i < boot->n; i++) {
            put(&sb, " ");
            putq(&sb, boot->v[i]);
        }
        for (size_t i = 0; i < ARRAY_SIZE(pr->boot_dirs) && pr->boot_dirs[i]; i++) {
            put(&sb, " ");
            putq(&sb, pr->boot_dirs[i]);
        }
        put(&sb, "; ");
    }
    if (pr->setup) {
        put(&sb, pr->setup);
        put(&sb, "; ");
    }
    put_agent_check(&sb, in, pr);
    if (!in->flags.lockdown) {
        put(&sb, "if [ -t 1 ]; then echo ");
        putq(&sb, PLAN_HOST_SERVICES_HINT);
        put(&sb, " >&2; fi; ");
    }
    if (in->flags.tmux) {
        put_tmux(&sb, pr, in->flags.stop_when_done);
    } else {
        put(&sb, HAND_OVER);
        put_agent_command(&sb, pr);
    }
    return strbuf_steal(&sb);
}

static bool in_list(const char *a, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], a) == 0)
            return true;
    return false;
}

/* --defaults prepends the agent's defaults to the passthrough arguments, minus
 * any the profile or the user already pass (inconsistency 13: claude always
 * gets --dangerously-skip-permissions, so -D must not repeat it). */
/* The maintenance script runs as it is, on the plan's PATH (the agent's
 * volumes are where it installs). */
static void build_maintenance_entrypoint(struct plan_builder *b)
{
    struct ags_plan *p = b->p;
    p->argv = xcalloc(5, sizeof(*p->argv));
    p->argv[p->argc++] = xstrdup("/bin/bash");
    p->argv[p->argc++] = xstrdup("-c");
    p->argv[p->argc++] = xstrdup(b->in->flags.maintenance);
    p->argv[p->argc++] = xstrdup("_");
    p->argv_origin = xasprintf("maintenance of %s", plan_agent_name(b->in->agent));
}

void plan_build_entrypoint(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    struct ags_plan *p = b->p;
    if (in->flags.maintenance) {
        build_maintenance_entrypoint(b);
        return;
    }
    struct profile pr = agent_profile(in);
    static const char *const claude_defaults[] = {"--strict-mcp-config",
                                                  "--dangerously-skip-permissions"};
    static const char *const gemini_defaults[] = {"--yolo"};
    const char *const *defs = NULL;
    size_t n_defs = 0;
    if (in->flags.defaults && in->agent == PLAN_AGENT_CLAUDE) {
        defs = claude_defaults;
        n_defs = ARRAY_SIZE(claude_defaults);
    } else if (in->flags.defaults && in->agent == PLAN_AGENT_GEMINI) {
        defs = gemini_defaults;
        n_defs = ARRAY_SIZE(gemini_defaults);
    }

    p->argv = xcalloc(4 + n_defs + in->flags.n_passthrough + 1, sizeof(*p->argv));
    /* By absolute path: the runtime looks a bare word up on the container's
     * PATH.  Not a login shell: Debian's /etc/profile resets PATH, and login
     * files may source what an agent can write (~/.cargo/env). */
    p->argv[p->argc++] = xstrdup("/bin/bash");
    p->argv[p->argc++] = xstrdup("-c");
    p->argv[p->argc++] = build_script(in, p, &pr);
    p->argv[p->argc++] = xstrdup("_"); /* $0 of the script; user args become "$@" */
    for (size_t i = 0; i < n_defs; i++) {
        if (in_list(defs[i], pr.args, pr.n_args) ||
            in_list(defs[i], in->flags.passthrough, in->flags.n_passthrough))
            continue;
        p->argv[p->argc++] = xstrdup(defs[i]);
        p->n_default_args++;
    }
    for (size_t i = 0; i < in->flags.n_passthrough; i++)
        p->argv[p->argc++] = xstrdup(in->flags.passthrough[i]);
    p->argv_origin = xasprintf("agent profile %s%s%s%s%s", plan_agent_name(in->agent),
                               in->flags.tmux ? ", flag --tmux" : "",
                               in->flags.stop_when_done ? ", flag --stop-when-done" : "",
                               p->n_default_args ? ", flag --defaults" : "",
                               in->flags.n_passthrough ? ", arguments after --" : "");
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Last <= 3 path components joined by '-', ASCII alphanumerics lowercased,
 * every other run one '-', trimmed, at most 40 characters; empty: "work". */
static void name_slug(const char *base, char *out, size_t out_size)
{
    const char *start = base + strlen(base);
    for (int seen = 0; start > base;) {
        if (start[-1] == '/' && start[0] != '\0' && start[0] != '/' && ++seen == 3)
            break;
        start--;
    }
    size_t n = 0;
    bool dash = false;
    for (const char *c = start; *c && n + 1 < out_size && n < NAME_SLUG_MAX; c++) {
        if (is_alnum(*c)) {
            if (dash && n > 0)
                out[n++] = '-';
            if (n < NAME_SLUG_MAX)
                out[n++] = (*c >= 'A' && *c <= 'Z') ? (char)(*c - 'A' + 'a') : *c;
            dash = false;
        } else {
            dash = true;
        }
    }
    while (n > 0 && out[n - 1] == '-')
        n--;
    out[n] = '\0';
    if (n == 0)
        (void)snprintf(out, out_size, "work");
}

char *plan_container_name(const char *cwd, const char *git_dir, const char *git_common_dir,
                          uint16_t rand16)
{
    _cleanup_free_ char *base = xstrdup(cwd);
    /* A linked worktree is named after its main repository. */
    if (git_dir && git_common_dir && strstr(git_dir, "/.git/worktrees/")) {
        free(base);
        base = xstrdup(git_common_dir);
        char *slash = strrchr(base, '/');
        if (slash && slash != base)
            *slash = '\0';
    }
    char slug[NAME_SLUG_MAX + 1];
    name_slug(base, slug, sizeof(slug));
    return xasprintf("ags-%s-%04x", slug, (unsigned)rand16);
}
