/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags doctor [--config FILE] [--json] [--check-secrets]: what is wrong with
 * this host, config, image, agents and secrets, each WARN and FAIL with the
 * command that fixes it (run/doctor*.c).  Exit 1 iff a check failed.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/config-load.h"
#include "run/doctor.h"
#include "base/banned.h"

#define USAGE "usage: ags doctor [--config FILE] [--json] [--check-secrets]"

struct doctor_args {
    const char *config_path;
    bool json, check_secrets, help;
};

static int parse_args(int argc, char **argv, struct doctor_args *a)
{
    *a = (struct doctor_args){0};
    for (int i = 1; i < argc; i++) {
        int c = 0;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            a->help = true;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->json = true;
        } else if (strcmp(argv[i], "--check-secrets") == 0) {
            a->check_secrets = true;
        } else if ((c = cli_config_flag(argc, argv, &i, USAGE, &a->config_path)) != 0) {
            if (c == AGS_EXIT_USAGE)
                return c;
        } else {
            cli_error("unexpected argument '%s'\n" USAGE, argv[i]);
            return AGS_EXIT_USAGE;
        }
    }
    return 0;
}

static int doctor_run(int argc, char **argv)
{
    struct doctor_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc || a.help) {
        if (a.help)
            printf("%s\n", USAGE);
        return rc;
    }
    struct cli_host ch;
    cli_host_init(&ch);
    const struct run_doctor_opts o = {
        .host = &ch.host,
        .config_path = a.config_path,
        .check_secrets = a.check_secrets,
    };
    struct doctor_report report = {0};
    struct ags_error err = {0};
    int r = run_doctor(&o, &report, &err);
    cli_host_done(&ch);
    if (r < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_USAGE;
    }
    _cleanup_free_ char *out = a.json ? doctor_report_json(&report) : doctor_report_text(&report);
    (void)fputs(out, stdout);
    rc = report.n_fail ? AGS_EXIT_FAILURE : AGS_EXIT_OK;
    doctor_report_free(&report);
    return rc;
}

const struct ags_command cmd_doctor = {
    .name = "doctor",
    .summary = "check the host, config, image, agents and secrets",
    .args = "[--config FILE] [--json] [--check-secrets]",
    .not_built = false,
    .hidden = false,
    .run = doctor_run,
};
