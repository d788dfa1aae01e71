/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What `ags setup` finds and offers: the sandbox image's state (its context
 * label against the digest a build now would carry) and which agents are
 * installed (the program update-agents puts into the agent's volume), then
 * what to do about each given how questions can be answered.
 */
#include "run/setup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/sha256.h"
#include "base/strv.h"
#include "run/internal.h"
#include "base/banned.h"

static const char *label_value(const char *const *labels, const char *key)
{
    size_t n = strlen(key);
    for (size_t i = 0; labels && labels[i]; i++)
        if (strncmp(labels[i], key, n) == 0 && labels[i][n] == '=')
            return labels[i] + n + 1;
    return NULL;
}

enum run_setup_image run_setup_image_state(bool exists, const char *const *labels,
                                           const char *expected_digest)
{
    if (!exists)
        return RUN_SETUP_IMAGE_MISSING;
    const char *have = label_value(labels, RUN_IMAGE_LABEL_CONTEXT);
    if (!have)
        return RUN_SETUP_IMAGE_FOREIGN;
    return strcmp(have, expected_digest) == 0 ? RUN_SETUP_IMAGE_CURRENT
                                              : RUN_SETUP_IMAGE_OUTDATED;
}

static int look_image(struct backend *b, const struct ags_config *cfg,
                      enum run_setup_image *ret, struct ags_error *err)
{
    struct backend_image_info info = {0};
    int r = b->ops->image_info(b, cfg->sandbox.image.v, &info, err);
    _cleanup_strv_free_ char **labels = info.labels;
    if (r == -ENOENT) {
        *ret = RUN_SETUP_IMAGE_MISSING;
        return 0;
    }
    if (r < 0)
        return r;
    char expected[SHA256_HEX_SIZE];
    r = run_image_expected_digest(cfg, expected, err);
    if (r < 0)
        return ags_error_prefix(err, "the digest of the image's build context");
    *ret = run_setup_image_state(true, (const char *const *)labels, expected);
    return 0;
}

/* Is there something named rel (a file or a symlink, not followed) below dir?
 * Any component of rel that is a symlink or missing: no. */
static bool present_below(const char *dir, const char *rel)
{
    _cleanup_close_ int top = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (top < 0)
        return false;
    const char *slash = strrchr(rel, '/');
    _cleanup_free_ char *parent = slash ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup("");
    const char *name = slash ? slash + 1 : rel;
    _cleanup_close_ int fd = -EBADF;
    if (!name[0] || open_dir_below(top, dir, parent, 0, false, &fd, NULL) < 0)
        return false;
    struct stat st;
    return fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
           (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode));
}

static int look_agent(struct backend *b, enum plan_agent a, bool *ret, struct ags_error *err)
{
    *ret = false;
    const char *command = run_update_command(a);
    _cleanup_free_ char *volume = NULL;
    const char *rel = NULL;
    if (!command || plan_agent_volume_of(a, command, &volume, &rel) < 0)
        return ags_error_set(err, -EINVAL, "no volume of %s holds %s", plan_agent_name(a),
                             command ? command : "its program");
    _cleanup_free_ char *path = NULL;
    int r = b->ops->volume_path(b, volume, &path, err);
    if (r == -ENOENT)
        return 0;
    if (r < 0)
        return r;
    *ret = present_below(path, rel);
    return 0;
}

int run_setup_look(const struct run_setup_request *req, struct run_setup_facts *ret,
                   struct ags_error *err)
{
    *ret = (struct run_setup_facts){0};
    struct backend_open_opts bo;
    run_backend_open_opts(req->cfg, req->getenv, &req->cb, NULL, &bo);
    run_open_backend_fn *open_fn = req->open_backend ? req->open_backend : backend_open;
    _cleanup_backend_ struct backend *b = NULL;
    int r = open_fn(&bo, &b, err);
    if (r == 0)
        r = look_image(b, req->cfg, &ret->image, err);
    for (size_t i = 0; r == 0 && i < RUN_UPDATE_N_AGENTS; i++) {
        enum plan_agent a = run_update_agents[i];
        r = look_agent(b, a, &ret->installed[a], err);
    }
    return r;
}

static enum run_setup_action needed(enum run_setup_mode m)
{
    switch (m) {
    case RUN_SETUP_YES:
        return RUN_SETUP_DO;
    case RUN_SETUP_ASK:
        return RUN_SETUP_ASK_USER;
    case RUN_SETUP_NO_TTY:
    default:
        return RUN_SETUP_SKIP;
    }
}

enum run_setup_action run_setup_image_action(const struct run_setup_facts *f,
                                             enum run_setup_mode m)
{
    bool build = f->image == RUN_SETUP_IMAGE_MISSING || f->image == RUN_SETUP_IMAGE_OUTDATED;
    return build ? needed(m) : RUN_SETUP_NOTHING;
}

size_t run_setup_missing_agents(const struct run_setup_facts *f,
                                enum plan_agent out[RUN_UPDATE_N_AGENTS])
{
    size_t n = 0;
    for (size_t i = 0; i < RUN_UPDATE_N_AGENTS; i++)
        if (!f->installed[run_update_agents[i]])
            out[n++] = run_update_agents[i];
    return n;
}

enum run_setup_action run_setup_agents_action(const struct run_setup_facts *f,
                                              enum run_setup_mode m, bool image_there)
{
    enum plan_agent missing[RUN_UPDATE_N_AGENTS];
    if (run_setup_missing_agents(f, missing) == 0)
        return RUN_SETUP_NOTHING;
    /* update-agents runs its script in the image: without one, a run would
     * build it first, which the user just declined (or could not be asked). */
    if (!image_there)
        return RUN_SETUP_NEEDS_IMAGE;
    return needed(m);
}
