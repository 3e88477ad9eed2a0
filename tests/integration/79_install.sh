#!/usr/bin/env bash
# make install / uninstall with PREFIX and DESTDIR, the installed binary
# finding its themes and catalogs from where it is, the bash completion,
# and the Debian package (make deb): its contents, lintian, and its binary
# run from the unpacked package.
. "$(dirname "$0")/../lib.sh"
cd "$(dirname "$0")/../.." || exit 1
src=$(pwd)
sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t wisp; }
wait_for() {
    for _ in $(seq 50); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
trap 'tm_stop' EXIT

w db migrate
w plan add 1h --price 1 --duration 1h
w plan add week-pass --price 9 --duration 1w

# --- make install into a DESTDIR, PREFIX given only to make install (the
# build was made for /usr/local: the binary must find its data anyway).
dest=$T/stage prefix=/opt/wisp-test
_run make --no-print-directory install DESTDIR="$dest" PREFIX="$prefix"
t_eq "make install exits 0" 0 "$_rc"
inst=$dest$prefix
for f in bin/wisp share/man/man1/wisp.1 share/wisp/themes/dark.json share/doc/wisp/schema.md \
    share/wisp/templates/large.json share/wisp/templates/ticket.json lib/systemd/system/wisp-worker.service \
    share/locale/ar/LC_MESSAGES/wisp.mo share/locale/id/LC_MESSAGES/wisp.mo \
    share/bash-completion/completions/wisp; do
    t_ok "installed: $f" test -f "$inst/$f"
done
t_eq "installed binary runs" "wisp 0.1.0" "$("$inst/bin/wisp" --version 2>&1)"

# The catalogs come from PREFIX/share/locale beside the binary, not the tree.
ar_help=$(cd / && LANGUAGE=ar "$inst/bin/wisp" --help 2>&1)
t_contains "installed binary finds the Arabic catalog" "الأوامر:" "$ar_help"
mv "$inst/share/locale" "$inst/share/locale.away"
t_not_contains "... and only there (moved away: English)" "الأوامر:" \
    "$(cd / && LANGUAGE=ar "$inst/bin/wisp" --help 2>&1)"
mv "$inst/share/locale.away" "$inst/share/locale"

# The templates too: the installed binary lists the shipped ones and prints
# a sheet with one (its logo read from the installed folder).
t_match "installed binary lists the installed templates" "large" \
    "$(cd / && "$inst/bin/wisp" template list 2>&1)"
mv "$inst/share/wisp/templates" "$inst/share/wisp/templates.away"
t_not_contains "... and only those (moved away: none)" "large" \
    "$(cd / && "$inst/bin/wisp" template list 2>&1)"
mv "$inst/share/wisp/templates.away" "$inst/share/wisp/templates"
# PREFIX/templates beside an installed binary (/usr/templates) is no place of
# wisp's: the installed folder is read first.
mkdir -p "$inst/templates" && cp "$inst/share/wisp/templates/large.json" "$inst/templates/planted.json"
cp "$inst/share/wisp/templates/large.json" "$inst/templates/large.json"
list=$(cd / && "$inst/bin/wisp" template list 2>&1)
t_not_contains "an installed binary ignores PREFIX/templates" "planted" "$list"
t_contains "... and reads share/wisp/templates" "/share/wisp/templates/large.json" "$list"
rm -rf "$inst/templates"
t_match "the installed unit runs the installed binary" "^ExecStart=$prefix/bin/wisp " \
    "$(cat "$inst/lib/systemd/system/wisp-worker.service")"

# The man page names the installed documents, which exist.
docs=$(grep -o "$prefix/share/doc/wisp/[a-z0-9_]*\.md" "$inst/share/man/man1/wisp.1" | sort -u)
t_match "man page points at the installed docs" "schema\.md" "$docs"
missing=
for d in $docs; do [ -f "$dest$d" ] || missing="$missing $d"; done
t_eq "every document the man page names is installed" "" "$missing"
t_not_contains "man page has no source-tree paths left" "docs/schema.md" \
    "$(cat "$inst/share/man/man1/wisp.1")"
t_ok "man page renders" bash -c "MANWIDTH=80 man -l '$inst/share/man/man1/wisp.1' 2>&1 | grep -q 'hotspot'"

# The installed console finds the installed themes (a theme switch says so).
run_console() { # run_console BINARY: the console of BINARY in tmux
    tm kill-server 2>/dev/null
    tm new-session -d -s wisp -x 100 -y 30 \
        "env TERM=xterm-256color WISP_WORKER_EMBEDDED=off WISP_DB='$WISP_DB' WISP_REDIS='$WISP_REDIS' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$1'; sleep 30"
    wait_for "3 Vouchers"
}
(cd / && run_console "$inst/bin/wisp")
tm send-keys -t wisp ':' 'theme dark' Enter
t_ok "installed console: :theme dark applies" wait_for "theme dark"
t_not_contains "installed console: no theme not found" "not found" "$(screen)"
tm send-keys -t wisp q
tm_stop
mv "$inst/share/wisp/themes" "$inst/share/wisp/themes.away"
(cd / && run_console "$inst/bin/wisp")
tm send-keys -t wisp ':' 'theme dark' Enter
t_ok "... and without the installed themes it says so" wait_for 'theme "dark" not found'
tm send-keys -t wisp q
tm_stop
mv "$inst/share/wisp/themes.away" "$inst/share/wisp/themes"

# Bash completion, as bash runs it: commands, flags, and plan names from the
# database; the installed script calls the binary it completes for.
complete_line() { # complete_line LINE: what bash offers at the end of LINE
    bash -c '. "$1"; read -ra COMP_WORDS <<<"$2"; [ "${2: -1}" != " " ] || COMP_WORDS+=("");
             COMP_LINE=$2 COMP_POINT=${#2} COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _wisp;
             [ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' \
        _ "$inst/share/bash-completion/completions/wisp" "$1"
}
t_ok "completion registers for wisp" bash -c ". '$inst/share/bash-completion/completions/wisp'; complete -p wisp | grep -q _wisp"
t_eq "completion: command words" "print " "$(complete_line "$inst/bin/wisp voucher pr")"
t_eq "completion: a command's flags" "--format " "$(complete_line "$inst/bin/wisp voucher print --fo")"
t_eq "completion: plan names from the database" "1h week-pass " \
    "$(complete_line "$inst/bin/wisp voucher create --plan ")"
t_eq "completion: console-only commands are not offered" "" \
    "$(complete_line "$inst/bin/wisp them")"
t_eq "completion: no database, still the commands" "voucher " \
    "$(WISP_DB='host=/nonexistent dbname=x' complete_line "$inst/bin/wisp vou")"

# make uninstall leaves nothing of wisp's.
_run make --no-print-directory uninstall DESTDIR="$dest" PREFIX="$prefix"
t_eq "make uninstall exits 0" 0 "$_rc"
t_eq "make uninstall removes every file" "" "$(find "$dest" -type f)"

# --- The Debian package.
_run make --no-print-directory deb
t_eq "make deb exits 0" 0 "$_rc"
deb=$(ls "$src"/build/wisp_0.1.0_*.deb 2>/dev/null | head -1)
t_ok "make deb writes build/wisp_VERSION_ARCH.deb" test -f "$deb"
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for f in ./usr/bin/wisp ./usr/share/man/man1/wisp.1.gz ./usr/share/bash-completion/completions/wisp \
    ./lib/systemd/system/wisp-worker.service ./lib/systemd/system/wisp-backup.service \
    ./lib/systemd/system/wisp-backup.timer ./usr/share/wisp/templates/large.json \
    ./usr/share/wisp/themes/dark.json ./usr/share/locale/ar/LC_MESSAGES/wisp.mo \
    ./usr/share/doc/wisp/schema.md ./usr/share/doc/wisp/copyright; do
    t_match "package holds $f" "^${f//./\\.}\$" "$contents"
done
# the units' users, the backup's apart from the worker's (docs/deploy.md)
postinst=$(dpkg-deb -I "$deb" postinst)
t_contains "the package's postinst makes user wisp" "--gecos \"wisp worker\" wisp >" "$postinst"
t_contains "... and user wisp-backup, home /var/lib/wisp-backup" \
    "--home /var/lib/wisp-backup" "$postinst"
t_match "the packaged backup unit runs as wisp-backup" "^User=wisp-backup$" \
    "$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./lib/systemd/system/wisp-backup.service)"
info=$(dpkg-deb -f "$deb" Depends)
t_match "package depends on the linked libraries (shlibs)" "libpq5" "$info"
t_match "... and on pg_dump's package" "postgresql-client" "$info"
_run lintian --fail-on error,warning "$deb"
t_eq "lintian: no errors or warnings" 0 "$_rc"
t_not_contains "lintian prints no E: or W:" "E: wisp" "$_out"
unpacked=$T/unpacked
dpkg-deb -x "$deb" "$unpacked"
t_eq "the packaged binary runs" "wisp 0.1.0" "$("$unpacked/usr/bin/wisp" --version 2>&1)"
t_contains "the packaged binary finds its catalogs" "الأوامر:" \
    "$(cd / && LANGUAGE=ar "$unpacked/usr/bin/wisp" --help 2>&1)"
t_match "the packaged worker unit runs /usr/bin/wisp" "^ExecStart=/usr/bin/wisp " \
    "$(cat "$unpacked/lib/systemd/system/wisp-worker.service")"
t_ok "the packaged man page renders" bash -c "zcat '$unpacked/usr/share/man/man1/wisp.1.gz' | MANWIDTH=80 man -l - 2>&1 | grep -q hotspot"
