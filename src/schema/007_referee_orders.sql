-- 007_referee_orders: the database referees orders, routers, router secrets
-- and router jobs. No login role writes orders, router settings, router
-- secrets or queued jobs itself: it calls the SECURITY DEFINER functions
-- below, owned by the NOLOGIN role wisp_owner, each of which checks the
-- caller's group and the transition, takes who and when from session_user
-- and now(), and writes its audit row in the same transaction. Order PINs
-- are out of every login role's reach but through wisp_order_reveal
-- (audited). The worker keeps UPDATE on the columns a poll writes (state,
-- health, leases), never on a router's host, login or host key.
--
-- Admins run the console's embedded worker, so the worker's functions and
-- column rights are given to wisp_admin as well as wisp_worker (an admin is
-- no member of wisp_worker).

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_owner') THEN
        CREATE ROLE wisp_owner NOLOGIN;
    END IF;
    -- Whoever migrates must be able to hand functions to wisp_owner.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'wisp_owner', 'MEMBER') THEN
        EXECUTE format('GRANT wisp_owner TO %I', current_user);
    END IF;
END
$roles$;

-- What the functions themselves touch, as wisp_owner.
GRANT SELECT ON plans, vouchers, sessions, voucher_routers TO wisp_owner;
GRANT SELECT, INSERT, UPDATE ON orders, routers, router_jobs TO wisp_owner;
GRANT DELETE ON routers TO wisp_owner;
GRANT SELECT, INSERT, UPDATE, DELETE ON router_secrets TO wisp_owner;
GRANT SELECT, INSERT ON audit TO wisp_owner;
GRANT USAGE ON SEQUENCE orders_id_seq, routers_id_seq, router_jobs_id_seq, audit_id_seq
    TO wisp_owner;

-- The caller's group is checked with 006's wisp_require (session_user: a
-- definer function runs as wisp_owner, but the person is the login role),
-- and audit rows are written with 006's wisp_audit_write.

-- Text a person typed: one line, no control characters.
CREATE FUNCTION wisp_text_one_line(p_what text, p_value text) RETURNS void
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
    IF p_value ~ '[\x01-\x1f\x7f-\x9f]' THEN
        RAISE EXCEPTION 'bad %: control characters are not allowed', p_what
            USING ERRCODE = 'check_violation';
    END IF;
END
$$;

-- ---- orders: intake and the operator's actions ----------------------------

-- Take an order (the counter, `wisp order add`, a web shop). Always pending,
-- no PIN, created by the caller now. A plan product must name an active
-- plan; its amount defaults to the plan's price. Returns the order's id.
CREATE FUNCTION wisp_order_add(p_product text, p_customer text, p_channel text DEFAULT 'counter',
                               p_amount numeric DEFAULT NULL, p_currency text DEFAULT NULL,
                               p_provider text DEFAULT NULL, p_extra text DEFAULT NULL,
                               p_paid boolean DEFAULT false, p_payment_ref text DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_price numeric;
    v_id bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    PERFORM wisp_text_one_line('product', p_product);
    PERFORM wisp_text_one_line('customer', p_customer);
    PERFORM wisp_text_one_line('extra', p_extra);
    PERFORM wisp_text_one_line('currency', p_currency);
    PERFORM wisp_text_one_line('payment_ref', p_payment_ref);
    IF coalesce(p_channel, '') NOT IN ('counter', 'web', 'api') THEN
        RAISE EXCEPTION 'bad channel "%": expected counter, web or api', p_channel
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_provider IS NULL THEN
        SELECT price INTO v_price FROM plans WHERE name = p_product AND active;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no active plan named "%" (a provider product needs a provider)',
                p_product USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    INSERT INTO orders (channel, product, customer, extra, amount, currency, provider, paid,
                        payment_ref, created_by, created_at)
        VALUES (p_channel, p_product, p_customer, p_extra, coalesce(p_amount, v_price), p_currency,
                p_provider, coalesce(p_paid, false), p_payment_ref, session_user, now())
        RETURNING id INTO v_id;
    PERFORM wisp_audit_write('order.add', jsonb_strip_nulls(jsonb_build_object(
        'order', v_id, 'product', p_product, 'customer', p_customer, 'provider', p_provider,
        'channel', p_channel, 'paid', coalesce(p_paid, false))));
    RETURN v_id;
END
$$;

-- The order locked for a change, or a clear error.
CREATE FUNCTION wisp_order_lock(p_id bigint) RETURNS orders
LANGUAGE plpgsql AS $$
DECLARE
    o orders;
BEGIN
    SELECT * INTO o FROM orders WHERE id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no order %', p_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN o;
END
$$;

CREATE FUNCTION wisp_order_cancel(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    o orders;
BEGIN
    PERFORM wisp_require('wisp_operator');
    o := wisp_order_lock(p_id);
    IF o.status NOT IN ('pending', 'sent', 'processing', 'failed') THEN
        RAISE EXCEPTION 'order % is %: only open or failed orders can be cancelled', p_id, o.status
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE orders SET status = 'cancelled', next_check_at = NULL WHERE id = p_id;
    PERFORM wisp_audit_write('order.cancel', jsonb_build_object('order', p_id, 'was', o.status));
END
$$;

CREATE FUNCTION wisp_order_retry(p_id bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    o orders;
BEGIN
    PERFORM wisp_require('wisp_operator');
    o := wisp_order_lock(p_id);
    IF o.status <> 'failed' THEN
        RAISE EXCEPTION 'order % is %: only failed orders are retried', p_id, o.status
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE orders SET status = 'pending', next_check_at = NULL, last_error = NULL, checks = 0
        WHERE id = p_id;
    PERFORM wisp_audit_write('order.retry', jsonb_build_object('order', p_id));
END
$$;

-- A payment arrived for an order (a payment callback, the counter). Once:
-- a paid order's reference is never overwritten.
CREATE FUNCTION wisp_order_mark_paid(p_id bigint, p_payment_ref text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    o orders;
BEGIN
    PERFORM wisp_require('wisp_operator');
    PERFORM wisp_text_one_line('payment_ref', p_payment_ref);
    o := wisp_order_lock(p_id);
    IF o.paid THEN
        RAISE EXCEPTION 'order % is already paid', p_id USING ERRCODE = 'check_violation';
    END IF;
    IF o.status = 'cancelled' THEN
        RAISE EXCEPTION 'order % is cancelled', p_id USING ERRCODE = 'check_violation';
    END IF;
    UPDATE orders SET paid = true, payment_ref = p_payment_ref WHERE id = p_id;
    PERFORM wisp_audit_write('order.paid', jsonb_strip_nulls(jsonb_build_object(
        'order', p_id, 'payment_ref', p_payment_ref)));
END
$$;

-- An order's PIN for a person to read: the only way to it, audited.
CREATE FUNCTION wisp_order_reveal(p_id bigint) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_pin text;
BEGIN
    PERFORM wisp_require('wisp_operator');
    SELECT pin INTO v_pin FROM orders WHERE id = p_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no order %', p_id USING ERRCODE = 'no_data_found';
    END IF;
    IF v_pin IS NULL THEN
        RAISE EXCEPTION 'order % has no PIN yet', p_id USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM wisp_audit_write('order.reveal', jsonb_build_object('order', p_id));
    RETURN v_pin;
END
$$;

-- ---- orders: the worker ------------------------------------------------------

-- Pending plan orders whose product is no active plan: failed, saying so.
CREATE FUNCTION wisp_order_fail_unknown() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    n integer := 0;
    o record;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    FOR o IN UPDATE orders SET status = 'failed', attempts = attempts + 1,
                    last_error = 'no active plan named ' || quote_literal(product)
             WHERE status = 'pending' AND provider IS NULL
               AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.name = orders.product AND p.active)
             RETURNING id, last_error LOOP
        PERFORM wisp_audit_write('order.fail', jsonb_build_object('order', o.id, 'error', o.last_error));
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;

-- Fulfil the oldest pending plan order nobody else holds from stock, in the
-- caller's transaction: an unsold voucher of the plan (those on a router
-- first) is sold to it at the plan's price, the order completed with the
-- voucher's code as its PIN, and audited. One row: the order and voucher
-- (short_plan NULL); or the order, no voucher and the plan out of stock
-- (nothing changed); no row: no order waits.
CREATE FUNCTION wisp_order_fulfil(OUT order_id bigint, OUT voucher_id bigint, OUT short_plan integer)
RETURNS SETOF record LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_plan integer;
    v_name text;
    v_code text;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    SELECT o.id, p.id, p.name INTO order_id, v_plan, v_name FROM orders o
        JOIN plans p ON p.name = o.product AND p.active
        WHERE o.status = 'pending' AND o.provider IS NULL
        ORDER BY o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    -- The sale is 006's (those already on a router first; price, seller and
    -- time stamped there, audited as voucher.sell).
    SELECT s.id, s.code INTO voucher_id, v_code FROM wisp_voucher_sell_next(v_name) s;
    IF voucher_id IS NULL THEN
        short_plan := v_plan;
        RETURN NEXT;
        RETURN;
    END IF;
    UPDATE orders SET status = 'completed', pin = v_code, voucher_id = wisp_order_fulfil.voucher_id,
                      attempts = attempts + 1, last_sync_at = now(), last_error = NULL
        WHERE id = order_id;
    PERFORM wisp_audit_write('order.complete', jsonb_build_object('order', order_id, 'voucher', voucher_id));
    RETURN NEXT;
END
$$;

-- A provider order in the worker's hands: its row locked until the caller's
-- transaction ends (FOR UPDATE SKIP LOCKED), as the worker needs it.
CREATE TYPE wisp_order_job AS (
    id bigint, provider text, product text, customer text, extra text, idempotency_key text,
    provider_ref text, attempts integer, checks integer, created_epoch bigint, sent_epoch bigint
);

-- The oldest provider order due for dispatch (pending, next_check_at passed or unset).
CREATE FUNCTION wisp_order_claim_dispatch() RETURNS SETOF wisp_order_job
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    RETURN QUERY
        SELECT o.id, o.provider, o.product, o.customer, coalesce(o.extra, ''), o.idempotency_key,
               coalesce(o.provider_ref, ''), o.attempts, o.checks,
               extract(epoch FROM o.created_at)::bigint, coalesce(extract(epoch FROM o.sent_at)::bigint, 0)
        FROM orders o WHERE o.status = 'pending' AND o.provider IS NOT NULL
          AND (o.next_check_at IS NULL OR o.next_check_at <= now())
        ORDER BY o.next_check_at NULLS FIRST, o.id LIMIT 1 FOR UPDATE SKIP LOCKED;
END
$$;

-- The oldest in-flight order (sent, processing) due for a check; with
-- p_sweep_since > 0 (epoch seconds), any in flight not synced since then.
CREATE FUNCTION wisp_order_claim_check(p_sweep_since bigint) RETURNS SETOF wisp_order_job
LANGUAGE plpgsql SECURITY DEFINER AS $$
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    RETURN QUERY
        SELECT o.id, o.provider, o.product, o.customer, coalesce(o.extra, ''), o.idempotency_key,
               coalesce(o.provider_ref, ''), o.attempts, o.checks,
               extract(epoch FROM o.created_at)::bigint, coalesce(extract(epoch FROM o.sent_at)::bigint, 0)
        FROM orders o WHERE o.status IN ('sent', 'processing')
          AND CASE WHEN p_sweep_since > 0
                   THEN coalesce(o.last_sync_at, o.sent_at) < to_timestamp(p_sweep_since)
                   ELSE o.next_check_at <= now() END
        ORDER BY CASE WHEN p_sweep_since > 0 THEN o.sent_at ELSE o.next_check_at END, o.id
        LIMIT 1 FOR UPDATE SKIP LOCKED;
END
$$;

-- A provider order in flight, locked, or a clear error.
CREATE FUNCTION wisp_order_in_flight(p_id bigint) RETURNS orders
LANGUAGE plpgsql AS $$
DECLARE
    o orders;
BEGIN
    o := wisp_order_lock(p_id);
    IF o.provider IS NULL OR o.status NOT IN ('pending', 'sent', 'processing') THEN
        RAISE EXCEPTION 'order % is % (%): not a provider order in flight', p_id, o.status,
            coalesce(o.provider, 'from stock') USING ERRCODE = 'check_violation';
    END IF;
    RETURN o;
END
$$;

-- A dispatch or a check that did not finish the order: its status (NULL: as
-- it was; pending, sent or processing), the provider's reference (NULL
-- keeps it), the error, the next check (epoch seconds, 0: none); p_sent: it
-- was dispatched now; p_checked: it was a status check.
CREATE FUNCTION wisp_order_progress(p_id bigint, p_status text, p_ref text, p_error text,
                                    p_next_check bigint, p_sent boolean, p_checked boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    o orders;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    o := wisp_order_in_flight(p_id);
    IF p_status IS NOT NULL AND p_status NOT IN ('pending', 'sent', 'processing') THEN
        RAISE EXCEPTION 'order %: % is not a step in flight (complete or fail it)', p_id, p_status
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_status = 'pending' AND o.status <> 'pending' THEN
        RAISE EXCEPTION 'order % is %: it was sent, it cannot be pending again', p_id, o.status
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE orders SET status = coalesce(p_status, status), provider_ref = coalesce(p_ref, provider_ref),
                      last_error = p_error,
                      next_check_at = CASE WHEN p_next_check > 0 THEN to_timestamp(p_next_check) END,
                      sent_at = CASE WHEN p_sent THEN now() ELSE sent_at END,
                      attempts = attempts + CASE WHEN p_checked THEN 0 ELSE 1 END,
                      checks = CASE WHEN p_sent THEN 0 ELSE checks + CASE WHEN p_checked THEN 1 ELSE 0 END END,
                      last_sync_at = now()
        WHERE id = p_id;
END
$$;

-- The provider says the order failed (or it timed out): failed, audited.
CREATE FUNCTION wisp_order_fail(p_id bigint, p_error text, p_checked boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    o orders;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    o := wisp_order_in_flight(p_id);
    UPDATE orders SET status = 'failed', last_error = coalesce(p_error, 'failed'), next_check_at = NULL,
                      attempts = attempts + CASE WHEN p_checked THEN 0 ELSE 1 END,
                      checks = checks + CASE WHEN p_checked THEN 1 ELSE 0 END, last_sync_at = now()
        WHERE id = p_id;
    PERFORM wisp_audit_write('order.fail', jsonb_strip_nulls(jsonb_build_object(
        'order', p_id, 'provider', o.provider, 'error', p_error)));
END
$$;

-- The provider delivered: the order completed with its PIN, audited. Plan
-- orders complete only through wisp_order_fulfil (their PIN is a voucher).
CREATE FUNCTION wisp_order_complete(p_id bigint, p_pin text, p_ref text DEFAULT NULL,
                                    p_checked boolean DEFAULT false)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    o orders;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    o := wisp_order_in_flight(p_id);
    IF p_pin IS NULL OR p_pin = '' THEN
        RAISE EXCEPTION 'order %: a completed order needs its PIN', p_id USING ERRCODE = 'check_violation';
    END IF;
    UPDATE orders SET status = 'completed', pin = p_pin, provider_ref = coalesce(p_ref, provider_ref),
                      last_error = NULL, next_check_at = NULL,
                      sent_at = coalesce(sent_at, now()),
                      attempts = attempts + CASE WHEN p_checked THEN 0 ELSE 1 END,
                      checks = checks + CASE WHEN p_checked THEN 1 ELSE 0 END, last_sync_at = now()
        WHERE id = p_id;
    PERFORM wisp_audit_write('order.complete', jsonb_build_object('order', p_id, 'provider', o.provider));
END
$$;

-- ---- routers ------------------------------------------------------------------

-- The router's id by name, or a clear error.
CREATE FUNCTION wisp_router_id(p_name text) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_id integer;
BEGIN
    SELECT id INTO v_id FROM routers WHERE name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no router named "%"', p_name USING ERRCODE = 'no_data_found';
    END IF;
    RETURN v_id;
END
$$;

-- Set a router's settings from p_fields (admin): keys driver, host, port,
-- user, key_path, password, hotspot_server, backup (a router's name),
-- login_url, hostkey, accept_new_hostkey. A key given as JSON null clears
-- an optional setting. A password replaces the key login and a key_path
-- drops the password; a hostkey given stops trusting a new one.
CREATE FUNCTION wisp_router_apply(p_id integer, p_fields jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v_order text[] := ARRAY['driver', 'host', 'port', 'user', 'hotspot_server', 'login_url',
                            'key_path', 'password', 'hostkey', 'accept_new_hostkey', 'backup'];
    k text;
    v text;
    v_backup integer;
BEGIN
    FOR k IN SELECT jsonb_object_keys(p_fields) EXCEPT SELECT unnest(v_order) LOOP
        RAISE EXCEPTION 'unknown router setting "%"', k USING ERRCODE = 'invalid_parameter_value';
    END LOOP;
    IF p_fields ? 'key_path' AND p_fields ->> 'key_path' IS NOT NULL AND p_fields ? 'password' THEN
        RAISE EXCEPTION 'give a key_path or a password, not both' USING ERRCODE = 'check_violation';
    END IF;
    -- In this order: a hostkey given (or cleared) before trusting a new one.
    FOREACH k IN ARRAY v_order LOOP
        CONTINUE WHEN NOT p_fields ? k;
        v := p_fields ->> k;
        IF v IS NULL AND k IN ('driver', 'host', 'port', 'user', 'password', 'accept_new_hostkey') THEN
            RAISE EXCEPTION 'router setting "%" cannot be cleared', k USING ERRCODE = 'not_null_violation';
        END IF;
        PERFORM wisp_text_one_line(k, v);
        CASE k
        WHEN 'driver' THEN UPDATE routers SET driver = v WHERE id = p_id;
        WHEN 'host' THEN UPDATE routers SET host = v WHERE id = p_id;
        WHEN 'port' THEN UPDATE routers SET port = v::integer WHERE id = p_id;
        WHEN 'user' THEN UPDATE routers SET username = v WHERE id = p_id;
        WHEN 'hotspot_server' THEN UPDATE routers SET hotspot_server = v WHERE id = p_id;
        WHEN 'login_url' THEN UPDATE routers SET login_url = v WHERE id = p_id;
        WHEN 'key_path' THEN
            UPDATE routers SET key_path = v WHERE id = p_id;
            IF v IS NOT NULL THEN
                DELETE FROM router_secrets WHERE router_id = p_id;
            END IF;
        WHEN 'password' THEN
            INSERT INTO router_secrets (router_id, password) VALUES (p_id, v)
                ON CONFLICT (router_id) DO UPDATE SET password = EXCLUDED.password;
            UPDATE routers SET key_path = NULL WHERE id = p_id;
        WHEN 'hostkey' THEN
            UPDATE routers SET hostkey = v, accept_new_hostkey = false,
                               state = CASE WHEN state = 'hostkey-mismatch' THEN 'unknown' ELSE state END,
                               next_try_at = NULL, failures = 0
                WHERE id = p_id;
        WHEN 'accept_new_hostkey' THEN
            UPDATE routers SET accept_new_hostkey = v::boolean WHERE id = p_id;
        WHEN 'backup' THEN
            IF v IS NULL THEN
                UPDATE routers SET backup_id = NULL WHERE id = p_id;
            ELSE
                v_backup := wisp_router_id(v);
                UPDATE routers SET backup_id = v_backup WHERE id = p_id;
            END IF;
        END CASE;
    END LOOP;
END
$$;

-- What the audit row says of a change: never the password itself.
CREATE FUNCTION wisp_router_details(p_name text, p_fields jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_object('name', p_name)
           || (p_fields - 'password')
           || CASE WHEN p_fields ? 'password' THEN '{"password": "(changed)"}'::jsonb ELSE '{}' END;
$$;

CREATE FUNCTION wisp_router_add(p_name text, p_fields jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_id integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF EXISTS (SELECT FROM routers WHERE name = p_name) THEN
        RAISE EXCEPTION 'a router named "%" already exists', p_name USING ERRCODE = 'unique_violation';
    END IF;
    IF NOT (p_fields ? 'driver' AND p_fields ? 'host' AND p_fields ? 'user') THEN
        RAISE EXCEPTION 'a router needs a driver, a host and a user' USING ERRCODE = 'not_null_violation';
    END IF;
    INSERT INTO routers (name, driver, host, username, created_by, created_at)
        VALUES (p_name, p_fields ->> 'driver', p_fields ->> 'host', p_fields ->> 'user', session_user, now())
        RETURNING id INTO v_id;
    PERFORM wisp_router_apply(v_id, p_fields - 'driver' - 'host' - 'user');
    PERFORM wisp_audit_write('router.add', wisp_router_details(p_name, p_fields));
    RETURN v_id;
END
$$;

CREATE FUNCTION wisp_router_edit(p_name text, p_fields jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_id integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    v_id := wisp_router_id(p_name);
    PERFORM 1 FROM routers WHERE id = v_id FOR UPDATE;
    PERFORM wisp_router_apply(v_id, p_fields);
    PERFORM wisp_audit_write('router.edit', wisp_router_details(p_name, p_fields));
END
$$;

CREATE FUNCTION wisp_router_remove(p_name text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_id integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    v_id := wisp_router_id(p_name); -- once: a volatile call per row would see the row gone
    DELETE FROM routers WHERE id = v_id;
    PERFORM wisp_audit_write('router.remove', jsonb_build_object('name', p_name));
END
$$;

-- Maintenance on (the worker leaves it alone) or off (back to unknown until polled).
CREATE FUNCTION wisp_router_maintenance(p_name text, p_on boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_id integer;
BEGIN
    PERFORM wisp_require('wisp_operator');
    v_id := wisp_router_id(p_name);
    UPDATE routers SET state = CASE WHEN p_on THEN 'maintenance' ELSE 'unknown' END WHERE id = v_id;
    PERFORM wisp_audit_write('router.maintenance', jsonb_build_object('name', p_name, 'maintenance', p_on));
END
$$;

-- Pin the host key a router showed at first contact: only when an admin
-- said to trust the first key (accept_new_hostkey) and none is pinned yet.
-- Returns true when pinned now, false when this very key was pinned already.
CREATE FUNCTION wisp_router_pin_hostkey(p_router_id integer, p_hostkey text) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    r routers;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_operator');
    SELECT * INTO r FROM routers WHERE id = p_router_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no router %', p_router_id USING ERRCODE = 'no_data_found';
    END IF;
    IF r.hostkey = p_hostkey THEN
        RETURN false;
    END IF;
    IF r.hostkey IS NOT NULL THEN
        RAISE EXCEPTION 'router %: a host key is pinned already; only an admin changes it (router edit --hostkey)',
            r.name USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT r.accept_new_hostkey THEN
        RAISE EXCEPTION 'router %: no new host key is trusted (router edit --hostkey, or --accept-new-hostkey)',
            r.name USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE routers SET hostkey = p_hostkey, accept_new_hostkey = false WHERE id = p_router_id;
    PERFORM wisp_audit_write('router.hostkey', jsonb_build_object('name', r.name, 'hostkey', p_hostkey));
    RETURN true;
END
$$;

-- ---- router jobs ------------------------------------------------------------------

-- Queue a job for a router's worker (operators): kick (a session), resync
-- (every voucher again), remove (a user off the router). Returns its id.
CREATE FUNCTION wisp_router_job_add(p_router text, p_kind text, p_target text DEFAULT NULL,
                                    p_session_id bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_router integer;
    v_id bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    PERFORM wisp_text_one_line('target', p_target);
    v_router := wisp_router_id(p_router);
    IF p_kind NOT IN ('kick', 'resync', 'remove') THEN
        RAISE EXCEPTION 'bad job "%": expected kick, resync or remove', p_kind USING ERRCODE = 'check_violation';
    END IF;
    IF p_kind = 'remove' AND coalesce(p_target, '') = '' THEN
        RAISE EXCEPTION 'a remove job needs the user to remove' USING ERRCODE = 'check_violation';
    END IF;
    -- A voucher leaves its routers through its life cycle (disable, delete,
    -- expiry), never behind it: a sold voucher removed by a job would stay
    -- sold and synced in the books while no router accepts it.
    IF p_kind = 'remove' AND EXISTS (SELECT FROM vouchers WHERE code = p_target) THEN
        RAISE EXCEPTION 'user "%" is a voucher: disable or delete it instead (`wisp voucher disable %`)',
            p_target, p_target USING ERRCODE = 'check_violation';
    END IF;
    IF p_session_id IS NOT NULL AND NOT EXISTS (SELECT FROM sessions WHERE id = p_session_id
                                                AND router_id = v_router) THEN
        RAISE EXCEPTION 'no session % on router "%"', p_session_id, p_router USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO router_jobs (router_id, kind, session_id, target, created_by, created_at)
        VALUES (v_router, p_kind, p_session_id, p_target, session_user, now()) RETURNING id INTO v_id;
    PERFORM wisp_audit_write('router.job', jsonb_strip_nulls(jsonb_build_object(
        'router', p_router, 'job', v_id, 'kind', p_kind, 'target', p_target)));
    RETURN v_id;
END
$$;

-- Kick an open session off its router: a kick job, audited. Returns the job's id.
CREATE FUNCTION wisp_session_kick(p_session_id bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    s record;
    v_id bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    SELECT id, router_id, username INTO s FROM sessions WHERE id = p_session_id AND state = 'active';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no open session %', p_session_id USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO router_jobs (router_id, kind, session_id, target, created_by, created_at)
        VALUES (s.router_id, 'kick', s.id, s.username, session_user, now()) RETURNING id INTO v_id;
    PERFORM wisp_audit_write('session.kick', jsonb_build_object('session', s.id, 'user', s.username, 'job', v_id));
    RETURN v_id;
END
$$;

-- Ask the worker to poll a router now; p_full: push every voucher again (a resync job).
CREATE FUNCTION wisp_router_sync(p_name text, p_full boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    v_router integer;
BEGIN
    PERFORM wisp_require('wisp_operator');
    v_router := wisp_router_id(p_name);
    UPDATE routers SET sync_requested = true WHERE id = v_router;
    IF p_full THEN
        INSERT INTO router_jobs (router_id, kind, created_by, created_at)
            VALUES (v_router, 'resync', session_user, now());
    END IF;
    PERFORM wisp_audit_write('router.sync', jsonb_build_object('name', p_name, 'full', coalesce(p_full, false)));
END
$$;

-- ---- ownership, search_path, who may call what ----------------------------------

DO $own$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_text_one_line',
                   'wisp_order_add', 'wisp_order_lock', 'wisp_order_cancel', 'wisp_order_retry',
                   'wisp_order_mark_paid', 'wisp_order_reveal', 'wisp_order_fail_unknown',
                   'wisp_order_fulfil', 'wisp_order_claim_dispatch', 'wisp_order_claim_check',
                   'wisp_order_in_flight', 'wisp_order_progress', 'wisp_order_fail',
                   'wisp_order_complete', 'wisp_router_id', 'wisp_router_apply',
                   'wisp_router_details', 'wisp_router_add', 'wisp_router_edit',
                   'wisp_router_remove', 'wisp_router_maintenance', 'wisp_router_pin_hostkey',
                   'wisp_router_job_add', 'wisp_session_kick', 'wisp_router_sync') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
    EXECUTE 'ALTER TYPE wisp_order_job OWNER TO wisp_owner';
END
$own$;

GRANT EXECUTE ON FUNCTION wisp_order_add(text, text, text, numeric, text, text, text, boolean, text),
    wisp_order_cancel(bigint), wisp_order_retry(bigint), wisp_order_mark_paid(bigint, text),
    wisp_order_reveal(bigint), wisp_router_maintenance(text, boolean),
    wisp_router_job_add(text, text, text, bigint), wisp_session_kick(bigint),
    wisp_router_sync(text, boolean)
    TO wisp_operator;
GRANT EXECUTE ON FUNCTION wisp_router_add(text, jsonb), wisp_router_edit(text, jsonb),
    wisp_router_remove(text)
    TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_order_fail_unknown(), wisp_order_fulfil(),
    wisp_order_claim_dispatch(), wisp_order_claim_check(bigint),
    wisp_order_progress(bigint, text, text, text, bigint, boolean, boolean),
    wisp_order_fail(bigint, text, boolean), wisp_order_complete(bigint, text, text, boolean)
    TO wisp_worker, wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_router_pin_hostkey(integer, text) TO wisp_worker, wisp_operator;

-- ---- table rights: read what you may see, write through the functions ------------

-- Orders: no login role writes them; nobody reads a PIN but through the reveal.
REVOKE INSERT, UPDATE, DELETE ON orders FROM wisp_viewer, wisp_operator, wisp_admin, wisp_worker;
REVOKE SELECT ON orders FROM wisp_viewer, wisp_operator, wisp_admin, wisp_worker;
GRANT SELECT (id, channel, product, customer, extra, amount, currency, paid, payment_ref, status,
              provider, provider_ref, idempotency_key, voucher_id, attempts, checks,
              next_check_at, last_error, created_at, sent_at, last_sync_at, completed_at,
              created_by)
    ON orders TO wisp_viewer;
REVOKE USAGE ON SEQUENCE orders_id_seq FROM wisp_operator;

-- Routers: settings through the admin's functions; the worker (and an
-- admin's embedded worker) writes what a poll learns and its leases.
REVOKE INSERT, UPDATE, DELETE ON routers FROM wisp_viewer, wisp_operator, wisp_admin, wisp_worker;
REVOKE USAGE ON SEQUENCE routers_id_seq FROM wisp_admin;
GRANT UPDATE (state, last_seen, last_error, identity, version, cpu_load, mem_total, mem_free,
              uptime_s, active_sessions, failures, next_try_at, sync_requested, lease_owner,
              lease_until)
    ON routers TO wisp_worker, wisp_admin;

-- Router passwords: admins and the worker read them (to log in); only the
-- admin's functions write them.
REVOKE INSERT, UPDATE, DELETE ON router_secrets FROM wisp_viewer, wisp_operator, wisp_admin, wisp_worker;
GRANT SELECT ON router_secrets TO wisp_worker, wisp_admin;

-- Router jobs: queued through the functions (created_by is the caller's),
-- carried out by the worker, which writes their outcome only.
REVOKE INSERT, UPDATE, DELETE ON router_jobs FROM wisp_viewer, wisp_operator, wisp_admin, wisp_worker;
REVOKE USAGE ON SEQUENCE router_jobs_id_seq FROM wisp_operator;
GRANT UPDATE (state, result, done_at) ON router_jobs TO wisp_worker, wisp_admin;

-- The embedded worker's other tables, for an admin who is no wisp_worker.
GRANT INSERT, UPDATE ON sessions, voucher_routers, workers TO wisp_admin;
GRANT DELETE ON workers TO wisp_admin;
GRANT USAGE ON SEQUENCE sessions_id_seq TO wisp_admin;
