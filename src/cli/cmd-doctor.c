/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags doctor [--config FILE] [--json] [--check-secrets] [--connection NAME]:
 * what is wrong with this host, config, image, agents and secrets, and with
 * every other engine containers.conf names (or only the engine --connection
 * names), each WARN and FAIL with the command that fixes it (run/doctor*.c).
 * Exit 1 iff a check failed; 2 for an unknown connection name.
 */
#include <stddef.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/config-load.h"
#include "run/doctor.h"
#include "base/banned.h"

#define USAGE "usage: ags doctor [--config FILE] [--json] [--check-secrets] [--connection NAME]"

struct doctor_args {
    const char *config_path, *connection;
    bool json, check_secrets, help;
};

#define AT(field) offsetof(struct doctor_args, field)
static const struct cli_flag doctor_flags[] = {
    CLI_FLAG_HELP_AT(AT(help)),
    {"--json", NULL, CLI_VALUE_NONE, NULL, "print the report as JSON", AT(json)},
    {"--check-secrets", NULL, CLI_VALUE_NONE, NULL, "also run the secret helper commands",
     AT(check_secrets)},
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAG_CONNECTION_AT(AT(connection)),
    CLI_FLAGS_END,
};
#undef AT

static int doctor_run(int argc, char **argv)
{
    struct doctor_args a = {0};
    int rc = cli_flags_parse(doctor_flags, argc, argv, USAGE, &a);
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
        .connection = a.connection,
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
    .args = "[--config FILE] [--json] [--check-secrets] [--connection NAME]",
    .not_built = false,
    .hidden = false,
    .flags = doctor_flags,
    .run = doctor_run,
};
