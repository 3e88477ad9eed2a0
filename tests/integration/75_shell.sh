#!/usr/bin/env bash
# wisp shell: the console's command line as a plain prompt, for scripts.
. "$(dirname "$0")/../lib.sh"
w db migrate
w plan add 1h --price 1

w shell <<<$'plan list --json\nvoucher create --plan 1h --count 3 --json\nplan frob\n"open\nbatch list --json\nexit\nplan list'
t_eq "shell from a pipe exits 1 when a command failed" 1 "$RC"
t_contains "shell says how many failed" "2 of 5 commands failed" "$ERR"
t_eq "shell runs commands, --json works" '{"batch_id":1,"count":3}' "$(printf '%s' "$OUT" | jq -cs '.[1]')"
t_eq "shell keeps one session going" 3 "$(printf '%s' "$OUT" | jq -s '.[2][0].new')"
t_contains "shell reports a bad command and goes on" "unknown plan command frob" "$ERR"
t_contains "shell reports a bad quote" "unterminated" "$ERR"
t_eq "exit ends the shell" 3 "$(printf '%s' "$OUT" | jq -s 'length')"
t_not_contains "no prompt in a script's output" "wisp>" "$OUT"
w shell <<<$'plan list --json\nbatch list --json'
t_eq "shell from a pipe exits 0 when every command worked" 0 "$RC"
w shell <<<$'plan list --json\nvoucher create --plan 1h --count " 5"\nplan list --json'
t_eq "shell from a pipe: a failure in the middle still counts" 1 "$RC"
t_eq "shell: the next commands still ran" 2 "$(printf '%s' "$OUT" | jq -s 'length')"

# Where a command may run: `theme` is the console's own (its `:` line), so the
# shell and the command line refuse it in one line, and the shell goes on.
w shell <<<$'theme dark\nvoucher disable --batch 1 --json'
t_eq "shell: theme refused, the script fails" 1 "$RC"
t_eq "shell: theme refused in one line" "wisp: \`theme\` runs only on the console's \`:\` line" \
    "$(grep -v 'commands failed' <<<"$ERR")"
t_eq "shell: an action's result with --json" '{"batch_id":1,"count":3,"disabled":true}' "$(jq -c . <<<"$OUT")"
w theme dark
t_eq "wisp theme: usage status" 2 "$RC"
t_eq "wisp theme: one line, no usage" "wisp: \`theme\` runs only on the console's \`:\` line" "$ERR"

# On a terminal: a prompt, completion and history.
sock=$T/tmux.sock
tmux -S "$sock" new-session -d -x 100 -y 20 "env WISP_DB='$WISP_DB' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP' shell; echo shell-exit=\$?; sleep 30"
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q 'wisp>' && break; sleep 0.1; done
tmux -S "$sock" send-keys 'batch li' Tab Enter
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q 'COUNT' && break; sleep 0.1; done
t_contains "shell prompt and completion" "wisp> batch list" "$(tmux -S "$sock" capture-pane -p)"
w router add kiosk-east --host 127.0.0.1 --user x --key /dev/null --driver routeros --accept-new-hostkey
tmux -S "$sock" send-keys 'voucher create --pl' Tab '1' Tab '--rou' Tab 'kio' Tab
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q -- '--router kiosk-east' && break; sleep 0.1; done
t_contains "shell completes plan and router names from the database" \
    "wisp> voucher create --plan 1h --router kiosk-east" "$(tmux -S "$sock" capture-pane -p)"
tmux -S "$sock" send-keys C-u
tmux -S "$sock" send-keys 'exit' Enter
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q 'shell-exit' && break; sleep 0.1; done
tmux -S "$sock" kill-server
t_contains "shell history written" "batch list" "$(cat "$XDG_STATE_HOME/wisp/history")"
