/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Included last in every .c file: these functions either cannot be bounded
 * or silently accept garbage.  Use strbuf, xasprintf, snprintf, parse_* instead.
 */
#define BANNED(func) sorry_##func##_is_banned_in_ags

#undef strcpy
#define strcpy(...) BANNED(strcpy)
#undef strcat
#define strcat(...) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(...) BANNED(strtok)
#undef atoi
#define atoi(...) BANNED(atoi)
#undef atol
#define atol(...) BANNED(atol)
#undef gets
#define gets(...) BANNED(gets)
#undef mktemp
#define mktemp(...) BANNED(mktemp)
#undef system
#define system(...) BANNED(system)
#undef popen
#define popen(...) BANNED(popen)

/* Only base/parse-util.c may call the strto* family, through parse_*(). */
#ifndef AGS_BANNED_ALLOW_STRTO
#undef strtol
#define strtol(...) BANNED(strtol)
#undef strtoul
#define strtoul(...) BANNED(strtoul)
#undef strtoll
#define strtoll(...) BANNED(strtoll)
#undef strtoull
#define strtoull(...) BANNED(strtoull)
#endif
