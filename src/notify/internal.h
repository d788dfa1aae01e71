/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Between the files of src/notify (notify.h is the interface). */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "notify/notify.h"

/* ---- text.c ---- */

/* s for display: escaped as base/termesc.h does (one_line: newlines and tabs
 * become spaces too), cut to max bytes on a character boundary ("..." marks a
 * cut), then, for markup, '&', '<', '>', '\'' and '"' as entities.  Owned. */
char *notify_text(const char *s, size_t max, bool one_line, bool markup);

/* ---- loop.c: the GLib main loop thread ---- */

/* Guards every job's answer and reference count (server.c). */
extern pthread_mutex_t notify_lock;
/* Runs fn(data) on the loop thread (started on first use).  -ESHUTDOWN after
 * notify_stop, -errno when the thread cannot start. */
int notify_loop_post(void (*fn)(void *data), void *data);


/* ---- ask.c ---- */

/* Did cancel_fd (a question's, -1: none) fire within wait_ms?  Readable, hung
 * up or closed all count: the caller has the answer or is gone. */
bool notify_cancelled(int cancel_fd, int wait_ms);

/* ---- server.c: the notification server (runs jobs on the loop) ---- */

/*
 * Asks through the server (text already made safe; body_markup is used when
 * the server reads markup).  1, 0 as notify_ask; -ENOTSUP when there is no
 * server with actions (why says why: the caller tries the dialogs); another
 * negative errno when it failed.
 */
int notify_server_ask(const struct notify_question *safe, const char *body_markup,
                      int64_t deadline, char *why, size_t why_size);
int notify_server_send(const char *title, const char *body, const char *body_markup,
                       char *why, size_t why_size);
/* Answers every question waiting for the server 0 with why. */
void notify_server_cancel(const char *why);
/* 1: a server with actions (what: its name and version); 0: none or without (what: why). */
int notify_server_probe(char *what, size_t what_size);

/* ---- dialog.c: zenity and kdialog ---- */

/* The dialog program to use: NOTIFY_PATH_ZENITY or _KDIALOG with *prog (owned),
 * or NOTIFY_PATH_NONE with why. */
enum notify_path notify_dialog_find(char **prog, char *why, size_t why_size);
/* Ends every open dialog: its question is answered 0 with why. */
void notify_dialog_cancel(const char *why);
/* Runs the dialog and waits until deadline (then kills it): 1, 0 (why), -errno (why). */
int notify_dialog_ask(enum notify_path path, const char *prog, const struct notify_question *safe,
                      int64_t deadline, char *why, size_t why_size);
