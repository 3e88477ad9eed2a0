#!/usr/bin/env bash
# The systemd units `make install` puts under PREFIX/lib/systemd/system:
# made for the PREFIX given (ExecStart names PREFIX/bin/wisp), passing
# `systemd-analyze verify` with nothing printed (against a binary and man
# page installed in a scratch PREFIX: verify checks that ExecStart's binary
# exists and that Documentation= resolves; what it says of other units on the
# machine is not theirs), a low offline security exposure,
# and the sysusers.d file making users wisp (the worker) and wisp-backup
# (the backup, apart: the worker reaches neither its role nor its dumps). This machine has no systemd as
# PID 1, so the units are not started here; what their sandbox forbids is
# checked on a real `wisp worker --once` against a simulated router instead:
# every system call it makes (strace -f) is in the unit's SystemCallFilter,
# every socket family in RestrictAddressFamilies, and it works with
# write-and-execute memory refused by the kernel (PR_SET_MDWE, the rule
# MemoryDenyWriteExecute= enforces). DESTDIR installs and uninstalls them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../tools/sim.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
chmod 755 "$T"
sim_init "$T/sim" || { _fail "simulator set up" "sim_init failed"; exit 1; }
trap sim_stop EXIT
PFX=$T/prefix
UNITDIR=$PFX/lib/systemd/system

# --- installed for a PREFIX -----------------------------------------------------------
make -s -C "$ROOT" install PREFIX="$PFX" UNITS_OUT="$T/units" >"$T/make.log" 2>&1
t_eq "make install PREFIX=scratch: exit 0" 0 "$?"
for u in wisp-worker.service wisp-backup.service wisp-backup.timer; do
    t_ok "$u installed" test -f "$UNITDIR/$u"
done
t_ok "the sysusers.d file installed" test -f "$PFX/lib/sysusers.d/wisp.conf"
t_eq "the worker's ExecStart names the binary at PREFIX" \
    "ExecStart=$PFX/bin/wisp --config /etc/wisp/config.json worker" \
    "$(grep '^ExecStart=' "$UNITDIR/wisp-worker.service")"
t_eq "the backup runs create, then prune 7/4/12" \
    "ExecStart=$PFX/bin/wisp --config /etc/wisp/backup.json backup create
ExecStart=$PFX/bin/wisp --config /etc/wisp/backup.json backup prune --keep-daily 7 --keep-weekly 4 --keep-monthly 12" \
    "$(grep '^ExecStart=' "$UNITDIR/wisp-backup.service")"
t_eq "no placeholder left" "" "$(grep -l '@[A-Z]*@' "$UNITDIR"/wisp-* 2>/dev/null)"
W=$(grep -h -E '^(Type|User|WatchdogSec|Restart|StateDirectory|ConfigurationDirectory|ProtectSystem|MemoryDenyWriteExecute|CapabilityBoundingSet|SystemCallFilter)=' "$UNITDIR/wisp-worker.service" | tr '\n' ' ')
t_eq "the worker's unit: notify, its user, the sandbox" \
    "Type=notify Restart=on-failure WatchdogSec=60s User=wisp StateDirectory=wisp ConfigurationDirectory=wisp ProtectSystem=strict MemoryDenyWriteExecute=yes CapabilityBoundingSet= SystemCallFilter=@system-service SystemCallFilter=~@privileged @resources " "$W"
B=$(grep -h -E '^(Type|User|Group|StateDirectory|StateDirectoryMode|ConfigurationDirectory|WorkingDirectory|ProtectSystem|MemoryDenyWriteExecute)=' "$UNITDIR/wisp-backup.service" | tr '\n' ' ')
t_eq "the backup's unit: its own user and state directory, private, the sandbox" \
    "Type=oneshot User=wisp-backup Group=wisp-backup StateDirectory=wisp-backup StateDirectoryMode=0700 ConfigurationDirectory=wisp WorkingDirectory=/var/lib/wisp-backup ProtectSystem=strict MemoryDenyWriteExecute=yes " "$B"
t_eq "the timer: daily, caught up, spread" "OnCalendar=*-*-* 03:00:00 RandomizedDelaySec=30min Persistent=true " \
    "$(grep -E '^(OnCalendar|RandomizedDelaySec|Persistent)=' "$UNITDIR/wisp-backup.timer" | tr '\n' ' ')"

# --- systemd-analyze -----------------------------------------------------------------
verify() { (cd "$1" && MANPATH=$PFX/share/man systemd-analyze verify "${@:2}" 2>&1); }
out=$(verify "$UNITDIR" ./wisp-worker.service ./wisp-backup.service ./wisp-backup.timer)
rc=$?
t_eq "systemd-analyze verify: exit 0" 0 "$rc"
# other units on this machine may be loaded beside them (as dependencies)
# and warned about: only what is said about wisp's own counts
t_eq "systemd-analyze verify: nothing printed about wisp's units" "" "$(grep -E 'wisp-(worker|backup)' <<<"$out")"
[ -z "$out" ] || printf 'note: systemd-analyze verify said of other units: %s\n' "$out" >&2
# it does check: the same unit with a binary that is not there fails
mkdir -p "$T/bad"
sed "s|^ExecStart=$PFX/bin/wisp|ExecStart=$T/nowhere/wisp|" "$UNITDIR/wisp-worker.service" >"$T/bad/wisp-worker.service"
out=$(verify "$T/bad" ./wisp-worker.service)
t_ok "verify fails for a unit whose binary is missing (control)" test $? -ne 0
t_contains "and says why" "nowhere/wisp" "$out"
for u in wisp-worker.service wisp-backup.service; do
    x=$(cd "$UNITDIR" && MANPATH=$PFX/share/man systemd-analyze security --offline=true "./$u" 2>/dev/null |
        sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
    t_ok "$u: offline security exposure at most 2.0 (${x:-none})" awk -v x="${x:-99}" 'BEGIN { exit !(x <= 2.0) }'
    printf 'figure %s exposure %s\n' "$u" "${x:-none}" >&2
done
sysusers=$(mkdir -p "$T/sysroot" && systemd-sysusers --dry-run --root="$T/sysroot" "$PFX/lib/sysusers.d/wisp.conf" 2>&1)
t_contains "sysusers.d: makes user wisp (the worker)" "Creating user 'wisp' (wisp hotspot worker)" "$sysusers"
t_contains "sysusers.d: makes user wisp-backup (the backup), a user of its own" \
    "Creating user 'wisp-backup' (wisp backups)" "$sysusers"
t_eq "sysusers.d: the worker's home and the backup's apart" \
    "u wisp /var/lib/wisp u wisp-backup /var/lib/wisp-backup " \
    "$(awk '/^u / { printf "%s %s %s ", $1, $2, $NF }' "$PFX/lib/sysusers.d/wisp.conf")"
t_eq "the two units run as different users" "User=wisp User=wisp-backup" \
    "$(grep -h '^User=' "$UNITDIR/wisp-worker.service" "$UNITDIR/wisp-backup.service" | tr '\n' ' ' | sed 's/ $//')"

# --- the sandbox, on a real worker ------------------------------------------------------
sim_router r1 routeros --identity units-1
P=$(sim_ports 1)
sim_sshd a "$P=r1"
w db migrate
w plan add 1h --price 5 --duration 1h
# a name, not an address: resolving it is part of what the sandbox must allow
w router add r1 --host localhost --port "$P" --user wispsim --key "$SIM_KEY" --driver routeros \
    --hostkey "$(cat "$SIM_DIR/a.fp")"
w voucher create --plan 1h --count 5 --router r1
WISP_BIN=$PFX/bin/wisp
# the units' filter: @system-service, without @privileged and @resources
allowed=$(systemd-analyze syscall-filter 2>/dev/null | /usr/bin/python3 -c '
import sys
groups, cur = {}, None
for line in sys.stdin:
    s = line.strip()
    if not line.startswith(" ") and s.startswith("@"):
        cur = groups.setdefault(s, [])
    elif cur is not None and s and not s.startswith("#"):
        cur.append(s)
def expand(g, seen):
    out = set()
    for m in groups.get(g, []):
        if m.startswith("@"):
            if m not in seen:
                seen.add(m)
                out |= expand(m, seen)
        else:
            out.add(m)
    return out
print("\n".join(sorted(expand("@system-service", set()) - expand("@privileged", set()) - expand("@resources", set()))))
')
t_ok "the filter's list was read ($(wc -w <<<"$allowed") calls)" test "$(wc -w <<<"$allowed")" -gt 100

# sandboxed NAME CMD...: CMD under strace -f; its system calls within the
# filter and its socket families within RestrictAddressFamilies
sandboxed() {
    local name=$1 used outside fams
    shift
    strace -f -qq -o "$T/strace.$name" "$@" >/dev/null 2>"$T/strace.$name.log"
    t_eq "$name under strace: exit 0" 0 "$?"
    used=$(sed -nE 's/^[0-9]+ +([a-z0-9_]+)\(.*/\1/p' "$T/strace.$name" | sort -u)
    t_ok "$name: strace saw its calls ($(wc -w <<<"$used") distinct)" test "$(wc -w <<<"$used")" -gt 20
    outside=$(comm -23 <(tr ' ' '\n' <<<"$used" | sort -u) <(sort -u <<<"$allowed") | tr '\n' ' ')
    t_eq "$name: every system call within SystemCallFilter=@system-service ~@privileged @resources" "" "$outside"
    fams=$(grep -oE 'socket\(AF_[A-Z0-9]+' "$T/strace.$name" | sed 's/socket(//' | sort -u | tr '\n' ' ')
    t_eq "$name: socket families within RestrictAddressFamilies (seen: $fams)" "" \
        "$(tr ' ' '\n' <<<"$fams" | grep -vxE 'AF_UNIX|AF_INET|AF_INET6|' | tr '\n' ' ')"
    printf 'figure %s: %s distinct system calls, socket families %s\n' "$name" "$(wc -w <<<"$used")" "$fams" >&2
}
sandboxed worker "$WISP_BIN" worker --once
t_eq "the vouchers reached the router meanwhile" 5 "$(sim_admin r1 users | jq length)"
# what wisp-backup.service runs beneath `wisp backup create`
sandboxed pg_dump pg_dump -Fc -f "$T/db.dump" "$PGDATABASE"

# write-and-execute memory refused by the kernel (PR_SET_MDWE, inherited across exec)
mdwe() {
    /usr/bin/python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:  # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit("PR_SET_MDWE: errno %d" % ctypes.get_errno())
os.execv(sys.argv[1], sys.argv[1:])
' "$@"
}
w voucher create --plan 1h --count 3 --router r1
mdwe "$WISP_BIN" worker --once >/dev/null 2>"$T/mdwe.log"
t_eq "with W^X memory refused by the kernel: the worker's cycle ran" 0 "$?"
t_eq "with W^X memory refused: the new vouchers reached the router" 8 "$(sim_admin r1 users | jq length)"
mdwe "$(command -v pg_dump)" -Fc -f "$T/db2.dump" "$PGDATABASE" 2>"$T/mdwe2.log"
t_eq "with W^X memory refused: pg_dump runs" 0 "$?"
t_eq "the refusal is real (a W+X mapping fails under it)" "refused" "$(mdwe /usr/bin/python3 -c '
import mmap
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    print("allowed")
except OSError:
    print("refused")')"

# --- DESTDIR ------------------------------------------------------------------------------
make -s -C "$ROOT" install DESTDIR="$T/dest" PREFIX=/usr UNITS_OUT="$T/units-usr" >"$T/make2.log" 2>&1
t_eq "make install DESTDIR= PREFIX=/usr: exit 0" 0 "$?"
t_eq "under DESTDIR, the unit names /usr/bin/wisp" "ExecStart=/usr/bin/wisp --config /etc/wisp/config.json worker" \
    "$(grep '^ExecStart=' "$T/dest/usr/lib/systemd/system/wisp-worker.service" 2>/dev/null)"
make -s -C "$ROOT" uninstall DESTDIR="$T/dest" PREFIX=/usr >>"$T/make2.log" 2>&1
t_eq "make uninstall removes the units and the sysusers file" "" \
    "$(find "$T/dest/usr/lib/systemd" "$T/dest/usr/lib/sysusers.d" -type f 2>/dev/null)"
