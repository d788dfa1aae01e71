/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Overlays larger than this are not offered for trust: nobody reviews more on
 * a terminal, and the prompt must show all of what is trusted. */
#define TRUST_VIEW_MAX_BYTES (256u * 1024u)
