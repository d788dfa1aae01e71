/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The keys step of ags setup: the agent's auth and signing keys made when
 * missing (ssh-keygen on the terminal, never without one: the passphrase
 * is the user's), a broken one named with its fix, then both public keys
 * and what to do with them at the forge.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/termesc.h"
#include "cli/cli.h"
#include "cli/setup.h"
#include "run/keys.h"
#include "base/banned.h"

/* A problem line and its fix, escaped (both name the user's files). */
static void say_problem(enum run_key_role role, const char *path,
                        const struct ssh_keyfile_facts *f, enum ssh_key_verdict v)
{
    _cleanup_free_ char *msg = NULL, *fix = NULL;
    run_key_problem(role, path, f, v, &msg, &fix);
    _cleanup_free_ char *shown_msg = term_escape_str(msg);
    _cleanup_free_ char *shown_fix = term_escape_str(fix ? fix : "");
    printf("keys: %s\n  fix: %s\n", shown_msg, shown_fix);
}

static void say_no_terminal(enum run_key_role role, const char *path)
{
    _cleanup_free_ char *cmd = run_keygen_command(role, path);
    _cleanup_free_ char *shown_path = term_escape_str(path);
    _cleanup_free_ char *shown_cmd = term_escape_str(cmd);
    printf("keys: no %s at %s; none created: stdin is not a terminal, and the key's passphrase "
           "needs you (--yes does not change that). Create it with\n  %s\nand run ags setup "
           "again\n", run_key_role_info(role)->label, shown_path, shown_cmd);
}

/* Makes the key; 0, or an exit status after saying why not. */
static int create(enum run_key_role role, const char *path)
{
    _cleanup_free_ char *shown = term_escape_str(path);
    printf("keys: making the %s %s with ssh-keygen (Ed25519; choose a passphrase: ags asks "
           "for it when a run first needs the key)\n", run_key_role_info(role)->label, shown);
    (void)fflush(stdout);
    struct ags_error err = {0};
    if (run_setup_key_create(role, path, getenv("PATH"), &err) < 0) {
        cli_error("keys: %s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    return AGS_EXIT_OK;
}

/* One key: made, told about, or judged (*f: what is there afterwards). */
static int one_key(const struct ags_config *cfg, enum run_key_role role, bool stdin_tty,
                   struct ssh_keyfile_facts *f, bool *made)
{
    const char *path = run_key_path(cfg, role)->v;
    ssh_keyfile_gather(path, run_key_role_info(role)->purpose, f);
    enum ssh_key_verdict v = ssh_keyfile_verdict(f);
    switch (run_setup_key_action(v, stdin_tty)) {
    case RUN_SETUP_KEY_READY:
        return AGS_EXIT_OK;
    case RUN_SETUP_KEY_TELL:
        say_no_terminal(role, path);
        return AGS_EXIT_OK;
    case RUN_SETUP_KEY_CREATE: {
        int rc = create(role, path);
        if (rc != AGS_EXIT_OK)
            return rc;
        *made = true;
        ssh_keyfile_facts_done(f);
        ssh_keyfile_gather(path, run_key_role_info(role)->purpose, f);
        v = ssh_keyfile_verdict(f);
        if (v == SSH_KEY_OK)
            return AGS_EXIT_OK;
        break;
    }
    case RUN_SETUP_KEY_PROBLEM:
    default:
        break;
    }
    say_problem(role, path, f, v);
    return AGS_EXIT_FAILURE;
}

static void show_public_key(enum run_key_role role, const char *path,
                            const struct ssh_keyfile_facts *f)
{
    const struct run_key_role_info *info = run_key_role_info(role);
    _cleanup_free_ char *pub = xasprintf("%s.pub", path);
    _cleanup_free_ char *shown_pub = term_escape_str(pub);
    _cleanup_free_ char *shown_line = term_escape_str(f->pub.line);
    printf("  %s %s: %s\n    %s\n", info->label, shown_pub, info->use, shown_line);
}

int cli_setup_keys(const struct ags_config *cfg, bool *made, bool *signing_ready)
{
    bool stdin_tty = isatty(STDIN_FILENO);
    struct ssh_keyfile_facts f[RUN_KEY_ROLES];
    bool ready[RUN_KEY_ROLES];
    int rc = AGS_EXIT_OK;
    for (int r = 0; r < RUN_KEY_ROLES; r++) {
        int one = one_key(cfg, (enum run_key_role)r, stdin_tty, &f[r], made);
        ready[r] = ssh_keyfile_verdict(&f[r]) == SSH_KEY_OK;
        rc = rc != AGS_EXIT_OK ? rc : one;
    }
    *signing_ready = ready[RUN_KEY_SIGNING];
    if (ready[RUN_KEY_AUTH] || ready[RUN_KEY_SIGNING])
        printf("keys: your public keys (only these enter the sandbox, never the private "
               "keys):\n");
    for (int r = 0; r < RUN_KEY_ROLES; r++) {
        if (ready[r])
            show_public_key((enum run_key_role)r, run_key_path(cfg, (enum run_key_role)r)->v,
                            &f[r]);
        ssh_keyfile_facts_done(&f[r]);
    }
    return rc;
}
