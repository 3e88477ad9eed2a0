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
-- Ownership, search_path, who may call what (the outbox).
DO $own$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_iso_utc', 'wisp_outbox_emit', 'wisp_outbox_voucher',
                                 'wisp_outbox_stock', 'wisp_outbox_order', 'wisp_outbox_router') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT SELECT, INSERT ON outbox_events TO wisp_owner;
GRANT USAGE ON SEQUENCE outbox_events_id_seq TO wisp_owner;
GRANT SELECT ON plans, vouchers, orders, sessions, routers TO wisp_owner;
-- Payloads name voucher codes: admins and the worker read them, nobody
-- writes the table but wisp_outbox_emit, which only the worker may call
-- (for events of its own; everything else comes from the triggers).
GRANT SELECT ON outbox_events TO wisp_admin, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_iso_utc(timestamptz) TO wisp_viewer, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_outbox_emit(text, jsonb) TO wisp_worker;
