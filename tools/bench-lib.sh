# shellcheck shell=bash disable=SC2154 # tmp and one come from the caller
# Shared by the container benchmarks (tools/bench-podman-client.sh,
# tools/bench-run-mode.sh): alternated timing of variants and their medians.
# The caller defines one VARIANT (runs it once) and sets $tmp (a scratch dir).

# bench_timed VARIANT: wall time of one run in microseconds (bash's
# EPOCHREALTIME, so no helper process start is counted); fails if the run fails.
bench_timed() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    one "$1" </dev/null >/dev/null 2>"$tmp/err" ||
        { echo "bench: $1 failed: $(cat "$tmp/err")" >&2; return 1; }
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0))
}

# bench_rounds N VARIANT...: one warm-up each (caches, volumes, the pause
# process), then N rounds in which every variant runs once, in turn; the
# times land in $tmp/VARIANT.  Odd rounds run the variants in reverse order:
# Podman is still cleaning up after a container run when the next variant
# starts, so a fixed order would always give the same variant the same
# (busy or quiet) predecessor.
bench_rounds() {
    local n=$1 v i
    shift
    local order=("$@") reversed=()
    for ((i = $# - 1; i >= 0; i--)); do
        reversed+=("${order[i]}")
    done
    for v in "$@"; do
        bench_timed "$v" >/dev/null
        : >"$tmp/$v"
    done
    for ((i = 0; i < n; i++)); do
        if ((i % 2)); then set -- "${reversed[@]}"; else set -- "${order[@]}"; fi
        for v in "$@"; do
            bench_timed "$v" >>"$tmp/$v"
        done
    done
}

# bench_stats VARIANT: "median min max" in ms with one decimal.
bench_stats() {
    sort -n "$tmp/$1" | awk '{ a[NR] = $1 } END {
        m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
        printf "%.1f %.1f %.1f\n", m / 1000, a[1] / 1000, a[NR] / 1000 }'
}

# bench_report VARIANT WHAT: prints WHAT with VARIANT's median, min and max,
# and records the median in the associative array `median` (the caller's).
bench_report() {
    local med lo hi
    read -r med lo hi < <(bench_stats "$1")
    # shellcheck disable=SC2034 # the caller's array
    median[$1]=$med
    printf '%-36s median %7.1f ms  min %7.1f  max %7.1f\n' "$2" "$med" "$lo" "$hi"
}

# bench_e2e_env BUILD_DIR: loads the e2e fixture's env file (tests/e2e/setup.sh).
bench_e2e_env() {
    local envfile=$1/e2e/env
    [ -f "$envfile" ] || { echo "bench: $envfile missing: run tests/e2e/setup.sh first" >&2; exit 1; }
    # shellcheck disable=SC1090
    . "$envfile"
}

# bench_e2e_exec BUILD_DIR NAME SCRIPT ARGS...: runs a copy of SCRIPT (with
# bench-lib.sh and BUILD_DIR's ags) as the e2e user, its Podman service in
# CONTAINER_HOST, from $AGS_E2E_SCRATCH_ROOT/NAME/repo, with ARGS and then
# --image and --ags; does not return.
bench_e2e_exec() {
    local build=$1 name=$2 script=$3
    shift 3
    bench_e2e_env "$build"
    local dir=$AGS_E2E_SCRATCH_ROOT/$name
    rm -rf "$dir"
    mkdir -p "$dir/repo"
    cp "$build/ags" "$dir/"
    cp "$script" "$dir/bench.sh"
    cp "$(dirname "$script")/bench-lib.sh" "$dir/bench-lib.sh"
    local run=(env -i HOME="$AGS_E2E_HOME" USER="$AGS_E2E_USER" LOGNAME="$AGS_E2E_USER"
               PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin XDG_RUNTIME_DIR="$AGS_E2E_XDG_RUNTIME_DIR"
               XDG_CONFIG_HOME="$dir/config" DBUS_SESSION_BUS_ADDRESS=disabled:
               CONTAINER_HOST="unix://$AGS_E2E_SOCKET"
               bash "$dir/bench.sh" "$@" --image "$AGS_E2E_IMAGE" --ags "$dir/ags")
    cd "$dir/repo" || exit 1
    if [ "$AGS_E2E_MODE" = root ]; then
        chown -R "$AGS_E2E_UID:$AGS_E2E_GID" "$dir"
        exec setpriv --reuid="$AGS_E2E_UID" --regid="$AGS_E2E_GID" --init-groups -- "${run[@]}"
    fi
    exec "${run[@]}"
}
