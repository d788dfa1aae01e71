/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The export script of remote sessions (run/remote.h) and its framing.
 *
 * The script runs in the sandbox after its agent ended (a git session
 * whose image has perl: run_export_wrap_argv below) or in a helper
 * container (network none, nothing of the host) with the workspace volume
 * mounted read-only at the work dir.  The
 * agent controls every byte there, its .git included (config, hooks, refs,
 * alternates, HEAD); the script and git are the image's.  So git never
 * works *in* the agent's repository: it reads HEAD there (rev-parse, which
 * runs nothing the config names) and its objects through an alternate of a
 * fresh repository in the helper's /tmp, whose config is ours only
 * (GIT_CONFIG_NOSYSTEM, GIT_CONFIG_GLOBAL=/dev/null, HOME elsewhere); every
 * git call also turns hooks and fsmonitor off with -c, and no transport is
 * allowed (a partial-clone config in the agent's repository would have
 * rev-parse fetch a missing HEAD from its promisor remote, running its
 * uploadpack: run/hostgit.h RUN_GIT_NO_FETCH_ENV).  Its index is a
 * temporary one: `add -A` of the work tree onto HEAD's tree gives the
 * uncommitted changes as one extra commit; the bundle holds
 * <base>..<that tip> (everything reachable when base is gone from the
 * agent's repository).  Excluded as at the upload: the agent's
 * .git/info/exclude, .gitignore files and .agsignore.  Outside git the
 * baseline is a commit in a git dir on a second volume that only helpers
 * mount; the end is a `git diff --binary` between it and the work tree.
 *
 * Output: one header line ("AGS-EXPORT/1 none|bundle 0|bundle 1|patch|
 * baseline"), then the payload; errors: "ags-export: ..." on stderr and
 * exit 3.  What comes out is untrusted all the same (remote-host.c).
 */
#include "run/remote.h"

#include <inttypes.h>
#include <string.h>

#include "base/alloc.h"
#include "base/macro.h"
#include "base/strv.h"
#include "base/limits.h"
#include "plan/plan.h"
#include "base/banned.h"

const char run_export_script[] =
        "set -eu\n"
        "umask 077\n"
        "mode=$1 w=$2 base=$3 name=$4 bdir=$5\n"
        "unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_COMMON_DIR \\\n"
        "    GIT_ALTERNATE_OBJECT_DIRECTORIES GIT_NAMESPACE GIT_CEILING_DIRECTORIES GIT_EXEC_PATH \\\n"
        "    GIT_CONFIG GIT_CONFIG_PARAMETERS GIT_CONFIG_COUNT GIT_ATTR_SOURCE\n"
        "export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=/nonexistent LC_ALL=C \\\n"
        "    GIT_TERMINAL_PROMPT=0 GIT_OPTIONAL_LOCKS=0 GIT_NO_LAZY_FETCH=1 GIT_ALLOW_PROTOCOL= \\\n"
        "    GIT_AUTHOR_NAME=ags \\\n"
        "    GIT_AUTHOR_EMAIL=ags@localhost GIT_COMMITTER_NAME=ags GIT_COMMITTER_EMAIL=ags@localhost\n"
        "die() {\n"
        "    printf 'ags-export: %s\\n' \"$*\" >&2\n"
        "    exit 3\n"
        "}\n"
        "g() {\n"
        "    git -c core.hooksPath=/dev/null -c core.fsmonitor=false -c core.untrackedCache=false \\\n"
        "        -c safe.directory='*' -c gc.auto=0 -c maintenance.auto=false -c core.pager=cat \\\n"
        "        -c core.excludesFile=\"$t/exclude\" -c advice.addEmbeddedRepo=false \"$@\"\n"
        "}\n"
        "# Appends the regular file $1 (never through a link) to the excludes.\n"
        "exclude_from() {\n"
        "    if [ -f \"$1\" ] && [ ! -L \"$1\" ]; then cat -- \"$1\" >>\"$t/exclude\"; fi\n"
        "}\n"
        "case $w in /*) ;; *) die \"not an absolute work dir: $w\" ;; esac\n"
        "case $base in -) ;; *[!0-9a-f]* | '') die \"not a commit id: $base\" ;; esac\n"
        "t=$(mktemp -d)\n"
        ": >\"$t/exclude\"\n"
        "export GIT_INDEX_FILE=\"$t/index\"\n"
        "cd \"$w\"\n"
        "# The work tree as a tree object: the index $GIT_INDEX_FILE starts from tree\n"
        "# $1 (\"\" for none), every file not ignored is added.\n"
        "snapshot() {\n"
        "    if [ -n \"$1\" ]; then g read-tree \"$1\"; else g read-tree --empty; fi\n"
        "    g --work-tree=\"$w\" add -A -- .\n"
        "    g write-tree\n"
        "}\n"
        "case $mode in\n"
        "baseline)\n"
        "    export GIT_DIR=\"$bdir/git\"\n"
        "    [ ! -e \"$GIT_DIR\" ] || die \"a baseline exists already\"\n"
        "    g init -q --bare --template= \"$GIT_DIR\"\n"
        "    exclude_from \"$w/.agsignore\"\n"
        "    mkdir \"$GIT_DIR/info\"\n"
        "    cp \"$t/exclude\" \"$GIT_DIR/info/exclude\"\n"
        "    tree=$(snapshot \"\")\n"
        "    c=$(g commit-tree -m \"ags: baseline of session $name\" \"$tree\")\n"
        "    g update-ref refs/heads/base \"$c\"\n"
        "    echo 'AGS-EXPORT/1 baseline'\n"
        "    ;;\n"
        "plain)\n"
        "    export GIT_DIR=\"$bdir/git\"\n"
        "    [ -d \"$GIT_DIR\" ] || die \"the baseline of this session is missing\"\n"
        "    exclude_from \"$GIT_DIR/info/exclude\"\n"
        "    tree=$(snapshot refs/heads/base)\n"
        "    if [ \"$tree\" = \"$(g rev-parse 'refs/heads/base^{tree}')\" ]; then\n"
        "        echo 'AGS-EXPORT/1 none'\n"
        "        exit 0\n"
        "    fi\n"
        "    echo 'AGS-EXPORT/1 patch'\n"
        "    g diff --binary --full-index --no-renames --no-ext-diff --no-textconv --no-color \\\n"
        "        refs/heads/base \"$tree\"\n"
        "    ;;\n"
        "git)\n"
        "    a=\"$w/.git\"\n"
        "    [ -d \"$a\" ] && [ ! -L \"$a\" ] || die \"the workspace has no .git directory\"\n"
        "    fmt=$(g --git-dir=\"$a\" rev-parse --show-object-format) || die \"cannot read the workspace's repository\"\n"
        "    tip=$(g --git-dir=\"$a\" rev-parse -q --verify 'HEAD^{commit}') || tip=\n"
        "    export GIT_DIR=\"$t/repo\"\n"
        "    g init -q --bare --template= --object-format=\"$fmt\" \"$GIT_DIR\"\n"
        "    printf '%s\\n' \"$a/objects\" >\"$GIT_DIR/objects/info/alternates\"\n"
        "    if [ -f \"$a/shallow\" ] && [ ! -L \"$a/shallow\" ]; then cp -- \"$a/shallow\" \"$GIT_DIR/shallow\"; fi\n"
        "    exclude_from \"$a/info/exclude\"\n"
        "    exclude_from \"$w/.agsignore\"\n"
        "    tree=$(snapshot \"$tip\")\n"
        "    new=$tip unc=0\n"
        "    if [ -n \"$tip\" ]; then\n"
        "        old=$(g rev-parse \"$tip^{tree}\")\n"
        "    else\n"
        "        old=$(g hash-object -t tree /dev/null)\n"
        "    fi\n"
        "    if [ \"$tree\" != \"$old\" ]; then\n"
        "        msg=\"ags: uncommitted changes of session $name\"\n"
        "        if [ -n \"$tip\" ]; then\n"
        "            new=$(g commit-tree -m \"$msg\" -p \"$tip\" \"$tree\")\n"
        "        else\n"
        "            new=$(g commit-tree -m \"$msg\" \"$tree\")\n"
        "        fi\n"
        "        unc=1\n"
        "    fi\n"
        "    set --\n"
        "    if [ \"$base\" != - ] && g cat-file -e \"$base^{commit}\" 2>/dev/null; then set -- \"^$base\"; fi\n"
        "    if [ -z \"$new\" ] || [ \"$(g rev-list --count \"$new\" \"$@\")\" = 0 ]; then\n"
        "        echo 'AGS-EXPORT/1 none'\n"
        "        exit 0\n"
        "    fi\n"
        "    g update-ref refs/heads/ags-export \"$new\"\n"
        "    echo \"AGS-EXPORT/1 bundle $unc\"\n"
        "    g bundle create -q - refs/heads/ags-export \"$@\"\n"
        "    ;;\n"
        "*) die \"unknown mode: $mode\" ;;\n"
        "esac\n";

/*
 * The in-sandbox export (run_export_wrap_argv).  perl, when the image has
 * it (Debian's perl-base is essential), becomes the sandbox's main process:
 * the agent runs as its child, with the signals ags stop and podman stop
 * send to the main process (TERM, HUP, USR1, USR2; without a terminal also
 * INT and QUIT, which a terminal sends the agent itself) passed on; when
 * the agent has ended, every other process of the sandbox is killed (as
 * the sandbox's PID 1 only: nothing the agent left behind changes the
 * workspace under the snapshot), then the export script runs, on the
 * system PATH, killed after AGS_HELPER_TIMEOUT_S and by a stop, with its
 * stdout in
 * OUT.tmp (O_CREAT|O_EXCL: never through anything planted there), renamed
 * to OUT when the script succeeded, and the main process exits with the
 * agent's status (128+N for a signal, as the engine reports it).  Only core
 * perl: no module is loaded (an image may carry perl without its library).
 * Without perl the sh in front runs the agent as before, and the export
 * runs in a helper container afterwards.  Arguments: OUT, N, the N entries
 * of the export's argv (run_export_argv), the agent's argv.
 */
/* The export's bound in the sandbox is the helper's (a FIFO planted where
 * git reads must not keep the sandbox, and the run, waiting for ever). */
_Static_assert(AGS_HELPER_TIMEOUT_S == 900, "wrap_perl's alarm is AGS_HELPER_TIMEOUT_S");

static const char wrap_perl[] =
        "my ($out, $max, $n) = splice(@ARGV, 0, 3);\n"
        "my @e = splice(@ARGV, 0, $n);\n"
        "my @cmd = @ARGV;\n"
        "unlink $out;\n"
        "my $pid = fork;\n"
        "if (!$pid) {\n"
        "    exec { $cmd[0] } @cmd;\n"
        "    print STDERR \"ags: cannot run $cmd[0]: $!\\n\";\n"
        "    exit 127;\n"
        "}\n"
        "my @fwd = qw(TERM HUP USR1 USR2);\n"
        "push @fwd, qw(INT QUIT) unless -t STDIN;\n"
        "$SIG{$_} = sub { kill $_[0], $pid } for @fwd;\n"
        "my $st = 255 << 8;\n"
        "for (;;) {\n"
        "    my $r = waitpid(-1, 0);\n"
        "    if ($r == $pid) { $st = $?; last }\n"
        "    last if $r < 0;\n"
        "}\n"
        "my $code = ($st & 127) ? 128 + ($st & 127) : $st >> 8;\n"
        "$SIG{$_} = 'DEFAULT' for @fwd;\n"
        "if ($$ == 1) {\n"
        "    kill 'KILL', -1;\n"
        "    1 while waitpid(-1, 0) > 0;\n"
        "}\n"
        "my $tmp = \"$out.tmp\";\n"
        "unlink $out, $tmp;\n"
        "my $e = fork;\n"
        "if (defined $e && !$e) {\n"
        "    open(STDIN, '<', '/dev/null');\n"
        "    open(STDERR, '>', '/dev/null');\n"
        "    sysopen(STDOUT, $tmp, 0301, 0600) or exit 3;\n"
        "    $ENV{PATH} = '" PLAN_SYSTEM_PATH "';\n"
        "    alarm 900;\n"
        "    exec { $e[0] } @e;\n"
        "    exit 127;\n"
        "}\n"
        "if ($e) { $SIG{$_} = sub { kill 'KILL', $e; exit $code } for @fwd }\n"
        "my $ok = defined $e && waitpid($e, 0) == $e && $? == 0;\n"
        "rename $tmp, $out if $ok;\n"
        "my ($f, $len) = (undef, 0);\n"
        "$len = (-s $f) || 0 if $ok && open($f, '<:raw', $out);\n"
        "$len = 0 if $len > $max;\n"
        "$SIG{TTOU} = 'IGNORE';\n"
        "if (-t STDIN) {\n"
        "    local $ENV{PATH} = '" PLAN_SYSTEM_PATH "';\n"
        "    system 'stty', '-opost', '-echo', '-tostop', '-ixon';\n"
        "}\n"
        "open(my $o, '>>', '/proc/self/fd/1') or open($o, '>&', \\*STDOUT) or exit $code;\n"
        "binmode $o;\n"
        "syswrite($o, \"\\e_" RUN_EXPORT_FRAME_TAG ";$len;\") or exit $code;\n"
        "while ($len && sysread($f, my $b, 32768)) {\n"
        "    my $h = unpack('H*', $b);\n"
        "    while (length $h) {\n"
        "        my $w = syswrite($o, $h) or exit $code;\n"
        "        substr($h, 0, $w) = '';\n"
        "    }\n"
        "}\n"
        "syswrite($o, \"\\e\\\\\");\n"
        "exit $code;\n";

/* The sh in front: the image's perl, looked up on the system PATH only (a
 * perl an agent left in a volume directory on its PATH never becomes the
 * main process), else the agent alone. */
static const char wrap_sh[] =
        "p=$1; shift; x=$(PATH='" PLAN_SYSTEM_PATH "'; command -v perl) || x=; "
        "case $x in /*) exec \"$x\" -e \"$p\" -- \"$@\" ;; esac; "
        "shift $((3 + $3)); exec \"$@\"";

char **run_export_wrap_argv(const char *const *argv, const char *out, uint64_t max,
                            const char *workdir, const char *base, const char *name)
{
    const char *e[10];
    run_export_argv(RUN_EXPORT_MODE_GIT, workdir, base, name, e);
    size_t n_e = 0;
    while (e[n_e])
        n_e++;
    struct strv_builder b = {0};
    const char *const front[] = {"/bin/sh", "-c", wrap_sh, "ags-run", wrap_perl, out};
    for (size_t i = 0; i < ARRAY_SIZE(front); i++)
        strv_builder_push(&b, xstrdup(front[i]));
    strv_builder_push(&b, xasprintf("%" PRIu64, max));
    strv_builder_push(&b, xasprintf("%zu", n_e));
    for (size_t i = 0; i < n_e; i++)
        strv_builder_push(&b, xstrdup(e[i]));
    for (size_t i = 0; argv && argv[i]; i++)
        strv_builder_push(&b, xstrdup(argv[i]));
    return strv_builder_steal(&b);
}

static const struct {
    const char *line;
    enum run_export_kind kind;
    bool uncommitted;
} headers[] = {
        {RUN_EXPORT_HEADER "none\n", RUN_EXPORT_NONE, false},
        {RUN_EXPORT_HEADER "bundle 0\n", RUN_EXPORT_BUNDLE, false},
        {RUN_EXPORT_HEADER "bundle 1\n", RUN_EXPORT_BUNDLE, true},
        {RUN_EXPORT_HEADER "patch\n", RUN_EXPORT_PATCH, false},
        {RUN_EXPORT_HEADER "baseline\n", RUN_EXPORT_BASELINE, false},
};

int run_export_parse_header(const char *buf, size_t n, struct run_export_header *ret,
                            struct ags_error *err)
{
    for (size_t i = 0; i < ARRAY_SIZE(headers); i++) {
        size_t len = strlen(headers[i].line);
        if (n >= len && memcmp(buf, headers[i].line, len) == 0) {
            *ret = (struct run_export_header){headers[i].kind, headers[i].uncommitted, len};
            return 0;
        }
    }
    return ags_error_set(err, -EBADMSG, "the export sent no valid header");
}

void run_export_argv(enum run_export_mode mode, const char *workdir, const char *base,
                     const char *name, const char *argv[static 10])
{
    static const char *const modes[] = {
            [RUN_EXPORT_MODE_GIT] = "git",
            [RUN_EXPORT_MODE_PLAIN] = "plain",
            [RUN_EXPORT_MODE_BASELINE] = "baseline",
    };
    const char *v[] = {"/bin/sh", "-c", run_export_script, "ags-export", modes[mode],
                       workdir,   base, name,              RUN_EXPORT_BASE_DIR, NULL};
    memcpy(argv, v, sizeof(v));
}

bool run_export_base_ok(const char *base)
{
    size_t n = base ? strlen(base) : 0;
    return (n == 40 || n == 64) && strspn(base, "0123456789abcdef") == n;
}
