/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network policy (issue 18, docs/config.md "[network]"): which mode, and
 * why; in allowlist mode the entries with their origins, the egress proxy's
 * socket and the helper that forwards to it, and the proxy variables.  The
 * backend turns allowlist and none into a sandbox without a route out; the
 * egress proxy enforces the list (src/egress).
 */
#include "plan/plan.h"

#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/limits.h"
#include "plan/internal.h"
#include "base/banned.h"

static const char *const mode_names[] = {
    [PLAN_NETWORK_OPEN] = "open",
    [PLAN_NETWORK_ALLOWLIST] = "allowlist",
    [PLAN_NETWORK_NONE] = "none",
};

/* [network].mode is read into the same order. */
_Static_assert((int)PLAN_NETWORK_OPEN == (int)CFG_NETWORK_OPEN &&
                       (int)PLAN_NETWORK_ALLOWLIST == (int)CFG_NETWORK_ALLOWLIST &&
                       (int)PLAN_NETWORK_NONE == (int)CFG_NETWORK_NONE,
               "plan and config name the network modes alike");

const char *plan_network_mode_name(enum plan_network_mode m)
{
    return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

int plan_network_mode_from_name(const char *name, enum plan_network_mode *ret)
{
    for (unsigned i = 0; i < ARRAY_SIZE(mode_names); i++)
        if (strcmp(name, mode_names[i]) == 0) {
            *ret = (enum plan_network_mode)i;
            return 0;
        }
    return -EINVAL;
}

/* The hosts each agent's CLI needs to work (docs/config.md lists them), added
 * to every allowlist run of that agent.  All on 443. */
static const char *const agent_hosts[PLAN_AGENT_COUNT][6] = {
    [PLAN_AGENT_PI] = {"api.anthropic.com", "api.openai.com",
                       "generativelanguage.googleapis.com", "openrouter.ai"},
    [PLAN_AGENT_CLAUDE] = {"api.anthropic.com", "statsig.anthropic.com",
                           "console.anthropic.com", "claude.ai"},
    [PLAN_AGENT_CODEX] = {"api.openai.com", "auth.openai.com", "chatgpt.com"},
    [PLAN_AGENT_GEMINI] = {"generativelanguage.googleapis.com", "cloudcode-pa.googleapis.com",
                           "oauth2.googleapis.com", "accounts.google.com"},
    [PLAN_AGENT_OPENCODE] = {"api.anthropic.com", "api.openai.com", "opencode.ai", "models.dev"},
    [PLAN_AGENT_SHELL] = {NULL},
};
#define AGENT_HOST_PORT 443u

/* Lockdown, the flags, the config: which mode and where it came from.
 * Returns 0 or -EINVAL (--network open with --lockdown, unpermitted). */
static int pick_mode(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    const struct cfg_network *cfg = &in->cfg->network;
    struct plan_network *n = &b->p->network;
    bool lockdown = in->flags.lockdown;
    if (in->flags.maintenance) {
        n->mode = PLAN_NETWORK_OPEN;
        n->origin = xstrdup("maintenance");
        plan_note(b, "network open: a maintenance run installs from package registries and runs "
                     "no agent");
        return 0;
    }
    if (in->flags.network_set) {
        if (lockdown && in->flags.network == PLAN_NETWORK_OPEN && !cfg->lockdown_may_open.v)
            return ags_error_set(b->err, -EINVAL,
                                 "--network open with --lockdown needs "
                                 "[network].lockdown_may_open = true in your own config");
        n->mode = in->flags.network;
        n->origin = xstrdup("--network");
        return 0;
    }
    bool set = cfg->mode.at.file != NULL;
    /* Only the user's own config may lift lockdown's allowlist, and only
     * with its permission; a stricter mode of theirs stands. */
    if (lockdown && (!set || (cfg->mode.v == CFG_NETWORK_OPEN && !cfg->lockdown_may_open.v))) {
        if (set) {
            _cleanup_free_ char *at = plan_cfg_origin_col(&cfg->mode.at);
            plan_note(b, "network.mode = \"open\" (%s) ignored: --lockdown defaults to allowlist "
                         "unless [network].lockdown_may_open = true", at);
        }
        n->mode = PLAN_NETWORK_ALLOWLIST;
        n->origin = xstrdup("--lockdown default");
        return 0;
    }
    n->mode = (enum plan_network_mode)cfg->mode.v;
    n->origin = plan_cfg_origin_col(&cfg->mode.at);
    return 0;
}

/* The host's loopback opens only when the user's own config asks (an overlay
 * may not name the key), only in open mode, and never in lockdown, which is
 * for repositories whose agent must not reach what listens on 127.0.0.1
 * (docs/security.md). */
static void pick_host_loopback(struct plan_builder *b)
{
    const struct cfg_bool *want = &b->in->cfg->network.host_loopback;
    struct plan_network *n = &b->p->network;
    n->loopback_origin = plan_cfg_origin(&want->at);
    if (!want->v)
        return;
    if (b->p->remote) {
        plan_note(b, "network.host_loopback (%s) ignored: the engine runs on another host, "
                     "whose loopback is not this host's (docs/remote.md)", n->loopback_origin);
        return;
    }
    if (b->in->flags.lockdown) {
        plan_note(b, "network.host_loopback (%s) ignored: --lockdown keeps the host's loopback "
                     "closed", n->loopback_origin);
        free(n->loopback_origin);
        n->loopback_origin = xstrdup("flag --lockdown");
        return;
    }
    if (n->mode != PLAN_NETWORK_OPEN) {
        plan_note(b, "network.host_loopback (%s) ignored: network %s%s", n->loopback_origin,
                  plan_network_mode_name(n->mode),
                  n->mode == PLAN_NETWORK_ALLOWLIST
                          ? " (list 127.0.0.1:PORT in [network].allow to reach one service)"
                          : "");
        return;
    }
    n->host_loopback = true;
}

static bool listed(const struct plan_network *n, const char *text)
{
    for (size_t i = 0; i < n->n_allow; i++)
        if (strcmp(n->allow[i].text, text) == 0)
            return true;
    return false;
}

/* Adds one entry (already valid: config decoding and the flag parser
 * checked it); the same canonical entry again is left out. */
static int add_allow(struct plan_builder *b, size_t *cap, const char *text, char *origin)
{
    _cleanup_free_ char *owned_origin = origin;
    struct plan_network *n = &b->p->network;
    struct netrule r;
    const char *why = "";
    if (netrule_parse(text, &r, &why) < 0)
        return ags_error_set(b->err, -EINVAL, "network allow entry '%s' (%s): %s", text, origin,
                             why);
    char canon[NETRULE_FORMAT_MAX];
    if (netrule_format(&r, canon, sizeof(canon)) < 0)
        return ags_error_set(b->err, -EINVAL, "network allow entry '%s' (%s)", text, origin);
    if (b->in->flags.lockdown && netrule_reaches_loopback(&r)) {
        plan_note(b, "network allow %s (%s) dropped: --lockdown never reaches the host's "
                     "loopback", canon, origin);
        return 0;
    }
    if (listed(n, canon))
        return 0;
    if (n->n_allow >= AGS_NET_ALLOW_MAX)
        return ags_error_set(b->err, -EINVAL, "more than %u network allow entries",
                             AGS_NET_ALLOW_MAX);
    n->allow = xgrow(n->allow, cap, n->n_allow + 1, sizeof(*n->allow));
    n->allow[n->n_allow++] = (struct plan_net_allow){
        .rule = r,
        .text = xstrdup(canon),
        .origin = TAKE_PTR(owned_origin),
    };
    return 0;
}

/* The agent's own hosts first, then the config's entries, then --allow. */
static int build_allow(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    const struct cfg_strv *cfg = &in->cfg->network.allow;
    size_t cap = 0;
    int r = 0;
    const char *const *hosts = agent_hosts[in->agent];
    for (size_t i = 0; r == 0 && i < ARRAY_SIZE(agent_hosts[0]) && hosts[i]; i++) {
        char text[NETRULE_FORMAT_MAX];
        (void)snprintf(text, sizeof(text), "%s:%u", hosts[i], AGENT_HOST_PORT);
        r = add_allow(b, &cap, text, xasprintf("agent %s default", plan_agent_name(in->agent)));
    }
    for (size_t i = 0; r == 0 && i < cfg->n; i++)
        r = add_allow(b, &cap, cfg->v[i],
                      cfg->item_at ? plan_cfg_origin_col(&cfg->item_at[i])
                                   : xstrdup("default"));
    for (size_t i = 0; r == 0 && i < in->flags.n_allow; i++)
        r = add_allow(b, &cap, in->flags.allow[i], xstrdup("--allow"));
    return r;
}

/* What an allowlist run needs the host to provide, else it cannot be
 * enforced: the proxy's socket and the helper that forwards to it. */
static int check_egress(struct plan_builder *b)
{
    const struct plan_host *h = &b->in->host;
    if (h->egress_sock && h->helper_path)
        return 0;
    return ags_error_set(b->err, -EINVAL,
                         "network allowlist (%s) cannot be enforced: %s%s%s", b->p->network.origin,
                         h->egress_sock ? "" : "no egress proxy socket",
                         !h->egress_sock && !h->helper_path ? " and " : "",
                         h->helper_path ? "" : "ags-helper was not found beside ags "
                                               "(<PREFIX>/lib/ags/ags-helper)");
}

int plan_build_network(struct plan_builder *b)
{
    const struct plan_input *in = b->in;
    struct plan_network *n = &b->p->network;
    int r = pick_mode(b);
    if (r == 0)
        r = plan_remote_check_network(b);
    if (r < 0)
        return r;
    pick_host_loopback(b);
    if (n->mode != PLAN_NETWORK_ALLOWLIST) {
        size_t ignored = in->cfg->network.allow.n + in->flags.n_allow;
        if (ignored)
            plan_note(b, "%zu network allow entr%s ignored: network %s", ignored,
                      ignored == 1 ? "y" : "ies", plan_network_mode_name(n->mode));
        return 0;
    }
    r = build_allow(b);
    if (r == 0)
        r = check_egress(b);
    if (r == 0)
        b->p->egress_sock = xstrdup(in->host.egress_sock); /* the runner serves it */
    return r;
}

/* The socket, and the helper for `ags-helper forward` unless the auth proxy
 * mounted it already.  Only the helper: lockdown has no auth proxy, and
 * without it no xdg-open alias and no BROWSER. */
void plan_add_egress_mounts(struct plan_builder *b)
{
    struct ags_plan *p = b->p;
    if (!p->egress_sock)
        return;
    plan_add_mount(b, PLAN_MOUNT_BIND, p->egress_sock, PLAN_EGRESS_SOCK, false,
                   xstrdup("egress proxy (served by ags)"));
    for (size_t i = 0; i < p->n_mounts; i++)
        if (strcmp(p->mounts[i].destination, PLAN_HELPER) == 0)
            return;
    plan_add_mount(b, PLAN_MOUNT_BIND, b->in->host.helper_path, PLAN_HELPER, true,
                   xstrdup("egress forwarder"));
}

/* Node honours the proxy variables only with NODE_USE_ENV_PROXY=1; tools
 * read either case. */
void plan_add_egress_env(struct plan_builder *b)
{
    static const char *const proxy_vars[] = {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                                             "http_proxy", "https_proxy", "all_proxy"};
    if (!b->p->egress_sock)
        return;
    for (size_t i = 0; i < ARRAY_SIZE(proxy_vars); i++)
        plan_add_env(b, proxy_vars[i], PLAN_EGRESS_URL, "network allowlist");
    plan_add_env(b, "NO_PROXY", PLAN_NO_PROXY, "network allowlist");
    plan_add_env(b, "no_proxy", PLAN_NO_PROXY, "network allowlist");
    plan_add_env(b, "NODE_USE_ENV_PROXY", "1", "network allowlist");
}

/* `forward` returns once it listens (it daemonizes its server), so nothing
 * after it races the forwarder; without it the run stops, never falls open. */
void plan_put_forwarder(struct strbuf *sb, const struct ags_plan *p)
{
    if (!p->egress_sock)
        return;
    plan_script_put(sb, PLAN_HELPER " forward " PLAN_EGRESS_LISTEN " " PLAN_EGRESS_SOCK
                        " || { echo 'ags: the network forwarder did not start' >&2; exit 125; }; ");
}
