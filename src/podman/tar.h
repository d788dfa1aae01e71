/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A build context as a tar (internal to src/podman), on base/tar.h's writer.
 *
 * What goes in: regular files, directories and symbolic links (stored as
 * links, never followed), in sorted order, paths relative to the context
 * ("dir/", "dir/file").  Anything else (fifo, socket, device) is an error:
 * nothing is skipped silently, and .containerignore/.dockerignore are not
 * applied.  Hard links are stored as separate copies.
 *
 * Plain ustar only, no pax records: a path or link target that does not fit
 * the ustar header (base/tar.h) is an error that names it.
 *
 * The archive is reproducible: owner 0:0, mtime 0, permission bits as on disk.
 * Equal contexts give equal bytes, so the image layer cache keeps hitting when
 * a context directory is written afresh.
 */

#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

#define PODMAN_TAR_MAX_SIZE    (1ull << 30) /* bytes of a whole build context */
#define PODMAN_TAR_MAX_DEPTH   64u          /* directory nesting */
#define PODMAN_TAR_MAX_ENTRIES 100000u      /* files, directories and links */

/* A host file added to the context at its top level as name (mode 0644,
 * after the tree): how ags ships a file that does not live in the
 * containerfile directory, such as the host's CA bundle. */
struct podman_tar_extra {
    const char *name; /* a plain file name; -EEXIST when the tree has it too */
    const char *path; /* host path, symlinks followed, a regular file; NULL: empty */
};

/* Writes the archive of the tree at dir, then the n_extra extra files, to
 * out_fd (at most max_size bytes, else -EFBIG); *ret_size gets the bytes
 * written. */
int podman_tar_dir(const char *dir, const struct podman_tar_extra *extra, size_t n_extra,
                   int out_fd, uint64_t max_size, uint64_t *ret_size,
                   struct ags_error *err) _warn_unused_;
