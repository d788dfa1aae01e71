/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The files of the test notification server (tests/notify/notify-server.py,
 * run by tests/notify/notify-test.sh) for the tests of what asks through
 * src/notify: how it answers (DIR/answers) and what it was asked
 * (DIR/record.jsonl), DIR being $NOTIFY_TEST_DIR.  Failures are cmocka
 * assertions.
 */

#include <stdint.h>

/* $NOTIFY_TEST_DIR, or NULL when not run by notify-test.sh. */
const char *notify_fx_dir(void);
/* The text of a file (a missing one is ""), owned. */
char *notify_fx_text(const char *path);
/* The server's record so far, owned. */
char *notify_fx_record(void);
void notify_fx_forget(void);
/* How the server answers each Notify from now on ("* allow\n", ...). */
void notify_fx_answer(const char *how);
void notify_fx_expect_in(const char *text, const char *needle);
/* Waits (at most 10 s) until the record holds needle. */
void notify_fx_await(const char *needle);
/* The id the server gave the first notification in the record. */
long notify_fx_first_id(void);
int64_t notify_fx_now_ms(void);
