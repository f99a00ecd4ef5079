#!/usr/bin/env python3
"""A TCP listener on 127.0.0.1 that accepts connections and never answers: a libvirtd that
hangs. Writes its port to DIR/port (atomically), then serves until killed.

  silent-listener.py DIR"""
import os
import socket
import sys

d = sys.argv[1]
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
with open(os.path.join(d, "port.tmp"), "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
conns = []
while True:
    c, _ = s.accept()
    conns.append(c)
