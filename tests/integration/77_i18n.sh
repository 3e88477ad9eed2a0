#!/usr/bin/env bash
# Messages in the operator's language (docs/i18n.md): every catalog passes
# msgfmt --check; LANGUAGE picks Arabic or Indonesian for the CLI's help and
# errors and for the console; a language without a catalog, or a locale the
# system lacks, stays English. The translations expected are read from
# po/*.po, so the test follows the catalogs rather than copying them.
. "$(dirname "$0")/../lib.sh"
. tests/tools/services.sh

# po_str LANG MSGID: the msgstr po/LANG.po gives MSGID (one line, as in the
# file); when it has none, a marker no screen shows, so that no assertion
# passes on an empty string.
po_str() {
    python3 - "$1" "$2" <<'EOF'
import re, sys
try:
    text = open("po/%s.po" % sys.argv[1], encoding="utf-8").read()
except OSError:
    text = ""
found = ""
for block in text.split("\n\n"):
    m = re.search(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', block + "\n", re.M)
    unq = lambda g: "".join(re.findall(r'"(.*)"', g)).replace('\\"', '"')
    if m and unq(m.group(1)) == sys.argv[2]:
        found = unq(m.group(2))
print(found or "<no %s translation of: %s>" % (sys.argv[1], sys.argv[2]))
EOF
}

# Every catalog is well formed: headers, and format specifiers that match
# their msgid's (a translated %s turned %d would crash printf).
langs=$(ls po/*.po 2>/dev/null | sed 's,po/\(.*\)\.po,\1,' | tr '\n' ' ')
t_contains "an Arabic catalog" "ar " "$langs"
t_contains "an Indonesian catalog" "id " "$langs"
for l in $langs; do
    t_ok "msgfmt --check po/$l.po" msgfmt --check -o /dev/null "po/$l.po"
    _run msgfmt --statistics -o /dev/null "po/$l.po"
    t_not_contains "po/$l.po: nothing untranslated or fuzzy" "untranslated" "$_out"
    t_not_contains "po/$l.po: nothing fuzzy" "fuzzy" "$_out"
done
# The catalogs cover what the code marks today: a template extracted now from
# the sources, every message of it translated in each catalog (msgcmp), and
# po/wisp.pot the same as that template but for line numbers.
if make -s pot POT="$T/fresh.pot" >"$T/pot.log" 2>&1; then
    for l in $langs; do
        _run msgcmp "po/$l.po" "$T/fresh.pot"
        t_eq "po/$l.po translates every marked string (msgcmp)" "0" "$_rc"
    done
    t_eq "po/wisp.pot is up to date (make pot)" "" \
        "$(diff <(grep -v -e POT-Creation-Date -e '^#:' po/wisp.pot) \
            <(grep -v -e POT-Creation-Date -e '^#:' "$T/fresh.pot"))"
else
    _fail "make pot" "$(_cut "$(cat "$T/pot.log")")"
fi
t_contains "the template holds a command summary" 'msgid "create a batch of vouchers"' "$(cat "$T/fresh.pot")"

# wisp --help in Arabic: the catalog's text, and the English one gone.
ar_create=$(po_str ar "create a batch of vouchers")
ar_usage=$(po_str ar "unknown command \"%s\" (see \`wisp --help\`)")
t_not_contains "po/ar.po translates a summary" "<no " "$ar_create"
LANGUAGE=ar w --help
t_eq "LANGUAGE=ar wisp --help: exit 0" 0 "$RC"
t_contains "LANGUAGE=ar wisp --help: a summary in Arabic" "$ar_create" "$OUT"
t_not_contains "LANGUAGE=ar wisp --help: the English summary gone" "create a batch of vouchers" "$OUT"
t_not_contains "LANGUAGE=ar wisp --help: the English heading gone" "the hotspot shop console" "$OUT"
LANGUAGE=ar w frobnicate
t_eq "LANGUAGE=ar unknown command: exit 2" 2 "$RC"
t_eq "LANGUAGE=ar unknown command: the Arabic line" "wisp: ${ar_usage//%s/frobnicate}" "$ERR"

# A missing flag: the Indonesian error, status 2 (before any database is asked).
id_need=$(po_str id "\`voucher create\` needs --plan NAME and --count N")
t_not_contains "po/id.po translates the error" "<no " "$id_need"
LANGUAGE=id w voucher create --plan 1h
t_eq "LANGUAGE=id voucher create without --count: exit 2" 2 "$RC"
t_contains "LANGUAGE=id voucher create: the Indonesian error" "wisp: $id_need" "$ERR"
t_not_contains "LANGUAGE=id voucher create: the English error gone" "needs --plan NAME" "$ERR"
t_contains "LANGUAGE=id voucher create: usage in Indonesian" "$(po_str id 'usage: wisp %s%s%s%s\n' | cut -d' ' -f1)" "$ERR"
LANGUAGE=id w voucher create --plan 1h --count 10 --bogus
t_contains "LANGUAGE=id unknown flag: Indonesian" \
    "$(po_str id 'unknown flag --%s for `wisp %s`' | sed 's/--%s/--bogus/; s/%s/voucher create/')" "$ERR"

# The fallbacks: a language without a catalog, a locale the system lacks, and
# the C locale (where gettext ignores LANGUAGE) all give English.
LANGUAGE=fr w --help
t_contains "LANGUAGE=fr (no catalog): English" "create a batch of vouchers" "$OUT"
LC_ALL=xx_YY.UTF-8 LANGUAGE= LANG= w voucher create
t_contains "LC_ALL of a missing locale: English" "needs --plan NAME and --count N" "$ERR"
LC_ALL=C LANGUAGE=ar w --help
t_contains "LC_ALL=C: English" "create a batch of vouchers" "$OUT"
# LC_MESSAGES and LANG choose too (gettext's own rules), given a locale that exists.
LC_ALL= LANG=C.UTF-8 LANGUAGE=id w --help
t_contains "LANG=C.UTF-8 LANGUAGE=id: Indonesian" "$(po_str id 'create a batch of vouchers')" "$OUT"

# An installed binary finds its catalogs under PREFIX/share/locale.
if make -s install PREFIX="$T/prefix" >"$T/install.log" 2>&1; then
    t_ok "make install: the Arabic catalog" test -f "$T/prefix/share/locale/ar/LC_MESSAGES/wisp.mo"
    _run env LANGUAGE=ar "$T/prefix/bin/wisp" --help
    t_contains "installed wisp --help in Arabic" "$ar_create" "$_out"
else
    _fail "make install PREFIX=$T/prefix" "$(_cut "$(cat "$T/install.log")")"
fi

# The console in Arabic: the footer's hints and the help box from the catalog.
w db migrate
# What a command did, in the operator's language; --json stays protocol.
LANGUAGE=id w plan add 1h --price 1.50 --duration 1h
t_eq "LANGUAGE=id plan add: the Indonesian line" "$(po_str id 'plan %s added\n' | sed 's/%s/1h/; s/\\n$//')" "$OUT"
LANGUAGE=ar w voucher create --plan 1h --count 3 --json
t_eq "LANGUAGE=ar voucher create --json: JSON keys as they are" "1" "$(jq -r '.batch_id' <<<"$OUT")"
sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t wisp; }
wait_for() {
    for _ in $(seq 50); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
ar_vouchers=$(po_str ar "Vouchers")
ar_quit=$(po_str ar "quit")
ar_help=$(po_str ar "this help")
tm new-session -d -s wisp -x 120 -y 40 \
    "env TERM=xterm-256color WISP_WORKER_EMBEDDED=off LC_ALL=C.UTF-8 LANGUAGE=ar WISP_DB='$WISP_DB' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; echo wisp-exit=\$?; sleep 30"
t_ok "console in Arabic: the tab shows $ar_vouchers" wait_for "3 $ar_vouchers"
s=$(screen)
t_contains "console in Arabic: the footer's quit" "$ar_quit" "$(tail -n 1 <<<"$s")"
t_not_contains "console in Arabic: no English footer" " quit" "$(tail -n 1 <<<"$s")"
t_not_contains "console in Arabic: no English tab" "3 Vouchers" "$s"
t_contains "console in Arabic: the header's worker state" "$(po_str ar '○ no worker')" "$(head -n 1 <<<"$s")"
tm send-keys -t wisp '?'
t_ok "console in Arabic: the help box" wait_for "$ar_help"
t_not_contains "console in Arabic: no English help" "this help" "$(screen)"
tm send-keys -t wisp Escape
tm send-keys -t wisp q
t_ok "console in Arabic: q quits" wait_for "wisp-exit=0"
tm_stop

# A catalog is compiled with the source's format flags: an entry that drops
# "c-format" and asks printf for eighteen strings would crash wisp, and
# msgfmt --check alone lets it through. The build refuses it.
tree=$T/potree
mkdir -p "$tree/po"
cp "$(dirname "$0")/../../Makefile" "$tree/"
cp "$(dirname "$0")/../../po/wisp.pot" "$tree/po/"
/usr/bin/python3 - "$(dirname "$0")/../../po/ar.po" "$tree/po/ar.po" <<'PY'
import sys
s = open(sys.argv[1], encoding="utf-8").read()
# the entry of a format string, its flag dropped and its msgstr hostile
mid = 'msgid "flag --%s needs a value"'
i = s.index(mid)
flag = s.rindex("#, c-format\n", 0, i)
end = s.index("\n\n", i)
s = s[:flag] + mid + '\nmsgstr "' + "%s " * 18 + '"' + s[end:]
open(sys.argv[2], "w", encoding="utf-8").write(s)
PY
t_ok "hostile catalog: msgfmt --check alone lets it through" msgfmt --check -o /dev/null "$tree/po/ar.po"
_run make --no-print-directory -C "$tree" build/locale/ar/LC_MESSAGES/wisp.mo
t_eq "hostile catalog: the build refuses it" 2 "$_rc"
t_contains "... naming the entry" 'flag --%s needs a value' "$_out"
t_ok "... and writes no catalog" test ! -e "$tree/build/locale/ar/LC_MESSAGES/wisp.mo"
cp "$(dirname "$0")/../../po/ar.po" "$tree/po/ar.po"
_run make --no-print-directory -C "$tree" build/locale/ar/LC_MESSAGES/wisp.mo
t_eq "the shipped catalog builds through the same check" 0 "$_rc"
