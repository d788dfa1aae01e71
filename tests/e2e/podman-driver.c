/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A test driver over the podman layer's public API (podman/podman.h), for the
 * e2e scripts (tests/e2e/1x-podman-*.sh).  One subcommand per call:
 *
 *   podman-driver [--autostart] [--idle N] [--url URI] COMMAND ARGS...
 *     ping                               version=V and uri=U on stdout
 *     image-exists NAME                  "yes" or "no"
 *     image-id NAME                      the id
 *     image-remove NAME
 *     image-import TARBALL REFERENCE     the id
 *     build DIR TAG [-f FILE] [--arg K=V]... [--label K=V]... [--network] [--stall SECONDS]
 *                                        the build output as it arrives, then id=ID
 *     volume-create NAME [LABEL...]      volume-exists NAME ("yes"/"no")
 *     volume-labels NAME                 one label per line
 *     volume-list [LABEL...]             one name per line
 *     volume-remove NAME
 *     secret-create NAME [LABEL...]      the value is read from stdin
 *     secret-list [LABEL...]             secret-remove NAME
 *
 * Failures print "podman-driver: MESSAGE [ERRNO-NAME]" on stderr and exit 1
 * (2 for usage errors).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fileio.h"
#include "base/parse-util.h"
#include "base/strv.h"
#include "podman/podman.h"
#include "base/banned.h"

#define MAX_SECRET (512u * 1024u)
#define MAX_LIST   64

static int usage(void)
{
    fprintf(stderr, "usage: podman-driver [--autostart] [--idle N] [--url URI] COMMAND ARGS "
                    "(see the comment at the top of podman-driver.c)\n");
    return 2;
}

static int failed(const struct ags_error *err)
{
    const char *name = strerrorname_np(-err->code);
    fprintf(stderr, "podman-driver: %s [%s]\n", err->msg, name ? name : "?");
    return 1;
}

static void print_strv(char **v)
{
    for (size_t i = 0; v[i]; i++)
        printf("%s\n", v[i]);
    strv_free(v);
}

static void on_output(const char *text, size_t len, void *userdata)
{
    (void)userdata;
    fwrite(text, 1, len, stdout);
    fflush(stdout);
}

static int cmd_build(struct podman_client *c, int argc, char **argv, struct ags_error *err)
{
    if (argc < 3)
        return usage();
    const char *tags[] = {argv[2], NULL};
    const char *args[MAX_LIST + 1] = {0}, *labels[MAX_LIST + 1] = {0};
    size_t n_args = 0, n_labels = 0;
    struct podman_build_opts opts = {.context_dir = argv[1], .tags = tags, .buildargs = args,
                                     .labels = labels, .on_output = on_output};
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--network") == 0)
            opts.network = true;
        else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            opts.containerfile = argv[++i];
        else if (strcmp(argv[i], "--arg") == 0 && i + 1 < argc && n_args < MAX_LIST)
            args[n_args++] = argv[++i];
        else if (strcmp(argv[i], "--label") == 0 && i + 1 < argc && n_labels < MAX_LIST)
            labels[n_labels++] = argv[++i];
        else if (strcmp(argv[i], "--stall") == 0 && i + 1 < argc &&
                 parse_u32(argv[i + 1], &opts.stall_seconds) == 0)
            i++;
        else
            return usage();
    }
    char *id = NULL;
    if (podman_image_build(c, &opts, &id, err) < 0)
        return failed(err);
    printf("id=%s\n", id);
    free(id);
    return 0;
}

static int cmd_secret_create(struct podman_client *c, char **argv, struct ags_error *err)
{
    char *value = NULL;
    size_t len = 0;
    if (read_fd_bounded(STDIN_FILENO, MAX_SECRET, &value, &len, err) < 0)
        return failed(err);
    int r = podman_secret_create(c, argv[1], value, len, (const char *const *)argv + 2, err);
    explicit_bzero(value, len);
    free(value);
    return r < 0 ? failed(err) : 0;
}

/* Pointers, not values: the call that fills them is an argument too, and
 * argument evaluation order is unspecified. */
static int print_bool(int r, const bool *yes, const struct ags_error *err)
{
    if (r < 0)
        return failed(err);
    printf("%s\n", *yes ? "yes" : "no");
    return 0;
}

static int print_id(int r, char *const *id, const struct ags_error *err)
{
    if (r < 0)
        return failed(err);
    printf("%s\n", *id);
    free(*id);
    return 0;
}

static int print_list(int r, char **const *v, const struct ags_error *err)
{
    if (r < 0)
        return failed(err);
    print_strv(*v);
    return 0;
}

/* Commands taking exactly one NAME. */
static int cmd_name(struct podman_client *c, const char *cmd, const char *name,
                    struct ags_error *err)
{
    bool yes = false;
    char *id = NULL;
    char **v = NULL;
    if (strcmp(cmd, "image-exists") == 0)
        return print_bool(podman_image_exists(c, name, &yes, err), &yes, err);
    if (strcmp(cmd, "image-id") == 0)
        return print_id(podman_image_id(c, name, &id, err), &id, err);
    if (strcmp(cmd, "image-remove") == 0)
        return podman_image_remove(c, name, err) < 0 ? failed(err) : 0;
    if (strcmp(cmd, "volume-exists") == 0)
        return print_bool(podman_volume_exists(c, name, &yes, err), &yes, err);
    if (strcmp(cmd, "volume-labels") == 0)
        return print_list(podman_volume_labels(c, name, &v, err), &v, err);
    if (strcmp(cmd, "volume-remove") == 0)
        return podman_volume_remove(c, name, err) < 0 ? failed(err) : 0;
    if (strcmp(cmd, "secret-remove") == 0)
        return podman_secret_remove(c, name, err) < 0 ? failed(err) : 0;
    return usage();
}

static int run(struct podman_client *c, int argc, char **argv, struct ags_error *err)
{
    const char *cmd = argv[0];
    const char *const *rest = (const char *const *)argv + 1;
    char *id = NULL;
    char **v = NULL;
    if (strcmp(cmd, "ping") == 0) {
        printf("version=%s\nuri=%s\n", podman_client_version(c), podman_client_uri(c));
        return 0;
    }
    if (strcmp(cmd, "build") == 0)
        return cmd_build(c, argc, argv, err);
    if (strcmp(cmd, "volume-list") == 0)
        return print_list(podman_volume_list(c, rest, &v, err), &v, err);
    if (strcmp(cmd, "secret-list") == 0)
        return print_list(podman_secret_list(c, rest, &v, err), &v, err);
    if (argc < 2)
        return usage();
    if (strcmp(cmd, "volume-create") == 0)
        return podman_volume_create(c, argv[1], rest + 1, err) < 0 ? failed(err) : 0;
    if (strcmp(cmd, "secret-create") == 0)
        return cmd_secret_create(c, argv, err);
    if (strcmp(cmd, "image-import") == 0 && argc == 3)
        return print_id(podman_image_import(c, argv[1], argv[2], NULL, NULL, &id, err), &id, err);
    return argc == 2 ? cmd_name(c, cmd, argv[1], err) : usage();
}

int main(int argc, char **argv)
{
    struct podman_connect_opts opts = {.idle_seconds = 60};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--autostart") == 0)
            opts.autostart = true;
        else if (strcmp(argv[i], "--idle") == 0 && i + 1 < argc &&
                 parse_u32(argv[i + 1], &opts.idle_seconds) == 0)
            i++;
        else if (strcmp(argv[i], "--url") == 0 && i + 1 < argc)
            opts.url = argv[++i];
        else
            return usage();
    }
    if (i >= argc)
        return usage();
    struct ags_error err = {0};
    struct podman_client *c = NULL;
    if (podman_connect(&opts, &c, &err) < 0)
        return failed(&err);
    int r = run(c, argc - i, argv + i, &err);
    podman_client_free(c);
    return r;
}
