#!/usr/bin/env bash
# Operators and roles: PostgreSQL itself enforces who may do what, through
# wisp and through psql alike.
. "$(dirname "$0")/../lib.sh"
# Roles are cluster-wide: start from none of ours, whatever ran before.
sql "DROP ROLE IF EXISTS boss, cashier, watcher, mole, clerk, typist" >/dev/null
w db migrate
w plan add 1h --price 1 --duration 1h
w voucher create --plan 1h --count 10

w operator add boss --role admin --password-stdin <<<'boss-pw'
t_eq "add admin" 0 "$RC"
w operator add cashier --role operator --password-stdin <<<'cash-pw'
t_eq "add operator" 0 "$RC"
w operator add watcher --role viewer --password-stdin <<<'look-pw'
t_eq "add viewer" 0 "$RC"
w operator add clerk --role king --password-stdin <<<'x'
t_eq "bad role" 2 "$RC"
w operator add cashier --role operator --password-stdin <<<'x'
t_eq "duplicate operator" 1 "$RC"
t_contains "duplicate operator message" "already exists" "$ERR"
w operator add "Bad Name" --role operator --password-stdin <<<'x'
t_eq "bad operator name" 1 "$RC"

w operator list --json
t_eq "operator list" '[{"name":"boss","role":"admin"},{"name":"cashier","role":"operator"},{"name":"watcher","role":"viewer"}]' \
    "$(printf '%s' "$OUT" | jq -c '[.[] | select(.name | IN("boss", "cashier", "watcher")) | {name, role}]')"
t_eq "no clear password stored" 1 "$(sql "SELECT count(*) FROM pg_authid WHERE rolname='cashier' AND rolpassword LIKE 'SCRAM-SHA-256\$%'")"
t_eq "no password in the audit log" 0 "$(sql "SELECT count(*) FROM audit WHERE details::text LIKE '%cash-pw%'")"

as() { # as ROLE PASSWORD wisp-args...: run wisp logged in as ROLE
    local user=$1 pass=$2; shift 2
    PGPASSWORD=$pass WISP_DB="user=$user dbname=$PGDATABASE" w "$@"
}
aspsql() { # aspsql ROLE PASSWORD SQL: exit status of psql as ROLE
    PGPASSWORD=$2 psql -XAtq -v ON_ERROR_STOP=1 -U "$1" -c "$3" >/dev/null 2>&1; echo $?
}

code=$(sql "SELECT code FROM vouchers WHERE serial=1")
code2=$(sql "SELECT code FROM vouchers WHERE serial=2")

# Viewer reads, writes nothing.
as watcher look-pw voucher list --json
t_eq "viewer can list" 10 "$(printf '%s' "$OUT" | jq length)"
as watcher look-pw voucher sell "$code"
t_eq "viewer cannot sell" 1 "$RC"
t_contains "refusal is PostgreSQL's" "permission denied" "$ERR"
as watcher look-pw voucher create --plan 1h --count 5
t_eq "viewer cannot create" 1 "$RC"
t_eq "viewer psql insert refused" 1 "$(aspsql watcher look-pw "INSERT INTO plans (name, price) VALUES ('x', 1)")"
t_eq "viewer psql update refused" 1 "$(aspsql watcher look-pw "UPDATE vouchers SET status='sold'")"

# Operator creates, sells, disables and prints; no plans, no operators.
as cashier cash-pw voucher sell "$code"
t_eq "operator can sell" 0 "$RC"
t_eq "sale records the operator" cashier "$(sql "SELECT sold_by FROM vouchers WHERE code='$code'")"
t_eq "audit records the operator" cashier "$(sql "SELECT who FROM audit WHERE action='voucher.sell' ORDER BY id DESC LIMIT 1")"
as cashier cash-pw voucher create --plan 1h --count 5
t_eq "operator can create" 0 "$RC"
as cashier cash-pw voucher disable "$code2"
t_eq "operator can disable" 0 "$RC"
as cashier cash-pw voucher print --batch 1 -o "$T/sheet.txt"
t_eq "operator can print" 0 "$RC"
as cashier cash-pw plan add cheap --price 0
t_eq "operator cannot add plans" 1 "$RC"
t_contains "operator plan refusal" "permission denied" "$ERR"
t_eq "operator psql price change refused" 1 "$(aspsql cashier cash-pw "UPDATE plans SET price=0")"
t_eq "operator psql cannot forge a sale price" 1 "$(aspsql cashier cash-pw "UPDATE vouchers SET price=0 WHERE code='$code'")"
t_eq "operator psql cannot forge audit" 1 "$(aspsql cashier cash-pw "DELETE FROM audit")"
as cashier cash-pw operator add mole --role admin --password-stdin <<<'x'
t_eq "operator cannot add operators" 1 "$RC"
t_eq "operator psql cannot insert audit rows" 1 "$(aspsql cashier cash-pw "INSERT INTO audit (who, action) VALUES ('boss', 'x')")"

# Userpass passwords: viewers never, operators through the audited reveal.
w voucher create --plan 1h --count 2 --mode userpass --charset digits --length 6
up=$(sql "SELECT code FROM vouchers v JOIN batches b ON b.id = v.batch_id WHERE b.mode = 'userpass' ORDER BY v.serial LIMIT 1")
uppw=$(sql "SELECT password FROM vouchers WHERE code = '$up'")
as watcher look-pw voucher show "$up"
t_eq "viewer sees a userpass voucher" 0 "$RC"
t_not_contains "viewer is not shown its password" "$uppw" "$OUT"
t_contains "show says how to reveal" "--reveal" "$OUT"
as watcher look-pw voucher show "$up" --reveal
t_eq "viewer cannot reveal" 1 "$RC"
t_contains "viewer reveal refused by PostgreSQL" "permission denied" "$ERR"
t_eq "viewer psql cannot read passwords" 1 "$(aspsql watcher look-pw "SELECT password FROM vouchers")"
t_eq "operator psql cannot read passwords" 1 "$(aspsql cashier cash-pw "SELECT password FROM vouchers")"
as cashier cash-pw voucher list --batch "$(sql "SELECT batch_id FROM vouchers WHERE code = '$up'")" --json
t_eq "operator lists without userpass passwords" "null" "$(printf '%s' "$OUT" | jq -c '[.[].password] | unique | .[0]')"
as cashier cash-pw voucher show "$up" --reveal
t_eq "operator reveals" 0 "$RC"
t_contains "revealed password shown" "$uppw" "$OUT"
t_eq "reveal audited as the operator" "cashier voucher.reveal" \
    "$(sql "SELECT who || ' ' || action FROM audit ORDER BY id DESC LIMIT 1")"

# A sale stays as sold: disable/enable gives it back sold, by its seller;
# only an admin's audited correction changes its price.
as cashier cash-pw voucher disable "$code"
as cashier cash-pw voucher enable "$code"
t_eq "a disabled sold voucher comes back sold" "sold cashier 1.00" \
    "$(sql "SELECT status || ' ' || sold_by || ' ' || price FROM vouchers WHERE code = '$code'")"
as cashier cash-pw voucher correct "$code" --price 0 --reason refund
t_eq "operator cannot correct a sale" 1 "$RC"
as boss boss-pw voucher correct "$code" --price 0
t_eq "a correction needs a reason" 2 "$RC"
as boss boss-pw voucher correct "$code" --price 0 --reason "refund: no signal"
t_eq "admin corrects a sale" 0 "$RC"
t_eq "correction: new price, same seller" "0.00 cashier" "$(sql "SELECT price || ' ' || sold_by FROM vouchers WHERE code = '$code'")"
t_eq "correction audited" '{"code": "'"$code"'", "price": 0.00, "reason": "refund: no signal", "sold_by": "cashier", "price_before": 1.00}' \
    "$(sql "SELECT details FROM audit WHERE action = 'voucher.correct' AND who = 'boss'")"
as boss boss-pw voucher correct "$code2" --price 0 --reason x
t_eq "only a sale can be corrected" 1 "$RC"

# Admin does everything.
as boss boss-pw plan add premium --price 9 --duration 1d
t_eq "admin can add plans" 0 "$RC"
as boss boss-pw operator passwd cashier --password-stdin <<<'new-pw'
t_eq "admin can change passwords" 0 "$RC"
as cashier cash-pw plan list
t_eq "old password no longer works" 1 "$RC"
as cashier new-pw plan list
t_eq "new password works" 0 "$RC"
as watcher look-pw operator passwd watcher --password-stdin <<<'mine'
t_eq "anyone can change their own password" 0 "$RC"
t_eq "own password change audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action='operator.passwd' AND who='watcher'")"
as watcher mine operator passwd boss --password-stdin <<<'evil'
t_eq "viewer cannot change others' passwords" 1 "$RC"
as boss boss-pw operator remove boss
t_eq "cannot remove yourself" 1 "$RC"
as boss boss-pw operator remove watcher
t_eq "admin removes an operator" 0 "$RC"
t_eq "role dropped" 0 "$(sql "SELECT count(*) FROM pg_roles WHERE rolname='watcher'")"
as boss boss-pw operator remove "$PGUSER"
t_eq "cannot remove a non-operator role" 1 "$RC"

# A wrong password is a clear one-line error.
as boss wrong plan list
t_eq "wrong password exits 1" 1 "$RC"
t_contains "wrong password message" "password authentication failed" "$ERR"
t_not_contains "wrong password not echoed" "wrong" "$(printf '%s' "$ERR" | sed 's/password authentication failed//')"

# On a terminal the password is asked twice and never echoed (tmux as the terminal).
sock=$T/tmux.sock
tmux -S "$sock" new-session -d -x 100 -y 20 "env WISP_DB='$WISP_DB' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' '$WISP' operator add typist --role viewer; echo done-\$?; sleep 30"
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q 'password for the new operator' && break; sleep 0.1; done
tmux -S "$sock" send-keys 'tty-secret-1' Enter
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q 'again' && break; sleep 0.1; done
tmux -S "$sock" send-keys 'tty-secret-1' Enter
for _ in $(seq 50); do tmux -S "$sock" capture-pane -p | grep -q 'done-' && break; sleep 0.1; done
pane=$(tmux -S "$sock" capture-pane -p)
tmux -S "$sock" kill-server
t_contains "terminal password prompt" "password for the new operator" "$pane"
t_contains "operator added from the terminal" "done-0" "$pane"
t_not_contains "password not echoed" "tty-secret-1" "$pane"
t_eq "typed password works" 0 "$(aspsql typist tty-secret-1 "SELECT 1")"

# The console's voucher detail draws no QR without a userpass password (the
# console reads no password column): it says how to reveal it.
console_start 120 40 || _fail "console starts" "no tabs"
ctm() { tmux -S "$T/tmux.sock" "$@"; }
cwait() { for _ in $(seq 50); do ctm capture-pane -p -t wisp | grep -qF -- "$1" && return 0; sleep 0.1; done; return 1; }
ub=$(sql "SELECT batch_id FROM vouchers WHERE code = '$up'")
ctm send-keys -t wisp 3
cwait "batch 1:" >/dev/null
ctm send-keys -t wisp g Enter # the newest batch, the userpass one, is on top
t_ok "console: the userpass batch opens" cwait "batch $ub:"
ctm send-keys -t wisp g Enter
t_ok "console: a userpass voucher's detail says how to reveal" cwait "its QR holds its password"
t_not_contains "console: no password on screen" "$uppw" "$(ctm capture-pane -p -t wisp)"
ctm kill-server 2>/dev/null
