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

# run2 NOTE LABEL MODE-FLAGS... : ags plan and a probe from the current
# directory; NOTE=note: ags plan says why the git metadata is not mounted
run2() {
    local note=$1 label=$2
    shift 2
    run plan "$@" --agent shell
    check_eq "$label: ags plan exits 0" 0 "$RUN_RC"
    check_lacks "$label: ags plan mounts nothing of the home" "bind $HOME " "$RUN_OUT"
    if [ "$note" = note ]; then
        check_contains "$label: ags plan notes why the git metadata is not mounted" \
            "git metadata not mounted" "$RUN_OUT"
    fi
    run "$@" --agent shell -- -c "$PROBE"
    check_contains "$label: run 2 runs" probed "$RUN_OUT$RUN_ERR"
    check_lacks "$label: run 2 cannot see the home" HOME-VISIBLE "$RUN_OUT"
    # bwrap: the sandbox's /home is a per-run copy of the image's, in which
    # the workspace mount's parents (the host home's path among them) are
    # empty directories the sandbox user may write; what it writes there goes
    # with the run, never to the host's home (the check below)
    on_backend bwrap ||
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
    NOTE=note
    if [ "$MODE" = lockdown ]; then
        # lockdown moves a new .git/commondir aside on the way out
        check_contains "lockdown run 1: ags moves the planted .git/commondir aside" \
            "moved it aside to $REPO/.git/commondir.ags-quarantine" "$RUN_ERR"
        NOTE=none
    fi
    run2 "$NOTE" "$MODE commondir=\$HOME" "${FLAGS[@]}"
    rm -f "$REPO/.git/commondir.ags-quarantine"
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
    run2 note "$MODE gitdir=\$HOME" "${FLAGS[@]}"
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


# ---- lockdown: the host's git must not run code the agent wrote.  Each
# attack gives its config a canary core.fsmonitor; after the run the host's
# git (as this user, in the workspace) runs `git status`, and the canary
# file must not appear.
HOSTCANARY=$AGS_E2E_SCRATCH/fsmonitor-ran
EVILCFG='printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tfsmonitor = \"touch '"$HOSTCANARY"'; false\"\n"'
# ... and, for a workspace root made bare-shaped, with core.worktree = .
BARECFG='printf "[core]\n\trepositoryformatversion = 0\n\tbare = false\n\tworktree = .\n\tfsmonitor = \"touch '"$HOSTCANARY"'; false\"\n"'
host_git_status() {
    local label=$1
    rm -f "$HOSTCANARY"
    (cd "$REPO" && git status >/dev/null 2>&1) || true
    check_eq "$label: the host's git status does not run the agent's fsmonitor" "" \
        "$(ls "$HOSTCANARY" 2>/dev/null)"
}
fresh_repo() {
    cd "$AGS_E2E_SCRATCH" || e2e_abort "cannot enter $AGS_E2E_SCRATCH"
    chmod -R u+rwx "$REPO" 2>/dev/null || true
    rm -rf "$REPO"
    git init -q "$REPO"
    git -C "$REPO" -c user.name=t -c user.email=t@example.invalid commit -q --allow-empty -m initial
    cd "$REPO" || e2e_abort "cannot enter $REPO"
}

# F1: .git/commondir names a directory with the agent's config
fresh_repo
run --lockdown --agent shell -- -c 'mkdir -p evil/objects evil/refs/heads && '"$EVILCFG"' > evil/config && echo ../evil > .git/commondir && echo planted'
check_eq "lockdown commondir: the agent writes .git/commondir" planted "$RUN_OUT"
check_contains "lockdown commondir: ags names the quarantined .git/commondir" \
    "$REPO/.git/commondir" "$RUN_ERR"
host_git_status "lockdown commondir"
check_eq "lockdown commondir: no .git/commondir is left" "" "$(ls "$REPO/.git/commondir" 2>/dev/null)"

# F1: .git/config.worktree with the agent's config (read when the repository
# turns extensions.worktreeConfig on)
fresh_repo
git -C "$REPO" config extensions.worktreeConfig true
run --lockdown --agent shell -- -c "$EVILCFG"' > .git/config.worktree 2>/dev/null && echo CONFIG-WORKTREE-WRITTEN; echo probed'
check_contains "lockdown config.worktree: the run goes on" probed "$RUN_OUT$RUN_ERR"
check_lacks "lockdown config.worktree: .git/config.worktree cannot be written" \
    CONFIG-WORKTREE-WRITTEN "$RUN_OUT"
host_git_status "lockdown config.worktree"

# F2: a broken .git HEAD and a bare-shaped workspace root
fresh_repo
run --lockdown --agent shell -- -c 'echo garbage > .git/HEAD && mkdir -p objects refs && echo "ref: refs/heads/master" > HEAD && '"$BARECFG"' > config && echo planted'
check_eq "lockdown bare root: the agent breaks .git/HEAD and makes a bare root" planted "$RUN_OUT"
check_contains "lockdown bare root: ags repairs .git/HEAD and says so" "$REPO/.git/HEAD" "$RUN_ERR"
check_contains "lockdown bare root: ags names the bare-shaped workspace" \
    "safe.bareRepository=explicit" "$RUN_ERR"
host_git_status "lockdown bare root"
check_eq "lockdown bare root: the host's git still sees the repository" initial \
    "$(git -C "$REPO" log -1 --format=%s 2>/dev/null)"

# F2: deleting .git/objects or .git/refs would make .git no repository at all
fresh_repo
run --lockdown --agent shell -- -c 'rm -rf .git/objects 2>/dev/null; rm -rf .git/refs 2>/dev/null; [ -d .git/objects ] && [ -d .git/refs ] && echo still-there; mkdir -p objects refs && echo "ref: refs/heads/master" > HEAD && '"$BARECFG"' > config && echo planted'
check_contains "lockdown objects: .git/objects and .git/refs stay directories" still-there "$RUN_OUT"
host_git_status "lockdown objects"


# F3: what the walk after a lockdown run must name: a nested bare repository,
# a repository in a directory made unreadable or deeper than the walk goes,
# and a new top .git in a workspace that had none.
fresh_repo
run --lockdown --agent shell -- -c 'mkdir -p sub/objects sub/refs && echo "ref: refs/heads/master" > sub/HEAD && '"$EVILCFG"' > sub/config
mkdir -p hid/app && git init -q hid/app && chmod 0311 hid
d=$(printf "d/%.0s" $(seq 1 33)) && mkdir -p "$d" && git init -q "$d"
echo planted'
check_eq "lockdown walk: the agent plants" planted "$RUN_OUT"
check_contains "lockdown walk: ags names the nested bare repository" \
    "bare git repository (HEAD, objects/, refs/) of $REPO/sub" "$RUN_ERR"
check_contains "lockdown walk: ags names the unreadable directory" \
    "unreadable directory $REPO/hid" "$RUN_ERR"
check_contains "lockdown walk: ags names where it stopped going deeper" \
    "too deep directory $REPO/d/d/d" "$RUN_ERR"
chmod 0755 "$REPO/hid"
NOGIT=$AGS_E2E_SCRATCH/nogit
mkdir -p "$NOGIT"
cd "$NOGIT" || e2e_abort "cannot enter $NOGIT"
run --lockdown --agent shell -- -c 'git init -q . && echo planted'
check_eq "lockdown walk: the agent makes a .git where there was none" planted "$RUN_OUT"
check_contains "lockdown walk: ags names the new top .git" \
    "the agent created or changed $NOGIT/.git:" "$RUN_ERR"
cd "$REPO" || e2e_abort "cannot enter $REPO"

e2e_finish
