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
