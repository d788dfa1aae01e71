/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>

/* Whether GDBus would find a session bus without autolaunching one: GDBus
 * would start dbus-launch (X11) when it finds none, and the desktop layers
 * (secrets, notify) say "no session bus" instead of starting processes.
 * $DBUS_SESSION_BUS_ADDRESS set, or a socket at $XDG_RUNTIME_DIR/bus. */
bool session_bus_known(void);
