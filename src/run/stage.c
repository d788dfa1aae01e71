/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "run/stage.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/procid.h"
#include "base/rmtree.h"
#include "base/banned.h"

/*
 * What lockdown stages of each agent home (docs/run-mode.md, "Lockdown
 * staging", has the agents' layouts and sources).  Paths are relative to the
 * home; "dir/" stages that whole subtree.  Everything else stays behind, and
 * so do the session, history, transcript, log and cache entries of
 * drop_anywhere at every depth, even inside an allowed subtree.
 */
static const char *const allow_pi[] = {
    "agent/auth.json", "agent/settings.json", "agent/models.json", "agent/keybindings.json",
    "agent/AGENTS.md", "agent/SYSTEM.md", "agent/APPEND_SYSTEM.md", "agent/extensions/",
    "agent/prompts/", "agent/skills/", "agent/themes/", "agent/tools/", "agent/hooks/",
    "agent/commands/", NULL,
};
static const char *const allow_claude[] = {
    ".credentials.json", "settings.json", "settings.local.json", "CLAUDE.md", "keybindings.json",
    "agents/", "commands/", "skills/", "output-styles/", "hooks/", "rules/", "plugins/", NULL,
};
static const char *const allow_codex[] = {
    "auth.json", "config.toml", "AGENTS.md", "AGENTS.override.md", "prompts/", "skills/",
    "rules/", NULL,
};
static const char *const allow_gemini[] = {
    "settings.json", "oauth_creds.json", "google_accounts.json", "installation_id", "user_id",
    "GEMINI.md", ".env", "mcp-oauth-tokens.json", "commands/", "extensions/", "skills/", NULL,
};
static const char *const allow_opencode[] = {
    "opencode.json", "opencode.jsonc", "config.json", "tui.json", "tui.jsonc", "AGENTS.md",
    "package.json", "bun.lock", "agent/", "agents/", "command/", "commands/", "plugin/",
    "plugins/", "mode/", "modes/", "themes/", "tool/", "tools/", "skill/", "skills/",
    "node_modules/", NULL,
};

/* fnmatch patterns, case-insensitive, matched against every entry's name. */
static const char *const drop_anywhere[] = {
    "sessions", "archived_sessions", "session-env", "session_index*", "*history*",
    "transcripts", "projects", "todos", "tasks", "plans", "shell-snapshots", "shell_snapshots",
    "paste-cache", "checkpoints", "debug", "logs", "log", "*.log", "tmp", "statsig", "telemetry",
    "*.sqlite", "*.sqlite-*", NULL,
};

/* ~/.claude.json is Claude Code's state file: besides the account it keeps
 * every project's prompt history, paths and MCP servers (with their tokens).
 * Only these top-level keys are staged. */
static const char *const claude_json_keys[] = {
    "autoUpdates", "bypassPermissionsModeAccepted", "customApiKeyResponses", "editorMode",
    "hasAcknowledgedCostThreshold", "hasCompletedOnboarding", "installMethod",
    "lastOnboardingVersion", "oauthAccount", "primaryApiKey", "theme", "userID", "verbose",
    NULL,
};
#define CLAUDE_JSON PLAN_HOME "/.claude.json"

static const struct home_rules {
    enum plan_agent agent;
    const char *destination;
    const char *const *allow;
} home_rules[] = {
    {PLAN_AGENT_PI, PLAN_PI_HOME, allow_pi},
    {PLAN_AGENT_CLAUDE, PLAN_HOME "/.claude", allow_claude},
    {PLAN_AGENT_CODEX, PLAN_HOME "/.codex", allow_codex},
    {PLAN_AGENT_GEMINI, PLAN_HOME "/.gemini", allow_gemini},
    {PLAN_AGENT_OPENCODE, PLAN_HOME "/.config/opencode", allow_opencode},
};

/* A home no rule names stages nothing. */
static const char *const allow_nothing[] = {NULL};

struct copy_ctx {
    unsigned long long bytes, max;
    const char *from, *to;     /* the home being staged and its copy, for messages */
    const char *const *allow;  /* that home's allowlist */
    struct stage_notes *notes; /* what was skipped, or NULL */
    struct ags_error *err;
};

/* Records that an entry was left out (the paths in msg come from the home). */
static void skip_note(struct copy_ctx *cx, char *msg)
{
    struct stage_notes *notes = cx->notes;
    if (notes && notes->n < STAGE_MAX_NOTES)
        notes->msg[notes->n] = TAKE_PTR(msg);
    if (notes)
        notes->n++;
    free(msg);
}

static const char *const *allowlist_for(const struct ags_plan *p, const char *destination)
{
    for (size_t i = 0; i < ARRAY_SIZE(home_rules); i++)
        if (home_rules[i].agent == p->agent && strcmp(home_rules[i].destination, destination) == 0)
            return home_rules[i].allow;
    return allow_nothing;
}

static bool dropped_anywhere(const char *name)
{
    for (size_t i = 0; drop_anywhere[i]; i++)
        if (fnmatch(drop_anywhere[i], name, FNM_CASEFOLD) == 0)
            return true;
    return false;
}

/* Whether rel (relative to the home) is staged: a listed file, anything in a
 * listed "dir/", or a directory on the way to one of them. */
static bool allowed(const char *rel, bool is_dir, const char *const *allow)
{
    size_t len = strlen(rel);
    for (size_t i = 0; allow[i]; i++) {
        const char *a = allow[i];
        size_t n = strlen(a);
        bool tree = a[n - 1] == '/';
        if (tree && strncmp(rel, a, n) == 0)
            return true; /* inside */
        if (!tree && !is_dir && strcmp(rel, a) == 0)
            return true;
        if (is_dir && len < n && strncmp(a, rel, len) == 0 && a[len] == '/')
            return true; /* the tree itself, or a directory leading to an entry */
    }
    return false;
}

/* The owner file at the staging root (never mounted: only subdirectories
 * are): who made it, for stage_sweep (base/procid.h). */
#define STAGE_OWNER_FILE "owner"

int stage_write_owner(const char *dir, struct ags_error *err)
{
    struct procid self;
    if (procid_self(&self, NULL) < 0)
        return 0; /* no proof of ownership: the sweep keeps it; the run still removes it */
    char text[PROCID_MAX_TEXT];
    procid_format(&self, text, sizeof(text));
    _cleanup_free_ char *path = xasprintf("%s/" STAGE_OWNER_FILE, dir);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                  0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        int r = ags_error_set(err, -errno, "cannot write '%s': %m", path);
        (void)unlink(path);
        return r;
    }
    return 0;
}

/* The session a supervisor's staging serves, beside the owner file: while
 * that session's sandbox runs the sweep keeps it, owner or not. */
#define STAGE_SESSION_FILE "session"

int stage_write_session(const char *dir, const char *session, struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/" STAGE_SESSION_FILE, dir);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                                  0600);
    if (fd < 0 || write_all(fd, session, strlen(session)) < 0)
        return ags_error_set(err, -errno, "cannot write '%s': %m", path);
    return 0;
}

bool stage_kept_for_session(int dir, const char *name, char *const *keep)
{
    if (!keep || !keep[0])
        return false;
    _cleanup_free_ char *rel = xasprintf("%s/" STAGE_SESSION_FILE, name);
    _cleanup_free_ char *session = read_own_line_at(dir, rel, STAGE_SESSION_MAX);
    for (size_t i = 0; session && keep[i]; i++)
        if (strcmp(keep[i], session) == 0)
            return true;
    return false;
}

int stage_rewrite_owner(const char *dir, struct ags_error *err)
{
    _cleanup_free_ char *path = xasprintf("%s/" STAGE_OWNER_FILE, dir);
    if (unlink(path) < 0 && errno != ENOENT)
        return ags_error_set(err, -errno, "cannot replace '%s': %m", path);
    return stage_write_owner(dir, err);
}

int stage_make_dir(char *template_path, struct ags_error *err)
{
    if (!mkdtemp(template_path))
        return ags_error_set(err, -errno, "cannot create the lockdown staging directory '%s': %m",
                             template_path);
    int r = stage_write_owner(template_path, err);
    if (r < 0)
        (void)rmdir(template_path);
    return r;
}

/* Opens name in dirfd only if it is still the regular file st describes:
 * O_NONBLOCK so that a FIFO swapped in after the stat cannot block the open,
 * then the same device and inode, then blocking reads again. */
static int open_regular_at(int dirfd, const char *name, const struct stat *st, const char *shown,
                           struct ags_error *err)
{
    _cleanup_close_ int fd =
            openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return ags_error_set(err, -errno, "cannot read '%s' for staging: %m", shown);
    struct stat now;
    if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_dev != st->st_dev ||
        now.st_ino != st->st_ino)
        return ags_error_set(err, -EINVAL, "'%s' changed while it was being staged and is no "
                                           "longer the same regular file; not staging it for "
                                           "--lockdown", shown);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
        return ags_error_set(err, -errno, "cannot read '%s' for staging: %m", shown);
    return TAKE_FD(fd);
}

static int too_big(struct copy_ctx *cx)
{
    return ags_error_set(cx->err, -EFBIG, "the agent home %s is larger than %llu MiB; not "
                                          "staging it for --lockdown", cx->from, cx->max >> 20);
}

/* Copies in to out, counting the bytes actually read against the budget (a
 * file that grows while it is copied cannot get past it). */
static int copy_bytes(int in, int out, const char *shown, struct copy_ctx *cx)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ags_error_set(cx->err, -errno, "reading '%s': %m", shown);
        if (n == 0)
            return 0;
        if ((unsigned long long)n > cx->max - cx->bytes)
            return too_big(cx);
        cx->bytes += (unsigned long long)n;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                return ags_error_set(cx->err, -errno, "writing the staged copy of '%s': %m",
                                     shown);
            off += w;
        }
    }
}

static int create_copy(int dst_dir, const char *name, mode_t mode, const char *shown,
                       struct copy_ctx *cx)
{
    int out = openat(dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     mode & 0777);
    if (out < 0)
        return ags_error_set(cx->err, -errno, "cannot create the staged copy of '%s': %m", shown);
    return out;
}

/* Copies the opened file in (st) to dst_name in dst_dir. */
static int copy_open_file(int in, const char *shown, const struct stat *st, int dst_dir,
                          const char *dst_name, struct copy_ctx *cx)
{
    if ((unsigned long long)st->st_size > cx->max - cx->bytes)
        return too_big(cx);
    _cleanup_close_ int out = create_copy(dst_dir, dst_name, st->st_mode, shown, cx);
    if (out < 0)
        return out;
    return copy_bytes(in, out, shown, cx);
}

static int copy_file(int src_dir, const char *name, const char *shown, const struct stat *st,
                     int dst_dir, const char *dst_name, struct copy_ctx *cx)
{
    _cleanup_close_ int in = open_regular_at(src_dir, name, st, shown, cx->err);
    if (in < 0)
        return in;
    return copy_open_file(in, shown, st, dst_dir, dst_name, cx);
}

/* A file of the tree, unless it is not the agent's own: a hard link (st_nlink
 * > 1) can make an allowlisted name share its content with a file staging
 * leaves out (a normal run with the home read-write does `ln
 * sessions/p/s.jsonl skills/notes.md`, and every later lockdown run would
 * stage that transcript), so such a file is skipped.  So is one the user
 * cannot read (chmod 000 by the agent): that must not stop every lockdown run. */
static int copy_entry(int src, const char *name, const char *shown, const struct stat *st,
                      int dst, struct copy_ctx *cx)
{
    if (st->st_nlink > 1) {
        skip_note(cx, xasprintf("not staging '%s': it is a hard link (%ju names), which can "
                                "share the content of a file that staging leaves out",
                                shown, (uintmax_t)st->st_nlink));
        return 0;
    }
    if ((unsigned long long)st->st_size > cx->max - cx->bytes) {
        skip_note(cx, xasprintf("not staging '%s': it would take the staged copy over %llu "
                                "MiB", shown, cx->max >> 20));
        return 0;
    }
    struct ags_error err = {0};
    _cleanup_close_ int in = open_regular_at(src, name, st, shown, &err);
    if (in == -EACCES || in == -EPERM) {
        skip_note(cx, xasprintf("not staging '%s': cannot read it (%s)", shown,
                                strerror(-in)));
        return 0;
    }
    if (in < 0)
        return ags_error_set(cx->err, in, "%s", err.msg);
    return copy_open_file(in, shown, st, dst, name, cx);
}

/* Opens directory name of the tree for copying; false (with a note) when it
 * is nested too deeply or cannot be read, which skips it and what it holds. */
static bool enter_dir(int src, const char *name, const char *shown, unsigned depth, int *ret_fd,
                      struct copy_ctx *cx)
{
    if (depth >= STAGE_MAX_DEPTH) {
        skip_note(cx, xasprintf("not staging '%s': it is nested too deeply (more than %d "
                                "levels)", shown, STAGE_MAX_DEPTH));
        return false;
    }
    *ret_fd = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    if (*ret_fd < 0 && e != ENOENT) /* ENOENT: gone since it was listed */
        skip_note(cx, xasprintf("not staging '%s': cannot read it (%s)", shown, strerror(e)));
    return *ret_fd >= 0;
}

/* Copies directory src into dst, keeping what the home's allowlist names and
 * dropping symlinks and anything that is neither a file nor a directory. */
static int copy_dir(int src, int dst, const char *rel, unsigned depth, struct copy_ctx *cx)
{
    int dfd = dup(src);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            (void)close(dfd);
        return ags_error_set(cx->err, -errno, "cannot list '%s/%s': %m", cx->from, rel);
    }
    int r = 0;
    struct dirent *de;
    while (r == 0 && (de = readdir(d))) {
        const char *name = de->d_name;
        struct stat st;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || dropped_anywhere(name) ||
            fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        _cleanup_free_ char *sub = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);
        if (!allowed(sub, S_ISDIR(st.st_mode), cx->allow))
            continue;
        _cleanup_free_ char *shown = xasprintf("%s/%s", cx->from, sub);
        if (S_ISREG(st.st_mode)) {
            r = copy_entry(src, name, shown, &st, dst, cx);
        } else if (S_ISDIR(st.st_mode)) {
            _cleanup_close_ int from = -EBADF;
            if (!enter_dir(src, name, shown, depth, &from, cx))
                continue;
            _cleanup_close_ int to = -EBADF;
            r = open_dir_below(dst, cx->to, name, 0700, true, &to, cx->err);
            if (r == 0)
                r = copy_dir(from, to, sub, depth + 1, cx);
            if (r == 0 && fchmod(to, (st.st_mode & 0777) | 0700) < 0)
                r = ags_error_set(cx->err, -errno, "cannot set the mode of the copy of '%s': %m",
                                  shown);
        } /* symlinks, sockets, devices: never staged */
    }
    closedir(d);
    return r;
}

/* ~/.claude.json without the per-project state: only claude_json_keys. */
static int stage_claude_json(const struct stat *st, const char *from, int dst_dir,
                             const char *dst_name, struct copy_ctx *cx)
{
    if ((unsigned long long)st->st_size > cx->max - cx->bytes)
        return too_big(cx);
    _cleanup_close_ int in = open_regular_at(AT_FDCWD, from, st, from, cx->err);
    if (in < 0)
        return in;
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = read_fd_bounded(in, (size_t)(cx->max - cx->bytes), &text, &len, cx->err);
    if (r < 0)
        return r == -EFBIG ? too_big(cx) : ags_error_prefix(cx->err, "reading '%s'", from);
    cx->bytes += len;
    json_error_t jerr;
    json_t *all = json_loadb(text, len, 0, &jerr);
    if (!json_is_object(all)) {
        json_decref(all);
        return ags_error_set(cx->err, -EINVAL, "'%s' is not a JSON object (line %d: %s); not "
                             "staging it for --lockdown", from, jerr.line, jerr.text);
    }
    json_t *kept = json_object();
    for (size_t i = 0; claude_json_keys[i]; i++) {
        json_t *v = json_object_get(all, claude_json_keys[i]);
        if (v)
            (void)json_object_set(kept, claude_json_keys[i], v);
    }
    char *out_text = json_dumps(kept, JSON_INDENT(2));
    json_decref(kept);
    json_decref(all);
    if (!out_text)
        return ags_error_set(cx->err, -ENOMEM, "cannot write the staged copy of '%s'", from);
    _cleanup_close_ int out = create_copy(dst_dir, dst_name, st->st_mode, from, cx);
    r = out;
    if (out >= 0) {
        size_t n = strlen(out_text);
        r = write(out, out_text, n) == (ssize_t)n
                    ? 0
                    : ags_error_set(cx->err, -EIO, "cannot write the staged copy of '%s'", from);
    }
    free(out_text);
    return r;
}

/* A file mount whose source the user cannot read (a normal run mounts it
 * read-write, so its agent can chmod 000 it) gets an empty stand-in, so
 * that it cannot keep every lockdown run from starting: "{}" for
 * ~/.claude.json, nothing for others. */
static int stage_placeholder(const char *from, bool claude_json, int dst_dir,
                             const char *dst_name, struct copy_ctx *cx)
{
    skip_note(cx, xasprintf("not staging '%s': cannot read it (%s); the sandbox gets an "
                            "empty file instead", from, strerror(EACCES)));
    _cleanup_close_ int out = create_copy(dst_dir, dst_name, 0600, from, cx);
    if (out < 0)
        return out;
    const char *text = claude_json ? "{}\n" : "";
    size_t n = strlen(text);
    if (write(out, text, n) != (ssize_t)n)
        return ags_error_set(cx->err, -EIO, "cannot write the staged copy of '%s'", from);
    return 0;
}

/* The mount's source relative to the staging dir (plan-mounts puts it there). */
static const char *below_staging(const char *source, const char *staging_dir)
{
    size_t n = strlen(staging_dir);
    if (strncmp(source, staging_dir, n) != 0 || source[n] != '/')
        return NULL;
    return source + n + 1;
}

static int stage_file(const struct ags_plan *p, const struct plan_mount *m, const struct stat *st,
                      int staging, const char *rel, struct copy_ctx *cx)
{
    _cleanup_free_ char *dir = xstrdup(rel);
    char *slash = strrchr(dir, '/');
    const char *name = slash ? slash + 1 : dir;
    if (slash)
        *slash = '\0';
    _cleanup_close_ int dfd = -EBADF;
    int r = open_dir_below(staging, cx->to, slash ? dir : "", 0700, true, &dfd, cx->err);
    if (r < 0)
        return r;
    bool claude_json = p->agent == PLAN_AGENT_CLAUDE && strcmp(m->destination, CLAUDE_JSON) == 0;
    if (faccessat(AT_FDCWD, m->stage_from, R_OK, AT_EACCESS) < 0 && errno == EACCES)
        return stage_placeholder(m->stage_from, claude_json, dfd, name, cx);
    if (claude_json)
        return stage_claude_json(st, m->stage_from, dfd, name, cx);
    return copy_file(AT_FDCWD, m->stage_from, m->stage_from, st, dfd, name, cx);
}

static int stage_one(const struct ags_plan *p, const struct plan_mount *m, int staging,
                     const char *rel, struct copy_ctx *cx)
{
    struct stat st;
    if (lstat(m->stage_from, &st) < 0)
        return ags_error_set(cx->err, -errno, "cannot stage '%s' for --lockdown: %m",
                             m->stage_from);
    cx->from = m->stage_from;
    if (S_ISREG(st.st_mode))
        return stage_file(p, m, &st, staging, rel, cx);
    if (!S_ISDIR(st.st_mode))
        return ags_error_set(cx->err, -EINVAL, "'%s' is neither a file nor a directory; "
                                               "--lockdown stages only those", m->stage_from);
    _cleanup_close_ int from = open(m->stage_from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (from < 0)
        return ags_error_set(cx->err, -errno, "cannot open '%s': %m", m->stage_from);
    _cleanup_close_ int to = -EBADF;
    int r = open_dir_below(staging, cx->to, rel, 0700, true, &to, cx->err);
    if (r < 0)
        return r;
    cx->allow = allowlist_for(p, m->destination);
    r = copy_dir(from, to, "", 0, cx);
    if (r == 0 && fchmod(to, (st.st_mode & 0777) | 0700) < 0)
        r = ags_error_set(cx->err, -errno, "cannot set the mode of '%s': %m", m->source);
    return r;
}

void stage_notes_done(struct stage_notes *notes)
{
    for (size_t i = 0; i < STAGE_MAX_NOTES; i++)
        free(notes->msg[i]);
    *notes = (struct stage_notes){0};
}

int stage_lockdown_within(const struct ags_plan *p, const char *staging_dir,
                          unsigned long long max_bytes, struct stage_notes *notes,
                          struct ags_error *err)
{
    _cleanup_close_ int staging = open(staging_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (staging < 0)
        return ags_error_set(err, -errno, "cannot open the staging directory '%s': %m",
                             staging_dir);
    struct copy_ctx cx = {.max = max_bytes, .to = staging_dir, .notes = notes, .err = err};
    for (size_t i = 0; i < p->n_mounts; i++) {
        const struct plan_mount *m = &p->mounts[i];
        const char *rel = below_staging(m->source, staging_dir);
        int r = 0;
        if (m->stage_from && !rel)
            r = ags_error_set(err, -EINVAL, "staged copy '%s' is not inside '%s'", m->source,
                              staging_dir);
        else if (m->stage_from)
            r = stage_one(p, m, staging, rel, &cx);
        else if (rel) { /* e.g. the fresh claude hook directory */
            _cleanup_close_ int fd = -EBADF;
            r = open_dir_below(staging, staging_dir, rel, 0755, true, &fd, err);
        }
        if (r < 0)
            return r;
    }
    return 0;
}

int stage_lockdown(const struct ags_plan *p, const char *staging_dir, struct stage_notes *notes,
                   struct ags_error *err)
{
    return stage_lockdown_within(p, staging_dir, STAGE_MAX_BYTES, notes, err);
}

int stage_remove_tree(const char *path, struct ags_error *err)
{
    return rmtree(path, err);
}

enum procid_state stage_owner_state(int dir, const char *name, const struct procid *self)
{
    _cleanup_free_ char *rel = xasprintf("%s/" STAGE_OWNER_FILE, name);
    return procid_file_state(dir, rel, self);
}

static int sweep_prefix(const char *tmp_dir, const char *prefix, char *const *keep,
                        size_t *ret_removed, struct ags_error *err);

int stage_sweep(const char *tmp_dir, char *const *keep, size_t *ret_removed,
                struct ags_error *err)
{
    return sweep_prefix(tmp_dir, STAGE_PREFIX, keep, ret_removed, err);
}

int stage_sweep_prefix(const char *tmp_dir, const char *prefix, size_t *ret_removed,
                       struct ags_error *err)
{
    return sweep_prefix(tmp_dir, prefix, NULL, ret_removed, err);
}

static int sweep_prefix(const char *tmp_dir, const char *prefix, char *const *keep,
                        size_t *ret_removed, struct ags_error *err)
{
    *ret_removed = 0;
    struct procid self;
    int r = procid_self(&self, err);
    if (r < 0)
        return r;
    _cleanup_close_ int fd = open(tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : ags_error_set(err, -errno, "cannot open '%s': %m", tmp_dir);
    DIR *d = fdopendir(fd);
    if (!d)
        return ags_error_set(err, -errno, "cannot read '%s': %m", tmp_dir);
    TAKE_FD(fd);
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat st;
        /* Only our own directories (never a symlink), of an ags proven gone. */
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0 ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            continue;
        if (stage_owner_state(dirfd(d), e->d_name, &self) != PROCID_DEAD ||
            stage_kept_for_session(dirfd(d), e->d_name, keep))
            continue;
        _cleanup_free_ char *path = xasprintf("%s/%s", tmp_dir, e->d_name);
        /* One that cannot be removed does not keep the others: the first error is reported. */
        int k = rmtree_at(dirfd(d), e->d_name, path, r == 0 ? err : NULL);
        if (k == 0)
            (*ret_removed)++;
        else if (r == 0)
            r = k;
    }
    closedir(d);
    return r;
}
