#!/usr/bin/python3
"""escpos_qr - walk an ESC/POS ticket stream and report its tickets, text,
raster images and QRs.

    escpos_qr.py [--width N] [--dots N] [--images DIR] FILE

Every byte must belong to a command wisp may send or to printable ASCII
text: ESC @, ESC a n, ESC E n, ESC ! n, ESC d n, LF, GS V m [n], raster
images (GS v 0) and the QR functions of GS ( k (cn = 49). A raster is
GS v 0 m xL xH yL yH d1..dk: m = 0 (one dot a dot), x bytes a row (8 dots
each, the leftmost in the high bit), y rows, k = x * y bytes of data, 1 for
ink; it must start a line. The QR commands are checked byte for byte:
model    1D 28 6B 04 00 31 41 32 00     (function 165, model 2)
size     1D 28 6B 03 00 31 43 n         (167, n = 1..16 dots)
ecc      1D 28 6B 03 00 31 45 n         (169, n = 48..51 for L, M, Q, H)
store    1D 28 6B pL pH 31 50 30 data   (180, pL + 256 pH = len(data) + 3)
print    1D 28 6B 03 00 31 51 30        (181)
and a print needs a model, size, ecc and store since the last print. A
ticket starts at ESC @ and must end with a cut (GS V) after its one QR.

Output, one line each:
    ticket N
    text <a line of printed text>          (empty lines left out)
    raster WxH [FILE]                      (W and H in dots)
    qr model=50 size=5 ecc=49 data=<the stored text>
    cut
and last "cuts=N inits=N". Anything else is "escpos_qr: error: ..." on
stderr with exit status 1. --width N also fails on a text line longer than
N characters, --dots N on a raster not N dots wide. --images DIR writes
each raster as a PBM (P4: the same bits, the same order) to
DIR/tTICKET-K.pbm, K counting a ticket's rasters from 1, and names it.
"""
import os
import sys


def fail(msg):
    sys.exit("escpos_qr: error: " + msg)


def main():
    argv = sys.argv[1:]
    width = dots = images = None
    while len(argv) >= 3 and argv[0] in ("--width", "--dots", "--images"):
        if argv[0] == "--width":
            width = int(argv[1])
        elif argv[0] == "--dots":
            dots = int(argv[1])
        else:
            images = argv[1]
        argv = argv[2:]
    if len(argv) != 1:
        sys.exit("usage: escpos_qr.py [--width N] [--dots N] [--images DIR] FILE")
    data = open(argv[0], "rb").read()
    out, cur, line = [], {}, bytearray()
    i = cuts = inits = 0
    ticket = None  # {"qrs": n, "cut": bool} while inside a ticket

    def end_ticket():
        if ticket is not None:
            if ticket["qrs"] != 1:
                fail("ticket %d has %d QR codes" % (inits, ticket["qrs"]))
            if not ticket["cut"]:
                fail("ticket %d is not cut" % inits)

    while i < len(data):
        b = data[i]
        if b == 0x0A:
            if width is not None and len(line) > width:
                fail("line of %d characters at %d: %r" % (len(line), i, bytes(line)))
            if line:
                out.append("text " + line.decode("ascii"))
            line = bytearray()
            i += 1
        elif 0x20 <= b <= 0x7E:
            line.append(b)
            i += 1
        elif line:
            fail("command inside a text line at %d" % i)
        elif data[i:i + 2] == b"\x1b\x40":
            end_ticket()
            inits += 1
            ticket = {"qrs": 0, "cut": False, "rasters": 0}
            out.append("ticket %d" % inits)
            i += 2
        elif ticket is None:
            fail("byte 0x%02x at %d before ESC @" % (b, i))
        elif ticket["cut"]:
            fail("byte 0x%02x at %d after the cut of ticket %d" % (b, i, inits))
        elif b == 0x1B and data[i + 1:i + 2] in (b"a", b"E", b"!", b"d"):
            if i + 2 >= len(data):
                fail("truncated ESC command at %d" % i)
            if data[i + 1:i + 2] == b"a" and data[i + 2] not in (0, 1, 2, 48, 49, 50):
                fail("bad ESC a %d at %d" % (data[i + 2], i))
            i += 3
        elif data[i:i + 3] == b"\x1d\x76\x30":
            if i + 8 > len(data):
                fail("truncated GS v 0 at %d" % i)
            m = data[i + 3]
            xb = data[i + 4] | data[i + 5] << 8
            rows = data[i + 6] | data[i + 7] << 8
            bits = data[i + 8:i + 8 + xb * rows]
            if m != 0:
                fail("GS v 0 at %d: m=%d, not one dot a dot" % (i, m))
            if xb < 1 or rows < 1 or len(bits) != xb * rows:
                fail("GS v 0 at %d: %d bytes x %d rows, %d bytes of data" % (i, xb, rows, len(bits)))
            if dots is not None and xb * 8 != dots:
                fail("raster at %d is %d dots wide, not %d" % (i, xb * 8, dots))
            ticket["rasters"] += 1
            desc = "raster %dx%d" % (xb * 8, rows)
            if images is not None:
                name = os.path.join(images, "t%d-%d.pbm" % (inits, ticket["rasters"]))
                with open(name, "wb") as f:
                    f.write(b"P4\n%d %d\n" % (xb * 8, rows) + bits)
                desc += " " + name
            out.append(desc)
            i += 8 + xb * rows
        elif data[i:i + 3] == b"\x1d\x28\x6b":
            if i + 5 > len(data):
                fail("truncated GS ( k at %d" % i)
            n = data[i + 3] | data[i + 4] << 8
            body = data[i + 5:i + 5 + n]
            if len(body) != n or n < 2 or body[0] != 0x31:
                fail("bad GS ( k at %d" % i)
            fn, args = body[1], body[2:]
            if fn == 0x41:
                if args != b"\x32\x00":
                    fail("model command %s at %d" % (body.hex(), i))
                cur["model"] = args[0]
            elif fn == 0x43:
                if len(args) != 1 or not 1 <= args[0] <= 16:
                    fail("module size command %s at %d" % (body.hex(), i))
                cur["size"] = args[0]
            elif fn == 0x45:
                if len(args) != 1 or not 48 <= args[0] <= 51:
                    fail("error correction command %s at %d" % (body.hex(), i))
                cur["ecc"] = args[0]
            elif fn == 0x50:
                if args[:1] != b"\x30" or len(args) < 2:
                    fail("store command at %d: m must be 48 and data non-empty" % i)
                cur["data"] = args[1:].decode("latin-1")
            elif fn == 0x51:
                if args != b"\x30":
                    fail("print command %s at %d" % (body.hex(), i))
                missing = [k for k in ("model", "size", "ecc", "data") if k not in cur]
                if missing:
                    fail("QR print at %d without %s" % (i, ", ".join(missing)))
                out.append("qr model=%d size=%d ecc=%d data=%s" % (
                    cur["model"], cur["size"], cur["ecc"], cur["data"]))
                ticket["qrs"] += 1
                cur = {}
            else:
                fail("unknown QR function %d at %d" % (fn, i))
            i += 5 + n
        elif data[i:i + 2] == b"\x1d\x56" and i + 2 < len(data):
            m = data[i + 2]
            if m in (65, 66):
                if i + 3 >= len(data):
                    fail("truncated GS V at %d" % i)
                i += 4
            elif m in (0, 1, 48, 49):
                i += 3
            else:
                fail("bad GS V m=%d at %d" % (m, i))
            cuts += 1
            ticket["cut"] = True
            out.append("cut")
        else:
            fail("unexpected byte 0x%02x at %d" % (b, i))
    if line:
        fail("text without a line feed at the end")
    end_ticket()
    for o in out:
        print(o)
    print("cuts=%d inits=%d" % (cuts, inits))


main()
