#!/usr/bin/env bash
# shellcheck disable=SC2016,SC2317 # probes expand inside the sandbox; cleanup runs from the trap
# Checks the real sandbox image (containerfile/) through ags itself, after
# tools/build-sandbox-image.sh built it. Not run by CI: the image takes
# minutes to build (see containerfile/README.md).
#
#   tools/check-sandbox-image.sh [--ags PATH] [--image NAME]
#
# Run it as the user whose Podman storage holds the image (never root), with
# CONTAINER_HOST set if ags should not find or start the service itself. It
# runs `ags --agent shell` in a scratch git repository, in default mode, in
# lockdown and with a secret, and prints `ok   - ...` or `FAIL - ...` per
# check: the user (dev, uid 1000, its home writable), the agent volumes
# (writable; read-only in lockdown), the tools the image promises, npm and
# pnpm ignoring lifecycle scripts, the containment probes (capabilities,
# no_new_privs, seccomp, host loopback by address and by name), the
# workspace (writable, files owned by you), lockdown's marker and bounded
# /tmp, a from_env secret reaching the agent, and the agent's PATH (exactly
# the plan's, whatever the image's login files do; bash from the image). Exit status: the number of
# failed checks (0 = all passed), 2 for usage errors.
set -uo pipefail

ags=$(command -v ags || true)
image=localhost/ags-sandbox:latest
while [ $# -gt 0 ]; do
    case $1 in
        --ags) ags=$2; shift 2 ;;
        --image) image=$2; shift 2 ;;
        *) echo "usage: $0 [--ags PATH] [--image NAME]" >&2; exit 2 ;;
    esac
done
[ -x "$ags" ] || { echo "check-sandbox-image: ags not found (use --ags PATH)" >&2; exit 2; }
[ "$(id -u)" -ne 0 ] || { echo "check-sandbox-image: run as the image's (rootless) user" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ags-image-check-XXXXXX")
http_pid=
cleanup() {
    [ -z "$http_pid" ] || kill "$http_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
export XDG_CONFIG_HOME=$work/config
mkdir -p "$XDG_CONFIG_HOME/ags" "$work/repo"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$image"

[[secret]]
env = "CHECK_TOKEN"
from_env = "AGS_IMAGE_CHECK_CANARY"
TOML
cd "$work/repo" && git init -q .

# A host service on loopback that the sandbox must not reach.
python3 -u -m http.server --bind 127.0.0.1 0 >"$work/http.log" 2>&1 &
http_pid=$!
port=
for _ in $(seq 50); do
    port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -n1)
    [ -n "$port" ] && break
    sleep 0.1
done

failed=0
check() { # NAME EXPECTED-LINE OUTPUT
    if grep -qxF -- "$2" <<<"$3"; then
        echo "ok   - $1"
    else
        echo "FAIL - $1 (no line '$2')"
        failed=$((failed + 1))
    fi
}

probes='
echo "user=$(id -un):$(id -u) home=$HOME"
touch "$HOME/.probe" && echo home-writable
for d in /usr/local/pnpm "$HOME/.npm-global"; do
    if touch "$d/.probe" 2>/dev/null; then echo "volume-rw:$d"; else echo "volume-ro:$d"; fi
done
for t in bash git tmux node npm pnpm python3 rg jq curl ssh cc make; do
    command -v "$t" >/dev/null && echo "tool:$t"
done
echo "npm-ignore-scripts=$(npm config get ignore-scripts)"
echo "pnpm-ignore-scripts=$(pnpm config get ignore-scripts)"
grep -q "^CapEff:[[:space:]]*0000000000000000" /proc/self/status && echo caps-none
grep -q "^NoNewPrivs:[[:space:]]*1" /proc/self/status && echo nnp-on
grep -q "^Seccomp:[[:space:]]*2" /proc/self/status && echo seccomp-filter
curl -s -m 3 -o /dev/null http://10.0.2.2:'"$port"'/ || echo host-loopback-closed
curl -s -m 3 -o /dev/null http://host.containers.internal:'"$port"'/ || echo host-name-closed
touch made-inside && echo workspace-writable
echo "lockdown=${AGS_LOCKDOWN:-0}"
grep -q " /tmp tmpfs .*size=1048576k" /proc/mounts && echo tmp-bounded
echo "token=${CHECK_TOKEN:-unset}"
echo "path=$PATH"
case $(command -v bash) in /usr/bin/bash | /bin/bash) echo bash-from-the-image ;; esac
'
canary=canary-$$-$RANDOM
# The agent gets exactly the PATH of the plan (system directories first): the
# image's login files (Debian's /etc/profile resets PATH) are not read.
plan_path() { # [FLAGS...]
    "$ags" plan --agent shell "$@" --json | python3 -c 'import json, sys
print(next(e["value"] for e in json.load(sys.stdin)["env"] if e["name"] == "PATH"))'
}
tools="bash git tmux node npm pnpm python3 rg jq curl ssh cc make"

out=$(AGS_IMAGE_CHECK_CANARY=$canary "$ags" --agent shell -- -c "$probes" </dev/null 2>&1)
echo "== default mode (ags exit $?)"
for l in "user=dev:1000 home=/home/dev" home-writable "volume-rw:/usr/local/pnpm" \
    "volume-rw:/home/dev/.npm-global" npm-ignore-scripts=true pnpm-ignore-scripts=true \
    caps-none nnp-on seccomp-filter host-loopback-closed host-name-closed workspace-writable \
    lockdown=0 "token=$canary" "path=$(plan_path)" bash-from-the-image; do
    check "default: ${l/$canary/<the canary>}" "$l" "$out"
done
for t in $tools; do check "default: $t installed" "tool:$t" "$out"; done
check "default: a file written inside belongs to you" "$(id -un)" "$(stat -c %U made-inside)"

out=$(AGS_IMAGE_CHECK_CANARY=$canary "$ags" --agent shell --lockdown -- -c "$probes" </dev/null 2>&1)
echo "== lockdown (ags exit $?)"
for l in "user=dev:1000 home=/home/dev" "volume-ro:/usr/local/pnpm" \
    "volume-ro:/home/dev/.npm-global" caps-none nnp-on seccomp-filter host-loopback-closed \
    host-name-closed workspace-writable lockdown=1 tmp-bounded token=unset \
    "path=$(plan_path --lockdown)" bash-from-the-image; do
    check "lockdown: $l" "$l" "$out"
done

echo "check-sandbox-image: $failed failed"
exit "$failed"
