/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text of create-aliases: wrappers, the alias block, the rc edit. */
#include "run/aliases.h"

#include <errno.h>
#include <string.h>

#include "base/alloc.h"
#include "base/strbuf.h"
#include "base/banned.h"

#define ALIAS_NAME_MAX 64
/* An rc file with the block, and the block itself: far below this. */
#define ALIAS_TEXT_MAX (4u * 1024u * 1024u)

const struct run_alias run_default_aliases[] = {
    {"asco", "ags --agent claude --defaults -- --model opus"},
    {"ags-cc-opus", "ags --agent claude --defaults -- --model opus"},
    {"ascs", "ags --agent claude --defaults -- --model sonnet"},
    {"ags-cc-sonnet", "ags --agent claude --defaults -- --model sonnet"},
    {"asch", "ags --agent claude --defaults -- --model haiku"},
    {"ags-cc-haiku", "ags --agent claude --defaults -- --model haiku"},
    {"aspi", "ags --agent pi --"},
    {"ags-pi", "ags --agent pi --"},
    {"asoc", "ags --agent opencode --"},
    {"ags-oc", "ags --agent opencode --"},
    {"asx", "ags --agent codex --"},
    {"ags-cx", "ags --agent codex --"},
    {"asg", "ags --agent gemini --defaults --"},
    {"ags-gem-yolo", "ags --agent gemini --defaults --"},
};
const size_t run_n_default_aliases = ARRAY_SIZE(run_default_aliases);

static bool name_char(char c, bool first)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')
        return true;
    return !first && (c == '-' || c == '.');
}

bool run_alias_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > ALIAS_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(name[i], i == 0))
            return false;
    /* A wrapper named ags would run itself instead of ags. */
    return strcmp(name, "ags") != 0;
}

bool run_alias_command_valid(const char *command)
{
    if (!command[0])
        return false;
    for (const unsigned char *p = (const unsigned char *)command; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

char *run_alias_wrapper_text(const char *command)
{
    return xasprintf("#!/usr/bin/env bash\n" RUN_ALIAS_MARKER "\nset -euo pipefail\n"
                     "exec %s \"$@\"\n", command);
}

/* Whether the line starting at p is exactly want. */
static bool line_is(const char *p, const char *want)
{
    size_t n = strlen(want);
    return strncmp(p, want, n) == 0 && (p[n] == '\n' || p[n] == '\0');
}

bool run_alias_is_managed(const char *text)
{
    const char *nl = strchr(text, '\n');
    return nl && line_is(nl + 1, RUN_ALIAS_MARKER);
}

/* s in single quotes: POSIX shells end the quote for a ' ('\''); fish's
 * single quotes know two escapes, \' and \\ (a lone backslash before a
 * quote would end fish's string where POSIX's does not). */
static void append_quoted(struct strbuf *sb, const char *s, bool fish)
{
    int r = strbuf_appendc(sb, '\'');
    for (; *s && r == 0; s++) {
        if (fish && (*s == '\'' || *s == '\\'))
            r = strbuf_appendc(sb, '\\') < 0 ? -1 : strbuf_appendc(sb, *s);
        else if (*s == '\'')
            r = strbuf_appends(sb, "'\\''");
        else
            r = strbuf_appendc(sb, *s);
    }
    if (r == 0)
        r = strbuf_appendc(sb, '\'');
    if (r < 0)
        ags_oom();
}

char *run_alias_block(const struct run_alias *v, size_t n, bool fish)
{
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, ALIAS_TEXT_MAX);
    if (strbuf_appends(&sb, RUN_ALIAS_BLOCK_BEGIN "\n") < 0)
        ags_oom();
    for (size_t i = 0; i < n; i++) {
        if (strbuf_appendf(&sb, "alias %s=", v[i].name) < 0)
            ags_oom();
        append_quoted(&sb, v[i].command, fish);
        if (strbuf_appendc(&sb, '\n') < 0)
            ags_oom();
    }
    if (strbuf_appends(&sb, RUN_ALIAS_BLOCK_END "\n") < 0)
        ags_oom();
    return strbuf_steal(&sb);
}

/* The first line of text, at or after from, that is exactly want; its 1-based
 * number in *ret_line. */
static const char *find_line(const char *text, const char *from, const char *want,
                             size_t *ret_line)
{
    size_t line = 1;
    for (const char *p = text; *p;) {
        if (p >= from && line_is(p, want)) {
            *ret_line = line;
            return p;
        }
        const char *nl = strchr(p, '\n');
        if (!nl)
            break;
        p = nl + 1;
        line++;
    }
    return NULL;
}

static char *splice(const char *rc, size_t begin, size_t end, const char *block)
{
    return xasprintf("%.*s%s%s", (int)begin, rc, block, rc + end);
}

int run_alias_rc_update(const char *rc, const char *block, const char *shown, char **ret,
                        struct ags_error *err)
{
    size_t rc_len = strlen(rc), line = 0, end_line = 0;
    if (rc_len > ALIAS_TEXT_MAX)
        return ags_error_set(err, -EFBIG, "'%s' is larger than %u bytes", shown, ALIAS_TEXT_MAX);
    const char *b = find_line(rc, rc, RUN_ALIAS_BLOCK_BEGIN, &line);
    if (!b) {
        bool bare = rc_len == 0;
        bool ends_nl = bare || rc[rc_len - 1] == '\n';
        *ret = xasprintf("%s%s%s%s", rc, ends_nl ? "" : "\n", bare ? "" : "\n", block);
        return 0;
    }
    const char *e = find_line(rc, b, RUN_ALIAS_BLOCK_END, &end_line);
    if (!e)
        return ags_error_set(err, -EINVAL,
                             "%s:%zu: '" RUN_ALIAS_BLOCK_BEGIN "' has no '" RUN_ALIAS_BLOCK_END
                             "' after it; ags will not guess where its block ends: add the end "
                             "line or remove the begin line, then run again", shown, line);
    e += strlen(RUN_ALIAS_BLOCK_END);
    if (*e == '\n')
        e++;
    *ret = splice(rc, (size_t)(b - rc), (size_t)(e - rc), block);
    return 0;
}
