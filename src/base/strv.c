/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/strv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"

#include "base/banned.h"

void strv_free(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void strv_free_n(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

char **strv_new(size_t n, ...)
{
    char **v = xcalloc(n + 1, sizeof(*v));
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        v[i] = xstrdup(va_arg(ap, const char *));
    va_end(ap);
    return v;
}

void strv_builder_push(struct strv_builder *s, char *owned)
{
    s->v = xgrow(s->v, &s->cap, s->n + 2, sizeof(*s->v));
    s->v[s->n++] = owned;
    s->v[s->n] = NULL;
}

char **strv_builder_steal(struct strv_builder *s)
{
    char **v = s->v ? s->v : xcalloc(1, sizeof(char *));
    *s = (struct strv_builder){0};
    return v;
}

void strv_builder_done(struct strv_builder *s)
{
    strv_free_n(s->v, s->n);
    *s = (struct strv_builder){0};
}

char **strv_env_with(char *const *env, const char *name, const char *value, char **ret_own)
{
    size_t n = strv_len(env), len = strlen(name);
    char **v = xcalloc(n + 2, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(env[i], name, len) != 0 || env[i][len] != '=')
            v[k++] = env[i];
    v[k] = *ret_own = xasprintf("%s=%s", name, value);
    return v;
}
