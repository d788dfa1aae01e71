/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tar from a sandbox (the export of a remote session, Podman's GET
 * archive) through tar_read_single_file: anything is accepted or refused
 * without a crash; what is accepted is at most the bound, and exactly the
 * bytes reported reach the output; what is refused for its form leaves the
 * output empty (the archive is checked whole before a byte is copied).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/tar-read.h"

#define FUZZ_MAX 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fresh(int *fd, const char *name)
{
    if (*fd < 0)
        *fd = memfd_create(name, MFD_CLOEXEC);
    if (*fd < 0 || ftruncate(*fd, 0) < 0 || lseek(*fd, 0, SEEK_SET) < 0)
        abort();
    return *fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int tar = -1, out = -1;
    if (write_all(fresh(&tar, "fuzz-tar"), data, size) < 0)
        abort();
    fresh(&out, "fuzz-out");
    uint64_t got = UINT64_MAX;
    struct ags_error err = {0};
    int r = tar_read_single_file(tar, "ags-export", FUZZ_MAX, out, &got, &err);
    struct stat st;
    if (fstat(out, &st) < 0)
        abort();
    if (r == 0 && (got > FUZZ_MAX || (uint64_t)st.st_size != got))
        abort(); /* over the bound, or not what was reported */
    if (r < 0 && (got != UINT64_MAX || err.code != r || !err.msg[0]))
        abort(); /* a result on failure, or an error without its message */
    if ((r == -EBADMSG || r == -EFBIG) && st.st_size != 0)
        abort(); /* copied from an archive that was then refused */
    return 0;
}
