#!/usr/bin/python3
"""sheet2pbm - draw the QR codes of a text or ANSI voucher sheet as images.

Each character cell becomes 1 x 2 modules: U+2588 (full block) is dark over
dark, U+2580 (upper half) dark over light, U+2584 (lower half) light over
dark; every other character, border glyphs and letters included, is light.
ANSI colour sequences are dropped; with --invert the blocks are the light
modules (a QR drawn for a dark terminal). One PBM per page (pages split at
form feeds), scaled up so zbarimg reads it: sheet2pbm.py SHEET OUTPREFIX
writes OUTPREFIX-1.pbm, OUTPREFIX-2.pbm, ... and prints their names.
"""
import re
import sys

SCALE = 4
BORDER = 8  # light modules around the page
SGR = re.compile(r"\x1b\[[0-9;]*m")
TOP = {"\u2588": (1, 1), "\u2580": (1, 0), "\u2584": (0, 1)}


def page_bits(lines, invert):
    width = max((len(l) for l in lines), default=0)
    rows = []
    for line in lines:
        top, bottom = [], []
        for x in range(width):
            ch = line[x] if x < len(line) else " "
            up, down = TOP.get(ch, (0, 0))
            if invert and ch in TOP or invert and ch == " ":
                up, down = 1 - up, 1 - down
            top.append(up)
            bottom.append(down)
        rows += [top, bottom]
    return rows, width


def write_pbm(path, rows, width):
    w = (width + 2 * BORDER) * SCALE
    h = (len(rows) + 2 * BORDER) * SCALE
    with open(path, "w") as f:
        f.write("P1\n%d %d\n" % (w, h))
        blank = "0" * w
        for _ in range(BORDER * SCALE):
            f.write(blank + "\n")
        pad = "0" * (BORDER * SCALE)
        for r in rows:
            line = pad + "".join(("1" if b else "0") * SCALE for b in r) + pad
            for _ in range(SCALE):
                f.write(line + "\n")
        for _ in range(BORDER * SCALE):
            f.write(blank + "\n")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    invert = "--invert" in sys.argv
    if len(args) != 2:
        sys.exit("usage: sheet2pbm.py [--invert] SHEET OUTPREFIX")
    text = SGR.sub("", open(args[0], encoding="utf-8").read())
    for n, page in enumerate(text.split("\f"), 1):
        rows, width = page_bits(page.split("\n"), invert)
        path = "%s-%d.pbm" % (args[1], n)
        write_pbm(path, rows, width)
        print(path)


main()
