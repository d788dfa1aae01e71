/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/flags.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "cli/cli.h"
#include "base/banned.h"

static int missing_value(const struct cli_flag *f, const char *usage)
{
    cli_error("missing value for %s%s%s%s%s", f->name, f->alias ? " / " : "",
              f->alias ? f->alias : "", usage ? "\n" : "", usage ? usage : "");
    return AGS_EXIT_USAGE;
}

static bool is_named(const struct cli_flag *f, const char *arg)
{
    return strcmp(arg, f->name) == 0 || (f->alias && strcmp(arg, f->alias) == 0);
}

const struct cli_flag *cli_flag_named(const struct cli_flag *table, const char *arg)
{
    for (const struct cli_flag *f = table; f->name; f++)
        if (f->value == CLI_VALUE_NONE && is_named(f, arg))
            return f;
    return NULL;
}

/* value is one word of f->choices (words separated by one space). */
static bool is_choice(const struct cli_flag *f, const char *value)
{
    size_t n = strlen(value);
    for (const char *w = f->choices; w && *w;) {
        const char *end = strchr(w, ' ');
        size_t len = end ? (size_t)(end - w) : strlen(w);
        if (len == n && strncmp(w, value, n) == 0)
            return true;
        w += len + (end ? 1 : 0);
    }
    return false;
}

static int checked_value(const struct cli_flag *f, const char *value, const char *usage,
                         const char **ret_value)
{
    if (f->value == CLI_VALUE_CHOICE && !is_choice(f, value)) {
        cli_error("invalid value '%s' for %s (expected one of: %s)%s%s", value, f->name,
                  f->choices, usage ? "\n" : "", usage ? usage : "");
        return AGS_EXIT_USAGE;
    }
    *ret_value = value;
    return 1;
}

int cli_flag_next(const struct cli_flag *table, int argc, char **argv, int *i, const char *usage,
                  const struct cli_flag **ret_flag, const char **ret_value)
{
    const char *arg = argv[*i];
    for (const struct cli_flag *f = table; f && f->name; f++) {
        size_t n = strlen(f->name);
        bool takes_value = f->value != CLI_VALUE_NONE;
        if (takes_value && strncmp(arg, f->name, n) == 0 && arg[n] == '=') {
            if (!arg[n + 1])
                return missing_value(f, usage);
            *ret_flag = f;
            return checked_value(f, arg + n + 1, usage, ret_value);
        }
        if (!is_named(f, arg))
            continue;
        *ret_flag = f;
        *ret_value = NULL;
        if (!takes_value)
            return 1;
        if (*i + 1 >= argc || !argv[*i + 1][0])
            return missing_value(f, usage);
        return checked_value(f, argv[++*i], usage, ret_value);
    }
    return 0;
}

int cli_flags_parse(const struct cli_flag *table, int argc, char **argv, const char *usage,
                    void *dest)
{
    for (int i = 1; i < argc; i++) {
        const struct cli_flag *f = NULL;
        const char *val = NULL;
        int r = cli_flag_next(table, argc, argv, &i, usage, &f, &val);
        if (r == 0)
            cli_error("unexpected argument '%s'\n%s", argv[i], usage);
        if (r != 1)
            return AGS_EXIT_USAGE;
        /* memcpy: dest is the caller's struct, the offset its field's */
        static const bool on = true;
        if (f->value != CLI_VALUE_NONE)
            memcpy((char *)dest + f->offset, &val, sizeof(val));
        else
            memcpy((char *)dest + f->offset, &on, sizeof(on));
    }
    return 0;
}
