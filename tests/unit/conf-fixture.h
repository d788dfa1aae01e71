/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A containers.conf of the test's own (test-sessions.c, test-doctor.c): the
 * engine code reads CONTAINERS_CONF through an injected getenv, conf_env,
 * which names the file write_conf made.  Include after cmocka.h.
 */

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char conf_path[64];

static const char *conf_env(const char *name)
{
    return strcmp(name, "CONTAINERS_CONF") == 0 ? conf_path : NULL;
}

/* A new file holding text at conf_path (the caller unlinks it). */
static void write_conf(const char *text)
{
    strcpy(conf_path, "/tmp/ags-test-conf-XXXXXX");
    int fd = mkstemp(conf_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}
