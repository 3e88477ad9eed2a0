-- 003_orders: customer orders, from intake until the customer holds a PIN
-- (or a clear failure), exactly once. Plan products are fulfilled from
-- voucher stock; provider products are dispatched to an order provider over
-- HTTP and polled until they finish. The worker does both; anything may
-- insert orders (the counter, `wisp order add`, a web shop): see
-- docs/orders.md for that contract.

CREATE TABLE orders (
    id              bigserial PRIMARY KEY,
    channel         text NOT NULL DEFAULT 'counter' CHECK (channel IN ('counter', 'web', 'api')),
    product         text NOT NULL CHECK (length(product) BETWEEN 1 AND 64),
    customer        text NOT NULL CHECK (length(customer) BETWEEN 1 AND 128),
    extra           text CHECK (length(extra) <= 256),
    amount          numeric(12, 2) CHECK (amount >= 0),
    currency        text,
    paid            boolean NOT NULL DEFAULT false,
    payment_ref     text,
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sent', 'processing', 'completed', 'failed', 'cancelled')),
    provider        text CHECK (provider ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$'),
    provider_ref    text,
    idempotency_key text NOT NULL DEFAULT gen_random_uuid()::text UNIQUE,
    pin             text,
    voucher_id      bigint REFERENCES vouchers (id),
    attempts        integer NOT NULL DEFAULT 0,
    checks          integer NOT NULL DEFAULT 0,
    next_check_at   timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz,
    last_sync_at    timestamptz,
    completed_at    timestamptz,
    created_by      text NOT NULL DEFAULT session_user,
    CHECK (status <> 'completed' OR pin IS NOT NULL)
);
CREATE INDEX orders_open ON orders (next_check_at NULLS FIRST, id)
    WHERE status IN ('pending', 'sent', 'processing');
CREATE INDEX orders_created ON orders (created_at);
CREATE UNIQUE INDEX orders_voucher ON orders (voucher_id) WHERE voucher_id IS NOT NULL;

-- Stock for orders: the unsold vouchers of a plan, oldest first.
CREATE INDEX vouchers_stock ON vouchers (plan_id, id) WHERE status = 'new';

-- Below this many unsold vouchers a plan is low on stock (NULL: never).
ALTER TABLE plans ADD COLUMN low_stock integer CHECK (low_stock >= 0);

-- A new order wakes the workers at once (LISTEN wisp_orders), not at their
-- next cycle.
CREATE FUNCTION orders_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('wisp_orders', NEW.id::text);
    RETURN NULL;
END
$$;
CREATE TRIGGER orders_notify AFTER INSERT ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_notify();

-- A finished order stays finished: a completed order keeps its PIN, and a
-- completed, failed or cancelled order does not go back in flight (retry
-- moves a failed one to pending on purpose).
CREATE FUNCTION orders_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'completed' AND (NEW.status <> 'completed' OR NEW.pin IS DISTINCT FROM OLD.pin) THEN
        RAISE EXCEPTION 'order % is completed: it cannot change', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        RAISE EXCEPTION 'order % is cancelled', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'failed' AND NEW.status NOT IN ('failed', 'pending', 'cancelled') THEN
        RAISE EXCEPTION 'order % failed: retry it first', OLD.id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = 'completed' AND OLD.status <> 'completed' THEN
        NEW.completed_at := now();
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER orders_transition BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_transition();

GRANT SELECT ON orders TO wisp_viewer;
GRANT INSERT ON orders TO wisp_operator;
GRANT UPDATE (status, attempts, next_check_at, last_error, paid, payment_ref) ON orders TO wisp_operator;
GRANT USAGE ON SEQUENCE orders_id_seq TO wisp_operator;
GRANT UPDATE (low_stock) ON plans TO wisp_admin;
GRANT UPDATE ON orders TO wisp_worker;
GRANT UPDATE (status, sold_at, price, sold_by) ON vouchers TO wisp_worker;
GRANT INSERT ON batches, vouchers TO wisp_worker;
GRANT USAGE ON SEQUENCE batches_id_seq, vouchers_id_seq TO wisp_worker;
