/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor section "Keys": the agent's ssh keys and commit signing, pure
 * verdicts from gathered facts (the messages and fixes are setup's too). */
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

void doctor_check_keys(const struct doctor_facts *f, struct doctor_report *r)
{
    for (int role = 0; role < RUN_KEY_ROLES; role++)
        check_key(&f->keys[role], (enum run_key_role)role, r);
    check_signing(&f->files, r);
}
