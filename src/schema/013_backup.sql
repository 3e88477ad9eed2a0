-- 013_backup: wisp_backup, the group that may read every table whole, for
-- `wisp backup create` (pg_dump reads tables directly, not through the
-- functions). A backup holds every secret (PINs, router passwords, voucher
-- passwords), so whoever makes one can read them all: the group is not given
-- to wisp_admin; the database owner grants it to the admin or the service
-- role that makes backups (GRANT wisp_backup TO name). docs/backup.md.

DO $backup$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'wisp_backup') THEN
        CREATE ROLE wisp_backup NOLOGIN;
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO wisp_backup', current_schema());
    EXECUTE format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO wisp_backup', current_schema());
    EXECUTE format('GRANT SELECT ON ALL SEQUENCES IN SCHEMA %I TO wisp_backup', current_schema());
    -- tables a later migration adds (made by the same migrating role)
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON TABLES TO wisp_backup',
                   current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT ON SEQUENCES TO wisp_backup',
                   current_schema());
END
$backup$;

-- An admin changes the password of, or removes, operators: login members of
-- wisp_admin, wisp_operator or wisp_viewer. A role that also holds more than
-- those groups give must be out of an admin's reach, or the admin would take
-- it over by setting its password: the role granted wisp_backup (which is a
-- login member of wisp_admin too, as `backup create` wants) reads every PIN
-- and router password; a member of wisp_owner or wisp_worker, a superuser, a
-- role with CREATEROLE (or CREATEDB, REPLICATION, BYPASSRLS), one holding a
-- group WITH ADMIN OPTION, or one owning anything (the database, its schema,
-- objects) is more than an admin. Such a role changes its own password; the
-- database owner changes or drops it with ALTER ROLE / DROP ROLE.
-- wisp_operator_passwd and wisp_operator_remove of 001, redefined with that
-- check (their owner, grants and REVOKE stay as 001 made them; the new helper,
-- wisp_operator_beyond, is the definers' alone, owned as they are).

-- Why the role p_role holds more than an operator group gives, or NULL.
CREATE OR REPLACE FUNCTION wisp_operator_beyond(p_role oid)
RETURNS text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT coalesce(
        (SELECT CASE WHEN r.rolsuper THEN 'is a superuser'
                     WHEN r.rolcreaterole THEN 'has CREATEROLE'
                     WHEN r.rolcreatedb THEN 'has CREATEDB'
                     WHEN r.rolreplication THEN 'has REPLICATION'
                     WHEN r.rolbypassrls THEN 'has BYPASSRLS' END
           FROM pg_roles r WHERE r.oid = p_role),
        (SELECT 'is a member of ' || g.rolname FROM pg_roles g
          WHERE g.oid <> p_role
            AND g.rolname NOT IN ('wisp_admin', 'wisp_operator', 'wisp_viewer')
            AND pg_has_role(p_role, g.oid, 'MEMBER')
          ORDER BY g.rolname = 'wisp_backup' DESC, g.rolname LIMIT 1),
        (SELECT 'may grant ' || g.rolname FROM pg_auth_members m
           JOIN pg_roles g ON g.oid = m.roleid
          WHERE m.member = p_role AND m.admin_option ORDER BY g.rolname LIMIT 1),
        (SELECT 'owns objects' FROM pg_shdepend d
          WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = p_role
            AND d.deptype = 'o' LIMIT 1));
$$;
REVOKE ALL ON FUNCTION wisp_operator_beyond(oid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION wisp_operator_passwd(p_name text, p_verifier text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    beyond text;
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
    beyond := wisp_operator_beyond((SELECT oid FROM pg_roles WHERE rolname = p_name));
    IF p_name <> session_user AND beyond IS NOT NULL THEN
        RAISE EXCEPTION '"%" % (more than an admin may take over): only it or the database owner may change its password (ALTER ROLE)',
            p_name, beyond USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('ALTER ROLE %I PASSWORD %L', p_name, p_verifier);
    INSERT INTO audit (action, details) VALUES ('operator.passwd', jsonb_build_object('name', p_name));
END
$$;

CREATE OR REPLACE FUNCTION wisp_operator_remove(p_name text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    beyond text;
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
    beyond := wisp_operator_beyond((SELECT oid FROM pg_roles WHERE rolname = p_name));
    IF beyond IS NOT NULL THEN
        RAISE EXCEPTION '"%" % (more than an admin may take over): only the database owner may remove it (DROP ROLE)',
            p_name, beyond USING ERRCODE = 'insufficient_privilege';
    END IF;
    EXECUTE format('DROP ROLE %I', p_name);
    INSERT INTO audit (action, details) VALUES ('operator.remove', jsonb_build_object('name', p_name));
END
$$;

-- As 001 set them: the audit table found in the schema being migrated.
DO $path$
BEGIN
    EXECUTE format('ALTER FUNCTION wisp_operator_passwd(text, text) SET search_path = pg_catalog, %I, pg_temp', current_schema());
    EXECUTE format('ALTER FUNCTION wisp_operator_remove(text) SET search_path = pg_catalog, %I, pg_temp', current_schema());
END
$path$;

REVOKE ALL ON FUNCTION wisp_operator_remove(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION wisp_operator_passwd(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION wisp_operator_remove(text) TO wisp_admin;
GRANT EXECUTE ON FUNCTION wisp_operator_passwd(text, text) TO wisp_viewer;
