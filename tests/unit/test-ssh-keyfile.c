/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ssh/keyfile.c: key files made by the real ssh-keygen (Ed25519, ECDSA, RSA
 * in both formats, with and without a passphrase) judged as setup and doctor
 * judge them, every broken shape (missing, empty, a .pub of another key, a
 * FIFO), and the parsers on every truncation of real files.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "ssh/keyfile.h"

static char tmpdir[] = "/tmp/test-ssh-keyfile.XXXXXX";

static char *at(const char *rel)
{
    return xasprintf("%s/%s", tmpdir, rel);
}

/* ssh-keygen -q -t TYPE [OPTS] -N PASS -f tmpdir/NAME -C NAME */
static void keygen(const char *name, const char *type_opts, const char *pass)
{
    _cleanup_free_ char *path = at(name);
    _cleanup_free_ char *cmd = xasprintf("ssh-keygen -q %s -N '%s' -f '%s' -C '%s' </dev/null "
                                         ">/dev/null", type_opts, pass, path, name);
    assert_int_equal(system(cmd), 0);
}

static char *slurp(const char *rel, size_t *len)
{
    _cleanup_free_ char *path = at(rel);
    char *buf = NULL;
    struct ags_error err = {0};
    assert_int_equal(read_file_bounded(path, SSH_KEYFILE_MAX, &buf, len, &err), 0);
    return buf;
}

static void put(const char *rel, const char *data)
{
    _cleanup_free_ char *path = at(rel);
    struct ags_error err = {0};
    assert_int_equal(write_file_atomic(path, data, strlen(data), 0600, &err), 0);
}

static enum ssh_key_verdict judge(const char *name, struct ssh_keyfile_facts *f)
{
    _cleanup_free_ char *path = at(name);
    ssh_keyfile_gather(path, SSH_KEY_SIGN, f);
    return ssh_keyfile_verdict(f);
}

static void test_ed25519_and_ecdsa_keys_are_usable_and_show_their_blob(void **state)
{
    (void)state;
    keygen("ed", "-t ed25519", "");
    keygen("ec", "-t ecdsa -b 256", "");
    keygen("edpw", "-t ed25519 -a 4", "a passphrase");
    struct ssh_keyfile_facts f;
    assert_int_equal(judge("ed", &f), SSH_KEY_OK);
    assert_int_equal(f.key.format, SSH_PRIV_OPENSSH);
    assert_int_equal(ssh_keyfile_kind(&f), SSH_KEY_ED25519);
    assert_string_equal(f.key.type, "ssh-ed25519");
    assert_false(f.key.encrypted);
    assert_string_equal(f.pub.comment, "ed");
    assert_int_equal(f.pub.purpose, SSH_KEY_SIGN);
    assert_int_equal(f.pub.blob_len, 51); /* string "ssh-ed25519" + string of 32 bytes */
    assert_memory_equal(f.key.blob, f.pub.blob, f.pub.blob_len);
    assert_non_null(strstr(f.pub.line, "ssh-ed25519 AAAA"));
    ssh_keyfile_facts_done(&f);
    assert_int_equal(judge("ec", &f), SSH_KEY_OK);
    assert_int_equal(ssh_keyfile_kind(&f), SSH_KEY_ECDSA);
    assert_string_equal(f.pub.type, "ecdsa-sha2-nistp256");
    ssh_keyfile_facts_done(&f);
    /* The public half is in clear: no passphrase needed to judge the key. */
    assert_int_equal(judge("edpw", &f), SSH_KEY_OK);
    assert_true(f.key.encrypted);
    ssh_keyfile_facts_done(&f);
}

static void test_rsa_and_dsa_are_refused_in_either_format(void **state)
{
    (void)state;
    keygen("rsa", "-t rsa -b 1024", "");
    keygen("rsapem", "-t rsa -b 1024 -m PEM", "");
    struct ssh_keyfile_facts f;
    assert_int_equal(judge("rsa", &f), SSH_KEY_TYPE_REFUSED);
    assert_int_equal(ssh_keyfile_kind(&f), SSH_KEY_RSA);
    ssh_keyfile_facts_done(&f);
    assert_int_equal(judge("rsapem", &f), SSH_KEY_TYPE_REFUSED);
    assert_int_equal(f.key.format, SSH_PRIV_PEM_RSA);
    ssh_keyfile_facts_done(&f);
    /* Refused before its .pub is looked at: a new .pub would not help. */
    _cleanup_free_ char *pub = at("rsa.pub");
    assert_int_equal(unlink(pub), 0);
    assert_int_equal(judge("rsa", &f), SSH_KEY_TYPE_REFUSED);
    ssh_keyfile_facts_done(&f);
    put("dsa", "-----BEGIN DSA PRIVATE KEY-----\nAAAA\n-----END DSA PRIVATE KEY-----\n");
    assert_int_equal(judge("dsa", &f), SSH_KEY_TYPE_REFUSED);
    assert_int_equal(ssh_keyfile_kind(&f), SSH_KEY_DSA);
    ssh_keyfile_facts_done(&f);
}

static void test_broken_key_files_each_get_their_verdict(void **state)
{
    (void)state;
    keygen("a", "-t ed25519", "");
    keygen("b", "-t ed25519", "");
    struct ssh_keyfile_facts f;
    assert_int_equal(judge("none", &f), SSH_KEY_MISSING);
    ssh_keyfile_facts_done(&f);
    /* b's .pub beside a's key: another key. */
    size_t len;
    _cleanup_free_ char *bpub = slurp("b.pub", &len);
    _cleanup_free_ char *akey = slurp("a", &len);
    put("mix", akey);
    put("mix.pub", bpub);
    assert_int_equal(judge("mix", &f), SSH_KEY_MISMATCH);
    ssh_keyfile_facts_done(&f);
    put("mix.pub", "");
    assert_int_equal(judge("mix", &f), SSH_KEY_PUB_EMPTY);
    ssh_keyfile_facts_done(&f);
    put("mix.pub", "ssh-ed25519 not*base64 x\n");
    assert_int_equal(judge("mix", &f), SSH_KEY_PUB_INVALID);
    assert_non_null(strstr(f.error, "mix.pub"));
    ssh_keyfile_facts_done(&f);
    _cleanup_free_ char *mixpub = at("mix.pub");
    assert_int_equal(unlink(mixpub), 0);
    assert_int_equal(judge("mix", &f), SSH_KEY_PUB_MISSING);
    ssh_keyfile_facts_done(&f);
    put("empty", "");
    assert_int_equal(judge("empty", &f), SSH_KEY_EMPTY);
    ssh_keyfile_facts_done(&f);
    put("junk", "hello\n");
    put("junk.pub", bpub);
    assert_int_equal(judge("junk", &f), SSH_KEY_NOT_A_KEY);
    ssh_keyfile_facts_done(&f);
    put("orphan.pub", bpub);
    assert_int_equal(judge("orphan", &f), SSH_KEY_PUB_ONLY);
    ssh_keyfile_facts_done(&f);
    /* A FIFO is never opened for reading (it would hang ags). */
    _cleanup_free_ char *fifo = at("fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(judge("fifo", &f), SSH_KEY_UNREADABLE);
    assert_non_null(strstr(f.error, "not a regular file"));
    ssh_keyfile_facts_done(&f);
}

/* A .pub of a kind ags does not take is still named by its kind: beside a
 * private key whose kind the file does not say (PKCS#8) it is refused as
 * RSA, beside an Ed25519 key it is another key. */
static void test_refused_pub_is_named_by_its_kind(void **state)
{
    (void)state;
    keygen("r", "-t rsa -b 1024", "");
    keygen("e", "-t ed25519", "");
    size_t len;
    _cleanup_free_ char *rpub = slurp("r.pub", &len);
    _cleanup_free_ char *ekey = slurp("e", &len);
    assert_int_equal(ssh_pubkey_text_kind(rpub, strlen(rpub)), SSH_KEY_RSA);
    put("p8", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    put("p8.pub", rpub);
    struct ssh_keyfile_facts f;
    assert_int_equal(judge("p8", &f), SSH_KEY_TYPE_REFUSED);
    assert_int_equal(f.key.format, SSH_PRIV_PKCS8);
    assert_int_equal(f.pub_parse_r, -ENOTSUP);
    assert_int_equal(ssh_keyfile_kind(&f), SSH_KEY_RSA);
    assert_non_null(strstr(f.error, "RSA keys are not supported"));
    ssh_keyfile_facts_done(&f);
    put("er", ekey);
    put("er.pub", rpub);
    assert_int_equal(judge("er", &f), SSH_KEY_MISMATCH);
    assert_int_equal(ssh_keyfile_kind(&f), SSH_KEY_ED25519);
    ssh_keyfile_facts_done(&f);
}

/* The .pub's type must be the blob's: a line that claims ECDSA for an
 * Ed25519 blob is no public key, and the line kept for the forge is the
 * file's own. */
static void test_pub_type_must_match_its_blob(void **state)
{
    (void)state;
    keygen("t", "-t ed25519", "");
    size_t len;
    _cleanup_free_ char *pub = slurp("t.pub", &len);
    struct ssh_pubkey k;
    struct ags_error err = {0};
    assert_int_equal(ssh_pubkey_parse(pub, len, SSH_KEY_AUTH, &k, &err), 0);
    assert_string_equal(k.type, "ssh-ed25519");
    assert_int_equal(strlen(k.line), len - 1); /* all of it but its newline */
    assert_memory_equal(k.line, pub, len - 1);
    ssh_pubkey_done(&k);
    _cleanup_free_ char *lie = xasprintf("ecdsa-sha2-nistp256%s", pub + strlen("ssh-ed25519"));
    assert_int_equal(ssh_pubkey_parse(lie, strlen(lie), SSH_KEY_AUTH, &k, &err), -EBADMSG);
    assert_non_null(strstr(err.msg, "but the key is ssh-ed25519"));
    assert_int_equal(ssh_pubkey_parse("ssh-ed25519", 11, SSH_KEY_AUTH, &k, &err), -EINVAL);
    assert_int_equal(ssh_pubkey_parse("", 0, SSH_KEY_AUTH, &k, &err), -EINVAL);
}

/* A run reads a .pub as doctor does: a FIFO is refused at once rather than
 * waited on, and a .pub beyond the run's bound is unreadable to both. */
static void test_pub_is_read_as_the_run_reads_it(void **state)
{
    (void)state;
    keygen("big", "-t ed25519", "");
    _cleanup_free_ char *fifo = at("fifo.pub");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct ssh_pubkey k;
    struct ags_error err = {0};
    assert_int_equal(ssh_pubkey_load(fifo, SSH_KEY_AUTH, &k, &err), -EINVAL);
    assert_non_null(strstr(err.msg, "not a regular file"));
    size_t len;
    _cleanup_free_ char *pub = slurp("big.pub", &len);
    char *padded = xmalloc(AGS_SSH_PUBKEY_FILE_MAX + len + 1);
    memset(padded, '#', AGS_SSH_PUBKEY_FILE_MAX);
    padded[AGS_SSH_PUBKEY_FILE_MAX - 1] = '\n';
    memcpy(padded + AGS_SSH_PUBKEY_FILE_MAX, pub, len + 1);
    put("big.pub", padded);
    free(padded);
    _cleanup_free_ char *path = at("big.pub");
    assert_int_equal(ssh_pubkey_load(path, SSH_KEY_AUTH, &k, &err), -EFBIG);
    struct ssh_keyfile_facts f;
    assert_int_equal(judge("big", &f), SSH_KEY_UNREADABLE);
    assert_int_equal(f.pub_r, -EFBIG);
    ssh_keyfile_facts_done(&f);
}

/* Every prefix of real files: parsed or refused, never read past (ASan). */
static void test_every_truncation_is_parsed_or_refused(void **state)
{
    (void)state;
    keygen("cut", "-t ecdsa -b 384", "");
    size_t klen, plen;
    _cleanup_free_ char *key = slurp("cut", &klen);
    _cleanup_free_ char *pub = slurp("cut.pub", &plen);
    size_t key_ok = 0;
    for (size_t n = 0; n <= klen; n++) {
        char *copy = xmalloc(n + 1);
        memcpy(copy, key, n);
        copy[n] = '\0';
        struct ssh_privkey k;
        struct ags_error err = {0};
        if (ssh_privkey_parse(copy, n, &k, &err) == 0) {
            key_ok++;
            assert_string_equal(k.type, "ecdsa-sha2-nistp384");
            ssh_privkey_done(&k);
        }
        free(copy);
    }
    assert_true(key_ok >= 1 && key_ok <= 2); /* the whole file (and without its newline) */
    size_t pub_ok = 0;
    for (size_t n = 0; n <= plen; n++) {
        char *copy = xmalloc(n + 1);
        memcpy(copy, pub, n);
        copy[n] = '\0';
        struct ssh_pubkey k;
        struct ags_error err = {0};
        if (ssh_pubkey_parse(copy, n, SSH_KEY_AUTH, &k, &err) == 0) {
            pub_ok++;
            ssh_pubkey_done(&k);
        }
        free(copy);
    }
    assert_true(pub_ok >= 1);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf '%s'", tmpdir);
    int r = system(cmd);
    free(cmd);
    return r == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_ed25519_and_ecdsa_keys_are_usable_and_show_their_blob),
            cmocka_unit_test(test_rsa_and_dsa_are_refused_in_either_format),
            cmocka_unit_test(test_broken_key_files_each_get_their_verdict),
            cmocka_unit_test(test_refused_pub_is_named_by_its_kind),
            cmocka_unit_test(test_pub_type_must_match_its_blob),
            cmocka_unit_test(test_pub_is_read_as_the_run_reads_it),
            cmocka_unit_test(test_every_truncation_is_parsed_or_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
