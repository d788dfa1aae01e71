/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The terminal output filter of lockdown (base/termfilter.c): every class of
 * sequence it keeps and drops, each checked whole, split at every byte
 * boundary and byte by byte (the same output every time), and its own output
 * passing through it unchanged and never longer than the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/termfilter.h"

#define BIG (4u * 1024u * 1024u)

/* The terminal of the check_filter() running: UTF-8 or not. */
static bool g_ascii;

/* Filters in[0..n) in pieces of `step` bytes (0: split once at `cut`). */
static size_t filter_pieces(const char *in, size_t n, size_t step, size_t cut, char *out)
{
    struct termfilter f;
    if (g_ascii)
        termfilter_init_ascii(&f);
    else
        termfilter_init(&f);
    size_t o = 0;
    if (step == 0) {
        o += termfilter_feed(&f, in, cut, out + o);
        return o + termfilter_feed(&f, in + cut, n - cut, out + o);
    }
    for (size_t off = 0; off < n; off += step)
        o += termfilter_feed(&f, in + off, n - off < step ? n - off : step, out + o);
    return o;
}

static void check_filter(const char *in, size_t n, const char *want, size_t want_n)
{
    char *out = malloc(n + TERMFILTER_SLACK);
    char *again = malloc(n + TERMFILTER_SLACK);
    assert_non_null(out);
    assert_non_null(again);
    size_t got = filter_pieces(in, n, n ? n : 1, 0, out);
    if (got != want_n || memcmp(out, want, got) != 0)
        fail_msg("filtered to %zu bytes [%.*s], expected %zu [%.*s]", got, (int)got, out, want_n,
                 (int)want_n, want);
    assert_true(got <= n);
    /* Its output is its own fixed point. */
    assert_int_equal(filter_pieces(out, got, got ? got : 1, 0, again), got);
    assert_memory_equal(again, out, got);
    for (size_t cut = 0; cut <= n; cut++) {
        size_t k = filter_pieces(in, n, 0, cut, again);
        if (k != got || memcmp(again, out, got) != 0)
            fail_msg("split at byte %zu gives %zu bytes [%.*s]", cut, k, (int)k, again);
    }
    assert_int_equal(filter_pieces(in, n, 1, 0, again), got);
    assert_memory_equal(again, out, got);
    free(out);
    free(again);
}

#define FILTERS(in, want) check_filter(in, sizeof(in) - 1, want, sizeof(want) - 1)
/* The same for a terminal that is not UTF-8. */
#define FILTERS_ASCII(in, want)                                 \
    do {                                                        \
        g_ascii = true;                                         \
        check_filter(in, sizeof(in) - 1, want, sizeof(want) - 1); \
        g_ascii = false;                                        \
    } while (0)
#define KEEPS(in)         FILTERS(in, in)

static void test_text_utf8_and_screen_controls_pass(void **state)
{
    (void)state;
    KEEPS("plain text, w\xc3\xb6rld \xe2\x86\x92 \xe2\x94\x80\xe2\x80\x94 \xf0\x9f\x98\x80\r\n"
          "\ttab\bback\abell\x0e\x0f\x0b\x0c");
}

static void test_csi_drawing_sequences_pass(void **state)
{
    (void)state;
    /* colours (incl. 24-bit and sub-parameters), cursor, erase, scroll region */
    KEEPS("\033[31mred\033[0m\033[1;38;2;10;20;30;48;5;200m\033[4:3m\033[58:2::1:2:3m"
          "\033[2J\033[H\033[10;20H\033[3A\033[K\033[5;20r\033[2 q\033[!p");
    /* alternate screen, cursor, bracketed paste, mouse, focus, synchronized
     * output, kitty keyboard protocol */
    KEEPS("\033[?1049h\033[?25l\033[?2004h\033[?1000h\033[?1002h\033[?1006h\033[?1004h"
          "\033[?2026h\033[>1u\033[<u\033[=1;1u\033[?1049l\033[?25h");
    /* queries the terminal answers into the sandbox's own stdin */
    KEEPS("\033[6n\033[5n\033[c\033[>c\033[?2026$p\033[>q\033[?u");
    /* window ops that only report sizes or save/restore the title */
    KEEPS("\033[14t\033[16t\033[18t\033[22;0t\033[23;0t\033[22;2t");
}

static void test_simple_escape_sequences_pass(void **state)
{
    (void)state;
    KEEPS("\0337\0338\033=\033>\033(B\033)0\033(%5\033#8\033M\033D\033E\033H\033c\033n");
}

static void test_escapes_that_leave_utf8_or_shift_c1_are_dropped(void **state)
{
    (void)state;
    /* ESC % @ leaves UTF-8 (continuation bytes would become C1 controls),
     * ESC SP G selects 8-bit controls, ESC k is screen's title string, a lone
     * ST and unknown finals go too. */
    FILTERS("a\033%@b\033%Gc\033 Gd\033ke\033\\f\033Pg\033\\h\033lx", "abcdefhx");
}

static void test_osc52_clipboard_is_dropped_with_bel_and_st(void **state)
{
    (void)state;
    FILTERS("a\033]52;c;SGVsbG8=\ab\033]52;p;SGVsbG8=\033\\c\033]52;c;?\ad", "abcd");
}

static void test_host_acting_osc_are_dropped(void **state)
{
    (void)state;
    FILTERS("1\033]5;0;x\a"                    /* special colours */
            "2\033]7;file://host/etc\a"        /* working directory */
            "3\033]9;notified\a"               /* notification */
            "4\033]777;notify;t;b\a"           /* notification */
            "5\033]99;i=1;hi\033\\"            /* kitty notification */
            "6\033]1337;File=name=eA==:eA==\a" /* iTerm2 file transfer */
            "7\033]50;fixed\a"                 /* font */
            "8\033]4;1;#ff0000\a"              /* palette set */
            "9\033]4;1;?\a"                    /* palette query */
            "a\033]10;?\a\033]11;#000\a\033]12;red\a\033]19;x\a"
            "b\033]104\a\033]110\a"        /* colour resets */
            "c\033]46;/tmp/log\a"          /* xterm log file */
            "d\033]133;A\a\033]633;E;ls\a" /* shell integration */
            "e\033]51;x\a\033]53;x\a\033]3;x=1\a\033]l;title\033\\\033];x\a",
            "123456789abcde");
}

static void test_hyperlinks_are_dropped_but_their_text_stays(void **state)
{
    (void)state;
    FILTERS("see \033]8;;https://example.invalid/x\033\\the docs\033]8;;\033\\.", "see the docs.");
}

static void test_titles_are_kept_with_bel_and_their_controls_stripped(void **state)
{
    (void)state;
    KEEPS("\033]0;my title\a\033]1;icon\a\033]2;t\xc3\xa9st\a");
    FILTERS("\033]2;build \xe2\x9c\x93\033\\", "\033]2;build \xe2\x9c\x93\a");
    /* C0 (ignored in a string), DEL, C1 raw and UTF-8 encoded, invalid UTF-8 */
    FILTERS("\033]2;a\x01"
            "b\x7f"
            "c\x9b"
            "d\xc2\x9b"
            "e\xe0\x80\x80"
            "f\a",
            "\033]2;abcdef\a");
}

static void test_dcs_apc_pm_sos_are_dropped(void **state)
{
    (void)state;
    /* tmux passthrough wrapping OSC 52, DECRQSS, sixel, DECUDK */
    FILTERS("a\033Ptmux;\033\033]52;c;SGVsbG8=\a\033\\b", "ab");
    FILTERS("a\033P$qm\033\\b\033Pq#0;2;0;0;0#0~~-\033\\c\033P1|17/6865\033\\d", "abcd");
    /* kitty remote control, XTGETTCAP */
    FILTERS("a\033P@kitty-cmd{\"cmd\":\"launch\"}\033\\b\033P+q544e\033\\c", "abc");
    /* kitty graphics reading a host file; PM; SOS */
    FILTERS("a\033_Gf=100,t=f;L2V0Yy9wYXNzd2Q=\033\\b\033^pm\033\\c\033Xsos\033\\d", "abcd");
    /* BEL does not end a DCS: only ST does */
    FILTERS("a\033Pdata\amore\033\\b", "ab");
}

static void test_window_ops_printer_and_screen_checksums_are_dropped(void **state)
{
    (void)state;
    /* title report, resize, iconify, move, raise, maximize, DECSLPP,
     * title-mode set, bell volume */
    FILTERS("a\033[21t\033[20t\033[8;50;100t\033[2t\033[1t\033[3;0;0t\033[5t\033[9;1t"
            "\033[48t\033[t\033[>3t\033[ 1t\033[15t\033[19tb",
            "ab");
    /* media copy (printer controller mode), DECRQCRA, DECSCPP, DECSNLS,
     * Linux console settings (screen blanking, bell) */
    FILTERS("a\033[5i\033[4i\033[i\033[?5i\033[1;1;1;1;1;1*y\033[132$|\033[50*|"
            "\033[9;0]\033[11;1000]b",
            "ab");
}

static void test_modes_that_change_parsing_or_lock_the_keyboard_are_dropped(void **state)
{
    (void)state;
    /* VT52 (DECANM), Tektronix (DECTEK), keyboard lock (KAM); alone or in a
     * list; with a leading zero, sub-parameters or another private marker */
    FILTERS("a\033[?2l\033[?38h\033[2h\033[?1049;2lb\033[?25;38hc\033[4;2hd\033[?02le"
            "\033[?1:2hf\033[>2hg",
            "abcdefg");
    /* the other modes pass, listed too */
    KEEPS("\033[4h\033[4l\033[20h\033[?1049;1000;1006h\033[?3l\033[?25h\033[?1049l"
          "\033[?12;25h");
}

static void test_c1_controls_raw_are_dropped(void **state)
{
    (void)state;
    /* CSI OSC DCS PM APC SOS ST NEL as single bytes: their payload is text */
    FILTERS("a\x9b"
            "31mb\x9d"
            "52;c;SGVsbG8=\ac\x90x\x9c\x9e\x9f\x98\x85z",
            "a31mb52;c;SGVsbG8=\acxz");
}

static void test_c1_controls_utf8_encoded_are_dropped(void **state)
{
    (void)state;
    FILTERS("a\xc2\x9b"
            "31mb\xc2\x9d"
            "52;x\xc2\x9c\xc2\x90\xc2\x9e\xc2\x9f\xc2\x98\xc2\x85"
            "\xc2\x80z\xc2\xa0",
            "a31mb52;xz\xc2\xa0");
}

static void test_invalid_utf8_is_dropped(void **state)
{
    (void)state;
    /* overlong C1 and ESC, surrogate, beyond U+10FFFF, stray continuation,
     * truncated characters before text and before ESC */
    FILTERS("a\xe0\x82\x9d"
            "b\xc1\x9b"
            "c\xc0\x9b"
            "d\xed\xa0\x80"
            "e\xf4\x90\x80\x80"
            "f\x80\xbf"
            "g\xe2\x94h\xe2\x94\033[1mi\xff\xfe",
            "abcdefgh\033[1mi");
}

static void test_escape_inside_a_sequence_starts_a_new_one(void **state)
{
    (void)state;
    FILTERS("\033]52;c;\033]0;t\a", "\033]0;t\a");
    FILTERS("\033]0;ti\033[31mx", "\033[31mx");
    FILTERS("\033[31\033[32m", "\033[32m");
    FILTERS("\033(\033]52;c;x\ay", "y");
    FILTERS("\033_G\033]52;c;x\033\\y", "y");
}

static void test_controls_inside_a_sequence_drop_it(void **state)
{
    (void)state;
    /* C0 in CSI runs as text; CAN and SUB cancel; DEL is ignored */
    FILTERS("\033[3\n1m", "\n1m");
    FILTERS("\033\n]52;c;x\a", "\n]52;c;x\a");
    FILTERS("\033]52;c;abc\x18"
            "def\033Pq\x1ag",
            "defg");
    FILTERS("\033[3\x7f"
            "1m",
            "\033[31m");
    /* malformed CSI: parameters after an intermediate, a late private marker */
    FILTERS("\033[1 2qa\033[1?5hb\033[?1049hc", "ab\033[?1049hc");
}

static void test_other_c0_controls_and_del_are_dropped(void **state)
{
    (void)state;
    FILTERS("a\x00\x01\x05\x11\x13\x1c\x1f\x7f"
            "b",
            "ab");
}

static void test_overlong_sequences_are_dropped_whole(void **state)
{
    (void)state;
    size_t n = AGS_TERM_SEQ_MAX + 100;
    char *in = malloc(n + 16);
    assert_non_null(in);
    /* an OSC 0 title and a CSI over the cap */
    memcpy(in, "\033]0;", 4);
    memset(in + 4, 't', n - 4);
    memcpy(in + n, "\aok", 3);
    check_filter(in, n + 3, "ok", 2);
    memcpy(in, "\033[", 2);
    memset(in + 2, '1', n - 2);
    memcpy(in + n, "mok", 3);
    check_filter(in, n + 3, "ok", 2);
    free(in);
    /* a title just under the cap passes */
    char title[AGS_TERM_SEQ_MAX + 1];
    memcpy(title, "\033]2;", 4);
    memset(title + 4, 'x', AGS_TERM_SEQ_MAX - 4);
    title[AGS_TERM_SEQ_MAX] = '\a';
    check_filter(title, sizeof(title), title, sizeof(title));
}

static void test_huge_dropped_strings_are_skipped_without_holding(void **state)
{
    (void)state;
    /* 4 MiB of OSC 52 payload fed in 64 KiB pieces: no output for it, and
     * every feed writes no more than it was given. */
    char *in = malloc(BIG);
    char *out = malloc(64u * 1024u + TERMFILTER_SLACK);
    assert_non_null(in);
    assert_non_null(out);
    memcpy(in, "\033]52;c;", 7);
    memset(in + 7, 'A', BIG - 7);
    memcpy(in + BIG - 3, "\aok", 3);
    struct termfilter f;
    termfilter_init(&f);
    size_t total = 0;
    for (size_t off = 0; off < BIG; off += 64u * 1024u) {
        size_t k = termfilter_feed(&f, in + off, 64u * 1024u, out + total);
        assert_true(k <= 64u * 1024u);
        total += k;
    }
    assert_int_equal(total, 2);
    assert_memory_equal(out, "ok", 2);
    free(in);
    free(out);
}

static void test_unfinished_sequence_waits_for_its_end(void **state)
{
    (void)state;
    struct termfilter f;
    termfilter_init(&f);
    char out[64 + TERMFILTER_SLACK];
    assert_int_equal(termfilter_feed(&f, "x\033[3", 4, out), 1);
    assert_int_equal(termfilter_feed(&f, "1", 1, out), 0);
    assert_int_equal(termfilter_feed(&f, "m", 1, out), 5);
    assert_memory_equal(out, "\033[31m", 5);
    assert_int_equal(termfilter_feed(&f, "\xe2\x86", 2, out), 0);
    assert_int_equal(termfilter_feed(&f, "\x92", 1, out), 3);
    assert_memory_equal(out, "\xe2\x86\x92", 3);
}

/* ---- non-UTF-8 terminals, window raising, modes left set */

static void test_non_utf8_terminal_gets_ascii_only(void **state)
{
    (void)state;
    /* On a Latin-1 terminal C3 9D is 'Ã' and the 8-bit OSC: the characters
     * become '?', whatever they are */
    FILTERS_ASCII("\xc3\x9d"
                  "52;c;SGVsbG8=\a",
                  "?52;c;SGVsbG8=\a");
    FILTERS_ASCII("\xc3\x90tmux;\033\033]52;c;SGk=\a\033\\x", "?tmux;x");
    FILTERS_ASCII("caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80!", "caf? ? ?!");
    /* raw high bytes, C1 encoded or not, and invalid UTF-8 go */
    FILTERS_ASCII("a\x9b"
                  "1m\xc2\x9d"
                  "b\xff\xe2\x94"
                  "c",
                  "a1mbc");
    /* titles too; ASCII and the kept sequences pass unchanged */
    FILTERS_ASCII("\033]2;t\xc3\xa9st\a\033[31mred\033[0m\r\n", "\033]2;t?st\a\033[31mred\033[0m\r\n");
}

static void test_conformance_level_that_selects_8bit_controls_is_dropped(void **state)
{
    (void)state;
    /* DECSCL (CSI Pl ; Pc " p) sets the level and 7/8-bit controls, like
     * ESC SP G; DECSTR (CSI ! p) and DECRQM (CSI ? Ps $ p) stay */
    FILTERS("a\033[62;0\"pb\033[65;1\"pc\033[!p\033[?2026$pd", "abc\033[!p\033[?2026$pd");
}

static void test_urgency_and_raise_window_on_bel_are_dropped(void **state)
{
    (void)state;
    /* xterm's bellIsUrgent (1042) and popOnBell (1043), alone or listed */
    FILTERS("a\033[?1042h\033[?1043hb\033[?1042;1049hc\033[?25;1043ld", "abcd");
}

/* Feeds in whole, then returns what finish() writes. */
static size_t finish_after(const char *in, char *out)
{
    struct termfilter f;
    termfilter_init(&f);
    char sink[1024 + TERMFILTER_SLACK];
    assert_true(strlen(in) <= 1024);
    (void)termfilter_feed(&f, in, strlen(in), sink);
    size_t n = termfilter_finish(&f, out);
    assert_true(n <= TERMFILTER_RESET_MAX);
    /* once finished, nothing is left to reset */
    char again[TERMFILTER_RESET_MAX];
    assert_int_equal(termfilter_finish(&f, again), 0);
    return n;
}

#define FINISHES(in, want)                                              \
    do {                                                                \
        char out_[TERMFILTER_RESET_MAX];                                \
        size_t n_ = finish_after(in, out_);                             \
        if (n_ != sizeof(want) - 1 || memcmp(out_, want, n_) != 0)      \
            fail_msg("finish wrote [%.*s], expected [%s]", (int)n_, out_, want); \
    } while (0)

static void test_finish_resets_the_modes_the_stream_left_set(void **state)
{
    (void)state;
    FINISHES("", "");
    FINISHES("\033[?1000h\033[?1000l\033[?25l\033[?25h\033[>1u\033[<u\x0e\x0f\033(0\033(B", "");
    /* the alternate screen is left first, then the rest in a fixed order */
    FINISHES("\033[?1049h\033[?1000;1006h\033[?2004h\033[?25l",
             "\033[?1049l\033[?25h\033[?1000l\033[?1006l\033[?2004l");
    FINISHES("\033[?1h\033=\033[?1002h\033[?1004h\033[?2026h\033[?47h",
             "\033[?47l\033[?1l\033[?1002l\033[?1004l\033[?2026l\033>");
    /* kitty keyboard flags pushed twice, popped once; modifyOtherKeys;
     * shift out and a line-drawing G0 */
    FINISHES("\033[>1u\033[>3u\033[<u\033[>4;2m\x0e\033(0", "\033[<1u\033[>4m\x0f\033(B");
    /* what the filter dropped was never set */
    FINISHES("\033[?1000;2h\033[?1049;38h\033[?1000:1h", "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_text_utf8_and_screen_controls_pass),
            cmocka_unit_test(test_csi_drawing_sequences_pass),
            cmocka_unit_test(test_simple_escape_sequences_pass),
            cmocka_unit_test(test_escapes_that_leave_utf8_or_shift_c1_are_dropped),
            cmocka_unit_test(test_osc52_clipboard_is_dropped_with_bel_and_st),
            cmocka_unit_test(test_host_acting_osc_are_dropped),
            cmocka_unit_test(test_hyperlinks_are_dropped_but_their_text_stays),
            cmocka_unit_test(test_titles_are_kept_with_bel_and_their_controls_stripped),
            cmocka_unit_test(test_dcs_apc_pm_sos_are_dropped),
            cmocka_unit_test(test_window_ops_printer_and_screen_checksums_are_dropped),
            cmocka_unit_test(test_modes_that_change_parsing_or_lock_the_keyboard_are_dropped),
            cmocka_unit_test(test_c1_controls_raw_are_dropped),
            cmocka_unit_test(test_c1_controls_utf8_encoded_are_dropped),
            cmocka_unit_test(test_invalid_utf8_is_dropped),
            cmocka_unit_test(test_escape_inside_a_sequence_starts_a_new_one),
            cmocka_unit_test(test_controls_inside_a_sequence_drop_it),
            cmocka_unit_test(test_other_c0_controls_and_del_are_dropped),
            cmocka_unit_test(test_overlong_sequences_are_dropped_whole),
            cmocka_unit_test(test_huge_dropped_strings_are_skipped_without_holding),
            cmocka_unit_test(test_unfinished_sequence_waits_for_its_end),
            cmocka_unit_test(test_non_utf8_terminal_gets_ascii_only),
            cmocka_unit_test(test_urgency_and_raise_window_on_bel_are_dropped),
            cmocka_unit_test(test_conformance_level_that_selects_8bit_controls_is_dropped),
            cmocka_unit_test(test_finish_resets_the_modes_the_stream_left_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
