/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the Podman backend learns about the engine once connected: its major
 * version and whether slirp4netns is there (the plan's network maps to it). */
#include "backend/podman.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/banned.h"

/* Helper directories where Podman looks for slirp4netns besides $PATH. */
static const char *const podman_helper_dirs[] = {
    "/usr/local/libexec/podman", "/usr/local/lib/podman", "/usr/libexec/podman",
    "/usr/lib/podman",
};

static bool in_dir_executable(const char *dir, size_t n, const char *name)
{
    _cleanup_free_ char *p = xasprintf("%.*s/%s", (int)n, dir, name);
    return access(p, X_OK) == 0;
}

bool backend_podman_has_helper(const char *(*getenv_fn)(const char *name), const char *name)
{
    const char *path = getenv_fn ? getenv_fn("PATH") : NULL;
    for (const char *p = path; p && *p;) {
        size_t n = strcspn(p, ":");
        if (n && in_dir_executable(p, n, name))
            return true;
        p += n + (p[n] == ':');
    }
    for (size_t i = 0; i < ARRAY_SIZE(podman_helper_dirs); i++)
        if (in_dir_executable(podman_helper_dirs[i], strlen(podman_helper_dirs[i]), name))
            return true;
    return false;
}

bool backend_podman_has_slirp4netns(const char *(*getenv_fn)(const char *name))
{
    return backend_podman_has_helper(getenv_fn, "slirp4netns");
}

static unsigned hex_digit(char c)
{
    return c >= '0' && c <= '9' ? (unsigned)(c - '0')
           : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
           : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                                  : 16u;
}

/* 8 hex digits in the kernel's byte order (little-endian on the machines
 * Podman runs on), as "a.b.c.d"; false for anything else. */
static bool dotted_from_hex(const char *hex, size_t n, char out[16])
{
    unsigned char b[4];
    if (n != 8)
        return false;
    for (size_t i = 0; i < 4; i++) {
        unsigned hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi > 15 || lo > 15)
            return false;
        b[3 - i] = (unsigned char)(hi << 4 | lo);
    }
    (void)snprintf(out, 16, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    return true;
}

/* The first n whitespace-separated fields of one line. */
static size_t line_fields(const char *line, const char **f, size_t *len, size_t n)
{
    size_t nf = 0;
    for (const char *p = line; nf < n;) {
        p += strspn(p, " \t");
        if (*p == '\0' || *p == '\n')
            break;
        f[nf] = p;
        len[nf] = strcspn(p, " \t\n");
        p += len[nf++];
    }
    return nf;
}

/* After the header line: "Iface Destination Gateway Flags ...". */
void backend_route_gateway(const char *text, char out[16])
{
    out[0] = '\0';
    const char *line = text ? strchr(text, '\n') : NULL;
    for (; line; line = strchr(line, '\n')) {
        line++;
        const char *f[3];
        size_t len[3];
        if (line_fields(line, f, len, 3) == 3 && len[1] == 8 && strncmp(f[1], "00000000", 8) == 0 &&
            !(len[2] == 8 && strncmp(f[2], "00000000", 8) == 0) && dotted_from_hex(f[2], len[2], out))
            return;
    }
}

static void host_gateway(char out[16])
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    out[0] = '\0';
    if (read_file_bounded("/proc/net/route", AGS_ROUTE_TABLE_MAX, &text, &len, NULL) == 0)
        backend_route_gateway(text, out);
}

void backend_podman_engine(const char *version, const char *(*getenv_fn)(const char *name),
                           struct backend_engine *ret)
{
    unsigned major = 0;
    for (const char *p = version; p && *p >= '0' && *p <= '9' && major < 1000; p++)
        major = major * 10 + (unsigned)(*p - '0');
    *ret = (struct backend_engine){
        .major = major,
        .slirp4netns = backend_podman_has_slirp4netns(getenv_fn),
    };
    host_gateway(ret->gateway);
}
