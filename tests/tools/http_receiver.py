#!/usr/bin/python3
"""http_receiver.py - a local HTTP receiver for webhook and notification tests.

It checks nothing itself: every request is appended to the log file as one
JSON line {"t": unix time (float), "method", "path", "headers": {name: value},
"body": text, "status": what it answered}, and the test verifies what it
needs (signatures with python's hmac, idempotency ids, timing).

    http_receiver.py --port P --log FILE [--status CODE[,CODE...]]
                     [--delay S] [--reply-file F] [--echo] [--port-file F]

--status: the answer's status; a list is answered in turn, its last one
from then on (503,503,200: two failures, then success). --delay: seconds
to wait before answering. --reply-file: the answer's body (default
{"ok":true}). --echo: the answer's body is the request's body (a
provider that echoes what it was sent). --port 0 takes a free port and writes it to --port-file
(after it listens: the file appearing means it is ready).
"""
import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--status", default="200")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--reply-file")
    ap.add_argument("--echo", action="store_true")
    ap.add_argument("--port-file")
    args = ap.parse_args()
    statuses = [int(s) for s in args.status.split(",")]
    reply = b'{"ok":true}'
    if args.reply_file:
        with open(args.reply_file, "rb") as f:
            reply = f.read()
    lock = threading.Lock()
    seen = [0]
    log = open(args.log, "a", encoding="utf-8")

    class Handler(BaseHTTPRequestHandler):
        def handle_one(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            with lock:
                status = statuses[min(seen[0], len(statuses) - 1)]
                seen[0] += 1
                log.write(json.dumps({
                    "t": time.time(), "method": self.command, "path": self.path,
                    "headers": {k: v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", "replace"), "status": status}) + "\n")
                log.flush()
            if args.delay:
                time.sleep(args.delay)
            out = body if args.echo else reply
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def do_POST(self):
            self.handle_one()

        def do_GET(self):
            self.handle_one()

        def do_PUT(self):
            self.handle_one()

        def log_message(self, *a):
            pass

    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
