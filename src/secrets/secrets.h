/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Secrets (docs/secrets.md): resolving [[secret]], [[tool.secret]] and
 * [sandbox].passthrough_env values from the host environment, the desktop
 * keyring (libsecret, in process) and helper commands.  No GLib type appears
 * here.  Nothing prints: warnings come back as strings, and no value is ever
 * part of a message.  Values live in memory owned by a secret_set and are
 * wiped when it is freed.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/limits.h"
#include "base/strv.h"
#include "config/config.h"
#include "plan/plan.h"

#define SECRET_HELPER_TIMEOUT_MS 5000u
#define SECRET_HELPER_MAX_OUTPUT (64u * 1024u)

enum secret_source {
    SECRET_SOURCE_ENV,         /* from_env, or legacy provider = "env" */
    SECRET_SOURCE_KEYRING,     /* secret_store, or legacy provider = "secret-tool" */
    SECRET_SOURCE_COMMAND,     /* a helper command */
    SECRET_SOURCE_PASSTHROUGH, /* [sandbox].passthrough_env */
};

const char *secret_source_name(enum secret_source s); /* "from_env", "secret_store", ... */

/* What the resolver may use of the host.  Tests pass their own. */
struct secret_host {
    const char *(*getenv)(const char *name);
    const char *home;            /* helpers run here; NULL or "" = "/" */
    char *const *helper_env;     /* "K=V", NULL-terminated: the helpers' whole environment */
    unsigned helper_timeout_ms;  /* 0 = SECRET_HELPER_TIMEOUT_MS */
    /* Keyring lookup; NULL = the desktop keyring (secrets_keyring_lookup). */
    int (*keyring_lookup)(const struct cfg_map *attrs, char **ret, size_t *ret_len,
                          struct ags_error *err);
    /* Helper commands are not run (ags doctor without --check-secrets: a
     * helper may prompt); such a source yields nothing. */
    bool skip_helpers;
};

struct secret_value {
    char *env;   /* the variable inside the sandbox */
    char *value; /* len bytes, NUL-terminated for convenience; wiped on free */
    size_t len;
    enum secret_source source;
    char *origin; /* "config FILE:LINE secret_store": where it came from, never what */
};

struct secret_set {
    struct secret_value *v;
    size_t n;
    char **warnings; /* "command secret lookup for ENV failed (ORIGIN): REASON" */
    size_t n_warnings;
};

/*
 * Resolves the plan's secret references in order: a target already resolved
 * is skipped, within one [[secret]] the sources are tried in the order
 * from_env, secret_store, command, legacy provider, and the first non-empty
 * value wins; unresolved targets are absent.  Lockdown resolves nothing and
 * runs no helper.  Failures of single sources are warnings, never errors.
 */
void secrets_resolve(const struct ags_config *cfg, const struct ags_plan *plan,
                     const struct secret_host *host, struct secret_set *ret);
void secret_set_done(struct secret_set *s);

/* The helpers' environment: PATH HOME USER LOGNAME DBUS_SESSION_BUS_ADDRESS
 * XDG_RUNTIME_DIR taken from envp, nothing else.  Free with strv_free. */
char **secret_helper_env(char *const *envp);

/* ---- helper commands (helper.c) ---- */

/*
 * Runs argv (argv[0] absolute, no shell) with cwd, envp, stdin and stderr on
 * /dev/null, in its own process group; kills the whole group after timeout_ms,
 * when stdout passes max bytes, and in any case once the helper exits (so a
 * grandchild holding stdout open cannot stall ags).  On success *ret holds
 * the validated value (see secret_output_check).  On failure *ret_reason is a
 * fixed text that never contains output, e.g. "lookup timed out".
 */
int secret_helper_run(char *const argv[], const char *cwd, char *const envp[],
                      unsigned timeout_ms, size_t max, char **ret, size_t *ret_len,
                      const char **ret_reason) _warn_unused_;

/*
 * The output rules: one trailing "\n" or "\r\n" is dropped; the rest must be
 * non-empty, hold no NUL, CR or LF, and be valid UTF-8.  Returns the length
 * to keep, or -EINVAL with *ret_reason set.
 */
long secret_output_check(const char *out, size_t len, const char **ret_reason);

/* ---- desktop keyring through libsecret (keyring.c) ---- */

/*
 * Looks up the item whose attributes include attrs (items stored by
 * `secret-tool store` match too).  Never prompts: a locked item is -EACCES.
 * -ENOENT: no such item; -ENOTCONN: no session bus or no secret service.
 * A value with surrounding whitespace is trimmed, as `secret-tool lookup`
 * users expect; an empty one is -ENOENT.
 */
int secrets_keyring_lookup(const struct cfg_map *attrs, char **ret, size_t *ret_len,
                           struct ags_error *err) _warn_unused_;
/* Whether the Secret Service answers (0), else -ENOTCONN with the reason. */
int secrets_keyring_probe(struct ags_error *err) _warn_unused_;
/* Stores value under attrs in the default collection with the given label. */
int secrets_keyring_store(const struct cfg_map *attrs, const char *label, const char *value,
                          size_t len, struct ags_error *err) _warn_unused_;

/* ---- checking the configuration (doctor) ---- */

enum secret_check_state {
    SECRET_CHECK_RESOLVED,   /* a source yields a value (never shown) */
    SECRET_CHECK_UNRESOLVED, /* no source yields one */
};

struct secret_check {
    char *env;
    enum secret_check_state state;
    char *source;   /* resolved: "from_env HOST_VAR (config FILE:LINE)"; else NULL */
    char **notes;   /* per failing source, in order: why it yielded nothing */
    size_t n_notes;
    bool helper_skipped; /* a helper command would have been tried (skip_helpers) */
};

/*
 * For each distinct target of cfg (config order), which source resolves, by
 * running the same lookups a run does (helpers included) and discarding the
 * values at once.  Passthrough names are not checked here.
 */
void secrets_diagnose(const struct ags_config *cfg, const struct secret_host *host,
                      struct secret_check **ret, size_t *ret_n);
void secret_checks_free(struct secret_check *v, size_t n);
