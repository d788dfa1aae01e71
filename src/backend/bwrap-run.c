/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Not built yet: issue 17 replaces these. */
#include <errno.h>

#include "backend/bwrap.h"
#include "base/banned.h"

int bwrap_sweep(struct backend *b, size_t *ret_removed, struct ags_error *err)
{
    (void)b;
    (void)ret_removed;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_sweep)");
}

int bwrap_secrets_create(struct backend *b, const struct ags_plan *p, const struct backend_secret_value *values, size_t n, struct ags_error *err)
{
    (void)b;
    (void)p;
    (void)values;
    (void)n;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_secrets_create)");
}

int bwrap_secrets_remove(struct backend *b, struct ags_error *err)
{
    (void)b;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_secrets_remove)");
}

int bwrap_create(struct backend *b, const struct ags_plan *p, bool tty, char **ret_id, struct ags_error *err)
{
    (void)b;
    (void)p;
    (void)tty;
    (void)ret_id;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_create)");
}

int bwrap_start_attached(struct backend *b, const char *id, const struct backend_io *io, int *ret_exit, struct ags_error *err)
{
    (void)b;
    (void)id;
    (void)io;
    (void)ret_exit;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_start_attached)");
}

int bwrap_remove(struct backend *b, const char *id, struct ags_error *err)
{
    (void)b;
    (void)id;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_remove)");
}

int bwrap_engine_info(struct backend *b, struct backend_engine_info *ret, struct ags_error *err)
{
    (void)b;
    (void)ret;
    (void)err;
    return ags_error_set(err, -ENOTSUP, "the bubblewrap backend cannot do this yet (bwrap_engine_info)");
}
