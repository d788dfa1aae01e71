#!/usr/bin/env python3
"""silent-socket.py PATH: a unix socket at PATH that accepts every connection
and never answers (a hung Podman service); prints "ready" once it listens."""
import socket
import sys

s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
print("ready", flush=True)
held = []
while True:
    held.append(s.accept()[0])
