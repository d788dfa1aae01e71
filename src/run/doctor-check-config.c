/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Doctor sections "Config" and "Secrets": pure verdicts from gathered facts. */
#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "run/doctor.h"
#include "base/banned.h"

#define S_CONFIG  "Config"
#define S_SECRETS "Secrets"

static void check_loaded(const struct doctor_config_facts *c, struct doctor_report *r)
{
    const char *path = c->path ? c->path : "the config";
    if (c->missing) {
        doctor_add(r, S_CONFIG, "config", DOCTOR_OK, NULL, "no config at %s yet: the built-in "
                   "default applies (a run or ags setup writes it)", path);
        return;
    }
    if (c->loaded) {
        doctor_add(r, S_CONFIG, "config", DOCTOR_OK, NULL, "config %s is valid", path);
        return;
    }
    _cleanup_free_ char *fix = xasprintf("edit %s at the place named (`ags config show` "
                                         "prints what is in effect)", path);
    for (size_t i = 0; i < c->n_errors; i++)
        doctor_add(r, S_CONFIG, "config", DOCTOR_FAIL, fix, "%s", c->errors[i]);
    if (c->n_errors == 0)
        doctor_add(r, S_CONFIG, "config", DOCTOR_FAIL, fix, "config %s cannot be loaded", path);
}

static void check_overlay(const struct doctor_config_facts *c, struct doctor_report *r)
{
    switch (c->overlay) {
    case DOCTOR_OVERLAY_NONE:
        doctor_add(r, S_CONFIG, "overlay", DOCTOR_OK, NULL, "no repo overlay here");
        break;
    case DOCTOR_OVERLAY_TRUSTED:
        doctor_add(r, S_CONFIG, "overlay", DOCTOR_OK, NULL, "repo overlay %s is trusted",
                   c->overlay_path);
        break;
    case DOCTOR_OVERLAY_UNTRUSTED:
        doctor_add(r, S_CONFIG, "overlay", DOCTOR_WARN,
                   "run ags in this repository and review it (it asks on a terminal)",
                   "repo overlay %s is not trusted (new or changed): runs ignore it until "
                   "you review it", c->overlay_path);
        break;
    }
}

static void check_assets(const struct doctor_file_facts *fl, struct doctor_report *r)
{
    if (!fl->missing_assets || !fl->missing_assets[0]) {
        doctor_add(r, S_CONFIG, "guard-assets", DOCTOR_OK, NULL, "guard assets in %s",
                   fl->assets_dir);
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb, 8192);
    for (size_t i = 0; fl->missing_assets[i]; i++)
        if (strbuf_appendf(&sb, "%s%s", i ? ", " : "", fl->missing_assets[i]) < 0)
            break; /* the list is cut; the first names say enough */
    doctor_add(r, S_CONFIG, "guard-assets", DOCTOR_FAIL,
               "reinstall ags (cmake --install build) so agent-assets/ is complete",
               "guard assets missing in %s: %s", fl->assets_dir, sb.buf ? sb.buf : "");
    strbuf_done(&sb);
}

static void check_gitconfig(const struct doctor_file_facts *fl, struct doctor_report *r)
{
    const char *g = fl->gitconfig ? fl->gitconfig : "(no [sandbox] gitconfig_path)";
    if (fl->gitconfig_r == 0 && fl->gitconfig_identity)
        doctor_add(r, S_CONFIG, "gitconfig", DOCTOR_OK, NULL, "agent gitconfig %s", g);
    else if (fl->gitconfig_r == 0)
        doctor_add(r, S_CONFIG, "gitconfig", DOCTOR_WARN, "git config -f <that file> user.name "
                   "'Your Name' and user.email you@example.org",
                   "agent gitconfig %s names no user.name and user.email: commits in the "
                   "sandbox have no author", g);
    else if (fl->gitconfig_r == -ENOENT)
        doctor_add(r, S_CONFIG, "gitconfig", DOCTOR_WARN, "ags setup",
                   "no agent gitconfig at %s: the sandbox has no git identity", g);
    else if (fl->gitconfig_r == -ELOOP)
        doctor_add(r, S_CONFIG, "gitconfig", DOCTOR_WARN, "replace the link with a file: ags setup",
                   "agent gitconfig %s is a symlink; ags mounts only a regular file", g);
    else
        doctor_add(r, S_CONFIG, "gitconfig", DOCTOR_WARN, "ags setup",
                   "agent gitconfig %s cannot be read: %s", g, strerror(-fl->gitconfig_r));
}

void doctor_check_config(const struct doctor_facts *f, struct doctor_report *r)
{
    check_loaded(&f->config, r);
    check_overlay(&f->config, r);
    check_assets(&f->files, r);
    check_gitconfig(&f->files, r);
}

static void check_keyring(const struct doctor_secret_facts *s, struct doctor_report *r)
{
    const char *why = s->keyring_error ? s->keyring_error : "no answer";
    if (s->n_keyring_users == 0)
        doctor_add(r, S_SECRETS, "keyring", DOCTOR_OK, NULL,
                   "no secret uses the desktop keyring (not asked)");
    else if (s->keyring_r == 0)
        doctor_add(r, S_SECRETS, "keyring", DOCTOR_OK, NULL, "desktop keyring reachable");
    else
        doctor_add(r, S_SECRETS, "keyring", DOCTOR_WARN,
                   "unlock your desktop keyring (gnome-keyring-daemon), or give those secrets "
                   "from_env",
                   "desktop keyring not reachable (%s): %zu secret source%s use%s it", why,
                   s->n_keyring_users, s->n_keyring_users == 1 ? "" : "s",
                   s->n_keyring_users == 1 ? "s" : "");
}

static void check_one_secret(const struct secret_check *c, bool helpers_run,
                             struct doctor_report *r)
{
    _cleanup_free_ char *id = xasprintf("secret-%s", c->env);
    if (c->state == SECRET_CHECK_RESOLVED) {
        doctor_add(r, S_SECRETS, id, DOCTOR_OK, NULL, "%s from %s", c->env, c->source);
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb, 4096);
    for (size_t i = 0; i < c->n_notes; i++)
        if (strbuf_appendf(&sb, "%s%s", i ? "; " : "", c->notes[i]) < 0)
            break; /* cut: the first reasons say enough */
    const char *notes = sb.buf && sb.buf[0] ? sb.buf : "no source configured";
    if (c->helper_skipped && !helpers_run)
        doctor_add(r, S_SECRETS, id, DOCTOR_OK, NULL, "%s: only its helper command can tell "
                   "(not run: `ags doctor --check-secrets` runs it): %s", c->env, notes);
    else
        doctor_add(r, S_SECRETS, id, DOCTOR_WARN, "set the variable it names, or store it in "
                   "the keyring: ags setup", "%s resolves from no source: %s", c->env, notes);
    strbuf_done(&sb);
}

void doctor_check_secrets(const struct doctor_facts *f, struct doctor_report *r)
{
    const struct doctor_secret_facts *s = &f->secrets;
    check_keyring(s, r);
    if (!f->have_secrets)
        return;
    if (s->n_checks == 0)
        doctor_add(r, S_SECRETS, "secrets", DOCTOR_OK, NULL, "no secrets configured");
    for (size_t i = 0; i < s->n_checks; i++)
        check_one_secret(&s->checks[i], s->checked_helpers, r);
}
