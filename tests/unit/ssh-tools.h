/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Real OpenSSH for the ssh tests (test-ssh-openssh.c, test-ssh-server.c):
 * a private directory, keys made by ssh-keygen, a real ssh-agent, and the
 * tools run as children with SSH_AUTH_SOCK set.  Failures are cmocka
 * assertions.
 */

#include <stddef.h>
#include <sys/types.h>

#include "ssh/agent-server.h"
#include "ssh/pubkey.h"

#define MUT(s) ((char *)(uintptr_t)(s))

/* mkdtemp'd by ssh_test_dir_make, with an askpass script that says "pw". */
extern char ssh_test_dir[];
void ssh_test_dir_make(void);
/* Removes the directory and all in it. */
int ssh_test_dir_remove(void);
/* ssh_test_dir/name, xasprintf'd. */
char *path_in(const char *name);
/* Creates (append, 0600) the file name in ssh_test_dir for a proxy's log:
 * its fd, *ret_path its path (freed by the caller). */
int log_open(const char *name, char **ret_path);

struct child_io {
    const char *sock;     /* SSH_AUTH_SOCK, or NULL for none */
    const char *in, *out; /* files (paths) for stdin/stdout, or NULL for /dev/null */
};

pid_t start(char *const argv[], const struct child_io *io);
/* The exit status, or 128 + the signal. */
int wait_status(pid_t pid);
int run(char *const argv[], const struct child_io *io);
int connect_unix(const char *path);

/* ssh-keygen -t type -C comment -f ssh_test_dir/name, no passphrase. */
void keygen(const char *name, const char *type, const char *comment);
/* ssh-add ssh_test_dir/name to the agent at sock. */
void agent_add(const char *sock, const char *name);
/* ssh-agent -D -a sock, once its socket is there. */
pid_t start_agent(const char *sock);
/* ssh_test_dir/pub/name.pub alone, so ssh-keygen -Y sign can only use an agent. */
void pub_only(const char *name);

/* ssh_test_dir/name's text. */
char *slurp(const char *name);
size_t count_lines(const char *text);
/* "type base64" of a .pub file: what ssh-add -L prints before the comment. */
char *key_words(const char *pub_name);
/* Fails unless every line of the proxy's log text has the documented shape
 * (docs/security.md, the log's own "log truncated" lines included); the lines. */
size_t assert_log_shape(const char *text);

/*
 * What both tests start from: ssh_test_dir with keys auth, sign (the two
 * configured), other (ECDSA) and extra (for ssh-add to try), pub/ copies of
 * auth.pub and sign.pub, and a real agent holding auth, sign and other.
 */
struct ssh_fixture {
    char *agent_sock;
    pid_t agent_pid;
    struct ssh_pubkey keys[2]; /* auth, signing: loaded from their .pub files */
};

void ssh_fixture_up(struct ssh_fixture *f);
/* Stops the agent and removes ssh_test_dir. */
int ssh_fixture_down(struct ssh_fixture *f);
/* A proxy at sock in front of the fixture's agent offering its two keys,
 * logging to log_fd, asking nobody (the caller changes what it tests). */
struct ssh_proxy_opts ssh_fixture_proxy_opts(const struct ssh_fixture *f, const char *sock,
                                             int log_fd);
/* ssh_proxy_start, failing the test when it fails. */
struct ssh_proxy *ssh_fixture_proxy_up(const struct ssh_proxy_opts *o);
