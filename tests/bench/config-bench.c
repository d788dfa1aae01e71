/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * In-process timing of config loading for tools/bench-config.py:
 *   config-bench FILE N   -> prints the median milliseconds of N runs of
 *   toml-only parsing and of full config decoding (parse + validate + merge).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fileio.h"
#include "base/limits.h"
#include "base/parse-util.h"
#include "config/config.h"
#include "toml/toml.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *bench_env(const char *name)
{
    return strcmp(name, "HOME") == 0 ? "/home/bench" : NULL;
}

int main(int argc, char **argv)
{
    uint32_t n;
    if (argc != 3 || parse_u32(argv[2], &n) < 0 || n == 0) {
        fprintf(stderr, "usage: config-bench FILE N\n");
        return 2;
    }
    char *buf;
    size_t len;
    struct ags_error err;
    if (read_file_bounded(argv[1], AGS_TOML_MAX_FILE_SIZE, &buf, &len, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double *parse = calloc(n, sizeof(double)), *full = calloc(n, sizeof(double));
    struct cfg_host host = {.home = "/home/bench", .cwd = "/", .getenv = bench_env};
    for (uint32_t i = 0; i < n; i++) {
        double t0 = now_ms();
        struct toml_value *root = NULL;
        if (toml_parse(buf, len, argv[1], TOML_1_1, &root, &err) < 0) {
            fprintf(stderr, "%s\n", err.msg);
            return 1;
        }
        parse[i] = now_ms() - t0;
        toml_free(root);
        t0 = now_ms();
        struct ags_config *cfg = NULL;
        struct cfg_diag diag = {0};
        if (config_load_buffer(&host, buf, len, argv[1], false, &cfg, &diag) < 0) {
            fprintf(stderr, "%s\n", diag.n_errors ? diag.errors[0] : "config error");
            return 1;
        }
        full[i] = now_ms() - t0;
        config_free(cfg);
        cfg_diag_done(&diag);
    }
    qsort(parse, n, sizeof(double), cmp_double);
    qsort(full, n, sizeof(double), cmp_double);
    printf("toml_parse_ms %.3f\nconfig_load_ms %.3f\n", parse[n / 2], full[n / 2]);
    free(parse);
    free(full);
    free(buf);
    return 0;
}
