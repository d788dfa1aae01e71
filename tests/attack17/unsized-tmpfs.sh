#!/usr/bin/env bash
# FINDING: the sandbox gets writable tmpfs mounts with no size, in lockdown
# too: bwrap's root (/) and every "shadow" tmpfs (here /usr, made because
# the image lacks /usr/local for the pnpm volume), and outside lockdown
# /tmp, /run and /var/tmp.  Each is the kernel's default, half of the host's
# RAM, and with no memory cgroup on this backend nothing bounds their sum:
# an agent can pin several times the host's RAM in page cache/swap and get
# other users' processes OOM-killed.  (Podman: no tmpfs outside lockdown,
# the container layer is on disk; lockdown's tmpfs are sized.)  The
# writable / and /usr also contradict docs/bwrap.md ("the agent can still
# write nothing but the workspace, its volumes and the tmpfs the plan gives
# it"): a run can put its own programs in /usr/local/bin ahead of /usr/bin.
# The probe writes 96 MiB into / and into /usr in --lockdown (beyond the
# 64 MiB lockdown gives /run) and prints the sizes; it never fills memory.
. "$(dirname "$0")/lib.sh"
atk_setup
mem_kib=$(awk '/^MemTotal/ {print $2}' /proc/meminfo)
PROBE='set -e
df -k / /usr /tmp /run /var/tmp | sed 1d | while read -r fs size used avail pct mnt; do echo "size $mnt $size"; done
dd if=/dev/zero of=/big-root bs=1M count=96 2>/dev/null && echo "wrote 96 MiB to /"
mkdir -p /usr/local/bin && dd if=/dev/zero of=/usr/local/big bs=1M count=96 2>/dev/null && echo "wrote 96 MiB to /usr"
printf "#!/bin/sh\necho shadowed\n" >/usr/local/bin/git && chmod 755 /usr/local/bin/git && echo "git: $(git)"'
out=$(atk_ags --backend bwrap --agent shell --lockdown -- -c "$PROBE" </dev/null 2>&1) || true
echo "$out"
[ "$(echo "$out" | grep -c '^wrote 96 MiB')" = 2 ] || held "could not write 96 MiB into / and /usr in lockdown"
root_kib=$(echo "$out" | awk '$1 == "size" && $2 == "/" {print $3}')
[ -n "$root_kib" ] && [ "$root_kib" -ge $((mem_kib / 4)) ] &&
    works "lockdown: / and /usr are writable tmpfs of $root_kib KiB each (host RAM $mem_kib KiB); git: $(echo "$out" | sed -n 's/^git: //p')"
held "root tmpfs is sized ($root_kib KiB)"
