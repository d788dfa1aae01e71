#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Benchmark: the bubblewrap backend (issue 17). Times, alternately in one run
# (one warm-up each), N times (default 15):
#   bwrap   ags --backend bwrap --agent shell -- -c true   (config, plan, sweep,
#                                     image, volumes, run dir and /home copy,
#                                     bwrap + slirp4netns, wait, removal)
#   bare    bwrap-bare -- ARGS        the equivalent bare bwrap + slirp4netns
#                                     sequence (tests/bench/bwrap-bare.c: the
#                                     same namespaces, image binds, tmpfs,
#                                     workspace, volumes and seccomp program;
#                                     no ags around it)
#   podman  ags --backend podman --agent shell -- -c true
# and prints each median, "bwrap overhead = bwrap - bare" (goal: at most
# 15 ms) and "ratio bwrap/podman" (goal: below 0.25).
#
#   tools/bench-bwrap.sh --e2e BUILD_DIR [-n N]      (as root, after
#       `ctest -R 'e2e/(setup|bwrap-setup)$'`: the e2e user, its Podman
#       service and both stores' test image; build without sanitizers:
#       cmake -DCMAKE_BUILD_TYPE=Release -DAGS_SANITIZE=OFF)
#   tools/bench-bwrap.sh --ags PATH --bare PATH [-n N] [--image IMG]
set -euo pipefail

n=15
image=${AGS_E2E_IMAGE:-localhost/ags-test:latest}
ags=
bare=
e2e=
while [ $# -gt 0 ]; do
    case $1 in
        -n) n=$2; shift 2 ;;
        --image) image=$2; shift 2 ;;
        --ags) ags=$2; shift 2 ;;
        --bare) bare=$2; shift 2 ;;
        --e2e) e2e=$2; shift 2 ;;
        *) echo "usage: $0 --e2e BUILD_DIR [-n N] | --ags PATH --bare PATH [-n N] [--image IMG]" >&2; exit 2 ;;
    esac
done
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench: -n wants a positive number" >&2; exit 2; }

# shellcheck source=bench-lib.sh
. "$(dirname "$0")/bench-lib.sh"
if [ -n "$e2e" ]; then
    bench_e2e_env "$e2e"
    dir=$AGS_E2E_SCRATCH_ROOT/bench-bwrap
    rm -rf "$dir"
    mkdir -p "$dir/repo/.git"
    cp "$e2e/ags" "$e2e/tests/bwrap-bare" "$dir/"
    cp "$0" "$dir/bench.sh"
    cp "$(dirname "$0")/bench-lib.sh" "$dir/bench-lib.sh"
    run=(env -i HOME="$AGS_E2E_HOME" USER="$AGS_E2E_USER" LOGNAME="$AGS_E2E_USER"
         PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$AGS_E2E_XDG_RUNTIME_DIR"
         XDG_CONFIG_HOME="$dir/config" DBUS_SESSION_BUS_ADDRESS=disabled:
         AGS_BENCH_PODMAN="unix://$AGS_E2E_SOCKET"
         bash "$dir/bench.sh" -n "$n" --image "$AGS_E2E_IMAGE" --ags "$dir/ags"
         --bare "$dir/bwrap-bare")
    cd "$dir/repo"
    if [ "$AGS_E2E_MODE" = root ]; then
        chown -R "$AGS_E2E_UID:$AGS_E2E_GID" "$dir"
        exec setpriv --reuid="$AGS_E2E_UID" --regid="$AGS_E2E_GID" --init-groups -- "${run[@]}"
    fi
    exec "${run[@]}"
fi

[ -x "$ags" ] || { echo "bench: --ags PATH is required" >&2; exit 2; }
[ -x "$bare" ] || { echo "bench: --bare PATH is required" >&2; exit 2; }

cfg=${XDG_CONFIG_HOME:-$HOME/.config}/ags
mkdir -p "$cfg"
printf '[sandbox]\nimage = "%s"\n' "$image" >"$cfg/config.toml"

# The image's tree in the bwrap store (backend/bwrap.h's layout).
store=${XDG_DATA_HOME:-$HOME/.local/share}/ags
tag=$store/rootfs/tags/$(python3 -c 'import re,sys; print(re.sub(r"[^A-Za-z0-9_-]", lambda m: "%%%02X" % ord(m.group()), sys.argv[1]))' "$image")
[ -f "$tag" ] || { echo "bench: $image is not in the bwrap store ($tag)" >&2; exit 1; }
root=$store/rootfs/$(head -n1 "$tag")/root
home=$(mktemp -d)
trap 'rm -rf "$home" "${tmp:-}"' EXIT
cp -a "$root/home/." "$home/" 2>/dev/null || true
wd=$PWD
# What ags's plan gives `--agent shell -- -c true` here, as bare bwrap arguments.
bare_args=(--unshare-user --unshare-pid --unshare-ipc --unshare-uts --unshare-net
           --unshare-cgroup-try --disable-userns --die-with-parent --cap-drop ALL
           --uid 1000 --gid 1000 --new-session)
for e in "$root"/*; do
    name=${e##*/}
    case $name in proc | dev | tmp | run | home | sys) continue ;; esac
    if [ -L "$e" ]; then
        bare_args+=(--symlink "$(readlink "$e")" "/$name")
    else
        bare_args+=(--ro-bind "$e" "/$name")
    fi
done
bare_args+=(--proc /proc --dev /dev --tmpfs /tmp --tmpfs /run --tmpfs /var/tmp
            --bind "$home" /home --bind "$wd" "$wd")
for v in pnpm-home:/usr/local/pnpm cargo:/home/dev/.cargo go:/home/dev/go \
    go-build:/home/dev/.cache/go-build sccache:/home/dev/.cache/sccache \
    npm-global:/home/dev/.npm-global; do
    vdir=$store/volumes/ags-shell-${v%%:*}/_data
    [ -d "$vdir" ] && [ -d "$root${v#*:}" ] && bare_args+=(--bind "$vdir" "${v#*:}")
done
bare_args+=(--chdir "$wd" -- /bin/bash -c true)

one() {
    case $1 in
        bwrap) "$ags" --backend bwrap --agent shell -- -c true ;;
        bare) "$bare" -- "${bare_args[@]}" ;;
        podman) CONTAINER_HOST=$AGS_BENCH_PODMAN "$ags" --backend podman --agent shell -- -c true ;;
    esac
}

variants=(bwrap bare)
[ -z "${AGS_BENCH_PODMAN:-}" ] || variants+=(podman)
tmp=$(mktemp -d)
bench_rounds "$n" "${variants[@]}"

echo "$(bwrap --version), image $image, $n runs each, alternated"
declare -A median
bench_report bwrap "ags --backend bwrap (shell, true)"
bench_report bare "bare bwrap + slirp4netns"
[ -z "${AGS_BENCH_PODMAN:-}" ] || bench_report podman "ags --backend podman (shell, true)"
awk -v a="${median[bwrap]}" -v b="${median[bare]}" 'BEGIN {
    printf "bwrap overhead = bwrap - bare = %.1f ms (goal <= 15 ms)\n", a - b }'
if [ -n "${median[podman]:-}" ]; then
    awk -v a="${median[bwrap]}" -v p="${median[podman]}" 'BEGIN {
        printf "ratio bwrap/podman = %.2f (goal < 0.25)\n", a / p }'
fi
