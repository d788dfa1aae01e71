/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags update-image [--keep-existing] [--base IMAGE] [--local-base] [--config FILE]:
 * builds the sandbox image anew (run_update_image) and says how it went. */
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
        "[--config FILE]";

struct update_image_flags {
    const char *base;
    const char *config_path;
    bool keep_existing, local_base, help;
};

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
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--keep-existing") == 0) {
            f->keep_existing = true;
        } else if (strcmp(a, "--local-base") == 0) {
            f->local_base = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            f->help = true;
        } else if ((strcmp(a, "--base") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc &&
                   argv[i + 1][0]) {
            *(a[2] == 'b' ? &f->base : &f->config_path) = argv[++i];
        } else if (strncmp(a, "--base=", 7) == 0 && a[7]) {
            f->base = a + 7;
        } else if (strncmp(a, "--config=", 9) == 0 && a[9]) {
            f->config_path = a + 9;
        } else {
            cli_error("unexpected argument '%s'\n%s", a, update_image_usage);
            return AGS_EXIT_USAGE;
        }
    }
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
    _cleanup_config_ struct ags_config *cfg = NULL;
    rc = cli_load_config(&h, f.config_path, false, &cfg); /* the image is every repo's */
    cli_host_done(&h);
    if (rc != 0)
        return rc;
    return cli_update_image(cfg, f.base, f.local_base, f.keep_existing);
}

const struct ags_command cmd_update_image = {
    .name = "update-image",
    .summary = "rebuild the sandbox image",
    .args = "[--keep-existing] [--base IMAGE] [--local-base] [--config FILE]",
    .hidden = false,
    .run = update_image_run,
};
