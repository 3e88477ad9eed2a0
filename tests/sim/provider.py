#!/usr/bin/python3
"""provider - an order provider for tests: the HTTP JSON protocol of
docs/providers.md on 127.0.0.1, behaving by product code:

    ok         accepted, "processing" at the first check, completed at the second
    instant    completed at dispatch
    slow       the first dispatch of an order answers after 3 s (past a short
               client timeout); later ones at once - the same order, by its
               Idempotency-Key
    flaky      the first dispatch of an order is a 503
    malformed  the first dispatch of an order answers 200 with no JSON
    garbage    every answer is 200 and no JSON
    reject     400 {"message": "unknown product"}
    failed     accepted; the check says failed, "out of stock at the provider"
    never      accepted; every check says processing

    provider.py PORT TOKEN      serve (TOKEN "" = no Authorization needed)
    GET /stats                  {"orders": N, "dispatches": N, "by_key": {...}}
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
orders = {}   # reference -> order
by_key = {}   # Idempotency-Key -> reference
seen = {}     # Idempotency-Key -> dispatches seen
stats = {"dispatches": 0, "checks": 0}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def reply(self, code, obj=None, raw=None):
        body = raw if raw is not None else json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self):
        if TOKEN and self.headers.get("Authorization") != "Bearer " + TOKEN:
            self.reply(401, {"message": "bad token"})
            return False
        return True

    def do_POST(self):
        if self.path != "/orders" or not self.authorized():
            return self.reply(404, {"message": "no such endpoint"})
        n = int(self.headers.get("Content-Length") or 0)
        try:
            req = json.loads(self.rfile.read(n))
            product, key = req["product"], self.headers["Idempotency-Key"]
        except Exception:
            return self.reply(400, {"message": "bad request"})
        with lock:
            stats["dispatches"] += 1
            seen[key] = seen.get(key, 0) + 1
            first = seen[key] == 1
        if product == "reject":
            return self.reply(400, {"message": "unknown product"})
        if product == "garbage" or (product == "malformed" and first):
            return self.reply(200, raw=b"<html>oops</html>")
        if product == "flaky" and first:
            return self.reply(503, {"message": "try later"})
        if product == "slow" and first:
            time.sleep(3)
        with lock:
            ref = by_key.get(key)
            if ref is None:
                ref = "R%d" % (len(orders) + 1)
                by_key[key] = ref
                orders[ref] = {"product": product, "customer": req.get("customer"),
                               "order_id": req.get("order_id"), "checks": 0}
            o = orders[ref]
        if product == "instant":
            return self.reply(200, {"reference": ref, "status": "completed", "pin": "PIN-" + ref})
        return self.reply(200, {"reference": ref, "status": "pending"})

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                return self.reply(200, {"orders": len(orders), "dispatches": stats["dispatches"],
                                        "checks": stats["checks"], "by_key": seen})
        if not self.path.startswith("/orders/") or not self.authorized():
            return self.reply(404, {"message": "no such endpoint"})
        ref = self.path[len("/orders/"):]
        with lock:
            stats["checks"] += 1
            o = orders.get(ref)
            if o is None:
                return self.reply(404, {"message": "no such order"})
            o["checks"] += 1
            checks, product = o["checks"], o["product"]
        if product == "garbage":
            return self.reply(200, raw=b"{{{")
        if product == "failed":
            return self.reply(200, {"status": "failed", "message": "out of stock at the provider"})
        if product == "never" or checks < 2:
            return self.reply(200, {"status": "processing"})
        return self.reply(200, {"status": "completed", "pin": "PIN-" + ref})


if __name__ == "__main__":
    TOKEN = sys.argv[2] if len(sys.argv) > 2 else ""
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
