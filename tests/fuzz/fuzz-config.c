/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Config loading from arbitrary bytes, as a base config and as a repo overlay. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *fuzz_env(const char *name)
{
    return strcmp(name, "HOME") == 0 ? "/home/fuzz" : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct cfg_host host = {
        .home = "/home/fuzz",
        .cwd = "/work",
        .getenv = fuzz_env,
    };
    for (int overlay = 0; overlay < 2; overlay++) {
        struct ags_config *cfg = NULL;
        struct cfg_diag diag = {0};
        if (config_load_buffer(&host, (const char *)data, size, "/fuzz/config.toml", overlay,
                               &cfg, &diag) == 0) {
            /* Rendering walks every value: exercise it too. */
            free(config_render_text(cfg));
            free(config_render_json(cfg));
            config_free(cfg);
        } else if (diag.n_errors == 0) {
            abort(); /* a failure must always say why */
        }
        cfg_diag_done(&diag);
    }
    return 0;
}
