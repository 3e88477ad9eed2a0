-- 014_radius: FreeRADIUS reads wisp's database (docs/radius.md).
--
-- Routers that ask RADIUS are FreeRADIUS's clients (NASes): each has a row
-- in router_radius with its shared secret and the port it takes
-- Disconnect-Requests on. FreeRADIUS logs in as a member of wisp_radius,
-- which may call exactly four functions and read or write nothing else:
--
--   wisp_radius_check(user, mac)        its radcheck rows (authorize)
--   wisp_radius_reply(user, interim, idle)  its radreply rows (authorize)
--   wisp_radius_simul(user, mac, interim)   its sessions in use (Simultaneous-Use)
--   wisp_radius_acct(...)               an Accounting-Request into sessions
--
-- They decide by wisp's rules (a voucher that is new, sold or active and
-- not past expires_at; its plan's limits; its device) on PostgreSQL's
-- clock, and accounting lands in the sessions table the worker writes for
-- SSH-polled routers. Kicks without SSH: wisp_radius_kicks hands the worker
-- (or an admin) the Disconnect-Requests to send, wisp_radius_kick_done
-- records the router's answer.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_radius') THEN
        CREATE ROLE wisp_radius NOLOGIN;
    END IF;
END
$roles$;

-- A router's RADIUS secret (RFC 2865 3: 16 characters or more advised;
-- printable ASCII without spaces, quotes and backslashes, which FreeRADIUS's
-- and RouterOS's syntax would have to escape) and its DM/CoA port.
CREATE TABLE router_radius (
    router_id integer PRIMARY KEY REFERENCES routers (id) ON DELETE CASCADE,
    secret    text NOT NULL CHECK (secret ~ '^[!#-&(-\[\]-~]{12,128}$'),
    coa_port  integer NOT NULL DEFAULT 3799 CHECK (coa_port BETWEEN 1 AND 65535)
);

-- What ties an accounting packet to its session: FreeRADIUS's
-- Acct-Unique-Session-Id (md5 of user, Acct-Session-Id and the NAS), and
-- what a Disconnect-Request names the session by.
ALTER TABLE sessions ADD COLUMN acct_key text CHECK (acct_key ~ '^[0-9a-f]{32}$'),
                     ADD COLUMN acct_session_id text CHECK (acct_session_id ~ '^[!-~]{1,64}$'),
                     ADD COLUMN nas_ip text CHECK (nas_ip ~ '^[0-9a-fA-F.:]{2,45}$');
CREATE INDEX sessions_acct_key ON sessions (acct_key, id DESC) WHERE acct_key IS NOT NULL;
CREATE INDEX sessions_open_user ON sessions (username) WHERE state = 'active';

-- ---------------------------------------------------------------------------
-- The first use of a voucher, whoever saw it (the worker's poll, a RADIUS
-- Start): wisp_voucher_activate's body, now shared, without its caller check.
CREATE FUNCTION wisp_voucher_first_use(p_code text, p_uptime_s bigint, p_mac text)
RETURNS TABLE (code text, expires_at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    up bigint := least(greatest(coalesce(p_uptime_s, 0), 0), 315360000);
    c text;
    x timestamptz;
BEGIN
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

CREATE OR REPLACE FUNCTION wisp_voucher_activate(p_code text, p_uptime_s bigint, p_mac text)
RETURNS TABLE (code text, expires_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    RETURN QUERY SELECT * FROM wisp_voucher_first_use(p_code, p_uptime_s, p_mac);
END
$$;

-- A MAC as wisp stores it (AA:BB:CC:00:11:22) from any of RouterOS's
-- radius-mac-format spellings; '' for anything that is not six hex pairs.
CREATE FUNCTION wisp_radius_mac(p_mac text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN h ~ '^[0-9A-F]{12}$'
                THEN regexp_replace(h, '(..)(..)(..)(..)(..)(..)', '\1:\2:\3:\4:\5:\6')
                ELSE '' END
      FROM upper(regexp_replace(coalesce(p_mac, ''), '[^0-9A-Fa-f]', '', 'g')) AS h;
$$;

-- What a voucher may still use, and why it may not: one row for the
-- user, none for a name that is no voucher.
CREATE FUNCTION wisp_radius_voucher(p_user text, p_mac text)
RETURNS TABLE (password text, refusal text, shared_users integer, rate_limit text,
               profile text, time_left_s bigint, bytes_left bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r record;
    used_s bigint;
    used_b bigint;
    v_mac text := wisp_radius_mac(p_mac);
BEGIN
    SELECT v.id, v.password, v.status, v.expires_at, v.mac, v.extra_s, v.extra_bytes,
           p.duration_s, p.data_bytes, p.validity_s, p.shared_users, p.rate_limit, p.profile
      INTO r FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE v.code = p_user;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(s.uptime_s), 0), coalesce(sum(s.bytes_in + s.bytes_out), 0)
      INTO used_s, used_b FROM sessions s WHERE s.voucher_id = r.id;
    password := r.password;
    shared_users := r.shared_users;
    rate_limit := r.rate_limit;
    profile := r.profile;
    -- the validity left (from the first use when it has not begun), and
    -- the plan's online time left: the smaller one
    time_left_s := least(
        CASE WHEN r.expires_at IS NOT NULL THEN ceil(extract(epoch FROM r.expires_at - now()))::bigint
             WHEN coalesce(r.validity_s, r.duration_s) IS NOT NULL
             THEN coalesce(r.validity_s, r.duration_s) + r.extra_s END,
        CASE WHEN r.duration_s IS NOT NULL THEN r.duration_s + r.extra_s - used_s END);
    bytes_left := CASE WHEN r.data_bytes IS NOT NULL THEN r.data_bytes + r.extra_bytes - used_b END;
    refusal := CASE
        WHEN r.status NOT IN ('new', 'sold', 'active') THEN format('voucher is %s', r.status)
        WHEN r.expires_at IS NOT NULL AND r.expires_at <= now() THEN 'voucher expired'
        WHEN coalesce(r.mac, '') <> '' AND r.mac <> v_mac THEN 'voucher is bound to another device'
        WHEN time_left_s <= 0 THEN 'voucher time used up'
        WHEN bytes_left <= 0 THEN 'voucher data used up' END;
    RETURN NEXT;
END
$$;

-- ---------------------------------------------------------------------------
-- What FreeRADIUS calls (rows as rlm_sql wants them: id, name, attribute,
-- value, op; see mods-config/sql/main/postgresql/queries.conf that `wisp
-- radius config` writes).

-- Check items: the password in clear (CHAP needs it), the shared users,
-- or Auth-Type := Reject when wisp's rules refuse the voucher. No row:
-- no such user (rejected).
CREATE FUNCTION wisp_radius_check(p_user text, p_mac text)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    PERFORM wisp_require('wisp_radius');
    SELECT * INTO v FROM wisp_radius_voucher(p_user, p_mac);
    IF NOT FOUND THEN
        RETURN;
    END IF;
    username := p_user;
    op := ':=';
    IF v.refusal IS NOT NULL THEN
        id := 1; attribute := 'Auth-Type'; value := 'Reject';
        RETURN NEXT;
        RETURN;
    END IF;
    id := 1; attribute := 'Cleartext-Password'; value := v.password;
    RETURN NEXT;
    IF v.shared_users IS NOT NULL THEN
        id := 2; attribute := 'Simultaneous-Use'; value := v.shared_users::text;
        RETURN NEXT;
    END IF;
END
$$;

-- Reply items: the plan's limits as RouterOS and RFC 2865/2869 attributes,
-- or the reason of a refusal (Reply-Message). p_interim: the
-- Acct-Interim-Interval to ask for; p_idle: the Idle-Timeout (0: none).
CREATE FUNCTION wisp_radius_reply(p_user text, p_mac text, p_interim integer, p_idle integer)
RETURNS TABLE (id integer, username text, attribute text, value text, op text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v record;
BEGIN
    PERFORM wisp_require('wisp_radius');
    SELECT * INTO v FROM wisp_radius_voucher(p_user, p_mac);
    IF NOT FOUND THEN
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
    IF v.time_left_s IS NOT NULL THEN
        id := 2; attribute := 'Session-Timeout'; value := v.time_left_s::text;
        RETURN NEXT;
    END IF;
    IF v.bytes_left IS NOT NULL THEN
        -- 32-bit attributes: the low word, and the high word in gigawords
        id := 3; attribute := 'Mikrotik-Total-Limit'; value := (v.bytes_left % 4294967296)::text;
        RETURN NEXT;
        id := 4; attribute := 'Mikrotik-Total-Limit-Gigawords'; value := (v.bytes_left / 4294967296)::text;
        RETURN NEXT;
    END IF;
    IF p_interim > 0 THEN
        id := 5; attribute := 'Acct-Interim-Interval'; value := p_interim::text;
        RETURN NEXT;
    END IF;
    IF p_idle > 0 THEN
        id := 6; attribute := 'Idle-Timeout'; value := p_idle::text;
        RETURN NEXT;
    END IF;
    IF v.profile IS NOT NULL THEN
        id := 7; attribute := 'Mikrotik-Group'; value := v.profile;
        RETURN NEXT;
    END IF;
END
$$;

-- Sessions of the user open on any router, but the device asking (it may
-- log in again) and those no packet or poll has refreshed for three
-- interim intervals (a lost Stop must not lock a customer out for good).
CREATE FUNCTION wisp_radius_simul(p_user text, p_mac text, p_interim integer)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_radius');
    RETURN (SELECT count(*) FROM sessions s
             WHERE s.username = p_user AND s.state = 'active' AND s.mac <> wisp_radius_mac(p_mac)
               AND s.last_seen > now() - make_interval(secs => 3 * greatest(p_interim, 60)));
END
$$;

-- One Accounting-Request (p_status: Start, Interim-Update, Stop,
-- Accounting-On, Accounting-Off, ...) from the router named p_nas (the
-- client's shortname). Byte counts already include the gigawords. Returns
-- 1 whatever happened, so rlm_sql counts a row and FreeRADIUS always
-- answers (a NAS that gets no Accounting-Response resends for ever).
-- Idempotent: a packet for a session already closed, or older than what
-- is recorded (counters, online time), changes nothing.
CREATE FUNCTION wisp_radius_acct(p_status text, p_key text, p_nas text, p_nas_ip text,
                                 p_session_id text, p_user text, p_mac text, p_ip text,
                                 p_time bigint, p_in bigint, p_out bigint)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid integer;
    s record;
    v_mac text := wisp_radius_mac(p_mac);
    up bigint := least(greatest(coalesce(p_time, 0), 0), 315360000);
    bin bigint := greatest(coalesce(p_in, 0), 0);
    bout bigint := greatest(coalesce(p_out, 0), 0);
    v_ip text := CASE WHEN p_ip ~ '^[0-9a-fA-F.:]{2,45}$' THEN p_ip END;
    v_nas_ip text := CASE WHEN p_nas_ip ~ '^[0-9a-fA-F.:]{2,45}$' THEN p_nas_ip END;
    v_sid text := CASE WHEN p_session_id ~ '^[!-~]{1,64}$' THEN p_session_id END;
    vid bigint;
    dt double precision;
BEGIN
    PERFORM wisp_require('wisp_radius');
    SELECT r.id INTO rid FROM routers r WHERE r.name = p_nas;
    IF NOT FOUND THEN
        RETURN 1; -- not (or no longer) a router of wisp's: nothing to record
    END IF;
    IF p_status IN ('Accounting-On', 'Accounting-Off') THEN
        -- the router (re)started: none of its RADIUS sessions lives on
        UPDATE sessions SET state = 'closed', ended_at = now(), last_seen = now()
         WHERE router_id = rid AND state = 'active' AND acct_key IS NOT NULL;
        RETURN 1;
    END IF;
    IF p_status NOT IN ('Start', 'Interim-Update', 'Alive', 'Stop') OR p_key !~ '^[0-9a-f]{32}$'
       OR coalesce(p_user, '') = '' THEN
        RETURN 1;
    END IF;
    -- one packet of a session at a time (FreeRADIUS runs several threads)
    PERFORM pg_advisory_xact_lock(hashtext(p_key));
    SELECT * INTO s FROM sessions WHERE acct_key = p_key ORDER BY id DESC LIMIT 1;
    -- a Start for a session that ended long ago: the router reuses its
    -- Acct-Session-Ids after a reboot, so this is a new session
    IF FOUND AND p_status = 'Start' AND s.state = 'closed' AND s.ended_at < now() - interval '10 minutes' THEN
        s := NULL;
    END IF;
    IF s.id IS NULL THEN
        SELECT v.id INTO vid FROM vouchers v WHERE v.code = p_user;
        -- a row left open for the same user and device on this router is stale
        UPDATE sessions SET state = 'closed', ended_at = now()
         WHERE router_id = rid AND username = p_user AND sessions.mac = v_mac AND state = 'active';
        INSERT INTO sessions (router_id, username, voucher_id, mac, ip, started_at, last_seen,
                              ended_at, uptime_s, bytes_in, bytes_out, delta_in, delta_out, state,
                              acct_key, acct_session_id, nas_ip)
            VALUES (rid, p_user, vid, v_mac, v_ip, now() - make_interval(secs => up), now(),
                    CASE WHEN p_status = 'Stop' THEN now() END, up, bin, bout, bin, bout,
                    CASE WHEN p_status = 'Stop' THEN 'closed' ELSE 'active' END,
                    p_key, v_sid, v_nas_ip);
        IF vid IS NOT NULL THEN
            PERFORM wisp_voucher_first_use(p_user, up, v_mac);
        END IF;
        RETURN 1;
    END IF;
    IF s.state = 'closed' OR p_status = 'Start' THEN
        RETURN 1; -- a duplicate, or late: the session has moved on
    END IF;
    dt := greatest(extract(epoch FROM now() - s.last_seen), 1);
    UPDATE sessions SET
        ip = coalesce(v_ip, sessions.ip),
        uptime_s = greatest(sessions.uptime_s, up),
        delta_in = greatest(bin - sessions.bytes_in, 0),
        delta_out = greatest(bout - sessions.bytes_out, 0),
        rate_in = (greatest(bin - sessions.bytes_in, 0) * 8 / dt)::bigint,
        rate_out = (greatest(bout - sessions.bytes_out, 0) * 8 / dt)::bigint,
        bytes_in = greatest(sessions.bytes_in, bin),
        bytes_out = greatest(sessions.bytes_out, bout),
        last_seen = now(),
        state = CASE WHEN p_status = 'Stop' THEN 'closed' ELSE 'active' END,
        ended_at = CASE WHEN p_status = 'Stop' THEN now() END
     WHERE sessions.id = s.id;
    RETURN 1;
END
$$;

-- ---------------------------------------------------------------------------
-- Admins: make a router a RADIUS client (or change its secret or DM port).
CREATE FUNCTION wisp_radius_client_set(p_router text, p_secret text, p_coa_port integer)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    rid := wisp_router_id(p_router);
    IF p_secret IS NULL OR p_secret !~ '^[!#-&(-\[\]-~]{12,128}$' THEN
        RAISE EXCEPTION 'a RADIUS secret is 12 to 128 printable ASCII characters, no spaces, quotes or backslashes'
            USING ERRCODE = 'check_violation';
    END IF;
    INSERT INTO router_radius (router_id, secret, coa_port)
        VALUES (rid, p_secret, coalesce(p_coa_port, 3799))
        ON CONFLICT (router_id) DO UPDATE SET secret = EXCLUDED.secret, coa_port = EXCLUDED.coa_port;
    -- the secret itself is never audited
    PERFORM wisp_audit_write('radius.client', jsonb_build_object('router', p_router,
        'coa_port', coalesce(p_coa_port, 3799)));
END
$$;

-- The worker's (or an admin's) Disconnect-Requests to send: kicks queued
-- for sessions that RADIUS accounting opened, after queueing one for every
-- such session whose voucher is expired, disabled or past expires_at
-- (PostgreSQL's clock) and that was not asked to go in the last 5 minutes.
CREATE FUNCTION wisp_radius_kicks()
RETURNS TABLE (job_id bigint, router text, host text, coa_port integer, secret text,
               username text, ip text, acct_session_id text, nas_ip text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    INSERT INTO router_jobs (router_id, kind, session_id, target, created_by, created_at)
    SELECT s.router_id, 'kick', s.id, s.username, session_user, now()
      FROM sessions s JOIN vouchers v ON v.id = s.voucher_id
      JOIN router_radius rr ON rr.router_id = s.router_id
     WHERE s.state = 'active' AND s.acct_key IS NOT NULL
       AND (v.status IN ('expired', 'disabled') OR v.expires_at <= now())
       AND NOT EXISTS (SELECT FROM router_jobs j WHERE j.session_id = s.id AND j.kind = 'kick'
                         AND (j.state = 'queued' OR j.created_at > now() - interval '5 minutes'));
    RETURN QUERY
    SELECT j.id, r.name, r.host, rr.coa_port, rr.secret, s.username, s.ip, s.acct_session_id, s.nas_ip
      FROM router_jobs j JOIN sessions s ON s.id = j.session_id
      JOIN routers r ON r.id = j.router_id JOIN router_radius rr ON rr.router_id = j.router_id
     WHERE j.kind = 'kick' AND j.state = 'queued' AND s.acct_key IS NOT NULL
     ORDER BY j.id
     FOR UPDATE OF j SKIP LOCKED;
END
$$;

-- The router's answer to a kick: ACK (done; the session closes now, its
-- Stop may still bring the last counters) or NAK / no answer (failed).
CREATE FUNCTION wisp_radius_kick_done(p_job bigint, p_ok boolean, p_result text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    sid bigint;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    UPDATE router_jobs SET state = CASE WHEN p_ok THEN 'done' ELSE 'failed' END,
           result = left(p_result, 200), done_at = now()
     WHERE id = p_job AND kind = 'kick' AND state = 'queued'
     RETURNING session_id INTO sid;
    IF p_ok AND sid IS NOT NULL THEN
        UPDATE sessions SET state = 'closed', ended_at = now() WHERE id = sid AND state = 'active';
    END IF;
    PERFORM wisp_audit_write('radius.disconnect', jsonb_build_object('job', p_job, 'ok', p_ok,
        'result', left(p_result, 200)));
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
               AND p.proname IN ('wisp_voucher_first_use', 'wisp_voucher_activate',
                   'wisp_radius_mac', 'wisp_radius_voucher', 'wisp_radius_check',
                   'wisp_radius_reply', 'wisp_radius_simul', 'wisp_radius_acct',
                   'wisp_radius_client_set', 'wisp_radius_kicks', 'wisp_radius_kick_done') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT SELECT, INSERT, UPDATE ON router_radius TO wisp_owner;
GRANT SELECT, INSERT, UPDATE ON sessions, router_jobs TO wisp_owner;
GRANT USAGE ON SEQUENCE sessions_id_seq, router_jobs_id_seq TO wisp_owner;

GRANT EXECUTE ON FUNCTION wisp_radius_check(text, text), wisp_radius_reply(text, text, integer, integer),
    wisp_radius_simul(text, text, integer),
    wisp_radius_acct(text, text, text, text, text, text, text, text, bigint, bigint, bigint)
    TO wisp_radius;
GRANT EXECUTE ON FUNCTION wisp_radius_client_set(text, text, integer) TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_radius_kicks(), wisp_radius_kick_done(bigint, boolean, text)
    TO wisp_worker, wisp_admin;

-- Secrets: admins and the worker read them (config, Disconnect-Requests);
-- viewers see which routers are RADIUS clients and their DM ports.
GRANT SELECT ON router_radius TO wisp_admin, wisp_worker;
GRANT SELECT (router_id, coa_port) ON router_radius TO wisp_viewer;
