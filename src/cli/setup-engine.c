/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The image and agents step of ags setup: look at what is there
 * (run_setup_look), then build the image and install the missing agents as
 * run/setup.c decides: asked on a terminal, done with --yes, otherwise
 * skipped with the command that does it later.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "cli/cli.h"
#include "cli/maintain.h"
#include "cli/prompt.h"
#include "cli/setup.h"
#include "base/banned.h"

static void on_warn(const char *msg, void *userdata _unused_)
{
    cli_warning("%s", msg);
}

static void on_progress(const char *msg, void *userdata _unused_)
{
    fprintf(stderr, "ags: %s\n", msg);
}

static const char *image_state(enum run_setup_image s)
{
    switch (s) {
    case RUN_SETUP_IMAGE_MISSING:
        return "is missing";
    case RUN_SETUP_IMAGE_OUTDATED:
        return "is outdated (built from another containerfile or CA bundle)";
    case RUN_SETUP_IMAGE_FOREIGN:
        return "was not built by ags (no " RUN_IMAGE_LABEL_CONTEXT " label); left as is";
    case RUN_SETUP_IMAGE_CURRENT:
    default:
        return "is up to date; nothing to do";
    }
}

/* Did the user take the offer?  Says what happens otherwise. */
static bool take(enum run_setup_action act, const char *question, const char *step,
                 const char *later)
{
    bool yes = act == RUN_SETUP_DO ||
               (act == RUN_SETUP_ASK_USER && cli_prompt_yes_no(question));
    if (!yes)
        printf("%s: skipped%s; later: %s\n", step,
               act == RUN_SETUP_SKIP ? " (no terminal to ask on; --yes does it)" : "", later);
    (void)fflush(stdout);
    return yes;
}

/* Returns an exit status; *built when it built the image. */
static int image_step(const struct ags_config *cfg, const struct run_setup_facts *f,
                      enum run_setup_mode mode, bool *built)
{
    printf("image: %s %s\n", cfg->sandbox.image.v, image_state(f->image));
    enum run_setup_action act = run_setup_image_action(f, mode);
    if (act == RUN_SETUP_NOTHING ||
        !take(act, "Build the sandbox image now (ags update-image: several minutes)?", "image",
              "ags update-image"))
        return AGS_EXIT_OK;
    int rc = cli_update_image(cfg, NULL, false, false);
    *built = rc == AGS_EXIT_OK;
    return rc;
}

static char *agent_list(const enum plan_agent *v, size_t n)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, 256);
    for (size_t i = 0; i < n; i++)
        if (strbuf_appendf(&sb, "%s%s", i ? " " : "", plan_agent_name(v[i])) < 0)
            break; /* five short names fit */
    return strbuf_steal(&sb);
}

static int agents_step(const struct ags_config *cfg, const struct cfg_host *host,
                       const struct run_setup_facts *f, enum run_setup_mode mode,
                       bool image_there, bool *installed)
{
    enum plan_agent missing[RUN_UPDATE_N_AGENTS];
    size_t n = run_setup_missing_agents(f, missing);
    _cleanup_free_ char *names = agent_list(missing, n);
    enum run_setup_action act = run_setup_agents_action(f, mode, image_there);
    if (act == RUN_SETUP_NOTHING) {
        printf("agents: every agent is installed; nothing to do\n");
        return AGS_EXIT_OK;
    }
    printf("agents: not installed: %s\n", names);
    _cleanup_free_ char *later = xasprintf("ags update-agents %s", names);
    if (act == RUN_SETUP_NEEDS_IMAGE) {
        printf("agents: skipped: they are installed with the image, which is missing; later: "
               "ags update-image, then %s\n", later);
        return AGS_EXIT_OK;
    }
    if (!take(act, "Install them now (ags update-agents: about a minute)?", "agents", later))
        return AGS_EXIT_OK;
    bool wanted[PLAN_AGENT_COUNT] = {0};
    for (size_t i = 0; i < n; i++)
        wanted[missing[i]] = true;
    const struct run_request req = {.cfg = cfg, .host = host};
    int rc = cli_update_agents(&req, wanted);
    *installed = rc == AGS_EXIT_OK;
    return rc;
}

int cli_setup_engine(const struct ags_config *cfg, const struct cfg_host *host,
                     enum run_setup_mode mode, bool *changed)
{
    const struct run_setup_request req = {
        .cfg = cfg,
        .cb = {.warn = on_warn, .progress = on_progress},
    };
    if (geteuid() == 0) { /* root's Podman is rootful: not where a run looks */
        printf("image, agents: skipped: as root; ags builds and runs in your ordinary user's "
               "rootless Podman: run ags setup as that user\n");
        return AGS_EXIT_FAILURE;
    }
    struct run_setup_facts f;
    struct ags_error err = {0};
    if (run_setup_look(&req, &f, &err) < 0) {
        cli_error("%s", err.msg);
        printf("image, agents: not checked (see the error above); once Podman answers: "
               "ags setup again, or ags update-image and ags update-agents\n");
        return AGS_EXIT_FAILURE;
    }
    bool built = false, installed = false;
    int rc = image_step(cfg, &f, mode, &built);
    bool image_there = f.image != RUN_SETUP_IMAGE_MISSING || built;
    int rc2 = agents_step(cfg, host, &f, mode, image_there, &installed);
    *changed = built || installed;
    return rc != AGS_EXIT_OK ? rc : rc2;
}
