#!/usr/bin/python3
"""smtp_receiver.py - a local SMTP server for the tests (loopback only).

    smtp_receiver.py --port P --log FILE [--reply CODE] [--seconds S]

Speaks the few SMTP verbs libcurl uses (EHLO/HELO, MAIL FROM, RCPT TO,
DATA, RSET, NOOP, QUIT) and appends one JSON line per message to FILE:
{"t": wall-clock seconds, "from": ..., "to": [...], "data": the message as
received, dot-unstuffed}. It verifies nothing itself: the test parses the
message (python's email module) and checks it. --reply CODE answers DATA's
end with CODE instead of 250 (e.g. 451: try later, 550: refused) and logs
nothing. Writes FILE.ready once listening. Ends after S seconds (default
300) or on SIGTERM; never outlives its deadline. (Python 3.11's smtpd is
deprecated, hence these few lines.)
"""
import argparse
import asyncio
import json
import os
import signal
import sys
import time


async def session(reader, writer, args):
    def say(line):
        writer.write((line + "\r\n").encode())

    say("220 localhost wisp-test ESMTP")
    mail_from, rcpt = None, []
    while True:
        raw = await reader.readline()
        if not raw:
            break
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        verb = line[:4].upper()
        if verb in ("EHLO", "HELO"):
            say("250-localhost" if verb == "EHLO" else "250 localhost")
            if verb == "EHLO":
                say("250-8BITMIME")
                say("250 SIZE 10485760")
        elif line.upper().startswith("MAIL FROM:"):
            mail_from, rcpt = line[10:].strip().split(" ")[0].strip("<>"), []
            say("250 OK")
        elif line.upper().startswith("RCPT TO:"):
            rcpt.append(line[8:].strip().strip("<>"))
            say("250 OK")
        elif verb == "DATA":
            say("354 end with <CRLF>.<CRLF>")
            await writer.drain()
            lines = []
            while True:
                d = await reader.readline()
                if not d or d in (b".\r\n", b".\n"):
                    break
                if d.startswith(b".."):
                    d = d[1:]
                lines.append(d)
            if args.reply:
                say("%d no, not now" % args.reply)
            else:
                with open(args.log, "a") as f:
                    f.write(json.dumps({"t": time.time(), "from": mail_from, "to": rcpt,
                                        "data": b"".join(lines).decode("utf-8", "replace")}) + "\n")
                say("250 OK queued")
        elif verb == "RSET":
            mail_from, rcpt = None, []
            say("250 OK")
        elif verb == "NOOP":
            say("250 OK")
        elif verb == "QUIT":
            say("221 bye")
            await writer.drain()
            break
        else:
            say("502 not implemented")
        await writer.drain()
    writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--reply", type=int, default=0)
    p.add_argument("--seconds", type=float, default=300)
    args = p.parse_args()
    server = await asyncio.start_server(lambda r, w: session(r, w, args), "127.0.0.1", args.port)
    open(args.log + ".ready", "w").close()
    async with server:
        try:
            await asyncio.wait_for(server.serve_forever(), args.seconds)
        except asyncio.TimeoutError:
            pass


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
