/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resolution order (ags-behaviour.md section 4, docs/secrets.md): the plan's
 * references in order; per [[secret]] from_env, secret_store, command, then
 * the legacy provider; the first non-empty value per target wins.
 */
#include "secrets/secrets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/banned.h"

const char *secret_source_name(enum secret_source s)
{
    switch (s) {
    case SECRET_SOURCE_ENV:
        return "from_env";
    case SECRET_SOURCE_KEYRING:
        return "secret_store";
    case SECRET_SOURCE_COMMAND:
        return "command";
    case SECRET_SOURCE_PASSTHROUGH:
        return "passthrough_env";
    }
    return "?";
}

static const char *const helper_env_names[] = {
    "PATH", "HOME", "USER", "LOGNAME", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR",
};

char **secret_helper_env(char *const *envp)
{
    char **out = xcalloc(ARRAY_SIZE(helper_env_names) + 1, sizeof(*out));
    size_t n = 0;
    for (size_t i = 0; envp && envp[i]; i++)
        for (size_t k = 0; k < ARRAY_SIZE(helper_env_names); k++) {
            size_t len = strlen(helper_env_names[k]);
            if (strncmp(envp[i], helper_env_names[k], len) == 0 && envp[i][len] == '=') {
                bool dup = false;
                for (size_t j = 0; j < n && !dup; j++)
                    dup = strncmp(out[j], envp[i], len + 1) == 0;
                if (!dup)
                    out[n++] = xstrdup(envp[i]);
            }
        }
    return out;
}

/* One attempt at one source: a value, or a reason it gave none (NULL:
 * simply not set, nothing worth a warning). */
struct attempt {
    char *value;
    size_t len;
    enum secret_source source;
    char *what;   /* "from_env HOST_GH", "secret_store", "command /usr/bin/x" */
    char *reason; /* why it yielded nothing */
};

static void attempt_clear(struct attempt *a)
{
    if (a->value) {
        explicit_bzero(a->value, a->len);
        free(a->value);
    }
    free(a->what);
    free(a->reason);
    *a = (struct attempt){0};
}

static bool try_env(const struct secret_host *host, const char *var, struct attempt *a)
{
    const char *v = host->getenv(var);
    if (!v || !v[0])
        return false;
    size_t len = strlen(v);
    if (len > AGS_SECRET_MAX_VALUE) {
        a->reason = xasprintf("$%s is longer than %u bytes", var, AGS_SECRET_MAX_VALUE);
        return false;
    }
    a->value = xstrndup(v, len);
    a->len = len;
    return true;
}

static bool try_keyring(const struct secret_host *host, const struct cfg_map *attrs,
                        struct attempt *a)
{
    struct ags_error err = {0};
    int r = host->keyring_lookup ? host->keyring_lookup(attrs, &a->value, &a->len, &err)
                                 : secrets_keyring_lookup(attrs, &a->value, &a->len, &err);
    if (r == 0)
        return true;
    a->reason = xstrdup(err.msg[0] ? err.msg : "lookup failed");
    return false;
}

/* The reason of a helper that skip_helpers kept from running. */
static const char helper_skipped[] = "not run";

static bool try_command(const struct secret_host *host, const struct cfg_strv *cmd,
                        struct attempt *a)
{
    if (host->skip_helpers) {
        a->reason = xstrdup(helper_skipped);
        return false;
    }
    _cleanup_free_ char **argv = xcalloc(cmd->n + 1, sizeof(*argv));
    for (size_t i = 0; i < cmd->n; i++)
        argv[i] = cmd->v[i];
    static char *const empty_env[] = {NULL};
    const char *reason = NULL;
    int r = secret_helper_run(argv, host->home, host->helper_env ? host->helper_env : empty_env,
                              host->helper_timeout_ms, SECRET_HELPER_MAX_OUTPUT, &a->value,
                              &a->len, &reason);
    if (r == 0)
        return true;
    a->reason = xstrdup(reason ? reason : "helper failed");
    return false;
}

/* Tries the sources of one [[secret]] in order; true with a->value on success.
 * Each failure with a reason is passed to on_fail before the next source. */
static bool resolve_entry(const struct cfg_secret *s, const struct secret_host *host,
                          struct attempt *a,
                          void (*on_fail)(const struct attempt *a, void *ud), void *ud)
{
    for (int step = 0; step < 4; step++) {
        bool ok = false, tried = true;
        attempt_clear(a);
        if (step == 0 && s->from_env.v) {
            a->source = SECRET_SOURCE_ENV;
            a->what = xasprintf("from_env %s", s->from_env.v);
            ok = try_env(host, s->from_env.v, a);
        } else if (step == 1 && s->secret_store.n) {
            a->source = SECRET_SOURCE_KEYRING;
            a->what = xstrdup("secret_store");
            ok = try_keyring(host, &s->secret_store, a);
        } else if (step == 2 && s->command.n) {
            a->source = SECRET_SOURCE_COMMAND;
            a->what = xasprintf("command %s", s->command.v[0]);
            ok = try_command(host, &s->command, a);
        } else if (step == 3 && s->provider.v == CFG_PROVIDER_ENV) {
            const char *var = s->var.v ? s->var.v : s->env.v;
            a->source = SECRET_SOURCE_ENV;
            a->what = xasprintf("provider env %s", var);
            ok = try_env(host, var, a);
        } else if (step == 3 && s->provider.v == CFG_PROVIDER_SECRET_TOOL) {
            a->source = SECRET_SOURCE_KEYRING;
            a->what = xstrdup("provider secret-tool");
            ok = try_keyring(host, &s->attributes, a);
        } else {
            tried = false;
        }
        if (ok)
            return true;
        if (tried && on_fail)
            on_fail(a, ud);
    }
    attempt_clear(a);
    return false;
}

static char *origin_of(const struct cfg_origin *at)
{
    if (!at->file)
        return xstrdup("default");
    return xasprintf("%s:%u", at->file, at->line);
}

static bool resolved(const struct secret_set *set, const char *env)
{
    for (size_t i = 0; i < set->n; i++)
        if (strcmp(set->v[i].env, env) == 0)
            return true;
    return false;
}

static void add_value(struct secret_set *set, size_t *cap, const char *env, struct attempt *a,
                      char *origin)
{
    set->v = xgrow(set->v, cap, set->n + 1, sizeof(*set->v));
    set->v[set->n++] = (struct secret_value){
        .env = xstrdup(env),
        .value = TAKE_PTR(a->value),
        .len = a->len,
        .source = a->source,
        .origin = origin,
    };
}

struct warn_ctx {
    struct secret_set *set;
    size_t cap;
    const char *env;
    const struct cfg_secret *entry;
};

static void add_warning(struct warn_ctx *w, char *text)
{
    struct secret_set *set = w->set;
    set->warnings = xgrow(set->warnings, &w->cap, set->n_warnings + 1, sizeof(*set->warnings));
    set->warnings[set->n_warnings++] = text;
}

/* Helper and keyring failures are worth a warning; an unset variable is not. */
static void warn_failure(const struct attempt *a, void *ud)
{
    struct warn_ctx *w = ud;
    if (!a->reason)
        return;
    _cleanup_free_ char *at = origin_of(&w->entry->at);
    const char *kind = a->source == SECRET_SOURCE_COMMAND   ? "command"
                       : a->source == SECRET_SOURCE_KEYRING ? "keyring"
                                                            : "environment";
    if (a->source == SECRET_SOURCE_KEYRING && strstr(a->reason, "no keyring item matches"))
        return; /* absent from the keyring: the next source may have it */
    add_warning(w, xasprintf("%s secret lookup for %s failed (%s, %s): %s", kind, w->env, at,
                             a->what, a->reason));
}

void secrets_resolve(const struct ags_config *cfg, const struct ags_plan *plan,
                     const struct secret_host *host, struct secret_set *ret)
{
    struct secret_set set = {0};
    size_t cap = 0;
    struct warn_ctx w = {.set = &set};
    for (size_t i = 0; !plan->lockdown && i < plan->n_secrets; i++) {
        const struct plan_secret *ps = &plan->secrets[i];
        if (resolved(&set, ps->env))
            continue;
        struct attempt a = {0};
        if (ps->config_index < 0) {
            a.source = SECRET_SOURCE_PASSTHROUGH;
            if (try_env(host, ps->host_env, &a))
                add_value(&set, &cap, ps->env, &a,
                          xasprintf("passthrough_env %s", ps->host_env));
            else if (a.reason)
                add_warning(&w, xasprintf("passthrough_env %s is not handed over: %s",
                                          ps->host_env, a.reason));
            attempt_clear(&a);
            continue;
        }
        if ((size_t)ps->config_index >= cfg->n_secrets)
            continue;
        const struct cfg_secret *s = &cfg->secrets[ps->config_index];
        w.env = ps->env;
        w.entry = s;
        if (resolve_entry(s, host, &a, warn_failure, &w)) {
            _cleanup_free_ char *at = origin_of(&s->at);
            add_value(&set, &cap, ps->env, &a, xasprintf("%s (config %s)", a.what, at));
        }
        attempt_clear(&a);
    }
    *ret = set;
}

void secret_set_done(struct secret_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        explicit_bzero(s->v[i].value, s->v[i].len);
        free(s->v[i].value);
        free(s->v[i].env);
        free(s->v[i].origin);
    }
    free(s->v);
    strv_free_n(s->warnings, s->n_warnings);
    *s = (struct secret_set){0};
}

/* ---- doctor ---- */

struct note_ctx {
    struct secret_check *check;
    size_t cap;
};

static void note_failure(const struct attempt *a, void *ud)
{
    struct note_ctx *n = ud;
    struct secret_check *c = n->check;
    if (a->source == SECRET_SOURCE_COMMAND && a->reason && strcmp(a->reason, helper_skipped) == 0)
        c->helper_skipped = true;
    c->notes = xgrow(c->notes, &n->cap, c->n_notes + 1, sizeof(*c->notes));
    c->notes[c->n_notes++] = a->reason ? xasprintf("%s: %s", a->what, a->reason)
                                       : xasprintf("%s: not set", a->what);
}

void secrets_diagnose(const struct ags_config *cfg, const struct secret_host *host,
                      struct secret_check **ret, size_t *ret_n)
{
    struct secret_check *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < cfg->n_secrets; i++) {
        const struct cfg_secret *s = &cfg->secrets[i];
        struct secret_check *c = NULL;
        for (size_t k = 0; k < n && !c; k++)
            if (strcmp(v[k].env, s->env.v) == 0)
                c = &v[k];
        if (!c) {
            v = xgrow(v, &cap, n + 1, sizeof(*v));
            c = &v[n++];
            *c = (struct secret_check){.env = xstrdup(s->env.v),
                                       .state = SECRET_CHECK_UNRESOLVED};
        }
        if (c->state == SECRET_CHECK_RESOLVED)
            continue; /* an earlier entry already yields it: later ones never run */
        struct note_ctx nc = {.check = c, .cap = c->n_notes};
        struct attempt a = {0};
        if (resolve_entry(s, host, &a, note_failure, &nc)) {
            _cleanup_free_ char *at = origin_of(&s->at);
            c->state = SECRET_CHECK_RESOLVED;
            c->source = xasprintf("%s (config %s)", a.what, at);
        }
        attempt_clear(&a);
    }
    *ret = v;
    *ret_n = n;
}

void secret_checks_free(struct secret_check *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].env);
        free(v[i].source);
        for (size_t k = 0; k < v[i].n_notes; k++)
            free(v[i].notes[k]);
        free(v[i].notes);
    }
    free(v);
}
