/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The host both backend mapping tests (test-backend-spec.c, test-bwrap-args.c)
 * plan for: $HOME /home/u, the workspace /work/repo, two data directories
 * that exist, TERM set in the environment the run passes through.
 */

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "config/config.h"

static const char *fake_env(const char *name)
{
    return strcmp(name, "HOME") == 0 ? "/home/u" : NULL;
}

/* The host environment the run passes through: TERM is set, the rest is not. */
static const char *host_env(const char *name)
{
    return strcmp(name, "TERM") == 0 ? "xterm-256color" : NULL;
}

static const struct cfg_host cfg_host = {.home = "/home/u", .cwd = "/work/repo", .getenv = fake_env};

static bool fake_exists(const char *path, bool *is_dir)
{
    static const char *const dirs[] = {"/work/repo", "/data/ro", "/data/rw", NULL};
    for (size_t i = 0; dirs[i]; i++)
        if (strcmp(path, dirs[i]) == 0) {
            *is_dir = true;
            return true;
        }
    return false;
}
