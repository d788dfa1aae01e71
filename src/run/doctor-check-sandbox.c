/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor sections "Image" and "Agents": pure verdicts from gathered facts. */
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

static void check_image_present(const struct doctor_image_facts *im, struct doctor_report *r)
{
    const char *have = label_value(im->labels, RUN_IMAGE_LABEL_CONTEXT);
    const char *built = label_value(im->labels, RUN_IMAGE_LABEL_BUILT);
    const char *from = im->own_containerfile ? " from your [sandbox].containerfile" : "";
    if (!have)
        doctor_add(r, S_IMAGE, "image", DOCTOR_WARN, "ags update-image",
                   "image %s was not built by ags update-image (no %s label): it may be "
                   "outdated", im->image, RUN_IMAGE_LABEL_CONTEXT);
    else if (!im->expected[0])
        doctor_add(r, S_IMAGE, "image", DOCTOR_WARN, "ags update-image",
                   "image %s is there, but whether it is current is unknown: %s", im->image,
                   im->expected_error ? im->expected_error : "no build context");
    else if (strcmp(have, im->expected) != 0)
        doctor_add(r, S_IMAGE, "image", DOCTOR_WARN, "ags update-image",
                   "image %s is outdated: run `ags update-image` (its build context%s "
                   "changed since it was built: %s %.64s, now %s)", im->image, from,
                   RUN_IMAGE_LABEL_CONTEXT, have, im->expected);
    else
        doctor_add(r, S_IMAGE, "image", DOCTOR_OK, NULL, "image %s is current%s (built %s)",
                   im->image, from, built ? built : "at an unknown time");
}

void doctor_check_image(const struct doctor_facts *f, struct doctor_report *r)
{
    const struct doctor_image_facts *im = &f->image;
    if (!f->have_image)
        return;
    if (im->labels_r == -ENOENT)
        doctor_add(r, S_IMAGE, "image", DOCTOR_FAIL, "ags update-image",
                   "image %s is not there: a run would build it first (minutes)", im->image);
    else if (im->labels_r < 0)
        doctor_add(r, S_IMAGE, "image", DOCTOR_WARN, "podman image inspect",
                   "cannot inspect image %s: %s", im->image,
                   im->labels_error ? im->labels_error : "no answer");
    else
        check_image_present(im, r);
}

void doctor_check_agents(const struct doctor_facts *f, struct doctor_report *r)
{
    for (size_t i = 0; i < f->n_agents; i++) {
        const struct doctor_agent_facts *a = &f->agents[i];
        const char *name = plan_agent_name(a->agent);
        _cleanup_free_ char *id = xasprintf("agent-%s", name);
        _cleanup_free_ char *fix = xasprintf("ags update-agents %s", name);
        if (a->r == 0)
            doctor_add(r, S_AGENTS, id, DOCTOR_OK, NULL, "%s %s (volume %s)", name, a->version,
                       a->volume);
        else if (a->r == -ENOENT)
            doctor_add(r, S_AGENTS, id, DOCTOR_WARN, fix, "%s is not installed (volume %s)",
                       name, a->volume);
        else
            doctor_add(r, S_AGENTS, id, DOCTOR_WARN, fix, "%s: cannot read its version in "
                       "volume %s: %s", name, a->volume, a->error ? a->error : "unreadable");
    }
}
