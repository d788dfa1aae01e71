/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The host key check of the ssh:// transport (ssh/known-hosts.h): the SHA256
 * fingerprint as ssh-keygen -l prints it, the line kinds, and the verdict on
 * plain and hashed entries of every key type, [host]:port entries (no
 * fallback to the bare name), a changed key, a revoked one (by name and by
 * pattern: `@revoked *`), malformed hashed names, and lines of other kinds
 * that must not hide the rest.  Keys made by ssh-keygen once and pasted here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <libssh2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "ssh/known-hosts.h"

#define KEY_A "AAAAC3NzaC1lZDI1NTE5AAAAIIvvbi/5m78Hg485EpIIXTF5zlWdxWUCxK0VyA7Y9riy"
#define FP_A  "SHA256:OO56vo5KI03VqBjtrhR/3rtwSwk3XWBz08ta8KlGSSE" /* ssh-keygen -lf */
#define KEY_B "AAAAC3NzaC1lZDI1NTE5AAAAIMZOsFOLl2HOsHqDaJ35F13YgK6jrgiS5zrk8NSAYVA6"
#define KEY_C                                                                        \
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBCSjElkU/ccMac2dLUhSMjf6TE" \
    "zBZ6rDLX+1LHqRjNlwTlEL5M+FKTCepd9nwpoXk6xveBpLzgAPFC6YWnNa+Rg="
/* KEY_A for [127.0.0.1]:37701, hashed by ssh-keygen -H */
#define HASHED_A "|1|DkAQMOg0vyXsa7cVlW1KwcUvNY8=|lsUVrswEJGDnUA+6qK7rYXi9bqg= ssh-ed25519 " KEY_A

#define KEY_E256 \
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBMfKNLOGv6HQFXluEcRi" \
    "8OSIY4VBJsLegAFRlvDF8eZBqJjNyeJQVX3qrnImhMDDjIwqEn+YICYNczqA3fmJt0g="
#define KEY_E384 \
    "AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBAKeGb5oilHzyuPkTf1L" \
    "l5D+609/VhhBoZYv30PZP0YLt6E9aLAUxVkTJgDdOisEUVAfwZ6bzKln0rKFNQFKH7xhkeVv" \
    "dvj5/Tsub7ImjYgYT9geSeGUwg/1tXrWWM6Uig=="
#define KEY_E521 \
    "AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBAACqbrzpobhSGH/mQ53" \
    "3+UotLdYS7pshaoHg8VkfGKAKUt+kmTGiUdRYLXgya2w5lZuuRB9G31pNfOLEDO9BOyr2AHU" \
    "Jq5ZVoG/HUBqzaYS99uqDyf97BjqvFNd/KeSv5dejkTsJAKIvgWOvDgx+GzM7tOeVfxnfBAZ" \
    "YxZRK3NuuOU+lg=="
/* gpu.example.org with KEY_E256, KEY_E384, KEY_E521, and [gpu.example.org]:2222 with
 * KEY_E256, hashed by ssh-keygen -H */
#define H256 "|1|Rfu40eJ0Nj3PnH2+CSn3sGOs4JY=|g6uvVH+IIkpoI6WJoKkDBROPTEc="
#define H384 "|1|N7IJzB0cpK4p1j9DGCEDriQ+47w=|diVNqMDQ3ZkXopAvA0DR6K0VpQE="
#define H521 "|1|8Cr0dSuDTbB0fLGKA9LVO8bXVhw=|tXIq7mFXliDnmIIzqV0Qaw0lfkU="
#define H256_PORT "|1|wmmdYiF2MCuHtfDRQAOh4vNkS8w=|BMs08Rovr8gYlOmP9/LgfY076Ps="

static uint8_t blob[512];

static struct ssh_host_key key_of(const char *b64, int type)
{
    long n = base64_decode(b64, strlen(b64), blob, sizeof(blob));
    assert_true(n > 0);
    return (struct ssh_host_key){.blob = blob, .len = (size_t)n, .type = type};
}

static enum ssh_kh_verdict verdict(const char *text, const char *name, const struct ssh_host_key *k)
{
    enum ssh_kh_verdict v = SSH_KH_MATCH;
    struct ags_error err = {0};
    if (ssh_known_hosts_verdict(text, text ? strlen(text) : 0, name, k, &v, &err) != 0)
        fail_msg("%s", err.msg);
    return v;
}

static void test_fingerprint_as_ssh_keygen_prints_it(void **state)
{
    (void)state;
    struct ssh_host_key k = key_of(KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519);
    char fp[SSH_FINGERPRINT_MAX];
    ssh_fingerprint_sha256(k.blob, k.len, fp);
    assert_string_equal(fp, FP_A);
}

static void test_line_kinds(void **state)
{
    (void)state;
    size_t off = 0;
    assert_int_equal(ssh_known_hosts_line("", 0, &off), SSH_KH_SKIP);
    assert_int_equal(ssh_known_hosts_line("  # c", 5, &off), SSH_KH_SKIP);
    assert_int_equal(ssh_known_hosts_line("h ssh-ed25519 X", 15, &off), SSH_KH_KEY);
    assert_int_equal(off, 0);
    assert_int_equal(ssh_known_hosts_line("@cert-authority * ssh-ed25519 X", 31, &off),
                     SSH_KH_SKIP);
    assert_int_equal(ssh_known_hosts_line("@revoked h ssh-ed25519 X", 24, &off), SSH_KH_REVOKED);
    assert_int_equal(off, 9);
    assert_int_equal(ssh_known_hosts_line("@revoked", 8, &off), SSH_KH_SKIP);
    assert_int_equal(ssh_known_hosts_line("@revokedh ssh-ed25519 X", 23, &off), SSH_KH_SKIP);
}

static void test_plain_and_hashed_entries_match(void **state)
{
    (void)state;
    struct ssh_host_key a = key_of(KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519);
    assert_int_equal(verdict("[127.0.0.1]:37701 ssh-ed25519 " KEY_A "\n", "[127.0.0.1]:37701", &a),
                     SSH_KH_MATCH);
    assert_int_equal(verdict(HASHED_A "\n", "[127.0.0.1]:37701", &a), SSH_KH_MATCH);
    assert_int_equal(verdict("a,example.com ssh-ed25519 " KEY_A " c\n", "example.com", &a),
                     SSH_KH_MATCH);
    assert_int_equal(verdict("GPU.Example.ORG ssh-ed25519 " KEY_A "\n", "gpu.example.org", &a),
                     SSH_KH_MATCH);
    /* last: key_of reuses one buffer */
    struct ssh_host_key c = key_of(KEY_C, LIBSSH2_HOSTKEY_TYPE_ECDSA_256);
    assert_int_equal(
            verdict("gpu.example.org ecdsa-sha2-nistp256 " KEY_C "\n", "gpu.example.org", &c),
            SSH_KH_MATCH);
}

/* Hashed entries (ssh-keygen -H) of every key type ags takes match the name
 * they hash (typed in any case) and no other: ags computes HMAC-SHA1(salt,
 * name) itself, as libssh2 1.10 read hashed ECDSA entries as changed. */
static void test_hashed_entries_of_every_key_type_match(void **state)
{
    (void)state;
    const struct {
        const char *hosts, *ktype, *b64, *name;
        int type;
    } cases[] = {
            {H256, "ecdsa-sha2-nistp256", KEY_E256, "gpu.example.org",
             LIBSSH2_HOSTKEY_TYPE_ECDSA_256},
            {H384, "ecdsa-sha2-nistp384", KEY_E384, "gpu.example.org",
             LIBSSH2_HOSTKEY_TYPE_ECDSA_384},
            {H521, "ecdsa-sha2-nistp521", KEY_E521, "gpu.example.org",
             LIBSSH2_HOSTKEY_TYPE_ECDSA_521},
            {H256_PORT, "ecdsa-sha2-nistp256", KEY_E256, "[gpu.example.org]:2222",
             LIBSSH2_HOSTKEY_TYPE_ECDSA_256},
            {"|1|DkAQMOg0vyXsa7cVlW1KwcUvNY8=|lsUVrswEJGDnUA+6qK7rYXi9bqg=", "ssh-ed25519", KEY_A,
             "[127.0.0.1]:37701", LIBSSH2_HOSTKEY_TYPE_ED25519},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ssh_host_key k = key_of(cases[i].b64, cases[i].type);
        char text[1024], upper[64];
        snprintf(text, sizeof(text), "%s %s %s\n", cases[i].hosts, cases[i].ktype, cases[i].b64);
        assert_int_equal(verdict(text, cases[i].name, &k), SSH_KH_MATCH);
        size_t n = strlen(cases[i].name);
        for (size_t j = 0; j <= n; j++)
            upper[j] = (char)(j % 2 ? cases[i].name[j] : toupper((unsigned char)cases[i].name[j]));
        assert_int_equal(verdict(text, upper, &k), SSH_KH_MATCH);
        assert_int_equal(verdict(text, "gpu.example.com", &k), SSH_KH_UNKNOWN);
    }
    /* the port's entry is not the bare name's, nor the other way round */
    struct ssh_host_key e = key_of(KEY_E256, LIBSSH2_HOSTKEY_TYPE_ECDSA_256);
    assert_int_equal(verdict(H256_PORT " ecdsa-sha2-nistp256 " KEY_E256 "\n", "gpu.example.org", &e),
                     SSH_KH_UNKNOWN);
    assert_int_equal(verdict(H256 " ecdsa-sha2-nistp256 " KEY_E256 "\n", "[gpu.example.org]:2222",
                             &e),
                     SSH_KH_UNKNOWN);
}

static void test_hashed_ecdsa_entry_with_another_key_is_changed(void **state)
{
    (void)state;
    struct ssh_host_key c = key_of(KEY_C, LIBSSH2_HOSTKEY_TYPE_ECDSA_256);
    assert_int_equal(verdict(H256 " ecdsa-sha2-nistp256 " KEY_E256 "\n", "gpu.example.org", &c),
                     SSH_KH_CHANGED);
    assert_int_equal(verdict("@revoked " H256 " ecdsa-sha2-nistp256 " KEY_C "\n"
                             "gpu.example.org ecdsa-sha2-nistp256 " KEY_C "\n",
                             "gpu.example.org", &c),
                     SSH_KH_REVOKED_KEY);
}

/* A hashed field that does not decode (or has no hash part) names nothing. */
static void test_malformed_hashed_entries_name_nothing(void **state)
{
    (void)state;
    struct ssh_host_key e = key_of(KEY_E256, LIBSSH2_HOSTKEY_TYPE_ECDSA_256);
    static const char *const bad[] = {
            "|1|", "|1|Rfu40eJ0Nj3PnH2+CSn3sGOs4JY=", "|1|Rfu40eJ0Nj3PnH2+CSn3sGOs4JY=|",
            "|1|!!!!|g6uvVH+IIkpoI6WJoKkDBROPTEc=", "|1|Rfu40eJ0Nj3PnH2+CSn3sGOs4JY=|g6uvVH+I",
            "|2|Rfu40eJ0Nj3PnH2+CSn3sGOs4JY=|g6uvVH+IIkpoI6WJoKkDBROPTEc=",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[1024];
        snprintf(text, sizeof(text), "%s ecdsa-sha2-nistp256 %s\n", bad[i], KEY_E256);
        assert_int_equal(verdict(text, "gpu.example.org", &e), SSH_KH_UNKNOWN);
    }
}

static void test_plain_ecdsa_entry_with_another_key_is_changed(void **state)
{
    (void)state;
    struct ssh_host_key c = key_of(KEY_C, LIBSSH2_HOSTKEY_TYPE_ECDSA_256);
    /* KEY_C with its last byte flipped: same type, same length, another key */
    char other[] = KEY_C;
    other[strlen(other) - 3] = other[strlen(other) - 3] == 'A' ? 'B' : 'A';
    char text[512];
    snprintf(text, sizeof(text), "gpu.example.org ecdsa-sha2-nistp256 %s\n", other);
    assert_int_equal(verdict(text, "gpu.example.org", &c), SSH_KH_CHANGED);
    /* a matching line anywhere wins over a changed one, as in OpenSSH */
    snprintf(text, sizeof(text),
             "gpu.example.org ecdsa-sha2-nistp256 %s\ngpu.example.org ecdsa-sha2-nistp256 " KEY_C
             "\n",
             other);
    assert_int_equal(verdict(text, "gpu.example.org", &c), SSH_KH_MATCH);
}

static void test_negated_plain_name_does_not_match(void **state)
{
    (void)state;
    struct ssh_host_key a = key_of(KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519);
    assert_int_equal(verdict("!gpu.example.org,gpu.example.org ssh-ed25519 " KEY_A "\n",
                             "gpu.example.org", &a),
                     SSH_KH_UNKNOWN);
    assert_int_equal(verdict("gpu.example.org.evil ssh-ed25519 " KEY_A "\n", "gpu.example.org", &a),
                     SSH_KH_UNKNOWN);
}

static void test_port_entry_has_no_fallback_to_the_bare_name(void **state)
{
    (void)state;
    struct ssh_host_key a = key_of(KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519);
    assert_int_equal(verdict("127.0.0.1 ssh-ed25519 " KEY_A "\n", "[127.0.0.1]:37701", &a),
                     SSH_KH_UNKNOWN);
    assert_int_equal(verdict("[127.0.0.1]:22 ssh-ed25519 " KEY_A "\n", "[127.0.0.1]:37701", &a),
                     SSH_KH_UNKNOWN);
    assert_int_equal(verdict(NULL, "gpu.example.org", &a), SSH_KH_UNKNOWN);
}

static void test_changed_and_revoked_keys(void **state)
{
    (void)state;
    struct ssh_host_key b = key_of(KEY_B, LIBSSH2_HOSTKEY_TYPE_ED25519);
    assert_int_equal(verdict("gpu.example.org ssh-ed25519 " KEY_A "\n", "gpu.example.org", &b),
                     SSH_KH_CHANGED);
    assert_int_equal(verdict(HASHED_A "\n", "[127.0.0.1]:37701", &b), SSH_KH_CHANGED);
    assert_int_equal(verdict("gpu.example.org ssh-ed25519 " KEY_B
                             "\n@revoked gpu.example.org ssh-ed25519 " KEY_B "\n",
                             "gpu.example.org", &b),
                     SSH_KH_REVOKED_KEY);
    /* a key of another type where one is known for the name: not simply
     * unknown (whose remedy, ssh-keyscan over the same network, would add an
     * interceptor's key), as OpenSSH warns of "keys of different type" */
    struct ssh_host_key c = key_of(KEY_C, LIBSSH2_HOSTKEY_TYPE_ECDSA_256);
    assert_int_equal(verdict("gpu.example.org ssh-ed25519 " KEY_A "\n", "gpu.example.org", &c),
                     SSH_KH_OTHER_TYPE);
    assert_int_equal(verdict("|1|x|y ssh-ed25519 " KEY_A "\nother.example.org ssh-ed25519 " KEY_A
                             "\n",
                             "gpu.example.org", &c),
                     SSH_KH_UNKNOWN);
}

/* The handshake offers the types known for the host first (OpenSSH's
 * order), so a server with several keys shows the one the user has. */
static void test_methods_put_the_known_types_first(void **state)
{
    (void)state;
    char m[SSH_KH_METHODS_MAX];
    ssh_known_hosts_methods(NULL, 0, "gpu.example.org", m);
    assert_string_equal(m, "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,"
                           "ecdsa-sha2-nistp521");
    const char *text = "Gpu.Example.org ecdsa-sha2-nistp384 " KEY_E384 "\n"
                       "other ecdsa-sha2-nistp256 " KEY_E256 "\n"
                       "@revoked gpu.example.org ecdsa-sha2-nistp521 " KEY_E521 "\n";
    ssh_known_hosts_methods(text, strlen(text), "gpu.example.org", m);
    assert_string_equal(m, "ecdsa-sha2-nistp384,ssh-ed25519,ecdsa-sha2-nistp256,"
                           "ecdsa-sha2-nistp521");
    const char *hashed = H256_PORT " ecdsa-sha2-nistp256 " KEY_E256 "\n";
    ssh_known_hosts_methods(hashed, strlen(hashed), "[gpu.example.org]:2222", m);
    assert_string_equal(m, "ecdsa-sha2-nistp256,ssh-ed25519,ecdsa-sha2-nistp384,"
                           "ecdsa-sha2-nistp521");
}

/* OpenSSH's way to revoke a key everywhere (sshd(8): "@revoked * ssh-rsa
 * ..."): a pattern, which must revoke the key even where a plain entry
 * for the name still lists it; patterns name hosts in the other entries
 * too, as OpenSSH reads them. */
static void test_revoked_pattern_revokes_the_key_for_every_host_it_matches(void **state)
{
    (void)state;
    struct ssh_host_key a = key_of(KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519);
    const char *known = "gpu.example.org ssh-ed25519 " KEY_A "\n";
    char text[1024];
    static const char *const revoking[] = {"*", "*.example.org", "gpu.example.???",
                                           "other,GPU.*.org", "!x.example.org,*"};
    for (size_t i = 0; i < sizeof(revoking) / sizeof(revoking[0]); i++) {
        (void)snprintf(text, sizeof(text), "%s@revoked %s ssh-ed25519 " KEY_A "\n", known,
                       revoking[i]);
        if (verdict(text, "gpu.example.org", &a) != SSH_KH_REVOKED_KEY)
            fail_msg("@revoked %s did not revoke the key of gpu.example.org", revoking[i]);
    }
    static const char *const sparing[] = {"*.example.com", "gpu.example.??", "!gpu.example.org,*",
                                          "gpu.*.com"};
    for (size_t i = 0; i < sizeof(sparing) / sizeof(sparing[0]); i++) {
        (void)snprintf(text, sizeof(text), "%s@revoked %s ssh-ed25519 " KEY_A "\n", known,
                       sparing[i]);
        if (verdict(text, "gpu.example.org", &a) != SSH_KH_MATCH)
            fail_msg("@revoked %s revoked the key of gpu.example.org", sparing[i]);
    }
    assert_int_equal(verdict("*.example.org ssh-ed25519 " KEY_A "\n", "gpu.example.org", &a),
                     SSH_KH_MATCH);
    assert_int_equal(
            verdict("[gpu.example.org]:* ssh-ed25519 " KEY_A "\n", "[gpu.example.org]:2222", &a),
            SSH_KH_MATCH);
    struct ssh_host_key b = key_of(KEY_B, LIBSSH2_HOSTKEY_TYPE_ED25519); /* a's blob is gone */
    assert_int_equal(verdict("gpu.*.org ssh-ed25519 " KEY_A "\n", "gpu.example.org", &b),
                     SSH_KH_CHANGED);
}

static void test_unreadable_lines_hide_nothing(void **state)
{
    (void)state;
    struct ssh_host_key a = key_of(KEY_A, LIBSSH2_HOSTKEY_TYPE_ED25519);
    const char *text = "# comment\n"
                       "@cert-authority *.example.com ssh-ed25519 " KEY_B "\n"
                       "x sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t\n"
                       "garbage\n"
                       "\n"
                       "gpu.example.org ssh-ed25519 " KEY_A "\r\n";
    assert_int_equal(verdict(text, "gpu.example.org", &a), SSH_KH_MATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fingerprint_as_ssh_keygen_prints_it),
            cmocka_unit_test(test_line_kinds),
            cmocka_unit_test(test_plain_and_hashed_entries_match),
            cmocka_unit_test(test_plain_ecdsa_entry_with_another_key_is_changed),
            cmocka_unit_test(test_hashed_entries_of_every_key_type_match),
            cmocka_unit_test(test_hashed_ecdsa_entry_with_another_key_is_changed),
            cmocka_unit_test(test_malformed_hashed_entries_name_nothing),
            cmocka_unit_test(test_negated_plain_name_does_not_match),
            cmocka_unit_test(test_port_entry_has_no_fallback_to_the_bare_name),
            cmocka_unit_test(test_changed_and_revoked_keys),
            cmocka_unit_test(test_unreadable_lines_hide_nothing),
            cmocka_unit_test(test_revoked_pattern_revokes_the_key_for_every_host_it_matches),
            cmocka_unit_test(test_methods_put_the_known_types_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
