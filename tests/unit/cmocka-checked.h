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

#undef assert_non_null
#define assert_non_null(c)                                                                  \
    do {                                                                                    \
        const void *nn_ = (const void *)(c);                                                \
        _assert_true(cast_ptr_to_largest_integral_type(nn_), #c, __FILE__, __LINE__);       \
        if (!nn_)                                                                           \
            abort();                                                                        \
    } while (0)
