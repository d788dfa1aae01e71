/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor sections "Image" and "Agents", and a "Connection NAME" section per
 * other engine (the same image and agent verdicts there): pure verdicts from
 * gathered facts. */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "run/doctor.h"
#include "base/banned.h"

#define S_IMAGE  "Image"
#define S_AGENTS "Agents"

/* The value of key in "key=value" labels, NULL when absent. */
static const char *label_value(char *const *labels, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; labels && labels[i]; i++)
        if (strncmp(labels[i], key, n) == 0 && labels[i][n] == '=')
            return labels[i] + n + 1;
    return NULL;
}

/* Where the verdicts of one engine's image and agents go: the section, an
 * id prefix ("" or "NAME/") and the --connection flag the fixes need. */
struct engine_place {
    const char *section, *prefix, *flag;
};

static void check_image_present(const struct engine_place *at, const struct doctor_image_facts *im,
                                struct doctor_report *r)
{
    const char *have = label_value(im->labels, RUN_IMAGE_LABEL_CONTEXT);
    const char *built = label_value(im->labels, RUN_IMAGE_LABEL_BUILT);
    const char *from = im->own_containerfile ? " from your [sandbox].containerfile" : "";
    _cleanup_free_ char *id = xasprintf("%simage", at->prefix);
    _cleanup_free_ char *fix = xasprintf("ags update-image%s", at->flag);
    if (!have)
        doctor_add(r, at->section, id, DOCTOR_WARN, fix,
                   "image %s was not built by ags update-image (no %s label): it may be "
                   "outdated",
                   im->image, RUN_IMAGE_LABEL_CONTEXT);
    else if (!im->expected[0])
        doctor_add(r, at->section, id, DOCTOR_WARN, fix,
                   "image %s is there, but whether it is current is unknown: %s", im->image,
                   im->expected_error ? im->expected_error : "no build context");
    else if (strcmp(have, im->expected) != 0)
        doctor_add(r, at->section, id, DOCTOR_WARN, fix,
                   "image %s is outdated: run `%s` (its build context%s "
                   "changed since it was built: %s %.64s, now %s)",
                   im->image, fix, from, RUN_IMAGE_LABEL_CONTEXT, have, im->expected);
    else
        doctor_add(r, at->section, id, DOCTOR_OK, NULL, "image %s is current%s (built %s)",
                   im->image, from, built ? built : "at an unknown time");
}

static void check_image_at(const struct engine_place *at, bool have_image,
                           const struct doctor_image_facts *im, struct doctor_report *r)
{
    if (!have_image)
        return;
    _cleanup_free_ char *id = xasprintf("%simage", at->prefix);
    _cleanup_free_ char *fix = xasprintf("ags update-image%s", at->flag);
    if (im->labels_r == -ENOENT)
        doctor_add(r, at->section, id, DOCTOR_FAIL, fix,
                   "image %s is not there: a run would build it first (minutes)", im->image);
    else if (im->labels_r < 0)
        doctor_add(r, at->section, id, DOCTOR_WARN, "podman image inspect",
                   "cannot inspect image %s: %s", im->image,
                   im->labels_error ? im->labels_error : "no answer");
    else
        check_image_present(at, im, r);
}

static void check_agents_at(const struct engine_place *at, const struct doctor_agent_facts *v,
                            size_t n, struct doctor_report *r)
{
    for (size_t i = 0; i < n; i++) {
        const struct doctor_agent_facts *a = &v[i];
        const char *name = plan_agent_name(a->agent);
        _cleanup_free_ char *id = xasprintf("%sagent-%s", at->prefix, name);
        _cleanup_free_ char *fix = xasprintf("ags update-agents%s %s", at->flag, name);
        if (a->r == 0 && !a->version[0])
            doctor_add(r, at->section, id, DOCTOR_OK, NULL,
                       "%s: volume %s is there (its version is read on that host only)", name,
                       a->volume);
        else if (a->r == 0)
            doctor_add(r, at->section, id, DOCTOR_OK, NULL, "%s %s (volume %s)", name, a->version,
                       a->volume);
        else if (a->r == -ENOENT)
            doctor_add(r, at->section, id, DOCTOR_WARN, fix, "%s is not installed (volume %s)",
                       name, a->volume);
        else
            doctor_add(r, at->section, id, DOCTOR_WARN, fix,
                       "%s: cannot read its version in "
                       "volume %s: %s",
                       name, a->volume, a->error ? a->error : "unreadable");
    }
}

static const struct engine_place configured = {S_IMAGE, "", ""};

void doctor_check_image(const struct doctor_facts *f, struct doctor_report *r)
{
    check_image_at(&configured, f->have_image, &f->image, r);
}

void doctor_check_agents(const struct doctor_facts *f, struct doctor_report *r)
{
    const struct engine_place at = {S_AGENTS, "", ""};
    check_agents_at(&at, f->agents, f->n_agents, r);
}

static void check_connection(const struct doctor_connection_facts *c, struct doctor_report *r)
{
    _cleanup_free_ char *section = xasprintf("Connection %s", c->name);
    _cleanup_free_ char *prefix = xasprintf("%s/", c->name);
    _cleanup_free_ char *flag = xasprintf(" --connection %s", c->name);
    const struct engine_place at = {section, prefix, flag};
    _cleanup_free_ char *api = xasprintf("%spodman-api", prefix);
    const struct doctor_engine_facts *e = &c->engine;
    if (!e->reachable) {
        /* A WARN: runs use the configured engine; this one is only offered. */
        doctor_add(r, section, api, DOCTOR_WARN,
                   "start Podman's socket there (systemctl --user enable --now podman.socket) "
                   "and check `ssh` to that host and its key in ~/.ssh/known_hosts",
                   "Podman not reachable at %s: %s (doctor never starts Podman)",
                   e->uri && e->uri[0] ? e->uri : "unknown", e->error ? e->error : "no answer");
        return;
    }
    doctor_add(r, section, api, DOCTOR_OK, NULL, "Podman %s at %s",
               e->info.version[0] ? e->info.version : "unknown", e->uri);
    _cleanup_free_ char *rootless = xasprintf("%spodman-rootless", prefix);
    if (e->info.rootless)
        doctor_add(r, section, rootless, DOCTOR_OK, NULL, "Podman runs rootless there");
    else
        doctor_add(r, section, rootless, DOCTOR_WARN,
                   "connect to an ordinary user's rootless Podman on that host",
                   "Podman runs as root there: a sandbox escape would be root on that host");
    check_image_at(&at, c->have_image, &c->image, r);
    check_agents_at(&at, c->agents, c->n_agents, r);
}

void doctor_check_connections(const struct doctor_facts *f, struct doctor_report *r)
{
    for (size_t i = 0; i < f->n_connections; i++)
        check_connection(&f->connections[i], r);
}
