#!/usr/bin/env bash
# Messages, numbers and tables in the operator's language (docs/i18n.md):
# the core modules' errors, table headings, plurals (Arabic's six forms),
# money and dates of a report and a sheet from the locale and money.*,
# right-to-left cells isolated (FSI ... PDI) and aligned in texttable and in
# the console through tmux, and JSON and CSV the same in every language.
# Expected texts are read from po/*.po, so the test follows the catalogs.
. "$(dirname "$0")/../lib.sh"

# po_str LANG MSGID [N]: the msgstr (msgstr[N] of a plural) po/LANG.po gives
# MSGID; a marker no output shows when it has none.
po_str() {
    python3 - "$1" "$2" "${3:-}" <<'EOF'
import re, sys
lang, want, n = sys.argv[1], sys.argv[2], sys.argv[3]
text = open("po/%s.po" % lang, encoding="utf-8").read()
def unq(g):
    s = "".join(re.findall(r'"(.*)"', g))
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)
found = ""
for block in text.split("\n\n"):
    m = re.search(r'^msgid ((?:".*"\n)+)', block + "\n", re.M)
    if not m or unq(m.group(1)) != want:
        continue
    key = "msgstr[%s]" % n if n else "msgstr"
    s = re.search(r'^' + re.escape(key) + r' ((?:".*"\n?)+)', block + "\n", re.M)
    if s:
        found = unq(s.group(1))
print(found or "<no %s translation of: %s>" % (lang, want), end="")
EOF
}
# display_col LINE TEXT: the terminal column where TEXT starts in LINE
# (combining marks and format characters such as FSI/PDI take none).
display_col() {
    python3 - "$1" "$2" <<'EOF'
import sys, unicodedata
line, text = sys.argv[1], sys.argv[2]
i = line.find(text)
def width(s):
    w = 0
    for ch in s:
        if unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w
print(width(line[:i]) if i >= 0 else -1)
EOF
}
FSI=$'\u2068' PDI=$'\u2069'

# A core module's error (db.c) before the schema exists, in Arabic.
LANGUAGE=ar w plan list
t_eq "ar: no schema yet: exit 1" 1 "$RC"
ar_noschema=$(po_str ar 'database "%s" has no wisp schema yet: run `wisp db migrate` (as a PostgreSQL role that may create roles and tables)')
t_eq "ar: db.c's error in Arabic" "wisp: ${ar_noschema//%s/$PGDATABASE}" "$ERR"
w db migrate
w plan add 1h --price 1500 --duration 1h
# plan.c's and voucher.c's errors in Indonesian and Arabic.
LANGUAGE=id w plan add 'bad name!' --price 1
t_eq "id: plan.c's error: exit 2" 2 "$RC"
t_eq "id: plan.c's error in Indonesian" \
    "wisp: $(po_str id 'bad plan name "%s": 1-32 letters, digits, . _ - (starting with a letter or digit)' | sed 's/%s/bad name!/')" \
    "$(head -n 1 <<<"$ERR")"
LANGUAGE=ar w voucher show NOSUCH
t_eq "ar: voucher.c's error: exit 1" 1 "$RC"
t_eq "ar: voucher.c's error in Arabic" "wisp: $(po_str ar 'no voucher with code "%s"' | sed 's/%s/NOSUCH/')" "$ERR"
LANGUAGE=id w voucher create --plan 1h --count 3 --prefix 'a!'
t_eq "id: a bad --prefix: voucher.c's error in Indonesian" \
    "wisp: $(po_str id 'bad --prefix "%s": at most 16 letters, digits, - _ or .' | sed 's/%s/a!/')" \
    "$(head -n 1 <<<"$ERR")"
LANGUAGE=ar w router add r1 --host 127.0.0.1 --user x --driver junos
t_eq "ar: router.c's error in Arabic" \
    "wisp: $(po_str ar 'bad --driver "%s": expected routeros or opennds' | sed 's/%s/junos/')" \
    "$(head -n 1 <<<"$ERR")"

# config.c's explanation of a bad setting, in Indonesian.
LANGUAGE=id WISP_MONEY_DECIMALS=9 w plan list
t_eq "id: a bad money.decimals: exit 2" 2 "$RC"
t_eq "id: config.c's explanation in Indonesian" \
    "wisp: WISP_MONEY_DECIMALS: $(po_str id '%s: key "%s": %s' | sed 's/^%s: //; s/%s/money.decimals/; s/%s$//')$(po_str id 'expected a whole number from %d to %d' | sed 's/%d/0/; s/%d/3/')$(po_str id '%s, got "%s"' | sed 's/^%s//; s/%s/9/')" \
    "$ERR"

# The rule for errors and logs: an unreachable router's error in Arabic from
# `router test`, the same error in English in the worker's log (its threads
# speak English whatever the environment says).
touch "$T/k" && chmod 600 "$T/k"
w router add shut --host 127.0.0.1 --port 1 --user x --key "$T/k" --driver routeros --accept-new-hostkey
LANGUAGE=ar w router test shut
t_eq "ar: router test of a closed port: exit 1" 1 "$RC"
t_contains "ar: router test: ssh.c's error in Arabic" \
    "$(po_str ar 'cannot connect to %s port %d: %s' | sed 's/%s/127.0.0.1/; s/%d/1/; s/: %s$//')" "$ERR"
LANGUAGE=ar w worker --once
t_contains "ar: the worker's log in English" "cannot connect to 127.0.0.1 port 1" "$OUT$ERR"
t_not_contains "ar: no Arabic in the worker's log" "$(po_str ar 'cannot connect to %s port %d: %s' | cut -c1-10)" "$OUT$ERR"
w router rm shut

# Plurals: one form in Indonesian, six in Arabic (1, 2, 3..10, 11..99 differ).
one=$'batch %<PRId64>: %<PRId64> voucher of plan %s\n'
plural() { # LANG FORM BATCH COUNT: the line po/LANG.po gives
    po_str "$1" "$one" "$2" | sed "s/%<PRId64>/$3/; s/%<PRId64>/$4/; s/%s/1h/"
}
LANGUAGE=id w voucher create --plan 1h --count 1
t_eq "id: 1 voucher" "$(plural id 0 1 1)" "$OUT"
LANGUAGE=id w voucher create --plan 1h --count 5
t_eq "id: 5 vouchers" "$(plural id 0 2 5)" "$OUT"
LANGUAGE=ar w voucher create --plan 1h --count 1
t_eq "ar: 1 voucher (form 1)" "$(plural ar 1 3 1)" "$OUT"
LANGUAGE=ar w voucher create --plan 1h --count 2
t_eq "ar: 2 vouchers (form 2)" "$(plural ar 2 4 2)" "$OUT"
LANGUAGE=ar w voucher create --plan 1h --count 5
t_eq "ar: 5 vouchers (form 3)" "$(plural ar 3 5 5)" "$OUT"
LANGUAGE=ar w voucher create --plan 1h --count 12
t_eq "ar: 12 vouchers (form 4)" "$(plural ar 4 6 12)" "$OUT"
t_not_contains "ar: no English plural" "vouchers" "$OUT"
w voucher create --plan 1h --count 1
t_eq "English: 1 voucher" "batch 7: 1 voucher of plan 1h" "$OUT"

# Column headings in the language; the JSON the same in every language.
LANGUAGE=id w plan list
t_contains "id: plan list headed in Indonesian" "$(po_str id NAME)" "$(head -n 1 <<<"$OUT")"
t_contains "id: plan list's price heading" "$(po_str id PRICE)" "$(head -n 1 <<<"$OUT")"
t_not_contains "id: no English heading" "PRICE" "$(head -n 1 <<<"$OUT")"
LANGUAGE=ar w batch list
t_contains "ar: batch list headed in Arabic" "$(po_str ar COUNT)" "$(head -n 1 <<<"$OUT")"
w plan list --json
en_json=$OUT
LANGUAGE=ar w plan list --json
t_eq "ar: plan list --json the same as in English" "$en_json" "$OUT"
LANGUAGE=id w batch list --json
ar_batches=$OUT
w batch list --json
t_eq "id: batch list --json the same as in English" "$OUT" "$ar_batches"

# Right-to-left cells: an Arabic customer in `order list`, isolated and aligned.
cust="مقهى النجمة"
w order add --product 1h --customer "$cust"
w order list
row=$(grep -F -- "$cust" <<<"$OUT")
t_contains "order list: the Arabic cell between FSI and PDI" "$FSI$cust$PDI" "$row"
t_eq "order list: the column after the Arabic cell lines up with its heading" \
    "$(display_col "$(head -n 1 <<<"$OUT")" AMOUNT)" "$(display_col "$row" 1500.00)"
w order list --json
t_eq "order list --json: the customer as stored, no marks" "$cust" "$(jq -r '.[0].customer' <<<"$OUT")"

# Money and dates from the locale: id_ID.UTF-8 generated for this test
# (localedef, from Debian's locales package), and money.* from the config.
code=$(sql "SELECT code FROM vouchers ORDER BY id LIMIT 1")
w voucher sell "$code"
today=$(date +%F)
w report sales --json
c_json=$OUT
w report sales --csv
c_csv=$OUT
mkdir -p "$T/locale"
t_ok "localedef id_ID.UTF-8" localedef -i id_ID -f UTF-8 "$T/locale/id_ID.UTF-8"
idl() { LOCPATH="$T/locale" LC_ALL=id_ID.UTF-8 LANGUAGE= "$@"; }
idl w report sales
t_eq "id_ID: report exit 0" 0 "$RC"
t_match "id_ID: revenue grouped and with a decimal comma" "1\\.500,00" "$(grep -F "$(po_str id TOTAL)" <<<"$OUT")"
t_contains "id_ID: the day as the locale writes it" "$(date +%d/%m/%y)" "$OUT"
t_contains "id_ID: headings in Indonesian (LC_ALL alone)" "$(po_str id REVENUE)" "$(head -n 1 <<<"$OUT")"
idl w report sales --json
t_eq "id_ID: report --json unchanged" "$c_json" "$OUT"
idl w report sales --csv
t_eq "id_ID: report --csv unchanged (English header, 1500.00)" "$c_csv" "$OUT"
idl w report sales --format text -o "$T/report.txt"
t_contains "id_ID: printed report's heading" "$(po_str id $'%s - sales report\n' | sed 's/%s - //')" "$(cat "$T/report.txt")"
t_contains "id_ID: printed report's date" "$(date +%d/%m/%y)" "$(cat "$T/report.txt")"
# The text sheet: the price through money.format and money.decimals.
batch=$(sql "SELECT batch_id FROM vouchers WHERE code = '$code'")
WISP_CURRENCY=Rp WISP_MONEY_FORMAT='{currency}{amount}' WISP_MONEY_DECIMALS=0 \
    idl w voucher print --batch "$batch" --format text -o "$T/sheet.txt"
t_eq "id_ID sheet written" 0 "$RC"
t_contains "id_ID sheet: the price as money.format writes it" "Rp1.500" "$(cat "$T/sheet.txt")"
t_contains "id_ID sheet: the label in Indonesian" "$(po_str id Price)" "$(cat "$T/sheet.txt")"
WISP_CURRENCY=KES WISP_MONEY_FORMAT='{amount} {currency}' w voucher print --batch "$batch" --format text -o "$T/sheet-c.txt"
t_contains "C.UTF-8 sheet: amount, then currency" "1500.00 KES" "$(cat "$T/sheet-c.txt")"
WISP_MONEY_FORMAT='{currency}' w plan list
t_eq "money.format without {amount}: usage error" 2 "$RC"
t_contains "money.format without {amount}: says what it expects" "{amount}" "$ERR"

# The console in Arabic: translated headings, and the Arabic customer's cell
# isolated with the next column where its heading is.
sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t wisp; }
wait_for() {
    for _ in $(seq 50); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
tm new-session -d -s wisp -x 160 -y 40 \
    "env TERM=xterm-256color WISP_WORKER_EMBEDDED=off LC_ALL=C.UTF-8 LANGUAGE=ar WISP_DB='$WISP_DB' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 30"
t_ok "console in Arabic: batches headed in Arabic" wait_for "$(po_str ar COUNT)"
t_not_contains "console in Arabic: no English heading" "COUNT" "$(screen)"
tm send-keys -t wisp 4
t_ok "console in Arabic: the orders pane shows the Arabic customer" wait_for "$cust"
s=$(screen)
head=$(grep -F -- "$(po_str ar PRODUCT)" <<<"$s" | head -n 1)
row=$(grep -F -- "$cust" <<<"$s" | head -n 1)
t_contains "console: the Arabic cell between FSI and PDI" "$FSI$cust$PDI" "$row"
t_eq "console: the product column lines up after the Arabic cell" \
    "$(display_col "$head" "$(po_str ar PRODUCT)")" "$(display_col "$row" " 1h " | awk '{print $1 + 1}')"
tm send-keys -t wisp q
t_ok "console in Arabic: q quits" wait_for "wisp-exit=0"
tm_stop
