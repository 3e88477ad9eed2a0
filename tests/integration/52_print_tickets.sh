#!/usr/bin/env bash
# Thermal tickets (issue 14): text beyond plain ASCII is a 1-bit raster
# (GS v 0) across the paper, 384 dots on 58 mm and 576 on 80 mm, drawn by
# the sheets' renderer (the old tickets printed "???? ??????" for an Arabic
# name and "Caf? ?and?" for accented Latin); plain ASCII stays printer
# text, and an ASCII-only ticket has no raster at all; the QR is the
# printer's own command with the voucher's exact login URL.
#
# That a raster holds the name is judged independently of wisp's renderer:
# tests/tools/escpos_qr.py turns each GS v 0 image back into a PBM, and
# tests/tools/inkcmp.py lays on it pango-view's own drawing of the text
# (its FreeType backend, not cairo) in the same face and size, and counts
# the ink dots of either with no ink of the other within one dot. The real
# text leaves (almost) none; decoys printed beside it (the same words in
# the other order, one letter changed, "?" for every letter) leave more, so
# the check can tell the name from what merely looks like it. OCR was the
# other way, but no OCR for Arabic is reliable enough to fail only for a
# wrong ticket.
. "$(dirname "$0")/../lib.sh"
shop="مقهى النجمة"
cur="ر.س"
sans="Noto Sans, DejaVu Sans, sans-serif" # render.c's family list for text
mkdir -p "$XDG_CONFIG_HOME/wisp"
set_shop() { # set_shop NAME CURRENCY: the shop's name and currency in the config file
    printf '{"shop": {"name": "%s"}, "currency": "%s"}\n' "$1" "$2" >"$XDG_CONFIG_HOME/wisp/config.json"
    chmod 600 "$XDG_CONFIG_HOME/wisp/config.json"
}
set_shop "$shop" "$cur"
w db migrate
w plan add 1h --price 1.50 --duration 1h --validity 30d
w voucher create --plan 1h --count 3
w voucher create --plan 1h --count 2 --mode userpass
t_eq "two batches" 2 "$(sql "SELECT count(*) FROM batches")"

decode() { /usr/bin/python3 tests/tools/escpos_qr.py "$@"; }
# ink IMAGE STYLE TEXT...: inkcmp's "UNMATCHED INK" for each TEXT, STYLE
# "Bold" or "" (the size is 8.5 pt: the printer's own 24-dot font)
ink() {
    local img=$1 style=$2
    shift 2
    /usr/bin/python3 tests/tools/inkcmp.py "$img" "$sans $style 8.5" "$@" | cut -d' ' -f1,2
}
# holds NAME IMAGE STYLE TEXT DECOY...: IMAGE shows TEXT: at most 1% of its
# ink unmatched, and every decoy leaves more unmatched than TEXT does
holds() {
    local name=$1 img=$2 style=$3 text=$4 report real inkdots d
    shift 4
    report=$(ink "$img" "$style" "$text" "$@")
    read -r real inkdots <<<"$(head -1 <<<"$report")"
    t_eq "$name: the raster has ink" yes "$([ "${inkdots:-0}" -gt 100 ] && echo yes || echo no)"
    t_eq "$name: pango-view's drawing of the text matches it (at most 1% of the ink unmatched)" yes \
        "$([ -n "$real" ] && [ $((real * 100)) -le "$inkdots" ] && echo yes || echo "no: $real of $inkdots")"
    d=$(tail -n +2 <<<"$report" | cut -d' ' -f1 | sort -n | head -1)
    t_eq "$name: every decoy leaves more unmatched than the text" yes \
        "$([ -n "$d" ] && [ "$d" -gt "$real" ] && echo yes || echo "no: $real, a decoy ${d:-none}")"
}
expected() { # expected BATCH: the login URLs of a batch, sorted
    sql "SELECT code || ' ' || password FROM vouchers WHERE batch_id = $1" | while read -r u p; do
        printf 'http://hotspot.lan/login?username=%s&password=%s\n' "$u" "$p"
    done | sort
}
# qr_bytes FILE SIZE URL: how often FILE holds the whole QR command
# sequence for URL, byte for byte: model 2, module SIZE
# dots, ECC M, store (pL pH = length + 3, m = 48, the URL), print
qr_bytes() {
    /usr/bin/python3 - "$@" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
size, url = int(sys.argv[2]), sys.argv[3].encode()
n = len(url) + 3
seq = (b"\x1d(k\x04\x001A2\x00" + b"\x1d(k\x03\x001C" + bytes([size]) +
       b"\x1d(k\x03\x001E1" + b"\x1d(k" + bytes([n & 255, n >> 8]) + b"1P0" + url +
       b"\x1d(k\x03\x001Q0")
print(data.count(seq))
PY
}

for paper in 58mm 80mm; do
    dots=$([ $paper = 58mm ] && echo 384 || echo 576)
    size=$([ $paper = 58mm ] && echo 5 || echo 6)
    d="$T/img-$paper"
    mkdir -p "$d"
    w voucher print --batch 1 --format escpos --paper $paper -o "$T/b1-$paper.bin"
    t_eq "$paper tickets written" 0 "$RC"
    report=$(decode --dots $dots --images "$d" "$T/b1-$paper.bin")
    t_eq "$paper: the decoder reads every byte, every raster $dots dots wide" 0 "$?"
    t_eq "$paper: a ticket a voucher, each cut" "cuts=3 inits=3" "$(tail -1 <<<"$report")"
    # ticket 1: the shop and the price as rasters, the rest printer text
    t_eq "$paper: ticket 1 line by line" \
        "$(printf '%s\n' "ticket 1" "raster ${dots}x" "text 1h" "raster ${dots}x" "text 1h, valid 4w2d" \
            "qr model=50 size=$size ecc=49 data=$(sql "SELECT 'http://hotspot.lan/login?username=' || code || '&password=' || code FROM vouchers WHERE batch_id = 1 AND serial = 1")" \
            "text Code $(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 1")" "text No. 1-0001" cut)" \
        "$(sed -n '1,/^cut$/p' <<<"$report" | sed -E 's/^(raster [0-9]+x)[0-9]+ .*/\1/; s/^text +/text /')"
    t_not_contains "$paper: no ? for what the code page lacks" "?" "$(grep '^text' <<<"$report")"
    t_eq "$paper: two rasters a ticket" 6 "$(grep -c '^raster' <<<"$report")"
    holds "$paper shop name" "$d/t1-1.pbm" Bold "$shop" \
        "النجمة مقهى" "مقهى النجمه" "???? ??????"
    holds "$paper price" "$d/t1-2.pbm" "" "$cur 1.50" "$cur 1.60" "ر.ش 1.50" "??? 1.50"
    t_eq "$paper: the same name on every ticket" same "$(cmp -s "$d/t1-1.pbm" "$d/t3-1.pbm" && echo same)"
    # the QR command: exact bytes, the voucher's login URL
    t_eq "$paper: QR data are the login URLs" "$(expected 1)" "$(sed -n 's/^qr .* data=//p' <<<"$report" | sort)"
    for url in $(expected 1); do
        t_eq "$paper: exact QR command bytes for $url" 1 "$(qr_bytes "$T/b1-$paper.bin" "$size" "$url")"
    done
    # the raster is the last thing before the plan's text: nothing in between
    t_eq "$paper: GS v 0 header (m 0, $((dots / 8)) bytes a row)" 3 \
        "$(/usr/bin/python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); print(d.count(b"\x1b@\x1dv0\x00" + bytes([int(sys.argv[2]) // 8, 0])))' "$T/b1-$paper.bin" $dots)"
done

# userpass: user and password are ASCII, printer text
w voucher print --batch 2 --format escpos --paper 80mm -o "$T/b2.bin"
report=$(decode --dots 576 "$T/b2.bin")
t_eq "userpass tickets: user and password as printer text" \
    "$(sql "SELECT 'text User ' || code || '|text Pass ' || password FROM vouchers WHERE batch_id = 2 ORDER BY serial" | paste -sd'|')" \
    "$(grep -E '^text +(User|Pass) ' <<<"$report" | sed -E 's/^text +/text /' | paste -sd'|')"
t_eq "userpass tickets: the QRs" "$(expected 2)" "$(sed -n 's/^qr .* data=//p' <<<"$report" | sort)"

# Accented Latin is no ASCII either: "Café Ñandú" was "Caf? ?and?"
set_shop "Café Ñandú" "€"
mkdir -p "$T/img-latin"
w voucher print --batch 1 --format escpos --paper 58mm -o "$T/latin.bin"
report=$(decode --dots 384 --images "$T/img-latin" "$T/latin.bin")
t_eq "accented Latin: a raster" "raster 384x" "$(sed -n 2p <<<"$report" | grep -o '^raster 384x')"
holds "accented shop name" "$T/img-latin/t1-1.pbm" Bold "Café Ñandú" "Cafe Nandu" "Caf? ?and?"
holds "euro price" "$T/img-latin/t1-2.pbm" "" "€ 1.50" "\$ 1.50" "? 1.50"

# Plain ASCII: printer text only, the bytes of old
set_shop "wisp hotspot" "USD"
w voucher print --batch 1 --format escpos --paper 58mm -o "$T/ascii.bin"
report=$(decode --dots 384 "$T/ascii.bin")
t_eq "ASCII tickets: no raster at all" 0 "$(grep -c '^raster' <<<"$report")"
t_eq "ASCII tickets: no GS v in the bytes" 0 "$(/usr/bin/python3 -c 'import sys; print(open(sys.argv[1],"rb").read().count(b"\x1dv"))' "$T/ascii.bin")"
t_eq "ASCII tickets: shop, plan, price as text" "text wisp hotspot|text 1h|text USD 1.50" \
    "$(grep '^text' <<<"$report" | head -3 | sed -E 's/^text +/text /' | paste -sd'|')"
t_eq "ASCII tickets: centred in the 32 columns of 58 mm" "          wisp hotspot" \
    "$(grep -m1 '^text' <<<"$report" | sed 's/^text //')"

# The order receipt goes the same way: an Arabic customer's name is a raster.
set_shop "$shop" "$cur"
w order add --product 1h --customer "أحمد"
w worker --once
t_eq "the order is completed" completed "$(sql "SELECT status FROM orders WHERE id = 1")"
mkdir -p "$T/img-order"
w order receipt 1 --format escpos -o "$T/r1.bin"
t_eq "receipt written" 0 "$RC"
report=$(decode --dots 576 --images "$T/img-order" "$T/r1.bin")
pin=$(sql "SELECT v.code FROM orders o JOIN vouchers v ON v.id = o.voucher_id WHERE o.id = 1")
t_eq "receipt: shop, plan, price, customer, QR, PIN, order" \
    "$(printf '%s\n' "raster 576x" "text 1h" "raster 576x" "raster 576x" \
        "qr model=50 size=6 ecc=49 data=http://hotspot.lan/login?username=$pin&password=$pin" \
        "text Code $pin" "text No. order 1")" \
    "$(sed -n '/^ticket 1$/,/^cut$/p' <<<"$report" | sed '1d;$d' | sed -E 's/^(raster [0-9]+x)[0-9]+ .*/\1/; s/^text +/text /')"
holds "receipt customer" "$T/img-order/t1-3.pbm" "" "for أحمد" "for محمد" "for ????"
