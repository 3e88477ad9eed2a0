#!/usr/bin/env bash
# bench_console.sh - the console's targets (issue 3), on a database holding a
# 100,000-voucher batch, the console in a 200x60 tmux:
#   idle CPU            < 1 % of a core (CPU time over 10 s of doing nothing)
#   full redraw         < 5 ms (Ctrl-L frames, drawing plus writing to the tty)
#   key to screen       < 50 ms (key read to the frame it caused on the tty)
#   resident memory     < 30 MB (VmRSS after scrolling through the batch)
# Frame times come from the console's own WISP_FRAME_LOG. Run by tests/bench/run.sh
# with the private servers up and WISP_DB set.
set -euo pipefail
WISP=${WISP:-bin/wisp}
dir=$(mktemp -d /tmp/wisp-bench-console.XXXXXX)
sock=$dir/tmux.sock
trap 'tmux -S "$sock" kill-server 2>/dev/null || true; rm -rf "$dir"' EXIT

"$WISP" plan add console --price 1 >/dev/null 2>&1 || true
"$WISP" voucher create --plan console --count 100000 >/dev/null
tmux -S "$sock" new-session -d -s b -x 200 -y 60 \
    "env TERM=xterm-256color WISP_WORKER_EMBEDDED=off WISP_FRAME_LOG=$dir/frames WISP_DB='$WISP_DB' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' WISP_REDIS='${WISP_REDIS:-}' XDG_STATE_HOME=$dir XDG_CONFIG_HOME=$dir '$WISP'"
for _ in $(seq 100); do tmux -S "$sock" capture-pane -p -t b | grep -q '100000' && break; sleep 0.1; done
pid=$(tmux -S "$sock" list-panes -t b -F '#{pane_pid}')
for _ in $(seq 20); do [ "$(cat /proc/$pid/comm)" = wisp ] && break; pid=$(pgrep -P "$pid" | head -1); done

cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
sleep 2
c0=$(cpu); sleep 10; c1=$(cpu)
hz=$(getconf CLK_TCK)
idle=$(echo "($c1 - $c0) / $hz / 10 * 100" | bc -l)

# Select the 100,000 batch (the newest, so first), open it, scroll.
: >"$dir/frames"
tmux -S "$sock" send-keys -t b g Enter
sleep 0.5
for _ in $(seq 40); do tmux -S "$sock" send-keys -t b j; sleep 0.05; done
for _ in $(seq 20); do tmux -S "$sock" send-keys -t b NPage; sleep 0.08; done
tmux -S "$sock" send-keys -t b G; sleep 0.3
tmux -S "$sock" send-keys -t b g; sleep 0.3
grep -v ' key -1$' "$dir/frames" | awk '{print $4}' >"$dir/keys"
: >"$dir/frames"
for _ in $(seq 30); do tmux -S "$sock" send-keys -t b C-l; sleep 0.05; done
sleep 0.3
grep -v ' key -1$' "$dir/frames" | awk '{print $2}' >"$dir/redraws"
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
tmux -S "$sock" send-keys -t b q

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
printf 'bench: console idle CPU: %.2f %% of a core over 10 s (target < 1 %%)\n' "$idle"
printf 'bench: console full redraw 200x60, 100000-voucher batch: median %.2f ms over %d frames (target < 5 ms)\n' \
    "$(median <"$dir/redraws" | awk '{print $1/1000}')" "$(wc -l <"$dir/redraws")"
printf 'bench: console key to screen: median %.2f ms, max %.2f ms over %d keys (target < 50 ms)\n' \
    "$(median <"$dir/keys" | awk '{print $1/1000}')" "$(sort -g "$dir/keys" | tail -1 | awk '{print $1/1000}')" "$(wc -l <"$dir/keys")"
printf 'bench: console resident memory: %.1f MB (target < 30 MB)\n' "$(echo "$rss / 1024" | bc -l)"
