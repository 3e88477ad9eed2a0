-- 016_subscribers: PPPoE subscribers, monthly plans for named customers
-- (docs/subscribers.md), authenticated through the same FreeRADIUS queries
-- as vouchers (docs/radius.md).
--
--   subscriber_plans     rate, data cap per period, price per month, and
--                        what an unpaid subscriber gets: a reject, or a
--                        slow rate (overdue = 'slow', slow_rate)
--   subscribers          a customer's login: username (unique across
--                        vouchers and subscribers, so a RADIUS lookup is
--                        never ambiguous), password in clear (CHAP needs it),
--                        name and phone in any script, plan, due date, status
--   subscriber_payments  what was paid, for which period, by whom, when
--   sessions.subscriber_id  a RADIUS session of a subscriber
--
-- "Unpaid" is computed from PostgreSQL's clock at authorisation: past
-- due_on plus the plan's grace days. Nothing needs a cron for a reject;
-- `wisp radius disconnect` (wisp_radius_kicks) also kicks the sessions of
-- subscribers that became unpaid, suspended or cancelled.
--
-- Who: admins make subscriber plans; operators and admins add, edit,
-- suspend, resume and cancel subscribers and record payments (the counter's
-- cashier is an operator); viewers and the worker read them, never the
-- password, which only the SECURITY DEFINER functions below read.
--
-- FreeRADIUS: wisp_radius_check and wisp_radius_reply (014, and whatever a
-- later migration made of them) are renamed *_voucher_* and wrapped: the
-- wrapper answers for a subscriber, else asks the voucher function.

CREATE TABLE subscriber_plans (
    id          serial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    price       numeric(12, 2) NOT NULL CHECK (price >= 0),
    rate_limit  text CHECK (rate_limit ~ '^[0-9A-Za-z./ ]{1,64}$'),
    data_bytes  bigint CHECK (data_bytes > 0),
    overdue     text NOT NULL DEFAULT 'reject' CHECK (overdue IN ('reject', 'slow')),
    slow_rate   text CHECK (slow_rate ~ '^[0-9A-Za-z./ ]{1,64}$'),
    grace_days  integer NOT NULL DEFAULT 3 CHECK (grace_days BETWEEN 0 AND 60),
    pool        text CHECK (pool ~ '^[A-Za-z0-9._-]{1,64}$'),
    profile     text CHECK (profile ~ '^[A-Za-z0-9._-]{1,64}$'),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT session_user,
    CHECK (overdue = 'reject' OR slow_rate IS NOT NULL)
);

CREATE TABLE subscribers (
    id          bigserial PRIMARY KEY,
    username    text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{2,63}$'),
    -- Cleartext-Password: printable ASCII, no space, quote or backslash
    password    text NOT NULL CHECK (password ~ '^[!#-&(-\[\]-~]{6,64}$'),
    name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100
                                     AND name !~ '[\x01-\x1f\x7f-\x9f]'),
    phone       text CHECK (char_length(phone) BETWEEN 1 AND 32 AND phone !~ '[\x01-\x1f\x7f-\x9f]'),
    plan_id     integer NOT NULL REFERENCES subscriber_plans (id),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'cancelled')),
    due_on      date NOT NULL,
    framed_ip   inet CHECK (family(framed_ip) = 4 AND masklen(framed_ip) = 32),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT session_user,
    changed_at  timestamptz
);
CREATE UNIQUE INDEX subscribers_framed_ip ON subscribers (framed_ip) WHERE status <> 'cancelled';

CREATE TABLE subscriber_payments (
    id            bigserial PRIMARY KEY,
    subscriber_id bigint NOT NULL REFERENCES subscribers (id),
    amount        numeric(12, 2) NOT NULL CHECK (amount > 0),
    months        integer NOT NULL CHECK (months BETWEEN 1 AND 24),
    period_from   date NOT NULL,
    period_to     date NOT NULL CHECK (period_to > period_from),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL DEFAULT session_user
);
CREATE INDEX subscriber_payments_sub ON subscriber_payments (subscriber_id, id DESC);

ALTER TABLE sessions ADD COLUMN subscriber_id bigint REFERENCES subscribers (id);
CREATE INDEX sessions_subscriber ON sessions (subscriber_id, started_at) WHERE subscriber_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- One name space for RADIUS users: a voucher code and a subscriber's
-- username never match. A subscriber's insert takes one advisory lock
-- exclusively, a statement inserting vouchers takes it shared (vouchers go
-- in batches of up to 100,000: one lock, one join, not one per row), so
-- whichever comes second waits for the first to commit and then sees its
-- rows. A voucher whose code is a subscriber's fails with unique_violation,
-- which wisp_batch_create's callers already answer by drawing another code.
-- (Voucher codes are never updated.)
CREATE FUNCTION wisp_radius_names_vouchers() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n text;
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtext('wisp_radius_names'));
    SELECT s.username INTO n FROM new_vouchers v JOIN subscribers s ON s.username = v.code LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'voucher code % is a subscriber''s username', n USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER vouchers_radius_names AFTER INSERT ON vouchers
    REFERENCING NEW TABLE AS new_vouchers
    FOR EACH STATEMENT EXECUTE FUNCTION wisp_radius_names_vouchers();

CREATE FUNCTION wisp_radius_names_subscriber() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('wisp_radius_names'));
    IF EXISTS (SELECT FROM vouchers v WHERE v.code = NEW.username) THEN
        RAISE EXCEPTION 'username % is taken by a voucher', NEW.username USING ERRCODE = 'unique_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER subscribers_radius_names BEFORE INSERT OR UPDATE OF username ON subscribers
    FOR EACH ROW EXECUTE FUNCTION wisp_radius_names_subscriber();

-- A RADIUS session (accounting opened it) of a subscriber is linked to it
-- when the row is made, whatever function makes it (wisp_radius_acct).
CREATE FUNCTION wisp_session_subscriber() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NEW.voucher_id IS NULL AND NEW.subscriber_id IS NULL AND NEW.acct_key IS NOT NULL THEN
        NEW.subscriber_id := (SELECT s.id FROM subscribers s WHERE s.username = NEW.username);
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER sessions_subscriber BEFORE INSERT ON sessions
    FOR EACH ROW EXECUTE FUNCTION wisp_session_subscriber();

-- ---------------------------------------------------------------------------
-- What a subscriber may use now, and why not: one row, or none for a name
-- that is no subscriber. unpaid: past due_on plus the plan's grace days
-- (PostgreSQL's date); the period is the month that ends at due_on; its
-- data used is what the subscriber's sessions of the period moved.
CREATE FUNCTION wisp_subscriber_state(p_user text)
RETURNS TABLE (subscriber_id bigint, password text, refusal text, rate_limit text,
               bytes_left bigint, pool text, framed_ip text, profile text, unpaid boolean,
               used_bytes bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    SELECT s.id, s.password, s.status, s.due_on, s.framed_ip, p.rate_limit, p.data_bytes,
           p.overdue, p.slow_rate, p.grace_days, p.pool, p.profile
      INTO r FROM subscribers s JOIN subscriber_plans p ON p.id = s.plan_id WHERE s.username = p_user;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    subscriber_id := r.id;
    password := r.password;
    pool := r.pool;
    framed_ip := host(r.framed_ip);
    profile := r.profile;
    unpaid := current_date > r.due_on + r.grace_days;
    SELECT coalesce(sum(x.bytes_in + x.bytes_out), 0)::bigint INTO used_bytes
      FROM sessions x WHERE x.subscriber_id = r.id
       AND (x.started_at >= (r.due_on - interval '1 month') OR x.state = 'active');
    rate_limit := r.rate_limit;
    bytes_left := CASE WHEN r.data_bytes IS NOT NULL THEN r.data_bytes - used_bytes END;
    refusal := CASE
        WHEN r.status <> 'active' THEN format('subscriber is %s', r.status)
        WHEN unpaid AND r.overdue = 'reject' THEN 'subscriber is overdue'
        WHEN bytes_left <= 0 AND r.slow_rate IS NULL THEN 'subscriber data used up' END;
    -- unpaid on a slow plan, or the month's data used up with a slow rate
    -- to fall back on: the slow rate, no data cap
    IF refusal IS NULL AND (unpaid OR bytes_left <= 0) THEN
        rate_limit := r.slow_rate;
        bytes_left := NULL;
    END IF;
    RETURN NEXT;
END
$$;

ALTER FUNCTION wisp_radius_check(text, text) RENAME TO wisp_radius_voucher_check;
ALTER FUNCTION wisp_radius_reply(text, text, integer, integer) RENAME TO wisp_radius_voucher_reply;
REVOKE EXECUTE ON FUNCTION wisp_radius_voucher_check(text, text),
    wisp_radius_voucher_reply(text, text, integer, integer) FROM wisp_radius;

-- Check items of a subscriber (Cleartext-Password, or Auth-Type := Reject),
-- else the voucher's.
CREATE FUNCTION wisp_radius_check(p_user text, p_mac text)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    PERFORM wisp_require('wisp_radius');
    SELECT * INTO v FROM wisp_subscriber_state(p_user);
    IF NOT FOUND THEN
        RETURN QUERY SELECT * FROM wisp_radius_voucher_check(p_user, p_mac);
        RETURN;
    END IF;
    id := 1; username := p_user; op := ':=';
    IF v.refusal IS NOT NULL THEN
        attribute := 'Auth-Type'; value := 'Reject';
    ELSE
        attribute := 'Cleartext-Password'; value := v.password;
    END IF;
    RETURN NEXT;
END
$$;

-- Reply items of a subscriber: the plan's (or the slow) rate, the data left
-- of the month, Framed-IP-Address or Framed-Pool, Acct-Interim-Interval,
-- the PPP profile; or the refusal's Reply-Message. Else the voucher's.
CREATE FUNCTION wisp_radius_reply(p_user text, p_mac text, p_interim integer, p_idle integer)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    PERFORM wisp_require('wisp_radius');
    SELECT * INTO v FROM wisp_subscriber_state(p_user);
    IF NOT FOUND THEN
        RETURN QUERY SELECT * FROM wisp_radius_voucher_reply(p_user, p_mac, p_interim, p_idle);
        RETURN;
    END IF;
    username := p_user;
    op := ':=';
    IF v.refusal IS NOT NULL THEN
        id := 1; attribute := 'Reply-Message'; value := v.refusal;
        RETURN NEXT;
        RETURN;
    END IF;
    IF v.rate_limit IS NOT NULL THEN
        id := 1; attribute := 'Mikrotik-Rate-Limit'; value := v.rate_limit;
        RETURN NEXT;
    END IF;
    IF v.bytes_left IS NOT NULL THEN
        id := 3; attribute := 'Mikrotik-Total-Limit'; value := (v.bytes_left % 4294967296)::text;
        RETURN NEXT;
        id := 4; attribute := 'Mikrotik-Total-Limit-Gigawords'; value := (v.bytes_left / 4294967296)::text;
        RETURN NEXT;
    END IF;
    IF p_interim > 0 THEN
        id := 5; attribute := 'Acct-Interim-Interval'; value := p_interim::text;
        RETURN NEXT;
    END IF;
    IF v.profile IS NOT NULL THEN
        id := 7; attribute := 'Mikrotik-Group'; value := v.profile;
        RETURN NEXT;
    END IF;
    IF v.framed_ip IS NOT NULL THEN
        id := 8; attribute := 'Framed-IP-Address'; value := v.framed_ip;
        RETURN NEXT;
    ELSIF v.pool IS NOT NULL THEN
        id := 9; attribute := 'Framed-Pool'; value := v.pool;
        RETURN NEXT;
    END IF;
END
$$;

-- The kicks to send (014's wisp_radius_kicks, wrapped): first queue one for
-- every open RADIUS session of a subscriber that is suspended or
-- cancelled, or that began before the subscriber became unpaid (a reject
-- plan then refuses the next login, a slow plan gives it the slow rate);
-- not again within 5 minutes.
ALTER FUNCTION wisp_radius_kicks() RENAME TO wisp_radius_voucher_kicks;
REVOKE EXECUTE ON FUNCTION wisp_radius_voucher_kicks() FROM wisp_worker, wisp_admin;

CREATE FUNCTION wisp_subscriber_queue_kicks(p_subscriber bigint)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    INSERT INTO router_jobs (router_id, kind, session_id, target, created_by, created_at)
    SELECT x.router_id, 'kick', x.id, x.username, session_user, now()
      FROM sessions x JOIN subscribers s ON s.id = x.subscriber_id
      JOIN subscriber_plans p ON p.id = s.plan_id
      JOIN router_radius rr ON rr.router_id = x.router_id
     WHERE x.state = 'active' AND x.acct_key IS NOT NULL
       AND (p_subscriber IS NULL OR s.id = p_subscriber)
       AND (s.status <> 'active'
            OR x.started_at < (s.due_on + p.grace_days + 1)::timestamptz)
       AND (s.status <> 'active' OR current_date > s.due_on + p.grace_days)
       AND NOT EXISTS (SELECT FROM router_jobs j WHERE j.session_id = x.id AND j.kind = 'kick'
                         AND (j.state = 'queued' OR j.created_at > now() - interval '5 minutes'));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

CREATE FUNCTION wisp_radius_kicks()
RETURNS TABLE (job_id bigint, router text, host text, coa_port integer, secret text,
               username text, ip text, acct_session_id text, nas_ip text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    PERFORM wisp_subscriber_queue_kicks(NULL);
    RETURN QUERY SELECT * FROM wisp_radius_voucher_kicks();
END
$$;

-- ---------------------------------------------------------------------------
-- Subscriber plans (admins).
CREATE FUNCTION wisp_subplan_add(p_name text, p_price numeric, p_rate text, p_data bigint,
                                 p_overdue text, p_slow_rate text, p_grace integer,
                                 p_pool text, p_profile text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pid integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    INSERT INTO subscriber_plans (name, price, rate_limit, data_bytes, overdue, slow_rate,
                                  grace_days, pool, profile)
        VALUES (p_name, p_price, p_rate, p_data, coalesce(p_overdue, 'reject'), p_slow_rate,
                coalesce(p_grace, 3), p_pool, p_profile)
        RETURNING id INTO pid;
    PERFORM wisp_audit_write('subplan.add', jsonb_build_object('name', p_name, 'price', p_price,
        'rate', p_rate, 'data_bytes', p_data, 'overdue', coalesce(p_overdue, 'reject'),
        'slow_rate', p_slow_rate, 'grace_days', coalesce(p_grace, 3)));
    RETURN pid;
END
$$;

-- Change a subscriber plan: p_changes holds any of price, rate_limit,
-- data_bytes, overdue, slow_rate, grace_days, pool, profile, active (null
-- clears the optional ones). Subscribers on it get the change at their
-- next login.
CREATE FUNCTION wisp_subplan_edit(p_name text, p_changes jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k text;
    pid integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    SELECT id INTO pid FROM subscriber_plans WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no subscriber plan "%"', p_name USING ERRCODE = 'no_data_found';
    END IF;
    FOR k IN SELECT jsonb_object_keys(p_changes) LOOP
        IF k NOT IN ('price', 'rate_limit', 'data_bytes', 'overdue', 'slow_rate', 'grace_days',
                     'pool', 'profile', 'active') THEN
            RAISE EXCEPTION 'unknown subscriber plan field "%"', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    UPDATE subscriber_plans SET
        price = CASE WHEN p_changes ? 'price' THEN (p_changes->>'price')::numeric ELSE price END,
        rate_limit = CASE WHEN p_changes ? 'rate_limit' THEN p_changes->>'rate_limit' ELSE rate_limit END,
        data_bytes = CASE WHEN p_changes ? 'data_bytes' THEN (p_changes->>'data_bytes')::bigint ELSE data_bytes END,
        overdue = CASE WHEN p_changes ? 'overdue' THEN p_changes->>'overdue' ELSE overdue END,
        slow_rate = CASE WHEN p_changes ? 'slow_rate' THEN p_changes->>'slow_rate' ELSE slow_rate END,
        grace_days = CASE WHEN p_changes ? 'grace_days' THEN (p_changes->>'grace_days')::integer ELSE grace_days END,
        pool = CASE WHEN p_changes ? 'pool' THEN p_changes->>'pool' ELSE pool END,
        profile = CASE WHEN p_changes ? 'profile' THEN p_changes->>'profile' ELSE profile END,
        active = CASE WHEN p_changes ? 'active' THEN (p_changes->>'active')::boolean ELSE active END
     WHERE id = pid;
    PERFORM wisp_audit_write('subplan.edit', jsonb_build_object('name', p_name, 'changes', p_changes));
END
$$;

-- ---------------------------------------------------------------------------
-- Subscribers (operators and admins).
CREATE FUNCTION wisp_subscriber_refuse(p_user text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'no subscriber "%"', p_user USING ERRCODE = 'no_data_found';
END
$$;

CREATE FUNCTION wisp_subscriber_add(p_user text, p_password text, p_name text, p_phone text,
                                    p_plan text, p_due date, p_ip text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pid integer;
    live boolean;
    sid bigint;
BEGIN
    PERFORM wisp_require('wisp_operator');
    SELECT id, active INTO pid, live FROM subscriber_plans WHERE name = p_plan;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no subscriber plan "%"', p_plan USING ERRCODE = 'no_data_found';
    ELSIF NOT live THEN
        RAISE EXCEPTION 'subscriber plan % is disabled', p_plan USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO subscribers (username, password, name, phone, plan_id, due_on, framed_ip)
        VALUES (p_user, p_password, p_name, nullif(p_phone, ''), pid,
                coalesce(p_due, (current_date + interval '1 month')::date), p_ip::inet)
        RETURNING id INTO sid;
    -- the password is never audited
    PERFORM wisp_audit_write('subscriber.add', jsonb_build_object('username', p_user,
        'name', p_name, 'plan', p_plan, 'due_on', (SELECT due_on FROM subscribers WHERE id = sid)));
    RETURN sid;
END
$$;

-- Change a subscriber: p_changes holds any of password, name, phone, plan,
-- due_on, framed_ip (null clears phone and framed_ip).
CREATE FUNCTION wisp_subscriber_edit(p_user text, p_changes jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    sid bigint;
    pid integer;
    k text;
BEGIN
    PERFORM wisp_require('wisp_operator');
    SELECT id INTO sid FROM subscribers WHERE username = p_user FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM wisp_subscriber_refuse(p_user);
    END IF;
    FOR k IN SELECT jsonb_object_keys(p_changes) LOOP
        IF k NOT IN ('password', 'name', 'phone', 'plan', 'due_on', 'framed_ip') THEN
            RAISE EXCEPTION 'unknown subscriber field "%"', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF p_changes ? 'plan' THEN
        SELECT id INTO pid FROM subscriber_plans WHERE name = p_changes->>'plan' AND active;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'no active subscriber plan "%"', p_changes->>'plan' USING ERRCODE = 'no_data_found';
        END IF;
    END IF;
    UPDATE subscribers SET
        password = CASE WHEN p_changes ? 'password' THEN p_changes->>'password' ELSE password END,
        name = CASE WHEN p_changes ? 'name' THEN p_changes->>'name' ELSE name END,
        phone = CASE WHEN p_changes ? 'phone' THEN nullif(p_changes->>'phone', '') ELSE phone END,
        plan_id = coalesce(pid, plan_id),
        due_on = CASE WHEN p_changes ? 'due_on' THEN (p_changes->>'due_on')::date ELSE due_on END,
        framed_ip = CASE WHEN p_changes ? 'framed_ip' THEN (p_changes->>'framed_ip')::inet ELSE framed_ip END,
        changed_at = now()
     WHERE id = sid;
    PERFORM wisp_audit_write('subscriber.edit', jsonb_build_object('username', p_user,
        'changes', p_changes - 'password',
        'password_changed', p_changes ? 'password'));
END
$$;

-- Suspend, resume or cancel by hand. A suspended or cancelled subscriber's
-- open RADIUS sessions get kicks queued (returned: how many). A cancelled
-- subscriber stays cancelled.
CREATE FUNCTION wisp_subscriber_set_status(p_user text, p_status text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    sid bigint;
    st text;
    n integer := 0;
BEGIN
    PERFORM wisp_require('wisp_operator');
    IF p_status NOT IN ('active', 'suspended', 'cancelled') THEN
        RAISE EXCEPTION 'bad subscriber status "%"', p_status USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT id, status INTO sid, st FROM subscribers WHERE username = p_user FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM wisp_subscriber_refuse(p_user);
    END IF;
    IF st = 'cancelled' THEN
        RAISE EXCEPTION 'subscriber % is cancelled', p_user USING ERRCODE = 'check_violation';
    END IF;
    UPDATE subscribers SET status = p_status, changed_at = now() WHERE id = sid;
    IF p_status <> 'active' THEN
        n := wisp_subscriber_queue_kicks(sid);
    END IF;
    PERFORM wisp_audit_write('subscriber.' || CASE p_status WHEN 'active' THEN 'resume'
        WHEN 'suspended' THEN 'suspend' ELSE 'cancel' END,
        jsonb_build_object('username', p_user, 'from', st, 'kicks', n));
    RETURN n;
END
$$;

-- A payment of p_months months (the cashier's): recorded, and the due date
-- moves on by that many months: from the due date while the subscriber is
-- within grace (the billing day stays), from today once it is unpaid.
-- Returns the new due date.
CREATE FUNCTION wisp_subscriber_pay(p_user text, p_amount numeric, p_months integer)
RETURNS date
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    s record;
    base date;
    due date;
BEGIN
    PERFORM wisp_require('wisp_operator');
    SELECT x.id, x.status, x.due_on, p.grace_days INTO s
      FROM subscribers x JOIN subscriber_plans p ON p.id = x.plan_id
     WHERE x.username = p_user FOR UPDATE OF x;
    IF NOT FOUND THEN
        PERFORM wisp_subscriber_refuse(p_user);
    END IF;
    IF s.status = 'cancelled' THEN
        RAISE EXCEPTION 'subscriber % is cancelled', p_user USING ERRCODE = 'check_violation';
    END IF;
    base := CASE WHEN current_date > s.due_on + s.grace_days THEN current_date ELSE s.due_on END;
    due := (base + make_interval(months => p_months))::date;
    INSERT INTO subscriber_payments (subscriber_id, amount, months, period_from, period_to)
        VALUES (s.id, p_amount, p_months, base, due);
    UPDATE subscribers SET due_on = due, changed_at = now() WHERE id = s.id;
    PERFORM wisp_audit_write('subscriber.pay', jsonb_build_object('username', p_user,
        'amount', p_amount, 'months', p_months, 'from', base, 'due_on', due));
    RETURN due;
END
$$;

-- The list and one subscriber, without the password: what the CLI, the
-- console and viewers read.
CREATE VIEW subscriber_list AS
SELECT s.id, s.username, s.name, s.phone, p.name AS plan, p.price, p.rate_limit, p.data_bytes,
       p.overdue, s.status, s.due_on, host(s.framed_ip) AS framed_ip,
       (s.status = 'active' AND current_date > s.due_on + p.grace_days) AS unpaid,
       (SELECT coalesce(sum(x.bytes_in + x.bytes_out), 0)::bigint FROM sessions x
         WHERE x.subscriber_id = s.id
           AND (x.started_at >= (s.due_on - interval '1 month') OR x.state = 'active')) AS used_bytes,
       (SELECT count(*) FROM sessions x WHERE x.subscriber_id = s.id AND x.state = 'active') AS online,
       (SELECT max(y.created_at) FROM subscriber_payments y WHERE y.subscriber_id = s.id) AS paid_at,
       s.created_at, s.created_by
  FROM subscribers s JOIN subscriber_plans p ON p.id = s.plan_id;

-- ---------------------------------------------------------------------------
-- Ownership, search_path, who may call what.
DO $own$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_radius_names_vouchers', 'wisp_radius_names_subscriber',
                   'wisp_session_subscriber',
                   'wisp_subscriber_state', 'wisp_radius_check', 'wisp_radius_reply',
                   'wisp_subscriber_queue_kicks', 'wisp_radius_kicks', 'wisp_subplan_add',
                   'wisp_subplan_edit',
                   'wisp_subscriber_refuse', 'wisp_subscriber_add', 'wisp_subscriber_edit',
                   'wisp_subscriber_set_status', 'wisp_subscriber_pay') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT SELECT, INSERT, UPDATE ON subscriber_plans, subscribers, subscriber_payments TO wisp_owner;
GRANT USAGE ON SEQUENCE subscriber_plans_id_seq, subscribers_id_seq, subscriber_payments_id_seq
    TO wisp_owner;
GRANT SELECT ON subscriber_list TO wisp_owner;
ALTER VIEW subscriber_list OWNER TO wisp_owner;

GRANT SELECT ON subscriber_plans, subscriber_payments, subscriber_list TO wisp_viewer;
GRANT SELECT (id, username, name, phone, plan_id, status, due_on, framed_ip, created_at,
              created_by, changed_at) ON subscribers TO wisp_viewer;

GRANT EXECUTE ON FUNCTION wisp_radius_check(text, text), wisp_radius_reply(text, text, integer, integer)
    TO wisp_radius;
GRANT EXECUTE ON FUNCTION wisp_radius_kicks() TO wisp_worker, wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_subplan_add(text, numeric, text, bigint, text, text, integer, text, text),
    wisp_subplan_edit(text, jsonb) TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_subscriber_add(text, text, text, text, text, date, text),
    wisp_subscriber_edit(text, jsonb), wisp_subscriber_set_status(text, text),
    wisp_subscriber_pay(text, numeric, integer) TO wisp_operator;
