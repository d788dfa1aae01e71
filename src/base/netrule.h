/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * One entry of a network allowlist ([network].allow, --allow; docs/config.md
 * "[network]"): what it says, parsed once, and the matchers the egress proxy
 * and the config's overlay rule judge by.  Pure, libc only.
 *
 * Grammar (every entry may end in `:PORT`, 1..65535; without one any port):
 *   host.example.org        a name: LDH labels of 1..63, 1..253 in all,
 *                           lower-cased, one trailing dot dropped, the last
 *                           label not all digits (that is an IPv4 address)
 *   *.example.org           every proper subdomain (not example.org itself)
 *   192.0.2.1               an IPv4 address (dotted quad)
 *   10.0.0.0/8              an IPv4 network (no host bits set)
 *   [2001:db8::1]  2001:db8::1           an IPv6 address (bare: no port)
 *   [fd00::/8]     fd00::/8              an IPv6 network (bare: no port)
 * An IPv4-mapped IPv6 entry ([::ffff:192.0.2.1]) is the IPv4 one: that is how
 * the matchers judge an address, too.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

enum netrule_kind { NETRULE_NAME, NETRULE_SUFFIX, NETRULE_ADDR, NETRULE_CIDR };

/* The longest name (RFC 1035), and the canonical text's room: "*." name ":65535". */
#define NETRULE_NAME_MAX   253u
#define NETRULE_FORMAT_MAX (NETRULE_NAME_MAX + 2u + 6u + 1u)

struct netrule {
    enum netrule_kind kind;
    char name[NETRULE_NAME_MAX + 1]; /* NAME: the host; SUFFIX: what follows "*." */
    int family;                      /* ADDR, CIDR: AF_INET or AF_INET6 */
    unsigned char addr[16];          /* network byte order, 4 bytes used for AF_INET */
    unsigned prefix;                 /* CIDR: 0..32 or 0..128; ADDR: 32 or 128 */
    uint16_t port;                   /* 0: any port */
};

/* 0, or -EINVAL with *why (static text, "a host name label longer than 63
 * characters") for anything outside the grammar above, or text longer than
 * AGS_NET_RULE_MAX_TEXT. */
int netrule_parse(const char *text, struct netrule *out, const char **why) _warn_unused_;

/* host as a client sent it (CONNECT or Host:), a name, never an IP literal:
 * NAME equal (case-insensitive, one trailing dot ignored), SUFFIX: host ends
 * in ".suffix" (a proper subdomain only), and the port matches. */
bool netrule_match_name(const struct netrule *r, const char *host, uint16_t port);
/* ADDR equal / CIDR contains addr (AF_INET: 4 bytes, AF_INET6: 16; an
 * IPv4-mapped IPv6 address is judged as its IPv4), and the port matches. */
bool netrule_match_addr(const struct netrule *r, int family, const void *addr, uint16_t port);
/* Every connection narrow allows, wide allows too (names never cover
 * addresses nor the other way: a name may resolve anywhere). */
bool netrule_covers(const struct netrule *wide, const struct netrule *narrow);
/* Whether r allows some address of the host's own loopback, at any port:
 * 127.0.0.0/8, ::1, the unspecified 0.0.0.0 and :: (a connect to them
 * reaches the local host), localhost and its subdomains, or a network
 * around any of them (0.0.0.0/0).  An allowlist is served by a proxy on the
 * host: such an entry opens what an open sandbox reaches only with
 * host_loopback. */
bool netrule_reaches_loopback(const struct netrule *r);
/* The canonical text (what netrule_parse reads back to the same rule);
 * returns its length, or -ENOSPC when size is short of NETRULE_FORMAT_MAX
 * and the text did not fit. */
int netrule_format(const struct netrule *r, char *buf, size_t size);

/* Whether any of rules[0..n) matches. */
bool netrule_list_match_name(const struct netrule *rules, size_t n, const char *host,
                             uint16_t port);
bool netrule_list_match_addr(const struct netrule *rules, size_t n, int family, const void *addr,
                             uint16_t port);
