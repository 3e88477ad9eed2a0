# lib.sh - assertions for the integration tests (bash). Sourced by each
# tests/integration/*.sh, which tests/run.sh runs with:
#   WISP          the binary under test
#   WISP_RESULTS  a file to append "pass NAME" / "fail NAME<TAB>detail" lines to
#   PGHOST PGPORT PGUSER PGDATABASE WISP_DB WISP_REDIS  the private servers
# and T, a scratch directory of this file's own.
# A failed assertion is recorded and the file goes on.

: "${WISP:?run through tests/run.sh}" "${WISP_RESULTS:?run through tests/run.sh}"
T=${T:-$(mktemp -d)}
export XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state

_pass() { printf 'pass %s\n' "$1" >>"$WISP_RESULTS"; }
_fail() { printf 'fail %s\t%s\n' "$1" "$(printf '%s' "$2" | tr '\n\t' '  ' | cut -c1-400)" >>"$WISP_RESULTS"; }

# w ARGS...: run wisp; stdout in OUT, stderr in ERR, exit status in RC.
w() {
    local o e
    o=$(mktemp "$T/out.XXXXXX") e=$(mktemp "$T/err.XXXXXX")
    "$WISP" "$@" >"$o" 2>"$e"
    RC=$?
    OUT=$(cat "$o") ERR=$(cat "$e")
    rm -f "$o" "$e"
    # A sanitizer report is a failure of its own, whatever the exit status.
    if grep -q -e 'ERROR: AddressSanitizer' -e 'runtime error:' -e 'ERROR: LeakSanitizer' <<<"$ERR"; then
        _fail "sanitizer clean: wisp $*" "$ERR"
    fi
    return 0
}

# sql QUERY: one psql query as the superuser on this file's database.
sql() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

t_ok() { # t_ok NAME CMD...
    local name=$1; shift
    if "$@" >/dev/null 2>&1; then _pass "$name"; else _fail "$name" "command failed: $*"; fi
}
t_fail() { # t_fail NAME STATUS CMD...
    local name=$1 want=$2 rc; shift 2
    "$@" >/dev/null 2>&1; rc=$?
    if [ "$rc" -eq "$want" ]; then _pass "$name"; else _fail "$name" "expected exit $want, got $rc: $*"; fi
}
t_eq() { # t_eq NAME EXPECTED ACTUAL
    if [ "$2" == "$3" ]; then _pass "$1"; else _fail "$1" "expected [$2] got [$3]"; fi
}
t_match() { # t_match NAME REGEX TEXT (extended regex, any line)
    if grep -Eq -- "$2" <<<"$3"; then _pass "$1"; else _fail "$1" "no match for /$2/ in [$3]"; fi
}
t_contains() { # t_contains NAME NEEDLE HAYSTACK
    if [[ "$3" == *"$2"* ]]; then _pass "$1"; else _fail "$1" "[$2] not in [$3]"; fi
}
t_not_contains() { # t_not_contains NAME NEEDLE HAYSTACK
    if [[ "$3" != *"$2"* ]]; then _pass "$1"; else _fail "$1" "[$2] found in [$3]"; fi
}
