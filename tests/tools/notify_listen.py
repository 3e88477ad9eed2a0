#!/usr/bin/python3
"""notify_listen.py - systemd's end of sd_notify(3), for the tests.

    notify_listen.py SOCKET OUT SECONDS

Binds a unix datagram socket at SOCKET (a path, or @name in the abstract
namespace, as $NOTIFY_SOCKET spells them) and appends one JSON line per
datagram to OUT: {"t": wall-clock seconds, "pid": the sender's pid (from
SO_PASSCRED, as systemd learns it), "msg": the datagram}. Writes OUT.ready
once bound, so the caller knows when to start the service. Ends after
SECONDS, or on SIGTERM; never outlives its deadline.
"""
import json
import os
import signal
import socket
import struct
import sys
import time


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: notify_listen.py SOCKET OUT SECONDS")
    path, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    addr = "\0" + path[1:] if path.startswith("@") else path
    if not path.startswith("@") and os.path.exists(path):
        os.unlink(path)
    s.bind(addr)
    with open(out + ".ready", "w") as f:
        f.write(str(os.getpid()) + "\n")
    end = time.monotonic() + seconds
    creds_size = struct.calcsize("3i")
    with open(out, "a") as f:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(creds_size))
            except socket.timeout:
                break
            pid = None
            for level, kind, data in anc:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("3i", data[:creds_size])[0]
            f.write(json.dumps({"t": time.time(), "pid": pid,
                                "msg": msg.decode("utf-8", "replace")}) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
