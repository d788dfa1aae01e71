#!/usr/bin/python3
"""A desktop notification server for the tests of src/notify
(org.freedesktop.Notifications 1.2 on the session bus, python3-dbus on a GLib
main loop from python3-gi).

    notify-server.py DIR [--no-actions]

It owns the name, writes DIR/ready, and appends one JSON line to
DIR/record.jsonl per Notify call (id, app, summary, body, actions, timeout,
urgency) and per CloseNotification ({"close": id}).  How it answers a
notification comes from DIR/answers, read at each Notify: lines
"SUBSTRING ANSWER[@DELAY_MS]", the first whose SUBSTRING is in the summary
("*" matches any) wins; ANSWER is allow or deny (ActionInvoked with that
action, then NotificationClosed reason 2 as real servers do), close
(NotificationClosed reason 2, no action) or none (never: the client's
timeout).  No answers file: none.  --no-actions: GetCapabilities lacks
"actions".
"""
import json
import os
import sys

import dbus
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class Server(dbus.service.Object):
    def __init__(self, bus, where, actions):
        super().__init__(bus, PATH)
        self.where = where
        self.actions = actions
        self.next_id = 1

    def record(self, entry):
        with open(os.path.join(self.where, "record.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps(entry) + "\n")

    def answer_for(self, summary):
        try:
            with open(os.path.join(self.where, "answers"), encoding="utf-8") as f:
                lines = f.read().splitlines()
        except FileNotFoundError:
            return "none", 0
        for line in lines:
            pattern, _, answer = line.rpartition(" ")
            if pattern == "*" or (pattern and pattern in summary):
                answer, _, delay = answer.partition("@")
                return answer, int(delay or 0)
        return "none", 0

    @dbus.service.method(NAME, out_signature="as")
    def GetCapabilities(self):
        caps = ["body", "body-markup"]
        if self.actions:
            caps.append("actions")
        return caps

    @dbus.service.method(NAME, out_signature="ssss")
    def GetServerInformation(self):
        return ("ags-test-server", "ags", "1.0", "1.2")

    @dbus.service.method(NAME, in_signature="susssasa{sv}i", out_signature="u")
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        nid = self.next_id
        self.next_id += 1
        urgency = hints.get("urgency")
        self.record({"id": nid, "app": str(app), "summary": str(summary), "body": str(body),
                     "actions": [str(a) for a in actions], "timeout": int(timeout),
                     "urgency": None if urgency is None else int(urgency)})
        answer, delay = self.answer_for(str(summary))
        if answer != "none":
            # After the reply: the client learns the id first.
            GLib.timeout_add(delay, self.answer, nid, answer)
        return dbus.UInt32(nid)

    def answer(self, nid, answer):
        if answer in ("allow", "deny"):
            self.ActionInvoked(dbus.UInt32(nid), answer)
        self.NotificationClosed(dbus.UInt32(nid), dbus.UInt32(2))
        return False

    @dbus.service.method(NAME, in_signature="u")
    def CloseNotification(self, nid):
        self.record({"close": int(nid)})
        self.NotificationClosed(nid, dbus.UInt32(3))

    @dbus.service.signal(NAME, signature="us")
    def ActionInvoked(self, nid, action_key):
        pass

    @dbus.service.signal(NAME, signature="uu")
    def NotificationClosed(self, nid, reason):
        pass


def main():
    where = sys.argv[1]
    actions = "--no-actions" not in sys.argv[2:]
    DBusGMainLoop(set_as_default=True)
    bus = dbus.SessionBus()
    name = dbus.service.BusName(NAME, bus, do_not_queue=True)
    server = Server(bus, where, actions)
    with open(os.path.join(where, "ready"), "w", encoding="utf-8") as f:
        f.write("%d\n" % os.getpid())
    GLib.MainLoop().run()
    del server, name


if __name__ == "__main__":
    main()
