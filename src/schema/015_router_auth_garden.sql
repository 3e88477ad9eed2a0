-- 015_router_auth_garden: routers that ask RADIUS get no vouchers pushed,
-- and the walled garden and bypassed devices wisp manages on routers.
--
-- Auth mode. A router is a RADIUS router (`router add --auth radius`) when
-- it has a row in router_radius (migration 014): that row is the one source
-- of truth, whichever way it was written (`wisp router add/edit --auth`,
-- `wisp radius client`). Becoming one, the router loses the vouchers wisp
-- pushed to it over SSH (their removal is queued, their copies forgotten):
-- a local copy would keep logging in after the voucher was disabled.
-- Becoming local again, it looks for the vouchers it should hold.
--
-- Walled garden and bypass. access_rules holds what every router (or one)
-- lets through without a login: hosts (RouterOS /ip hotspot walled-garden
-- dst-host) and devices by MAC (RouterOS /ip hotspot ip-binding
-- type=bypassed or blocked; openNDS trusted MACs). Admins write them
-- through definer functions that audit; each change leaves an access mark
-- (router_access_marks, migration 011's pattern) for every router it
-- concerns, and the worker's round, finding marks, makes the router's
-- wisp-marked entries exactly the rules, then deletes the marks it read.

-- ---------------------------------------------------------------------------
-- Auth mode.

CREATE FUNCTION router_radius_became() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- openNDS has no RADIUS client: it would be left with no vouchers
        IF EXISTS (SELECT FROM routers WHERE id = NEW.router_id AND driver = 'opennds') THEN
            RAISE EXCEPTION 'router % runs openNDS, which cannot ask RADIUS: its auth stays local',
                (SELECT name FROM routers WHERE id = NEW.router_id) USING ERRCODE = 'check_violation';
        END IF;
        INSERT INTO router_removals (router_id, username)
            SELECT vr.router_id, v.code FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id
             WHERE vr.router_id = NEW.router_id AND vr.state <> 'removed'
            ON CONFLICT (router_id, username) DO UPDATE SET queued_at = now(), error = NULL;
        DELETE FROM voucher_routers WHERE router_id = NEW.router_id;
        DELETE FROM router_push_marks WHERE router_id = NEW.router_id;
        PERFORM wisp_audit_write('router.auth', jsonb_build_object(
            'name', (SELECT name FROM routers WHERE id = NEW.router_id), 'auth', 'radius'));
        RETURN NEW;
    END IF;
    IF NOT EXISTS (SELECT FROM routers WHERE id = OLD.router_id) THEN
        RETURN OLD; -- the router itself went
    END IF;
    INSERT INTO router_push_marks (router_id) VALUES (OLD.router_id);
    PERFORM wisp_audit_write('router.auth', jsonb_build_object(
        'name', (SELECT name FROM routers WHERE id = OLD.router_id), 'auth', 'local'));
    RETURN OLD;
END
$$;
CREATE TRIGGER router_radius_became AFTER INSERT OR DELETE ON router_radius
    FOR EACH ROW EXECUTE FUNCTION router_radius_became();

-- `router add/edit --auth` (admin): radius makes the router a RADIUS client
-- with a new secret (64 hex digits from PostgreSQL's strong random source)
-- unless it is one already; local ends that. Returns the auth mode.
CREATE FUNCTION wisp_router_auth(p_router text, p_auth text, p_coa_port integer DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid integer;
BEGIN
    PERFORM wisp_require('wisp_admin');
    rid := wisp_router_id(p_router);
    IF p_auth = 'local' THEN
        DELETE FROM router_radius WHERE router_id = rid;
    ELSIF p_auth = 'radius' THEN
        INSERT INTO router_radius (router_id, secret, coa_port)
            VALUES (rid, replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''),
                    coalesce(p_coa_port, 3799))
            ON CONFLICT (router_id) DO UPDATE SET coa_port = coalesce(p_coa_port, router_radius.coa_port);
    ELSE
        RAISE EXCEPTION 'bad auth "%": expected local or radius', p_auth USING ERRCODE = 'check_violation';
    END IF;
    RETURN p_auth;
END
$$;

-- ---------------------------------------------------------------------------
-- Walled garden and bypassed devices.

CREATE TABLE access_rules (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- garden: a host let through (RouterOS dst-host, '*' wildcards);
    -- bypass / block: a device by MAC, let through / refused
    kind       text NOT NULL CHECK (kind IN ('garden', 'bypass', 'block')),
    value      text NOT NULL CHECK (CASE WHEN kind = 'garden'
                                         THEN value ~ '^[A-Za-z0-9*][A-Za-z0-9.*_-]{0,252}$'
                                         ELSE value ~ '^[0-9A-F]{2}(:[0-9A-F]{2}){5}$' END),
    router_id  integer REFERENCES routers (id) ON DELETE CASCADE, -- NULL: every router
    created_by text NOT NULL DEFAULT session_user,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE NULLS NOT DISTINCT (kind, value, router_id)
);

CREATE TABLE router_access_marks (
    router_id integer NOT NULL,
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (router_id, seq)
);

-- every router makes its entries match once after the upgrade (none yet:
-- it only removes wisp-marked entries, of which there are none)
-- and a router added, or renamed, looks at once
CREATE FUNCTION access_mark_router() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM router_access_marks WHERE router_id = OLD.id;
        RETURN NULL;
    END IF;
    INSERT INTO router_access_marks (router_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER access_mark_router_added AFTER INSERT ON routers
    FOR EACH ROW EXECUTE FUNCTION access_mark_router();
CREATE TRIGGER access_mark_router_gone AFTER DELETE ON routers
    FOR EACH ROW EXECUTE FUNCTION access_mark_router();
-- another driver's router holds other entries
CREATE TRIGGER access_mark_router_changed AFTER UPDATE ON routers
    FOR EACH ROW WHEN (OLD.driver IS DISTINCT FROM NEW.driver)
    EXECUTE FUNCTION access_mark_router();

-- the routers a rule reaches: its own, or all of them
CREATE FUNCTION access_mark_rules() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO router_access_marks (router_id)
    SELECT r.id FROM routers r
     WHERE EXISTS (SELECT FROM changed c WHERE c.router_id IS NULL OR c.router_id = r.id)
     ORDER BY r.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER access_mark_rules_added AFTER INSERT ON access_rules
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_mark_rules();
CREATE TRIGGER access_mark_rules_gone AFTER DELETE ON access_rules
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION access_mark_rules();

-- A rule added (admin); p_router NULL: every router. openNDS routers take
-- trusted MACs only (bypass): a garden host or a blocked MAC for one of
-- them is refused, and one for every router leaves them alone.
CREATE FUNCTION wisp_access_add(p_kind text, p_value text, p_router text) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid integer;
    drv text;
    v_id bigint;
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF p_router IS NOT NULL THEN
        rid := wisp_router_id(p_router);
        SELECT driver INTO drv FROM routers WHERE id = rid;
        IF drv = 'opennds' AND p_kind <> 'bypass' THEN
            RAISE EXCEPTION 'router % runs openNDS, which takes trusted (bypassed) MACs only', p_router
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    -- a device is bypassed or blocked, not both
    IF EXISTS (SELECT FROM access_rules WHERE value = p_value
                 AND (kind = p_kind OR (kind <> 'garden' AND p_kind <> 'garden'))
                 AND router_id IS NOT DISTINCT FROM rid) THEN
        RAISE EXCEPTION '% % is there already', p_kind, p_value USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO access_rules (kind, value, router_id) VALUES (p_kind, p_value, rid) RETURNING id INTO v_id;
    PERFORM wisp_audit_write('access.add', jsonb_build_object('kind', p_kind, 'value', p_value,
        'router', p_router));
    RETURN v_id;
END
$$;

-- A rule removed (admin): p_kinds names the kinds it may be (bypass and
-- block are one list), p_router NULL the rule for every router.
CREATE FUNCTION wisp_access_remove(p_kinds text[], p_value text, p_router text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    rid integer;
    k text;
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF p_router IS NOT NULL THEN
        rid := wisp_router_id(p_router);
    END IF;
    DELETE FROM access_rules WHERE kind = ANY (p_kinds) AND value = p_value
       AND router_id IS NOT DISTINCT FROM rid RETURNING kind INTO k;
    IF k IS NULL THEN
        RAISE EXCEPTION 'no % rule for % on %', array_to_string(p_kinds, '/'), p_value,
            coalesce('router ' || p_router, 'every router') USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM wisp_audit_write('access.remove', jsonb_build_object('kind', k, 'value', p_value,
        'router', p_router));
END
$$;

DO $own$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['router_radius_became()', 'wisp_router_auth(text, text, integer)',
                             'access_mark_router()', 'access_mark_rules()',
                             'wisp_access_add(text, text, text)',
                             'wisp_access_remove(text[], text, text)']
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f,
                       current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$own$;

GRANT SELECT, INSERT, DELETE ON router_radius TO wisp_owner;
GRANT SELECT, INSERT, UPDATE ON router_removals TO wisp_owner;
GRANT SELECT, DELETE ON voucher_routers TO wisp_owner;
GRANT SELECT, INSERT, DELETE ON router_push_marks, router_access_marks, access_rules TO wisp_owner;
GRANT SELECT ON routers TO wisp_owner;

GRANT EXECUTE ON FUNCTION wisp_router_auth(text, text, integer),
    wisp_access_add(text, text, text), wisp_access_remove(text[], text, text) TO wisp_admin;

-- Everyone reads the rules; the worker (and an admin's embedded worker)
-- reads its marks and deletes those it dealt with.
GRANT SELECT ON access_rules, router_access_marks TO wisp_viewer;
GRANT SELECT, DELETE ON router_access_marks TO wisp_worker, wisp_admin;
