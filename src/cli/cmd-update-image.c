/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags update-image [--keep-existing] [--base IMAGE] [--local-base] [--config FILE]:
 * builds the sandbox image anew (run_update_image) and says how it went. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/config-load.h"
#include "cli/maintain.h"
#include "run/run.h"
#include "base/banned.h"

static const char update_image_usage[] =
        "usage: ags update-image [--keep-existing] [--base IMAGE] [--local-base] "
        "[--config FILE] [--backend auto|podman|bwrap] [--connection NAME]";

struct update_image_flags {
    const char *base;
    const char *config_path;
    struct cli_engine_flags engine;
    bool keep_existing, local_base, help;
};

#define AT(field) offsetof(struct update_image_flags, field)
static const struct cli_flag update_image_flag_table[] = {
    {"--keep-existing", NULL, CLI_VALUE_NONE, NULL, "keep the image the tag named before",
     AT(keep_existing)},
    {"--local-base", NULL, CLI_VALUE_NONE, NULL, "build the base with mmdebstrap", AT(local_base)},
    {"--base", NULL, CLI_VALUE_WORD, NULL, "build FROM this image", AT(base)},
    CLI_FLAG_CONFIG_AT(AT(config_path)),
    CLI_FLAG_BACKEND_AT(AT(engine.backend)),
    CLI_FLAG_CONNECTION_AT(AT(engine.connection)),
    CLI_FLAG_HELP_AT(AT(help)),
    CLI_FLAGS_END,
};
#undef AT

/* Build output as it streams; each build step ("STEP 3/9: ...") is
 * prefixed with the time since the command started. */
struct step_clock {
    struct timespec t0;
    bool line_start;
};

static double elapsed(const struct step_clock *c)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - c->t0.tv_sec) + (double)(t.tv_nsec - c->t0.tv_nsec) / 1e9;
}

static void on_output(const char *text, size_t len, void *userdata)
{
    struct step_clock *c = userdata;
    for (size_t i = 0; i < len; i++) {
        if (c->line_start && len - i >= 5 && memcmp(text + i, "STEP ", 5) == 0)
            fprintf(stderr, "[%4.0fs] ", elapsed(c));
        fputc(text[i], stderr);
        c->line_start = text[i] == '\n';
    }
}

static void on_progress(const char *msg, void *userdata)
{
    fprintf(stderr, "ags: [%4.0fs] %s\n", elapsed(userdata), msg);
}

static void on_warn(const char *msg, void *userdata _unused_)
{
    cli_warning("%s", msg);
}

static int parse_flags(int argc, char **argv, struct update_image_flags *f)
{
    *f = (struct update_image_flags){0};
    int rc = cli_flags_parse(update_image_flag_table, argc, argv, update_image_usage, f);
    if (rc != 0)
        return rc;
    if (f->base && f->local_base) {
        cli_error("--base and --local-base exclude each other\n%s", update_image_usage);
        return AGS_EXIT_USAGE;
    }
    return 0;
}

static int report(const struct ags_config *cfg, const struct run_image_result *res,
                  double total)
{
    printf("built %s (%.12s) on %s in %.0f s (total %.0f s)\n", cfg->sandbox.image.v, res->id,
           res->base, res->build_seconds, total);
    if (res->previous_removed)
        printf("Removed previous image %.12s.\n", res->previous_id);
    return fflush(stdout) == 0 ? AGS_EXIT_OK : AGS_EXIT_FAILURE;
}

int cli_update_image(const struct ags_config *cfg, const char *base, bool local_base,
                     bool keep_existing)
{
    struct step_clock clock = {.line_start = true};
    clock_gettime(CLOCK_MONOTONIC, &clock.t0);
    const struct run_image_opts opts = {
        .cfg = cfg,
        .base = base,
        .local_base = local_base,
        .keep_existing = keep_existing,
        .cb = {.warn = on_warn, .progress = on_progress, .output = on_output,
               .userdata = &clock},
    };
    struct run_image_result res;
    struct ags_error err = {0};
    if (run_update_image(&opts, &res, &err) < 0) {
        cli_error("%s", err.msg);
        return AGS_EXIT_FAILURE;
    }
    int rc = report(cfg, &res, elapsed(&clock));
    run_image_result_done(&res);
    return rc;
}

static int update_image_run(int argc, char **argv)
{
    struct update_image_flags f;
    int rc = parse_flags(argc, argv, &f);
    if (rc != 0 || f.help) {
        if (f.help)
            puts(update_image_usage);
        return rc;
    }
    if (geteuid() == 0) {
        cli_error("run ags update-image as your ordinary user: the image goes into your "
                  "rootless Podman storage");
        return AGS_EXIT_USAGE;
    }
    struct cli_host h;
    cli_host_init(&h);
    h.engine = f.engine;
    _cleanup_config_ struct ags_config *cfg = NULL;
    rc = cli_load_config(&h, f.config_path, false, &cfg); /* the image is every repo's */
    cli_host_done(&h);
    _cleanup_free_ char *uri = NULL, *origin = NULL;
    if (rc == 0)
        rc = cli_engine_target(cfg, &uri, &origin);
    if (rc != 0)
        return rc;
    return cli_update_image(cfg, f.base, f.local_base, f.keep_existing);
}

const struct ags_command cmd_update_image = {
    .name = "update-image",
    .summary = "rebuild the sandbox image",
    .args = "[--keep-existing] [--base IMAGE] [--local-base] [--config FILE]",
    .hidden = false,
    .flags = update_image_flag_table,
    .run = update_image_run,
};
