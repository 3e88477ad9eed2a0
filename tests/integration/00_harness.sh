#!/usr/bin/env bash
# The harness itself: the private PostgreSQL is reached only through its
# unix socket, in this file's own database, with password logins for every
# role but the superuser; the private Redis answers on its socket and keeps
# nothing; and lib.sh's assertions pass and fail when they should.
. "$(dirname "$0")/../lib.sh"

# PostgreSQL: socket only, its settings, this file's database.
t_eq "postgres: no TCP listener" "" "$(sql "SHOW listen_addresses")"
t_eq "postgres: socket in PGHOST" "$PGHOST" "$(sql "SHOW unix_socket_directories")"
t_ok "postgres: socket file" test -S "$PGHOST/.s.PGSQL.$PGPORT"
t_fail "postgres: nothing on localhost" 2 psql -XAtqw -h 127.0.0.1 -p "$PGPORT" -c "SELECT 1"
t_ok "postgres: version 13 or later" test "$(sql "SHOW server_version_num")" -ge 130000
t_match "postgres: version string" '^PostgreSQL [0-9]+' "$(sql "SELECT version()")"
t_eq "postgres: fsync off" off "$(sql "SHOW fsync")"
t_eq "postgres: scram passwords" scram-sha-256 "$(sql "SHOW password_encryption")"
t_eq "own database" "$PGDATABASE" "$(sql "SELECT current_database()")"
t_eq "WISP_DB names it" "dbname=$PGDATABASE" "$WISP_DB"
t_eq "own database is empty" 0 "$(sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
t_eq "superuser is PGUSER" "$PGUSER|true" "$(sql "SELECT current_user || '|' || rolsuper::text FROM pg_roles WHERE rolname = current_user")"
t_contains "sql stops at an error" 'relation "nowhere" does not exist' "$(sql "SELECT * FROM nowhere" 2>&1)"

# mkrole: a LOGIN role in a group, which needs its password over the socket.
sql "CREATE ROLE harness_group NOLOGIN" >/dev/null
mkrole harness_user 'it'\''s-secret' harness_group
t_eq "mkrole: member of its group" 1 "$(sql "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member
    JOIN pg_roles g ON g.oid = m.roleid WHERE r.rolname = 'harness_user' AND g.rolname = 'harness_group'")"
t_match "mkrole: scram hash stored" '^SCRAM-SHA-256\$' "$(sql "SELECT rolpassword FROM pg_authid WHERE rolname = 'harness_user'")"
t_eq "password login" harness_user "$(PGPASSWORD="it's-secret" psql -XAtqw -U harness_user -c "SELECT current_user")"
t_fail "wrong password refused" 2 env PGPASSWORD=wrong psql -XAtqw -U harness_user -c "SELECT 1"
t_fail "no password refused" 2 psql -XAtqw -U harness_user -c "SELECT 1"
mkrole harness_user again
t_eq "mkrole: again replaces the role" harness_user "$(PGPASSWORD=again psql -XAtqw -U harness_user -c "SELECT current_user")"

# Redis: socket only, no persistence.
t_eq "redis: PING" PONG "$(redis-cli -s "$REDIS_SOCK" PING)"
t_eq "redis: WISP_REDIS" "unix://$REDIS_SOCK" "$WISP_REDIS"
t_eq "redis: no TCP port" 0 "$(redis-cli -s "$REDIS_SOCK" CONFIG GET port | tail -n 1)"
t_eq "redis: no snapshots" "" "$(redis-cli -s "$REDIS_SOCK" CONFIG GET save | tail -n 1)"
t_eq "redis: no append log" no "$(redis-cli -s "$REDIS_SOCK" CONFIG GET appendonly | tail -n 1)"
redis-cli -s "$REDIS_SOCK" SET "harness:$PGDATABASE" 42 >/dev/null
t_eq "redis: SET then GET" 42 "$(redis-cli -s "$REDIS_SOCK" GET "harness:$PGDATABASE")"

# The binary under test and the scratch directory.
t_ok "WISP is an executable" test -x "$WISP"
t_ok "T is this file's directory" test -d "$T" -a -w "$T"
t_eq "XDG config is inside T" "$T/config" "$XDG_CONFIG_HOME"
t_not_contains "no password from the caller's environment" "PGPASSWORD=" "$(env)"

# lib.sh on a stand-in wisp, recording into a private results file: each
# assertion must pass when it should and fail, with its detail, when not.
cat >"$T/fake-wisp" <<'SH'
#!/bin/sh
echo "out $*"
echo "err $*" >&2
[ "$1" != asan ] || echo "==1==ERROR: AddressSanitizer: heap-use-after-free" >&2
exit 3
SH
chmod +x "$T/fake-wisp"
self=$T/self.results
(
    WISP=$T/fake-wisp WISP_RESULTS=$self
    : >"$WISP_RESULTS"
    w one two
    t_eq "w: stdout" "out one two" "$OUT"
    t_eq "w: stderr" "err one two" "$ERR"
    t_eq "w: status" 3 "$RC"
    w asan
    t_ok "ok passes" true
    t_ok "ok fails" sh -c 'echo why; exit 1'
    t_fail "fail passes" 3 sh -c 'exit 3'
    t_fail "fail fails" 3 true
    t_eq "eq fails" "a" "b"
    t_match "match fails" '^x+$' "xyx"
    t_contains "contains fails" "needle" "hay"
    t_not_contains "not_contains fails" "hay" "haystack"
    t_eq "eq trims" "$(printf 'x%.0s' $(seq 300))" "y"
    mkrole "bad role" pw no_such_group
)
t_eq "lib: w and passing assertions recorded" \
    "pass w: stdout|pass w: stderr|pass w: status|pass ok passes|pass fail passes" \
    "$(grep '^pass ' "$self" | paste -sd '|')"
t_eq "lib: failing assertions recorded" \
    "sanitizer clean: wisp asan|ok fails|fail fails|eq fails|match fails|contains fails|not_contains fails|eq trims|mkrole bad role" \
    "$(grep '^fail ' "$self" | cut -f1 | sed 's/^fail //' | paste -sd '|')"
t_eq "lib: eq detail" "expected [a] got [b]" "$(grep '^fail eq fails' "$self" | cut -f2)"
t_eq "lib: t_fail detail" "expected exit 3, got 0: true -> " "$(grep '^fail fail fails' "$self" | cut -f2)"
t_contains "lib: t_ok detail has the output" "exit 1: sh -c echo why; exit 1 -> why" "$(grep '^fail ok fails' "$self" | cut -f2)"
t_contains "lib: mkrole detail has the error" 'role "no_such_group" does not exist' "$(grep '^fail mkrole' "$self" | cut -f2)"
t_match "lib: long values trimmed" '^expected \[x{200}\.\.\.\] got \[y\]$' "$(grep '^fail eq trims' "$self" | cut -f2)"
t_eq "lib: one line per result" 14 "$(wc -l <"$self")"

# run.sh leaves nothing running: a file that leaves a process behind, even in
# a session of its own, fails, and the process is ended; a file that cleans
# up after itself does not. (A run of its own, on stand-in files.)
mkdir -p "$T/h/integration"
cp "$(dirname "$0")/../lib.sh" "$T/h/lib.sh"
cat >"$T/h/integration/10_leaves.sh" <<'SH'
. "$(dirname "$0")/../lib.sh"
t_ok "ran" true
setsid sh -c 'echo $$ >"$LEFT_PID"; exec sleep 300' </dev/null >/dev/null 2>&1 &
for _ in $(seq 50); do [ -s "$LEFT_PID" ] && break; sleep 0.1; done
SH
cat >"$T/h/integration/20_clean.sh" <<'SH'
. "$(dirname "$0")/../lib.sh"
setsid sleep 300 </dev/null >/dev/null 2>&1 &
kill $!
t_ok "ran" true
SH
LEFT_PID=$T/left.pid WISP_SKIP_ASAN=1 WISP_TEST_DIR=$T/h/integration WISP_TEST_UNITS=$T/h/none WISP_TEST_FUZZ=$T/h/none \
    WISP_TEST_BIN=$WISP _run bash tests/run.sh
t_eq "run.sh: a file that leaves a process fails the run" 1 "$_rc"
t_contains "run.sh: the file fails, naming the process" "FAIL 10_leaves (left running)" "$_out"
t_contains "run.sh: with its command line" "sleep 300" "$_out"
t_not_contains "run.sh: a clean file passes" "FAIL 20_clean" "$_out"
t_contains "run.sh: and the rest is counted" "2 passed, 1 failed" "$_out"
. tests/tools/services.sh
t_fail "run.sh: the process left was ended" 1 services_alive "$(cat "$T/left.pid")"
