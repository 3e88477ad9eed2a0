-- 001_init: plans, voucher batches, vouchers, the audit log, and the group
-- roles whose GRANTs make PostgreSQL itself enforce who may do what.
--
-- Roles: wisp_viewer reads; wisp_operator (a viewer) creates, sells,
-- disables and prints vouchers; wisp_admin (an operator) does everything,
-- plans and operators included; wisp_worker is what the worker logs in as.

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_viewer') THEN
        CREATE ROLE wisp_viewer NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_operator') THEN
        CREATE ROLE wisp_operator NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_admin') THEN
        CREATE ROLE wisp_admin NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_worker') THEN
        CREATE ROLE wisp_worker NOLOGIN;
    END IF;
END
$roles$;

GRANT wisp_viewer TO wisp_operator;
GRANT wisp_operator TO wisp_admin;
GRANT wisp_viewer TO wisp_worker;

CREATE TABLE plans (
    id           serial PRIMARY KEY,
    name         text NOT NULL UNIQUE
                 CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    price        numeric(12, 2) NOT NULL CHECK (price >= 0),
    duration_s   bigint CHECK (duration_s > 0),
    data_bytes   bigint CHECK (data_bytes > 0),
    rate_limit   text,
    validity_s   bigint CHECK (validity_s > 0),
    shared_users integer CHECK (shared_users > 0),
    profile      text,
    active       boolean NOT NULL DEFAULT true,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL DEFAULT session_user
);

CREATE TABLE batches (
    id         bigserial PRIMARY KEY,
    plan_id    integer NOT NULL REFERENCES plans (id),
    count      integer NOT NULL CHECK (count BETWEEN 1 AND 100000),
    mode       text NOT NULL DEFAULT 'code' CHECK (mode IN ('code', 'userpass')),
    length     integer NOT NULL CHECK (length BETWEEN 4 AND 32),
    charset    text NOT NULL,
    prefix     text NOT NULL DEFAULT '',
    router     text,
    note       text,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user,
    printed_at timestamptz,
    printed_by text
);

CREATE TABLE vouchers (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    password      text NOT NULL,
    batch_id      bigint NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    serial        integer NOT NULL,
    plan_id       integer NOT NULL REFERENCES plans (id),
    status        text NOT NULL DEFAULT 'new'
                  CHECK (status IN ('new', 'sold', 'active', 'expired', 'disabled')),
    price         numeric(12, 2),
    sold_by       text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    sold_at       timestamptz,
    first_used_at timestamptz,
    expires_at    timestamptz,
    disabled_at   timestamptz,
    UNIQUE (batch_id, serial)
);
CREATE INDEX vouchers_plan_status ON vouchers (plan_id, status);

CREATE TABLE audit (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    who     text NOT NULL DEFAULT session_user,
    action  text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit (at);

-- The audit row's author and time are the server's, whatever a client sends.
CREATE FUNCTION audit_stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.who := session_user;
    NEW.at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER audit_stamp BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION audit_stamp();

-- Voucher life cycle: new -> sold -> active -> expired, any -> disabled,
-- disabled -> back to where its times say it was. A sale's price, seller and
-- time are set here from the plan, so no client can sell below the price.
CREATE FUNCTION vouchers_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = OLD.status THEN
        RETURN NEW;
    END IF;
    IF NOT ((OLD.status = 'new' AND NEW.status IN ('sold', 'active', 'disabled'))
         OR (OLD.status = 'sold' AND NEW.status IN ('active', 'expired', 'disabled'))
         OR (OLD.status = 'active' AND NEW.status IN ('expired', 'disabled'))
         OR (OLD.status = 'expired' AND NEW.status = 'disabled')
         OR OLD.status = 'disabled') THEN
        RAISE EXCEPTION 'voucher % is %, it cannot become %', OLD.code, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.status = 'sold' AND OLD.status = 'new' THEN
        NEW.price := (SELECT price FROM plans WHERE id = NEW.plan_id);
        NEW.sold_by := session_user;
        NEW.sold_at := now();
    END IF;
    IF NEW.status = 'disabled' THEN
        NEW.disabled_at := now();
    ELSIF OLD.status = 'disabled' THEN
        NEW.disabled_at := NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER vouchers_transition BEFORE UPDATE OF status ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_transition();

-- A voucher that was sold or used is a sale on the books: it is never deleted.
CREATE FUNCTION vouchers_keep_sales() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.sold_at IS NOT NULL OR OLD.first_used_at IS NOT NULL THEN
        RAISE EXCEPTION 'voucher % was sold or used, it cannot be deleted', OLD.code
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END
$$;
CREATE TRIGGER vouchers_keep_sales BEFORE DELETE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_keep_sales();

-- Operators are LOGIN roles in one of the groups. These functions run as the
-- migration's owner so an admin needs no CREATEROLE, and write their own
-- audit rows (so a viewer changing its own password is audited too); the
-- password arrives already hashed (SCRAM verifier made by the client).
CREATE FUNCTION wisp_operator_add(p_name text, p_group text, p_verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF p_group NOT IN ('wisp_admin', 'wisp_operator', 'wisp_viewer') THEN
        RAISE EXCEPTION 'role must be admin, operator or viewer' USING ERRCODE = 'check_violation';
    END IF;
    IF p_name !~ '^[a-z_][a-z0-9_.-]{0,62}$' THEN
        RAISE EXCEPTION 'operator name "%" must be lower-case letters, digits, _ . -', p_name
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = p_name) THEN
        RAISE EXCEPTION 'a PostgreSQL role named "%" already exists', p_name
            USING ERRCODE = 'duplicate_object';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', p_name, p_verifier, p_group);
    INSERT INTO audit (action, details)
        VALUES ('operator.add', jsonb_build_object('name', p_name, 'role', replace(p_group, 'wisp_', '')));
END
$$;

CREATE FUNCTION wisp_operator_passwd(p_name text, p_verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles r
                   JOIN pg_auth_members m ON m.member = r.oid
                   JOIN pg_roles g ON g.oid = m.roleid
                   WHERE r.rolname = p_name AND r.rolcanlogin AND NOT r.rolsuper
                     AND g.rolname IN ('wisp_admin', 'wisp_operator', 'wisp_viewer')) THEN
        RAISE EXCEPTION 'no operator named "%"', p_name USING ERRCODE = 'undefined_object';
    END IF;
    IF p_name <> session_user AND NOT pg_has_role(session_user, 'wisp_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'only an admin may change another operator''s password'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_verifier);
    INSERT INTO audit (action, details) VALUES ('operator.passwd', jsonb_build_object('name', p_name));
END
$$;

CREATE FUNCTION wisp_operator_remove(p_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles r
                   JOIN pg_auth_members m ON m.member = r.oid
                   JOIN pg_roles g ON g.oid = m.roleid
                   WHERE r.rolname = p_name AND r.rolcanlogin AND NOT r.rolsuper
                     AND g.rolname IN ('wisp_admin', 'wisp_operator', 'wisp_viewer')) THEN
        RAISE EXCEPTION 'no operator named "%"', p_name USING ERRCODE = 'undefined_object';
    END IF;
    IF p_name = session_user THEN
        RAISE EXCEPTION 'an operator cannot remove itself' USING ERRCODE = 'check_violation';
    END IF;
    EXECUTE format('DROP ROLE %I', p_name);
    INSERT INTO audit (action, details) VALUES ('operator.remove', jsonb_build_object('name', p_name));
END
$$;

-- They find the audit table in the schema being migrated, after pg_catalog.
DO $path$
BEGIN
    EXECUTE format('ALTER FUNCTION wisp_operator_add(text, text, text) SET search_path = pg_catalog, %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION wisp_operator_passwd(text, text) SET search_path = pg_catalog, %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION wisp_operator_remove(text) SET search_path = pg_catalog, %I, pg_temp', current_schema());
END
$path$;

REVOKE ALL ON FUNCTION wisp_operator_add(text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION wisp_operator_remove(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION wisp_operator_passwd(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION wisp_operator_add(text, text, text) TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_operator_remove(text) TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_operator_passwd(text, text) TO wisp_viewer;

-- Viewers read everything.
GRANT SELECT ON schema_migrations, plans, batches, vouchers, audit TO wisp_viewer;

-- Operators create, sell, disable and print vouchers; every change is audited.
GRANT INSERT, DELETE ON batches, vouchers TO wisp_operator;
GRANT UPDATE (printed_at, printed_by) ON batches TO wisp_operator;
GRANT UPDATE (status) ON vouchers TO wisp_operator;
GRANT INSERT ON audit TO wisp_operator;
GRANT USAGE ON SEQUENCE batches_id_seq, vouchers_id_seq, audit_id_seq TO wisp_operator;

-- Admins manage plans too, and may correct batches and vouchers. The audit
-- log stays append-only for everyone but the database owner.
GRANT INSERT, UPDATE, DELETE ON plans TO wisp_admin;
GRANT UPDATE ON batches, vouchers TO wisp_admin;
GRANT USAGE ON SEQUENCE plans_id_seq TO wisp_admin;

-- The worker activates and expires vouchers and writes its own audit rows.
GRANT UPDATE (status, first_used_at, expires_at) ON vouchers TO wisp_worker;
GRANT INSERT ON audit TO wisp_worker;
GRANT USAGE ON SEQUENCE audit_id_seq TO wisp_worker;
