/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `ags net-log`: a session's egress audit log read back (netlog.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "run/netlog.h"
#include "run/statelog.h"
#include "base/banned.h"

#define SUFFIX ".jsonl"
#define SESSION_LEN 16u

static bool is_session_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
            return false;
    return n == SESSION_LEN;
}

/* The session of name "<id>.jsonl", or false. */
static bool session_of(const char *name, char id[SESSION_LEN + 1])
{
    size_t n = strlen(name);
    if (n != SESSION_LEN + strlen(SUFFIX) || strcmp(name + SESSION_LEN, SUFFIX) != 0)
        return false;
    memcpy(id, name, SESSION_LEN);
    id[SESSION_LEN] = '\0';
    return is_session_id(id);
}

/* The session whose log changed last (ties: the greater name). */
static int latest_session(int dirfd, char id[SESSION_LEN + 1])
{
    int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
    if (!d) {
        if (dup >= 0)
            (void)close(dup);
        return -errno;
    }
    struct timespec best = {0};
    bool found = false;
    struct dirent *e;
    char cand[SESSION_LEN + 1];
    while ((e = readdir(d))) {
        struct stat st;
        if (!session_of(e->d_name, cand) ||
            fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
            continue;
        bool newer = st.st_mtim.tv_sec > best.tv_sec ||
                     (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec > best.tv_nsec) ||
                     (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec == best.tv_nsec &&
                      strcmp(cand, id) > 0);
        if (!found || newer) {
            best = st.st_mtim;
            memcpy(id, cand, sizeof(cand));
            found = true;
        }
    }
    closedir(d);
    return found ? 0 : -ENOENT;
}

static char *str_field(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return xstrdup(s ? s : "");
}

static long long int_field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static bool entry_from(json_t *o, struct run_netlog_entry *e)
{
    if (!json_is_object(o))
        return false;
    char *json = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    if (!json)
        return false;
    *e = (struct run_netlog_entry){
        .time = str_field(o, "time"),
        .method = str_field(o, "method"),
        .host = str_field(o, "host"),
        .address = str_field(o, "address"),
        .decision = str_field(o, "decision"),
        .reason = str_field(o, "reason"),
        .port = int_field(o, "port"),
        .bytes_up = int_field(o, "bytes_up"),
        .bytes_down = int_field(o, "bytes_down"),
        .duration_ms = int_field(o, "duration_ms"),
        .json = xstrdup(json),
    };
    free(json);
    return true;
}

static void parse_lines(char *text, size_t len, struct run_netlog *l)
{
    size_t cap = 0;
    for (char *line = text, *end; line < text + len; line = end + 1) {
        end = memchr(line, '\n', (size_t)(text + len - line));
        if (!end)
            end = text + len;
        if (end == line)
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)(end - line), JSON_REJECT_DUPLICATES, &jerr);
        l->v = xgrow(l->v, &cap, l->n + 1, sizeof(*l->v));
        if (entry_from(o, &l->v[l->n]))
            l->n++;
        else
            l->unreadable++;
        json_decref(o);
    }
}

int run_netlog_read(const char *(*getenv_fn)(const char *name), const char *session,
                    struct run_netlog *ret, struct ags_error *err)
{
    *ret = (struct run_netlog){0};
    if (session && !is_session_id(session))
        return ags_error_set(err, -EINVAL,
                             "'%s' is not a session id (16 hex digits, as `ags net-log` lists)",
                             session);
    _cleanup_free_ char *dir = run_state_log_dir(getenv_fn, "network");
    if (!dir)
        return ags_error_set(err, -ENOENT, "no state directory: set HOME");
    _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0 && errno != ENOENT)
        return ags_error_set(err, -errno, "cannot open %s: %m", dir);
    char id[SESSION_LEN + 1] = "";
    if (session)
        memcpy(id, session, SESSION_LEN + 1);
    else if (dfd < 0 || latest_session(dfd, id) < 0)
        return ags_error_set(err, -ENOENT,
                             "no network log in %s: only runs in allowlist mode keep one", dir);
    _cleanup_free_ char *name = xasprintf("%s" SUFFIX, id);
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    _cleanup_free_ char *text = NULL;
    size_t len = 0;
    int r = dfd < 0 ? -ENOENT
                    : read_regular_file_at(dfd, name, path, RUN_NETLOG_MAX_FILE, &text, &len, NULL,
                                           err);
    if (r == -ENOENT)
        return ags_error_set(err, -ENOENT, "session %s has no network log (%s)", id, path);
    if (r < 0)
        return r;
    ret->session = xstrdup(id);
    ret->path = TAKE_PTR(path);
    parse_lines(text, len, ret);
    return 0;
}

void run_netlog_done(struct run_netlog *l)
{
    for (size_t i = 0; i < l->n; i++) {
        struct run_netlog_entry *e = &l->v[i];
        free(e->time);
        free(e->method);
        free(e->host);
        free(e->address);
        free(e->decision);
        free(e->reason);
        free(e->json);
    }
    free(l->v);
    free(l->session);
    free(l->path);
    *l = (struct run_netlog){0};
}
