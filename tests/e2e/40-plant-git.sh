#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR disable=SC2016 # agent scripts expand inside the sandbox
# Plant in run 1, exploit in run 2: git metadata the agent writes must never
# widen its next sandbox (docs/security.md, "Git metadata").  In default and
# lockdown mode run 1 writes $HOME into .git/commondir, or a `gitdir: $HOME`
# file as .git; run 2 (ags plan and a probe inside) must not see the home.
# Lockdown cannot write .git/config, .git/hooks, a submodule's config or a
# linked worktree's commondir, nor replace .git, and mounts a linked
# worktree's main repository read-only (log works, commit does not).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ -x "${AGS_BIN:-}" ] || e2e_abort "the ags binary is missing (AGS_BIN)"
e2e_need git sha256sum

REPO=$AGS_E2E_SCRATCH/repo
export XDG_CONFIG_HOME=$AGS_E2E_SCRATCH/config
mkdir -p "$XDG_CONFIG_HOME/ags"
cat >"$XDG_CONFIG_HOME/ags/config.toml" <<TOML
[sandbox]
image = "$AGS_E2E_IMAGE"
TOML
git init -q "$REPO"
git -C "$REPO" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m initial
CANARY=$HOME/ags-e2e-home-canary-$$
echo canary >"$CANARY"
e2e_defer "rm -f '$CANARY' '$HOME/ags-e2e-planted-$$'"
cd "$REPO" || e2e_abort "cannot enter $REPO"


PROBE='[ -e "'"$CANARY"'" ] && echo HOME-VISIBLE
touch "'"$HOME/ags-e2e-planted-$$"'" 2>/dev/null && echo HOME-WRITABLE
echo probed'

# run2 MODE-FLAGS... : ags plan and a probe from the current directory
run2() {
    local label=$1
    shift
    run plan "$@" --agent shell
    check_eq "$label: ags plan exits 0" 0 "$RUN_RC"
    check_lacks "$label: ags plan mounts nothing of the home" "bind $HOME " "$RUN_OUT"
    check_contains "$label: ags plan notes why the git metadata is not mounted" \
        "git metadata not mounted" "$RUN_OUT"
    run "$@" --agent shell -- -c "$PROBE"
    check_contains "$label: run 2 runs" probed "$RUN_OUT$RUN_ERR"
    check_lacks "$label: run 2 cannot see the home" HOME-VISIBLE "$RUN_OUT"
    check_lacks "$label: run 2 cannot write the home" HOME-WRITABLE "$RUN_OUT"
    check_eq "$label: nothing was written into the home" "" \
        "$(ls "$HOME/ags-e2e-planted-$$" 2>/dev/null)"
}

for MODE in default lockdown; do
    FLAGS=()
    [ "$MODE" = lockdown ] && FLAGS=(--lockdown)

    # ---- run 1 writes $HOME into .git/commondir
    cd "$REPO" || e2e_abort "cannot enter $REPO"
    run "${FLAGS[@]}" --agent shell -- -c 'printf "%s\n" "'"$HOME"'" > .git/commondir && echo planted'
    check_eq "$MODE run 1: the agent writes .git/commondir" planted "$RUN_OUT"
    run2 "$MODE commondir=\$HOME" "${FLAGS[@]}"
    rm -f "$REPO/.git/commondir"

    # ---- run 1 plants a .git file `gitdir: $HOME` (in a subdirectory, the
    # nearest .git upwards for a launch there)
    run "${FLAGS[@]}" --agent shell -- -c 'mkdir -p sub && printf "gitdir: %s\n" "'"$HOME"'" > sub/.git && echo planted'
    check_eq "$MODE run 1: the agent writes sub/.git" planted "$RUN_OUT"
    if [ "$MODE" = lockdown ]; then
        check_contains "lockdown run 1: ags warns about the planted sub/.git" \
            "the agent created or changed $REPO/sub/.git" "$RUN_ERR"
    fi
    cd "$REPO/sub" || e2e_abort "cannot enter $REPO/sub"
    run2 "$MODE gitdir=\$HOME" "${FLAGS[@]}"
    cd "$REPO" || e2e_abort "cannot enter $REPO"
    rm -rf "$REPO/sub"
done

# ---- lockdown: .git/config, .git/hooks and a submodule's config cannot be
# planted for the host's git (git status descends into submodules)
mkdir -p "$REPO/.git/modules/lib"
echo '[core]' >"$REPO/.git/modules/lib/config"
CONFIG_SUM=$(sha256sum <"$REPO/.git/config")
run --lockdown --agent shell -- -c '
echo "[core] fsmonitor = /tmp/evil" >> .git/modules/lib/config 2>/dev/null && echo MODULE-CONFIG-WRITTEN
echo "[core] fsmonitor = /tmp/evil" >> .git/config 2>/dev/null && echo CONFIG-WRITTEN
git config core.hooksPath /tmp 2>/dev/null && echo HOOKSPATH-SET
printf "#!/bin/sh\necho pwned\n" > .git/hooks/post-checkout 2>/dev/null && echo HOOK-WRITTEN
git log -1 --format=log:%s
git status --porcelain >/dev/null && echo status-ok
echo probed'
check_contains "lockdown: the run goes on" probed "$RUN_OUT$RUN_ERR"
check_contains "lockdown: git log works" log:initial "$RUN_OUT"
check_contains "lockdown: git status works" status-ok "$RUN_OUT"
for w in CONFIG-WRITTEN HOOKSPATH-SET HOOK-WRITTEN MODULE-CONFIG-WRITTEN; do
    check_lacks "lockdown: $w is refused" "$w" "$RUN_OUT"
done
check_eq "lockdown: .git/config is unchanged on the host" "$CONFIG_SUM" \
    "$(sha256sum <"$REPO/.git/config")"
check_eq "lockdown: no post-checkout hook on the host" "" \
    "$(ls "$REPO/.git/hooks/post-checkout" 2>/dev/null)"

# A nested repository the agent makes is not protected (the workdir is
# writable): lockdown names it on the way out.
run --lockdown --agent shell -- -c 'mkdir -p nested/.git/hooks && echo "[core]" > nested/.git/config && echo made'
check_eq "lockdown: the agent can make a nested .git" made "$RUN_OUT"
check_contains "lockdown: ags warns about the nested .git" \
    "the agent created or changed $REPO/nested/.git: git on your host runs its config" "$RUN_ERR"
check_lacks "lockdown: ags does not warn about the protected top .git" "$REPO/.git:" "$RUN_ERR"
rm -rf "$REPO/nested"

# ... nor by replacing hooks/ or the whole .git with fresh ones
run --lockdown --agent shell -- -c '
mv .git/hooks .git/hooks-old 2>/dev/null && mkdir .git/hooks && echo HOOKS-REPLACED
mv .git .git-old 2>/dev/null && mkdir .git && echo DOTGIT-REPLACED
echo probed'
check_contains "lockdown: the second run goes on" probed "$RUN_OUT$RUN_ERR"
check_lacks "lockdown: .git/hooks cannot be replaced" HOOKS-REPLACED "$RUN_OUT"
check_lacks "lockdown: .git cannot be replaced" DOTGIT-REPLACED "$RUN_OUT"
if [ -d "$REPO/.git-old" ]; then rm -rf "$REPO/.git" && mv "$REPO/.git-old" "$REPO/.git"; fi

# ---- a linked worktree: default mode commits, lockdown mounts the main
# repository read-only (git log works, a commit does not)
git -C "$REPO" worktree add -q "$AGS_E2E_SCRATCH/wt" -b feature
cd "$AGS_E2E_SCRATCH/wt" || e2e_abort "cannot enter $AGS_E2E_SCRATCH/wt"
run plan --agent shell
check_contains "worktree: the main .git is mounted read-write" "bind $REPO/.git -> $REPO/.git (rw)" "$RUN_OUT"
run plan --lockdown --agent shell
check_contains "worktree lockdown: the main .git is mounted read-only" \
    "bind $REPO/.git -> $REPO/.git (ro)" "$RUN_OUT"
run --lockdown --agent shell -- -c 'git log -1 --format=log:%s
echo x > f && git add f 2>/dev/null && git -c user.name=a -c user.email=a@example.invalid commit -qm evil 2>/dev/null && echo COMMITTED
echo probed'
check_contains "worktree lockdown: git log works" log:initial "$RUN_OUT"
check_lacks "worktree lockdown: a commit is refused" COMMITTED "$RUN_OUT"
check_eq "worktree lockdown: the branch is unchanged on the host" initial \
    "$(git -C "$REPO" log -1 --format=%s feature)"
# From the main repository, lockdown cannot redirect the worktree's commondir
# (git in the worktree on the host would follow it).
cd "$REPO" || e2e_abort "cannot enter $REPO"
run --lockdown --agent shell -- -c 'echo ../../../planted > .git/worktrees/wt/commondir 2>/dev/null && echo COMMONDIR-WRITTEN
echo probed'
check_contains "main lockdown: the run goes on" probed "$RUN_OUT$RUN_ERR"
check_lacks "main lockdown: a worktree's commondir cannot be rewritten" COMMONDIR-WRITTEN "$RUN_OUT"

e2e_finish
