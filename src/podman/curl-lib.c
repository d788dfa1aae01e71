/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcurl loaded on first use (podman/curl-lib.h). */
#include "podman/curl-lib.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <string.h>
#include <stdio.h>

#include "base/banned.h"

/* Debian's libcurl4 (OpenSSL flavour) and its GnuTLS sibling share the ABI. */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

static struct podman_curl lib;
static char why[256];
static bool loaded;

/* dlsym returns void *; a function pointer of the right type is what the
 * table holds (POSIX guarantees the conversion). */
#define LOAD(field, name)                                                \
    do {                                                                 \
        void *sym_ = dlsym(h, name);                                     \
        if (!sym_) {                                                     \
            (void)snprintf(why, sizeof(why), "%s lacks %s", so, name);   \
            return;                                                      \
        }                                                                \
        _Static_assert(sizeof(lib.field) == sizeof(sym_), "fn pointer"); \
        memcpy(&lib.field, &sym_, sizeof(sym_));                         \
    } while (0)

static void load(void)
{
    void *h = NULL;
    const char *so = NULL;
    for (size_t i = 0; !h && i < sizeof(sonames) / sizeof(sonames[0]); i++)
        h = dlopen(so = sonames[i], RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        (void)snprintf(why, sizeof(why), "cannot load libcurl (apt-get install libcurl4): %s",
                       dlerror());
        return;
    }
    LOAD(global_init, "curl_global_init");
    LOAD(easy_init, "curl_easy_init");
    LOAD(easy_setopt, "curl_easy_setopt");
    LOAD(easy_perform, "curl_easy_perform");
    LOAD(easy_getinfo, "curl_easy_getinfo");
    LOAD(easy_reset, "curl_easy_reset");
    LOAD(easy_cleanup, "curl_easy_cleanup");
    LOAD(easy_strerror, "curl_easy_strerror");
    LOAD(slist_append, "curl_slist_append");
    LOAD(slist_free_all, "curl_slist_free_all");
    LOAD(version, "curl_version");
    if (lib.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        (void)snprintf(why, sizeof(why), "cannot initialise libcurl");
        return;
    }
    loaded = true; /* the handle stays open for the process's life */
}

const struct podman_curl *podman_curl(struct ags_error *err)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, load);
    if (!loaded) {
        ags_error_set(err, -ELIBACC, "%s", why);
        return NULL;
    }
    return &lib;
}
