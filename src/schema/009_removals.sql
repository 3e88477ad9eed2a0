-- 009_removals: what a router must lose because its voucher is gone.
--
-- Deleting a voucher (alone or with its batch) cascades its voucher_routers
-- rows away, and with them wisp's only memory of which routers hold it: the
-- login kept working on every router. So, before the row goes, a trigger
-- queues (router, code) for every router that may hold the voucher. The
-- worker removes each from its router and deletes the queue row only when
-- the router confirms; until then `wisp router list` and the console count
-- it as a pending removal.
--
-- The trigger function is SECURITY DEFINER with a pinned search_path, so
-- every path that deletes a voucher (wisp, a database function, psql)
-- fills the queue whatever the deleter may write itself.

CREATE TABLE router_removals (
    router_id  integer NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    username   text NOT NULL,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    attempts   integer NOT NULL DEFAULT 0,
    error      text,
    PRIMARY KEY (router_id, username)
);

CREATE FUNCTION vouchers_queue_removal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO router_removals (router_id, username)
        SELECT vr.router_id, OLD.code FROM voucher_routers vr
         WHERE vr.voucher_id = OLD.id AND vr.state <> 'removed'
        ON CONFLICT (router_id, username) DO UPDATE SET queued_at = now(), error = NULL;
    RETURN OLD;
END
$$;
DO $$
BEGIN
    EXECUTE format('ALTER FUNCTION vouchers_queue_removal() SET search_path = pg_catalog, %I, pg_temp',
                   current_schema());
END
$$;
REVOKE ALL ON FUNCTION vouchers_queue_removal() FROM PUBLIC;
-- Owned, as the other definer functions, by the NOLOGIN owner (migration 006).
GRANT SELECT, INSERT, UPDATE ON router_removals TO wisp_owner;
ALTER FUNCTION vouchers_queue_removal() OWNER TO wisp_owner;
CREATE TRIGGER vouchers_queue_removal BEFORE DELETE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_queue_removal();

GRANT SELECT ON router_removals TO wisp_viewer;
-- Operators write no voucher copies (002 let them): marking a copy 'removed'
-- before deleting its voucher would keep the login on the router with no
-- removal queued; wisp_voucher_reset is their one way to touch a copy.
REVOKE INSERT, UPDATE ON voucher_routers FROM wisp_operator;
-- The worker drains the queue, and queues a voucher deleted while it was
-- being pushed (its voucher_routers row could not be written any more).
GRANT INSERT, UPDATE, DELETE ON router_removals TO wisp_worker;
-- and so does an admin's console running its own worker (006: admins get the
-- worker's rights that carry no money and no access, not its membership).
GRANT INSERT, UPDATE, DELETE ON router_removals TO wisp_admin;

-- A worker's database backend: while it exists the worker process does
-- (a killed worker's connections close with it), so another worker can take
-- a crashed worker's routers at once instead of after its heartbeat ages.
ALTER TABLE workers ADD COLUMN backend_pid integer;
