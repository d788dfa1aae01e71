/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Key files from arbitrary bytes: as a .pub line and as a private key file. */
#include <errno.h>
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
    int r = ssh_pubkey_parse(copy, size, SSH_KEY_AUTH, &pub, &err);
    enum ssh_key_kind kind = ssh_pubkey_text_kind(copy, size);
    if (r == 0) {
        /* a parsed key has a kind ags takes, a blob and the line to show */
        if (!ssh_key_kind_allowed(ssh_key_kind_of(pub.type)) || kind != ssh_key_kind_of(pub.type) ||
            !pub.blob_len || !pub.line)
            abort();
        ssh_pubkey_done(&pub);
    } else if (!err.msg[0]) {
        abort(); /* a refusal always says why */
    } else if (r == -ENOTSUP && (kind == SSH_KEY_UNKNOWN || ssh_key_kind_allowed(kind))) {
        abort(); /* a kind refused is named */
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
