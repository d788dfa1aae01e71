/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Replay driver for builds without libFuzzer (gcc): runs LLVMFuzzerTestOneInput
 * once over every file named on the command line, or every file in a named
 * directory.  Exits non-zero if an input cannot be read or there is none;
 * crashes and sanitizer reports abort the process as under libFuzzer.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fileio.h"
#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_INPUT (16u * 1024u * 1024u)

static int replay_file(const char *path)
{
    struct ags_error err;
    char *buf = NULL;
    size_t len = 0;
    if (read_file_bounded(path, REPLAY_MAX_INPUT, &buf, &len, &err) < 0) {
        fprintf(stderr, "fuzz-main: %s\n", err.msg);
        return -1;
    }
    (void)LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
    free(buf);
    return 0;
}

static int replay_dir(const char *dir, unsigned *count)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz-main: cannot open '%s'\n", dir);
        return -1;
    }
    int r = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
            continue;
        if (replay_file(path) < 0)
            r = -1;
        else
            (*count)++;
    }
    closedir(d);
    return r;
}

int main(int argc, char **argv)
{
    unsigned count = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "fuzz-main: cannot stat '%s'\n", argv[i]);
            return 1;
        }
        if (S_ISDIR(st.st_mode)) {
            if (replay_dir(argv[i], &count) < 0)
                return 1;
        } else {
            if (replay_file(argv[i]) < 0)
                return 1;
            count++;
        }
    }
    if (count == 0) {
        fprintf(stderr, "fuzz-main: no inputs replayed (empty corpus?)\n");
        return 1;
    }
    printf("fuzz-main: replayed %u inputs\n", count);
    return 0;
}
