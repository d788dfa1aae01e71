/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A mini `podman run` over the podman layer's public API (containers,
 * attached runs, exec), for the e2e scripts (tests/e2e/2x-podman-*.sh) and
 * tools/bench-podman-client.sh.  One subcommand per call:
 *
 *   podman-run run [FLAGS] IMAGE [CMD...]   create, run attached, remove;
 *                                           exits with the container's status
 *   podman-run create [FLAGS] IMAGE [CMD...]  prints the id
 *   podman-run start ID | wait ID | rm [-f] ID | stop ID [SECONDS] | kill ID [SIGNAL]
 *   podman-run ls [LABEL...]                "ID NAME STATE k=v,k=v" per container
 *   podman-run cp ID DIR TARFILE            the tar unpacked at DIR (archive PUT)
 *   podman-run get-archive ID PATH MAX TARFILE  PATH's tar (archive GET, at most MAX
 *                                           bytes) into TARFILE; prints Podman's stat of
 *                                           PATH, fails unless it is a regular file
 *   podman-run tar-read TARFILE NAME MAX OUTFILE  the one regular file NAME of the tar
 *                                           (base/tar-read.h) into OUTFILE
 *   podman-run copy-out ID PATH MAX OUTFILE  the regular file PATH (at most MAX bytes)
 *                                           into OUTFILE: the Podman backend's copy_out
 *   podman-run exec [-t] [-i] [-e K=V] [-u USER] [-w DIR] ID CMD...
 *   podman-run spec [FLAGS] IMAGE [CMD...]  prints the SpecGenerator JSON
 *
 * FLAGS: -t/--tty, -i/--interactive, -v SRC:DST[:ro|rw] (SRC not absolute:
 *        a named volume), --tmpfs DST, --userns MODE, -e K=V, --name NAME,
 *        --label K=V, -w DIR, -u USER, --entrypoint PROG, --network MODE,
 *        --cap-drop-all, --no-new-privileges, --label-disable, --pids-limit N,
 *        --read-only, --keep (run: leave the container).
 *
 * TTY runs and execs detach on ctrl-p,ctrl-q as in podman (the container is
 * then left running).  Like podman: 125 when the API fails, 126 when the command cannot run, 127
 * when it is not found; after SIGINT/SIGTERM/SIGHUP the container is killed
 * and removed and the status is 128+signal.  Errors: "podman-run: MESSAGE
 * [ERRNO-NAME]" on stderr.  Connects like podman (CONTAINER_HOST, ...).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend/backend.h"
#include "base/parse-util.h"
#include "base/strutil.h"
#include "base/strv.h"
#include "base/tar-read.h"
#include "podman/podman.h"
#include "base/banned.h"

#define MAX_LIST 64

static const char *const opt_ro[] = {"ro", NULL};
static const char *const opt_rw[] = {"rw", NULL};
static const char *const opt_tmpfs[] = {"size=64m", "mode=1777", NULL};
/* Like podman: ctrl-p,ctrl-q detaches from a TTY run (ags itself has none). */
static const struct podman_attach_opts aopts = {.detach_keys = true};

struct flags {
    struct podman_spec spec;
    const char *env[MAX_LIST + 1];
    const char *labels[MAX_LIST + 1];
    const char *entrypoint[2];
    struct podman_mount mounts[MAX_LIST];
    struct podman_volume_mount volumes[MAX_LIST];
    char *mount_text[MAX_LIST]; /* owned copies split at ':' */
    char *volume_text[MAX_LIST];
    size_t n_env, n_labels;
    bool keep;
};

static int usage(void)
{
    fprintf(stderr, "usage: podman-run run|create|start|wait|rm|stop|kill|ls|exec|cp|get-archive|"
                    "tar-read|copy-out|spec ARGS "
                    "(see the comment at the top of podman-run.c)\n");
    return 125;
}

static int failed(const struct ags_error *err, int status)
{
    const char *name = strerrorname_np(-err->code);
    fprintf(stderr, "podman-run: %s [%s]\n", err->msg, name ? name : "?");
    return status;
}

static void flags_done(struct flags *f)
{
    for (size_t i = 0; i < f->spec.n_mounts; i++)
        free(f->mount_text[i]);
    for (size_t i = 0; i < f->spec.n_volumes; i++)
        free(f->volume_text[i]);
}

/* -v SRC:DST[:ro|rw] */
static int add_bind(struct flags *f, const char *arg)
{
    if (f->spec.n_mounts == MAX_LIST)
        return -1;
    char *t = strdup(arg);
    if (!t)
        return -1;
    size_t i = f->spec.n_mounts;
    f->mount_text[i] = t;
    f->spec.n_mounts++;
    char *dst = strchr(t, ':');
    if (!dst)
        return -1;
    *dst++ = '\0';
    char *mode = strchr(dst, ':');
    if (mode)
        *mode++ = '\0';
    if (mode && strcmp(mode, "ro") != 0 && strcmp(mode, "rw") != 0)
        return -1;
    bool ro = mode && mode[1] == 'o';
    if (t[0] != '/') { /* a named volume, as in podman */
        f->spec.n_mounts--;
        f->mount_text[i] = NULL;
        if (f->spec.n_volumes == MAX_LIST) {
            free(t);
            return -1;
        }
        f->volume_text[f->spec.n_volumes] = t;
        f->volumes[f->spec.n_volumes++] = (struct podman_volume_mount){t, dst, ro};
        return 0;
    }
    f->mounts[i] = (struct podman_mount){.type = "bind",
                                         .source = t,
                                         .destination = dst,
                                         .options = ro ? opt_ro : opt_rw};
    return 0;
}

static int add_tmpfs(struct flags *f, const char *dst)
{
    if (f->spec.n_mounts == MAX_LIST)
        return -1;
    size_t i = f->spec.n_mounts++;
    f->mount_text[i] = NULL;
    f->mounts[i] = (struct podman_mount){
            .type = "tmpfs", .source = "tmpfs", .destination = dst, .options = opt_tmpfs};
    return 0;
}

static int push(const char **v, size_t *n, const char *s)
{
    if (*n == MAX_LIST)
        return -1;
    v[(*n)++] = s;
    return 0;
}

/* One flag with its value at argv[*i + 1]; -1 for an unknown or bad flag. */
static int parse_valued(struct flags *f, const char *flag, const char *val)
{
    struct podman_spec *s = &f->spec;
    if (!strcmp(flag, "-v") || !strcmp(flag, "--volume"))
        return add_bind(f, val);
    if (!strcmp(flag, "--tmpfs"))
        return add_tmpfs(f, val);
    if (!strcmp(flag, "-e") || !strcmp(flag, "--env"))
        return push(f->env, &f->n_env, val);
    if (!strcmp(flag, "--label") || !strcmp(flag, "-l"))
        return push(f->labels, &f->n_labels, val);
    if (!strcmp(flag, "--userns"))
        s->userns = val;
    else if (!strcmp(flag, "--name"))
        s->name = val;
    else if (!strcmp(flag, "-w") || !strcmp(flag, "--workdir"))
        s->work_dir = val;
    else if (!strcmp(flag, "-u") || !strcmp(flag, "--user"))
        s->user = val;
    else if (!strcmp(flag, "--network"))
        s->netns = val;
    else if (!strcmp(flag, "--pids-limit")) {
        uint32_t n;
        if (parse_u32(val, &n) < 0)
            return -1;
        s->pids_limit = n;
    }
    else if (!strcmp(flag, "--entrypoint")) {
        f->entrypoint[0] = val;
        s->entrypoint = f->entrypoint;
    } else
        return -1;
    return 0;
}

/* Parses FLAGS IMAGE [CMD...]; returns the index of IMAGE or -1. */
static int parse_create(struct flags *f, int argc, char **argv)
{
    struct podman_spec *s = &f->spec;
    s->env = f->env;
    s->labels = f->labels;
    s->mounts = f->mounts;
    s->volumes = f->volumes;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-t") || !strcmp(a, "--tty"))
            s->terminal = true;
        else if (!strcmp(a, "-i") || !strcmp(a, "--interactive"))
            s->stdin_open = true;
        else if (!strcmp(a, "-it") || !strcmp(a, "-ti"))
            s->terminal = s->stdin_open = true;
        else if (!strcmp(a, "--cap-drop-all"))
            s->cap_drop_all = true;
        else if (!strcmp(a, "--no-new-privileges"))
            s->no_new_privileges = true;
        else if (!strcmp(a, "--label-disable"))
            s->selinux_disable = true;
        else if (!strcmp(a, "--read-only"))
            s->read_only_rootfs = true;
        else if (!strcmp(a, "--keep"))
            f->keep = true;
        else if (i + 1 >= argc || parse_valued(f, a, argv[i + 1]) < 0)
            return -1;
        else
            i++;
    }
    if (i >= argc)
        return -1;
    s->image = argv[i];
    if (i + 1 < argc)
        s->command = (const char *const *)argv + i + 1;
    return i;
}

/* podman's mapping (define.ExitCode): not found 127, cannot run 126, else 125. */
static int run_failure_status(const struct ags_error *err)
{
    if (strstr(err->msg, "not found") || strstr(err->msg, "no such file"))
        return 127;
    if (strstr(err->msg, "OCI") || strstr(err->msg, "permission denied"))
        return 126;
    return 125;
}

static int create(struct podman_client *c, struct flags *f, char **ret_id, struct ags_error *err)
{
    char **warnings = NULL;
    int r = podman_container_create(c, &f->spec, ret_id, &warnings, err);
    for (size_t i = 0; r == 0 && warnings[i]; i++)
        fprintf(stderr, "podman-run: warning: %s\n", warnings[i]);
    if (r == 0)
        strv_free(warnings);
    return r;
}

static void remove_quietly(struct podman_client *c, const char *id, bool kill_first)
{
    struct ags_error err = {0};
    if (kill_first && podman_container_kill(c, id, "SIGKILL", &err) < 0 && err.code != -EBUSY)
        (void)failed(&err, 0);
    if (podman_container_remove(c, id, true, &err) < 0)
        (void)failed(&err, 0);
}

static int cmd_run(struct podman_client *c, int argc, char **argv, struct ags_error *err)
{
    struct flags f = {0};
    int status = parse_create(&f, argc, argv) < 0 ? usage() : -1;
    char *id = NULL;
    if (status < 0 && create(c, &f, &id, err) < 0)
        status = failed(err, run_failure_status(err));
    if (status < 0) {
        struct podman_io io = {.in_fd = f.spec.stdin_open ? STDIN_FILENO : -1,
                               .out_fd = STDOUT_FILENO,
                               .err_fd = STDERR_FILENO,
                               .tty = f.spec.terminal};
        int code = 0;
        int r = podman_run_attached(c, id, &io, &aopts, &code, err);
        if (r == PODMAN_DETACHED) {
            fprintf(stderr, "podman-run: detached from %.12s\n", id);
            f.keep = true;
            status = 0;
        } else if (r == -EINTR) {
            status = 128 + podman_interrupt_signal();
            (void)failed(err, 0);
            remove_quietly(c, id, true);
            f.keep = true; /* removed already */
        } else {
            status = r < 0 ? failed(err, run_failure_status(err)) : code;
        }
        if (!f.keep)
            remove_quietly(c, id, false);
    }
    free(id);
    flags_done(&f);
    return status;
}

static int cmd_create_or_spec(struct podman_client *c, bool spec_only, int argc, char **argv,
                              struct ags_error *err)
{
    struct flags f = {0};
    int status = 0;
    char *text = NULL;
    if (parse_create(&f, argc, argv) < 0)
        status = usage();
    else if (spec_only && podman_spec_check(&f.spec, err) < 0)
        status = failed(err, 125);
    else if (spec_only && (text = podman_spec_to_json(&f.spec)))
        printf("%s\n", text);
    else if (!spec_only && create(c, &f, &text, err) < 0)
        status = failed(err, 125);
    else if (!spec_only)
        printf("%s\n", text);
    free(text);
    flags_done(&f);
    return status;
}

static int cmd_exec(struct podman_client *c, int argc, char **argv, struct ags_error *err)
{
    const char *env[MAX_LIST + 1] = {0};
    size_t n_env = 0;
    struct podman_exec_opts opts = {.env = env};
    bool interactive = false;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-t"))
            opts.tty = true;
        else if (!strcmp(argv[i], "-i"))
            interactive = true;
        else if (i + 1 < argc && !strcmp(argv[i], "-e") && push(env, &n_env, argv[i + 1]) == 0)
            i++;
        else if (i + 1 < argc && !strcmp(argv[i], "-u"))
            opts.user = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "-w"))
            opts.work_dir = argv[++i];
        else
            return usage();
    }
    if (i + 1 >= argc)
        return usage();
    opts.argv = (const char *const *)argv + i + 1;
    struct podman_io io = {.in_fd = interactive ? STDIN_FILENO : -1,
                           .out_fd = STDOUT_FILENO,
                           .err_fd = STDERR_FILENO,
                           .tty = opts.tty};
    int code = 0;
    int r = podman_exec(c, argv[i], &opts, &io, &aopts, &code, err);
    if (r == PODMAN_DETACHED)
        return 0;
    if (r == -EINTR) {
        (void)failed(err, 0);
        return 128 + podman_interrupt_signal();
    }
    return r < 0 ? failed(err, run_failure_status(err)) : code;
}

static int cmd_ls(struct podman_client *c, int argc, char **argv, struct ags_error *err)
{
    struct podman_container_info *v = NULL;
    size_t n = 0;
    if (podman_container_list(c, (const char *const *)argv + 1, &v, &n, err) < 0)
        return failed(err, 125);
    (void)argc;
    for (size_t i = 0; i < n; i++) {
        printf("%s %s %s ", v[i].id, v[i].name, v[i].state);
        for (size_t k = 0; v[i].labels[k]; k++)
            printf("%s%s", k ? "," : "", v[i].labels[k]);
        printf("\n");
    }
    podman_container_infos_free(v, n);
    return 0;
}

static int cmd_cp(struct podman_client *c, int argc, char **argv, struct ags_error *err)
{
    if (argc != 4)
        return usage();
    int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "podman-run: cannot open %s: %m\n", argv[3]);
        return 125;
    }
    int r = podman_container_put_archive(c, argv[1], argv[2], fd, err);
    (void)close(fd);
    return r < 0 ? failed(err, 125) : 0;
}

static int open_out(const char *path)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        fprintf(stderr, "podman-run: cannot create %s: %m\n", path);
    return fd;
}

static int cmd_get_archive(struct podman_client *c, int argc, char **argv,
                           struct ags_error *err)
{
    uint64_t max = 0;
    if (argc != 5 || parse_u64(argv[3], &max) < 0)
        return usage();
    int fd = open_out(argv[4]);
    if (fd < 0)
        return 125;
    struct podman_path_stat st = {0};
    int r = podman_container_get_archive(c, argv[1], argv[2], fd, max, &st, err);
    (void)close(fd);
    if (r < 0)
        return failed(err, 125);
    printf("name=%s link=%s size=%llu mode=0x%x dir=%d\n", st.name, st.link_target,
           (unsigned long long)st.size, st.mode, st.is_dir);
    r = podman_path_stat_regular(&st, argv[2], err);
    podman_path_stat_done(&st);
    return r < 0 ? failed(err, 125) : 0;
}

static int cmd_tar_read(int argc, char **argv, struct ags_error *err)
{
    uint64_t max = 0, size = 0;
    if (argc != 5 || parse_u64(argv[3], &max) < 0)
        return usage();
    int tar = open(argv[1], O_RDONLY | O_CLOEXEC);
    if (tar < 0) {
        fprintf(stderr, "podman-run: cannot open %s: %m\n", argv[1]);
        return 125;
    }
    int out = open_out(argv[4]);
    int r = out < 0 ? -EIO : tar_read_single_file(tar, argv[2], max, out, &size, err);
    (void)close(tar);
    if (out >= 0)
        (void)close(out);
    if (out < 0)
        return 125;
    return r < 0 ? failed(err, 125) : 0;
}

/* The backend's own operation, on a backend opened like podman_connect. */
static int cmd_copy_out(int argc, char **argv, struct ags_error *err)
{
    uint64_t max = 0;
    if (argc != 5 || parse_u64(argv[3], &max) < 0)
        return usage();
    const char *run = env_process("XDG_RUNTIME_DIR") ? env_process("XDG_RUNTIME_DIR") : "/tmp";
    const struct backend_open_opts o = {.kind = BACKEND_PODMAN, .getenv = env_process,
                                        .runtime_dir = run};
    struct backend *b = NULL;
    if (backend_podman_open(&o, &b, err) < 0)
        return failed(err, 125);
    int out = open_out(argv[4]);
    int r = out < 0 ? ags_error_set(err, -EIO, "no output file")
                    : b->ops->copy_out(b, argv[1], argv[2], out, max, err);
    if (out >= 0)
        (void)close(out);
    backend_close(b);
    return r < 0 ? failed(err, 125) : 0;
}

static int cmd_simple(struct podman_client *c, const char *cmd, int argc, char **argv,
                      struct ags_error *err)
{
    int r = -EINVAL, code = 0;
    uint32_t secs = 10;
    bool force = argc == 3 && !strcmp(argv[1], "-f");
    const char *id = argv[argc - 1];
    if (!strcmp(cmd, "start") && argc == 2)
        r = podman_container_start(c, id, err);
    else if (!strcmp(cmd, "wait") && argc == 2)
        r = podman_container_wait(c, id, &code, err);
    else if (!strcmp(cmd, "rm") && (argc == 2 || force))
        r = podman_container_remove(c, id, force, err);
    else if (!strcmp(cmd, "stop") && (argc == 2 || (argc == 3 && !parse_u32(argv[2], &secs))))
        r = podman_container_stop(c, argv[1], secs, err);
    else if (!strcmp(cmd, "kill") && (argc == 2 || argc == 3))
        r = podman_container_kill(c, argv[1], argc == 3 ? argv[2] : NULL, err);
    else
        return usage();
    if (r < 0)
        return failed(err, 125);
    if (!strcmp(cmd, "wait"))
        printf("%d\n", code);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    struct ags_error err = {0};
    struct podman_client *c = NULL;
    struct podman_connect_opts opts = {0};
    const char *cmd = argv[1];
    if (!strcmp(cmd, "spec"))
        return cmd_create_or_spec(NULL, true, argc - 1, argv + 1, &err);
    if (!strcmp(cmd, "tar-read"))
        return cmd_tar_read(argc - 1, argv + 1, &err);
    if (!strcmp(cmd, "copy-out"))
        return cmd_copy_out(argc - 1, argv + 1, &err);
    if (podman_connect(&opts, &c, &err) < 0)
        return failed(&err, 125);
    int status;
    if (!strcmp(cmd, "run"))
        status = cmd_run(c, argc - 1, argv + 1, &err);
    else if (!strcmp(cmd, "create"))
        status = cmd_create_or_spec(c, false, argc - 1, argv + 1, &err);
    else if (!strcmp(cmd, "exec"))
        status = cmd_exec(c, argc - 1, argv + 1, &err);
    else if (!strcmp(cmd, "cp"))
        status = cmd_cp(c, argc - 1, argv + 1, &err);
    else if (!strcmp(cmd, "get-archive"))
        status = cmd_get_archive(c, argc - 1, argv + 1, &err);
    else if (!strcmp(cmd, "ls"))
        status = cmd_ls(c, argc - 1, argv + 1, &err);
    else if (argc >= 3)
        status = cmd_simple(c, cmd, argc - 1, argv + 1, &err);
    else
        status = usage();
    podman_client_free(c);
    return status;
}
