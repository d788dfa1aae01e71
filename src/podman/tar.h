/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A small POSIX ustar writer for build contexts (internal to src/podman).
 *
 * What goes in: regular files, directories and symbolic links (stored as
 * links, never followed), in sorted order, paths relative to the context
 * ("dir/", "dir/file").  Anything else (fifo, socket, device) is an error:
 * nothing is skipped silently, and .containerignore/.dockerignore are not
 * applied.  Hard links are stored as separate copies.
 *
 * Plain ustar only, no GNU or pax extensions: a path must fit the 100-byte
 * name field, or split at a '/' into a prefix of at most 155 bytes and a name
 * of at most 100; a symlink target must fit 100 bytes.  Longer paths are
 * errors that name the path.
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
#define PODMAN_TAR_BLOCK       512u

enum podman_tar_type {
    PODMAN_TAR_FILE = '0',
    PODMAN_TAR_SYMLINK = '2',
    PODMAN_TAR_DIR = '5',
};

/* Fills one 512-byte ustar header.  -ENAMETOOLONG when path or linkname does
 * not fit (err names it).  path of a directory ends in '/'. */
int podman_tar_header(unsigned char hdr[PODMAN_TAR_BLOCK], const char *path,
                      enum podman_tar_type type, uint32_t mode, uint64_t size,
                      const char *linkname, struct ags_error *err) _warn_unused_;

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
