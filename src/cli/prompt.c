/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cli/prompt.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/signals.h"
#include "base/banned.h"

/* The terminal state to put back if a signal ends ags mid-prompt. */
static struct termios g_saved;
static volatile sig_atomic_t g_tty_fd = -1;

static void restore_and_reraise(int sig)
{
    int fd = g_tty_fd;
    if (fd >= 0)
        (void)tcsetattr(fd, TCSANOW, &g_saved);
    (void)signal(sig, SIG_DFL);
    (void)raise(sig);
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

static int echo_off(int fd, struct signals_saved *old)
{
    if (tcgetattr(fd, &g_saved) < 0)
        return -errno;
    int r = signals_catch(old, prompt_signals, ARRAY_SIZE(prompt_signals), restore_and_reraise);
    if (r < 0) {
        signals_restore(old);
        return r;
    }
    struct termios quiet = g_saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    g_tty_fd = fd;
    if (tcsetattr(fd, TCSANOW, &quiet) < 0) { /* keep typeahead */
        int e = -errno;
        g_tty_fd = -1;
        signals_restore(old);
        return e;
    }
    return 0;
}

static void echo_on(int fd, struct signals_saved *old)
{
    while (tcsetattr(fd, TCSANOW, &g_saved) < 0 && errno == EINTR)
        ;
    g_tty_fd = -1;
    signals_restore(old);
}

/* One line from fd, byte by byte (no stdio buffer keeps a copy of it). */
static int read_line(int fd, char *buf, size_t size, size_t *ret_len)
{
    size_t n = 0;
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0) {
            if (n == 0)
                return -ENODATA;
            break;
        }
        if (ch == '\n')
            break;
        if (n + 1 >= size)
            return -EMSGSIZE;
        buf[n++] = ch;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    *ret_len = n;
    return 0;
}

int cli_prompt_secret(const char *prompt, char *buf, size_t size, size_t *ret_len)
{
    int fd = STDIN_FILENO;
    bool tty = isatty(fd);
    struct signals_saved old = {0};
    fputs(prompt, stderr);
    fflush(stderr);
    if (tty) {
        int r = echo_off(fd, &old);
        if (r < 0)
            return r;
    }
    int r = read_line(fd, buf, size, ret_len);
    if (tty) {
        echo_on(fd, &old);
        fputc('\n', stderr); /* the newline the user typed was not echoed */
    }
    if (r < 0)
        explicit_bzero(buf, size);
    return r;
}

bool cli_prompt_yes_no(const char *question)
{
    fprintf(stderr, "%s [y/N] ", question);
    fflush(stderr);
    char line[64];
    size_t len = 0;
    int r = read_line(STDIN_FILENO, line, sizeof(line), &len);
    if (r == -EMSGSIZE) { /* the rest of the line is not an answer to the next question */
        char ch;
        while (read(STDIN_FILENO, &ch, 1) == 1 && ch != '\n')
            ;
    }
    if (r == -ENODATA)
        fputc('\n', stderr);
    return r == 0 && (strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0);
}
