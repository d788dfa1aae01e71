/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key files from arbitrary bytes: as a .pub line and as a private key file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssh/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The parsers take a length; a copy without a terminator makes ASan
     * catch a read past it. */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    struct ags_error err = {0};
    struct ssh_pubkey pub;
    if (ssh_pubkey_parse(copy, size, &pub, &err) == 0) {
        if (ssh_key_kind_of(pub.type) == SSH_KEY_UNKNOWN || !pub.blob_len)
            abort(); /* a parsed key always has a type and a blob */
        ssh_pubkey_done(&pub);
    } else if (!err.msg[0]) {
        abort(); /* a refusal always says why */
    }
    struct ssh_privkey key;
    err = (struct ags_error){0};
    if (ssh_privkey_parse(copy, size, &key, &err) == 0) {
        if (key.format == SSH_PRIV_OPENSSH && (!key.blob || !key.type[0]))
            abort();
        ssh_privkey_done(&key);
    } else if (!err.msg[0]) {
        abort();
    }
    free(copy);
    return 0;
}
