/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void ags_oom(void)
{
    static const char msg[] = "ags: out of memory\n";
    (void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
    _exit(125);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        ags_oom();
    return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
    void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
    if (!p)
        ags_oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        ags_oom();
    return q;
}

void *xgrow(void *p, size_t *cap, size_t need, size_t elem_size)
{
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            ags_oom();
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / elem_size)
        ags_oom();
    p = xrealloc(p, ncap * elem_size);
    *cap = ncap;
    return p;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int r = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (r < 0)
        ags_oom();
    return s;
}
