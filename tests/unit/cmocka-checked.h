/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Included before every unit test's own code (tests/CMakeLists.txt,
 * -include).  cmocka's failures do not return but are not declared so:
 * without the abort below, a Release build warns -Wnull-dereference on
 * every pointer a test checked with assert_non_null before using it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

/* Inlined, so that the compiler learns the pointer is not NULL after it. */
__attribute__((always_inline, unused)) static inline void
checked_non_null(const void *p, const char *expr, const char *file, int line)
{
    _assert_true(cast_ptr_to_largest_integral_type(p), expr, file, line);
    if (!p)
        abort();
}

#undef assert_non_null
#define assert_non_null(c) checked_non_null((c), #c, __FILE__, __LINE__)

/* p, which the test expects to be there: NULL fails the test, and the
 * compiler knows what comes out is not NULL. */
__attribute__((always_inline, unused)) static inline const void *
checked_pointer(const void *p, const char *expr, const char *file, int line)
{
    checked_non_null(p, expr, file, line);
    return p;
}
#define must_get(p) ((__typeof__(p))checked_pointer((p), #p, __FILE__, __LINE__))

/* fail_msg for a path the test must not go on from: ends it for the
 * compiler too. */
#define fail_abort(...)              \
    do {                             \
        fail_msg(__VA_ARGS__);       \
        abort();                     \
    } while (0)
