/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "base/session-bus.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "base/banned.h"

bool session_bus_known(void)
{
    const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
    if (addr && addr[0])
        return true;
    const char *rt = getenv("XDG_RUNTIME_DIR");
    if (!rt || rt[0] != '/')
        return false;
    _cleanup_free_ char *bus = xasprintf("%s/bus", rt);
    struct stat st;
    return stat(bus, &st) == 0 && S_ISSOCK(st.st_mode);
}
