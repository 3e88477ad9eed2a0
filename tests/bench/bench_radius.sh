#!/usr/bin/env bash
# bench_radius.sh - issue 16: Access-Requests and accounting packets per
# second through the real FreeRADIUS (threaded, -f) with wisp's queries
# (`wisp radius config`) against the same FreeRADIUS with its stock SQL
# schema and queries (Debian's mods-config/sql/main/postgresql/schema.sql
# and queries.conf, copied at run time) in another database of the same
# PostgreSQL. Both get the same virtual server (wisp's: chap, sql, pap;
# session sql; Message-Authenticator), the same USERS users with the same
# check and reply attributes (Cleartext-Password, Simultaneous-Use; rate,
# Session-Timeout, total limit and gigawords, interim, idle), and the same
# load: CLIENTS radclients at once, each -p PAR in flight, each over its
# own file of CHAP Access-Requests (every user once per run). Accounting:
# a Start, an Interim-Update and a Stop for ACCT sessions, the same way.
# Medians of RUNS runs. Target: wisp at least 1,000 authentications/s.
# Run by tests/bench/run.sh (private PostgreSQL, PGDATABASE/WISP_DB set).
set -euo pipefail
cd "$(dirname "$0")/../.."
WISP=${WISP:-bin/wisp}
RUNS=${RUNS:-5}
USERS=${USERS:-10000}
CLIENTS=${CLIENTS:-2}
PAR=${PAR:-32}
ACCT=${ACCT:-3000}
STOCK=/etc/freeradius/3.0/mods-config/sql/main/postgresql
. tests/tools/radius.sh
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }
dir=$(mktemp -d /tmp/wisp-bench-radius.XXXXXX)
chmod 755 "$dir"
trap 'radius_stop; rm -rf "$dir"' EXIT INT TERM
[ -r "$STOCK/schema.sql" ] && [ -r "$STOCK/queries.conf" ] ||
    { echo "bench: radius: $STOCK not readable (freeradius-config installed?)" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
[ "$PORT" -lt 65000 ] || PORT=31812
SECRET=bench-nas-secret-0123
DBPW=bench-fr-pw
printf '%s\n' "$SECRET" >"$dir/nas.secret"
printf '%s\n' "$DBPW" >"$dir/db.secret"
chmod 600 "$dir/nas.secret" "$dir/db.secret"

# --- wisp's side -------------------------------------------------------------
"$WISP" plan add rb --price 1 --duration 1h --data 1000G --rate 1M/2M --validity 1d --shared-users 1 >/dev/null
"$WISP" voucher create --plan rb --count "$USERS" >/dev/null
echo pw | "$WISP" router add nas1 --host 127.0.0.1 --user admin --driver routeros --password-stdin \
    --accept-new-hostkey >/dev/null
"$WISP" radius client nas1 --secret-file "$dir/nas.secret" >/dev/null
psql -XAtq -c "DROP ROLE IF EXISTS fr_bench" -c "CREATE ROLE fr_bench LOGIN PASSWORD '$DBPW' IN ROLE wisp_radius"
"$WISP" radius config --dir "$dir/wisp" --db-user fr_bench --secret-file "$dir/db.secret" \
    --listen "127.0.0.1:$PORT" --interim 5m --idle 10m >/dev/null
psql -XAtq -c "\copy (SELECT code FROM vouchers ORDER BY id) TO '$dir/users'"

# --- the stock side: its schema in a database of its own, the same users -----
stockdb=${PGDATABASE}_stock
createdb "$stockdb"
psql -XAtq -d "$stockdb" -f "$STOCK/schema.sql" >/dev/null
psql -XAtq -d "$stockdb" <<SQL >/dev/null
DROP ROLE IF EXISTS fr_stock;
CREATE ROLE fr_stock LOGIN PASSWORD '$DBPW';
GRANT SELECT ON radcheck, radreply, radusergroup, radgroupcheck, radgroupreply, nas TO fr_stock;
GRANT SELECT, INSERT, UPDATE ON radacct, radpostauth, nasreload TO fr_stock;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO fr_stock;
CREATE TEMP TABLE u (code text);
\copy u FROM '$dir/users'
INSERT INTO radcheck (username, attribute, op, value)
  SELECT code, 'Cleartext-Password', ':=', code FROM u
  UNION ALL SELECT code, 'Simultaneous-Use', ':=', '1' FROM u;
INSERT INTO radreply (username, attribute, op, value)
  SELECT code, a, ':=', v FROM u, (VALUES ('Mikrotik-Rate-Limit', '1M/2M'), ('Session-Timeout', '3600'),
    ('Mikrotik-Total-Limit', '0'), ('Mikrotik-Total-Limit-Gigawords', '250'),
    ('Acct-Interim-Interval', '300'), ('Idle-Timeout', '600')) AS r (a, v);
ANALYZE;
SQL
cp -r "$dir/wisp" "$dir/stock"
# wisp's password file (db.pass, libpq's format) names fr_bench: the stock
# role logs in with the same password through a line of its own
printf '*:*:*:fr_stock:%s\n' "$DBPW" >>"$dir/wisp/db.pass"
mkdir -p "$dir/stock/mods-config/sql/main/postgresql"
cp "$STOCK/queries.conf" "$dir/stock/mods-config/sql/main/postgresql/queries.conf"
# the stock module: wisp's connection (another database and role) and pool,
# the stock tables and queries, the stock defaults otherwise
{
    printf 'sql {\n\tdialect = "postgresql"\n\tdriver = "rlm_sql_postgresql"\n'
    # (the connection string is quoted twice: libpq's '...' inside FreeRADIUS's '...')
    python3 - "$dir/wisp/mods-available/sql" "$PGDATABASE" "$stockdb" <<'PY'
import sys
q = "\\'"  # a backslash and a quote
for line in open(sys.argv[1]):
    if line.startswith("\tradius_db = "):
        line = line.replace("dbname=" + q + sys.argv[2] + q, "dbname=" + q + sys.argv[3] + q)
        print(line.replace("user=" + q + "fr_bench" + q, "user=" + q + "fr_stock" + q), end="")
PY
    sed -n '/^\tpassword = /p' "$dir/wisp/mods-available/sql"
    sed -n '/^\tpool {/,/^\t}/p' "$dir/wisp/mods-available/sql"
    printf '\tacct_table1 = "radacct"\n\tacct_table2 = "radacct"\n\tpostauth_table = "radpostauth"\n'
    printf '\tauthcheck_table = "radcheck"\n\tauthreply_table = "radreply"\n'
    printf '\tgroupcheck_table = "radgroupcheck"\n\tgroupreply_table = "radgroupreply"\n'
    printf '\tusergroup_table = "radusergroup"\n\tclient_table = "nas"\n\tgroup_attribute = "SQL-Group"\n'
    printf '\tdelete_stale_sessions = no\n'
    printf '\t$INCLUDE ${modconfdir}/${.:name}/main/${dialect}/queries.conf\n}\n'
} >"$dir/stock/mods-available/sql"

# auth_files K: CLIENTS files of CHAP Access-Requests, every user once.
auth_files() {
    local k
    for k in $(seq 0 $((CLIENTS - 1))); do
        awk -v k="$k" -v c="$CLIENTS" 'NR % c == k {
            printf "User-Name = \"%s\", CHAP-Password = \"%s\", Calling-Station-Id = \"02:00:%02X:%02X:%02X:%02X\", NAS-IP-Address = 127.0.0.1, Message-Authenticator = 0x00\n\n",
                $1, $1, int(NR / 16777216) % 256, int(NR / 65536) % 256, int(NR / 256) % 256, NR % 256 }' \
            "$dir/users" >"$dir/auth.$k"
    done
}

# acct_files RUN TYPE: CLIENTS files of accounting packets of TYPE for ACCT sessions.
acct_files() {
    local run=$1 type=$2 k
    for k in $(seq 0 $((CLIENTS - 1))); do
        head -n "$ACCT" "$dir/users" | awk -v k="$k" -v c="$CLIENTS" -v r="$run" -v t="$type" 'NR % c == k {
            extra = (t == "Start") ? "" : ", Acct-Session-Time = 60, Acct-Input-Octets = 1000, Acct-Output-Octets = 2000, Acct-Output-Gigawords = 1"
            printf "Acct-Status-Type = %s, User-Name = \"%s\", Acct-Session-Id = \"%02d%06X\", NAS-IP-Address = 127.0.0.1, Calling-Station-Id = \"02:00:00:%02X:%02X:%02X\", Framed-IP-Address = 10.5.%d.%d%s\n\n",
                t, $1, r, NR, int(NR / 65536) % 256, int(NR / 256) % 256, NR % 256, int(NR / 256) % 256, NR % 256, extra }' \
            >"$dir/acct.$k"
    done
}

# blast KIND EXPECT: the files through CLIENTS radclients at once; packets/s
# on stdout, or exit when one was lost or refused.
blast() {
    local kind=$1 expect=$2 t0 t1 k got port=$PORT pids=()
    [ "$kind" = auth ] || port=$((PORT + 1))
    t0=$(now)
    for k in $(seq 0 $((CLIENTS - 1))); do
        radclient -q -s -p "$PAR" -r 3 -t 5 -f "$dir/$kind.$k" "127.0.0.1:$port" "$kind" "$SECRET" \
            >"$dir/out.$k" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" || true # (not FreeRADIUS, also a child of this shell)
    t1=$(now)
    got=$(cat "$dir"/out.* | awk '/Accepted/ {s += $3} END {print s + 0}')
    if [ "$got" != "$expect" ]; then
        echo "bench: radius: $got of $expect $kind packets answered; radclient said:" >&2
        grep -h -v '^$' "$dir"/out.* | tail -n 8 >&2
        exit 1
    fi
    rm -f "$dir"/out.*
    echo "$expect / ($t1 - $t0)" | bc -l
}

auth_files
for side in wisp stock; do
    radius_start "$dir/$side" "$dir/$side.log" || exit 1
    blast auth "$USERS" >/dev/null # warm up: connections, caches
    : >"$dir/$side.auth"
    : >"$dir/$side.acct"
    for run in $(seq "$RUNS"); do
        blast auth "$USERS" >>"$dir/$side.auth"
        t=0
        for type in Start Interim-Update Stop; do
            acct_files "$run" "$type"
            t=$(echo "$t + $ACCT / $(blast acct "$ACCT")" | bc -l)
        done
        echo "3 * $ACCT / $t" | bc -l >>"$dir/$side.acct"
    done
    radius_stop
done
if [ "$(psql -XAtq -c "SELECT count(*) FROM sessions WHERE state = 'closed'")" -lt "$ACCT" ]; then
    echo "bench: radius: wisp's accounting left no closed sessions" >&2
    exit 1
fi
wa=$(median <"$dir/wisp.auth") sa=$(median <"$dir/stock.auth")
wc=$(median <"$dir/wisp.acct") sc=$(median <"$dir/stock.acct")
printf 'bench: radius auth (CHAP, %d users, %d radclients -p %d): median %.0f/s (wisp) vs %.0f/s (stock schema), ratio %.2f (target wisp >= 1000/s)\n' \
    "$USERS" "$CLIENTS" "$PAR" "$wa" "$sa" "$(echo "$wa / $sa" | bc -l)"
printf 'bench: radius accounting (Start, Interim-Update, Stop x %d sessions): median %.0f packets/s (wisp) vs %.0f/s (stock schema), ratio %.2f\n' \
    "$ACCT" "$wc" "$sc" "$(echo "$wc / $sc" | bc -l)"
printf 'bench: radius runs: wisp auth/s %s; stock auth/s %s\n' "$(tr '\n' ' ' <"$dir/wisp.auth" | xargs printf '%.0f ')" \
    "$(tr '\n' ' ' <"$dir/stock.auth" | xargs printf '%.0f ')"
