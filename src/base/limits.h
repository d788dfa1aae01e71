/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Every bound on outside input, in one place. */
#define AGS_TOML_MAX_FILE_SIZE     (8u * 1024u * 1024u) /* bytes of one TOML file */
#define AGS_TOML_MAX_DEPTH         128u                 /* nesting of arrays/inline tables/keys */
#define AGS_TOML_MAX_KEY_PARTS     128u                 /* dotted key components */
#define AGS_CONFIG_MAX_LAYERS      2u                   /* base + repo overlay */
#define AGS_PODMAN_MAX_RESPONSE    (16u * 1024u * 1024u)
/* One reply header ags keeps (Podman's X-Docker-Container-Path-Stat: base64 of
 * JSON holding a name and a link target of up to PATH_MAX each). */
#define AGS_PODMAN_MAX_HEADER_VALUE (16u * 1024u)
#define AGS_PROXY_MAX_HEADER       (64u * 1024u)
/* One secret value: libpod's own limit; the keyring, env and prompt values are
 * held to it too so every resolved value can be delivered. */
#define AGS_SECRET_MAX_VALUE       512000u
#define AGS_TERM_SEQ_MAX           512u /* a kept terminal escape sequence (lockdown output) */
#define AGS_ROUTE_TABLE_MAX        (256u * 1024u) /* /proc/net/route: the host gateway (pasta) */
/* One ssh-agent protocol message body (OpenSSH's ssh-agent uses the same bound). */
#define AGS_SSH_AGENT_MAX_MESSAGE  (256u * 1024u)
#define AGS_SSH_PUBKEY_FILE_MAX    (16u * 1024u) /* a configured key's .pub file */
/* A decoded .pub key: Ed25519/ECDSA take < 200 bytes; room for RSA up to 16384 bits, so
 * that one is refused by name rather than by size. */
#define AGS_SSH_KEY_BLOB_MAX       4096u
/* Clients of one session's ssh-agent proxy at once: ssh and git hold one each; beyond
 * this a connection is closed at once (a sandbox opening hundreds cannot exhaust fds). */
#define AGS_SSH_PROXY_MAX_CLIENTS  64u
/* An ssh:// Podman URI (CONTAINER_HOST, --url, containers.conf): Podman's own bound on a URI. */
#define AGS_SSH_URI_MAX            4096u
/* A Podman connection name (--connection, CONTAINER_CONNECTION, [engine] connection,
 * active_service): a containers.conf table key; longer is no name anyone typed. */
#define AGS_CONNECTION_NAME_MAX    256u
/* The engines ags ps asks at once (the configured one and containers.conf's
 * connections): each a thread and, over ssh://, a TCP connection; the rest is
 * left out with a warning. */
#define AGS_PS_ENGINES_MAX         32u
/* Warnings kept of each engine ags ps asks on a thread, replayed after all answered. */
#define AGS_PS_ENGINE_WARNINGS_MAX 16u
/* The remote socket path of an ssh:// URI, decoded: what fits in sockaddr_un.sun_path. */
#define AGS_SSH_REMOTE_PATH_MAX    107u
/* ~/.ssh/known_hosts: OpenSSH keeps no bound; 4 MiB is some 20000 hashed entries. */
#define AGS_SSH_KNOWN_HOSTS_MAX    (4u * 1024u * 1024u)
#define AGS_SSH_KNOWN_HOSTS_LINE   8192u /* one line of it (OpenSSH reads 8 KiB lines too) */
/* Bytes the tunnel buffers each way per channel before it stops reading that side. */
#define AGS_SSH_TUNNEL_BUF         (64u * 1024u)
/* API connections (channels) of one tunnel at once: libcurl keeps one, attach and exec one
 * each; beyond this a new one is refused. */
#define AGS_SSH_TUNNEL_MAX_CHANNELS 32u
/* Runs using one shared (persistent) tunnel at once. */
#define AGS_SSH_TUNNEL_MAX_RUNS     32u
/* The auth proxy (docs/auth-proxy.md).  A relayed callback's head (method, target and every
 * header name and value, 4 bytes each for the separators) is held to AGS_PROXY_MAX_HEADER and
 * its body to AGS_PROXY_MAX_BODY, both ways; a message of the protocol to the sum and a
 * little room for its own fields. */
#define AGS_PROXY_MAX_BODY         (1024u * 1024u)
#define AGS_PROXY_MAX_MESSAGE      (AGS_PROXY_MAX_HEADER + AGS_PROXY_MAX_BODY + 4096u)
#define AGS_PROXY_MAX_HEADERS      128u  /* header lines of one relayed request or response */
#define AGS_PROXY_MAX_URL          8192u /* a URL to open; an OAuth authorize URL takes ~1-2 KiB */
#define AGS_PROXY_MAX_HOST         253u  /* a DNS name (RFC 1035); an IPv6 literal is shorter */
#define AGS_PROXY_MAX_TEXT         1024u /* a message for the agent or a failed relay's reason */
/* Sandbox connections of one session's auth proxy at once: an opener holds one per URL (and
 * keeps it while its relay window is open); beyond this one is refused at once. */
#define AGS_PROXY_MAX_CLIENTS      32u
/* Relay windows (callback ports bound on the host's loopback) of one session at once. */
#define AGS_PROXY_MAX_RELAYS       16u
/* A file of the bubblewrap backend's store (labels, env, a tag): written by ags, read
 * bounded all the same; an image's environment takes well under 4 KiB. */
/* A label value ags ps shows (the percent-encoded work dir is the longest:
 * 3 x PATH_MAX). */
#define AGS_SESSION_LABEL_MAX      (16u * 1024u)
/* ags logs: one capture of a session's tmux pane (scrollback and screen),
 * and how many lines may have left its top between two captures of
 * --follow for the new ones to be found. */
#define AGS_SESSION_LOG_MAX        (32u * 1024u * 1024u)
#define AGS_SESSION_LOG_SHIFT_MAX  100000u
/* ... and how many line comparisons one --follow poll may spend aligning. */
#define AGS_SESSION_LOG_ALIGN_WORK 2000000u
/* A supervisor's log of what it could not report (docs/sessions.md). */
#define AGS_SESSION_SUPERVISOR_LOG_MAX (1024u * 1024u)
/* ags stop --timeout: seconds between SIGTERM and SIGKILL. */
#define AGS_STOP_TIMEOUT_MAX       3600u
#define AGS_BWRAP_STORE_FILE_MAX   (64u * 1024u)
/* An image or volume name in that store. */
#define AGS_BWRAP_STORE_NAME_MAX   255u
/* The egress proxy of a session's network policy (docs/security.md, "Network policy: the
 * egress proxy").  A request head (request line and headers) and its header lines: a
 * client that sends more gets 431 and is closed. */
#define AGS_EGRESS_MAX_HEAD        (16u * 1024u)
#define AGS_EGRESS_MAX_HEADERS     100u
/* Connections of one session's egress proxy at once (each holds a thread, two sockets and
 * two pipes); beyond this one is answered 503 and closed at once. */
#define AGS_EGRESS_MAX_CONNECTIONS 256u
/* Bytes of one session's audit log; past it lines are counted, not written. */
#define AGS_EGRESS_LOG_BUDGET      (16u * 1024u * 1024u)
/* Connections one in-sandbox forwarder (ags-helper forward) relays at once. */
#define AGS_FORWARD_MAX_CONNECTIONS 256u
/* [network].allow (docs/config.md): one entry's text (a 253-character name, "*.", a port and
 * room for an IPv6 network), and the entries of one allowlist after the flags and an agent's
 * defaults joined it (every entry is compared with every base entry for the overlay rule). */
#define AGS_NET_RULE_MAX_TEXT      300u
#define AGS_NET_ALLOW_MAX          1024u
/* ags diff's workspace baseline (docs/sessions.md "ags diff"): recorded on the host before a
 * session starts and walked again by ags diff in a tree the agent wrote.  Entries walked
 * (beyond: the manifest is marked partial), one path's bytes, directory depth, the
 * manifest's bytes, and the file copies a diff shows lines from: each file up to the per-file
 * bound, all of them up to the total (content-addressed: a duplicate is stored once). */
#define AGS_BASELINE_MAX_ENTRIES   200000u
#define AGS_BASELINE_PATH_MAX      4096u
#define AGS_BASELINE_MAX_DEPTH     128u
#define AGS_BASELINE_MANIFEST_MAX  (64u * 1024u * 1024u)
#define AGS_BASELINE_COPY_TOTAL    (64u * 1024u * 1024u)
#define AGS_BASELINE_COPY_FILE_MAX (256u * 1024u)
/* The unified diff of one file: lines of each side, and the edit distance (inserted plus
 * deleted lines) the line diff searches; beyond either: "too large to show". */
#define AGS_DIFF_MAX_LINES         50000u
#define AGS_DIFF_MAX_EDITS         2000u
/* packed-refs read for HEAD's commit (the loose ref file is a GITDIRS_FILE_MAX line). */
#define AGS_BASELINE_PACKED_REFS_MAX (8u * 1024u * 1024u)
/* A remote engine's workspace upload (run/remote-upload.h): the entries of
 * the list (files, links, directories; a large monorepo with its .git has a
 * few hundred thousand), their nesting, and git ls-files's output (NUL-
 * separated paths). */
#define AGS_REMOTE_UPLOAD_MAX_ENTRIES 2000000u
#define AGS_REMOTE_UPLOAD_MAX_DEPTH   256u
#define AGS_REMOTE_GIT_LIST_MAX       (256u * 1024u * 1024u)

/* Bringing a remote session's changes back (run/remote.h, docs/remote.md). */
/* The first line of the export script's output: "AGS-EXPORT/1 bundle 1". */
#define AGS_EXPORT_HEADER_MAX      128u
/* What the host's git prints that ags reads (bundle list-heads, rev-parse...). */
#define AGS_LOCAL_GIT_OUT_MAX      (64u * 1024u)
/* Of the host git's stderr, the end kept for a message (run/hostgit.h), in
 * bytes as read and again as shown escaped: with the rest it fits in
 * AGS_ERROR_MSG_MAX. */
#define AGS_HOST_GIT_ERR_KEEP      512u
/* Seconds a helper container may run before it is killed (a hostile
 * workspace may make git wait for ever). */
#define AGS_HELPER_TIMEOUT_S       900u
/* A bundle's header (prerequisites and refs) before its pack. */
#define AGS_BUNDLE_HEADER_MAX      (1024u * 1024u)
/* ags/<name>-2 ... -<this>: a branch name that is not taken yet. */
#define AGS_PULL_BRANCH_TRIES      100u
/* .agsignore (base/ignore.h, docs/remote.md): the repository's file, read bounded. */
#define AGS_IGNORE_FILE_MAX        (256u * 1024u)
#define AGS_IGNORE_MAX_LINE        4096u
#define AGS_IGNORE_MAX_RULES       4096u
/* The steps all matches against one .agsignore may take (base/ignore.h): a
 * few seconds of CPU; simple patterns spend about a name's length each, so
 * 2 million paths 8 directories deep against 20 patterns take 1/8 of it. */
#define AGS_IGNORE_MATCH_STEPS     (1ull << 33)
/* Host files a remote run copies into its sandbox (PLAN_MOUNT_COPY: the agent gitconfig,
 * the .pub keys): each one's bytes, and the whole archive. */
#define AGS_COPY_IN_FILE_MAX       (1u * 1024u * 1024u)
#define AGS_COPY_IN_MAX            (8u * 1024u * 1024u)
/* A tar from outside (base/tar-read.h: the one file a remote sandbox leaves for
 * the host): the records of one pax extended or global header, the extended and
 * global headers before the file, and the zero bytes after it (GNU tar pads to
 * its record size, 10 KiB by default; Go's archive/tar, Podman's, writes 1 KiB). */
#define AGS_TAR_PAX_HEADER_MAX     (64u * 1024u)
#define AGS_TAR_EXT_HEADERS_MAX    8u
#define AGS_TAR_TRAILER_MAX        (1u * 1024u * 1024u)
