-- 012_plan_print.sql - how a plan looks on paper: a display title in any
-- script and the template its vouchers print with by default.
--
-- A plan's name stays ASCII (it becomes the router's profile name, see 001);
-- its title (any UTF-8, one line, at most 64 characters; NULL: the name) is
-- what sheets, tickets, receipts and the console show. template names a
-- layout file (templates/NAME.json, docs/templates.md): `voucher print`
-- uses it unless --template says otherwise.
--
-- Both are written, as every plan column, only through wisp_plan_add and
-- wisp_plan_edit (admins, audited): no role's rights change.

ALTER TABLE plans
    ADD COLUMN title text,
    ADD COLUMN template text,
    ADD CONSTRAINT plans_title_one_line
        CHECK (title !~ '[\x01-\x1f\x7f-\x9f]' AND char_length(title) BETWEEN 1 AND 64),
    ADD CONSTRAINT plans_template_name CHECK (template ~ '^[A-Za-z0-9_-]{1,63}$');
COMMENT ON CONSTRAINT plans_title_one_line ON plans IS
    'a plan''s title is one line of 1 to 64 characters';
COMMENT ON CONSTRAINT plans_template_name ON plans IS
    'a plan''s template is a name of 1 to 63 letters, digits, - or _';

CREATE OR REPLACE FUNCTION wisp_plan_json(p_name text) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object('name', name, 'title', title, 'price', price,
        'duration_s', duration_s, 'data_bytes', data_bytes, 'rate_limit', rate_limit,
        'validity_s', validity_s, 'shared_users', shared_users, 'profile', profile,
        'lock_mac', lock_mac, 'low_stock', low_stock, 'template', template, 'active', active)
    FROM plans WHERE name = p_name;
$$;

DROP FUNCTION wisp_plan_add(text, numeric, bigint, bigint, text, bigint, integer, text, boolean, integer);
CREATE FUNCTION wisp_plan_add(p_name text, p_price numeric, p_duration_s bigint, p_data_bytes bigint,
                              p_rate_limit text, p_validity_s bigint, p_shared_users integer,
                              p_profile text, p_lock_mac boolean, p_low_stock integer,
                              p_title text DEFAULT NULL, p_template text DEFAULT NULL)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM wisp_require('wisp_admin');
    IF EXISTS (SELECT FROM plans WHERE name = p_name) THEN
        RAISE EXCEPTION 'a plan named "%" already exists', p_name USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO plans (name, price, duration_s, data_bytes, rate_limit, validity_s, shared_users,
                       profile, lock_mac, low_stock, title, template, created_at, created_by)
        VALUES (p_name, p_price, p_duration_s, p_data_bytes, p_rate_limit, p_validity_s, p_shared_users,
                p_profile, coalesce(p_lock_mac, false), p_low_stock, p_title, p_template, now(),
                session_user);
    PERFORM wisp_plan_bounded(p_name);
    PERFORM wisp_audit_write('plan.add', wisp_plan_json(p_name));
END
$$;

-- p_changes: {"column": value-or-null, ...} for price, duration_s,
-- data_bytes, rate_limit, validity_s, shared_users, profile, lock_mac,
-- low_stock, title, template; null clears (price and lock_mac cannot be
-- cleared).
CREATE OR REPLACE FUNCTION wisp_plan_edit(p_name text, p_changes jsonb)
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
                        'shared_users', 'profile', 'lock_mac', 'low_stock', 'title', 'template')
        LIMIT 1;
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
        low_stock = CASE WHEN c ? 'low_stock' THEN (c->>'low_stock')::integer ELSE low_stock END,
        title = CASE WHEN c ? 'title' THEN c->>'title' ELSE title END,
        template = CASE WHEN c ? 'template' THEN c->>'template' ELSE template END
        WHERE name = p_name;
    PERFORM wisp_plan_bounded(p_name);
    PERFORM wisp_audit_write('plan.edit',
        jsonb_build_object('plan', p_name, 'before', before, 'after', wisp_plan_json(p_name)));
END
$$;

-- As migration 006 set them: owned by wisp_owner, finding the tables in the
-- schema being migrated, callable by no one but whom the GRANT names.
DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['wisp_plan_json(text)',
                             'wisp_plan_add(text, numeric, bigint, bigint, text, bigint, integer, text, boolean, integer, text, text)',
                             'wisp_plan_edit(text, jsonb)']
    LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f,
                       current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;
GRANT EXECUTE ON FUNCTION
    wisp_plan_add(text, numeric, bigint, bigint, text, bigint, integer, text, boolean, integer, text, text)
    TO wisp_admin;
