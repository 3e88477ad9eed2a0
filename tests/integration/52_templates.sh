#!/usr/bin/env bash
# Templates (issue 14): a sheet's layout from templates/NAME.json or the
# shop's own in $XDG_CONFIG_HOME/wisp/templates; chosen by --template, else
# the plan's template, else the built-in layout. A plan's title (any
# script) prints instead of its ASCII name. A template's logo and free line
# are in the PDF; the default template draws the built-in sheet pixel for
# pixel; a bad template stops the print with FILE: line N: key "K" before
# anything is written.
. "$(dirname "$0")/../lib.sh"
shop="مقهى النجمة"
title="ساعة واحدة"
own=$XDG_CONFIG_HOME/wisp/templates
mkdir -p "$own"
printf '{"shop": {"name": "%s"}, "currency": "IDR"}\n' "$shop" >"$XDG_CONFIG_HOME/wisp/config.json"
chmod 600 "$XDG_CONFIG_HOME/wisp/config.json"
w db migrate

# Plans: a title in Arabic, a default template.
w plan add hour --price 1.50 --duration 1h --title "$title"
t_eq "plan add --title" 0 "$RC"
w plan add day --price 3 --duration 1d --template large
t_eq "plan add --template" 0 "$RC"
w plan list --json
t_eq "plan list --json: the title" "$title" "$(jq -r '.[] | select(.name=="hour") | .title' <<<"$OUT")"
t_eq "plan list --json: the template" "large" "$(jq -r '.[] | select(.name=="day") | .template' <<<"$OUT")"
t_eq "plan list --json: no title is null" "null" "$(jq -r '.[] | select(.name=="day") | .title' <<<"$OUT")"
w plan list
t_contains "plan list shows the title" "$title" "$OUT"
t_match "plan list shows the template" '^day .* large *$' "$OUT"
w plan edit day --title "Día" --template none
t_eq "plan edit --template none clears it" "|Día" "$(sql "SELECT coalesce(template, '') || '|' || title FROM plans WHERE name = 'day'")"
t_eq "the edit is audited with the title" "Día" "$(sql "SELECT details->'after'->>'title' FROM audit WHERE action = 'plan.edit' ORDER BY id DESC LIMIT 1")"
w plan edit day --template large --title none
t_eq "plan edit --template, --title none" "large|" "$(sql "SELECT template || '|' || coalesce(title, '') FROM plans WHERE name = 'day'")"
w plan edit day --template "../x"
t_eq "bad --template name: usage" 2 "$RC"
t_contains "bad --template name: said" "bad --template" "$ERR"
w plan edit day --title $'two\nlines'
t_eq "title with a newline: usage" 2 "$RC"
w plan edit day --title "$(printf 'x%.0s' $(seq 65))"
t_eq "title over 64 characters: usage" 2 "$RC"
t_eq "bad edits changed nothing" "large|" "$(sql "SELECT template || '|' || coalesce(title, '') FROM plans WHERE name = 'day'")"
sql "UPDATE plans SET title = E'a\\nb' WHERE name = 'day'" >/dev/null 2>&1
t_eq "the CHECK holds for psql too" "" "$(sql "SELECT coalesce(title, '') FROM plans WHERE name = 'day'")"

w voucher create --plan hour --count 20 # batch 1: two A4 pages
w voucher create --plan day --count 4   # batch 2: the plan's template
w voucher create --plan hour --count 3  # batch 3

ptext() { pdftotext -enc UTF-8 "$1" - | sed 's/\xe2\x80[\x8e\x8f\xaa-\xae]//g'; }
squeeze() { tr -d ' '; }
images() { pdfimages -list "$1" | awk 'NR > 2 && $3 == "image"' | wc -l; } # not their alpha masks
qrs() {
    pdftoppm -r 150 -gray -aa no -aaVector no "$1" "$T/$2"
    for f in "$T/$2"-*.pgm; do zbarimg -q --raw "$f" 2>/dev/null; done | sort
}
urls() { # urls BATCH: the login URLs of a batch's code-mode vouchers, sorted
    sql "SELECT 'http://hotspot.lan/login?username=' || code || '&password=' || code FROM vouchers WHERE batch_id = $1" | sort
}

# An Arabic shop name and an Arabic plan title come back as typed; every QR decodes.
w voucher print --batch 1 -o "$T/b1.pdf"
t_eq "title sheet written" 0 "$RC"
text=$(ptext "$T/b1.pdf")
t_eq "pdf: the Arabic shop name on every card" 20 "$(squeeze <<<"$text" | grep -c "$(squeeze <<<"$shop")")"
t_eq "pdf: the Arabic plan title on every card" 20 "$(squeeze <<<"$text" | grep -c "$(squeeze <<<"$title")")"
t_eq "pdf: the ASCII name is not printed" 0 "$(grep -cx hour <<<"$text")"
t_eq "pdf: every QR on both pages decodes" "$(urls 1)" "$(qrs "$T/b1.pdf" p1)"
w voucher print --batch 1 --format text -o "$T/b1.txt"
t_contains "text sheet: the title too" "$title" "$(cat "$T/b1.txt")"

# Precedence: the plan's template (day: large), --template over it, the
# built-in without either.
w voucher print --batch 2 -o "$T/b2.pdf" --json
t_eq "plan's template used" "large" "$(jq -r .template <<<"$OUT")"
text=$(ptext "$T/b2.pdf")
t_eq "large: its free line on every card" 4 "$(grep -c "WiFi: wisp-hotspot" <<<"$text")"
t_eq "large: its logo on every card" 4 "$(images "$T/b2.pdf")"
t_eq "large: two cards a row (pdftotext -layout)" 2 "$(pdftotext -layout "$T/b2.pdf" - | grep -m1 'WiFi' | grep -o 'WiFi: wisp-hotspot' | wc -l)"
t_eq "large: every QR decodes" "$(urls 2)" "$(qrs "$T/b2.pdf" p2)"
w voucher print --batch 2 --template default -o "$T/b2d.pdf" --json
t_eq "--template over the plan's" "default" "$(jq -r .template <<<"$OUT")"
t_eq "--template default: no free line" 0 "$(ptext "$T/b2d.pdf" | grep -c "WiFi")"
t_eq "--template default: no image" 0 "$(images "$T/b2d.pdf")"
w voucher print --batch 3 --template large -o "$T/b3l.pdf"
t_eq "--template on a plan without one" 3 "$(ptext "$T/b3l.pdf" | grep -c "WiFi: wisp-hotspot")"
w voucher print --batch 3 -o "$T/b3.pdf" --json
t_eq "no template: the built-in (no key)" "false" "$(jq -r 'has("template")' <<<"$OUT")"
t_eq "built-in: no free line, no image" "0 0" "$(ptext "$T/b3.pdf" | grep -c "WiFi") $(images "$T/b3.pdf")"
c=$(sql "SELECT code FROM vouchers WHERE batch_id = 2 ORDER BY serial LIMIT 1")
w voucher print --code "$c" -o "$T/c.pdf"
t_eq "--code: the voucher's plan's template" 1 "$(ptext "$T/c.pdf" | grep -c "WiFi: wisp-hotspot")"
w voucher print --batch 2 --format text -o "$T/b2.txt"
t_eq "a plan's card template is not for a text sheet" 0 "$RC"

# The default template draws the built-in sheet, pixel for pixel.
w voucher print --batch 1 --template default -o "$T/b1d.pdf"
pdftoppm -r 50 -gray "$T/b1.pdf" "$T/px-built"
pdftoppm -r 50 -gray "$T/b1d.pdf" "$T/px-tpl"
t_ok "default template = built-in, page 1" cmp -s "$T/px-built-1.pgm" "$T/px-tpl-1.pgm"
t_ok "default template = built-in, page 2" cmp -s "$T/px-built-2.pgm" "$T/px-tpl-2.pgm"
t_eq "default template = built-in, text layout" "$(pdftotext -layout "$T/b1.pdf" -)" "$(pdftotext -layout "$T/b1d.pdf" -)"

# The shop's own template wins over the shipped one of the same name.
sed -e 's/"WiFi: wisp-hotspot"/"Call 0722 000 111"/' -e "s|\"logo.png\"|\"$PWD/templates/logo.png\"|" \
    templates/large.json >"$own/large.json"
w template list --json
t_eq "template list: own large wins" "true" "$(jq -r '.[] | select(.name=="large") | .own' <<<"$OUT")"
t_eq "template list: what it hides" "templates/large.json" "$(jq -r '.[] | select(.name=="large") | .overrides' <<<"$OUT" | grep -o 'templates/large.json$')"
t_eq "template list: the shipped three" "default large ticket" "$(jq -r '[.[] | .name] | join(" ")' <<<"$OUT")"
w template show large
t_contains "template show: the resolved file" "$own/large.json" "$OUT"
w voucher print --batch 2 -o "$T/b2own.pdf"
t_eq "own large: its free line" 4 "$(ptext "$T/b2own.pdf" | grep -c "Call 0722 000 111")"
t_eq "own large: not the shipped one's" 0 "$(ptext "$T/b2own.pdf" | grep -c "WiFi: wisp-hotspot")"
rm "$own/large.json"

# Bad templates: one line naming file, line and key; exit 2; nothing written.
bad() { # bad NAME JSON EXPECTED: printing with template NAME fails so
    printf '%s\n' "$2" >"$own/$1.json"
    rm -f "$T/bad.pdf"
    w voucher print --batch 3 --template "$1" -o "$T/bad.pdf"
    t_eq "$1: usage error" 2 "$RC"
    t_match "$1: file, line, key" "^wisp: $own/$1.json: line $3" "$ERR"
    t_eq "$1: one error line (then the usage)" 1 "$(grep -c '^wisp: ' <<<"$ERR")"
    t_ok "$1: no sheet written" test ! -e "$T/bad.pdf"
}
bad unknown-key $'{"kind": "card", "card_height": 100,\n "colour": "red", "boxes": [{"item": "shop"}]}' '2: key "colour": unknown key'
bad bad-item $'{"kind": "card", "card_height": 100, "boxes": [\n {"item": "shop"},\n {"item": "barcode"}]}' '3: key "boxes\[1\]\.item"'
bad bad-value $'{"kind": "card", "card_height": 100, "boxes": [\n {"item": "plan", "size": -3}]}' '2: key "boxes\[0\]\.size"'
bad outside $'{"kind": "card", "card_height": 100, "boxes": [\n {"item": "qr",\n  "x": 20, "w": 500}]}' '3: key "boxes\[0\]\.w": the box ends outside'
bad no-logo $'{"kind": "card", "card_height": 100, "boxes": [\n {"item": "logo", "w": 30, "h": 30,\n  "file": "nowhere.png"}]}' '3: key "boxes\[0\].file": .*No such file'
printf 'GIF89a not a png\n' >"$own/fake.png"
bad not-png $'{"kind": "card", "card_height": 100, "boxes": [\n {"item": "logo", "w": 30, "h": 30, "file": "fake.png"}]}' '2: key "boxes\[0\]\.file": .*not a PNG'
bad not-json $'{"kind": "card",\n "boxes": [}' '2: '
w voucher print --batch 3 --template nosuch -o "$T/bad.pdf"
t_eq "unknown template: usage" 2 "$RC"
t_contains "unknown template: said" 'template "nosuch" not found' "$ERR"
w voucher print --batch 3 --template ticket -o "$T/bad.pdf"
t_eq "a ticket template on A4: usage" 2 "$RC"
t_contains "a ticket template on A4: said" "ticket layout" "$ERR"
w voucher print --batch 3 --template large --format text -o "$T/bad.txt"
t_eq "--template with text: usage" 2 "$RC"
t_ok "nothing written on any bad template" test ! -e "$T/bad.pdf" -a ! -e "$T/bad.txt"
t_eq "no print recorded for them" 0 "$(sql "SELECT count(*) FROM audit WHERE action = 'batch.print' AND details->>'batch_id' = '3' AND details->>'format' = 'text'")"

# The order receipt: the plan's title, --template, a bad one refused before the PIN is read.
w order add --product hour --customer 0700000001
w worker --once # completes it from stock
t_eq "an order completed" completed "$(sql "SELECT status FROM orders WHERE id = 1")"
w order receipt 1 -o "$T/r1.pdf"
t_eq "receipt written" 0 "$RC"
t_contains "receipt: the plan's title" "$(squeeze <<<"$title")" "$(ptext "$T/r1.pdf" | squeeze)"
w order receipt 1 --template large -o "$T/r1l.pdf"
t_eq "receipt --template large: its free line" 1 "$(ptext "$T/r1l.pdf" | grep -c "WiFi: wisp-hotspot")"
reveals=$(sql "SELECT count(*) FROM audit WHERE action = 'order.reveal'")
w order receipt 1 --template unknown-key -o "$T/r1bad.pdf"
t_eq "receipt with a bad template: usage" 2 "$RC"
t_match "receipt with a bad template: file, line, key" "unknown-key.json: line 2: key \"colour\"" "$ERR"
t_ok "receipt with a bad template: nothing written" test ! -e "$T/r1bad.pdf"
t_eq "receipt with a bad template: the PIN not read" "$reveals" "$(sql "SELECT count(*) FROM audit WHERE action = 'order.reveal'")"

# A ticket template goes to the escpos writer (as o->layout).
w voucher print --batch 3 --template ticket --paper 58mm -o "$T/t.bin" --json
t_eq "ticket template: printed" "0 ticket" "$RC $(jq -r .template <<<"$OUT")"
t_ok "ticket template: bytes written" test -s "$T/t.bin"

# The shipped ticket's logo prints (it was validated, then left out): a
# GS v 0 raster the paper's width, the PNG scaled into its 48 pt box (135
# dots square at 203 dpi), centred, its shade kept by the dither, the same
# bytes on every ticket. Judged against the PNG itself, decoded here with
# zlib: cell by cell (6 x 6 dots), the share of the cell's dots with ink
# against the PNG's darkness over white there; the PNG upside down and in
# negative are decoys that must be told apart.
# logo_cmp PBM PNG X0 SIDE: "REAL FLIPPED NEGATIVE INK-OUTSIDE": the % of
# cells more than 25 points off the PNG, the decoys', the dots of ink
# outside the logo's square
logo_cmp() {
    /usr/bin/python3 - "$@" <<'PY'
import struct, sys, zlib

def pbm(path):
    data = open(path, "rb").read()
    assert data.startswith(b"P4\n")
    dims, bits = data[3:].split(b"\n", 1)
    w, h = map(int, dims.split())
    stride = (w + 7) // 8
    return w, h, [[bits[y * stride + x // 8] >> (7 - x % 8) & 1 for x in range(w)] for y in range(h)]

def png(path):  # 8-bit grey, RGB, grey+alpha or RGBA, not interlaced: darkness 0..1 over white
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (0, 2, 4, 6) and not interlace
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride, prev, rows = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 4:  # Paeth
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            else:
                pred = (0, a, b, (a + b) // 2)[f]
            line[i] = (line[i] + pred) & 255
        row = []
        for x in range(w):
            px = line[x * bpp:(x + 1) * bpp]
            rgb = px[:3] if ctype in (2, 6) else [px[0]] * 3
            alpha = px[-1] / 255 if ctype in (4, 6) else 1
            lum = (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]) / 255
            row.append(1 - (lum * alpha + (1 - alpha)))
        rows.append(row)
        prev = line
    return w, h, rows

_, rh, ink = pbm(sys.argv[1])
pw, ph, dark = png(sys.argv[2])
x0, side, cell = int(sys.argv[3]), int(sys.argv[4]), 6
assert rh == side, "the raster is %d rows, not %d" % (rh, side)

def diff(shade):  # % of cells whose ink is more than 25 points off the shade
    off = 0
    for cy in range(0, side, cell):
        for cx in range(0, side, cell):
            dots = [(x, y) for y in range(cy, min(cy + cell, side)) for x in range(cx, min(cx + cell, side))]
            got = sum(ink[y][x0 + x] for x, y in dots) / len(dots)
            want = sum(shade(x * pw // side, y * ph // side) for x, y in dots) / len(dots)
            off += abs(got - want) > 0.25
    return round(100 * off / ((side + cell - 1) // cell) ** 2)

outside = sum(v for row in ink for x, v in enumerate(row) if not x0 <= x < x0 + side)
print(diff(lambda x, y: dark[y][x]), diff(lambda x, y: dark[ph - 1 - y][x]),
      diff(lambda x, y: 1 - dark[y][x]), outside)
PY
}
for paper in 58mm 80mm; do
    dots=$([ $paper = 58mm ] && echo 384 || echo 576)
    mkdir -p "$T/logo-$paper"
    w voucher print --batch 3 --template ticket --paper $paper -o "$T/tl-$paper.bin"
    t_eq "ticket template, $paper: printed" 0 "$RC"
    report=$(/usr/bin/python3 tests/tools/escpos_qr.py --dots $dots --images "$T/logo-$paper" "$T/tl-$paper.bin")
    t_eq "ticket template, $paper: every byte read, every raster $dots dots wide" 0 "$?"
    t_eq "ticket template, $paper: the logo, a raster of 135 rows, first on each ticket" \
        "raster ${dots}x135|raster ${dots}x135|raster ${dots}x135" \
        "$(grep -A1 '^ticket' <<<"$report" | grep -v '^ticket\|^--' | cut -d' ' -f1,2 | paste -sd'|')"
    t_ok "ticket template, $paper: the same logo bytes on every ticket" \
        cmp -s "$T/logo-$paper/t1-1.pbm" "$T/logo-$paper/t3-1.pbm"
    read -r real flip neg outside <<<"$(logo_cmp "$T/logo-$paper/t1-1.pbm" templates/logo.png $(((dots - 135) / 2)) 135)"
    t_eq "ticket template, $paper: the raster is the PNG scaled (at most 2% of cells off)" yes \
        "$([ -n "$real" ] && [ "$real" -le 2 ] && echo yes || echo "no: ${real:-nothing}%")"
    t_eq "ticket template, $paper: upside down or in negative it is not (10% of cells off or more)" yes \
        "$([ -n "$flip" ] && [ "$flip" -ge 10 ] && [ "$neg" -ge 10 ] && echo yes || echo "no: $flip% and $neg%")"
    t_eq "ticket template, $paper: no ink beside the centred logo" 0 "$outside"
done
