/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The helper-output rules (secret_output_check) on arbitrary bytes: an
 * accepted value is never longer than the input, holds no NUL, CR or LF, is
 * valid UTF-8, and differs from the input by at most one trailing "\n" or
 * "\r\n"; a refusal always names a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "secrets/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    const char *why = NULL;
    long keep = secret_output_check(s, size, &why);
    if (keep < 0) {
        if (!why || !why[0])
            abort();
        return 0;
    }
    size_t k = (size_t)keep;
    size_t cut = size - k;
    if (k == 0 || k > size || cut > 2 || memchr(s, '\0', k) || memchr(s, '\n', k) ||
        memchr(s, '\r', k) || !utf8_valid(s, k))
        abort();
    if ((cut == 1 && s[k] != '\n') || (cut == 2 && (s[k] != '\r' || s[k + 1] != '\n')))
        abort();
    return 0;
}
