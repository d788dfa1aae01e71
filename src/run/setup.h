/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `ags setup`, the first-run path (docs/ags.1.md): what is there already
 * (setup.c: the image's state, which agents are installed), what to do about
 * it given how questions can be answered, and the agent gitconfig
 * (setup-gitconfig.c).  The cli asks, prints and calls update-image and
 * update-agents; nothing here prints.
 */

#include <stdbool.h>
#include <stddef.h>

#include "run/run.h"

/* ---- the image and the agents (setup.c) ---- */

enum run_setup_image {
    RUN_SETUP_IMAGE_CURRENT,  /* built by ags from the context there is now */
    RUN_SETUP_IMAGE_MISSING,
    RUN_SETUP_IMAGE_OUTDATED, /* built by ags from another context */
    RUN_SETUP_IMAGE_FOREIGN,  /* not built by ags (no context label): never replaced */
};

struct run_setup_facts {
    enum run_setup_image image;
    bool installed[PLAN_AGENT_COUNT]; /* of run_update_agents */
};

/* The image's state from its labels ("key=value"; exists false: no image)
 * and the context digest a build now would carry. */
enum run_setup_image run_setup_image_state(bool exists, const char *const *labels,
                                           const char *expected_digest);

struct run_setup_request {
    const struct ags_config *cfg;
    run_open_backend_fn *open_backend;       /* NULL: backend_podman_open */
    const char *(*getenv)(const char *name); /* NULL: the process environment */
    struct run_callbacks cb;
};

/* Looks at the image (its context label) and at each agent's program in its
 * volume (only its name, never following a symlink there: the volume is the
 * sandbox's).  Opening the backend may start Podman, as a run does. */
int run_setup_look(const struct run_setup_request *req, struct run_setup_facts *ret,
                   struct ags_error *err) _warn_unused_;

/* How setup's questions are answered. */
enum run_setup_mode {
    RUN_SETUP_ASK,    /* a terminal: y/N for each offer */
    RUN_SETUP_YES,    /* --yes: every offer taken without asking */
    RUN_SETUP_NO_TTY, /* no terminal, no --yes: nothing asked, nothing done */
};

enum run_setup_action {
    RUN_SETUP_NOTHING,    /* nothing is needed */
    RUN_SETUP_DO,         /* do it */
    RUN_SETUP_ASK_USER,   /* ask, then do it on yes */
    RUN_SETUP_SKIP,       /* needed, not done: no terminal (say the command) */
    RUN_SETUP_NEEDS_IMAGE /* agents: not without the image (installing would build it) */
};

enum run_setup_action run_setup_image_action(const struct run_setup_facts *f,
                                             enum run_setup_mode m);
/* image_there: the image exists now (it did, or setup just built it). */
enum run_setup_action run_setup_agents_action(const struct run_setup_facts *f,
                                              enum run_setup_mode m, bool image_there);
/* The agents of run_update_agents that are not installed, in that order;
 * their number. */
size_t run_setup_missing_agents(const struct run_setup_facts *f,
                                enum plan_agent out[RUN_UPDATE_N_AGENTS]);

/* ---- the agent gitconfig (setup-gitconfig.c) ---- */

#define RUN_GIT_VALUE_MAX 256

/* Reads one key of the user's global git config into buf; 0, or -ENOENT
 * with *err when it is not set (or git is missing). */
typedef int run_git_get_fn(const char *key, char *buf, size_t size, struct ags_error *err);
/* `git config --global --get KEY`, run in / with no stdin (no repository's
 * config is read). */
run_git_get_fn run_git_config_get;

/* The ags-managed gitconfig-agent for an identity (owned); -EINVAL with *err
 * for a value with control characters. */
int run_setup_gitconfig_text(const char *name, const char *email, char **ret,
                             struct ags_error *err) _warn_unused_;

enum run_setup_gitconfig {
    RUN_GITCONFIG_WRITTEN,     /* created from the git identity */
    RUN_GITCONFIG_THERE,       /* a file is there already: left as is */
    RUN_GITCONFIG_NO_IDENTITY, /* user.name or user.email unset: *err says which */
    RUN_GITCONFIG_USERS,       /* sandbox.gitconfig_path is the user's own choice */
};

/* Creates cfg's sandbox.gitconfig_path (0600, O_CREAT|O_EXCL|O_NOFOLLOW, its
 * directory 0700 when missing) from the identity get reads, unless a file
 * is there or the user configured the path.  A symlink at the path is
 * refused (-ELOOP), never followed or replaced.  *ret says what happened. */
int run_setup_gitconfig(const struct ags_config *cfg, run_git_get_fn *get,
                        enum run_setup_gitconfig *ret, struct ags_error *err) _warn_unused_;
