/* SPDX-License-Identifier: GPL-2.0-or-later */
/* After a lockdown run: what the agent did to git metadata in the workdir
 * that git on the host would act on (run/gitdirs.h), said through cb->warn. */
#include <time.h>

#include "run/gitdirs.h"
#include "run/internal.h"
#include "base/banned.h"

#define PLANTED_SHOWN 20u

static void warn_list(const struct run_callbacks *cb, const char *workdir, char **v, size_t n,
                      const char *lead, const char *advice)
{
    for (size_t i = 0; i < n && i < PLANTED_SHOWN; i++)
        run_warnf(cb, "%s %s/%s: %s", lead, workdir, v[i], advice);
    if (n > PLANTED_SHOWN)
        run_warnf(cb, "... and %zu more such directories", n - PLANTED_SHOWN);
}

/* Lockdown protects the workdir's own .git; a nested .git or bare-shaped
 * directory the agent made or changed would have the host's git run its
 * config and hooks there; what the walk cannot see is named too. */
static void warn_planted_git(const struct ags_plan *p, time_t since, bool top_protected,
                             const struct run_callbacks *cb)
{
    struct gitdirs_planted found;
    struct ags_error err = {0};
    if (gitdirs_planted(p->work_dir.v, since, top_protected, &found, &err) < 0) {
        run_warnf(cb, "cannot look for .git entries the agent made: %s", err.msg);
        return;
    }
    warn_list(cb, p->work_dir.v, found.dotgits, found.n_dotgits, "the agent created or changed",
              "git on your host runs its config and hooks in that directory; inspect or remove "
              "it before you run git there");
    warn_list(cb, p->work_dir.v, found.bare, found.n_bare,
              "the agent made a bare git repository (HEAD, objects/, refs/) of",
              "git on your host runs its config there; remove it, and set `git config --global "
              "safe.bareRepository explicit` (safe.bareRepository=explicit)");
    warn_list(cb, p->work_dir.v, found.unreadable, found.n_unreadable,
              "cannot look for .git entries the agent made in the unreadable directory",
              "inspect it before you run git there");
    warn_list(cb, p->work_dir.v, found.too_deep, found.n_too_deep,
              "did not look for .git entries the agent made below the too deep directory",
              "inspect it before you run git there");
    if (found.truncated)
        run_warnf(cb, "stopped looking for .git entries the agent made after %u entries of %s",
                  GITDIRS_SCAN_MAX_ENTRIES, p->work_dir.v);
    gitdirs_planted_done(&found);
}

/* What lockdown's mounts cannot keep in the workdir's .git (gitdirs.h). */
static void warn_guard(const struct gitdirs_guard *g, time_t since,
                       const struct run_callbacks *cb)
{
    struct gitdirs_event *ev = NULL;
    size_t n = 0;
    gitdirs_guard_check(g, since, &ev, &n);
    for (size_t i = 0; i < n; i++) {
        const struct gitdirs_event *e = &ev[i];
        switch (e->kind) {
        case GITDIRS_QUARANTINED:
            run_warnf(cb, "the agent created %s, which makes git on your host use what it "
                      "names; moved it aside to %s (inspect it, then delete it)",
                      e->path, e->moved);
            break;
        case GITDIRS_CHANGED:
            run_warnf(cb, "the agent changed %s (git on your host reads objects from where it "
                      "names); inspect it before you run git there",
                      e->path);
            break;
        case GITDIRS_RESTORED:
            run_warnf(cb, "the agent made %s invalid, so that git on your host would look for "
                      "another repository; put it back as it was at launch",
                      e->path);
            break;
        case GITDIRS_BROKEN:
            run_warnf(cb, "%s is no longer a git repository: git on your host would look for "
                      "another one further up; do not run git there before you inspect it",
                      e->path);
            break;
        case GITDIRS_BARE:
            run_warnf(cb, "%s looks like a bare git repository (HEAD, objects/, refs/): git on "
                      "your host would run its config there; remove them, and set `git config "
                      "--global safe.bareRepository explicit` (safe.bareRepository=explicit)",
                      e->path);
            break;
        case GITDIRS_FAILED:
            run_warnf(cb, "the agent tampered with %s and ags could not undo it (%s): do not run "
                      "git there before you inspect it",
                      e->path, e->moved);
            break;
        }
    }
    gitdirs_events_free(ev, n);
}


void run_warn_git_guard(const struct ags_plan *p, const struct gitdirs_guard *g, time_t since,
                        const struct run_callbacks *cb)
{
    warn_guard(g, since, cb);
    warn_planted_git(p, since, g->top_protected, cb);
}
