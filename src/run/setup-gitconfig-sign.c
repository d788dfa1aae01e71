/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The commit-signing lines of the agent gitconfig: gpg.format = ssh,
 * user.signingkey = the signing key's .pub as the sandbox sees it, and
 * commit.gpgsign = true.  A small reader of git's config syntax (sections,
 * `[section "sub"]`, keys case-insensitive, the last value wins, # and ;
 * comments) tells which of them the file sets, so setup adds only what is
 * missing and keeps whatever the user changed.
 */
#include "run/setup.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/alloc.h"
#include "plan/plan.h"
#include "base/banned.h"

#define NAME_MAX_LEN 64u

/* The header ags writes first (setup-gitconfig.c): its files start so. */
#define MANAGED_MARK "# Managed by ags"

struct reader {
    char section[NAME_MAX_LEN]; /* "user", "gpg", ... ; "" inside a subsection */
};

/* A bool as git reads it; *ok false when it is none. */
static bool git_bool(const char *v, bool *ok)
{
    *ok = true;
    if (!v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
        !strcmp(v, "1"))
        return true;
    if (!*v || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
        !strcmp(v, "0"))
        return false;
    *ok = false;
    return false;
}

/* Reads "[name]" or "[name \"sub\"]" at p; returns what follows the ']'. */
static const char *read_section(struct reader *rd, const char *p, const char *end)
{
    p++;
    size_t n = 0;
    while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == '.')) {
        if (n + 1 < sizeof(rd->section))
            rd->section[n++] = (char)tolower((unsigned char)*p);
        p++;
    }
    rd->section[n] = '\0';
    if (p < end && *p != ']') /* a subsection: none of ours */
        rd->section[0] = '\0';
    const char *close = memchr(p, ']', (size_t)(end - p));
    return close ? close + 1 : end;
}

/* The value after '=' without quotes, comments and surrounding blanks. */
static void read_value(const char *p, const char *end, char *out, size_t size)
{
    size_t n = 0;
    bool quoted = false;
    for (; p < end; p++) {
        if (*p == '"') {
            quoted = !quoted;
            continue;
        }
        if (!quoted && (*p == '#' || *p == ';'))
            break;
        if (*p == '\\' && p + 1 < end)
            p++;
        if (n + 1 < size)
            out[n++] = *p;
    }
    while (n > 0 && isspace((unsigned char)out[n - 1]))
        n--;
    out[n] = '\0';
}

static void apply(struct run_gitconfig_signing *s, const char *section, const char *key,
                  const char *value)
{
    bool ok;
    if (!strcmp(section, "gpg") && !strcasecmp(key, "format")) {
        s->has_format = true;
        s->format_ssh = value && !strcmp(value, "ssh");
    } else if (!strcmp(section, "user") && !strcasecmp(key, "signingkey")) {
        s->has_signingkey = true;
        s->signingkey_ours = value && !strcmp(value, PLAN_SIGNING_PUB);
    } else if (!strcmp(section, "commit") && !strcasecmp(key, "gpgsign")) {
        s->has_gpgsign = true;
        s->gpgsign_on = git_bool(value, &ok) && ok;
    }
}

static void read_line(struct reader *rd, const char *p, const char *end,
                      struct run_gitconfig_signing *s)
{
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p < end && *p == '[')
        p = read_section(rd, p, end);
    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p == end || !isalpha((unsigned char)*p) || !rd->section[0])
        return;
    char key[NAME_MAX_LEN];
    size_t n = 0;
    while (p < end && (isalnum((unsigned char)*p) || *p == '-')) {
        if (n + 1 < sizeof(key))
            key[n++] = *p;
        p++;
    }
    key[n] = '\0';
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p == end || *p == '#' || *p == ';') { /* "key" alone: true */
        apply(s, rd->section, key, NULL);
        return;
    }
    if (*p != '=')
        return;
    char value[RUN_GIT_VALUE_MAX];
    p++;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    read_value(p, end, value, sizeof(value));
    apply(s, rd->section, key, value);
}

void run_gitconfig_signing_of(const char *text, struct run_gitconfig_signing *ret)
{
    *ret = (struct run_gitconfig_signing){0};
    if (!text)
        return;
    ret->managed = strncmp(text, MANAGED_MARK, strlen(MANAGED_MARK)) == 0;
    struct reader rd = {{0}};
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        const char *end = nl ? nl : p + strlen(p);
        read_line(&rd, p, end, ret);
        p = nl ? nl + 1 : end;
    }
}

bool run_gitconfig_signing_complete(const struct run_gitconfig_signing *s)
{
    return s->has_format && s->has_signingkey && s->has_gpgsign;
}

static void add_name(char *added, size_t size, const char *name)
{
    size_t n = strlen(added);
    (void)snprintf(added + n, size - n, "%s%s", n ? ", " : "", name);
}

char *run_gitconfig_signing_lines(const struct run_gitconfig_signing *s, char *added, size_t size)
{
    added[0] = '\0';
    if (run_gitconfig_signing_complete(s))
        return xstrdup("");
    if (!s->has_format)
        add_name(added, size, "gpg.format");
    if (!s->has_signingkey)
        add_name(added, size, "user.signingkey");
    if (!s->has_gpgsign)
        add_name(added, size, "commit.gpgsign");
    return xasprintf("# Commit signing with the ags signing key (added by ags setup; the\n"
                     "# sandbox has its public half at user.signingkey, never the key).\n"
                     "%s%s%s",
                     s->has_format ? "" : "[gpg]\n\tformat = ssh\n",
                     s->has_signingkey ? "" : "[user]\n\tsigningkey = " PLAN_SIGNING_PUB "\n",
                     s->has_gpgsign ? "" : "[commit]\n\tgpgsign = true\n");
}
