/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's ssh keys: their roles, and what to say about a broken one. */
#include "run/keys.h"

#include <stdlib.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "plan/plan.h"
#include "base/banned.h"

static const struct run_key_role_info roles[RUN_KEY_ROLES] = {
    [RUN_KEY_AUTH] = {
        .label = "auth key",
        .id = "key-auth",
        .comment = "ags-agent-auth",
        .config_key = "sandbox.auth_key",
        .purpose = SSH_KEY_AUTH,
        .container_pub = PLAN_AUTH_PUB,
        .use = "add it to your forge's SSH keys (GitHub: Settings > SSH and GPG keys > New SSH "
               "key, type Authentication Key) so the agent can fetch and push",
    },
    [RUN_KEY_SIGNING] = {
        .label = "signing key",
        .id = "key-signing",
        .comment = "ags-agent-signing",
        .config_key = "sandbox.sign_key",
        .purpose = SSH_KEY_SIGN,
        .container_pub = PLAN_SIGNING_PUB,
        .use = "add it to your forge's signing keys (GitHub: Settings > SSH and GPG keys > New "
               "SSH key, type Signing Key) so the agent's commits show as verified",
    },
};

const struct run_key_role_info *run_key_role_info(enum run_key_role r)
{
    return &roles[r];
}

const struct cfg_str *run_key_path(const struct ags_config *cfg, enum run_key_role r)
{
    return r == RUN_KEY_AUTH ? &cfg->sandbox.auth_key : &cfg->sandbox.sign_key;
}

/* s quoted for a shell (owned). */
static char *quoted(const char *s)
{
    struct strbuf sb;
    strbuf_init(&sb, 16384);
    if (plan_shell_quote(&sb, s) < 0) {
        strbuf_done(&sb);
        return xstrdup("PATH");
    }
    return strbuf_steal(&sb);
}

char *run_keygen_command(enum run_key_role r, const char *path)
{
    _cleanup_free_ char *q = quoted(path);
    return xasprintf("ssh-keygen -t ed25519 -a 64 -f %s -C %s", q, roles[r].comment);
}

void run_key_problem(enum run_key_role r, const char *path, const struct ssh_keyfile_facts *f,
                     enum ssh_key_verdict v, char **ret_msg, char **ret_fix)
{
    const char *label = roles[r].label;
    const char *why = f->error ? f->error : "unknown reason";
    _cleanup_free_ char *q = quoted(path);
    _cleanup_free_ char *pub = xasprintf("%s.pub", path);
    _cleanup_free_ char *qpub = quoted(pub);
    _cleanup_free_ char *keygen = run_keygen_command(r, path);
    /* The public half again from the private key (it asks the passphrase). */
    _cleanup_free_ char *derive = xasprintf("ssh-keygen -y -f %s > %s", q, qpub);
    char *msg = NULL, *fix = NULL;
    switch (v) {
    case SSH_KEY_OK:
        msg = xasprintf("%s %s is usable", label, path);
        break;
    case SSH_KEY_MISSING:
        msg = xasprintf("no %s at %s: the agent has no key to %s with", label, path,
                        r == RUN_KEY_AUTH ? "authenticate" : "sign commits");
        fix = xasprintf("ags setup (on a terminal), or: %s", keygen);
        break;
    case SSH_KEY_PUB_ONLY:
        msg = xasprintf("%s is there but its private key %s is not", pub, path);
        fix = xasprintf("mv %s %s.old && ags setup", qpub, qpub);
        break;
    case SSH_KEY_UNREADABLE:
        msg = xasprintf("%s cannot be read: %s", label, why);
        fix = xasprintf("ls -l %s %s (each must be a regular file you can read)", q, qpub);
        break;
    case SSH_KEY_EMPTY:
        msg = xasprintf("%s %s is empty", label, path);
        fix = xasprintf("rm -f %s %s && ags setup", q, qpub);
        break;
    case SSH_KEY_NOT_A_KEY:
        msg = xasprintf("%s %s is not a private key ssh-keygen writes (%s)", label, path, why);
        fix = xasprintf("mv %s %s.old && ags setup (or set %s to your key)", q, q,
                        roles[r].config_key);
        break;
    case SSH_KEY_PUB_MISSING:
        msg = xasprintf("%s has no %s: the sandbox gets only public keys, so none is mounted",
                        path, pub);
        fix = xstrdup(derive);
        break;
    case SSH_KEY_PUB_EMPTY:
        msg = xasprintf("%s is empty", pub);
        fix = xstrdup(derive);
        break;
    case SSH_KEY_PUB_INVALID:
        msg = xasprintf("%s is not a public key (%s)", pub, why);
        fix = xstrdup(derive);
        break;
    case SSH_KEY_MISMATCH:
        msg = xasprintf("%s is not the public half of %s (another key)", pub, path);
        fix = xstrdup(derive);
        break;
    case SSH_KEY_TYPE_REFUSED:
    default:
        msg = xasprintf("%s %s is a%s %s key: ags takes only Ed25519 or ECDSA keys (libssh2 1.10 "
                        "has no rsa-sha2 signatures, and current OpenSSH refuses ssh-rsa ones)",
                        label, path, ssh_keyfile_kind(f) == SSH_KEY_RSA ? "n" : "",
                        ssh_key_kind_name(ssh_keyfile_kind(f)));
        fix = xasprintf("mv %s %s.old; mv %s %s.old; ags setup (it makes an Ed25519 key)", q, q,
                        qpub, qpub);
        break;
    }
    *ret_msg = msg;
    *ret_fix = fix;
}
