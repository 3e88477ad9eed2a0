#!/usr/bin/python3
"""inkcmp - how well a 1-bit image holds a text, judged from pango-view's
own drawing of that text, not from wisp's renderer.

    inkcmp.py IMAGE.pbm FONT TEXT...

pango-view (Debian pango1.0-tools) draws each TEXT in FONT (a pango font
description, e.g. "DejaVu Sans Bold 8.5") at 203 dpi with its FreeType
backend, which rasterises glyphs itself (no cairo), into a grey map that
is thresholded at half. Both images are cut to their ink's bounding box
and laid on each other at the best of the shifts of up to 2 dots either
way; the unmatched dots are the ink dots of either with no ink dot of the
other within one dot (all the ink of both when the boxes differ in size by
more than 15%: a different text, or a different size). Prints one line a
TEXT: "UNMATCHED INK W1xH1 W2xH2", INK the image's ink dots and the sizes
those of the image's box and pango-view's.

Why this is a fair test: a text drawn in the same face and size gives the
same glyph outlines whatever draws them; only hinting and anti-aliasing
differ, which moves an edge by a dot, hence the tolerance. A different
text has ink where the real one has none: the same letters in another
order leave hundreds of dots unmatched, a "?" for each letter gives
another box, and even one dot less (ة for ه, e for é) leaves a few. The
test prints such decoys beside the real text and compares.
"""
import os
import subprocess
import sys
import tempfile


def read_pnm(path):
    """(w, h, set of ink (x, y)) from a P4 (1 = ink) or P5 (dark = ink) file."""
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < (3 if data[:2] == b"P4" else 4):
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    pos += 1
    w, h = int(fields[1]), int(fields[2])
    ink = set()
    if fields[0] == b"P4":
        stride = (w + 7) // 8
        for y in range(h):
            row = data[pos + y * stride:pos + (y + 1) * stride]
            for x in range(w):
                if row[x // 8] >> (7 - x % 8) & 1:
                    ink.add((x, y))
    elif fields[0] == b"P5" and int(fields[3]) < 256:
        half = int(fields[3]) / 2
        for y in range(h):
            for x in range(w):
                if data[pos + y * w + x] < half:
                    ink.add((x, y))
    else:
        sys.exit("inkcmp: %s: not a P4 or 8-bit P5 image" % path)
    return w, h, ink


def crop(ink):
    """The ink moved to its bounding box's corner, and the box's size."""
    if not ink:
        return set(), 0, 0
    x0 = min(x for x, _ in ink)
    y0 = min(y for _, y in ink)
    moved = {(x - x0, y - y0) for x, y in ink}
    return moved, max(x for x, _ in moved) + 1, max(y for _, y in moved) + 1


def near(ink):
    """Every dot within one dot of an ink dot."""
    return {(x + dx, y + dy) for x, y in ink for dx in (-1, 0, 1) for dy in (-1, 0, 1)}


def unmatched(a, b):
    """Ink dots of either image with no ink dot of the other within one dot,
    at the best of the shifts of up to 2 dots either way; all the ink of
    both when the boxes differ in size by more than 15%."""
    (ia, wa, ha), (ib, wb, hb) = a, b
    if not ia or not ib or abs(wa - wb) > 0.15 * max(wa, wb) or abs(ha - hb) > 0.15 * max(ha, hb):
        return len(ia) + len(ib)
    best = None
    na = near(ia)
    for dx in range(-2, 3):
        for dy in range(-2, 3):
            sb = {(x + dx, y + dy) for x, y in ib}
            nb = near(sb)
            n = len([p for p in sb if p not in na]) + len([p for p in ia if p not in nb])
            best = n if best is None else min(best, n)
    return best


def pango_ink(font, text, tmp):
    out = os.path.join(tmp, "p.pgm")
    subprocess.run(["pango-view", "-q", "--backend=ft2", "--dpi=203", "--margin=0",
                    "--font=" + font, "--output=" + out, "--text=" + text], check=True)
    return crop(read_pnm(out)[2])


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: inkcmp.py IMAGE.pbm FONT TEXT...")
    img = crop(read_pnm(sys.argv[1])[2])
    with tempfile.TemporaryDirectory() as tmp:
        for text in sys.argv[3:]:
            ref = pango_ink(sys.argv[2], text, tmp)
            print("%d %d %dx%d %dx%d" % (unmatched(img, ref), len(img[0]), img[1], img[2],
                                         ref[1], ref[2]))


main()
