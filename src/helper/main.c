/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ags-helper's dispatch: by the name it runs under, else by its first argument. */
#include <stdio.h>
#include <string.h>

#include "helper/helper.h"
#include "base/banned.h"

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int usage(void)
{
    fputs("usage: ags-helper open URL\n"
          "       ags-helper forward LISTEN_ADDR:PORT SOCKET_PATH\n"
          "       (as xdg-open or ags-open: URL)\n",
          stderr);
    return HELPER_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 1)
        return usage();
    const char *name = base_name(argv[0]);
    /* BROWSER=ags-open and xdg-open on PATH: called with the URL alone. */
    if (strcmp(name, "xdg-open") == 0 || strcmp(name, "ags-open") == 0)
        return helper_open(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "open") == 0)
        return helper_open(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "forward") == 0)
        return helper_forward(argc - 2, argv + 2);
    return usage();
}
