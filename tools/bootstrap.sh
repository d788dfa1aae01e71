#!/usr/bin/env bash
# The README's two set-up commands, for a fresh Debian 12 machine as root.
#
#   tools/bootstrap.sh run    install build+runtime dependencies, build, install
#                             ags into /usr/local and run its main job
#   tools/bootstrap.sh test   install what the tests need, build with gcc
#                             (-Werror, ASan+UBSan) and clang (-Werror), run every
#                             test tier under ctest, fuzz each target
#
# Environment: AGS_FUZZ_SECONDS (default 30) per fuzz target; AGS_JOBS (default nproc).
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
jobs=${AGS_JOBS:-$(nproc)}
fuzz_seconds=${AGS_FUZZ_SECONDS:-30}

build_deps=(build-essential cmake pkg-config git python3
    libcurl4-openssl-dev libjansson-dev libsecret-1-dev libssh2-1-dev libnotify-dev libseccomp-dev)
runtime_deps=(podman runc slirp4netns uidmap fuse-overlayfs catatonit netavark bubblewrap openssh-client mmdebstrap)
test_deps=(libcmocka-dev clang-14 libclang-rt-14-dev python3 curl shellcheck
    busybox-static bash-static tmux gnome-keyring libsecret-tools dbus-daemon dbus-x11 nodejs jq
    python3-dbus python3-gi
    man-db lintian file dpkg-dev golang-github-burntsushi-toml-dev
    bash-completion zsh fish openssh-server)

apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        echo "bootstrap: run as root (it installs Debian packages)" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The tests start sshd themselves (as the test user, on 127.0.0.1); the
    # package must not start the system's sshd on port 22.
    local no_services=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        no_services=1
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
    [ -z "$no_services" ] || rm -f /usr/sbin/policy-rc.d
}

# The main job: the shell agent in a real rootless sandbox, then pi answering
# a prompt.  Rootless Podman needs an unprivileged user, so as root this reuses
# the e2e fixture: it creates the user agsdemo (override: AGS_DEMO_USER),
# starts a private Podman service for it and builds the small local test
# image; tools/demo/shell-agent.sh runs the installed ags as that user with
# the shell agent, then tools/demo/pi-agent.sh builds the real sandbox image
# (`ags update-image`, no registry), installs pi (`ags update-agents pi`) and
# has it answer a prompt from a local OpenAI-compatible server; the fixture is
# torn down afterwards whatever happened.
demo_deps=(busybox-static bash-static curl python3)
cmd_run() {
    apt_install "${build_deps[@]}" "${runtime_deps[@]}" "${demo_deps[@]}"
    cmake -S "$top" -B "$top/build-release" -DCMAKE_BUILD_TYPE=Release -DAGS_TESTS=OFF
    cmake --build "$top/build-release" -j "$jobs"
    cmake --install "$top/build-release" --prefix /usr/local
    export AGS_E2E_USER=${AGS_DEMO_USER:-agsdemo} AGS_E2E_STATE=$top/build-release/demo
    local rc=0
    bash "$top/tests/e2e/setup.sh" "$AGS_E2E_STATE" /usr/local/bin/ags &&
        bash "$top/tests/e2e/run-as-user.sh" "$top/tools/demo/shell-agent.sh" &&
        AGS_E2E_EXTRA_BINS=$top/tests/e2e/openai-fixture.py \
            bash "$top/tests/e2e/run-as-user.sh" "$top/tools/demo/pi-agent.sh" || rc=$?
    bash "$top/tests/e2e/teardown.sh" "$AGS_E2E_STATE" >/dev/null || true
    return "$rc"
}

passed=0
failed=0
ctest_passed=0
ctest_failed=0
step() {
    local name=$1
    shift
    echo "==> $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $name" >&2
        failed=$((failed + 1))
    fi
}

clang_build() {
    cmake -S "$top" -B "$top/build-clang" -DCMAKE_C_COMPILER=clang-14 -DAGS_WERROR=ON >/dev/null &&
        cmake --build "$top/build-clang" -j "$jobs"
}

# -O2 finds what -O0 does not (-Wnull-dereference, -Wdangling-pointer,
# warn_unused_result): the Release build, tests included, must be clean too.
release_build() {
    cmake -S "$top" -B "$top/build-release-werror" -DCMAKE_BUILD_TYPE=Release -DAGS_WERROR=ON \
        -DAGS_SANITIZE=OFF >/dev/null &&
        cmake --build "$top/build-release-werror" -j "$jobs"
}

fuzz_build() {
    cmake -S "$top" -B "$top/build-fuzz" -DCMAKE_C_COMPILER=clang-14 -DAGS_FUZZ=ON >/dev/null &&
        cmake --build "$top/build-fuzz" -j "$jobs"
}

# Fuzzes one target for fuzz_seconds on a scratch copy of its seed corpus.
fuzz_run() {
    local target=$1 work
    work=$(mktemp -d)
    cp -r "$top/tests/fuzz/corpus/$target/." "$work/"
    (cd "$work" && "$top/build-fuzz/tests/fuzz/fuzz-$target" -max_total_time="$fuzz_seconds" \
        -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 "$work" 2>&1 | tail -n 12)
    local rc=${PIPESTATUS[0]}
    rm -rf "$work"
    return "$rc"
}

gcc_tests() {
    cmake -S "$top" -B "$top/build-test" -DAGS_WERROR=ON -DAGS_SANITIZE=ON >/dev/null &&
        cmake --build "$top/build-test" -j "$jobs" || return 1
    ASAN_OPTIONS=detect_stack_use_after_return=1:strict_string_checks=1:detect_leaks=1 \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir "$top/build-test" --output-on-failure --timeout 600 -j 2 2>&1 |
        tee "$top/build-test/ctest.log"
    local rc=${PIPESTATUS[0]}
    # The figures the tests measure (image build time and size, update-agents
    # per agent, pi's answer): ctest keeps a passing test's output only in
    # its log.
    echo "==> figures measured by the tests"
    grep -hE '^# (update-image|built |node in the image|timing|update-agents|ags --agent|(pi|codex|gemini|opencode|claude): )' \
        "$top/build-test/Testing/Temporary/LastTest.log" 2>/dev/null | sed 's/^# /  /' || true
    # Fold ctest's own counts into the closing line.
    local line total bad
    line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$top/build-test/ctest.log" | tail -n 1)
    if [ -n "$line" ]; then
        bad=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
        total=$(sed -E 's/.* tests failed out of ([0-9]+).*/\1/' <<<"$line")
        ctest_passed=$((total - bad))
        ctest_failed=$bad
    fi
    return "$rc"
}

cmd_test() {
    apt_install "${build_deps[@]}" "${runtime_deps[@]}" "${test_deps[@]}"
    step "clang-14 build, -Werror" clang_build
    step "gcc Release build (-O2), -Werror" release_build
    step "libFuzzer build" fuzz_build
    local t
    # shellcheck disable=SC2013 # target names are single words
    for t in $(sed -n 's/^ags_fuzz_target(\([a-z0-9_-]*\).*/\1/p' "$top/tests/fuzz/targets.cmake"); do
        step "fuzz $t for ${fuzz_seconds}s" fuzz_run "$t"
    done
    step "gcc build (-Werror, ASan+UBSan) and every ctest tier" gcc_tests
    # Closing line: every ctest test plus every other step (builds, fuzz runs).
    echo "ci: $((passed + ctest_passed)) passed, $((failed + ctest_failed)) failed"
    [ "$failed" -eq 0 ]
}

case "${1:-}" in
run) cmd_run ;;
test) cmd_test ;;
*)
    echo "usage: $0 run|test" >&2
    exit 2
    ;;
esac
