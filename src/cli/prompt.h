/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/*
 * Prints prompt on stderr and reads one line from stdin into buf (at most
 * size - 1 bytes, NUL-terminated, the newline and a CR before it removed).
 * On a terminal the input is not echoed, and the terminal is restored even
 * if a signal ends ags mid-prompt.  Returns 0, -ENODATA at end of input,
 * -EMSGSIZE for a line that does not fit (buf is wiped on every failure).
 */
int cli_prompt_secret(const char *prompt, char *buf, size_t size, size_t *ret_len);

/*
 * Prints question and " [y/N] " on stderr and reads one line from stdin
 * (echoed, byte by byte: nothing is left in a stdio buffer for a later
 * prompt).  true only for "y" or "yes"; an empty line, end of input or
 * anything else is no.
 */
bool cli_prompt_yes_no(const char *question);
