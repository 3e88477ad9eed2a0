#!/usr/bin/env bash
# Voucher sheets drawn with cairo and pango (issue 14): an Arabic shop name,
# accented Latin and CJK come back from pdftotext as typed (the hand-written
# PostScript printed "????"); every page rendered by pdftoppm
# gives every QR back through zbarimg; PostScript from the same renderer is
# valid (Ghostscript reads it) and holds the same text; PDF is the default
# for A4 and Letter; the order receipt and the sales report come from the
# same renderer. Plan names are ASCII (they name router profiles): an
# Arabic plan name is drawn in tests/unit/test_render.c.
. "$(dirname "$0")/../lib.sh"
shop="مقهى النجمة"
mkdir -p "$XDG_CONFIG_HOME/wisp"
set_shop() { # set_shop NAME: the shop's name in the config file
    printf '{"shop": {"name": "%s"}, "currency": "IDR"}\n' "$1" >"$XDG_CONFIG_HOME/wisp/config.json"
    chmod 600 "$XDG_CONFIG_HOME/wisp/config.json"
}
set_shop "$shop"
w db migrate
w plan add 1h --price 1.50 --duration 1h --validity 30d
w plan add 2h --price 2 --duration 2h
w voucher create --plan 1h --count 20 # 15 cards a page: two pages
w voucher create --plan 2h --count 3 --mode userpass
w voucher create --plan 2h --count 2
t_eq "three batches" 3 "$(sql "SELECT count(*) FROM batches")"

expected() { # expected BATCH: the login URLs of a batch, URL-encoded, sorted
    sql "SELECT code || ' ' || password FROM vouchers WHERE batch_id = $1" | while read -r u p; do
        printf 'http://hotspot.lan/login?username=%s&password=%s\n' \
            "$(/usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe="-._~"))' "$u")" \
            "$(/usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe="-._~"))' "$p")"
    done | sort
}
# ptext PDF: its text as pdftotext gives it, without the bidi controls it
# wraps right-to-left runs in (U+200E/F, U+202A-E)
ptext() { pdftotext -enc UTF-8 "$1" - | sed 's/\xe2\x80[\x8e\x8f\xaa-\xae]//g'; }
# Arabic letters come back in order, but pdftotext puts a space where the
# joining forms of a word leave a gap between two glyphs: compare letters
squeeze() { tr -d ' '; }
# qrs PDF PREFIX: every QR on every page, the pages rendered at 150 dpi as
# a printer prints them, dot by dot (anti-aliased grey edges made zbarimg
# miss one symbol of a 15-symbol page in a few hundred, a QR that decodes
# alone and at 300 dpi)
qrs() {
    pdftoppm -r 150 -gray -aa no -aaVector no "$1" "$T/$2"
    for f in "$T/$2"-*.pgm; do zbarimg -q --raw "$f" 2>/dev/null; done | sort
}
# qrs_ps PS PREFIX: the same through Ghostscript
qrs_ps() {
    gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pgmraw -r150 -sOutputFile="$T/$2-%d.pgm" "$1"
    for f in "$T/$2"-*.pgm; do zbarimg -q --raw "$f" 2>/dev/null; done | sort
}

# PDF: the text as typed, the QRs, two pages.
w voucher print --batch 1 --format pdf -o "$T/b1.pdf"
t_eq "pdf written" 0 "$RC"
t_eq "pdf is PDF" "%PDF-" "$(head -c 5 "$T/b1.pdf")"
t_eq "pdf: two A4 pages" "Pages: 2|Page size: 595 x 842 pts (A4)" \
    "$(pdfinfo "$T/b1.pdf" | grep -E '^Pages|^Page size' | sed 's/  */ /g' | paste -sd'|')"
text=$(ptext "$T/b1.pdf")
t_not_contains "pdf: no ? for what Helvetica lacked" "?" "$text"
t_eq "pdf: the Arabic shop name on every card" 20 "$(squeeze <<<"$text" | grep -c "$(squeeze <<<"$shop")")"
t_eq "pdf: the plan on every card" 20 "$(grep -cx "1h" <<<"$text")"
t_eq "pdf: every code, in full" "$(sql "SELECT 'Code ' || code FROM vouchers WHERE batch_id = 1 ORDER BY 1")" \
    "$(grep '^Code ' <<<"$text" | sort)"
t_contains "pdf: the price with the currency" "IDR 1.50" "$text"
t_contains "pdf: the serial" "No. 1-0020" "$text"
t_eq "pdf: every QR on both pages decodes to its login URL" "$(expected 1)" "$(qrs "$T/b1.pdf" p1)"

set_shop "Café Ñandú"
w voucher print --batch 2 --format pdf --paper letter -o "$T/b2.pdf"
text=$(ptext "$T/b2.pdf")
t_eq "pdf: accented Latin as typed" 3 "$(grep -cx "Café Ñandú" <<<"$text")"
t_eq "pdf: userpass cards show user and password" "$(sql "SELECT 'User ' || code || '|Pass ' || password FROM vouchers WHERE batch_id = 2 ORDER BY serial" | paste -sd'|')" \
    "$(grep -E '^(User|Pass) ' <<<"$text" | paste -sd'|')"
t_contains "pdf: Letter paper" "612 x 792 pts (letter)" "$(pdfinfo "$T/b2.pdf")"
t_eq "pdf: userpass QRs decode" "$(expected 2)" "$(qrs "$T/b2.pdf" p2)"
set_shop "星"
w voucher print --batch 3 --format pdf -o "$T/b3.pdf"
t_eq "pdf: CJK as typed" 2 "$(ptext "$T/b3.pdf" | grep -cx "星")"
set_shop "$shop"

# PDF is the default on paper: -o without a known extension, and lp.
w voucher print --batch 3 -o "$T/sheet"
t_eq "default format on A4 is PDF" "%PDF-" "$(head -c 5 "$T/sheet")"
w voucher print --batch 3 --paper letter -o "$T/sheet-letter" --json
t_eq "default format on Letter is PDF" "pdf" "$(jq -r .format <<<"$OUT")"
t_eq "printing recorded as pdf" "pdf" "$(sql "SELECT details->>'format' FROM audit WHERE action = 'batch.print' ORDER BY id DESC LIMIT 1")"
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "$*" >"%s/lp.args"\ncat >"%s/lp.data"\n' "$T" "$T" >"$T/bin/lp"
chmod +x "$T/bin/lp"
PATH=$T/bin:$PATH w voucher print --batch 3 --lp counter
t_eq "lp gets a PDF by default" "%PDF-" "$(head -c 5 "$T/lp.data")"
t_eq "lp: a PDF goes through CUPS's filters (not raw)" "-s -d counter" "$(cat "$T/lp.args")"
w voucher print --batch 3 -o "$T/b3.txt"
t_contains "-o FILE.txt still gives the text sheet" "┌" "$(cat "$T/b3.txt")"

# PostScript from the same renderer: Ghostscript reads it, same text, QRs.
w voucher print --batch 1 --format ps -o "$T/b1.ps"
t_eq "ps written" 0 "$RC"
t_eq "ps is PostScript" "%!PS-Adobe-3.0" "$(head -1 "$T/b1.ps")"
t_ok "ps: Ghostscript reads it" gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=nullpage "$T/b1.ps"
ps2pdf "$T/b1.ps" "$T/b1-ps.pdf"
# PostScript has no map from shaped Arabic glyphs back to letters, so the
# text Ghostscript recovers is compared on the other lines (the Latin and
# CJK shop names below come back whole)
latin() { ptext "$1" | LC_ALL=C.UTF-8 grep -vP '[\x{0600}-\x{06FF}]' | squeeze | grep -v '^$' | sort; }
t_eq "ps: the same text as the PDF" "$(latin "$T/b1.pdf")" "$(latin "$T/b1-ps.pdf")"
t_contains "ps: every code" "$(sql "SELECT 'Code' || code FROM vouchers WHERE batch_id = 1 ORDER BY serial DESC LIMIT 1")" "$(latin "$T/b1-ps.pdf")"
t_eq "ps: every QR decodes (Ghostscript at 150 dpi)" "$(expected 1)" "$(qrs_ps "$T/b1.ps" ps1)"
set_shop "Café Ñandú 星"
w voucher print --batch 2 --format ps -o "$T/b2.ps"
ps2pdf "$T/b2.ps" "$T/b2-ps.pdf"
t_eq "ps: accented Latin and CJK as typed" 3 "$(ptext "$T/b2-ps.pdf" | grep -cx "Café Ñandú 星")"
set_shop "$shop"

# The sales report's PDF and PostScript pages, from the same renderer.
c=$(sql "SELECT code FROM vouchers WHERE batch_id = 2 ORDER BY serial LIMIT 1")
w voucher sell "$c"
w report sales --by plan --format pdf -o "$T/eod.pdf"
t_eq "report pdf written" 0 "$RC"
t_contains "report pdf: the Arabic shop name" "$(squeeze <<<"$shop")" "$(ptext "$T/eod.pdf" | squeeze)"
t_match "report pdf: the plan sold, in its columns" "^ *2h +1 " "$(pdftotext -layout "$T/eod.pdf" -)"
w report sales --by plan --format ps -o "$T/eod.ps"
t_ok "report ps: Ghostscript reads it" gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=nullpage "$T/eod.ps"

# Bad input.
w voucher print --batch 1 --format docx -o "$T/x"
t_eq "bad format: usage" 2 "$RC"
t_contains "bad format: the formats named" "expected pdf, ps, text, ansi or escpos" "$ERR"
w voucher print --batch 1 --format pdf -o /nonexistent/dir/x.pdf
t_eq "unwritable pdf: runtime error" 1 "$RC"
