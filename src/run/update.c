/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `ags update-agents`: each agent is installed into its own volumes by a
 * maintenance sandbox (plan_flags.maintenance: the agent's volumes, nothing
 * of the host) running a script built here.  The pnpm agents go in with the
 * image's pnpm (global bin dir /usr/local/pnpm, the pnpm-home volume), claude
 * from its npm package into /opt/claude-home (the install volume); scripts
 * stay off and releases younger than [update].minimum_release_age are not
 * taken.  Two agents (opencode, claude) ship their native binary as an
 * optional dependency that their own postinstall script puts in place: that
 * one script of the agent's own package runs, named explicitly (`npm run
 * postinstall` in its directory), never a script of a dependency.  The script marks its steps on stdout, so the output says which
 * step failed and which versions were there before and after.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/strbuf.h"
#include "base/strutil.h"
#include "base/termesc.h"
#include "run/internal.h"
#include "base/banned.h"

#define MARK "ags-update: "
#define VERSION_TIMEOUT "60" /* seconds an agent's --version may take */
#define SCRIPT_MAX (64u * 1024u)
#define SPEC_MAX 214u             /* npm's name limit; a version suffix fits in it too */
#define OUTPUT_MAX (8u << 20)     /* what a script may say before it is cut */
#define CLAUDE_PREFIX "/opt/claude-home/npm"
#define CLAUDE_LINK "/opt/claude-home/.local/bin/claude"

const enum plan_agent run_update_agents[RUN_UPDATE_N_AGENTS] = {
    PLAN_AGENT_PI, PLAN_AGENT_CODEX, PLAN_AGENT_GEMINI, PLAN_AGENT_OPENCODE, PLAN_AGENT_CLAUDE,
};

struct agent_install {
    const char *package; /* NULL: pi_spec */
    const char *command; /* what --version runs, by absolute path */
    const char *own_script_dir; /* shell word: the package directory whose own
                                   postinstall runs after the install, or NULL */
};

static struct agent_install install_of(enum plan_agent a)
{
    switch (a) {
    case PLAN_AGENT_PI:
        return (struct agent_install){.command = "/usr/local/pnpm/pi"};
    case PLAN_AGENT_CODEX:
        return (struct agent_install){"@openai/codex", "/usr/local/pnpm/codex", NULL};
    case PLAN_AGENT_GEMINI:
        return (struct agent_install){"@google/gemini-cli", "/usr/local/pnpm/gemini", NULL};
    case PLAN_AGENT_OPENCODE:
        return (struct agent_install){"opencode-ai", "/usr/local/pnpm/opencode",
                                      "\"$(pnpm root -g)\"/opencode-ai"};
    case PLAN_AGENT_CLAUDE:
        return (struct agent_install){"@anthropic-ai/claude-code", CLAUDE_LINK,
                                      CLAUDE_PREFIX "/lib/node_modules/@anthropic-ai/claude-code"};
    case PLAN_AGENT_SHELL:
    case PLAN_AGENT_COUNT:
    default:
        return (struct agent_install){0};
    }
}

const char *run_update_package(enum plan_agent a, const char *pi_spec)
{
    struct agent_install in = install_of(a);
    return a == PLAN_AGENT_PI ? pi_spec : in.package;
}

const char *run_update_command(enum plan_agent a)
{
    return install_of(a).command;
}

/* npm names are lower-case URL-safe words with one optional @scope/; a
 * version, range or tag may follow an @.  No option, no space, no path. */
int run_update_spec_check(const char *spec, struct ags_error *err)
{
    size_t n = spec ? strlen(spec) : 0;
    bool ok = n > 0 && n <= SPEC_MAX && spec[0] != '-' && spec[0] != '.';
    for (size_t i = 0; ok && i < n; i++) {
        char c = spec[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             strchr("@/._-~^<>=*+", c);
    }
    if (ok && strstr(spec, ".."))
        ok = false;
    if (ok)
        return 0;
    return ags_error_set(err, -EINVAL,
                         "'%.*s' is not a package spec (an npm package name, optionally "
                         "@version or @tag)", (int)(n > SPEC_MAX ? SPEC_MAX : n),
                         spec ? spec : "");
}

#define put  plan_script_put
#define putq plan_script_putq

static void put_install(struct strbuf *sb, enum plan_agent a, const char *spec, uint32_t age,
                        const char *own_script_dir)
{
    char num[16];
    (void)snprintf(num, sizeof(num), "%u", age);
    if (a == PLAN_AGENT_CLAUDE) {
        /* npm has no minimum age: --before the moment that age ago. */
        put(sb, "npm install -g --no-fund --no-audit --ignore-scripts --prefix " CLAUDE_PREFIX);
        if (age) {
            put(sb, " --before=\"$(date -u -d @$(( $(date +%s) - ");
            put(sb, num);
            put(sb, " * 60 )) +%Y-%m-%dT%H:%M:%SZ)\"");
        }
        put(sb, " ");
        putq(sb, spec);
    } else {
        put(sb, "pnpm add -g --ignore-scripts");
        if (age) {
            put(sb, " --config.minimum-release-age=");
            put(sb, num);
        }
        put(sb, " ");
        putq(sb, spec);
    }
    if (own_script_dir) {
        /* `npm run` runs the named script even with ignore-scripts set (and
         * no pre/post hook); the subshell keeps the directory change local. */
        put(sb, " && (cd ");
        put(sb, own_script_dir);
        put(sb, " && npm run --silent postinstall)");
    }
    if (a == PLAN_AGENT_CLAUDE)
        put(sb, " && mkdir -p /opt/claude-home/.local/bin && ln -sfn " CLAUDE_PREFIX
                "/bin/claude " CLAUDE_LINK);
}

char *run_update_script(enum plan_agent a, const char *spec, uint32_t min_age_minutes)
{
    struct agent_install in = install_of(a);
    if (!in.command)
        return NULL;
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, SCRIPT_MAX);
    /* The agent's binary is agent-writable content (its volume): it runs
     * with a time limit and its output goes to a file, not a pipe, so a child
     * it leaves behind cannot hold the script up.  One line: its first. */
    put(&sb, "ags_v() { timeout -k 5 " VERSION_TIMEOUT " \"$@\" --version </dev/null "
             ">/tmp/ags-version 2>&1; ags_rc=$?; head -n 1 /tmp/ags-version; return $ags_rc; }; ");
    put(&sb, "echo '" MARK "step check'; ");
    put(&sb, "if [ -x ");
    putq(&sb, in.command);
    put(&sb, " ]; then echo \"" MARK "old $(ags_v ");
    putq(&sb, in.command);
    put(&sb, ")\"; fi; echo '" MARK "step install'; ");
    put_install(&sb, a, spec, min_age_minutes, in.own_script_dir);
    put(&sb, " || exit 1; echo '" MARK "step verify'; ags_new=$(ags_v ");
    putq(&sb, in.command);
    put(&sb, ") || { head -n 20 /tmp/ags-version; exit 1; }; "
             "echo \"" MARK "new $ags_new\"");
    return strbuf_steal(&sb);
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static void copy_cut(char *out, size_t size, const char *s, size_t n)
{
    if (n >= size)
        n = size - 1;
    memcpy(out, s, n);
    out[n] = '\0';
    for (size_t i = 0; i < n; i++) /* outside text: nothing a terminal acts on */
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '?';
}

void run_update_version(const char *line, char *out, size_t size)
{
    const char *ws = " \t\r\n";
    const char *s = line + strspn(line, ws);
    size_t len = strcspn(s, "\r\n");
    while (len > 0 && strchr(ws, s[len - 1]))
        len--;
    for (const char *w = s; w < s + len;) {
        size_t wl = strcspn(w, ws);
        if (wl > (size_t)(s + len - w))
            wl = (size_t)(s + len - w);
        if (is_digit(w[0]) || (w[0] == 'v' && wl > 1 && is_digit(w[1]))) {
            copy_cut(out, size, w, wl);
            return;
        }
        w += wl;
        w += strspn(w, ws);
    }
    copy_cut(out, size, s, len);
}

/* The text of line after MARK key, or NULL. */
static const char *marked(const char *line, size_t len, const char *key)
{
    size_t m = strlen(MARK), k = strlen(key);
    if (len < m + k || memcmp(line, MARK, m) != 0 || memcmp(line + m, key, k) != 0)
        return NULL;
    return line + m + k;
}

/* pnpm and npm say what went wrong first ("ERR_PNPM_FETCH_404 ...", "npm
 * error code E404") and add hints after it. */
static bool says_error(const char *line, size_t len)
{
    static const char *const words[] = {"ERR_", "error", "Error", "ERROR"};
    _cleanup_free_ char *l = xstrndup(line, len);
    for (size_t i = 0; i < ARRAY_SIZE(words); i++)
        if (strstr(l, words[i]))
            return true;
    return false;
}

void run_update_parse(const char *output, int exit_status, struct run_update_result *res)
{
    *res = (struct run_update_result){0};
    copy_cut(res->step, sizeof(res->step), "check", 5);
    bool have_new = false, have_error = false;
    for (const char *line = output; *line;) {
        size_t len = strcspn(line, "\n");
        const char *v;
        if ((v = marked(line, len, "step "))) {
            copy_cut(res->step, sizeof(res->step), v, (size_t)(line + len - v));
        } else if ((v = marked(line, len, "old "))) {
            run_update_version(v, res->old_version, sizeof(res->old_version));
        } else if ((v = marked(line, len, "new "))) {
            run_update_version(v, res->new_version, sizeof(res->new_version));
            have_new = true;
        } else if (len > strspn(line, " \t\r") && !have_error) {
            size_t lead = strspn(line, " \t");
            copy_cut(res->detail, sizeof(res->detail), line + lead, len - lead);
            have_error = says_error(line, len);
        }
        line += len + (line[len] == '\n');
    }
    res->ok = exit_status == 0 && have_new && res->new_version[0];
    if (!res->ok && !res->detail[0])
        (void)snprintf(res->detail, sizeof(res->detail), "exit status %d", exit_status);
}

char *run_update_line(enum plan_agent a, const struct run_update_result *res)
{
    const char *name = plan_agent_name(a);
    /* The agent's words: escaped for the terminal (C1 controls, bidi). */
    _cleanup_free_ char *old = term_escape_str(res->old_version[0] ? res->old_version
                                                                   : "not installed");
    _cleanup_free_ char *fresh = term_escape_str(res->new_version);
    if (!res->ok) {
        _cleanup_free_ char *step = term_escape_str(res->step);
        _cleanup_free_ char *detail = term_escape_str(res->detail);
        return xasprintf("%s: failed at %s: %s", name, step, detail);
    }
    if (strcmp(res->old_version, res->new_version) == 0)
        return xasprintf("%s: up to date (%s, %.1f s)", name, fresh, res->seconds);
    return xasprintf("%s: %s -> %s (%.1f s)", name, old, fresh, res->seconds);
}

static double now_seconds(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sandbox_failed(struct run_update_result *res, const struct ags_error *err)
{
    res->ok = false;
    copy_cut(res->step, sizeof(res->step), "sandbox", 7);
    copy_cut(res->detail, sizeof(res->detail), err->msg, strlen(err->msg));
}

/* The maintenance sandbox runs the script; its output lands in out_fd. */
static int run_script(const struct run_update_request *u, enum plan_agent a, const char *script,
                      int out_fd, int *ret_exit, struct ags_error *err)
{
    struct run_request req = *u->req;
    req.agent = a;
    req.flags = (struct plan_flags){.maintenance = script};
    req.ignored_overlay = NULL;
    _cleanup_plan_ struct ags_plan *plan = NULL;
    int r = run_build_plan(&req, true, &plan, NULL, err);
    if (r < 0)
        return r;
    const struct run_opts opts = {
        .cfg = req.cfg,
        .plan = plan,
        .cb = u->cb,
        .open_backend = u->open_backend,
        .capture = true,
        .capture_fd = out_fd,
        .agent_lock_held = true,
    };
    return run_plan(&opts, ret_exit, err);
}

static void say_busy(const void *userdata)
{
    const struct run_update_request *u = userdata;
    if (u->cb.progress)
        u->cb.progress("waiting for another `ags update-agents` or a starting run of this agent",
                       u->cb.userdata);
}

int run_update_agent(const struct run_update_request *u, enum plan_agent a,
                     struct run_update_result *res, struct ags_error *err)
{
    *res = (struct run_update_result){0};
    double start = now_seconds();
    const struct ags_config *cfg = u->req->cfg;
    const char *spec = run_update_package(a, cfg->update.pi_spec.v);
    _cleanup_free_ char *script = NULL;
    int r = run_update_spec_check(spec, err);
    if (r == 0 && !(script = run_update_script(a, spec, cfg->update.minimum_release_age.v)))
        r = ags_error_set(err, -EINVAL, "%s is not an agent ags installs", plan_agent_name(a));
    _cleanup_close_ int lock = -EBADF;
    _cleanup_free_ char *lock_dir = NULL;
    if (r == 0)
        r = run_private_dir(env_process, cfg->sandbox.cache_dir.v, true, &lock_dir, err);
    const struct run_agent_lock_opts lo = {
        .dir = lock_dir,
        .agent = a,
        .exclusive = true,
        .on_wait = say_busy,
        .userdata = u,
    };
    if (r == 0)
        r = run_agent_lock(&lo, &lock, err);
    _cleanup_close_ int out = r == 0 ? memfd_create("ags-update-output", MFD_CLOEXEC) : -EBADF;
    if (r == 0 && out < 0)
        r = ags_error_set(err, -errno, "cannot make a buffer for the output: %m");
    if (r == 0 && u->cb.progress) {
        _cleanup_free_ char *msg = xasprintf("%s: installing %s ...", plan_agent_name(a), spec);
        u->cb.progress(msg, u->cb.userdata);
    }
    int exit_status = 0;
    if (r == 0)
        r = run_script(u, a, script, out, &exit_status, err);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    if (r == 0 && lseek(out, 0, SEEK_SET) < 0)
        r = ags_error_set(err, -errno, "cannot read the output back: %m");
    if (r == 0)
        r = read_fd_bounded(out, OUTPUT_MAX, &text, &len, err);
    if (r < 0) {
        sandbox_failed(res, err);
    } else {
        run_update_parse(text, exit_status, res);
    }
    res->seconds = now_seconds() - start;
    return r;
}
