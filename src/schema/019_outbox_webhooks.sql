-- 019_outbox_webhooks: the outbox of events wisp tells the world about, and
-- the webhooks that deliver them (docs/webhooks.md).
--
--   outbox_events   one row per event, written by the triggers below in the
--                   SAME transaction as the change that caused it: a sale
--                   rolled back leaves no event, a committed one cannot lose
--                   its event whatever process dies afterwards.
--   wisp_outbox_emit(kind, payload)  the one way in (definer; the worker may
--                   call it for events of its own, such as a daily summary)
--
-- Kinds and payloads (payloads never hold an order's PIN):
--   voucher.sold       {code, plan, price, sold_by, order_id|null}
--   voucher.activated  {code, plan, router|null}
--   order.completed    {order_id, reference, product, customer, plan, code}
--   order.failed       {order_id, reference, product, customer, error}
--   router.down / router.up  {router, at, error|null}
--   stock.low          {plan, unsold, low_stock}
--
-- Consumers fan out with AFTER INSERT triggers on outbox_events, one per
-- consumer, in the same transaction (never a cursor over ids: bigserial ids
-- commit out of order, a cursor would skip events).

CREATE TABLE outbox_events (
    id         bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    payload    jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_events_created ON outbox_events (created_at);

-- ISO-8601 UTC, as every payload carries times.
CREATE FUNCTION wisp_iso_utc(p_at timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
$$;

-- The one way into the outbox. LISTEN wisp_outbox wakes whoever delivers.
CREATE FUNCTION wisp_outbox_emit(p_kind text, p_payload jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    eid bigint;
BEGIN
    INSERT INTO outbox_events (kind, payload) VALUES (p_kind, coalesce(p_payload, '{}'))
        RETURNING id INTO eid;
    PERFORM pg_notify('wisp_outbox', eid::text);
    RETURN eid;
END
$$;

-- ---------------------------------------------------------------------------
-- The sources. Row triggers on the tables, whatever function or statement
-- made the change.

-- voucher.sold and voucher.activated fire at commit (deferred): an order's
-- fulfilment sells the voucher first and links the order to it after, and
-- a first use records its session after the voucher; at commit both are
-- there to be named.
CREATE FUNCTION wisp_outbox_voucher() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    plan text := (SELECT p.name FROM plans p WHERE p.id = NEW.plan_id);
BEGIN
    IF TG_ARGV[0] = 'sold' THEN
        PERFORM wisp_outbox_emit('voucher.sold', jsonb_build_object(
            'code', NEW.code, 'plan', plan, 'price', NEW.price, 'sold_by', NEW.sold_by,
            'order_id', (SELECT o.id FROM orders o WHERE o.voucher_id = NEW.id)));
    ELSE
        PERFORM wisp_outbox_emit('voucher.activated', jsonb_build_object(
            'code', NEW.code, 'plan', plan,
            'router', (SELECT r.name FROM sessions s JOIN routers r ON r.id = s.router_id
                        WHERE s.voucher_id = NEW.id OR (s.voucher_id IS NULL AND s.username = NEW.code)
                        ORDER BY s.id LIMIT 1)));
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER vouchers_outbox_sold AFTER UPDATE OF status ON vouchers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status = 'new' AND NEW.status = 'sold')
    EXECUTE FUNCTION wisp_outbox_voucher('sold');
CREATE CONSTRAINT TRIGGER vouchers_outbox_activated AFTER UPDATE OF status ON vouchers
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.status IN ('new', 'sold') AND NEW.status = 'active')
    EXECUTE FUNCTION wisp_outbox_voucher('activated');

-- stock.low: a statement that took a plan's unsold (new) vouchers from at
-- least plans.low_stock to below it; once per crossing (a plan already
-- below says nothing more until it is restocked and crosses again).
CREATE FUNCTION wisp_outbox_stock() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
BEGIN
    FOR r IN
        WITH gone AS (
            SELECT n.plan_id, count(*) AS k FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.status = 'new' AND n.status <> 'new' GROUP BY n.plan_id),
        back AS (
            SELECT n.plan_id, count(*) AS k FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.status <> 'new' AND n.status = 'new' GROUP BY n.plan_id)
        SELECT p.name, p.low_stock, s.unsold, s.unsold + g.k - coalesce(b.k, 0) AS before
          FROM gone g JOIN plans p ON p.id = g.plan_id
          LEFT JOIN back b ON b.plan_id = g.plan_id
          CROSS JOIN LATERAL (SELECT count(*) AS unsold FROM vouchers v
                               WHERE v.plan_id = g.plan_id AND v.status = 'new') s
         WHERE p.low_stock IS NOT NULL
    LOOP
        IF r.unsold < r.low_stock AND r.before >= r.low_stock THEN
            PERFORM wisp_outbox_emit('stock.low', jsonb_build_object(
                'plan', r.name, 'unsold', r.unsold, 'low_stock', r.low_stock));
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
CREATE TRIGGER vouchers_outbox_stock AFTER UPDATE ON vouchers
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION wisp_outbox_stock();

-- order.completed / order.failed: the status change itself. No PIN: a
-- plan order names its voucher's code and plan, a provider order neither.
CREATE FUNCTION wisp_outbox_order() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    IF NEW.status = 'completed' THEN
        SELECT x.code, p.name AS plan INTO v FROM vouchers x JOIN plans p ON p.id = x.plan_id
         WHERE x.id = NEW.voucher_id;
        PERFORM wisp_outbox_emit('order.completed', jsonb_build_object(
            'order_id', NEW.id, 'reference', NEW.payment_ref, 'product', NEW.product,
            'customer', NEW.customer, 'plan', v.plan, 'code', v.code));
    ELSE
        PERFORM wisp_outbox_emit('order.failed', jsonb_build_object(
            'order_id', NEW.id, 'reference', NEW.payment_ref, 'product', NEW.product,
            'customer', NEW.customer, 'error', NEW.last_error));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_outbox AFTER UPDATE OF status ON orders FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('completed', 'failed'))
    EXECUTE FUNCTION wisp_outbox_order();

-- router.down / router.up: the persisted state change, not every failed
-- poll: down (or a host key that no longer matches) from anything else; up
-- again from down. A router coming up the first time says nothing.
CREATE FUNCTION wisp_outbox_router() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_outbox_emit(CASE WHEN NEW.state = 'up' THEN 'router.up' ELSE 'router.down' END,
        jsonb_build_object('router', NEW.name, 'at', wisp_iso_utc(now()),
                           'error', CASE WHEN NEW.state <> 'up' THEN NEW.last_error END));
    RETURN NULL;
END
$$;
CREATE TRIGGER routers_outbox AFTER UPDATE OF state ON routers FOR EACH ROW
    WHEN ((NEW.state IN ('down', 'hostkey-mismatch') AND OLD.state NOT IN ('down', 'hostkey-mismatch'))
          OR (NEW.state = 'up' AND OLD.state IN ('down', 'hostkey-mismatch')))
    EXECUTE FUNCTION wisp_outbox_router();

-- ---------------------------------------------------------------------------
-- Who may call what (the outbox); the functions are handed to wisp_owner at
-- the end of this file, with the webhooks'.
GRANT SELECT, INSERT ON outbox_events TO wisp_owner;
GRANT USAGE ON SEQUENCE outbox_events_id_seq TO wisp_owner;
GRANT SELECT ON plans, vouchers, orders, sessions, routers TO wisp_owner;
-- Payloads name voucher codes: admins and the worker read them, nobody
-- writes the table but wisp_outbox_emit, which only the worker may call
-- (for events of its own; everything else comes from the triggers).
GRANT SELECT ON outbox_events TO wisp_admin, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_iso_utc(timestamptz) TO wisp_viewer, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_outbox_emit(text, jsonb) TO wisp_worker;

-- ===========================================================================
-- Webhooks: each event of a kind a webhook subscribes to, POSTed to its URL
-- as JSON, signed with its secret (docs/webhooks.md).
--
--   webhooks            url, events (kinds, or '*'), the secret (read only by
--                       the worker, through wisp_webhook_claim), active or
--                       disabled and why, failures: deliveries given up in a
--                       row (disable_after of them disable it)
--   webhook_deliveries  one per event and webhook, made by the fan-out
--                       trigger in the event's transaction: pending (not
--                       tried yet), failed (tried, to be tried again at
--                       next_at), delivered, dead (given up); a lease while
--                       a worker holds it, so a killed worker's deliveries
--                       are taken again once it runs out
--   webhook_attempts    every try: when, the HTTP status, how long, the
--                       error, at most 512 bytes of the reply; never a secret
--
-- Who: admins add, disable, enable, remove webhooks and redeliver
-- (audited); operators (the counter's cashier included) and admins read the
-- webhooks without their secret, the deliveries and the attempts; viewers
-- read none of it (a receiver's URL may carry its own token); the worker
-- claims and records through its functions.

-- Every kind the outbox carries; `webhook add --events` takes these or '*'.
CREATE FUNCTION wisp_outbox_kinds() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
    SELECT ARRAY['voucher.sold', 'voucher.activated', 'order.completed', 'order.failed',
                 'router.down', 'router.up', 'stock.low', 'sales.daily']
$$;

CREATE TABLE webhooks (
    id              serial PRIMARY KEY,
    url             text NOT NULL CHECK (url ~ '^https?://[^\s/?#@]+([/?#]\S*)?$' AND length(url) <= 2000),
    events          text[] NOT NULL CHECK (cardinality(events) BETWEEN 1 AND 32),
    secret          text NOT NULL CHECK (secret ~ '^[!-~]+$' AND length(secret) BETWEEN 16 AND 256),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    disabled_reason text CHECK (length(disabled_reason) <= 300),
    disabled_at     timestamptz,
    failures        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL DEFAULT session_user
);

CREATE TABLE webhook_deliveries (
    id           bigserial PRIMARY KEY,
    event_id     bigint NOT NULL REFERENCES outbox_events (id),
    webhook_id   integer NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'failed', 'delivered', 'dead')),
    attempts     integer NOT NULL DEFAULT 0,
    next_at      timestamptz NOT NULL DEFAULT now(),
    lease_owner  text,
    lease_until  timestamptz,
    last_status  integer,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    UNIQUE (event_id, webhook_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state IN ('pending', 'failed');
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id DESC);
-- the console header counts deliveries failed or given up with every snapshot
CREATE INDEX webhook_deliveries_failed ON webhook_deliveries (id) WHERE state IN ('failed', 'dead');

CREATE TABLE webhook_attempts (
    id          bigserial PRIMARY KEY,
    delivery_id bigint NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    at          timestamptz NOT NULL DEFAULT now(),
    http_status integer,
    duration_ms integer NOT NULL,
    error       text CHECK (length(error) <= 300),
    reply       text CHECK (octet_length(reply) <= 512)
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- The fan-out: one delivery per active webhook subscribed to the kind, in
-- the event's own transaction.
CREATE FUNCTION wisp_webhook_fanout() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO webhook_deliveries (event_id, webhook_id)
    SELECT NEW.id, w.id FROM webhooks w
     WHERE w.status = 'active' AND (NEW.kind = ANY (w.events) OR '*' = ANY (w.events));
    IF FOUND THEN
        PERFORM pg_notify('wisp_webhooks', NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER outbox_webhooks AFTER INSERT ON outbox_events
    FOR EACH ROW EXECUTE FUNCTION wisp_webhook_fanout();

-- ---- admins ---------------------------------------------------------------------

CREATE FUNCTION wisp_webhook_lock(p_id integer) RETURNS webhooks
LANGUAGE plpgsql AS $$
DECLARE
    w webhooks;
BEGIN
    SELECT * INTO w FROM webhooks WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no webhook %', p_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN w;
END
$$;

-- A webhook: its URL, the kinds it wants ('*': all), its secret (never
-- audited). Returns its id.
CREATE FUNCTION wisp_webhook_add(p_url text, p_events text[], p_secret text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k text;
    wid integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    FOREACH k IN ARRAY coalesce(p_events, '{}') LOOP
        IF k <> '*' AND NOT k = ANY (wisp_outbox_kinds()) THEN
            RAISE EXCEPTION 'unknown event "%": one of %, or *', k,
                array_to_string(wisp_outbox_kinds(), ', ') USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    INSERT INTO webhooks (url, events, secret)
        VALUES (p_url, (SELECT array_agg(DISTINCT e ORDER BY e) FROM unnest(p_events) e), p_secret)
        RETURNING id INTO wid;
    PERFORM wisp_audit_write('webhook.add', jsonb_build_object('id', wid, 'url', p_url,
        'events', (SELECT events FROM webhooks WHERE id = wid)));
    RETURN wid;
END
$$;

-- Disable (p_active false) or enable it again. Enabled, its deliveries left
-- pending or failed go on (at once), and its count of failures starts over.
CREATE FUNCTION wisp_webhook_set_active(p_id integer, p_active boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    w record;
BEGIN
    PERFORM wisp_require('wisp_admin');
    SELECT * INTO w FROM wisp_webhook_lock(p_id);
    IF p_active THEN
        UPDATE webhooks SET status = 'active', disabled_reason = NULL, disabled_at = NULL, failures = 0
         WHERE id = p_id;
        UPDATE webhook_deliveries SET next_at = now()
         WHERE webhook_id = p_id AND state IN ('pending', 'failed');
        PERFORM pg_notify('wisp_webhooks', '');
    ELSE
        UPDATE webhooks SET status = 'disabled', disabled_reason = 'disabled by ' || session_user,
               disabled_at = now() WHERE id = p_id;
    END IF;
    PERFORM wisp_audit_write(CASE WHEN p_active THEN 'webhook.enable' ELSE 'webhook.disable' END,
        jsonb_build_object('id', p_id, 'url', w.url, 'was', w.status));
END
$$;

-- Remove it, its deliveries and their attempts (the audit keeps the removal).
CREATE FUNCTION wisp_webhook_remove(p_id integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    w record;
BEGIN
    PERFORM wisp_require('wisp_admin');
    SELECT * INTO w FROM wisp_webhook_lock(p_id);
    DELETE FROM webhooks WHERE id = p_id;
    PERFORM wisp_audit_write('webhook.remove', jsonb_build_object('id', p_id, 'url', w.url,
        'deliveries', (SELECT count(*) FROM webhook_deliveries WHERE webhook_id = p_id)));
END
$$;

-- Deliver it again, with the same idempotency id, the schedule from the
-- start; refused while it is on its way or its webhook is disabled.
CREATE FUNCTION wisp_webhook_redeliver(p_delivery bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d record;
    st text;
BEGIN
    PERFORM wisp_require('wisp_admin');
    SELECT * INTO d FROM webhook_deliveries WHERE id = p_delivery FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no delivery %', p_delivery USING ERRCODE = 'no_data_found';
    END IF;
    SELECT status INTO st FROM webhooks WHERE id = d.webhook_id;
    IF st <> 'active' THEN
        RAISE EXCEPTION 'webhook % is disabled: enable it first', d.webhook_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF d.state = 'pending' OR d.lease_until > now() THEN
        RAISE EXCEPTION 'delivery % is on its way already', p_delivery USING ERRCODE = 'check_violation';
    END IF;
    UPDATE webhook_deliveries SET state = 'pending', attempts = 0, next_at = now(),
           lease_owner = NULL, lease_until = NULL WHERE id = p_delivery;
    PERFORM pg_notify('wisp_webhooks', '');
    PERFORM wisp_audit_write('webhook.redeliver', jsonb_build_object('delivery', p_delivery,
        'webhook', d.webhook_id, 'event', d.event_id, 'was', d.state));
END
$$;

-- ---- the worker ----------------------------------------------------------------

-- Up to p_limit deliveries due, of active webhooks, nobody else holds
-- (SKIP LOCKED), each leased to p_owner for p_lease_s seconds: with what to
-- send. The body is the event's payload with its id, kind and time (UTC);
-- the idempotency id names the event and the webhook, the same on every try.
CREATE FUNCTION wisp_webhook_claim(p_owner text, p_limit integer, p_lease_s integer)
RETURNS TABLE (delivery_id bigint, webhook_id integer, url text, secret text, kind text,
               body text, idempotency_id text, attempts integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_worker');
    RETURN QUERY
    WITH due AS (
        SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
         WHERE d.state IN ('pending', 'failed') AND d.next_at <= now() AND w.status = 'active'
           AND (d.lease_until IS NULL OR d.lease_until < now())
         ORDER BY d.next_at, d.id LIMIT p_limit FOR UPDATE OF d SKIP LOCKED),
    taken AS (
        UPDATE webhook_deliveries d SET lease_owner = p_owner,
               lease_until = now() + make_interval(secs => p_lease_s)
          FROM due WHERE d.id = due.id RETURNING d.*)
    SELECT t.id, w.id, w.url, w.secret, e.kind,
           (e.payload || jsonb_build_object('id', e.id, 'kind', e.kind, 'at', wisp_iso_utc(e.created_at)))::text,
           format('wd_%s_%s', e.id, w.id), t.attempts
      FROM taken t JOIN webhooks w ON w.id = t.webhook_id JOIN outbox_events e ON e.id = t.event_id
     ORDER BY t.next_at, t.id;
END
$$;

-- Milliseconds until the next delivery falls due (capped at p_max_ms;
-- p_max_ms when none waits).
CREATE FUNCTION wisp_webhook_next_ms(p_max_ms integer) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER AS $$
    SELECT least(p_max_ms, greatest(0, coalesce(
        ceil(extract(epoch FROM min(greatest(d.next_at, coalesce(d.lease_until, d.next_at))) - clock_timestamp()) * 1000)::integer,
        p_max_ms)))
      FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
     WHERE d.state IN ('pending', 'failed') AND w.status = 'active'
$$;

-- One try, as the worker judged it (webhook.h, webhook_judge):
--   delivered  a 2xx: done; the webhook's failures start over
--   retry      a network error, a timeout, a 5xx, 408 or 429: tried again
--              p_retry_ms from now
--   dead       another 4xx, or the tries used up: given up; the webhook's
--              failures go up, and p_disable_after of them disable it
--   gone       410 Gone: given up, and the webhook disabled at once
-- A webhook disabled here is audited (webhook.auto_disable, as the worker).
-- The attempt is recorded whoever holds the lease now; the delivery changes
-- only while p_owner still holds it (a lease that ran out is another's).
-- Returns the outcome, 'disabled' when it disabled the webhook, 'lost'
-- when the lease was another's, 'removed' when the webhook is gone.
CREATE FUNCTION wisp_webhook_record(p_delivery bigint, p_owner text, p_outcome text,
                                    p_http_status integer, p_duration_ms integer, p_error text,
                                    p_reply text, p_retry_ms bigint, p_disable_after integer)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    d record;
    n integer;
BEGIN
    PERFORM wisp_require('wisp_worker');
    IF p_outcome NOT IN ('delivered', 'retry', 'dead', 'gone') THEN
        RAISE EXCEPTION 'bad outcome "%"', p_outcome USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO d FROM webhook_deliveries WHERE id = p_delivery FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'removed'; -- its webhook was removed meanwhile
    END IF;
    INSERT INTO webhook_attempts (delivery_id, http_status, duration_ms, error, reply)
        VALUES (p_delivery, nullif(p_http_status, 0), greatest(p_duration_ms, 0),
                left(p_error, 300), p_reply);
    IF d.lease_owner IS DISTINCT FROM p_owner THEN
        RETURN 'lost';
    END IF;
    UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = nullif(p_http_status, 0),
           last_error = left(p_error, 300), lease_owner = NULL, lease_until = NULL,
           state = CASE p_outcome WHEN 'delivered' THEN 'delivered' WHEN 'retry' THEN 'failed'
                                  ELSE 'dead' END,
           next_at = CASE WHEN p_outcome = 'retry'
                          THEN clock_timestamp() + make_interval(secs => p_retry_ms / 1000.0)
                          ELSE next_at END,
           delivered_at = CASE WHEN p_outcome = 'delivered' THEN now() ELSE delivered_at END
     WHERE id = p_delivery;
    IF p_outcome = 'delivered' THEN
        UPDATE webhooks SET failures = 0 WHERE id = d.webhook_id AND failures <> 0;
    ELSIF p_outcome = 'gone' THEN
        UPDATE webhooks SET status = 'disabled', failures = failures + 1, disabled_at = now(),
               disabled_reason = 'the receiver answered 410 Gone'
         WHERE id = d.webhook_id AND status = 'active';
        IF FOUND THEN
            PERFORM wisp_audit_write('webhook.auto_disable', jsonb_build_object('id', d.webhook_id,
                'reason', 'the receiver answered 410 Gone', 'delivery', p_delivery));
            RETURN 'disabled';
        END IF;
    ELSIF p_outcome = 'dead' THEN
        UPDATE webhooks SET failures = failures + 1 WHERE id = d.webhook_id RETURNING failures INTO n;
        IF n >= p_disable_after THEN
            UPDATE webhooks SET status = 'disabled', disabled_at = now(),
                   disabled_reason = format('%s deliveries in a row given up (last: %s)', n,
                                            coalesce(left(p_error, 120), 'HTTP ' || p_http_status))
             WHERE id = d.webhook_id AND status = 'active';
            IF FOUND THEN
                PERFORM wisp_audit_write('webhook.auto_disable', jsonb_build_object('id', d.webhook_id,
                    'reason', (SELECT disabled_reason FROM webhooks WHERE id = d.webhook_id),
                    'delivery', p_delivery));
                RETURN 'disabled';
            END IF;
        END IF;
    END IF;
    RETURN p_outcome;
END
$$;

-- ---- what people read -------------------------------------------------------------

-- A webhook's URL as a non-admin sees it: a URL may carry a token (in
-- its user:password or its query), so those parts are masked for all but
-- admins (the view runs as its reader: pg_has_role asks about them).
CREATE FUNCTION wisp_webhook_url_shown(p_url text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN pg_has_role('wisp_admin', 'MEMBER') THEN p_url
                ELSE regexp_replace(regexp_replace(p_url, '^([A-Za-z]+://)[^/?#]*@', '\1****@'),
                                    '[?#].*$', '?****') END
$$;

-- The webhooks without their secrets, with what waits for them.
CREATE VIEW webhook_list AS
SELECT w.id, wisp_webhook_url_shown(w.url) AS url, array_to_string(w.events, ',') AS events, w.status, w.disabled_reason,
       w.disabled_at, w.failures,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state IN ('pending', 'failed')) AS waiting,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'failed') AS retrying,
       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id AND d.state = 'dead') AS dead,
       -- due for 5 minutes and nobody took them: no worker delivers
       (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = w.id
           AND d.state IN ('pending', 'failed') AND d.next_at < now() - interval '5 minutes'
           AND (d.lease_until IS NULL OR d.lease_until < now())) AS overdue,
       (SELECT max(d.delivered_at) FROM webhook_deliveries d WHERE d.webhook_id = w.id) AS last_delivered,
       w.created_at, w.created_by
  FROM webhooks w;

-- The deliveries, newest first, with their event and last try.
CREATE VIEW webhook_delivery_list AS
SELECT d.id, d.webhook_id, wisp_webhook_url_shown(w.url) AS url, d.event_id, e.kind, d.state, d.attempts, d.last_status,
       d.last_error, d.next_at, d.created_at, d.delivered_at,
       format('wd_%s_%s', d.event_id, d.webhook_id) AS idempotency_id
  FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
  JOIN outbox_events e ON e.id = d.event_id;

-- ---------------------------------------------------------------------------
-- Ownership, search_path, who may call what (the outbox's functions and
-- the webhooks').
DO $own$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_iso_utc', 'wisp_outbox_emit', 'wisp_outbox_voucher',
                                 'wisp_outbox_stock', 'wisp_outbox_order', 'wisp_outbox_router',
                                 'wisp_outbox_kinds', 'wisp_webhook_fanout', 'wisp_webhook_lock',
                                 'wisp_webhook_add', 'wisp_webhook_set_active', 'wisp_webhook_remove',
                                 'wisp_webhook_redeliver', 'wisp_webhook_claim', 'wisp_webhook_next_ms',
                                 'wisp_webhook_record', 'wisp_webhook_url_shown') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT SELECT, INSERT, UPDATE, DELETE ON webhooks, webhook_deliveries TO wisp_owner;
GRANT SELECT, INSERT ON webhook_attempts TO wisp_owner;
GRANT USAGE ON SEQUENCE webhooks_id_seq, webhook_deliveries_id_seq, webhook_attempts_id_seq TO wisp_owner;
ALTER VIEW webhook_list OWNER TO wisp_owner;
ALTER VIEW webhook_delivery_list OWNER TO wisp_owner;
GRANT SELECT ON outbox_events TO wisp_owner;

-- operators read webhooks without their URLs (the views mask them) and
-- attempts without the receivers' replies; admins read both
GRANT SELECT (id, events, status, disabled_reason, disabled_at, failures, created_at, created_by)
    ON webhooks TO wisp_operator, wisp_worker;
GRANT SELECT (url) ON webhooks TO wisp_admin, wisp_worker;
GRANT SELECT ON webhook_deliveries, webhook_list, webhook_delivery_list TO wisp_operator, wisp_worker;
GRANT SELECT (id, delivery_id, at, http_status, duration_ms, error) ON webhook_attempts
    TO wisp_operator, wisp_worker;
GRANT SELECT ON webhook_attempts TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_webhook_url_shown(text) TO wisp_operator, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_outbox_kinds() TO wisp_viewer, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_webhook_add(text, text[], text), wisp_webhook_set_active(integer, boolean),
    wisp_webhook_remove(integer), wisp_webhook_redeliver(bigint) TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_webhook_claim(text, integer, integer), wisp_webhook_next_ms(integer),
    wisp_webhook_record(bigint, text, text, integer, integer, text, text, bigint, integer) TO wisp_worker;
