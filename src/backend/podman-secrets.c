/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Secret delivery for one run (docs/security.md, "Secrets"): each resolved
 * value becomes an ephemeral Podman secret mounted as a file, never
 * `secret_env` (on Podman 4.x that puts the value into `podman inspect`).
 * The entrypoint reads the files into the agent's environment.
 */
#include "backend/podman.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/banned.h"

static void secrets_free(struct backend_secrets *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->names[i]);
        free(s->targets[i]);
    }
    free(s->names);
    free(s->targets);
    free(s->mounts);
    *s = (struct backend_secrets){0};
}

int backend_secrets_remove(struct podman_client *c, struct backend_secrets *s,
                           struct ags_error *err)
{
    int first = 0;
    for (size_t i = 0; i < s->n; i++) {
        struct ags_error e = {0};
        int r = podman_secret_remove(c, s->names[i], &e);
        if (r < 0 && r != -ENOENT && first == 0) {
            first = r;
            if (err)
                *err = e;
        }
    }
    secrets_free(s);
    return first;
}

int backend_secrets_create(struct podman_client *c, const struct ags_plan *p,
                           const struct backend_secret_value *values, size_t n,
                           struct backend_secrets *ret, struct ags_error *err)
{
    const char *session = plan_label_value(p->labels, PLAN_LABEL_SESSION);
    struct backend_secrets s = {
        .names = xcalloc(n + 1, sizeof(*s.names)),
        .targets = xcalloc(n + 1, sizeof(*s.targets)),
        .mounts = xcalloc(n + 1, sizeof(*s.mounts)),
    };
    /* The files belong to whoever the agent is inside: dev, or root (--root). */
    uint32_t owner = p->identity.uid;
    uint32_t group = p->identity.gid;
    for (size_t i = 0; i < n; i++) {
        /* ags-* names are what the sweep inspects (their ags.owner label decides);
         * the pid is there for people reading `podman secret ls`. */
        char *name = xasprintf("ags-%ld-%s-%zu", (long)getpid(), session ? session : "x", i);
        s.names[s.n] = name;
        int r = podman_secret_create(c, name, values[i].value, values[i].len,
                                     (const char *const *)p->labels, err);
        if (r < 0) {
            s.names[s.n] = NULL;
            free(name);
            (void)backend_secrets_remove(c, &s, NULL);
            return ags_error_prefix(err, "handing secret %s to Podman", values[i].env);
        }
        s.mounts[s.n] = (struct podman_secret_mount){
            .source = name,
            .target = s.targets[i] = xstrdup(values[i].env), /* relative: /run/secrets/<env> */
            .uid = owner,
            .gid = group,
            .mode = 0400,
        };
        s.n++;
    }
    *ret = s;
    return 0;
}
