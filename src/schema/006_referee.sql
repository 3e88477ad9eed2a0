-- 006_referee: the database referees every sale. Login roles read tables;
-- every write to plans, batches, vouchers and audit goes through the
-- SECURITY DEFINER functions below, owned by the NOLOGIN role wisp_owner.
-- Each function checks the caller's group (session_user, so SET ROLE changes
-- nothing), checks the transition, takes who and when from session_user and
-- now(), and writes its audit row in the same transaction. wisp calls the
-- same functions, so psql can do exactly what wisp lets a role do.
--
-- The voucher life cycle is the triggers', whatever the path (even the
-- table owner's): a voucher is born new and unsold; new -> sold -> active ->
-- expired (and new -> active, used before it was marked sold); any of them
-- -> disabled, and disabled -> back to the status it had (status_before);
-- code, password, batch, plan and the first use never change; price,
-- sold_by and sold_at are set by the sale and changed only by
-- wisp_sale_correct. See docs/schema.md.

DO $owner$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_owner') THEN
        CREATE ROLE wisp_owner NOLOGIN;
    END IF;
    -- A migrating role that is not a superuser must be able to hand the
    -- functions to wisp_owner.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        EXECUTE format('GRANT wisp_owner TO %I', current_user);
    END IF;
    -- The definer functions look names up in this schema (after pg_catalog):
    -- a login role that could create objects here (PUBLIC may, on PostgreSQL
    -- 14 and older and in databases upgraded from them) could put a function
    -- of its own in their way, say wisp_require(text), and run it as
    -- wisp_owner. Only the schema's owner creates objects in it.
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', current_schema());
    -- ... but the functions' owner: a function handed to a role must be
    -- creatable by it (ALTER FUNCTION ... OWNER TO), which a migrating role
    -- that is not a superuser is held to.
    EXECUTE format('GRANT CREATE ON SCHEMA %I TO wisp_owner', current_schema());
    IF has_schema_privilege('public', current_schema(), 'CREATE') THEN
        RAISE WARNING 'anyone may create objects in schema %: as its owner, REVOKE CREATE ON SCHEMA % FROM PUBLIC',
            current_schema(), current_schema();
    END IF;
END
$owner$;

-- The status a disabled voucher had, so enabling it gives that back.
ALTER TABLE vouchers ADD COLUMN status_before text
    CHECK (status_before IN ('new', 'sold', 'active', 'expired'));
UPDATE vouchers SET status_before = CASE
        WHEN expires_at IS NOT NULL AND expires_at <= now() AND first_used_at IS NOT NULL THEN 'expired'
        WHEN first_used_at IS NOT NULL THEN 'active'
        WHEN sold_at IS NOT NULL THEN 'sold' ELSE 'new' END
    WHERE status = 'disabled';
-- NOT VALID: enforced from now on, without refusing a database whose past
-- rows were edited by hand.
ALTER TABLE vouchers
    ADD CONSTRAINT vouchers_disabled_remembers
        CHECK ((status = 'disabled') = (status_before IS NOT NULL)) NOT VALID,
    ADD CONSTRAINT vouchers_new_is_unsold
        CHECK (status <> 'new' OR (price IS NULL AND sold_by IS NULL AND sold_at IS NULL
                                   AND first_used_at IS NULL)) NOT VALID,
    ADD CONSTRAINT vouchers_sold_has_sale
        CHECK (status <> 'sold' OR (price IS NOT NULL AND sold_by IS NOT NULL AND sold_at IS NOT NULL)) NOT VALID,
    ADD CONSTRAINT vouchers_active_was_used
        CHECK (status NOT IN ('active', 'expired') OR first_used_at IS NOT NULL) NOT VALID;
COMMENT ON CONSTRAINT vouchers_disabled_remembers ON vouchers IS
    'a disabled voucher remembers the status it had (status_before), no other does';
COMMENT ON CONSTRAINT vouchers_new_is_unsold ON vouchers IS
    'a new voucher has no price, seller, sale time or first use';
COMMENT ON CONSTRAINT vouchers_sold_has_sale ON vouchers IS
    'a sold voucher has its price, seller and sale time';
COMMENT ON CONSTRAINT vouchers_active_was_used ON vouchers IS
    'an active or expired voucher has its first use';

-- Validate a CHECK where the existing rows meet it. Where rows from before
-- break it, it cannot stay as it is: a CHECK binds every changed row, so
-- such a voucher could never be sold, activated, disabled or expired (and
-- one of them failed wisp_voucher_expire for every voucher, and the
-- worker's session import for its router). So it becomes "the rule, or one
-- of the rows from before" (id up to the largest now; ids never change),
-- NOT VALID so that `wisp db migrate` names it: every new row obeys it,
-- the old ones go on through their life cycle. (008 uses this too.)
CREATE FUNCTION wisp_check_spare_old(p_table regclass, p_con text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    expr text;
    note text;
    top bigint;
BEGIN
    EXECUTE format('ALTER TABLE %s VALIDATE CONSTRAINT %I', p_table, p_con);
EXCEPTION WHEN check_violation THEN
    SELECT pg_get_expr(conbin, conrelid), obj_description(oid, 'pg_constraint') INTO expr, note
        FROM pg_constraint WHERE conrelid = p_table AND conname = p_con;
    EXECUTE format('SELECT max(id) FROM %s', p_table) INTO top;
    EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', p_table, p_con);
    EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I CHECK ((%s) OR id <= %s) NOT VALID',
                   p_table, p_con, expr, top);
    EXECUTE format('COMMENT ON CONSTRAINT %I ON %s IS %L', p_con, p_table, note);
    RAISE WARNING '%: rows from before break %; it holds for new rows only', p_table, p_con;
END
$$;
REVOKE ALL ON FUNCTION wisp_check_spare_old(regclass, text) FROM PUBLIC;

SELECT wisp_check_spare_old('vouchers', c)
    FROM unnest(ARRAY['vouchers_disabled_remembers', 'vouchers_new_is_unsold',
                      'vouchers_sold_has_sale', 'vouchers_active_was_used']) c;

-- Every UPDATE of a voucher, whichever columns it names.
CREATE OR REPLACE FUNCTION vouchers_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.code <> OLD.code OR NEW.password <> OLD.password OR NEW.batch_id <> OLD.batch_id
       OR NEW.serial <> OLD.serial OR NEW.plan_id <> OLD.plan_id OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'voucher %: its code, password, batch, plan and creation never change', OLD.code
            USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.first_used_at IS NOT NULL AND NEW.first_used_at IS DISTINCT FROM OLD.first_used_at THEN
        RAISE EXCEPTION 'voucher %: its first use never changes', OLD.code USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.status = 'expired' AND NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
        RAISE EXCEPTION 'voucher % is expired: its expiry never changes', OLD.code
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = OLD.status THEN
        NEW.status_before := OLD.status_before;
        NEW.disabled_at := OLD.disabled_at;
    ELSE
        IF NOT ((OLD.status = 'new' AND NEW.status IN ('sold', 'active', 'disabled'))
             OR (OLD.status = 'sold' AND NEW.status IN ('active', 'expired', 'disabled'))
             OR (OLD.status = 'active' AND NEW.status IN ('expired', 'disabled'))
             OR (OLD.status = 'expired' AND NEW.status = 'disabled')
             OR (OLD.status = 'disabled' AND (NEW.status = OLD.status_before
                 OR (NEW.status = 'expired' AND OLD.status_before IN ('sold', 'active'))))) THEN
            RAISE EXCEPTION 'voucher % is %, it cannot become %', OLD.code,
                OLD.status || coalesce(' (was ' || OLD.status_before || ')', ''), NEW.status
                USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.status = 'disabled' THEN
            NEW.status_before := OLD.status;
            NEW.disabled_at := now();
        ELSIF OLD.status = 'disabled' THEN
            NEW.status_before := NULL;
            NEW.disabled_at := NULL;
        END IF;
        IF OLD.status = 'new' AND NEW.status = 'sold' THEN
            -- (a row "un-sold" by hand before this migration keeps its sale)
            IF OLD.sold_at IS NOT NULL THEN
                RAISE EXCEPTION 'voucher % was sold at % by %: it cannot be sold again', OLD.code,
                    OLD.sold_at, OLD.sold_by USING ERRCODE = 'check_violation';
            END IF;
            -- The sale: the plan's price, by whoever is logged in, now.
            NEW.price := (SELECT price FROM plans WHERE id = NEW.plan_id);
            NEW.sold_by := session_user;
            NEW.sold_at := now();
            RETURN NEW;
        END IF;
    END IF;
    IF NEW.sold_by IS DISTINCT FROM OLD.sold_by OR NEW.sold_at IS DISTINCT FROM OLD.sold_at
       OR (NEW.price IS DISTINCT FROM OLD.price
           AND (OLD.sold_at IS NULL
                OR coalesce(current_setting('wisp.sale_correction', true), '') <> 'on')) THEN
        RAISE EXCEPTION 'voucher %: a sale''s price, seller and time change only through wisp_sale_correct', OLD.code
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
DROP TRIGGER vouchers_transition ON vouchers;
CREATE TRIGGER vouchers_transition BEFORE UPDATE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_transition();

-- A voucher is born new (the CHECK vouchers_new_is_unsold keeps its sale
-- fields empty). One statement-level check, so a 100,000-voucher batch pays
-- for it once.
CREATE FUNCTION vouchers_born_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM born WHERE status <> 'new' OR expires_at IS NOT NULL
                                   OR disabled_at IS NOT NULL OR status_before IS NOT NULL) THEN
        RAISE EXCEPTION 'a voucher is created new and unsold' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER vouchers_born_new AFTER INSERT ON vouchers REFERENCING NEW TABLE AS born
    FOR EACH STATEMENT EXECUTE FUNCTION vouchers_born_new();

-- ---------------------------------------------------------------------------
-- Helpers of the functions below (not callable by login roles).

-- Refuse unless session_user is in one of the groups (superusers are).
CREATE FUNCTION wisp_require(VARIADIC p_groups text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM unnest(p_groups) g WHERE pg_has_role(session_user, g, 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied: % is not in %', session_user, array_to_string(p_groups, ' or ')
            USING ERRCODE = 'insufficient_privilege';
    END IF;
END
$$;

-- Why a voucher change matched nothing: absent, or in the wrong status.
CREATE FUNCTION wisp_voucher_refuse(p_code text, p_verb text, p_need text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    st text;
BEGIN
    SELECT status INTO st FROM vouchers WHERE code = p_code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no voucher with code "%"', p_code USING ERRCODE = 'no_data_found';
    END IF;
    RAISE EXCEPTION 'voucher % is %: only % vouchers can be %', p_code, st, p_need, p_verb
        USING ERRCODE = 'check_violation';
END
$$;

CREATE FUNCTION wisp_audit_write(p_action text, p_details jsonb) RETURNS void LANGUAGE sql AS $$
    INSERT INTO audit (action, details) VALUES (p_action, coalesce(p_details, '{}'));
$$;

-- ---------------------------------------------------------------------------
-- Batches and vouchers.

-- A batch and its vouchers (codes drawn by the client from the kernel's
-- CSPRNG; passwords NULL in code mode, where password = code). Returns the
-- batch id. A code some voucher already has fails with unique_violation
-- (23505): draw again and call again.
CREATE FUNCTION wisp_batch_create(p_plan text, p_mode text, p_length integer, p_charset text,
                                  p_prefix text, p_router text, p_note text,
                                  p_codes text[], p_passwords text[])
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pid integer;
    live boolean;
    bid bigint;
    n integer := coalesce(cardinality(p_codes), 0);
BEGIN
    PERFORM wisp_require('wisp_operator', 'wisp_worker');
    SELECT id, active INTO pid, live FROM plans WHERE name = p_plan;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no plan named "%" (see `wisp plan list`)', p_plan USING ERRCODE = 'no_data_found';
    ELSIF NOT live THEN
        RAISE EXCEPTION 'plan "%" is disabled (`wisp plan enable %`)', p_plan, p_plan
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_router IS NOT NULL AND NOT EXISTS (SELECT FROM routers WHERE name = p_router) THEN
        RAISE EXCEPTION 'no router named "%" (see `wisp router list`)', p_router USING ERRCODE = 'no_data_found';
    END IF;
    IF (p_mode = 'userpass') <> (p_passwords IS NOT NULL)
       OR (p_passwords IS NOT NULL AND cardinality(p_passwords) <> n) THEN
        RAISE EXCEPTION 'a userpass batch has one password per code, a code batch none'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT FROM unnest(p_codes) c
               WHERE c IS NULL OR char_length(c) <> char_length(coalesce(p_prefix, '')) + p_length
                  OR left(c, char_length(coalesce(p_prefix, ''))) <> coalesce(p_prefix, '')) THEN
        RAISE EXCEPTION 'every code is the prefix and % characters', p_length
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    INSERT INTO batches (plan_id, count, mode, length, charset, prefix, router, note, created_at, created_by)
        VALUES (pid, n, p_mode, p_length, p_charset, coalesce(p_prefix, ''), p_router, p_note, now(), session_user)
        RETURNING id INTO bid;
    INSERT INTO vouchers (code, password, batch_id, serial, plan_id)
        SELECT u.c, coalesce(u.p, u.c), bid, u.i, pid
        FROM unnest(p_codes, p_passwords) WITH ORDINALITY AS u(c, p, i);
    PERFORM wisp_audit_write('voucher.create',
        jsonb_build_object('batch_id', bid, 'plan', p_plan, 'count', n, 'mode', p_mode));
    RETURN bid;
END
$$;

-- Sell a new voucher at its plan's price, by session_user, now.
CREATE FUNCTION wisp_voucher_sell(p_code text)
RETURNS TABLE (code text, price numeric, sold_by text, sold_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    sold record;
BEGIN
    PERFORM wisp_require('wisp_operator', 'wisp_worker');
    UPDATE vouchers v SET status = 'sold' WHERE v.code = p_code AND v.status = 'new'
        RETURNING v.code, v.price, v.sold_by, v.sold_at INTO sold;
    IF NOT FOUND THEN
        PERFORM wisp_voucher_refuse(p_code, 'sold', 'new');
    END IF;
    PERFORM wisp_audit_write('voucher.sell', jsonb_build_object('code', sold.code,
        'price', sold.price, 'sold_by', sold.sold_by, 'sold_at', sold.sold_at));
    code := sold.code;
    price := sold.price;
    sold_by := sold.sold_by;
    sold_at := sold.sold_at;
    RETURN NEXT;
END
$$;

-- Sell the oldest unsold voucher of an active plan that no other
-- transaction holds, one already on a router first (it works at once): a
-- web shop's or an order's sale from stock. No row when none is free.
-- Only vouchers whose code alone logs in (code mode: password = code): the
-- buyer gets the code as a PIN, never a userpass voucher's password.
CREATE FUNCTION wisp_voucher_sell_next(p_plan text)
RETURNS TABLE (id bigint, code text, price numeric, sold_by text, sold_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    pid integer;
    vid bigint;
    c text;
BEGIN
    PERFORM wisp_require('wisp_operator', 'wisp_worker');
    SELECT p.id INTO pid FROM plans p WHERE p.name = p_plan AND p.active;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no active plan named "%" (see `wisp plan list`)', p_plan
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT v.id, v.code INTO vid, c FROM vouchers v
        WHERE v.plan_id = pid AND v.status = 'new' AND v.sold_at IS NULL AND v.password = v.code
          AND EXISTS (SELECT FROM routers)
          AND EXISTS (SELECT FROM voucher_routers vr WHERE vr.voucher_id = v.id AND vr.state = 'synced')
        ORDER BY v.id LIMIT 1 FOR UPDATE OF v SKIP LOCKED;
    IF vid IS NULL THEN
        SELECT v.id, v.code INTO vid, c FROM vouchers v
            WHERE v.plan_id = pid AND v.status = 'new' AND v.sold_at IS NULL AND v.password = v.code
            ORDER BY v.id LIMIT 1 FOR UPDATE OF v SKIP LOCKED;
    END IF;
    IF vid IS NOT NULL THEN
        RETURN QUERY SELECT vid, s.code, s.price, s.sold_by, s.sold_at FROM wisp_voucher_sell(c) s;
    END IF;
END
$$;

-- Disable one voucher (p_code) or every not yet disabled voucher of a batch.
-- Returns how many changed.
CREATE FUNCTION wisp_voucher_disable(p_code text, p_batch bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    IF p_code IS NOT NULL THEN
        UPDATE vouchers SET status = 'disabled' WHERE code = p_code AND status <> 'disabled';
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n = 0 THEN
            PERFORM wisp_voucher_refuse(p_code, 'disabled', 'not yet disabled');
        END IF;
        PERFORM wisp_audit_write('voucher.disable', jsonb_build_object('code', p_code));
    ELSE
        IF NOT EXISTS (SELECT FROM batches WHERE id = p_batch) THEN
            RAISE EXCEPTION 'no batch % (see `wisp batch list`)', p_batch USING ERRCODE = 'no_data_found';
        END IF;
        UPDATE vouchers SET status = 'disabled' WHERE batch_id = p_batch AND status <> 'disabled';
        GET DIAGNOSTICS n = ROW_COUNT;
        PERFORM wisp_audit_write('voucher.disable', jsonb_build_object('batch_id', p_batch, 'count', n));
    END IF;
    RETURN n;
END
$$;

-- Enable disabled vouchers: each goes back to the status it had (expired
-- if its time ran out meanwhile), never to new once sold.
CREATE FUNCTION wisp_voucher_enable(p_code text, p_batch bigint DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    IF p_code IS NULL AND NOT EXISTS (SELECT FROM batches WHERE id = p_batch) THEN
        RAISE EXCEPTION 'no batch % (see `wisp batch list`)', p_batch USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE vouchers SET status = CASE
            WHEN status_before IN ('sold', 'active') AND expires_at IS NOT NULL AND expires_at <= now()
                 AND first_used_at IS NOT NULL THEN 'expired'
            ELSE status_before END
        WHERE (code = p_code OR (p_code IS NULL AND batch_id = p_batch)) AND status = 'disabled';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF p_code IS NOT NULL THEN
        IF n = 0 THEN
            PERFORM wisp_voucher_refuse(p_code, 'enabled', 'disabled');
        END IF;
        PERFORM wisp_audit_write('voucher.enable', jsonb_build_object('code', p_code));
    ELSE
        PERFORM wisp_audit_write('voucher.enable', jsonb_build_object('batch_id', p_batch, 'count', n));
    END IF;
    RETURN n;
END
$$;

-- Add time (seconds, also pushed onto expires_at) or data to a voucher.
CREATE FUNCTION wisp_voucher_extend(p_code text, p_seconds bigint, p_bytes bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_operator');
    IF coalesce(p_seconds, 0) < 0 OR coalesce(p_bytes, 0) < 0
       OR (coalesce(p_seconds, 0) = 0 AND coalesce(p_bytes, 0) = 0) THEN
        RAISE EXCEPTION 'extend by a positive time or amount of data' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- Bounded, as plans are (wisp_plan_bounded): a typo such as --by
    -- 99999999999999d made the voucher's expiry out of range, so its first
    -- login failed the worker's session import for its whole router.
    IF EXISTS (SELECT FROM vouchers WHERE code = p_code
                 AND (extra_s::numeric + coalesce(p_seconds, 0) > 315360000
                      OR extra_bytes::numeric + coalesce(p_bytes, 0) > 1e15)) THEN
        RAISE EXCEPTION 'voucher %: extended by at most 3650 days and 1 PB in all', p_code
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE vouchers SET extra_s = extra_s + coalesce(p_seconds, 0), extra_bytes = extra_bytes + coalesce(p_bytes, 0),
                        expires_at = expires_at + make_interval(secs => coalesce(p_seconds, 0))
        WHERE code = p_code AND status IN ('new', 'sold', 'active');
    IF NOT FOUND THEN
        PERFORM wisp_voucher_refuse(p_code, 'extended', 'new, sold or active');
    END IF;
    PERFORM wisp_audit_write('voucher.extend',
        jsonb_build_object('code', p_code, 'seconds', coalesce(p_seconds, 0), 'bytes', coalesce(p_bytes, 0)));
END
$$;

-- Restart a voucher's time from now and its counters on every router.
CREATE FUNCTION wisp_voucher_reset(p_code text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    vid bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    UPDATE vouchers v SET expires_at = CASE WHEN v.first_used_at IS NULL THEN NULL
            ELSE now() + make_interval(secs => coalesce(p.validity_s, p.duration_s, 0) + v.extra_s) END
        FROM plans p WHERE p.id = v.plan_id AND v.code = p_code AND v.status IN ('new', 'sold', 'active')
        RETURNING v.id INTO vid;
    IF vid IS NULL THEN
        PERFORM wisp_voucher_refuse(p_code, 'reset', 'new, sold or active');
    END IF;
    UPDATE voucher_routers SET state = 'pending', reset = true, updated_at = now()
        WHERE voucher_id = vid AND state <> 'removed';
    PERFORM wisp_audit_write('voucher.reset', jsonb_build_object('code', p_code));
END
$$;

-- Bind a voucher to a device (six hex pairs), or free it (NULL).
CREATE FUNCTION wisp_voucher_set_mac(p_code text, p_mac text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_operator');
    IF p_mac IS NOT NULL AND p_mac !~ '^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$' THEN
        RAISE EXCEPTION 'bad MAC address "%": six hex pairs, as 00:11:22:aa:bb:cc', p_mac
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    UPDATE vouchers SET mac = upper(p_mac) WHERE code = p_code AND status IN ('new', 'sold', 'active');
    IF NOT FOUND THEN
        PERFORM wisp_voucher_refuse(p_code, 'bound', 'new, sold or active');
    END IF;
    PERFORM wisp_audit_write('voucher.mac', jsonb_build_object('code', p_code, 'mac', upper(p_mac)));
END
$$;

-- Delete a voucher nobody bought or used (a sale stays on the books).
CREATE FUNCTION wisp_voucher_delete(p_code text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_operator');
    DELETE FROM vouchers WHERE code = p_code AND sold_at IS NULL AND first_used_at IS NULL;
    IF NOT FOUND THEN
        PERFORM wisp_voucher_refuse(p_code, 'deleted', 'never sold or used');
    END IF;
    PERFORM wisp_audit_write('voucher.delete', jsonb_build_object('code', p_code));
END
$$;

-- Delete a batch none of whose vouchers was sold or used.
CREATE FUNCTION wisp_batch_delete(p_batch bigint)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    used bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    PERFORM FROM batches WHERE id = p_batch FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no batch % (see `wisp batch list`)', p_batch USING ERRCODE = 'no_data_found';
    END IF;
    SELECT count(*) INTO used FROM vouchers
        WHERE batch_id = p_batch AND (sold_at IS NOT NULL OR first_used_at IS NOT NULL);
    IF used > 0 THEN
        RAISE EXCEPTION 'batch % has % sold or used vouchers and stays on the books: disable it instead (`wisp voucher disable --batch %`)',
            p_batch, used, p_batch USING ERRCODE = 'restrict_violation';
    END IF;
    DELETE FROM batches WHERE id = p_batch;
    PERFORM wisp_audit_write('batch.delete', jsonb_build_object('batch_id', p_batch));
END
$$;

-- Record a print: a whole batch (marks it printed) or a reprint of codes.
CREATE FUNCTION wisp_voucher_printed(p_batch bigint, p_codes text[], p_format text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_operator');
    IF p_codes IS NULL THEN
        UPDATE batches SET printed_at = now(), printed_by = session_user WHERE id = p_batch;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no batch % (see `wisp batch list`)', p_batch USING ERRCODE = 'no_data_found';
        END IF;
        PERFORM wisp_audit_write('batch.print', jsonb_build_object('batch_id', p_batch, 'format', p_format));
    ELSE
        PERFORM wisp_audit_write('voucher.reprint', jsonb_build_object('codes', to_jsonb(p_codes), 'format', p_format));
    END IF;
END
$$;

-- The passwords of userpass vouchers (a batch, or codes), for printing or
-- handing to a customer; the one way operators read them, audited. Code
-- mode vouchers have no secret beyond their code and are not returned.
CREATE FUNCTION wisp_voucher_reveal(p_batch bigint, p_codes text[], p_purpose text DEFAULT 'show')
RETURNS TABLE (code text, password text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    n bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    RETURN QUERY SELECT v.code, v.password FROM vouchers v JOIN batches b ON b.id = v.batch_id
        WHERE b.mode = 'userpass'
          AND ((p_codes IS NULL AND v.batch_id = p_batch) OR v.code = ANY (p_codes))
        ORDER BY v.batch_id, v.serial;
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n > 0 THEN
        PERFORM wisp_audit_write('voucher.reveal', jsonb_strip_nulls(jsonb_build_object(
            'batch_id', CASE WHEN p_codes IS NULL THEN p_batch END, 'codes', to_jsonb(p_codes),
            'count', n, 'purpose', left(coalesce(p_purpose, 'show'), 32))));
    END IF;
END
$$;

-- An admin's correction of a sale (a refund: price 0; a price fix), with
-- its reason; the one way a sold voucher's price changes.
CREATE FUNCTION wisp_sale_correct(p_code text, p_price numeric, p_reason text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    was numeric;
    seller text;
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF p_price IS NULL OR p_price < 0 THEN
        RAISE EXCEPTION 'a corrected price is 0 (a refund) or more' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF coalesce(btrim(p_reason), '') = '' THEN
        RAISE EXCEPTION 'a correction needs a reason' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT price, sold_by INTO was, seller FROM vouchers WHERE code = p_code AND sold_at IS NOT NULL FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM wisp_voucher_refuse(p_code, 'corrected', 'sold');
    END IF;
    PERFORM set_config('wisp.sale_correction', 'on', true);
    UPDATE vouchers SET price = p_price WHERE code = p_code;
    PERFORM set_config('wisp.sale_correction', 'off', true);
    PERFORM wisp_audit_write('voucher.correct', jsonb_build_object('code', p_code, 'sold_by', seller,
        'price_before', was, 'price', p_price::numeric(12, 2), 'reason', left(p_reason, 500)));
END
$$;

-- ---------------------------------------------------------------------------
-- The worker's voucher changes.

-- A first login: active from the session's start (p_uptime_s ago), expiring
-- after the plan's validity, bound to the device when the plan says so.
CREATE FUNCTION wisp_voucher_activate(p_code text, p_uptime_s bigint, p_mac text)
RETURNS TABLE (code text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    up bigint := least(greatest(coalesce(p_uptime_s, 0), 0), 315360000);
    c text;
    x timestamptz;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    -- A session no longer than its plan allows (time, else validity, plus
    -- the extension): a router reporting an absurd uptime would otherwise
    -- expire a customer's voucher the moment it is first seen.
    UPDATE vouchers v SET status = 'active',
            first_used_at = now() - make_interval(secs => least(up, coalesce(p.duration_s, p.validity_s) + v.extra_s)),
            expires_at = now() - make_interval(secs => least(up, coalesce(p.duration_s, p.validity_s) + v.extra_s))
                + make_interval(secs => coalesce(p.validity_s, p.duration_s, 0) + v.extra_s),
            mac = CASE WHEN p.lock_mac AND coalesce(p_mac, '') <> '' THEN p_mac ELSE v.mac END
        FROM plans p WHERE p.id = v.plan_id AND v.code = p_code
          AND v.status IN ('new', 'sold') AND v.first_used_at IS NULL
        RETURNING v.code, v.expires_at INTO c, x;
    IF c IS NOT NULL THEN
        PERFORM wisp_audit_write('voucher.activate', jsonb_build_object('code', c, 'expires_at', x));
        code := c;
        expires_at := x;
        RETURN NEXT;
    END IF;
END
$$;

-- Vouchers past their time become expired (PostgreSQL's clock only).
CREATE FUNCTION wisp_voucher_expire()
RETURNS TABLE (code text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    codes text[];
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    WITH gone AS (UPDATE vouchers SET status = 'expired'
                  WHERE status IN ('sold', 'active') AND expires_at < now() RETURNING vouchers.code)
    SELECT array_agg(gone.code) INTO codes FROM gone;
    IF codes IS NOT NULL THEN
        PERFORM wisp_audit_write('voucher.expire',
            jsonb_build_object('count', cardinality(codes), 'codes', to_jsonb(codes[1:100])));
        RETURN QUERY SELECT unnest(codes);
    END IF;
END
$$;

-- ---------------------------------------------------------------------------
-- Plans (admins).

CREATE FUNCTION wisp_plan_json(p_name text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('name', name, 'price', price, 'duration_s', duration_s,
        'data_bytes', data_bytes, 'rate_limit', rate_limit, 'validity_s', validity_s,
        'shared_users', shared_users, 'profile', profile, 'lock_mac', lock_mac,
        'low_stock', low_stock, 'active', active)
    FROM plans WHERE name = p_name;
$$;

-- A plan's time and data stay where timestamps and sums with a voucher's
-- extension cannot overflow: at most 10 years (3650d) and 1 PB.
CREATE FUNCTION wisp_plan_bounded(p_name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT FROM plans WHERE name = p_name
                 AND (duration_s > 315360000 OR validity_s > 315360000 OR data_bytes > 1e15)) THEN
        RAISE EXCEPTION 'plan "%": a duration or validity is at most 3650 days, data at most 1 PB', p_name
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END
$$;

CREATE FUNCTION wisp_plan_add(p_name text, p_price numeric, p_duration_s bigint, p_data_bytes bigint,
                              p_rate_limit text, p_validity_s bigint, p_shared_users integer,
                              p_profile text, p_lock_mac boolean, p_low_stock integer)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF EXISTS (SELECT FROM plans WHERE name = p_name) THEN
        RAISE EXCEPTION 'a plan named "%" already exists', p_name USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO plans (name, price, duration_s, data_bytes, rate_limit, validity_s, shared_users,
                       profile, lock_mac, low_stock, created_at, created_by)
        VALUES (p_name, p_price, p_duration_s, p_data_bytes, p_rate_limit, p_validity_s, p_shared_users,
                p_profile, coalesce(p_lock_mac, false), p_low_stock, now(), session_user);
    PERFORM wisp_plan_bounded(p_name);
    PERFORM wisp_audit_write('plan.add', wisp_plan_json(p_name));
END
$$;

-- p_changes: {"column": value-or-null, ...} for price, duration_s,
-- data_bytes, rate_limit, validity_s, shared_users, profile, lock_mac,
-- low_stock; null clears (price and lock_mac cannot be cleared).
CREATE FUNCTION wisp_plan_edit(p_name text, p_changes jsonb)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before jsonb;
    bad text;
    c jsonb := coalesce(p_changes, '{}');
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF jsonb_typeof(c) <> 'object' OR c = '{}' THEN
        RAISE EXCEPTION 'nothing to change' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT k INTO bad FROM jsonb_object_keys(c) k
        WHERE k NOT IN ('price', 'duration_s', 'data_bytes', 'rate_limit', 'validity_s',
                        'shared_users', 'profile', 'lock_mac', 'low_stock') LIMIT 1;
    IF bad IS NOT NULL THEN
        RAISE EXCEPTION 'a plan has no setting "%"', bad USING ERRCODE = 'invalid_parameter_value';
    END IF;
    before := wisp_plan_json(p_name);
    IF before IS NULL THEN
        RAISE EXCEPTION 'no plan named "%" (see `wisp plan list`)', p_name USING ERRCODE = 'no_data_found';
    END IF;
    UPDATE plans SET
        price = CASE WHEN c ? 'price' THEN (c->>'price')::numeric ELSE price END,
        duration_s = CASE WHEN c ? 'duration_s' THEN (c->>'duration_s')::bigint ELSE duration_s END,
        data_bytes = CASE WHEN c ? 'data_bytes' THEN (c->>'data_bytes')::bigint ELSE data_bytes END,
        rate_limit = CASE WHEN c ? 'rate_limit' THEN c->>'rate_limit' ELSE rate_limit END,
        validity_s = CASE WHEN c ? 'validity_s' THEN (c->>'validity_s')::bigint ELSE validity_s END,
        shared_users = CASE WHEN c ? 'shared_users' THEN (c->>'shared_users')::integer ELSE shared_users END,
        profile = CASE WHEN c ? 'profile' THEN c->>'profile' ELSE profile END,
        lock_mac = CASE WHEN c ? 'lock_mac' THEN (c->>'lock_mac')::boolean ELSE lock_mac END,
        low_stock = CASE WHEN c ? 'low_stock' THEN (c->>'low_stock')::integer ELSE low_stock END
        WHERE name = p_name;
    PERFORM wisp_plan_bounded(p_name);
    PERFORM wisp_audit_write('plan.edit',
        jsonb_build_object('plan', p_name, 'before', before, 'after', wisp_plan_json(p_name)));
END
$$;

CREATE FUNCTION wisp_plan_set_active(p_name text, p_active boolean)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_admin');
    UPDATE plans SET active = p_active WHERE name = p_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no plan named "%" (see `wisp plan list`)', p_name USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM wisp_audit_write(CASE WHEN p_active THEN 'plan.enable' ELSE 'plan.disable' END,
                             jsonb_build_object('plan', p_name));
END
$$;

-- ---------------------------------------------------------------------------
-- Ownership, search_path and who may call what. The functions find the
-- tables in the schema being migrated, after pg_catalog.
DO $funcs$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_require', 'wisp_voucher_refuse', 'wisp_audit_write',
                   'wisp_check_spare_old',
                   'wisp_batch_create', 'wisp_voucher_sell', 'wisp_voucher_sell_next',
                   'wisp_voucher_disable',
                   'wisp_voucher_enable', 'wisp_voucher_extend', 'wisp_voucher_reset',
                   'wisp_voucher_set_mac', 'wisp_voucher_delete', 'wisp_batch_delete',
                   'wisp_voucher_printed', 'wisp_voucher_reveal', 'wisp_sale_correct',
                   'wisp_voucher_activate', 'wisp_voucher_expire', 'wisp_plan_json',
                   'wisp_plan_bounded',
                   'wisp_plan_add', 'wisp_plan_edit', 'wisp_plan_set_active')
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$funcs$;

-- What the functions' owner may touch (the functions' own checks decide
-- for whom).
GRANT SELECT, INSERT, UPDATE, DELETE ON plans, batches, vouchers, audit TO wisp_owner;
GRANT SELECT ON routers TO wisp_owner;
GRANT SELECT, UPDATE ON voucher_routers TO wisp_owner;
GRANT USAGE ON SEQUENCE plans_id_seq, batches_id_seq, vouchers_id_seq, audit_id_seq TO wisp_owner;

-- No login role writes these tables but through the functions.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON plans, batches, vouchers, audit
    FROM PUBLIC, wisp_viewer, wisp_operator, wisp_admin, wisp_worker;
REVOKE USAGE ON SEQUENCE plans_id_seq, batches_id_seq, vouchers_id_seq, audit_id_seq
    FROM PUBLIC, wisp_viewer, wisp_operator, wisp_admin, wisp_worker;

-- Passwords of userpass vouchers: viewers never, operators through
-- wisp_voucher_reveal (audited); admins and the worker (which pushes them
-- to routers) read the column. A column added to vouchers later needs its
-- own GRANT SELECT (col) TO wisp_viewer.
REVOKE SELECT ON vouchers FROM wisp_viewer;
GRANT SELECT (id, code, batch_id, serial, plan_id, status, price, sold_by, created_at, sold_at,
              first_used_at, expires_at, disabled_at, mac, extra_s, extra_bytes, status_before)
    ON vouchers TO wisp_viewer;
GRANT SELECT (password) ON vouchers TO wisp_admin, wisp_worker;

-- (wisp_voucher_sell_next and wisp_voucher_sell let the worker sell when
-- wisp_order_fulfil calls them for an order; the worker may call neither
-- itself: it sells nothing no order asked for.)
GRANT EXECUTE ON FUNCTION wisp_batch_create(text, text, integer, text, text, text, text, text[], text[])
    TO wisp_operator, wisp_worker;
GRANT EXECUTE ON FUNCTION wisp_voucher_sell_next(text) TO wisp_operator;
GRANT EXECUTE ON FUNCTION wisp_voucher_sell(text), wisp_voucher_reveal(bigint, text[], text)
    TO wisp_operator;
GRANT EXECUTE ON FUNCTION wisp_voucher_disable(text, bigint), wisp_voucher_enable(text, bigint),
                          wisp_voucher_extend(text, bigint, bigint), wisp_voucher_reset(text),
                          wisp_voucher_set_mac(text, text), wisp_voucher_delete(text),
                          wisp_batch_delete(bigint), wisp_voucher_printed(bigint, text[], text)
    TO wisp_operator;
GRANT EXECUTE ON FUNCTION wisp_plan_add(text, numeric, bigint, bigint, text, bigint, integer, text, boolean, integer),
                          wisp_plan_edit(text, jsonb), wisp_plan_set_active(text, boolean),
                          wisp_sale_correct(text, numeric, text)
    TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_voucher_activate(text, bigint, text), wisp_voucher_expire()
    TO wisp_worker, wisp_admin;

-- Admins are no longer members of wisp_worker (which let them rewrite sales
-- and hosts). The console's embedded worker runs as the admin with the
-- worker's functions (above) and the worker's table rights that carry no
-- money and no access.
REVOKE wisp_worker FROM wisp_admin;
GRANT UPDATE ON router_jobs TO wisp_admin;
GRANT INSERT, UPDATE ON voucher_routers, sessions, workers TO wisp_admin;
GRANT DELETE ON workers TO wisp_admin;
GRANT USAGE ON SEQUENCE sessions_id_seq TO wisp_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollups TO wisp_admin;
-- Orders are migration 007's to move into functions; until then the
-- embedded worker completes them as it did through wisp_worker.
GRANT UPDATE ON orders TO wisp_admin;
