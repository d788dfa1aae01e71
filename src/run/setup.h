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
    run_open_backend_fn *open_backend;       /* NULL: backend_open */
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
    RUN_GITCONFIG_ADDED,       /* ags's file was there: the missing signing lines added */
    RUN_GITCONFIG_THERE,       /* a file is there already: nothing to add */
    RUN_GITCONFIG_NOT_OURS,    /* a file without ags's header: left as is */
    RUN_GITCONFIG_NO_IDENTITY, /* user.name or user.email unset: *err says which */
    RUN_GITCONFIG_USERS,       /* sandbox.gitconfig_path is the user's own choice */
};

struct run_gitconfig_result {
    enum run_setup_gitconfig what;
    char added[96]; /* WRITTEN, ADDED: the signing keys written ("gpg.format, ..."), or "" */
    bool signing;   /* the file (now) sets all three signing keys */
};

/* Creates cfg's sandbox.gitconfig_path (0600, O_CREAT|O_EXCL|O_NOFOLLOW, its
 * directory 0700 when missing) from the identity get reads, unless a file
 * is there or the user configured the path.  With signing (the signing key
 * is usable) the commit-signing lines go in too, and an ags-managed file
 * that is there gains those it lacks (replaced atomically, 0600; every
 * other line kept as it is).  A symlink at the path is refused (-ELOOP),
 * never followed or replaced.  *ret says what happened. */
int run_setup_gitconfig(const struct ags_config *cfg, run_git_get_fn *get, bool signing,
                        struct run_gitconfig_result *ret, struct ags_error *err) _warn_unused_;

/* ---- its commit-signing lines (setup-gitconfig-sign.c) ---- */

/* What a gitconfig's text says about commit signing. */
struct run_gitconfig_signing {
    bool managed;                         /* it starts with ags's header */
    bool has_format, format_ssh;          /* gpg.format, = ssh */
    bool has_signingkey, signingkey_ours; /* user.signingkey, = PLAN_SIGNING_PUB */
    bool has_gpgsign, gpgsign_on;         /* commit.gpgsign, true */
};

void run_gitconfig_signing_of(const char *text, struct run_gitconfig_signing *ret);
/* All three keys are set (to whatever: a value the user chose stays). */
bool run_gitconfig_signing_complete(const struct run_gitconfig_signing *s);
/* The lines that set the keys s lacks (owned; "" when none), and their names
 * into added ("gpg.format, commit.gpgsign"). */
char *run_gitconfig_signing_lines(const struct run_gitconfig_signing *s, char *added,
                                  size_t size);
