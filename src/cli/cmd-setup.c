/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags setup [--yes] [--config FILE]: the first-run path.  In order: the
 * config (created when missing), the agent's ssh keys, the agent gitconfig,
 * the keyring secrets, the image and the agents, then the doctor's report.  Each step says what
 * it did or that nothing was needed, so a second run changes nothing and
 * says so.  Exit 0 when every step that ran succeeded (whatever the doctor
 * finds), 1 when one failed, 2 for bad flags or a bad config (then nothing
 * else is done).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "cli/cli.h"
#include "cli/config-load.h"
#include "cli/setup.h"
#include "plan/plan.h"
#include "base/banned.h"

#define SETUP_USAGE "usage: ags setup [--yes] [--config FILE]"

struct setup_flags {
    const char *config_path;
    bool yes, help;
};

#define AT(field) offsetof(struct setup_flags, field)
static const struct cli_flag setup_flag_table[] = {
    {"--yes", NULL, CLI_VALUE_NONE, NULL, "do every step without asking", AT(yes)},
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAGS_END,
};
#undef AT

/* Step 1: the config, created from the built-in default when the default
 * path has none (config_load does that), then loaded: only the user's own
 * file, no repo overlay (the image, agents and keyring are the user's). */
static int config_step(const struct cli_host *h, const char *path, struct ags_config **ret,
                       bool *created)
{
    _cleanup_free_ char *def = h->host.home ? config_default_path(&h->host) : NULL;
    struct stat st;
    bool existed = path || !def || lstat(def, &st) == 0;
    int rc = cli_load_config(h, path, false, ret);
    if (rc != 0)
        return rc;
    *created = !existed;
    if (*created)
        printf("config: created %s (`ags config show` prints every setting and where it comes "
               "from)\n", (*ret)->base_path);
    else
        printf("config: %s is there; nothing to do\n", (*ret)->base_path);
    return 0;
}

/* The signing lines' part of the gitconfig step's report. */
static void say_signing(const struct run_gitconfig_result *res, bool signing_ready)
{
    if (res->added[0])
        printf("gitconfig: commits in the sandbox are signed with the signing key (%s)\n",
               res->added);
    else if (!res->signing && !signing_ready)
        printf("gitconfig: no commit signing yet: the signing key is not usable (see keys: "
               "above); run ags setup again once it is\n");
}

/* Step 3: the agent gitconfig.  Returns an exit status. */
static int gitconfig_step(const struct ags_config *cfg, bool signing_ready, bool *written)
{
    const struct cfg_str *g = &cfg->sandbox.gitconfig_path;
    struct run_gitconfig_result res;
    struct ags_error err = {0};
    if (run_setup_gitconfig(cfg, run_git_config_get, signing_ready, &res, &err) < 0) {
        cli_error("gitconfig: %s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    switch (res.what) {
    case RUN_GITCONFIG_WRITTEN:
        *written = true;
        printf("gitconfig: wrote %s (0600) from your git identity; the agent commits as you\n",
               g->v);
        say_signing(&res, signing_ready);
        break;
    case RUN_GITCONFIG_ADDED:
        *written = true;
        printf("gitconfig: added %s to %s (commits in the sandbox are signed with the signing "
               "key); everything else in it is as it was\n", res.added, g->v);
        break;
    case RUN_GITCONFIG_THERE:
        printf("gitconfig: %s is there; left as is\n", g->v);
        say_signing(&res, signing_ready);
        break;
    case RUN_GITCONFIG_NOT_OURS:
        printf("gitconfig: %s is there without ags's header: yours, left as is%s\n", g->v,
               res.signing ? "" : " (for signed commits: git config -f FILE gpg.format ssh; "
                                  "user.signingkey " PLAN_SIGNING_PUB "; commit.gpgsign true)");
        break;
    case RUN_GITCONFIG_NO_IDENTITY:
        printf("gitconfig: skipped: %s; set it with\n"
               "  git config --global user.name \"Your Name\"\n"
               "  git config --global user.email you@example.com\n"
               "and run ags setup again (without it the agent's commits have no author)\n",
               err.msg);
        break;
    case RUN_GITCONFIG_USERS:
    default:
        printf("gitconfig: sandbox.gitconfig_path is %s (%s:%u:%u): yours; left as is\n",
               g->v ? g->v : "unset", g->at.file ? g->at.file : "default", g->at.line,
               g->at.col);
        break;
    }
    return AGS_EXIT_OK;
}

/* Last: the doctor's report; its verdict does not change setup's status. */
static void doctor_step(const char *config_path)
{
    (void)fflush(stdout);
    char *argv[] = {xstrdup("doctor"), config_path ? xstrdup("--config") : NULL,
                    config_path ? xstrdup(config_path) : NULL, NULL};
    (void)cmd_doctor.run(config_path ? 3 : 1, argv);
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    (void)fflush(stdout);
}

static enum run_setup_mode mode_of(bool yes)
{
    if (yes)
        return RUN_SETUP_YES;
    return isatty(STDIN_FILENO) && isatty(STDERR_FILENO) ? RUN_SETUP_ASK : RUN_SETUP_NO_TTY;
}

static int worst(int a, int b)
{
    return a != AGS_EXIT_OK ? a : b;
}

/* One line: what this run changed, or that it changed nothing (after a
 * failed step it may have changed part of that step: no such claim then). */
#define SETUP_STEPS 5

static void say_changes(const bool changed[SETUP_STEPS], int rc)
{
    static const char *const what[SETUP_STEPS] = {
            "created the config", "made ssh keys", "wrote the gitconfig", "stored secrets",
            "built the image or installed agents"};
    const char *sep = "setup: ";
    for (size_t i = 0; i < SETUP_STEPS; i++) {
        if (!changed[i])
            continue;
        printf("%s%s", sep, what[i]);
        sep = ", ";
    }
    if (strcmp(sep, ", ") == 0)
        printf("%s\n", rc == AGS_EXIT_OK ? "" : "; a step failed (see above)");
    else
        printf("%s\n", rc == AGS_EXIT_OK ? "setup: nothing was changed"
                                         : "setup: a step failed (see above)");
}

static int setup_run(int argc, char **argv)
{
    struct setup_flags f = {0};
    int rc = cli_flags_parse(setup_flag_table, argc, argv, SETUP_USAGE, &f);
    if (rc != 0 || f.help) {
        if (f.help)
            puts(SETUP_USAGE);
        return rc;
    }
    struct cli_host h;
    cli_host_init(&h);
    _cleanup_config_ struct ags_config *cfg = NULL;
    bool created = false, keys = false, signing = false, written = false, stored = false,
         engine = false;
    rc = config_step(&h, f.config_path, &cfg, &created);
    if (rc == 0) {
        rc = cli_setup_keys(cfg, &keys, &signing);
        rc = worst(rc, gitconfig_step(cfg, signing, &written));
        rc = worst(rc, cli_setup_secrets(cfg, &stored));
        rc = worst(rc, cli_setup_engine(cfg, &h.host, mode_of(f.yes), &engine));
        say_changes((const bool[]){created, keys, written, stored, engine}, rc);
        doctor_step(f.config_path);
    }
    cli_host_done(&h);
    return rc;
}

const struct ags_command cmd_setup = {
    .name = "setup",
    .summary = "first run: config, ssh keys, agent gitconfig, keyring secrets, image and agents",
    .args = "[--yes] [--config FILE]",
    .hidden = false,
    .flags = setup_flag_table,
    .run = setup_run,
};
