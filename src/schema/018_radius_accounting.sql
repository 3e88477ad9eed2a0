-- 018_radius_accounting: RADIUS accounting and kicks, after a review
-- (docs/radius.md). What changes from 014:
--
--   * A session belongs to the router whose packets opened it: accounting
--     finds it by the router FreeRADIUS identified (the client's shortname,
--     which FreeRADIUS takes from the packet's source address) and
--     acct_key, never by acct_key alone, which is an md5 of attributes any
--     NAS may write. One router's packets cannot touch another's sessions.
--   * A Start never closes another session: two sessions of one device
--     (a login again after a lost Stop, two PPPoE sessions) are both open
--     and both counted. The unique index that made a second open row of
--     one user and device impossible now holds for the SSH poll's rows
--     only (acct_key IS NULL).
--   * Counters arriving after a session closed (its Stop after a kick, an
--     Interim after Accounting-On) are still counted: the larger counters
--     win, the session stays closed, its end no earlier than its start
--     plus its online time (and no later than now).
--   * Counters are held to 2^50 bytes (a petabyte: no session moves more),
--     so no sum, rate or reply overflows bigint; `wisp radius config`
--     computes Gigawords * 2^32 + Octets in numeric.
--   * Acct-Session-Id is stored as the router sent it: rlm_sql hands it
--     over with the characters outside safe_characters as =XX, which
--     wisp_radius_unescape undoes, so a Disconnect-Request names it right.
--   * Simultaneous-Use counts a subscriber's open sessions by
--     subscriber_id, all of them (the asking MAC's too), and without a
--     usable Calling-Station-Id every open session of the user (the
--     asking device cannot be told apart).
--   * RADIUS routers' traffic reaches the 5-minute history
--     (wisp_radius_rollup, each worker tick), as SSH-polled routers' does.
--   * Kicks are claimed with a lease in a statement of their own
--     (wisp_radius_kicks(limit, lease)), sent outside any transaction, and
--     recorded after; a worker stopping puts back the ones it did not send.

-- ---------------------------------------------------------------------------
-- Sessions: RADIUS rows are found by router and key.
DROP INDEX sessions_open;
CREATE UNIQUE INDEX sessions_open ON sessions (router_id, username, mac)
    WHERE state = 'active' AND acct_key IS NULL;
DROP INDEX sessions_acct_key;
CREATE INDEX sessions_acct_key ON sessions (router_id, acct_key, id DESC) WHERE acct_key IS NOT NULL;

-- rows an overflowing Gigawords left too big to add up
UPDATE sessions SET bytes_in = least(bytes_in, 1125899906842624),
                    bytes_out = least(bytes_out, 1125899906842624),
                    delta_in = least(delta_in, 1125899906842624),
                    delta_out = least(delta_out, 1125899906842624),
                    rate_in = least(rate_in, 1125899906842624),
                    rate_out = least(rate_out, 1125899906842624)
 WHERE acct_key IS NOT NULL
   AND greatest(bytes_in, bytes_out, delta_in, delta_out, rate_in, rate_out) > 1125899906842624;

-- RADIUS traffic into the 5-minute history (metric_rollups, 005): what of
-- a session's counters a sample took already. Accounting raises
-- rollup_due when counters grow; wisp_radius_rollup (the worker, each
-- tick) takes the difference and lowers it. A flag, not a comparison of
-- counters, in the index: an Interim-Update that finds it raised already
-- changes no indexed column and stays a HOT update.
ALTER TABLE sessions ADD COLUMN rolled_in bigint NOT NULL DEFAULT 0,
                     ADD COLUMN rolled_out bigint NOT NULL DEFAULT 0,
                     ADD COLUMN rollup_due boolean NOT NULL DEFAULT false;
UPDATE sessions SET rolled_in = bytes_in, rolled_out = bytes_out
 WHERE acct_key IS NOT NULL AND (bytes_in > 0 OR bytes_out > 0);
CREATE INDEX sessions_rollup_due ON sessions (router_id) WHERE rollup_due;
CREATE INDEX sessions_radius_open ON sessions (router_id) WHERE state = 'active' AND acct_key IS NOT NULL;

-- A claimed kick: not handed out again until the lease runs out.
ALTER TABLE router_jobs ADD COLUMN lease_until timestamptz;

-- ---------------------------------------------------------------------------
-- A value as the packet carried it, from rlm_sql's escaped form (every
-- byte outside safe_characters, '=' included, written =XX); NULL when
-- it is not printable ASCII (what sessions.acct_session_id holds).
CREATE FUNCTION wisp_radius_unescape(p text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    b bytea;
BEGIN
    IF p IS NULL OR strpos(p, '=') = 0 THEN
        RETURN CASE WHEN p ~ '^[!-~]{1,64}$' THEN p END;
    END IF;
    SELECT string_agg(CASE WHEN m[1] IS NOT NULL THEN decode(m[1], 'hex')
                           ELSE convert_to(m[2], 'UTF8') END, ''::bytea ORDER BY n)
      INTO b FROM regexp_matches(p, '=([0-9A-Fa-f]{2})|([^=]+|=)', 'g') WITH ORDINALITY AS x (m, n);
    IF b IS NULL OR length(b) NOT BETWEEN 1 AND 64
       OR EXISTS (SELECT FROM generate_series(0, length(b) - 1) i
                   WHERE get_byte(b, i) NOT BETWEEN 33 AND 126) THEN
        RETURN NULL;
    END IF;
    RETURN convert_from(b, 'UTF8');
END
$$;

-- 014's MAC normaliser, the same answers cheaper: every Access- and
-- Accounting-Request runs it, and two regexp_replace calls were a tenth of
-- a Start. The separators RouterOS's radius-mac-format uses are
-- translated away; anything else takes 014's way.
CREATE OR REPLACE FUNCTION wisp_radius_mac(p_mac text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    h text := translate(upper(coalesce(p_mac, '')), ':-. ', '');
BEGIN
    IF h !~ '^[0-9A-F]{12}$' THEN
        h := upper(regexp_replace(coalesce(p_mac, ''), '[^0-9A-Fa-f]', '', 'g'));
        IF h !~ '^[0-9A-F]{12}$' THEN
            RETURN '';
        END IF;
    END IF;
    RETURN substr(h, 1, 2) || ':' || substr(h, 3, 2) || ':' || substr(h, 5, 2) || ':'
        || substr(h, 7, 2) || ':' || substr(h, 9, 2) || ':' || substr(h, 11, 2);
END
$$;

-- What a voucher may still use (014's, with its sums in numeric: no
-- stored counter can make it fail).
CREATE OR REPLACE FUNCTION wisp_radius_voucher(p_user text, p_mac text)
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
    SELECT least(coalesce(sum(s.uptime_s), 0), 4611686018427387904)::bigint,
           least(coalesce(sum(s.bytes_in::numeric + s.bytes_out), 0), 4611686018427387904)::bigint
      INTO used_s, used_b FROM sessions s WHERE s.voucher_id = r.id;
    password := r.password;
    shared_users := r.shared_users;
    rate_limit := r.rate_limit;
    profile := r.profile;
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

-- Sessions in use for Simultaneous-Use: a subscriber's open sessions (by
-- subscriber_id), every one, the asking device's included (one PPPoE
-- session, one cap: a second from the same MAC is refused too); else the
-- voucher user's, but not those of the asking device (it may log in again
-- after a lost Stop) when its Calling-Station-Id is a MAC, every one when
-- it is not. Never those no packet or poll refreshed for three interim
-- intervals (at least 3 minutes): a lost Stop does not lock a customer
-- out for longer.
CREATE OR REPLACE FUNCTION wisp_radius_simul(p_user text, p_mac text, p_interim integer)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    v_mac text := wisp_radius_mac(p_mac);
    fresh timestamptz := now() - make_interval(secs => 3 * greatest(p_interim, 60));
    sub bigint;
BEGIN
    PERFORM wisp_require('wisp_radius');
    SELECT s.id INTO sub FROM subscribers s WHERE s.username = p_user;
    IF sub IS NOT NULL THEN
        RETURN (SELECT count(*) FROM sessions s
                 WHERE s.subscriber_id = sub AND s.state = 'active' AND s.last_seen > fresh);
    END IF;
    RETURN (SELECT count(*) FROM sessions s
             WHERE s.username = p_user AND s.state = 'active'
               AND (v_mac = '' OR s.mac <> v_mac) AND s.last_seen > fresh);
END
$$;

-- One Accounting-Request from the router named p_nas (the client's
-- shortname: FreeRADIUS's, from the source address). Returns 1 whatever
-- happened, so FreeRADIUS always answers. Idempotent: counters and online
-- time only grow; a packet of a closed session still brings its counters
-- (the session stays closed); a Start of a known session changes nothing.
CREATE OR REPLACE FUNCTION wisp_radius_acct(p_status text, p_key text, p_nas text, p_nas_ip text,
                                            p_session_id text, p_user text, p_mac text, p_ip text,
                                            p_time bigint, p_in bigint, p_out bigint)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    cap constant bigint := 1125899906842624; -- 2^50 bytes
    rid integer;
    s record;
    v_mac text := wisp_radius_mac(p_mac);
    up bigint := least(greatest(coalesce(p_time, 0), 0), 315360000);
    bin bigint := least(greatest(coalesce(p_in, 0), 0), cap);
    bout bigint := least(greatest(coalesce(p_out, 0), 0), cap);
    v_ip text := CASE WHEN p_ip ~ '^[0-9a-fA-F.:]{2,45}$' THEN p_ip END;
    v_nas_ip text := CASE WHEN p_nas_ip ~ '^[0-9a-fA-F.:]{2,45}$' THEN p_nas_ip END;
    vid bigint;
    unused boolean;
    dt double precision;
    closing boolean;
    fresh boolean; -- no row of this session yet: insert one
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
    PERFORM pg_advisory_xact_lock(rid, hashtext(p_key));
    SELECT * INTO s FROM sessions WHERE router_id = rid AND acct_key = p_key ORDER BY id DESC LIMIT 1;
    fresh := NOT FOUND;
    -- a session that ended long ago, and a Start or counters that began
    -- again: the router reuses its Acct-Session-Ids after a reboot, so this
    -- is a new session (a flag: a record assigned NULL has no fields)
    IF NOT fresh AND s.state = 'closed' AND s.ended_at < now() - interval '10 minutes'
       AND (p_status = 'Start' OR up < s.uptime_s) THEN
        fresh := true;
    END IF;
    IF fresh THEN
        SELECT v.id, v.first_used_at IS NULL AND v.status IN ('new', 'sold')
          INTO vid, unused FROM vouchers v WHERE v.code = p_user;
        INSERT INTO sessions (router_id, username, voucher_id, mac, ip, started_at, last_seen,
                              ended_at, uptime_s, bytes_in, bytes_out, delta_in, delta_out, state,
                              acct_key, acct_session_id, nas_ip, rollup_due)
            VALUES (rid, p_user, vid, v_mac, v_ip, now() - make_interval(secs => up), now(),
                    CASE WHEN p_status = 'Stop' THEN now() END, up, bin, bout, bin, bout,
                    CASE WHEN p_status = 'Stop' THEN 'closed' ELSE 'active' END,
                    p_key, wisp_radius_unescape(p_session_id), v_nas_ip, bin > 0 OR bout > 0);
        -- (only a voucher not used yet: the UPDATE's statement triggers
        -- on vouchers run even when it changes no row)
        IF unused THEN
            PERFORM wisp_voucher_first_use(p_user, up, v_mac);
        END IF;
        RETURN 1;
    END IF;
    IF p_status = 'Start' THEN
        RETURN 1; -- a duplicate, or late: the session has moved on
    END IF;
    closing := s.state = 'active' AND p_status = 'Stop';
    dt := greatest(extract(epoch FROM now() - s.last_seen), 1);
    UPDATE sessions SET
        ip = coalesce(v_ip, sessions.ip),
        uptime_s = greatest(sessions.uptime_s, up),
        delta_in = greatest(bin - sessions.bytes_in, 0),
        delta_out = greatest(bout - sessions.bytes_out, 0),
        rate_in = CASE WHEN s.state = 'active' THEN (greatest(bin - sessions.bytes_in, 0) * 8 / dt)::bigint ELSE 0 END,
        rate_out = CASE WHEN s.state = 'active' THEN (greatest(bout - sessions.bytes_out, 0) * 8 / dt)::bigint ELSE 0 END,
        rollup_due = sessions.rollup_due OR bin > sessions.bytes_in OR bout > sessions.bytes_out,
        bytes_in = greatest(sessions.bytes_in, bin),
        bytes_out = greatest(sessions.bytes_out, bout),
        last_seen = now(),
        state = CASE WHEN s.state = 'closed' OR closing THEN 'closed' ELSE 'active' END,
        -- a closed session's end: when it was closed (a kick, Accounting-On),
        -- but not before its start plus the online time its router reports
        ended_at = CASE WHEN closing THEN now()
                        WHEN s.state = 'closed'
                        THEN least(now(), greatest(sessions.ended_at,
                             sessions.started_at + make_interval(secs => greatest(sessions.uptime_s, up))))
                   END
     WHERE sessions.id = s.id;
    RETURN 1;
END
$$;

-- ---------------------------------------------------------------------------
-- Kicks. The worker's (or an admin's) Disconnect-Requests to send: queue
-- the subscribers' (016) and the vouchers' (014) kicks, then claim at most
-- p_limit queued kicks of RADIUS sessions nobody holds a lease on, for
-- p_lease_s seconds, in this one statement: the caller sends them outside
-- any transaction and records each with wisp_radius_kick_done.
CREATE FUNCTION wisp_radius_kicks(p_limit integer, p_lease_s integer)
RETURNS TABLE (job_id bigint, router text, host text, coa_port integer, secret text,
               username text, ip text, acct_session_id text, nas_ip text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    PERFORM wisp_subscriber_queue_kicks(NULL);
    INSERT INTO router_jobs (router_id, kind, session_id, target, created_by, created_at)
    SELECT s.router_id, 'kick', s.id, s.username, session_user, now()
      FROM sessions s JOIN vouchers v ON v.id = s.voucher_id
      JOIN router_radius rr ON rr.router_id = s.router_id
     WHERE s.state = 'active' AND s.acct_key IS NOT NULL
       AND (v.status IN ('expired', 'disabled') OR v.expires_at <= now())
       AND NOT EXISTS (SELECT FROM router_jobs j WHERE j.session_id = s.id AND j.kind = 'kick'
                         AND (j.state = 'queued' OR j.created_at > now() - interval '5 minutes'));
    RETURN QUERY
    WITH claim AS (
        SELECT j.id FROM router_jobs j JOIN sessions s ON s.id = j.session_id
         WHERE j.kind = 'kick' AND j.state = 'queued' AND s.acct_key IS NOT NULL
           AND (j.lease_until IS NULL OR j.lease_until < now())
           AND EXISTS (SELECT FROM router_radius rr WHERE rr.router_id = j.router_id)
         ORDER BY j.id LIMIT least(greatest(coalesce(p_limit, 100), 1), 10000)
         FOR UPDATE OF j SKIP LOCKED),
    leased AS (
        UPDATE router_jobs j
           SET lease_until = now() + make_interval(secs => least(greatest(coalesce(p_lease_s, 60), 1), 3600))
          FROM claim WHERE j.id = claim.id
        RETURNING j.id, j.router_id, j.session_id)
    SELECT l.id, r.name, r.host, rr.coa_port, rr.secret, s.username, s.ip, s.acct_session_id, s.nas_ip
      FROM leased l JOIN sessions s ON s.id = l.session_id
      JOIN routers r ON r.id = l.router_id JOIN router_radius rr ON rr.router_id = l.router_id
     ORDER BY l.id;
END
$$;

-- 016's, for a caller that names no limit (a wisp before 018).
CREATE OR REPLACE FUNCTION wisp_radius_kicks()
RETURNS TABLE (job_id bigint, router text, host text, coa_port integer, secret text,
               username text, ip text, acct_session_id text, nas_ip text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    RETURN QUERY SELECT * FROM wisp_radius_kicks(1000, 300);
END
$$;

-- The router's answer to a kick: ACK (done; the session closes now, its
-- Stop may still bring the last counters), NAK or no answer (failed), or
-- NULL: not sent (the sender stopped), back in the queue at once.
CREATE OR REPLACE FUNCTION wisp_radius_kick_done(p_job bigint, p_ok boolean, p_result text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    sid bigint;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    IF p_ok IS NULL THEN
        UPDATE router_jobs SET lease_until = NULL WHERE id = p_job AND kind = 'kick' AND state = 'queued';
        RETURN;
    END IF;
    UPDATE router_jobs SET state = CASE WHEN p_ok THEN 'done' ELSE 'failed' END,
           result = left(p_result, 200), done_at = now(), lease_until = NULL
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
-- One history sample of every RADIUS router (the worker, each tick, as its
-- SSH import samples the others): its open RADIUS sessions, their rates,
-- and the bytes its sessions moved since the last sample, late counters
-- of closed sessions included. Rows accounting is writing at this moment
-- are left for the next sample. One call at a time (a transaction-scoped
-- advisory lock: a second worker or an admin waits), and the bytes taken
-- are always added to the bucket: a call whose transaction began before
-- the bucket's last sample (now() is the transaction's start) still adds
-- the bytes it marked rolled, and only the sample count, sessions and
-- rates are kept from going back in time. Returns the routers sampled.
CREATE FUNCTION wisp_radius_rollup()
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
BEGIN
    PERFORM wisp_require('wisp_worker', 'wisp_admin');
    PERFORM pg_advisory_xact_lock(hashtext('wisp_radius_rollup'));
    WITH due AS (
        SELECT s.id, s.router_id, greatest(s.bytes_in - s.rolled_in, 0) AS di,
               greatest(s.bytes_out - s.rolled_out, 0) AS dout
          FROM sessions s WHERE s.rollup_due FOR UPDATE SKIP LOCKED),
    taken AS (
        UPDATE sessions s SET rolled_in = greatest(s.rolled_in, s.bytes_in),
               rolled_out = greatest(s.rolled_out, s.bytes_out), rollup_due = false
          FROM due WHERE s.id = due.id),
    moved AS (
        SELECT due.router_id, sum(due.di) AS bi, sum(due.dout) AS bo FROM due GROUP BY due.router_id),
    open AS (
        SELECT s.router_id, count(*) AS n, sum(s.rate_in) AS rx, sum(s.rate_out) AS tx
          FROM sessions s JOIN router_radius rr ON rr.router_id = s.router_id
         WHERE s.state = 'active' AND s.acct_key IS NOT NULL GROUP BY s.router_id)
    INSERT INTO metric_rollups AS m (bucket, router_id, samples, sessions_sum, sessions_max,
                                     rx_bps_sum, tx_bps_sum, bytes_in, bytes_out, last_at)
    SELECT date_bin('5 minutes', now(), timestamptz 'epoch'), rr.router_id, 1,
           coalesce(o.n, 0), least(coalesce(o.n, 0), 2147483647),
           least(coalesce(o.rx, 0), 1125899906842624), least(coalesce(o.tx, 0), 1125899906842624),
           least(coalesce(mv.bi, 0), 1125899906842624), least(coalesce(mv.bo, 0), 1125899906842624),
           now()
      FROM router_radius rr LEFT JOIN open o ON o.router_id = rr.router_id
      LEFT JOIN moved mv ON mv.router_id = rr.router_id
    ON CONFLICT (bucket, router_id) DO UPDATE SET
        samples = m.samples + CASE WHEN m.last_at < EXCLUDED.last_at THEN 1 ELSE 0 END,
        sessions_sum = m.sessions_sum + CASE WHEN m.last_at < EXCLUDED.last_at THEN EXCLUDED.sessions_sum ELSE 0 END,
        sessions_max = greatest(m.sessions_max, EXCLUDED.sessions_max),
        rx_bps_sum = m.rx_bps_sum + CASE WHEN m.last_at < EXCLUDED.last_at THEN EXCLUDED.rx_bps_sum ELSE 0 END,
        tx_bps_sum = m.tx_bps_sum + CASE WHEN m.last_at < EXCLUDED.last_at THEN EXCLUDED.tx_bps_sum ELSE 0 END,
        bytes_in = least(m.bytes_in::numeric + EXCLUDED.bytes_in, 9223372036854775807)::bigint,
        bytes_out = least(m.bytes_out::numeric + EXCLUDED.bytes_out, 9223372036854775807)::bigint,
        last_at = greatest(m.last_at, EXCLUDED.last_at);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- ---------------------------------------------------------------------------
-- The login role FreeRADIUS connects as (`wisp radius role NAME`, admins):
-- made LOGIN IN ROLE wisp_radius with the password's SCRAM verifier (made
-- by the client: the password never reaches the server or a log), or its
-- password changed when it is already such a role: a login, in
-- wisp_radius only, and none of superuser, CREATEROLE, CREATEDB,
-- BYPASSRLS, REPLICATION (an admin must not take over a role that can do
-- more than FreeRADIUS's). Owned by the migration's owner (CREATEROLE),
-- like wisp_operator_add.
CREATE FUNCTION wisp_radius_role_set(p_name text, p_verifier text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    made boolean;
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF p_name IS NULL OR p_name !~ '^[a-z_][a-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'a RADIUS role name is lower-case letters, digits, _ . - (%)', p_name
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_verifier IS NULL OR p_verifier !~ '^SCRAM-SHA-256\$' THEN
        RAISE EXCEPTION 'the password must arrive as a SCRAM-SHA-256 verifier'
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT x.rolcanlogin, x.rolsuper OR x.rolcreaterole OR x.rolcreatedb OR x.rolbypassrls
               OR x.rolreplication AS powers,
           pg_has_role(x.oid, 'wisp_radius', 'MEMBER') AS radius,
           EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                    WHERE m.member = x.oid AND g.rolname <> 'wisp_radius') AS other
      INTO r FROM pg_roles x WHERE x.rolname = p_name;
    made := NOT FOUND;
    IF made THEN
        EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE wisp_radius', p_name, p_verifier);
    ELSIF r.rolcanlogin AND NOT r.powers AND r.radius AND NOT r.other THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_verifier);
    ELSE
        RAISE EXCEPTION 'a PostgreSQL role named "%" exists and is not a RADIUS login', p_name
            USING ERRCODE = 'duplicate_object';
    END IF;
    PERFORM wisp_audit_write('radius.role', jsonb_build_object('name', p_name, 'created', made));
    RETURN made;
END
$$;
DO $path$
BEGIN
    EXECUTE format('ALTER FUNCTION wisp_radius_role_set(text, text) SET search_path = pg_catalog, %I, pg_temp',
                   current_schema());
END
$path$;
REVOKE ALL ON FUNCTION wisp_radius_role_set(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION wisp_radius_role_set(text, text) TO wisp_admin;

-- ---------------------------------------------------------------------------
-- Ownership, search_path, who may call what.
DO $own$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN SELECT p.oid::regprocedure FROM pg_proc p
             WHERE p.pronamespace = current_schema()::regnamespace
               AND p.proname IN ('wisp_radius_unescape', 'wisp_radius_mac', 'wisp_radius_voucher', 'wisp_radius_simul',
                   'wisp_radius_acct', 'wisp_radius_kicks', 'wisp_radius_kick_done',
                   'wisp_radius_rollup') LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f, current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT EXECUTE ON FUNCTION wisp_radius_kicks(integer, integer), wisp_radius_rollup()
    TO wisp_worker, wisp_admin;
GRANT SELECT, INSERT, UPDATE ON metric_rollups TO wisp_owner;
