/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * libcurl, loaded when the first Podman connection is made (internal to
 * src/podman).  Linked normally it costs every ags command its 30-odd
 * libraries at start-up (22 ms on the test machines), which the commands
 * that never talk to Podman (plan, config, --help, a bubblewrap run) do not
 * need.  The functions ags uses, by libcurl's own prototypes.
 */

#include <curl/curl.h>

#include "base/error.h"

struct podman_curl {
    CURLcode (*global_init)(long flags);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *curl, CURLoption option, ...);
    CURLcode (*easy_perform)(CURL *curl);
    CURLcode (*easy_getinfo)(CURL *curl, CURLINFO info, ...);
    void (*easy_reset)(CURL *curl);
    void (*easy_cleanup)(CURL *curl);
    const char *(*easy_strerror)(CURLcode code);
    struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
    void (*slist_free_all)(struct curl_slist *list);
    char *(*version)(void);
};

/* The loaded and initialised library (once per process; thread-safe), or
 * NULL with *err saying why (libcurl 4 missing or incomplete). */
const struct podman_curl *podman_curl(struct ags_error *err);
