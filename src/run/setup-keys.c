/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ags setup makes a missing agent key with ssh-keygen.  Only on a terminal:
 * the passphrase is the user's to choose, ssh-keygen asks for it on ags's
 * own stdio and it never passes through ags (nor its argv).  The key's
 * directory is private and reached without following a link someone else
 * could have put on the way.
 */
#include "run/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/banned.h"

enum run_setup_key_action run_setup_key_action(enum ssh_key_verdict v, bool stdin_tty)
{
    if (v == SSH_KEY_OK)
        return RUN_SETUP_KEY_READY;
    if (v == SSH_KEY_MISSING)
        return stdin_tty ? RUN_SETUP_KEY_CREATE : RUN_SETUP_KEY_TELL;
    return RUN_SETUP_KEY_PROBLEM;
}

/* An existing key directory: a real directory of ours that nobody else can
 * write (a link there is refused rather than followed). */
static int check_key_dir(const char *dir, const struct stat *st, struct ags_error *err)
{
    if (S_ISLNK(st->st_mode))
        return ags_error_set(err, -ELOOP, "%s is a symlink; ags makes keys only in a real "
                                          "directory (set the key's path inside the directory "
                                          "it points to)", dir);
    if (!S_ISDIR(st->st_mode))
        return ags_error_set(err, -ENOTDIR, "%s is not a directory", dir);
    if (st->st_uid != geteuid() || (st->st_mode & 022) != 0)
        return ags_error_set(err, -EPERM, "%s is not private to you (another user could "
                                          "replace the key in it): chmod 700 it", dir);
    return 0;
}

/* Creates the missing part of dir (0700 each) below its nearest existing
 * ancestor, which must be trusted (root's or ours, not writable by others). */
static int create_key_dir(const char *dir, struct ags_error *err)
{
    _cleanup_free_ char *base = xstrdup(dir);
    struct stat st;
    char *slash;
    while ((slash = strrchr(base, '/')) != NULL) {
        slash[slash == base] = '\0';
        if (lstat(base, &st) == 0)
            break;
        if (errno != ENOENT)
            return ags_error_set(err, -errno, "cannot look at %s: %m", base);
    }
    _cleanup_free_ char *real = trusted_realpath(base);
    if (!real)
        return ags_error_set(err, -EPERM, "%s is not a directory only root or you can change; "
                                          "ags does not make a key below it", base);
    _cleanup_close_ int bfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0)
        return ags_error_set(err, -errno, "cannot open %s: %m", real);
    const char *rest = dir + strlen(base) + (strcmp(base, "/") != 0);
    int dfd = -1;
    int r = open_dir_below(bfd, base, rest, 0700, true, &dfd, err);
    if (r < 0)
        return r;
    (void)close(dfd);
    return 0;
}

static int prepare_key_dir(const char *path, struct ags_error *err)
{
    const char *slash = strrchr(path, '/');
    if (path[0] != '/' || !slash || !slash[1])
        return ags_error_set(err, -EINVAL, "the key path %s is not an absolute file path", path);
    _cleanup_free_ char *dir =
            slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
    struct stat st;
    if (lstat(dir, &st) == 0)
        return check_key_dir(dir, &st, err);
    if (errno != ENOENT)
        return ags_error_set(err, -errno, "cannot look at %s: %m", dir);
    return create_key_dir(dir, err);
}

/* Nothing may be at p: ssh-keygen would write through a dangling link. */
static int nothing_at(const char *p, struct ags_error *err)
{
    struct stat st;
    if (lstat(p, &st) == 0)
        return ags_error_set(err, -EEXIST, "%s is there already (%s); ags does not replace it",
                             p, S_ISLNK(st.st_mode) ? "a symlink" : "a file");
    return errno == ENOENT ? 0 : ags_error_set(err, -errno, "cannot look at %s: %m", p);
}

static int wait_keygen(pid_t pid, struct ags_error *err)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return ags_error_set(err, -errno, "waiting for ssh-keygen: %m");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return ags_error_set(err, -EIO, "ssh-keygen %s %d; no key was made",
                         WIFEXITED(status) ? "exited with status" : "was killed by signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

int run_setup_key_create(enum run_key_role r, const char *path, const char *path_env,
                         struct ags_error *err)
{
    _cleanup_free_ char *keygen = trusted_program(path_env, "ssh-keygen");
    if (!keygen)
        return ags_error_set(err, -ENOENT, "no ssh-keygen on PATH in a directory only root or "
                                           "you can change (install openssh-client)");
    int e = prepare_key_dir(path, err);
    _cleanup_free_ char *pub = xasprintf("%s.pub", path);
    if (e == 0)
        e = nothing_at(path, err);
    if (e == 0)
        e = nothing_at(pub, err);
    if (e < 0)
        return e;
    char *argv[] = {xstrdup("ssh-keygen"), xstrdup("-t"), xstrdup("ed25519"), xstrdup("-a"),
                    xstrdup("64"), xstrdup("-f"), xstrdup(path), xstrdup("-C"),
                    xstrdup(run_key_role_info(r)->comment), NULL};
    pid_t pid;
    e = posix_spawn(&pid, keygen, NULL, NULL, argv, environ);
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    if (e != 0)
        return ags_error_set(err, -e, "cannot run %s: %s", keygen, strerror(e));
    return wait_keygen(pid, err);
}
