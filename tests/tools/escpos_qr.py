#!/usr/bin/python3
"""escpos_qr - read an ESC/POS ticket stream and report its QR commands.

Walks the bytes and prints one line per QR symbol printed:
    qr model=50 size=6 ecc=49 data=<the stored text>
and a last line "cuts=N inits=N". Unknown GS ( k functions, a store without
a print, or a truncated command are reported as "error: ..." (exit 1).
"""
import sys


def main():
    data = open(sys.argv[1], "rb").read()
    i, cuts, inits = 0, 0, 0
    cur = {}
    out = []
    while i < len(data):
        if data[i:i + 2] == b"\x1b\x40":
            inits += 1
            i += 2
        elif data[i:i + 3] == b"\x1d\x28\x6b":
            if i + 5 > len(data):
                sys.exit("error: truncated GS ( k at %d" % i)
            n = data[i + 3] | data[i + 4] << 8
            body = data[i + 5:i + 5 + n]
            if len(body) != n or body[0] != 0x31:
                sys.exit("error: bad GS ( k at %d" % i)
            fn, args = body[1], body[2:]
            if fn == 0x41:
                cur["model"] = args[0]
            elif fn == 0x43:
                cur["size"] = args[0]
            elif fn == 0x45:
                cur["ecc"] = args[0]
            elif fn == 0x50:
                if args[:1] != b"\x30":
                    sys.exit("error: store with m != 48")
                cur["data"] = args[1:].decode("latin-1")
            elif fn == 0x51:
                if "data" not in cur:
                    sys.exit("error: QR print without stored data")
                out.append("qr model=%s size=%s ecc=%s data=%s" % (
                    cur.get("model"), cur.get("size"), cur.get("ecc"), cur["data"]))
                cur = {}
            else:
                sys.exit("error: unknown QR function %d" % fn)
            i += 5 + n
        elif data[i:i + 2] == b"\x1d\x56":
            cuts += 1
            i += 4 if data[i + 2] in (65, 66) else 3
        else:
            i += 1
    for line in out:
        print(line)
    print("cuts=%d inits=%d" % (cuts, inits))


main()
