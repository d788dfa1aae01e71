/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A remote run's read-only host files (PLAN_MOUNT_COPY: the agent gitconfig,
 * the .pub keys): a bind of a host file means nothing on the engine's host,
 * so they are copied into the created sandbox before it starts, as one tar
 * unpacked at / (backend copy_in).  Each file is owned by the sandbox user
 * and 0444 when the plan says read-only: the agent reads it, as it read the
 * read-only bind, but it is no mount point (the agent may replace it in its
 * own sandbox, which is all a bind of a host file protected against too).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/tar.h"
#include "run/internal.h"
#include "base/banned.h"

#define COPY_WHAT "the files copied into the sandbox"

static size_t count_copies(const struct ags_plan *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n_mounts; i++)
        n += p->mounts[i].type == PLAN_MOUNT_COPY;
    return n;
}

/* The file as the read-only bind showed it: symlinks followed (the planner
 * resolved the keys already), a regular file of bounded size. */
static int put_copy(struct tar_writer *w, const struct plan_mount *m, struct ags_error *err)
{
    if (m->destination[0] != '/' || !m->destination[1])
        return ags_error_set(err, -EINVAL, "cannot copy %s to '%s': not an absolute file path",
                             m->source, m->destination);
    /* O_NONBLOCK: a FIFO in its place must not hang the run before fstat says so. */
    _cleanup_close_ int fd = open(m->source, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot open %s to copy it into the sandbox: %m",
                             m->source);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return ags_error_set(err, -errno, "cannot inspect %s: %m", m->source);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "%s is not a regular file; not copied into the "
                                           "sandbox", m->source);
    if ((uint64_t)st.st_size > AGS_COPY_IN_FILE_MAX)
        return ags_error_set(err, -EFBIG, "%s has %lld bytes, more than the %u copied into a "
                                          "sandbox", m->source, (long long)st.st_size,
                             AGS_COPY_IN_FILE_MAX);
    const struct tar_entry e = {
        .path = m->destination + 1,
        .type = TAR_FILE,
        .mode = m->read_only ? 0444 : 0644,
        .size = (uint64_t)st.st_size,
        .mtime = st.st_mtim.tv_sec,
    };
    return tar_put_file(w, &e, fd, &st, m->source, err);
}

static int write_copies(const struct ags_plan *p, int fd, size_t n, struct ags_error *err)
{
    struct tar_writer w;
    tar_writer_init(&w, fd, AGS_COPY_IN_MAX, n, COPY_WHAT);
    w.uid = p->identity.uid; /* Podman's libpod endpoint chowns to the same user */
    w.gid = p->identity.gid;
    int r = 0;
    for (size_t i = 0; r == 0 && i < p->n_mounts; i++)
        if (p->mounts[i].type == PLAN_MOUNT_COPY)
            r = put_copy(&w, &p->mounts[i], err);
    if (r == 0)
        r = tar_finish(&w, err);
    tar_writer_done(&w);
    return r;
}

int run_copy_in(struct backend *b, const struct ags_plan *p, const char *id,
                struct ags_error *err)
{
    size_t n = count_copies(p);
    if (n == 0)
        return 0;
    if (!b->ops->copy_in)
        return ags_error_set(err, -EOPNOTSUPP, "the %s backend cannot copy files into a "
                                               "sandbox (a plan for a remote engine)",
                             b->ops->name);
    _cleanup_close_ int fd = memfd_create("ags-copy-in", MFD_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "memfd_create: %m");
    int r = write_copies(p, fd, n, err);
    if (r < 0)
        return r;
    return b->ops->copy_in(b, id, "/", fd, err);
}
