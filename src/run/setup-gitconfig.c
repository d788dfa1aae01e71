/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The agent gitconfig (sandbox.gitconfig_path, by default
 * <XDG config>/ags/gitconfig-agent, mounted read-only into the sandbox as the
 * agent's global git config): written once by `ags setup` from the host's
 * git identity, an ags-managed file that later features extend.  It is
 * created, never replaced: a file there is the user's to keep (setup only
 * adds the commit-signing keys it lacks to a file with ags's header), and a
 * symlink there is refused rather than written through.
 */
#include "run/setup.h"

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
#include "base/strbuf.h"
#include "base/banned.h"

#define GITCONFIG_MAX (64u * 1024u)

static const char gitconfig_header[] =
        "# Managed by ags: `ags setup` wrote it from your git identity, and later\n"
        "# versions of ags may add to it.  Mounted read-only into the sandbox as the\n"
        "# agent's global git config (docs/run-mode.md).  ags setup never replaces it:\n"
        "# edit it, or remove it and run `ags setup` again.\n";

/* What git printed, without the newline it ends with. */
static int read_value(int fd, char *buf, size_t size, const char *key, struct ags_error *err)
{
    _cleanup_free_ char *out = NULL;
    size_t len = 0;
    int r = read_fd_bounded(fd, RUN_GIT_VALUE_MAX, &out, &len, err);
    if (r < 0)
        return ags_error_prefix(err, "reading git's %s", key);
    while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
        len--;
    if (len == 0)
        return ags_error_set(err, -ENOENT, "%s is empty in your git config", key);
    if (len >= size)
        return ags_error_set(err, -E2BIG, "%s is longer than %zu bytes", key, size - 1);
    memcpy(buf, out, len);
    buf[len] = '\0';
    return 0;
}

static int wait_git(pid_t pid, const char *key, struct ags_error *err)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return ags_error_set(err, -errno, "waiting for git: %m");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 1) /* git config: the key is not set */
        return ags_error_set(err, -ENOENT, "%s is not set in your git config", key);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return ags_error_set(err, -EIO, "git config --global --get %s failed (%s %d)", key,
                             WIFEXITED(status) ? "exit status" : "signal",
                             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

int run_git_config_get(const char *key, char *buf, size_t size, struct ags_error *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return ags_error_set(err, -errno, "pipe: %m");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    /* In /: no repository around, so none of its config is read. */
    posix_spawn_file_actions_addchdir_np(&fa, "/");
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    char *argv[] = {xstrdup("git"), xstrdup("config"), xstrdup("--global"), xstrdup("--get"),
                    xstrdup(key), NULL};
    pid_t pid;
    int e = posix_spawnp(&pid, "git", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    for (size_t i = 0; argv[i]; i++)
        free(argv[i]);
    (void)close(p[1]);
    if (e != 0) {
        (void)close(p[0]);
        return ags_error_set(err, -ENOENT, "cannot run git (%s), so your git identity is "
                                           "unknown", strerror(e));
    }
    struct ags_error read_err = {0};
    int r = read_value(p[0], buf, size, key, &read_err);
    (void)close(p[0]);
    int w = wait_git(pid, key, err);
    if (w < 0)
        return w;
    if (r < 0 && err)
        *err = read_err;
    return r;
}

/* A value as a git config string: quoted, with \ and " escaped. */
static int put_value(struct strbuf *sb, const char *what, const char *v, struct ags_error *err)
{
    for (const char *c = v; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return ags_error_set(err, -EINVAL, "your git %s has a control character; "
                                               "not written", what);
    int r = strbuf_appendf(sb, "\t%s = \"", what);
    for (const char *c = v; r == 0 && *c; c++)
        r = (*c == '\\' || *c == '"') ? strbuf_appendf(sb, "\\%c", *c) : strbuf_append(sb, c, 1);
    if (r == 0)
        r = strbuf_appendf(sb, "\"\n");
    return r < 0 ? ags_error_set(err, -E2BIG, "the gitconfig would be too long") : 0;
}

int run_setup_gitconfig_text(const char *name, const char *email, char **ret,
                             struct ags_error *err)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, GITCONFIG_MAX);
    int r = strbuf_appendf(&sb, "%s[user]\n", gitconfig_header);
    if (r < 0)
        return ags_error_set(err, -E2BIG, "the gitconfig would be too long");
    r = put_value(&sb, "name", name, err);
    if (r == 0)
        r = put_value(&sb, "email", email, err);
    if (r == 0)
        *ret = strbuf_steal(&sb);
    return r;
}

/* What is at name in dfd: -ENOENT (nothing), 0 (a regular file), or an
 * error for anything else (a symlink is not followed). */
static int existing(int dfd, const char *name, const char *path, struct ags_error *err)
{
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return errno == ENOENT ? -ENOENT : ags_error_set(err, -errno, "cannot look at %s: %m",
                                                         path);
    if (S_ISLNK(st.st_mode))
        return ags_error_set(err, -ELOOP, "%s is a symlink; ags does not write through it "
                                          "(remove it, then run ags setup again)", path);
    if (!S_ISREG(st.st_mode))
        return ags_error_set(err, -EINVAL, "%s is not a regular file; left as is", path);
    return 0;
}

static int create_new(int dfd, const char *name, const char *path, const char *text,
                      struct ags_error *err)
{
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return errno == EEXIST ? -EEXIST : ags_error_set(err, -errno, "cannot create %s: %m",
                                                         path);
    int r = fchmod(fd, 0600) < 0 ? -errno : 0; /* whatever the umask */
    if (r == 0)
        r = write_all(fd, text, strlen(text));
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r < 0) {
        (void)unlinkat(dfd, name, 0);
        return ags_error_set(err, r, "cannot write %s: %s", path, strerror(-r));
    }
    return 0;
}

/* The new file: the identity, and with signing the signing lines. */
static int read_identity(run_git_get_fn *get, bool signing, struct run_gitconfig_result *res,
                         char **ret, struct ags_error *err)
{
    char name[RUN_GIT_VALUE_MAX], email[RUN_GIT_VALUE_MAX];
    int r = get("user.name", name, sizeof(name), err);
    if (r == 0)
        r = get("user.email", email, sizeof(email), err);
    _cleanup_free_ char *text = NULL;
    if (r == 0)
        r = run_setup_gitconfig_text(name, email, &text, err);
    if (r < 0)
        return r;
    const struct run_gitconfig_signing none = {0};
    _cleanup_free_ char *lines =
            signing ? run_gitconfig_signing_lines(&none, res->added, sizeof(res->added)) : NULL;
    res->signing = signing;
    *ret = xasprintf("%s%s", text, lines ? lines : "");
    return 0;
}

/* An existing regular file: ags's own gains the signing lines it lacks. */
static int add_signing(int dfd, const char *dir, const char *name, const char *path,
                       bool signing, struct run_gitconfig_result *res, struct ags_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = read_regular_file_at(dfd, name, path, GITCONFIG_MAX, &text, &len, NULL, err);
    if (r < 0)
        return r;
    struct run_gitconfig_signing s;
    run_gitconfig_signing_of(text, &s);
    res->what = s.managed ? RUN_GITCONFIG_THERE : RUN_GITCONFIG_NOT_OURS;
    res->signing = run_gitconfig_signing_complete(&s);
    if (!s.managed || !signing || res->signing)
        return 0;
    _cleanup_free_ char *lines = run_gitconfig_signing_lines(&s, res->added, sizeof(res->added));
    _cleanup_free_ char *merged =
            xasprintf("%s%s%s", text, len > 0 && text[len - 1] != '\n' ? "\n" : "", lines);
    if (strlen(merged) > GITCONFIG_MAX)
        return ags_error_set(err, -E2BIG, "%s would grow past %u bytes; add the signing lines "
                                          "yourself", path, GITCONFIG_MAX);
    r = write_file_atomic_at(dfd, dir, name, merged, strlen(merged), 0600, err);
    if (r < 0)
        return r;
    res->what = RUN_GITCONFIG_ADDED;
    res->signing = true;
    return 0;
}

int run_setup_gitconfig(const struct ags_config *cfg, run_git_get_fn *get, bool signing,
                        struct run_gitconfig_result *ret, struct ags_error *err)
{
    const struct cfg_str *g = &cfg->sandbox.gitconfig_path;
    *ret = (struct run_gitconfig_result){.what = RUN_GITCONFIG_USERS};
    if (g->at.file || !g->v || g->v[0] != '/')
        return 0;
    const char *slash = strrchr(g->v, '/');
    _cleanup_free_ char *dir = slash == g->v ? xstrdup("/") : xstrndup(g->v, (size_t)(slash - g->v));
    const char *name = slash + 1;
    /* Nothing is made (not even the directory) before there is an identity. */
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 && errno != ENOENT)
        return ags_error_set(err, -errno, "cannot open %s: %m", dir);
    int r = dfd >= 0 ? existing(dfd, name, g->v, err) : -ENOENT;
    if (r != -ENOENT) {
        ret->what = RUN_GITCONFIG_THERE;
        return r < 0 ? r : add_signing(dfd, dir, name, g->v, signing, ret, err);
    }
    _cleanup_free_ char *text = NULL;
    r = read_identity(get, signing, ret, &text, err);
    if (r == -ENOENT) {
        ret->what = RUN_GITCONFIG_NO_IDENTITY;
        return 0;
    }
    if (r < 0)
        return r;
    if (dfd < 0) {
        r = mkdir_parents(dir, 0700, err);
        if (r < 0)
            return r;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
            return ags_error_set(err, -errno, "cannot open %s: %m", dir);
    }
    r = create_new(dfd, name, g->v, text, err);
    ret->what = RUN_GITCONFIG_WRITTEN;
    if (r == -EEXIST) { /* made meanwhile: whatever it is, it is not ours to replace */
        *ret = (struct run_gitconfig_result){.what = RUN_GITCONFIG_THERE};
        r = existing(dfd, name, g->v, err);
    }
    return r;
}
