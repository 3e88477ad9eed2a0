#!/usr/bin/env bash
# Notifications (migration 020, docs/notifications.md) against a local SMTP
# receiver (tests/tools/smtp_receiver.py) and a local HTTP receiver, both on
# loopback: the customer gets the PIN and the login link by email and by an
# SMS-like HTTP channel in the shop's language; a Telegram-shaped JSON body
# stays JSON with hostile text; owner alerts; a 4xx is final, a 5xx retried;
# the daily summary once across restarts; the token never in a record or a
# log; the PIN in no message row; a cashier refused.
. "$(dirname "$0")/../lib.sh"
freeport() { for p in $(seq "$1" $(($1 + 200))); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
SMTP_PORT=$(freeport 19300)
HTTP_PORT=$(freeport 19600)
/usr/bin/python3 tests/tools/smtp_receiver.py --port "$SMTP_PORT" --log "$T/mail.log" --seconds 240 &
SMTP=$!
# it echoes what it is sent, as some SMS providers do: the PIN comes back
/usr/bin/python3 tests/tools/http_receiver.py --port "$HTTP_PORT" --log "$T/http.log" --echo &
HTTP=$!
TOKEN=tok-$RANDOM$RANDOM$RANDOM
printf '{"error": "bad token %s"}' "$TOKEN" >"$T/echo" # a provider that echoes the token back
P503=$(freeport $((HTTP_PORT + 1)))
/usr/bin/python3 tests/tools/http_receiver.py --port "$P503" --log "$T/h503.log" --status 503 --reply-file "$T/echo" &
H503=$!
P404=$(freeport $((P503 + 1)))
/usr/bin/python3 tests/tools/http_receiver.py --port "$P404" --log "$T/h404.log" --status 404 &
H404=$!
PSLOW=$(freeport $((P404 + 1)))
/usr/bin/python3 tests/tools/http_receiver.py --port "$PSLOW" --log "$T/slow.log" --delay 0.02 &
HSLOW=$!
S550=$(freeport $((SMTP_PORT + 1)))
/usr/bin/python3 tests/tools/smtp_receiver.py --port "$S550" --log "$T/m550.log" --reply 550 --seconds 240 &
M550=$!
S451=$(freeport $((S550 + 1)))
/usr/bin/python3 tests/tools/smtp_receiver.py --port "$S451" --log "$T/m451.log" --reply 451 --seconds 240 &
M451=$!
W=
trap 'kill $SMTP $HTTP $H503 $H404 $HSLOW $M550 $M451 $W 2>/dev/null' EXIT
for p in "$HTTP_PORT" "$P503" "$P404" "$PSLOW"; do
    for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && break; sleep 0.1; done
done
for f in mail m550 m451; do
    for _ in $(seq 50); do [ -e "$T/$f.log.ready" ] && break; sleep 0.1; done
done

# The shop speaks Arabic: a catalog of our own for two of the messages (the
# real ones come from po/ at the merge), found through WISP_LOCALEDIR.
mkdir -p "$T/locale/ar/LC_MESSAGES"
cat >"$T/ar.po" <<'PO'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "Your code for %s: %s"
msgstr "رمزك لـ %s: %s"

msgid "Log in: %s"
msgstr "الدخول: %s"
PO
msgfmt -o "$T/locale/ar/LC_MESSAGES/wisp.mo" "$T/ar.po"
export WISP_LOCALEDIR=$T/locale
mkdir -p "$XDG_CONFIG_HOME/wisp"
echo '{"shop": {"name": "Net Corner", "language": "ar"}, "notify": {"summary_hour": 0, "token_dir": "'"$T/tok"'"},
       "webhooks": {"backoff": "1s", "max_wait": "2s", "attempts": 3}}' \
    >"$XDG_CONFIG_HOME/wisp/config.json"

mkdir "$T/tok"
printf '%s\n' "$TOKEN" >"$T/tok/token"
chmod 600 "$T/tok/token"
w db migrate
t_eq "migrates" 0 "$RC"
# the shop's time zone (the daily summary's days) is the database's
sql "DO \$\$ BEGIN EXECUTE format('ALTER DATABASE %I SET TimeZone = %L', current_database(),
     'Asia/Karachi'); END \$\$" >/dev/null
export TZ=UTC

w notify channel add mail --kind smtp --spec "{\"url\": \"smtp://127.0.0.1:$SMTP_PORT\", \"from\": \"shop@example.com\"}"
t_eq "an smtp channel" 0 "$RC"
w notify channel add sms --kind http --spec "{\"url\": \"http://127.0.0.1:$HTTP_PORT/sms?to={to}\",
  \"headers\": {\"Authorization\": \"Bearer {token}\"}, \"body\": \"to={to}&text={text}\",
  \"body_type\": \"form\", \"token_file\": \"$T/tok/token\"}"
t_eq "an SMS-like http channel" 0 "$RC"
w notify channel add tg --kind http --spec "{\"url\": \"http://127.0.0.1:$HTTP_PORT/bot{token}/sendMessage\",
  \"body\": \"{\\\"chat_id\\\": \\\"{to}\\\", \\\"text\\\": \\\"{text}\\\"}\", \"token_file\": \"$T/tok/token\", \"link\": false}"
t_eq "a Telegram-shaped channel" 0 "$RC"
w notify channel add bad --kind http --spec "{\"url\": \"http://x/\", \"token\": \"$TOKEN\"}"
t_eq "a token in the config itself: usage error" 2 "$RC"
t_contains "... saying where a token goes" "token_file" "$ERR"
w notify channel add bad2 --kind ftp --spec '{}'
t_eq "an unknown kind: usage error" 2 "$RC"

# Token files only inside notify.token_dir ($T/tok here): not another file the
# worker may read, not through "..", not through a symbolic link.
mkdir -p "$T/elsewhere"
printf 'not-a-token\n' >"$T/elsewhere/key"
chmod 600 "$T/elsewhere/key"
w notify channel add leak --kind http --spec "{\"url\": \"http://127.0.0.1:$HTTP_PORT/leak?k={token}\", \"token_file\": \"$T/elsewhere/key\"}"
t_eq "a token file outside notify.token_dir: refused at add (usage)" 2 "$RC"
t_contains "... naming the directory" "notify.token_dir" "$ERR"
w notify channel add leak --kind http --spec "{\"url\": \"http://127.0.0.1:$HTTP_PORT/leak?k={token}\", \"token_file\": \"sub/../../x\"}"
t_eq "... and through \"..\"" 2 "$RC"
ln -s "$T/elsewhere/key" "$T/tok/link-key"
sql "SELECT wisp_notify_channel_add('leak', 'http', jsonb_build_object('url',
         'http://127.0.0.1:$HTTP_PORT/leak?k={token}', 'token_file', '$T/elsewhere/key'));
     SELECT wisp_notify_channel_add('leak2', 'http', jsonb_build_object('url',
         'http://127.0.0.1:$HTTP_PORT/leak?k={token}', 'token_file', 'link-key'))" >/dev/null
w notify test leak --to x
t_eq "a channel added behind wisp's back: refused at send" 1 "$RC"
t_contains "... not in the token directory" "not in" "$ERR"
w notify test leak2 --to x
t_eq "a symbolic link in the token directory: refused at send" 1 "$RC"
t_eq "... nothing left for the receiver" 0 "$(grep -c leak "$T/http.log" || true)"
sql "SELECT wisp_notify_channel_remove('leak'); SELECT wisp_notify_channel_remove('leak2')" >/dev/null
w notify channel list
t_contains "channel list names the token file" "$T/tok/token" "$OUT"
t_not_contains "... never the token" "$TOKEN" "$OUT"

# notify test: one message now, one line.
w notify test mail --to owner@example.com
t_eq "notify test: exit 0" 0 "$RC"
t_match "notify test: one line saying it was sent" '^sent on mail to owner@example.com in [0-9]+ ms' "$OUT"
t_eq "notify test: the receiver has it" 1 "$(wc -l <"$T/mail.log")"
w notify test mail
t_eq "notify test without --to: usage" 2 "$RC"
w notify test nosuch --to x@example.com
t_eq "notify test on no channel: runtime error" 1 "$RC"
w notify test mail --to 'x@example.com>
RCPT TO:<evil@example.com'
t_eq "a recipient with a line break is refused" 1 "$RC"
t_eq "... and nothing reached the receiver" 1 "$(wc -l <"$T/mail.log")"

w doctor
t_match "doctor: nothing failed yet" "ok +notifications +nothing failed or waiting" "$OUT"

# Rules.
w notify rule add --event order.completed --channel mail --to customer
t_eq "rule: the customer by email" 0 "$RC"
w notify rule add --event order.completed --channel sms --to customer
w notify rule add --event router.down --channel tg --to 424242 \
    --template $'Router {router} "down"\n\\ {error} — عطل'
w notify rule add --event stock.low --channel tg --to 424242
w notify rule add --event order.failed --channel mail --to owner@example.com
w notify rule add --event sales.daily --channel mail --to owner@example.com
w notify rule add --event router.down --channel mail --to customer
t_eq "customer on a router's event: usage" 2 "$RC"
w notify rule add --event nonsense --channel mail --to owner@example.com
t_eq "an unknown event: usage" 2 "$RC"
w notify rule add --event stock.low --channel mail --to owner@example.com --template 'code {code}'
t_eq "{code} outside order.completed: refused" 1 "$RC"
t_contains "... saying only order.completed has it" "only order.completed" "$ERR"
w notify rule list --json
t_eq "six rules" 6 "$(jq length <<<"$OUT")"

# A cashier may list, never change or resend.
mkrole nt_cash cash-pw wisp_operator
w_as nt_cash cash-pw notify rule add --event stock.low --channel tg --to 1
t_eq "a cashier may not add a rule" 1 "$RC"
t_contains "... permission denied" "permission denied" "$ERR"
t_fail "... nor through psql" 1 env PGPASSWORD=cash-pw psql -XAtq -v ON_ERROR_STOP=1 -U nt_cash \
    -c "SELECT wisp_notify_channel_add('x', 'smtp', '{}')"
t_fail "... nor read a channel's config" 1 env PGPASSWORD=cash-pw psql -XAtq -v ON_ERROR_STOP=1 \
    -U nt_cash -c "SELECT config FROM notify_channels"
w_as nt_cash cash-pw notify messages
t_eq "a cashier lists messages" 0 "$RC"
w_as nt_cash cash-pw notify channel list --json
t_eq "a cashier lists channels ..." "mail,sms,tg" "$(jq -r 'map(.name) | join(",")' <<<"$OUT")"
t_eq "... without their config" "null" "$(jq -c 'map(.config) | unique | .[0]' <<<"$OUT")"

# The events: an order from stock (completed), a router down with hostile
# text, stock running low, a failed order.
sql "SELECT wisp_plan_add('1h', 1.50, 3600, NULL, NULL, 86400, NULL, NULL, false, 4);
     SELECT wisp_batch_create('1h', 'code', 6, 'abc', '', NULL, NULL,
         ARRAY['k00001', 'k00002', 'k00003', 'k00004'], NULL);
     SELECT wisp_order_add('1h', 'ana@example.com', 'web', NULL, NULL, NULL, NULL, true, NULL);
     SELECT wisp_outbox_emit('order.failed', jsonb_build_object('order_id', 99, 'reference', NULL,
         'product', 'game-60', 'customer', 'bo@example.com', 'error', 'out of stock'))" >/dev/null
sql "SELECT wisp_outbox_emit('router.down', jsonb_build_object('router', 'r\"1', 'at', 'now',
         'error', E'timeout \"x\"\nline2 عربي'))" >/dev/null
t_eq "no message before the worker: none sent yet" 0 "$(sql "SELECT count(*) FROM notify_messages WHERE state = 'sent'")"

"$WISP" worker --interval 1 >"$T/worker.log" 2>&1 &
W=$!
for _ in $(seq 150); do
    [ "$(sql "SELECT count(*) FROM notify_messages WHERE state = 'pending'")" = 0 ] &&
        [ "$(sql "SELECT count(*) FROM notify_messages")" -ge 6 ] && break
    sleep 0.1
done
pin=$(sql "SELECT pin FROM orders WHERE customer = 'ana@example.com'")
t_match "the order completed" '^k0000[0-9]$' "$pin"

# The email to the customer: the PIN and the login link, in Arabic.
mail=$(/usr/bin/python3 - "$T/mail.log" <<'PY'
import email, json, sys
from email.header import decode_header, make_header
for line in open(sys.argv[1]):
    m = json.loads(line)
    if m["to"] == ["ana@example.com"]:
        msg = email.message_from_string(m["data"])
        print(str(make_header(decode_header(msg["Subject"]))))
        print(msg.get_payload(decode=True).decode())
PY
)
t_contains "email: the customer's PIN, in the shop's language" "رمزك لـ 1h: $pin" "$mail"
t_contains "email: the login link" "الدخول: http://hotspot.lan/login?username=$pin&password=$pin" "$mail"
t_contains "email: the subject names the shop" "Net Corner" "$mail"

# The SMS: form-encoded, the token only in its header.
sms=$(jq -r 'select(.path | startswith("/sms")) | .body' "$T/http.log")
t_contains "sms: to, percent-encoded" "to=ana%40example.com" "$sms"
t_contains "sms: the PIN in the text" "%20$pin" "$sms"
t_eq "sms: the token as its bearer" "Bearer $TOKEN" \
    "$(jq -r 'select(.path | startswith("/sms")) | .headers.Authorization' "$T/http.log")"

# Telegram: valid JSON, the hostile text exactly.
tg=$(jq -c 'select(.path | endswith("/sendMessage")) | .body | fromjson' "$T/http.log" 2>&1)
t_eq "telegram: the token in the URL path" "/bot$TOKEN/sendMessage" \
    "$(jq -r 'select(.path | endswith("/sendMessage")) | .path' "$T/http.log" | head -1)"
want=$(jq -c -n --arg t "$(printf 'Router r"1 "down"\n\\ timeout "x"\nline2 عربي — عطل')" '{chat_id: "424242", text: $t}')
t_contains "telegram: quotes, newlines, backslash and Arabic arrive as JSON, exactly" "$want" "$tg"
t_contains "telegram: stock.low reached the owner" "running low" "$tg"
owner=$(jq -r 'select(.to == ["owner@example.com"]) | .data' "$T/mail.log")
t_match "owner: the failed order and the daily summary by email" '.' "$owner"
t_eq "owner: an order.failed and a sales.daily message sent" "order.failed|sent sales.daily|sent" \
    "$(sql "SELECT string_agg(kind || '|' || state, ' ' ORDER BY kind) FROM notify_messages WHERE recipient = 'owner@example.com'")"

# Nothing secret kept.
t_eq "no message row holds the PIN" 0 \
    "$(sql "SELECT count(*) FROM notify_messages m WHERE m::text LIKE '%$pin%'")"
t_eq "no attempt holds the token" 0 \
    "$(sql "SELECT count(*) FROM notify_attempts a WHERE a::text LIKE '%$TOKEN%'")"
# The SMS provider echoed the request (the PIN in the text, form-encoded):
# the record keeps the reply with the PIN and the text masked, and only
# admins read it; viewers read no customer's address either.
t_eq "the echoed reply holds no PIN" 0 \
    "$(sql "SELECT count(*) FROM notify_attempts a WHERE a::text LIKE '%$pin%'")"
t_contains "... the admin reads it, masked" "to=ana%40example.com&text=****" \
    "$(sql "SELECT a.reply FROM notify_attempts a JOIN notify_messages m ON m.id = a.message_id
            JOIN notify_channels c ON c.id = m.channel_id WHERE c.name = 'sms'")"
mkrole nt_view view-pw wisp_viewer
for r in nt_view:view-pw nt_cash:cash-pw; do
    t_fail "${r%%:*}: the attempts' replies are admins'" 1 env PGPASSWORD="${r#*:}" psql -XAtq \
        -v ON_ERROR_STOP=1 -U "${r%%:*}" -c "SELECT reply FROM notify_attempts"
    t_fail "${r%%:*}: ... and their errors" 1 env PGPASSWORD="${r#*:}" psql -XAtq \
        -v ON_ERROR_STOP=1 -U "${r%%:*}" -c "SELECT error FROM notify_attempts"
    t_fail "${r%%:*}: ... and the messages' errors" 1 env PGPASSWORD="${r#*:}" psql -XAtq \
        -v ON_ERROR_STOP=1 -U "${r%%:*}" -c "SELECT last_error FROM notify_messages"
    t_eq "${r%%:*}: the states are readable" sent \
        "$(PGPASSWORD="${r#*:}" psql -XAtq -U "${r%%:*}" -c "SELECT DISTINCT state FROM notify_messages WHERE kind = 'order.completed'")"
done
t_fail "a viewer does not read the customers' addresses" 1 env PGPASSWORD=view-pw psql -XAtq \
    -v ON_ERROR_STOP=1 -U nt_view -c "SELECT recipient FROM notify_messages"
t_fail "... nor the payloads" 1 env PGPASSWORD=view-pw psql -XAtq \
    -v ON_ERROR_STOP=1 -U nt_view -c "SELECT payload FROM notify_messages"
w_as nt_view view-pw notify messages --json
t_eq "a viewer lists messages, the addresses masked" "****" \
    "$(jq -r 'map(.recipient) | unique | join(",")' <<<"$OUT")"
t_not_contains "... no customer's address" "ana@example.com" "$OUT"
w_as nt_cash cash-pw notify messages --json
t_contains "an operator lists messages with their addresses" "ana@example.com" "$OUT"
t_eq "... without their errors" "null" "$(jq -c 'map(.last_error) | unique | .[0]' <<<"$OUT")"
t_not_contains "the worker's log never has the token" "$TOKEN" "$(cat "$T/worker.log")"
t_not_contains "... nor the PIN" "$pin" "$(cat "$T/worker.log")"
t_eq "sending the PIN is audited" 2 \
    "$(sql "SELECT count(*) FROM audit WHERE action = 'order.notify'")"

# The daily summary: once, whatever restarts.
kill -TERM "$W"; wait "$W"
"$WISP" worker --interval 1 >>"$T/worker.log" 2>&1 &
W=$!
sleep 2
t_eq "one daily summary across a restart" 1 "$(sql "SELECT count(*) FROM notify_messages WHERE kind = 'sales.daily'")"

# A 4xx is final, a 5xx retried on the schedule, then resent by an admin.
w notify channel add down --kind http --spec "{\"url\": \"http://127.0.0.1:$P503/\", \"body\": \"{\\\"t\\\": \\\"{text}\\\"}\",
  \"headers\": {\"Authorization\": \"Bearer {token}\"}, \"token_file\": \"$T/tok/token\"}"
w notify channel add gone --kind http --spec "{\"url\": \"http://127.0.0.1:$P404/\", \"body\": \"{\\\"t\\\": \\\"{text}\\\"}\"}"
w notify channel add m550 --kind smtp --spec "{\"url\": \"smtp://127.0.0.1:$S550\", \"from\": \"shop@example.com\"}"
w notify channel add m451 --kind smtp --spec "{\"url\": \"smtp://127.0.0.1:$S451\", \"from\": \"shop@example.com\"}"
w notify test m550 --to owner@example.com
t_eq "notify test refused by the server: exit 1" 1 "$RC"
t_contains "... saying the SMTP code" "SMTP 550" "$ERR"
w notify rule add --event stock.low --channel down --to x
w notify rule add --event stock.low --channel gone --to x
w notify rule add --event stock.low --channel m550 --to owner@example.com
w notify rule add --event stock.low --channel m451 --to owner@example.com
sql "SELECT wisp_outbox_emit('stock.low', '{\"plan\": \"1h\", \"unsold\": 1, \"low_stock\": 3}')" >/dev/null
for _ in $(seq 50); do
    [ "$(sql "SELECT count(*) FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id WHERE c.name IN ('down', 'gone', 'm550', 'm451') AND m.attempts > 0")" = 4 ] && break
    sleep 0.1
done
t_eq "404: failed after one attempt" "failed|1" \
    "$(sql "SELECT m.state || '|' || m.attempts FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id WHERE c.name = 'gone'")"
t_eq "503: pending again, the next try scheduled later" "pending|1|t" \
    "$(sql "SELECT m.state || '|' || m.attempts || '|' || CASE WHEN m.next_at > now() THEN 't' END FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id WHERE c.name = 'down'")"
t_eq "every attempt recorded with its status" "404 503" \
    "$(sql "SELECT string_agg(a.status::text, ' ' ORDER BY a.status) FROM notify_attempts a JOIN notify_messages m ON m.id = a.message_id JOIN notify_channels c ON c.id = m.channel_id WHERE c.name IN ('down', 'gone')")"
t_eq "SMTP 550: failed after one attempt" "failed|1" \
    "$(sql "SELECT m.state || '|' || m.attempts FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id WHERE c.name = 'm550'")"
t_eq "SMTP 451: pending again" "pending|t" \
    "$(sql "SELECT m.state || '|' || CASE WHEN m.attempts >= 1 THEN 't' END FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id WHERE c.name = 'm451'")"
gone=$(sql "SELECT m.id FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id WHERE c.name = 'gone'")
w notify messages --failed
t_contains "messages --failed lists it" "HTTP 404" "$OUT"
w doctor
t_match "doctor: the failed messages" "fail +notifications +[0-9]+ messages failed" "$OUT"
w_as nt_cash cash-pw notify resend "$gone"
t_eq "a cashier may not resend" 1 "$RC"
w notify resend "$gone"
t_eq "an admin resends" 0 "$RC"
for _ in $(seq 50); do
    [ "$(sql "SELECT attempts FROM notify_messages WHERE id = $gone")" = 1 ] &&
        [ "$(sql "SELECT state FROM notify_messages WHERE id = $gone")" = failed ] && break
    sleep 0.1
done
t_eq "resent: tried again" 2 "$(sql "SELECT count(*) FROM notify_attempts WHERE message_id = $gone")"
t_eq "resend is audited" 1 "$(sql "SELECT count(*) FROM audit WHERE action = 'notify.resend'")"
w notify resend "$(sql "SELECT min(id) FROM notify_messages WHERE state = 'sent'")"
t_eq "resending a message that is not failed: refused" 1 "$RC"

# The 503 on the webhooks' schedule (webhooks.backoff 1s, max_wait 2s,
# attempts 3): tries 1 s then 2 s apart (the worker looks at least once a
# second), then given up.
down="SELECT m.id FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id WHERE c.name = 'down'"
for _ in $(seq 100); do
    [ "$(sql "SELECT state FROM notify_messages WHERE id = ($down)")" = failed ] && break
    sleep 0.1
done
t_eq "503: given up after webhooks.attempts (3) tries" "failed|3" \
    "$(sql "SELECT state || '|' || attempts FROM notify_messages WHERE id = ($down)")"
t_eq "503: the tries 1 s, then 2 s apart" "t t" \
    "$(sql "SELECT string_agg(CASE WHEN n = 2 THEN gap >= 1 AND gap < 2.5 ELSE gap >= 2 AND gap < 3.5 END::text, ' ' ORDER BY n)
            FROM (SELECT row_number() OVER (ORDER BY id) AS n,
                         extract(epoch FROM at - lag(at) OVER (ORDER BY id)) AS gap
                    FROM notify_attempts WHERE message_id = ($down)) x WHERE n > 1" | sed 's/true/t/g')"
t_contains "a reply that echoes the token is recorded without it" '"bad token ****"' \
    "$(sql "SELECT reply FROM notify_attempts WHERE message_id = ($down) LIMIT 1")"
t_eq "... in no attempt" 0 "$(sql "SELECT count(*) FROM notify_attempts a WHERE a::text LIKE '%$TOKEN%'")"

kill -TERM "$W"; wait "$W"; W=

# Nothing lost across a kill -9: 100 alerts to a slow receiver, the worker
# killed mid-way; the next worker (once the dead one's leases have run out,
# here made to at once) sends the rest, and every one arrives.
w notify channel add slow --kind http --spec "{\"url\": \"http://127.0.0.1:$PSLOW/a\", \"body\": \"{\\\"t\\\": \\\"{text}\\\"}\"}"
w notify rule add --event router.up --channel slow --to owner
sql "SELECT count(wisp_outbox_emit('router.up', jsonb_build_object('router', 'k' || g, 'at', 'now')))
     FROM generate_series(1, 100) g" >/dev/null
"$WISP" worker --interval 1 >>"$T/worker.log" 2>&1 &
W=$!
for _ in $(seq 100); do [ "$(wc -l <"$T/slow.log" 2>/dev/null || echo 0)" -ge 10 ] && break; sleep 0.05; done
kill -KILL "$W"; wait "$W" 2>/dev/null
left=$(sql "SELECT count(*) FROM notify_messages WHERE kind = 'router.up' AND state = 'pending'")
t_ok "killed mid-way: messages left to send ($left)" test "$left" -gt 0
sql "UPDATE notify_messages SET lease_until = now() WHERE lease_until IS NOT NULL" >/dev/null
"$WISP" worker --interval 1 >>"$T/worker.log" 2>&1 &
W=$!
for _ in $(seq 200); do
    [ "$(sql "SELECT count(*) FROM notify_messages WHERE kind = 'router.up' AND state = 'sent'")" = 100 ] && break
    sleep 0.1
done
t_eq "after the restart every message is sent" 100 \
    "$(sql "SELECT count(*) FROM notify_messages WHERE kind = 'router.up' AND state = 'sent'")"
t_eq "... and every router's alert arrived" 100 \
    "$(jq -r '.body | fromjson | .t' "$T/slow.log" | sort -u | wc -l)"
kill -TERM "$W"; wait "$W"; W=
t_not_contains "the token never in the log, at the end either" "$TOKEN" "$(cat "$T/worker.log")"
t_not_contains "the worker ran sanitizer-clean (under bin/wisp-asan)" "Sanitizer" "$(cat "$T/worker.log")"

# The lease's holder alone records: a worker whose lease ran out (another
# claimed the message since) keeps its attempt but changes nothing.
mkrole nt_work work-pw wisp_worker
asw() { PGPASSWORD=work-pw psql -XAtq -v ON_ERROR_STOP=1 -U nt_work -c "$1"; }
sql "SELECT wisp_outbox_emit('router.up', '{\"router\": \"lease\", \"at\": \"now\"}')" >/dev/null
mid=$(sql "SELECT id FROM notify_messages WHERE payload->>'router' = 'lease'")
t_eq "worker A claims it (a lease that runs out at once)" "$mid" "$(asw "SELECT id FROM wisp_notify_claim('A', 100, 0)")"
t_eq "worker B claims it after" "$mid" "$(asw "SELECT id FROM wisp_notify_claim('B', 100, 60)")"
t_eq "A's record is refused" f "$(asw "SELECT wisp_notify_record($mid, 'A', true, 200, 1, NULL, NULL, NULL)")"
t_eq "... the message still B's, pending" "pending|B" \
    "$(sql "SELECT state || '|' || lease_owner FROM notify_messages WHERE id = $mid")"
t_eq "B's record counts" t "$(asw "SELECT wisp_notify_record($mid, 'B', true, 200, 1, NULL, NULL, NULL)")"
t_eq "... sent" sent "$(sql "SELECT state FROM notify_messages WHERE id = $mid")"
t_fail "the worker reads no code for a message that is not an order's" 1 env PGPASSWORD=work-pw \
    psql -XAtq -v ON_ERROR_STOP=1 -U nt_work -c "SELECT * FROM wisp_notify_code(
        (SELECT id FROM orders LIMIT 1), $mid)"
t_fail "an admin may not claim (the worker's work)" 1 sql "SET ROLE wisp_admin; SELECT * FROM wisp_notify_claim('x', 1, 1)"

# The daily summary covers the previous whole day in the database's time
# zone (set to Asia/Karachi above; the worker's own is UTC); a worker down
# for days makes each day it missed, once.
z="(now() AT TIME ZONE 'Asia/Karachi')::date"
t_eq "the summary: yesterday, midnight to midnight in the database's time zone" \
    "$(sql "SELECT ($z - 1) || '|' || wisp_iso_utc(($z - 1)::timestamp AT TIME ZONE 'Asia/Karachi') || '|'
                   || wisp_iso_utc($z::timestamp AT TIME ZONE 'Asia/Karachi')")" \
    "$(sql "SELECT (payload->>'day') || '|' || (payload->>'from') || '|' || (payload->>'to') FROM notify_messages WHERE kind = 'sales.daily'")"
sql "DELETE FROM notify_summaries; INSERT INTO notify_summaries (day, event_id) VALUES ($z - 4, 0)" >/dev/null
t_eq "a worker back after days makes the 3 days it missed" 3 "$(asw "SELECT wisp_notify_daily(0)")"
t_eq "... once" 0 "$(asw "SELECT wisp_notify_daily(0)")"
t_eq "... before the hour, none" 0 "$(sql "DELETE FROM notify_summaries" >/dev/null; asw "SELECT wisp_notify_daily(24)")"

# doctor: only failures since a channel's last successful send count.
w doctor
t_match "doctor: failed messages fail the line" "fail +notifications" "$OUT"
sql "INSERT INTO notify_messages (dedup, channel_id, kind, recipient, payload, state, sent_at)
     SELECT 'ok' || id, id, 'x', 'x', '{}', 'sent', now() FROM notify_channels" >/dev/null
w doctor
t_match "... and a channel that sent since is healthy again" "ok +notifications" "$OUT"

# Retention (outbox.keep): what is done with goes, what waits stays.
sql "SELECT wisp_outbox_emit('router.up', '{\"router\": \"waits\", \"at\": \"now\"}')" >/dev/null
t_eq "prune: finished messages, deliveries and events older than keep go" t \
    "$(asw "SELECT wisp_outbox_prune(0, 100000) > 0")"
t_eq "... no sent or failed message left" 0 "$(sql "SELECT count(*) FROM notify_messages WHERE state <> 'pending'")"
t_eq "... the pending one kept, with its event" "1|1" \
    "$(sql "SELECT count(*) || '|' || (SELECT count(*) FROM outbox_events e WHERE e.id = m.event_id)
            FROM notify_messages m WHERE payload->>'router' = 'waits' GROUP BY m.event_id")"
t_eq "... no attempt of a deleted message left" 0 \
    "$(sql "SELECT count(*) FROM notify_attempts a WHERE NOT EXISTS (SELECT FROM notify_messages m WHERE m.id = a.message_id)")"
t_eq "... a keep of a day deletes nothing new" 0 "$(asw "SELECT wisp_outbox_prune(86400, 100)")"

# Only a wisp_worker login sends: a worker logged in as an admin (the
# console's own) leaves notifications alone and says so once.
mkrole nt_adm adm-pw wisp_admin
PGPASSWORD=adm-pw WISP_DB="dbname=$PGDATABASE user=nt_adm" "$WISP" worker --interval 1 >"$T/adm.log" 2>&1 &
W=$!
for _ in $(seq 50); do grep -q "notify: not sent by this worker" "$T/adm.log" && break; sleep 0.1; done
sleep 1
kill -TERM "$W"; wait "$W"; W=
t_eq "a worker logged in as an admin sends no notification, and says so once" 1 \
    "$(grep -c 'notify: not sent by this worker' "$T/adm.log")"
t_eq "... the message still pending" pending "$(sql "SELECT state FROM notify_messages WHERE payload->>'router' = 'waits'")"
