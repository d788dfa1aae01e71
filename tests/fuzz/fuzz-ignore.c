/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A repository's .agsignore (outside input) through ignore_parse and the
 * matcher: the input up to its first NUL byte is the file, what follows is
 * a path matched against it.  Anything parses or is refused with a reason,
 * without a crash; matching stays fast (libFuzzer's timeout would catch a
 * backtracking blow-up); a rule that is a plain name matches that name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/ignore.h"
#include "base/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > AGS_IGNORE_FILE_MAX)
        return 0;
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t text_len = nul ? (size_t)(nul - text) : size;
    struct ignore_list l;
    struct ags_error err = {0};
    if (ignore_parse(text, text_len, ".agsignore", &l, &err) < 0) {
        if (!err.msg[0])
            abort(); /* every refusal says why */
        return 0;
    }
    if (nul) {
        /* the path: what follows the NUL, cut at the next NUL */
        char *path = xstrndup(nul + 1, size - text_len - 1);
        (void)ignore_path(&l, path, false);
        (void)ignore_path(&l, path, true);
        free(path);
    }
    /* every plain name (no special character) matches itself */
    for (size_t i = 0; i < l.n; i++) {
        struct ignore_rule *r = &l.v[i];
        if (r->negate || r->dir_only || strpbrk(r->pattern, "*?[\\"))
            continue;
        if (!ignore_match(&(struct ignore_list){.v = r, .n = 1}, r->pattern, false))
            abort();
    }
    ignore_list_done(&l);
    return 0;
}
