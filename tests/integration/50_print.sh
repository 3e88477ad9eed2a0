#!/usr/bin/env bash
# Voucher sheets: every QR of every format decodes back to its login URL
# (zbarimg on an image of the text sheet and on Ghostscript's rendering of
# the PostScript; the ESC/POS QR commands checked byte by byte), reprints,
# lp, and printing recorded.
. "$(dirname "$0")/../lib.sh"
w db migrate
w plan add 1h --price 1.50 --duration 1h --validity 30d
w voucher create --plan 1h --count 9
w voucher create --plan 1h --count 3 --mode userpass --charset 'aB-_.' --length 6
t_eq "awkward userpass batch made" 0 "$RC"

zbar() { zbarimg -q --raw "$@" 2>/dev/null | sort; }
expected() { # expected BATCH: the login URLs of a batch, URL-encoded, sorted
    sql "SELECT code || ' ' || password FROM vouchers WHERE batch_id = $1" | while read -r u p; do
        printf 'http://hotspot.lan/login?username=%s&password=%s\n' \
            "$(/usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe="-._~"))' "$u")" \
            "$(/usr/bin/python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1],safe="-._~"))' "$p")"
    done | sort
}
decode_text() { # decode_text SHEET [--invert]: every URL on a text/ansi sheet
    /usr/bin/python3 tests/tools/sheet2pbm.py $2 "$1" "$1" | while read -r img; do zbar "$img"; done | sort
}

for b in 1 2; do
    w voucher print --batch $b -o "$T/b$b.txt"
    t_eq "text sheet $b written" 0 "$RC"
    t_eq "text sheet $b: every QR decodes to its URL" "$(expected $b)" "$(decode_text "$T/b$b.txt")"
done
t_contains "text sheet shows the shop" "wisp hotspot" "$(cat "$T/b1.txt")"
t_contains "text sheet shows the price" "USD 1.50" "$(cat "$T/b1.txt")"
t_contains "text sheet shows the serial" "No. 1-0009" "$(cat "$T/b1.txt")"
t_contains "userpass sheet shows the password" "Pass" "$(cat "$T/b2.txt")"
t_eq "form feeds between pages" 2 "$(tr -cd '\f' <"$T/b1.txt" | wc -c)"
t_eq "printing recorded" "$PGUSER" "$(sql "SELECT printed_by FROM batches WHERE id = 1 AND printed_at IS NOT NULL")"
t_eq "printing audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'batch.print' AND details->>'batch_id' = '1'")"

w voucher print --batch 1 --format text --columns 3 -o "$T/c3.txt"
t_eq "three columns fit three cards a row" 3 "$(grep -m1 -o '┌' "$T/c3.txt" | wc -l)"

w voucher print --batch 2 --format ansi -o "$T/b2.ansi"
t_contains "ansi sheet is coloured" $'\e[' "$(cat "$T/b2.ansi")"
t_contains "ansi QR has explicit colours" $'\e[0;30;47m' "$(cat "$T/b2.ansi")"
t_eq "ansi sheet: every QR decodes" "$(expected 2)" "$(decode_text "$T/b2.ansi")"

for paper in a4 letter; do
    w voucher print --batch 1 --format ps --paper $paper -o "$T/b1-$paper.ps"
    t_eq "ps $paper written" 0 "$RC"
    t_contains "ps $paper is PostScript" "%!PS-Adobe-3.0" "$(head -1 "$T/b1-$paper.ps")"
    gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pnggray -r150 -sOutputFile="$T/ps-$paper-%d.png" "$T/b1-$paper.ps"
    t_eq "ps $paper renders in Ghostscript" 0 "$?"
    t_eq "ps $paper: every QR decodes" "$(expected 1)" "$(for f in "$T"/ps-$paper-*.png; do zbar "$f"; done | sort)"
done
w voucher print --batch 2 --format ps -o "$T/b2.ps"
gs -q -dSAFER -dBATCH -dNOPAUSE -sDEVICE=pnggray -r150 -sOutputFile="$T/ps2-%d.png" "$T/b2.ps"
t_eq "ps userpass: every QR decodes" "$(expected 2)" "$(for f in "$T"/ps2-*.png; do zbar "$f"; done | sort)"

for paper in 58mm 80mm; do
    w voucher print --batch 1 --format escpos --paper $paper -o "$T/b1-$paper.bin"
    t_eq "escpos $paper written" 0 "$RC"
    report=$(/usr/bin/python3 tests/tools/escpos_qr.py "$T/b1-$paper.bin")
    size=$([ $paper = 58mm ] && echo 5 || echo 6)
    t_eq "escpos $paper: one QR per voucher, model 2, size $size, ECC M" \
        "$(expected 1 | sed "s/^/qr model=50 size=$size ecc=49 data=/")" "$(grep '^qr' <<<"$report" | sort)"
    t_eq "escpos $paper: a cut per ticket" "cuts=9 inits=9" "$(tail -1 <<<"$report")"
done
t_eq "escpos exact model command" "1d286b0400314132" "$(od -An -tx1 "$T/b1-80mm.bin" | tr -d ' \n' | grep -o '1d286b0400314132' | head -1)"
w voucher print --batch 1 --format escpos
t_eq "escpos to a pipe is allowed" 0 "$RC"
w voucher print --batch 1 --format escpos --paper a4 -o "$T/x.bin"
t_eq "escpos on a4 refused" 2 "$RC"

# Reprint single vouchers.
c1=$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 4")
c2=$(sql "SELECT code FROM vouchers WHERE batch_id = 1 AND serial = 7")
w voucher print --code "$c1" --code "$c2" -o "$T/re.txt"
t_eq "reprint two vouchers" "$(printf 'http://hotspot.lan/login?username=%s&password=%s\n' "$c1" "$c1" "$c2" "$c2" | sort)" "$(decode_text "$T/re.txt")"
t_eq "reprint audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'voucher.reprint' AND details->'codes' ? '$c1'")"
w voucher print --code NOPE
t_contains "reprint unknown code" 'no voucher with code "NOPE"' "$ERR"
w voucher print --code "$c1" --code "$c2" --code "$c1"
t_eq "a code named twice: exit 2" 2 "$RC"
t_contains "a code named twice: said so" "voucher $c1 is named twice" "$ERR"

# lp: the sheet goes to lp's standard input, with -d PRINTER when named.
mkdir -p "$T/bin"
cat >"$T/bin/lp" <<LP
#!/bin/sh
echo "\$*" >"$T/lp.args"
cat >"$T/lp.data"
LP
chmod +x "$T/bin/lp"
PATH=$T/bin:$PATH w voucher print --batch 1 --format text --lp counter
t_eq "lp exits 0" 0 "$RC"
t_eq "lp gets the printer" "-s -d counter" "$(cat "$T/lp.args")"
t_eq "lp gets the sheet" "$(expected 1)" "$(decode_text "$T/lp.data")"
# ESC/POS is printer bytes: CUPS must pass them on raw, or a filter prints them as text
PATH=$T/bin:$PATH w voucher print --batch 1 --format escpos --lp counter
t_eq "escpos to lp exits 0" 0 "$RC"
t_eq "escpos goes to lp with -o raw" "-s -o raw -d counter" "$(cat "$T/lp.args")"
t_eq "escpos bytes reach lp as they are" "$(printf '\033@' | od -An -c)" "$(head -c 2 "$T/lp.data" | od -An -c)"
c0=$(sql "SELECT code FROM vouchers WHERE batch_id = 1 ORDER BY serial LIMIT 1")
PATH=$T/bin:$PATH w voucher print --code "$c0" --format escpos --paper 58mm --lp
t_eq "escpos to the default printer: -o raw, no -d" "-s -o raw" "$(cat "$T/lp.args")"
printf '#!/bin/sh\ncat >/dev/null; exit 3\n' >"$T/bin/lp"
sql "UPDATE batches SET printed_at = NULL WHERE id = 2" >/dev/null
PATH=$T/bin:$PATH w voucher print --batch 2 --lp
t_eq "failing lp fails the command" 1 "$RC"
t_contains "failing lp says so" "lp failed" "$ERR"
t_eq "failed print not recorded" "" "$(sql "SELECT printed_at FROM batches WHERE id = 2")"

# Bad input loses nothing.
w voucher print --batch 1 -o /nonexistent/dir/x.txt
t_eq "unwritable output" 1 "$RC"
w voucher print --batch 1 --format docx
t_eq "bad format" 2 "$RC"
w voucher print --batch 999 -o "$T/none.txt"
t_contains "unknown batch" "no batch 999" "$ERR"
t_eq "no file left for an unknown batch" "no" "$([ -e "$T/none.txt" ] && echo yes || echo no)"

# The QR on the terminal (voucher show) decodes too, from its own colours.
w voucher show "$c1"
printf '%s\n' "$OUT" >"$T/show.txt"
t_eq "voucher show QR decodes" "http://hotspot.lan/login?username=$c1&password=$c1" "$(decode_text "$T/show.txt")"
