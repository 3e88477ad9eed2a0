-- 017_subscriber_billing: the subscriber side of issue 16's review
-- (docs/subscribers.md).
--
--   * the due date moves only by a payment; an admin may set it by hand,
--     to a finite date at most 24 months from the old one (audited with
--     both); an operator's first due date is at most a month ahead
--   * a subscriber's plan is changed by an admin only (audited with the
--     old and the new plan): an operator takes the payment
--   * a payment is a finite amount more than 0 for 1-24 months; an
--     operator's covers the plan's price times the months, an admin may
--     record less (the audit row says how much less)
--   * the billing day (subscribers.bill_day, from the first due date) is
--     kept: 31 Jan -> 28/29 Feb -> 31 Mar
--   * the data cap counts the billing period that contains today, so a
--     subscriber who paid ahead keeps the cap; a closed session counts in
--     the period it ended in (one that straddles the start counts whole)
--   * "today" is the shop's date: in the database's own TimeZone setting
--     (ALTER DATABASE ... SET timezone), else UTC; never the client
--     session's, which any connection may set
--   * a subscriber gets Simultaneous-Use := 1 (one PPPoE session)
--   * one function builds the limit rows of a voucher's and a
--     subscriber's reply; one function finds and locks a subscriber for
--     the functions that change one

-- ---------------------------------------------------------------------------
-- The shop's time zone and date.
CREATE FUNCTION wisp_shop_zone() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT substr(c, 10) FROM pg_db_role_setting s, unnest(s.setconfig) AS c
                      WHERE s.setrole = 0 AND lower(c) LIKE 'timezone=%'
                        AND s.setdatabase = (SELECT d.oid FROM pg_database d
                                              WHERE d.datname = current_database())
                      LIMIT 1), 'UTC');
$$;

CREATE FUNCTION wisp_shop_date() RETURNS date LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE wisp_shop_zone())::date;
$$;

-- p_months months on from p_from's month, on the billing day p_day (or
-- the month's last day when it is shorter): wisp_bill_date('2027-01-31',
-- 31, 1) = 2027-02-28, and 2 months on 2027-03-31.
CREATE FUNCTION wisp_bill_date(p_from date, p_day integer, p_months integer) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT (m + make_interval(days => least(p_day,
               extract(day FROM m + interval '1 month' - interval '1 day')::integer) - 1))::date
      FROM (SELECT date_trunc('month', p_from::timestamp) + make_interval(months => p_months)) AS t(m);
$$;

-- The first day of the billing period that contains p_today, of a
-- subscriber due on p_due with billing day p_day; past the due date, the
-- last period paid for.
CREATE FUNCTION wisp_subscriber_period(p_due date, p_day integer, p_today date) RETURNS date
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    n integer := greatest(1, (extract(year FROM p_due) * 12 + extract(month FROM p_due))
                           - (extract(year FROM p_today) * 12 + extract(month FROM p_today)))::integer;
    s date := wisp_bill_date(p_due, p_day, -n);
BEGIN
    IF s > p_today THEN
        s := wisp_bill_date(p_due, p_day, -n - 1);
    END IF;
    RETURN s;
END
$$;

-- What a subscriber's sessions moved in the billing period: every open
-- session, and every closed one that ended at or after the period's first
-- day (the shop's midnight). A session that straddles the period's start
-- counts whole in the new period, as it did while it was open (counted
-- by when it began, it would leave the cap once closed). Summed in numeric
-- and held to 2^62: thousands of sessions at accounting's 2^50 bytes do
-- not overflow bigint (which would fail `subscriber list` for everyone).
CREATE FUNCTION wisp_subscriber_used(p_subscriber bigint, p_due date, p_day integer) RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT least(coalesce(sum(x.bytes_in::numeric + x.bytes_out), 0), 4611686018427387904)::bigint
      FROM sessions x WHERE x.subscriber_id = p_subscriber
       AND (x.state = 'active'
            OR coalesce(x.ended_at, x.last_seen) >= (wisp_subscriber_period(p_due, p_day, wisp_shop_date())::timestamp
                                                     AT TIME ZONE wisp_shop_zone()));
$$;

-- ---------------------------------------------------------------------------
-- The billing day: the first due date's day, kept by payments.
ALTER TABLE subscribers ADD COLUMN bill_day smallint CHECK (bill_day BETWEEN 1 AND 31);
UPDATE subscribers SET bill_day = extract(day FROM due_on);
ALTER TABLE subscribers ALTER COLUMN bill_day SET NOT NULL;

CREATE FUNCTION wisp_subscriber_bill_day() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    NEW.bill_day := coalesce(NEW.bill_day, extract(day FROM NEW.due_on));
    RETURN NEW;
END
$$;
CREATE TRIGGER subscribers_bill_day BEFORE INSERT ON subscribers
    FOR EACH ROW EXECUTE FUNCTION wisp_subscriber_bill_day();

-- ---------------------------------------------------------------------------
-- 016's state, on the shop's date and the period that contains it.
CREATE OR REPLACE FUNCTION wisp_subscriber_state(p_user text)
RETURNS TABLE (subscriber_id bigint, password text, refusal text, rate_limit text,
               bytes_left bigint, pool text, framed_ip text, profile text, unpaid boolean,
               used_bytes bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
BEGIN
    SELECT s.id, s.password, s.status, s.due_on, s.bill_day, s.framed_ip, p.rate_limit,
           p.data_bytes, p.overdue, p.slow_rate, p.grace_days, p.pool, p.profile
      INTO r FROM subscribers s JOIN subscriber_plans p ON p.id = s.plan_id WHERE s.username = p_user;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    subscriber_id := r.id;
    password := r.password;
    pool := r.pool;
    framed_ip := host(r.framed_ip);
    profile := r.profile;
    unpaid := wisp_shop_date() > r.due_on + r.grace_days;
    used_bytes := wisp_subscriber_used(r.id, r.due_on, r.bill_day);
    rate_limit := r.rate_limit;
    bytes_left := CASE WHEN r.data_bytes IS NOT NULL THEN r.data_bytes - used_bytes END;
    refusal := CASE
        WHEN r.status <> 'active' THEN format('subscriber is %s', r.status)
        WHEN unpaid AND r.overdue = 'reject' THEN 'subscriber is overdue'
        WHEN bytes_left <= 0 AND r.slow_rate IS NULL THEN 'subscriber data used up' END;
    -- unpaid on a slow plan, or the period's data used up with a slow rate
    -- to fall back on: the slow rate, no data cap
    IF refusal IS NULL AND (unpaid OR bytes_left <= 0) THEN
        rate_limit := r.slow_rate;
        bytes_left := NULL;
    END IF;
    RETURN NEXT;
END
$$;

-- ---------------------------------------------------------------------------
-- FreeRADIUS. The reply rows of a user's limits, the same for a voucher
-- and a subscriber (NULL: no such attribute), or the refusal's
-- Reply-Message alone. 32-bit attributes: the data left's low word, and
-- its high word in gigawords.
CREATE FUNCTION wisp_radius_limit_rows(p_user text, p_refusal text, p_rate text,
                                       p_time_left bigint, p_bytes_left bigint, p_interim integer,
                                       p_idle integer, p_profile text)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE sql IMMUTABLE AS $$
    SELECT 1, p_user, 'Reply-Message', p_refusal, ':=' WHERE p_refusal IS NOT NULL
    UNION ALL
    SELECT r.id, p_user, r.attribute, r.value, ':='
      FROM (VALUES (1, 'Mikrotik-Rate-Limit', p_rate),
                   (2, 'Session-Timeout', p_time_left::text),
                   (3, 'Mikrotik-Total-Limit', (p_bytes_left % 4294967296)::text),
                   (4, 'Mikrotik-Total-Limit-Gigawords', (p_bytes_left / 4294967296)::text),
                   (5, 'Acct-Interim-Interval', CASE WHEN p_interim > 0 THEN p_interim::text END),
                   (6, 'Idle-Timeout', CASE WHEN p_idle > 0 THEN p_idle::text END),
                   (7, 'Mikrotik-Group', p_profile)) AS r (id, attribute, value)
     WHERE p_refusal IS NULL AND r.value IS NOT NULL
     ORDER BY 1;
$$;

-- A voucher's reply items (014's, on the shared rows).
CREATE OR REPLACE FUNCTION wisp_radius_voucher_reply(p_user text, p_mac text, p_interim integer,
                                                     p_idle integer)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    PERFORM wisp_require('wisp_radius');
    SELECT * INTO v FROM wisp_radius_voucher(p_user, p_mac);
    IF FOUND THEN
        RETURN QUERY SELECT * FROM wisp_radius_limit_rows(p_user, v.refusal, v.rate_limit,
            v.time_left_s, v.bytes_left, p_interim, p_idle, v.profile);
    END IF;
END
$$;

-- Check items of a subscriber: Cleartext-Password and Simultaneous-Use
-- := 1 (a second PPPoE session is refused), or Auth-Type := Reject. Else
-- (no row: a subscriber always has one) the voucher's.
CREATE OR REPLACE FUNCTION wisp_radius_check(p_user text, p_mac text)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_radius');
    RETURN QUERY SELECT r.id, p_user, r.attribute, r.value, ':='
      FROM wisp_subscriber_state(p_user) AS v,
           LATERAL (VALUES (1, 'Auth-Type', 'Reject'), (1, 'Cleartext-Password', v.password),
                           (2, 'Simultaneous-Use', '1')) AS r (id, attribute, value)
     WHERE (r.attribute = 'Auth-Type') = (v.refusal IS NOT NULL) ORDER BY r.id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT * FROM wisp_radius_voucher_check(p_user, p_mac);
    END IF;
END
$$;

-- Reply items of a subscriber: the shared limit rows (no Session-Timeout:
-- a month is no session; no Idle-Timeout), then Framed-IP-Address or else
-- Framed-Pool. Else the voucher's (a subscriber without any of them finds
-- no voucher of its name: the names are one name space).
CREATE OR REPLACE FUNCTION wisp_radius_reply(p_user text, p_mac text, p_interim integer, p_idle integer)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    PERFORM wisp_require('wisp_radius');
    -- one row into a variable, then plain queries on it: a LATERAL join of
    -- the state with the limit rows was planned afresh at every call, which
    -- made FreeRADIUS's replies 10 times slower (bench_radius)
    SELECT * INTO v FROM wisp_subscriber_state(p_user);
    IF NOT FOUND THEN
        RETURN QUERY SELECT * FROM wisp_radius_voucher_reply(p_user, p_mac, p_interim, p_idle);
        RETURN;
    END IF;
    RETURN QUERY SELECT * FROM wisp_radius_limit_rows(p_user, v.refusal, v.rate_limit, NULL,
                                                       v.bytes_left, p_interim, 0, v.profile);
    IF v.refusal IS NULL THEN
        RETURN QUERY SELECT r.id, p_user, r.attribute, r.value, ':='::text
          FROM (VALUES (8, 'Framed-IP-Address', v.framed_ip),
                       (9, 'Framed-Pool', CASE WHEN v.framed_ip IS NULL THEN v.pool END))
               AS r (id, attribute, value)
         WHERE r.value IS NOT NULL;
    END IF;
END
$$;

-- 016's kicks of subscribers who became unpaid, on the shop's date: the
-- moment a subscriber becomes unpaid is the shop's midnight after the
-- grace days.
CREATE OR REPLACE FUNCTION wisp_subscriber_queue_kicks(p_subscriber bigint)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
    today date := wisp_shop_date();
    zone text := wisp_shop_zone();
BEGIN
    INSERT INTO router_jobs (router_id, kind, session_id, target, created_by, created_at)
    SELECT x.router_id, 'kick', x.id, x.username, session_user, now()
      FROM sessions x JOIN subscribers s ON s.id = x.subscriber_id
      JOIN subscriber_plans p ON p.id = s.plan_id
      JOIN router_radius rr ON rr.router_id = x.router_id
     WHERE x.state = 'active' AND x.acct_key IS NOT NULL
       AND (p_subscriber IS NULL OR s.id = p_subscriber)
       AND (s.status <> 'active'
            OR x.started_at < ((s.due_on + p.grace_days + 1)::timestamp AT TIME ZONE zone))
       AND (s.status <> 'active' OR today > s.due_on + p.grace_days)
       AND NOT EXISTS (SELECT FROM router_jobs j WHERE j.session_id = x.id AND j.kind = 'kick'
                         AND (j.state = 'queued' OR j.created_at > now() - interval '5 minutes'));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- ---------------------------------------------------------------------------
-- Subscribers. The one a change is for, locked (operators and admins);
-- refused when there is none, or when it is cancelled unless p_cancelled_ok.
CREATE FUNCTION wisp_subscriber_lock(p_user text, p_cancelled_ok boolean)
RETURNS subscribers
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    s subscribers;
BEGIN
    PERFORM wisp_require('wisp_operator');
    SELECT * INTO s FROM subscribers WHERE username = p_user FOR UPDATE;
    IF NOT FOUND THEN
        PERFORM wisp_subscriber_refuse(p_user);
    END IF;
    IF s.status = 'cancelled' AND NOT p_cancelled_ok THEN
        RAISE EXCEPTION 'subscriber % is cancelled', p_user USING ERRCODE = 'check_violation';
    END IF;
    RETURN s;
END
$$;

CREATE FUNCTION wisp_is_admin() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT pg_has_role(session_user, 'wisp_admin', 'MEMBER');
$$;

-- A first due date: finite; an operator's at most a month from today
-- (the default), an admin's at most 24 months; none more than 24 months
-- back.
CREATE OR REPLACE FUNCTION wisp_subscriber_add(p_user text, p_password text, p_name text,
                                               p_phone text, p_plan text, p_due date, p_ip text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    pid integer;
    live boolean;
    sid bigint;
    today date := wisp_shop_date();
    due date := coalesce(p_due, wisp_bill_date(wisp_shop_date(), extract(day FROM wisp_shop_date())::integer, 1));
BEGIN
    PERFORM wisp_require('wisp_operator');
    SELECT id, active INTO pid, live FROM subscriber_plans WHERE name = p_plan;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no subscriber plan "%"', p_plan USING ERRCODE = 'no_data_found';
    ELSIF NOT live THEN
        RAISE EXCEPTION 'subscriber plan % is disabled', p_plan USING ERRCODE = 'check_violation';
    END IF;
    IF NOT isfinite(due) OR due < (today - interval '24 months')::date
       OR due > (today + interval '24 months')::date THEN
        RAISE EXCEPTION 'bad due date %: within 24 months of today', due
            USING ERRCODE = 'invalid_parameter_value';
    ELSIF due > wisp_bill_date(today, extract(day FROM today)::integer, 1) AND NOT wisp_is_admin() THEN
        RAISE EXCEPTION 'only an admin may give a first due date more than a month ahead'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- the billing day: today's when the first due date is a month from it
    -- (31 January: due 28 February, billed on the 31st), else the due date's
    INSERT INTO subscribers (username, password, name, phone, plan_id, due_on, bill_day, framed_ip)
        VALUES (p_user, p_password, p_name, nullif(p_phone, ''), pid, due,
                extract(day FROM CASE WHEN p_due IS NULL THEN today ELSE due END), p_ip::inet)
        RETURNING id INTO sid;
    -- the password is never audited
    PERFORM wisp_audit_write('subscriber.add', jsonb_build_object('username', p_user,
        'name', p_name, 'plan', p_plan, 'due_on', due));
    RETURN sid;
END
$$;

-- Change a subscriber (016's), but the due date and the plan: an admin's
-- alone. A due date (an operator records a payment) is a finite date at
-- most 24 months from the old one and from today; it sets the billing
-- day; audited with the old and the new date. A plan (an operator could
-- take a cheap plan's payment, then move the subscriber to a dear one) is
-- audited with the old and the new plan.
CREATE OR REPLACE FUNCTION wisp_subscriber_edit(p_user text, p_changes jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    s subscribers;
    pid integer;
    old_plan text;
    k text;
    due date;
    today date := wisp_shop_date();
BEGIN
    s := wisp_subscriber_lock(p_user, true);
    FOR k IN SELECT jsonb_object_keys(p_changes) LOOP
        IF k NOT IN ('password', 'name', 'phone', 'plan', 'due_on', 'framed_ip') THEN
            RAISE EXCEPTION 'unknown subscriber field "%"', k USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    IF p_changes ? 'due_on' THEN
        IF NOT wisp_is_admin() THEN
            RAISE EXCEPTION 'only an admin may move a due date: record a payment (subscriber pay)'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        due := (p_changes->>'due_on')::date;
        IF due IS NULL OR NOT isfinite(due)
           OR due > (greatest(s.due_on, today) + interval '24 months')::date
           OR due < (least(s.due_on, today) - interval '24 months')::date THEN
            RAISE EXCEPTION 'bad due date %: within 24 months of the old one (%) and of today',
                coalesce(p_changes->>'due_on', 'null'), s.due_on USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END IF;
    IF p_changes ? 'plan' THEN
        IF NOT wisp_is_admin() THEN
            RAISE EXCEPTION 'only an admin may change a subscriber''s plan'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        SELECT name INTO old_plan FROM subscriber_plans WHERE id = s.plan_id;
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
        due_on = coalesce(due, due_on),
        bill_day = coalesce(extract(day FROM due), bill_day),
        framed_ip = CASE WHEN p_changes ? 'framed_ip' THEN (p_changes->>'framed_ip')::inet ELSE framed_ip END,
        changed_at = now()
     WHERE id = s.id;
    PERFORM wisp_audit_write('subscriber.edit', jsonb_build_object('username', p_user,
        'changes', p_changes - 'password',
        'password_changed', p_changes ? 'password')
        || CASE WHEN due IS NOT NULL THEN jsonb_build_object('due_from', s.due_on, 'due_to', due)
                ELSE '{}' END
        || CASE WHEN pid IS NOT NULL THEN jsonb_build_object('plan_from', old_plan,
                                                             'plan_to', p_changes->>'plan')
                ELSE '{}' END);
END
$$;

-- 016's, on the shared lookup.
CREATE OR REPLACE FUNCTION wisp_subscriber_set_status(p_user text, p_status text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    s subscribers;
    n integer := 0;
BEGIN
    PERFORM wisp_require('wisp_operator');
    IF p_status NOT IN ('active', 'suspended', 'cancelled') THEN
        RAISE EXCEPTION 'bad subscriber status "%"', p_status USING ERRCODE = 'invalid_parameter_value';
    END IF;
    s := wisp_subscriber_lock(p_user, false);
    UPDATE subscribers SET status = p_status, changed_at = now() WHERE id = s.id;
    IF p_status <> 'active' THEN
        n := wisp_subscriber_queue_kicks(s.id);
    END IF;
    PERFORM wisp_audit_write('subscriber.' || CASE p_status WHEN 'active' THEN 'resume'
        WHEN 'suspended' THEN 'suspend' ELSE 'cancel' END,
        jsonb_build_object('username', p_user, 'from', s.status, 'kicks', n));
    RETURN n;
END
$$;

-- A payment of p_months (1-24) months: a finite amount more than 0; an
-- operator's covers the plan's price times the months, an admin may
-- record less (a discount: the audit row has what was owed and how much
-- short). The due date moves on by the months on the billing day: from
-- the due date while the subscriber is within grace, from today (which
-- becomes the billing day) once unpaid. Returns the new due date.
CREATE OR REPLACE FUNCTION wisp_subscriber_pay(p_user text, p_amount numeric, p_months integer)
RETURNS date
LANGUAGE plpgsql SECURITY DEFINER AS $$
DECLARE
    s subscribers;
    p subscriber_plans;
    today date := wisp_shop_date();
    amount numeric;
    owed numeric;
    base date;
    day integer;
    due date;
BEGIN
    s := wisp_subscriber_lock(p_user, false);
    -- NaN passes "> 0" (it sorts above every number), Infinity fails "<"
    IF p_amount IS NULL OR p_amount = 'NaN'::numeric OR NOT (p_amount > 0 AND p_amount < 1e10) THEN
        RAISE EXCEPTION 'bad amount %: a number more than 0', coalesce(p_amount::text, 'null')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_months IS NULL OR p_months NOT BETWEEN 1 AND 24 THEN
        RAISE EXCEPTION 'bad months %: 1 to 24', coalesce(p_months::text, 'null')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    amount := round(p_amount, 2);
    SELECT * INTO p FROM subscriber_plans WHERE id = s.plan_id;
    owed := p.price * p_months;
    IF amount < owed AND NOT wisp_is_admin() THEN
        RAISE EXCEPTION 'the payment is short: % month(s) of plan % are %; only an admin may record less',
            p_months, p.name, owed USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF today > s.due_on + p.grace_days THEN
        base := today;
        day := extract(day FROM today);
    ELSE
        base := s.due_on;
        day := s.bill_day;
    END IF;
    due := wisp_bill_date(base, day, p_months);
    INSERT INTO subscriber_payments (subscriber_id, amount, months, period_from, period_to)
        VALUES (s.id, amount, p_months, base, due);
    UPDATE subscribers SET due_on = due, bill_day = day, changed_at = now() WHERE id = s.id;
    PERFORM wisp_audit_write('subscriber.pay', jsonb_build_object('username', p_user,
        'amount', amount, 'months', p_months, 'from', base, 'due_on', due, 'owed', owed)
        || CASE WHEN amount < owed THEN jsonb_build_object('short', owed - amount) ELSE '{}' END);
    RETURN due;
END
$$;

-- 016's list, on the shop's date and the period that contains it; the
-- billing day at the end.
CREATE OR REPLACE VIEW subscriber_list AS
SELECT s.id, s.username, s.name, s.phone, p.name AS plan, p.price, p.rate_limit, p.data_bytes,
       p.overdue, s.status, s.due_on, host(s.framed_ip) AS framed_ip,
       (s.status = 'active' AND wisp_shop_date() > s.due_on + p.grace_days) AS unpaid,
       wisp_subscriber_used(s.id, s.due_on, s.bill_day) AS used_bytes,
       (SELECT count(*) FROM sessions x WHERE x.subscriber_id = s.id AND x.state = 'active') AS online,
       (SELECT max(y.created_at) FROM subscriber_payments y WHERE y.subscriber_id = s.id) AS paid_at,
       s.created_at, s.created_by, s.bill_day
  FROM subscribers s JOIN subscriber_plans p ON p.id = s.plan_id;

-- ---------------------------------------------------------------------------
-- Ownership, search_path, who may call what. (The functions that declare
-- a variable of a table's type are made without their search_path: it is
-- set here, after plpgsql has resolved the type.)
DO $own$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_shop_zone', 'wisp_shop_date', 'wisp_bill_date',
                   'wisp_subscriber_period', 'wisp_subscriber_used', 'wisp_subscriber_bill_day',
                   'wisp_subscriber_state', 'wisp_radius_limit_rows', 'wisp_radius_voucher_reply',
                   'wisp_radius_check', 'wisp_radius_reply', 'wisp_subscriber_queue_kicks',
                   'wisp_subscriber_lock', 'wisp_is_admin', 'wisp_subscriber_add',
                   'wisp_subscriber_edit', 'wisp_subscriber_set_status', 'wisp_subscriber_pay') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT SELECT (bill_day) ON subscribers TO wisp_viewer;
-- subscriber_list calls these as whoever reads it
GRANT EXECUTE ON FUNCTION wisp_shop_zone(), wisp_shop_date(), wisp_bill_date(date, integer, integer),
    wisp_subscriber_period(date, integer, date), wisp_subscriber_used(bigint, date, integer)
    TO wisp_viewer;
