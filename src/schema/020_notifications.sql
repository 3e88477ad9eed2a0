-- 020_notifications: messages to customers and to the owner
-- (docs/notifications.md), made from 019's outbox in the same transaction.
--
--   notify_channels  how to send: an SMTP server, or an HTTP request template
--                    (SMS, WhatsApp, Telegram); config is JSON holding file
--                    NAMES for tokens and passwords, never a secret itself
--   notify_rules     which event kind goes to which channel, to whom: the
--                    order's customer ('customer') or a fixed address; an
--                    optional text template (else the built-in message in
--                    the shop's language)
--   notify_messages  one per (event, rule): the event's payload, the recipient, the state
--                    (pending, sent, failed) and the retry schedule. Never the
--                    PIN: the worker reads it when it sends (wisp_notify_code)
--   notify_attempts  every try: when, how long, the status code, the error,
--                    the start of the reply (at most 512 bytes)
--
-- Fan-out: an AFTER INSERT trigger on outbox_events makes the messages of
-- every matching rule in the event's own transaction (nothing is lost when
-- a process dies) and wakes the worker (NOTIFY wisp_notify).
--
-- Who: admins add and remove channels and rules and resend failed messages
-- (audited); everyone reads rules and the messages' and attempts' states
-- (the console's failed count); a message's recipient and payload (a
-- customer's phone or email) are read by operators and up; errors and
-- replies (a provider may echo what it was sent) by admins only; channels'
-- configs by admins and the worker; only the worker (wisp_worker) claims,
-- records, reads an order's code and makes the daily summary.

CREATE TABLE notify_channels (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$'),
    kind        text NOT NULL CHECK (kind IN ('smtp', 'http')),
    config      jsonb NOT NULL CHECK (jsonb_typeof(config) = 'object'
                                      AND NOT config ?| ARRAY['token', 'password', 'secret']),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT session_user
);

CREATE TABLE notify_rules (
    id          serial PRIMARY KEY,
    event       text NOT NULL CHECK (event IN ('order.completed', 'order.failed', 'router.down',
                                               'router.up', 'stock.low', 'voucher.sold',
                                               'sales.daily')),
    channel_id  integer NOT NULL REFERENCES notify_channels (id),
    recipient   text NOT NULL CHECK (char_length(recipient) BETWEEN 1 AND 254
                                     AND recipient !~ '[\x01-\x1f\x7f]'),
    template    text CHECK (char_length(template) BETWEEN 1 AND 2000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT session_user,
    -- a customer has an address only on an order's events
    CHECK (recipient <> 'customer' OR event IN ('order.completed', 'order.failed'))
);

CREATE TABLE notify_messages (
    id          bigserial PRIMARY KEY,
    dedup       text NOT NULL UNIQUE,   -- 'e<event id>:r<rule>'
    event_id    bigint,
    rule_id     integer REFERENCES notify_rules (id) ON DELETE SET NULL,
    channel_id  integer NOT NULL REFERENCES notify_channels (id),
    kind        text NOT NULL,
    recipient   text NOT NULL,
    template    text,
    payload     jsonb NOT NULL,
    order_id    bigint,
    state       text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts    integer NOT NULL DEFAULT 0,
    next_at     timestamptz NOT NULL DEFAULT now(),
    lease_until timestamptz,
    lease_owner text,       -- the worker that holds the lease: only it records
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    sent_at     timestamptz
);
CREATE INDEX notify_messages_due ON notify_messages (next_at) WHERE state = 'pending';
CREATE INDEX notify_messages_failed ON notify_messages (id) WHERE state = 'failed';

CREATE TABLE notify_attempts (
    id          bigserial PRIMARY KEY,
    message_id  bigint NOT NULL REFERENCES notify_messages (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    ms          integer NOT NULL,
    status      integer,
    ok          boolean NOT NULL,
    error       text,
    reply       text CHECK (octet_length(reply) <= 512)
);
CREATE INDEX notify_attempts_message ON notify_attempts (message_id, id);

-- ---------------------------------------------------------------------------
-- Fan-out from the outbox: one message per matching rule, in the event's
-- transaction. A rule to 'customer' takes the order's customer as stored.
CREATE FUNCTION wisp_notify_fanout() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO notify_messages (dedup, event_id, rule_id, channel_id, kind, recipient, template,
                                 payload, order_id)
    SELECT 'e' || NEW.id || ':r' || r.id, NEW.id, r.id, r.channel_id, NEW.kind,
           CASE WHEN r.recipient = 'customer' THEN NEW.payload->>'customer' ELSE r.recipient END,
           r.template,
           -- a voucher's code is its PIN: read at send time, never kept here
           (NEW.payload - 'code' - 'pin') || jsonb_build_object('id', NEW.id, 'kind', NEW.kind,
               'at', wisp_iso_utc(NEW.created_at)),
           CASE WHEN NEW.payload->>'order_id' ~ '^[0-9]{1,18}$'
                THEN (NEW.payload->>'order_id')::bigint END
      FROM notify_rules r
     WHERE r.event = NEW.kind
       AND (r.recipient <> 'customer' OR coalesce(NEW.payload->>'customer', '') <> '')
    ON CONFLICT (dedup) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM pg_notify('wisp_notify', '');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION wisp_notify_fanout();

-- ---------------------------------------------------------------------------
-- Channels and rules (admins, audited).
CREATE FUNCTION wisp_notify_channel_add(p_name text, p_kind text, p_config jsonb)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    cid integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    INSERT INTO notify_channels (name, kind, config) VALUES (p_name, p_kind, p_config)
        RETURNING id INTO cid;
    PERFORM wisp_audit_write('notify.channel.add', jsonb_build_object('name', p_name,
        'kind', p_kind, 'config', p_config));
    RETURN cid;
END
$$;

CREATE FUNCTION wisp_notify_channel_remove(p_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    cid integer;
    n integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    SELECT id INTO cid FROM notify_channels WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no channel "%"', p_name USING ERRCODE = 'no_data_found';
    END IF;
    SELECT count(*) INTO n FROM notify_rules WHERE channel_id = cid;
    IF n > 0 THEN
        RAISE EXCEPTION 'channel % has % rules: remove them first', p_name, n
            USING ERRCODE = 'dependent_objects_still_exist';
    END IF;
    IF EXISTS (SELECT FROM notify_messages WHERE channel_id = cid AND state = 'pending') THEN
        RAISE EXCEPTION 'channel % has messages still to send', p_name
            USING ERRCODE = 'dependent_objects_still_exist';
    END IF;
    DELETE FROM notify_messages WHERE channel_id = cid;
    DELETE FROM notify_channels WHERE id = cid;
    PERFORM wisp_audit_write('notify.channel.remove', jsonb_build_object('name', p_name));
END
$$;

CREATE FUNCTION wisp_notify_rule_add(p_event text, p_channel text, p_to text, p_template text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    cid integer;
    rid integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    SELECT id INTO cid FROM notify_channels WHERE name = p_channel;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no channel "%"', p_channel USING ERRCODE = 'no_data_found';
    END IF;
    -- an order's code and login link exist only on order.completed
    IF p_event IS DISTINCT FROM 'order.completed' AND p_template ~ '\{(code|url)\}' THEN
        RAISE EXCEPTION 'a template for % cannot use {code} or {url}: only order.completed has them',
            p_event USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO notify_rules (event, channel_id, recipient, template)
        VALUES (p_event, cid, p_to, p_template) RETURNING id INTO rid;
    PERFORM wisp_audit_write('notify.rule.add', jsonb_build_object('rule', rid, 'event', p_event,
        'channel', p_channel, 'to', p_to, 'template', p_template));
    RETURN rid;
END
$$;

CREATE FUNCTION wisp_notify_rule_remove(p_id integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM wisp_require('wisp_admin');
    DELETE FROM notify_rules WHERE id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no rule %', p_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM wisp_audit_write('notify.rule.remove', jsonb_build_object('rule', p_id));
END
$$;

-- A failed message back to pending, due now (its attempts so far kept).
CREATE FUNCTION wisp_notify_resend(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    st text;
BEGIN
    PERFORM wisp_require('wisp_admin');
    SELECT state INTO st FROM notify_messages WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no message %', p_id USING ERRCODE = 'no_data_found';
    ELSIF st <> 'failed' THEN
        RAISE EXCEPTION 'message % is %, not failed', p_id, st USING ERRCODE = 'check_violation';
    END IF;
    UPDATE notify_messages SET state = 'pending', next_at = now(), lease_until = NULL,
           lease_owner = NULL, attempts = 0 WHERE id = p_id;
    PERFORM wisp_audit_write('notify.resend', jsonb_build_object('message', p_id));
    PERFORM pg_notify('wisp_notify', '');
END
$$;

-- ---------------------------------------------------------------------------
-- The worker: claim due messages (a lease, so a killed worker's come back),
-- record an attempt, read an order's code when sending, the daily summary.
CREATE FUNCTION wisp_notify_claim(p_owner text, p_limit integer, p_lease_s integer)
RETURNS TABLE (id bigint, kind text, recipient text, template text, payload jsonb,
               order_id bigint, attempts integer, channel text, channel_kind text,
               channel_config jsonb)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM wisp_require('wisp_worker');
    RETURN QUERY
    UPDATE notify_messages m SET lease_until = clock_timestamp() + make_interval(secs => p_lease_s),
           lease_owner = p_owner
      FROM notify_channels c
     WHERE c.id = m.channel_id
       AND m.id IN (SELECT x.id FROM notify_messages x
                     WHERE x.state = 'pending' AND x.next_at <= now()
                       AND (x.lease_until IS NULL OR x.lease_until < clock_timestamp())
                     ORDER BY x.next_at, x.id LIMIT p_limit FOR UPDATE SKIP LOCKED)
    RETURNING m.id, m.kind, m.recipient, m.template, m.payload, m.order_id, m.attempts,
              c.name, c.kind, c.config;
END
$$;

-- One attempt: p_next_s seconds until the next (NULL: no more; failed
-- unless p_ok). The attempt is kept whoever holds the lease; the message
-- changes only while p_owner still holds it (a lease that ran out is
-- another worker's): false then.
CREATE FUNCTION wisp_notify_record(p_id bigint, p_owner text, p_ok boolean, p_status integer,
                                   p_ms integer, p_error text, p_reply text, p_next_s integer)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM wisp_require('wisp_worker');
    PERFORM FROM notify_messages WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN false; -- its channel was removed meanwhile
    END IF;
    INSERT INTO notify_attempts (message_id, ms, status, ok, error, reply)
        VALUES (p_id, p_ms, nullif(p_status, 0), p_ok, nullif(p_error, ''),
                convert_from(substring(convert_to(coalesce(p_reply, ''), 'UTF8') FROM 1 FOR 512),
                             'UTF8'));
    UPDATE notify_messages SET
        attempts = attempts + 1,
        state = CASE WHEN p_ok THEN 'sent' WHEN p_next_s IS NULL THEN 'failed' ELSE 'pending' END,
        sent_at = CASE WHEN p_ok THEN now() END,
        next_at = CASE WHEN p_ok OR p_next_s IS NULL THEN next_at
                       ELSE now() + make_interval(secs => p_next_s) END,
        last_error = CASE WHEN p_ok THEN NULL ELSE nullif(p_error, '') END,
        lease_until = NULL, lease_owner = NULL
     WHERE id = p_id AND lease_owner = p_owner AND state = 'pending';
    RETURN FOUND;
END
$$;

-- An order's code for its customer's message, read at send time (never
-- stored in a message): the PIN, and for a voucher its password and the
-- router's login page, so the message carries the login link. Audited as
-- a reveal by the worker, for a pending order.completed message of that
-- very order (so the audit row names a real message and order).
CREATE FUNCTION wisp_notify_code(p_order bigint, p_message bigint)
RETURNS TABLE (pin text, password text, router_driver text, router_login_url text,
               voucher boolean)
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM wisp_require('wisp_worker');
    IF NOT EXISTS (SELECT FROM notify_messages m WHERE m.id = p_message AND m.order_id = p_order
                      AND m.kind = 'order.completed' AND m.state = 'pending') THEN
        RAISE EXCEPTION 'message % is no pending order.completed message of order %', p_message,
            p_order USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
    SELECT o.pin, CASE WHEN b.mode = 'code' THEN v.code END, rt.driver, rt.login_url,
           v.id IS NOT NULL
      FROM orders o
      LEFT JOIN vouchers v ON v.id = o.voucher_id
      LEFT JOIN batches b ON b.id = v.batch_id
      LEFT JOIN routers rt ON rt.name = b.router
     WHERE o.id = p_order AND o.pin IS NOT NULL;
    IF FOUND THEN
        PERFORM wisp_audit_write('order.notify', jsonb_build_object('order', p_order,
            'message', p_message));
    END IF;
END
$$;

-- The daily summary: once p_hour has come in the shop's time zone (017's
-- wisp_shop_zone: the database's TimeZone), each whole day not summarised
-- yet up to yesterday (from the day after the last summary, at most 7
-- days back; the first one: yesterday) becomes an outbox event,
-- sales.daily, with the sales from that day's midnight to the next. Once
-- per day whatever restarts or workers (notify_summaries keeps the day):
-- the fan-out makes the messages of the sales.daily rules, and webhooks
-- that subscribe to it get it too. The number of days made now.
CREATE TABLE notify_summaries (
    day         date PRIMARY KEY,
    event_id    bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION wisp_notify_daily(p_hour integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    tz text := wisp_shop_zone();
    local timestamp := now() AT TIME ZONE tz;
    yesterday date := local::date - 1;
    d date;
    t0 timestamptz;
    t1 timestamptz;
    s jsonb;
    made integer := 0;
BEGIN
    PERFORM wisp_require('wisp_worker');
    IF extract(hour FROM local) < p_hour THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('wisp_notify_daily'));
    SELECT max(day) + 1 INTO d FROM notify_summaries;
    d := greatest(coalesce(d, yesterday), yesterday - 6);
    WHILE d <= yesterday LOOP
        t0 := d::timestamp AT TIME ZONE tz;
        t1 := (d + 1)::timestamp AT TIME ZONE tz;
        SELECT jsonb_build_object('day', d::text, 'from', wisp_iso_utc(t0), 'to', wisp_iso_utc(t1),
                   'time_zone', tz, 'vouchers', count(*), 'total', coalesce(sum(v.price), 0)::text)
          INTO s FROM vouchers v
         WHERE v.sold_at >= t0 AND v.sold_at < t1;
        s := s || jsonb_build_object('orders',
            (SELECT count(*) FROM orders o WHERE o.status = 'completed'
                AND o.completed_at >= t0 AND o.completed_at < t1));
        INSERT INTO notify_summaries (day, event_id) VALUES (d, wisp_outbox_emit('sales.daily', s));
        made := made + 1;
        d := d + 1;
    END LOOP;
    RETURN made;
END
$$;

-- ---------------------------------------------------------------------------
-- Retention (outbox.keep): what is done with and older than p_keep_s
-- seconds goes, at most p_batch rows of each table a call (short
-- transactions; the worker calls again while a batch was full): notify
-- messages sent or failed for good (their attempts with them), webhook
-- deliveries delivered or dead (their attempts with them), and outbox
-- events no delivery or pending message needs any more. The number of
-- rows deleted.
CREATE FUNCTION wisp_outbox_prune(p_keep_s integer, p_batch integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    cut timestamptz := now() - make_interval(secs => greatest(p_keep_s, 0));
    n integer;
    total integer := 0;
BEGIN
    PERFORM wisp_require('wisp_worker');
    DELETE FROM notify_messages WHERE id IN (
        SELECT id FROM notify_messages WHERE state IN ('sent', 'failed') AND created_at <= cut
         ORDER BY id LIMIT p_batch);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries WHERE state IN ('delivered', 'dead') AND created_at <= cut
         ORDER BY id LIMIT p_batch);
    GET DIAGNOSTICS n = ROW_COUNT;
    total := total + n;
    DELETE FROM outbox_events WHERE id IN (
        SELECT e.id FROM outbox_events e
         WHERE e.created_at <= cut
           AND NOT EXISTS (SELECT FROM webhook_deliveries d WHERE d.event_id = e.id)
           AND NOT EXISTS (SELECT FROM notify_messages m WHERE m.event_id = e.id)
         ORDER BY e.id LIMIT p_batch);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN total + n;
END
$$;

-- ---------------------------------------------------------------------------
-- Ownership, search_path, who may call what.
DO $own$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_notify_fanout', 'wisp_notify_channel_add',
                   'wisp_notify_channel_remove', 'wisp_notify_rule_add', 'wisp_notify_rule_remove',
                   'wisp_notify_resend', 'wisp_notify_claim', 'wisp_notify_record',
                   'wisp_notify_code', 'wisp_notify_daily', 'wisp_outbox_prune') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT SELECT, INSERT, UPDATE, DELETE ON notify_channels, notify_rules, notify_messages TO wisp_owner;
GRANT SELECT, INSERT ON notify_attempts, notify_summaries TO wisp_owner;
GRANT SELECT, DELETE ON outbox_events TO wisp_owner;
GRANT SELECT, DELETE ON webhook_deliveries, webhook_attempts, notify_attempts TO wisp_owner;
GRANT SELECT ON orders, batches, routers TO wisp_owner;
GRANT USAGE ON SEQUENCE notify_channels_id_seq, notify_rules_id_seq, notify_messages_id_seq,
    notify_attempts_id_seq TO wisp_owner;

GRANT SELECT ON notify_rules, notify_summaries TO wisp_viewer;
-- viewers: states and counts; operators: whom a message goes to and what
-- about; admins: everything, errors and replies too (a provider's reply
-- may echo the request)
GRANT SELECT (id, dedup, event_id, rule_id, channel_id, kind, template, order_id, state, attempts,
              next_at, lease_until, created_at, sent_at) ON notify_messages TO wisp_viewer;
GRANT SELECT (recipient, payload) ON notify_messages TO wisp_operator;
GRANT SELECT (id, message_id, at, ms, status, ok) ON notify_attempts TO wisp_viewer;
GRANT SELECT ON notify_messages, notify_attempts TO wisp_admin;
GRANT SELECT (id, name, kind, created_at, created_by) ON notify_channels TO wisp_viewer;
GRANT SELECT ON notify_channels TO wisp_admin, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_shop_zone() TO wisp_owner;

GRANT EXECUTE ON FUNCTION wisp_notify_channel_add(text, text, jsonb),
    wisp_notify_channel_remove(text), wisp_notify_rule_add(text, text, text, text),
    wisp_notify_rule_remove(integer), wisp_notify_resend(bigint) TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_notify_claim(text, integer, integer),
    wisp_notify_record(bigint, text, boolean, integer, integer, text, text, integer),
    wisp_notify_code(bigint, bigint), wisp_notify_daily(integer),
    wisp_outbox_prune(integer, integer) TO wisp_worker;
