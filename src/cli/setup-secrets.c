/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The secrets step of ags setup: for every secret target with a secret_store
 * source, ask for the value (no echo on a terminal) and store it in the
 * desktop keyring through libsecret.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "cli/cli.h"
#include "cli/prompt.h"
#include "cli/setup.h"
#include "secrets/secrets.h"
#include "base/banned.h"

/* A value typed at the prompt: Podman's bound, plus the newline. */
#define SETUP_MAX_VALUE (AGS_SECRET_MAX_VALUE + 2u)

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Distinct target names, sorted. */
static char **targets_of(const struct ags_config *cfg, size_t *ret_n)
{
    char **v = xcalloc(cfg->n_secrets + 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_secrets; i++) {
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = strcmp(v[k], cfg->secrets[i].env.v) == 0;
        if (!seen)
            v[n++] = cfg->secrets[i].env.v;
    }
    qsort(v, n, sizeof(*v), cmp_str);
    *ret_n = n;
    return v;
}

/* The keyring attribute sets of one target: secret_store, and the legacy
 * provider = "secret-tool" attributes. */
static size_t keyring_maps(const struct ags_config *cfg, const char *env,
                           const struct cfg_map **out, size_t cap, bool *has_command)
{
    size_t n = 0;
    *has_command = false;
    for (size_t i = 0; i < cfg->n_secrets; i++) {
        const struct cfg_secret *s = &cfg->secrets[i];
        if (strcmp(s->env.v, env) != 0)
            continue;
        *has_command = *has_command || s->command.n > 0;
        if (s->secret_store.n && n < cap)
            out[n++] = &s->secret_store;
        if (s->provider.v == CFG_PROVIDER_SECRET_TOOL && s->attributes.n && n < cap)
            out[n++] = &s->attributes;
    }
    return n;
}

static bool uses_keyring(const struct ags_config *cfg)
{
    for (size_t i = 0; i < cfg->n_secrets; i++)
        if (cfg->secrets[i].secret_store.n ||
            (cfg->secrets[i].provider.v == CFG_PROVIDER_SECRET_TOOL && cfg->secrets[i].attributes.n))
            return true;
    return false;
}

static void print_attrs(const struct cfg_map *m)
{
    for (size_t i = 0; i < m->n; i++)
        printf("%s%s=%s", i ? " " : "", m->v[i].key, m->v[i].value);
}

/* Asks for one target and stores it; returns 0, 1 (a store failed) or -ENODATA. */
static int setup_target(const struct ags_config *cfg, const char *env, bool *stored)
{
    const struct cfg_map *maps[16];
    bool has_command = false;
    size_t n = keyring_maps(cfg, env, maps, ARRAY_SIZE(maps), &has_command);
    if (n == 0) {
        printf("No secret_store configured for %s (%s).\n", env,
               has_command ? "command sources are lookup-only" : "env-only");
        return 0;
    }
    _cleanup_free_ char *prompt = xasprintf("%s: ", env);
    char *value = xmalloc(SETUP_MAX_VALUE);
    size_t len = 0;
    int r = cli_prompt_secret(prompt, value, SETUP_MAX_VALUE, &len);
    int rc = 0;
    if (r == -EMSGSIZE) {
        cli_error("the value for %s is longer than %u bytes; not stored", env, AGS_SECRET_MAX_VALUE);
        rc = 1;
    } else if (r < 0) {
        rc = r;
    } else if (len == 0) {
        printf("Skipped %s\n", env);
    } else {
        _cleanup_free_ char *label = xasprintf("ags %s", env);
        for (size_t i = 0; i < n; i++) {
            struct ags_error err = {0};
            if (secrets_keyring_store(maps[i], label, value, len, &err) < 0) {
                cli_error("could not store %s: %s", env, err.msg);
                rc = 1;
                continue;
            }
            *stored = true;
            printf("Stored %s in the keyring (", env);
            print_attrs(maps[i]);
            printf(")\n");
        }
    }
    explicit_bzero(value, SETUP_MAX_VALUE);
    free(value);
    fflush(stdout);
    return rc;
}

int cli_setup_secrets(const struct ags_config *cfg, bool *stored)
{
    size_t n = 0;
    _cleanup_free_ char **targets = targets_of(cfg, &n);
    if (n == 0)
        printf("secrets: none configured ([[secret]] in %s); nothing to do\n", cfg->base_path);
    /* Nobody should type a secret that cannot be stored. */
    struct ags_error err = {0};
    if (uses_keyring(cfg) && secrets_keyring_probe(&err) < 0) {
        cli_error("%s; nothing was asked or stored", err.msg);
        return AGS_EXIT_FAILURE;
    }
    int rc = AGS_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        int r = setup_target(cfg, targets[i], stored);
        if (r == -ENODATA) {
            cli_warning("input ended: the remaining secrets were not asked for");
            return AGS_EXIT_FAILURE;
        }
        if (r != 0)
            rc = AGS_EXIT_FAILURE;
    }
    return rc;
}
