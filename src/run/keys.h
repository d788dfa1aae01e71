/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The agent's two ssh keys, sandbox.auth_key and sandbox.sign_key
 * (docs/security.md "Keys"): what each is for, what is wrong with one and
 * the command that fixes it (keys.c, shared by ags setup and ags doctor),
 * and how setup makes a missing one (setup-keys.c).  Nothing here prints.
 */

#include <stdbool.h>

#include "base/error.h"
#include "config/config.h"
#include "ssh/keyfile.h"

enum run_key_role { RUN_KEY_AUTH, RUN_KEY_SIGNING, RUN_KEY_ROLES };

struct run_key_role_info {
    const char *label;         /* "auth key", "signing key" */
    const char *id;            /* doctor check name: "key-auth", "key-signing" */
    const char *comment;       /* ssh-keygen -C: "ags-agent-auth", "ags-agent-signing" */
    const char *config_key;    /* "sandbox.auth_key" */
    enum ssh_key_purpose purpose; /* what the agent filter lets it sign */
    const char *container_pub; /* PLAN_AUTH_PUB, PLAN_SIGNING_PUB */
    const char *use;           /* what to do with the public key at the forge */
};

const struct run_key_role_info *run_key_role_info(enum run_key_role r);
/* cfg's path of the key (sandbox.auth_key or sandbox.sign_key). */
const struct cfg_str *run_key_path(const struct ags_config *cfg, enum run_key_role r);

/* `ssh-keygen -t ed25519 -a 64 -f PATH -C COMMENT`, PATH quoted for a
 * shell: the command that makes the key (owned). */
char *run_keygen_command(enum run_key_role r, const char *path);

/* For a verdict other than SSH_KEY_OK: one line saying what is wrong (it
 * quotes the user's paths and file contents: escape it to show it) and the
 * exact command that fixes it.  Both owned. */
void run_key_problem(enum run_key_role r, const char *path, const struct ssh_keyfile_facts *f,
                     enum ssh_key_verdict v, char **ret_msg, char **ret_fix);

/* ---- making a missing key (setup-keys.c) ---- */

enum run_setup_key_action {
    RUN_SETUP_KEY_READY,   /* there and usable: show its public key */
    RUN_SETUP_KEY_CREATE,  /* missing, a person at the terminal: run ssh-keygen */
    RUN_SETUP_KEY_TELL,    /* missing, nobody to choose a passphrase: say the command */
    RUN_SETUP_KEY_PROBLEM, /* there but unusable: run_key_problem says what to do */
};

/* What setup does about a key.  Only a terminal on stdin makes one: the
 * passphrase needs a person, so --yes does not count. */
enum run_setup_key_action run_setup_key_action(enum ssh_key_verdict v, bool stdin_tty);

/* Makes the key at path with the ssh-keygen that trusted_program finds on
 * path_env, run without a shell with ags's stdio (its passphrase prompt is
 * the user's), never with a passphrase in its argv.  The key's directory is
 * created 0700 when missing, below an ancestor that trusted_realpath accepts,
 * one component at a time without following a link; an existing directory
 * that is a link, or writable by others, is refused, and so is anything at
 * path or path.pub (a dangling link included). */
int run_setup_key_create(enum run_key_role r, const char *path, const char *path_env,
                         struct ags_error *err) _warn_unused_;
