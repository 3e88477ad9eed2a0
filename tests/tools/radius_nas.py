#!/usr/bin/python3
"""radius_nas.py - a router's RADIUS Disconnect listener for the tests (RFC 5176).

    radius_nas.py PORT SECRET_FILE LOG [--nak-user NAME]... [--lifetime S]

Listens on 127.0.0.1:PORT (UDP). Each packet is checked as a NAS checks
it: a Disconnect-Request (code 40) whose Request Authenticator
(MD5 over code, id, length, 16 zero octets, attributes, secret) or
Message-Authenticator (HMAC-MD5 with both zeroed) is wrong is dropped
without an answer, as RFC 5176 3.5 asks. A good one is answered, signed
with the secret (Response Authenticator and Message-Authenticator):
Disconnect-NAK with Error-Cause 503 (Session-Context-Not-Found) for a
User-Name given with --nak-user, NAK 402 (Missing-Attribute) without
Acct-Session-Id or User-Name + Framed-IP-Address (what a RouterOS hotspot
needs, reference/radius.md 4.6), else Disconnect-ACK. One JSON line per
packet goes to LOG: {"code", "valid", "answer", "attrs": {type: value}}.
Ends on SIGTERM or after --lifetime seconds (default 300).
"""
import hashlib
import hmac
import json
import signal
import socket
import struct
import sys


def attrs_of(pkt):
    out, i, n = [], 20, struct.unpack(">H", pkt[2:4])[0]
    while i + 2 <= n:
        t, ln = pkt[i], pkt[i + 1]
        if ln < 2 or i + ln > n:
            return None
        out.append((t, pkt[i + 2:i + ln], i))
        i += ln
    return out if i == n else None


def request_ok(pkt, secret):
    attrs = attrs_of(pkt)
    if attrs is None:
        return False, None
    zeroed = pkt[:4] + bytes(16) + pkt[20:]
    if hashlib.md5(zeroed + secret).digest() != pkt[4:20]:
        return False, attrs
    for t, v, at in attrs:
        if t == 80:
            if len(v) != 16:
                return False, attrs
            m = bytearray(zeroed)
            m[at + 2:at + 18] = bytes(16)
            if hmac.new(secret, bytes(m), hashlib.md5).digest() != v:
                return False, attrs
    return True, attrs


def answer(code, pkt, secret, extra):
    body = extra + bytes([80, 18]) + bytes(16)
    hdr = bytes([code, pkt[1]]) + struct.pack(">H", 20 + len(body))
    m = hmac.new(secret, hdr + pkt[4:20] + body, hashlib.md5).digest()
    body = extra + bytes([80, 18]) + m
    auth = hashlib.md5(hdr + pkt[4:20] + body + secret).digest()
    return hdr + auth + body


def text(t, v):
    if t in (4, 8) and len(v) == 4:
        return socket.inet_ntoa(v)
    if t in (55,) and len(v) == 4:
        return struct.unpack(">I", v)[0]
    if t == 80:
        return v.hex()
    return v.decode("utf-8", "replace")


def main():
    port, secret_file, log = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    rest, nak, lifetime = sys.argv[4:], set(), 300
    while rest:
        if rest[0] == "--nak-user":
            nak.add(rest[1])
        elif rest[0] == "--lifetime":
            lifetime = int(rest[1])
        rest = rest[2:]
    with open(secret_file, "rb") as f:
        secret = f.read().split(b"\n")[0]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.signal(signal.SIGALRM, lambda *_: sys.exit(0))
    signal.alarm(lifetime)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    with open(log, "a", buffering=1) as out:
        print(json.dumps({"ready": port}), file=out)
        while True:
            pkt, peer = s.recvfrom(4096)
            if len(pkt) < 20:
                continue
            valid, attrs = request_ok(pkt, secret)
            got = {str(t): text(t, v) for t, v, _ in (attrs or [])}
            reply = None
            if valid and pkt[0] == 40:
                if got.get("1") in nak:
                    reply = answer(42, pkt, secret, bytes([101, 6]) + struct.pack(">I", 503))
                elif "44" in got or ("1" in got and "8" in got):
                    reply = answer(41, pkt, secret, b"")
                else:
                    reply = answer(42, pkt, secret, bytes([101, 6]) + struct.pack(">I", 402))
            print(json.dumps({"code": pkt[0], "id": pkt[1], "valid": valid,
                              "answer": reply[0] if reply else None, "attrs": got}), file=out)
            if reply:
                s.sendto(reply, peer)


if __name__ == "__main__":
    main()
