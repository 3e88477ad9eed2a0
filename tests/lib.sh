# lib.sh - assertions for the integration tests (bash). Each
# tests/integration/*.sh sources it; tests/run.sh runs the file with:
#   WISP          the binary under test (bin/wisp or bin/wisp-asan)
#   WISP_RESULTS  the file assertions append "pass NAME" / "fail NAME<TAB>detail" to
#   T             a scratch directory of this file's own
#   PGHOST PGPORT PGUSER (the superuser) PGDATABASE WISP_DB  this file's own database
#   WISP_REDIS REDIS_SOCK  the private Redis
# A failed assertion is recorded with its detail and the file goes on; the
# file's exit status only matters when non-zero (an error in the test itself).
#
#   w ARGS...                 run wisp: stdout in OUT, stderr in ERR, status in RC
#   w_as ROLE PASSWORD ARGS...  the same, logged in as ROLE
#   sql "SELECT ..."          psql as the superuser on this file's database
#   mkrole NAME PASSWORD [GROUP]  a fresh LOGIN role (dropped first if it exists)
#   t_ok NAME CMD...          CMD exits 0
#   t_fail NAME STATUS CMD... CMD exits STATUS
#   t_eq NAME EXPECTED ACTUAL     equal strings
#   t_match NAME REGEX TEXT       a line of TEXT matches REGEX (grep -E)
#   t_contains NAME NEEDLE HAYSTACK / t_not_contains NAME NEEDLE HAYSTACK
#   console_start W H [VAR=VALUE...]  the console in tmux (socket $T/tmux.sock,
#                             session wisp, no embedded worker), once its tabs show

: "${WISP:?run through tests/run.sh}" "${WISP_RESULTS:?run through tests/run.sh}"
T=${T:-$(mktemp -d)}
export XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state

# _cut TEXT: TEXT on one line, at most 200 characters.
_cut() {
    local s=${1//[$'\n\t']/ }
    [ "${#s}" -le 200 ] || s="${s:0:200}..."
    printf '%s' "$s"
}
_pass() { printf 'pass %s\n' "$1" >>"$WISP_RESULTS"; }
_fail() { printf 'fail %s\t%s\n' "$1" "$2" >>"$WISP_RESULTS"; }

# _run CMD...: run CMD, its status in _rc and its output (both streams) in _out.
_run() {
    local f
    f=$(mktemp "$T/run.XXXXXX")
    "$@" >"$f" 2>&1
    _rc=$?
    _out=$(cat "$f")
    rm -f "$f"
}

w() {
    local o e
    o=$(mktemp "$T/out.XXXXXX") e=$(mktemp "$T/err.XXXXXX")
    "$WISP" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    # A sanitizer report is a failure of its own, whatever the exit status.
    if grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' <<<"$ERR"; then
        _fail "sanitizer clean: wisp $*" "$(_cut "$ERR")"
    fi
    return 0
}

w_as() {
    local role=$1 pass=$2
    shift 2
    PGPASSWORD=$pass WISP_DB="dbname=$PGDATABASE user=$role" w "$@"
}

sql() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

# Roles are cluster-wide, so an earlier file or pass may have left NAME.
mkrole() {
    local name=$1 pw=$2 group=${3:-}
    _run psql -XAtq -v ON_ERROR_STOP=1 -v name="$name" -v pw="$pw" -v grp="$group" -f - <<'SQL'
DROP ROLE IF EXISTS :"name";
SELECT CASE WHEN :'grp' = '' THEN '' ELSE 'IN ROLE ' || quote_ident(:'grp') END AS in_role \gset
CREATE ROLE :"name" LOGIN PASSWORD :'pw' :in_role;
SQL
    [ "$_rc" -eq 0 ] || { _fail "mkrole $name" "$(_cut "$_out")"; return 1; }
}

t_ok() {
    local name=$1
    shift
    _run "$@"
    if [ "$_rc" -eq 0 ]; then
        _pass "$name"
    else
        _fail "$name" "exit $_rc: $(_cut "$*") -> $(_cut "$_out")"
    fi
}
t_fail() {
    local name=$1 want=$2
    shift 2
    _run "$@"
    if [ "$_rc" -eq "$want" ]; then
        _pass "$name"
    else
        _fail "$name" "expected exit $want, got $_rc: $(_cut "$*") -> $(_cut "$_out")"
    fi
}
t_eq() {
    if [ "$2" = "$3" ]; then _pass "$1"; else _fail "$1" "expected [$(_cut "$2")] got [$(_cut "$3")]"; fi
}
t_match() {
    if grep -Eq -- "$2" <<<"$3"; then _pass "$1"; else _fail "$1" "no match for /$2/ in [$(_cut "$3")]"; fi
}
t_contains() {
    if [[ "$3" == *"$2"* ]]; then _pass "$1"; else _fail "$1" "[$(_cut "$2")] not in [$(_cut "$3")]"; fi
}
t_not_contains() {
    if [[ "$3" != *"$2"* ]]; then _pass "$1"; else _fail "$1" "[$(_cut "$2")] found in [$(_cut "$3")]"; fi
}
console_start() {
    local w=$1 h=$2
    shift 2
    tmux -S "$T/tmux.sock" new-session -d -s wisp -x "$w" -y "$h" \
        "env TERM=xterm-256color WISP_WORKER_EMBEDDED=off $* WISP_DB='$WISP_DB' WISP_REDIS='$WISP_REDIS' PGHOST='$PGHOST' PGPORT='$PGPORT' PGUSER='$PGUSER' XDG_CONFIG_HOME='$XDG_CONFIG_HOME' XDG_STATE_HOME='$XDG_STATE_HOME' '$WISP'; sleep 30"
    for _ in $(seq 50); do
        tmux -S "$T/tmux.sock" capture-pane -p -t wisp | grep -q '3 Vouchers' && return 0
        sleep 0.1
    done
    return 1
}

# tm_stop: end the console tests' tmux server (on $T/tmux.sock) and wait
# until it is gone. A console told q leaves first (up to 5 s), so tmux's
# hang-up is not sent into the middle of its exit.
tm_stop() {
    local tm_sock=$T/tmux.sock
    for _ in $(seq 50); do
        case "$(tmux -S "$tm_sock" display -p -t wisp '#{pane_current_command}' 2>/dev/null)" in
        wisp | wisp-asan) sleep 0.1 ;;
        *) break ;;
        esac
    done
    tmux -S "$tm_sock" kill-server 2>/dev/null
    for _ in $(seq 30); do tmux -S "$tm_sock" has-session 2>/dev/null || break; sleep 0.1; done
    sleep 0.2
}
