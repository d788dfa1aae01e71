/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor section "Keys": the agent's ssh keys and commit signing, pure
 * verdicts from gathered facts (the messages and fixes are setup's too). */
#include <errno.h>
#include <stdlib.h>

#include "base/alloc.h"
#include "plan/plan.h"
#include "run/doctor.h"
#include "base/banned.h"

#define S_KEYS "Keys"

static void check_key(const struct doctor_key_facts *k, enum run_key_role role,
                      struct doctor_report *r)
{
    const struct run_key_role_info *info = run_key_role_info(role);
    if (!k->path) {
        doctor_add(r, S_KEYS, info->id, DOCTOR_WARN, "set it in your config",
                   "%s: %s is not set", info->label, info->config_key);
        return;
    }
    enum ssh_key_verdict v = ssh_keyfile_verdict(&k->files);
    if (v == SSH_KEY_OK) {
        doctor_add(r, S_KEYS, info->id, DOCTOR_OK, NULL, "%s %s (%s%s), its .pub mounted "
                   "read-only at %s", info->label, k->path,
                   ssh_key_kind_name(ssh_keyfile_kind(&k->files)),
                   k->files.key.encrypted ? ", passphrase-protected" : "", info->container_pub);
        return;
    }
    _cleanup_free_ char *msg = NULL, *fix = NULL;
    run_key_problem(role, k->path, &k->files, v, &msg, &fix);
    /* Missing is the state before setup; anything else is a key that
     * cannot work as configured. */
    doctor_add(r, S_KEYS, info->id, v == SSH_KEY_MISSING ? DOCTOR_WARN : DOCTOR_FAIL, fix, "%s",
               msg);
}

#define SIGNING_FIX(path)                                                                     \
    "git config -f " path " gpg.format ssh && git config -f " path " user.signingkey "        \
    PLAN_SIGNING_PUB " && git config -f " path " commit.gpgsign true"

static void check_signing(const struct doctor_file_facts *fl, struct doctor_report *r)
{
    const struct run_gitconfig_signing *s = &fl->gitconfig_signing;
    if (fl->gitconfig_r != 0) /* the gitconfig check says why */
        return;
    if (!run_gitconfig_signing_complete(s)) {
        _cleanup_free_ char *fix = s->managed ? xstrdup("ags setup (once the signing key is "
                                                        "usable)")
                                              : xasprintf(SIGNING_FIX("%s"), fl->gitconfig,
                                                          fl->gitconfig, fl->gitconfig);
        doctor_add(r, S_KEYS, "gitconfig-signing", DOCTOR_WARN, fix,
                   "agent gitconfig %s lacks commit signing (gpg.format, user.signingkey, "
                   "commit.gpgsign): the agent's commits are not signed", fl->gitconfig);
    } else if (!s->format_ssh || !s->gpgsign_on) {
        _cleanup_free_ char *fix = xasprintf("git config -f %s gpg.format ssh && git config -f "
                                             "%s commit.gpgsign true", fl->gitconfig,
                                             fl->gitconfig);
        doctor_add(r, S_KEYS, "gitconfig-signing", DOCTOR_WARN, fix,
                   "agent gitconfig %s turns ssh commit signing off (gpg.format is not ssh, or "
                   "commit.gpgsign is false)", fl->gitconfig);
    } else if (!s->signingkey_ours) {
        _cleanup_free_ char *fix = xasprintf("git config -f %s user.signingkey %s",
                                             fl->gitconfig, PLAN_SIGNING_PUB);
        doctor_add(r, S_KEYS, "gitconfig-signing", DOCTOR_WARN, fix,
                   "agent gitconfig %s names another user.signingkey than %s: git in the "
                   "sandbox cannot sign with it", fl->gitconfig, PLAN_SIGNING_PUB);
    } else {
        doctor_add(r, S_KEYS, "gitconfig-signing", DOCTOR_OK, NULL,
                   "agent gitconfig signs commits with %s", PLAN_SIGNING_PUB);
    }
}

static void check_agent_holds(const struct doctor_facts *f, enum run_key_role role,
                              struct doctor_report *r)
{
    const struct doctor_key_facts *k = &f->keys[role];
    const struct run_key_role_info *info = run_key_role_info(role);
    if (!k->path || k->files.pub_parse_r != 0)
        return; /* the key's own check says why */
    const char *agent = f->ssh_agent.own ? "ags's ssh agent" : "your ssh agent";
    _cleanup_free_ char *id = xasprintf("ssh-agent-%s", info->id);
    if (ssh_agent_keys_have(&f->ssh_agent.keys, &k->files.pub)) {
        doctor_add(r, S_KEYS, id, DOCTOR_OK, NULL, "%s is loaded in %s", info->label, agent);
        return;
    }
    _cleanup_free_ char *fix = xasprintf("SSH_AUTH_SOCK=%s ssh-add %s", f->ssh_agent.path, k->path);
    doctor_add(r, S_KEYS, id, DOCTOR_WARN, fix,
               "%s is not loaded in %s: a run on a terminal loads it (ssh-add asks for its "
               "passphrase), a run without one cannot use it", info->label, agent);
}

/* The real agent behind the sandbox's filtered one (run/ssh.c). */
static void check_agent(const struct doctor_facts *f, struct doctor_report *r)
{
    const struct run_ssh_agent_probe *a = &f->ssh_agent;
    if (!f->have_ssh_agent)
        return;
    if (a->user_error)
        doctor_add(r, S_KEYS, "ssh-agent-user", DOCTOR_WARN,
                   "start your ssh agent, or unset SSH_AUTH_SOCK to use ags's own",
                   "%s: runs use ags's own agent instead", a->user_error);
    if (a->r < 0 && (!a->path || a->r == -EPERM)) {
        doctor_add(r, S_KEYS, "ssh-agent", DOCTOR_FAIL,
                   a->path ? "remove it (ags starts its own agent there)"
                   : a->r == -EPERM ? "chmod 0700 the cache directory, or set XDG_RUNTIME_DIR"
                                    : "set XDG_RUNTIME_DIR or an absolute [sandbox] cache_dir",
                   "%s", a->error);
        return;
    }
    if (a->r < 0) {
        doctor_add(r, S_KEYS, "ssh-agent", DOCTOR_OK, NULL,
                   "no ssh agent runs yet: a run starts ags's own at %s and loads the keys",
                   a->path);
        return;
    }
    doctor_add(r, S_KEYS, "ssh-agent", DOCTOR_OK, NULL, "%s at %s answers (%zu keys; the "
               "sandbox sees only the configured ones)",
               a->own ? "ags's ssh agent" : "your ssh agent", a->path, a->keys.n);
    for (int role = 0; role < RUN_KEY_ROLES; role++)
        check_agent_holds(f, (enum run_key_role)role, r);
}

void doctor_check_keys(const struct doctor_facts *f, struct doctor_report *r)
{
    for (int role = 0; role < RUN_KEY_ROLES; role++)
        check_key(&f->keys[role], (enum run_key_role)role, r);
    check_agent(f, r);
    check_signing(&f->files, r);
}
