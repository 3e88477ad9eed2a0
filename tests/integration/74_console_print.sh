#!/usr/bin/env bash
# The console's print dialog (issue 14): its format defaults to auto, the
# CLI's rule (a .pdf file, PDF on A4/Letter), not text; it offers the
# templates by name, "plan's" (the plan's template, else the built-in)
# first; a plan's title prints in any script. Through tmux, read back with
# pdftotext.
. "$(dirname "$0")/../lib.sh"
title="يوم كامل"
mkdir -p "$XDG_CONFIG_HOME/wisp"
w db migrate
w plan add day --price 3 --duration 1d --template large --title "$title"
w voucher create --plan day --count 4

sock=$T/tmux.sock
tm() { tmux -S "$sock" "$@"; }
trap 'tm kill-server 2>/dev/null' EXIT
screen() { tm capture-pane -p -t wisp; }
wait_for() { # wait_for TEXT: until the screen shows TEXT (10 s at most)
    for _ in $(seq 100); do screen | grep -qF -- "$1" && return 0; sleep 0.1; done
    return 1
}
ptext() { pdftotext -enc UTF-8 "$1" - | sed 's/\xe2\x80[\x8e\x8f\xaa-\xae]//g' | tr -d ' '; }
to_file() { # to_file PATH: the dialog's file field (the 5th) set to PATH
    tm send-keys -t wisp Tab Tab Tab Tab C-u
    for _ in $(seq 20); do tm send-keys -t wisp BSpace; done
    tm send-keys -t wisp "$1"
}
t_ok "the console" console_start 120 40
tm send-keys -t wisp 3
t_ok "3: vouchers" wait_for "COUNT"
# (letters only: how a terminal orders a right-to-left cell is not this test's)
t_match "the batches table shows the plan's title" '^ +1 +[^ a-z]*ي' "$(screen)"
t_not_contains "not its ASCII name" " day " "$(screen | grep -E '^ +1 ')"

tm send-keys -t wisp p
t_ok "p opens the print dialog" wait_for "Print the selected batch"
t_contains "format defaults to auto (the CLI's rule), not text" "auto" "$(screen | grep -F format)"
t_contains "the file defaults to a PDF" "batch-1.pdf" "$(screen)"
t_contains "the template field: the plan's first" "plan's" "$(screen | grep -F template)"
to_file "$T/d1.pdf"
tm send-keys -t wisp Enter Enter # the file, then the template (the last field: go)
t_ok "the dialog prints" wait_for "printed 4 vouchers to $T/d1.pdf"
t_eq "a PDF by default" "%PDF-" "$(head -c 5 "$T/d1.pdf")"
t_eq "the plan's template (large): its free line" 4 "$(ptext "$T/d1.pdf" | grep -c "WiFi:wisp-hotspot")"
t_eq "the plan's title on every card" 4 "$(ptext "$T/d1.pdf" | grep -c "$(tr -d ' ' <<<"$title")")"
tm send-keys -t wisp Escape

tm send-keys -t wisp p
t_ok "p again" wait_for "Print the selected batch"
to_file "$T/d2.pdf"
tm send-keys -t wisp Tab Right # template: plan's -> default
t_ok "the templates by name" wait_for "default"
tm send-keys -t wisp Enter
t_ok "printed with the chosen template" wait_for "printed 4 vouchers to $T/d2.pdf"
t_eq "the chosen template (default) over the plan's: no free line" 0 "$(ptext "$T/d2.pdf" | grep -c "WiFi")"
t_eq "still a PDF" "%PDF-" "$(head -c 5 "$T/d2.pdf")"
t_eq "both prints recorded as pdf" "pdf pdf" "$(sql "SELECT string_agg(details->>'format', ' ') FROM audit WHERE action = 'batch.print'")"
tm send-keys -t wisp Escape q
tm_stop
