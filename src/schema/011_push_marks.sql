-- 011_push_marks: which routers may have vouchers to push, so that a steady
-- round does not ask.
--
-- Whether a router has vouchers to push was an EXISTS probe over every
-- voucher it may hold (its batches, unassigned stock, a down primary's):
-- at 500 routers and 50,000 vouchers, 37 ms of the database per poll, and
-- it grew with the vouchers. Instead, every change that can give a router
-- something to push leaves a mark for it here, in the same transaction:
--
--   vouchers made (their batch's router and its backup, or every router for
--   unassigned stock); a voucher enabled again; a copy on a router set to
--   'pending' (disabled, extended, reset, resynced) or deleted; a failed
--   copy, marked for the time its next try is due; a batch given to another
--   router; a router added, renamed, given a backup, or changing state (its
--   backup takes over a down primary's vouchers).
--
-- A round reads the marks due for its router with the router's row (one
-- statement, as before). When the push list then comes back empty, or the
-- push sent all of it, the worker deletes exactly the marks it read: a mark
-- written meanwhile, by a transaction the list may not have seen, stays for
-- the next round. Marks are only inserted, never updated, so no writer
-- waits on another; a spare mark costs one empty push list.

-- No foreign key: marking every router would take a key-share lock on each
-- routers row, and a router deleted meanwhile would fail a cashier's batch.
-- A deleted router's marks go with it (push_mark_router_gone); one written
-- by a transaction racing the delete is never read and costs nothing.
CREATE TABLE router_push_marks (
    router_id integer NOT NULL,
    seq       bigint GENERATED ALWAYS AS IDENTITY,
    due_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (router_id, seq)
);

-- every router looks once after the upgrade, and again when each failed
-- copy's back-off is over
INSERT INTO router_push_marks (router_id) SELECT id FROM routers;
INSERT INTO router_push_marks (router_id, due_at)
    SELECT DISTINCT router_id, updated_at + make_interval(secs => 60 * least(attempts, 30))
      FROM voucher_routers WHERE state = 'failed';

-- The routers that may push vouchers of these batches: the batch's router
-- and the router that backs it up, or all of them for unassigned stock.
CREATE FUNCTION push_mark_batches(p_batches bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO router_push_marks (router_id)
    SELECT r.id FROM routers r
     WHERE EXISTS (SELECT FROM batches b WHERE b.id = ANY (p_batches)
                     AND (b.router IS NULL OR b.router = r.name
                          OR b.router IN (SELECT p.name FROM routers p WHERE p.backup_id = r.id)))
     ORDER BY r.id;
END
$$;

CREATE FUNCTION push_mark_vouchers_made() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM push_mark_batches(ARRAY(SELECT DISTINCT batch_id FROM made));
    RETURN NULL;
END
$$;

-- enabled again (a copy it never had is now wanted), or moved to a batch
CREATE FUNCTION push_mark_vouchers_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM push_mark_batches(ARRAY(
        SELECT DISTINCT n.batch_id FROM now_rows n JOIN was_rows o ON o.id = n.id
         WHERE (n.status IN ('new', 'sold', 'active') AND o.status NOT IN ('new', 'sold', 'active'))
            OR n.batch_id <> o.batch_id));
    RETURN NULL;
END
$$;

-- a copy to push again now, or a failed one when its next try is due (the
-- push list's own back-off: 60 s times the attempts, at most 30 minutes)
CREATE FUNCTION push_mark_copies() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO router_push_marks (router_id, due_at)
    SELECT DISTINCT c.router_id, CASE WHEN c.state = 'failed'
               THEN c.updated_at + make_interval(secs => 60 * least(c.attempts, 30))
               ELSE now() END
      FROM now_rows c WHERE c.state IN ('pending', 'failed')
     ORDER BY 1, 2;
    RETURN NULL;
END
$$;

CREATE FUNCTION push_mark_copies_gone() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO router_push_marks (router_id)
    SELECT DISTINCT g.router_id FROM gone g
     WHERE EXISTS (SELECT FROM routers r WHERE r.id = g.router_id) ORDER BY 1;
    RETURN NULL;
END
$$;

CREATE FUNCTION push_mark_batch_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM push_mark_batches(ARRAY[NEW.id]);
    RETURN NULL;
END
$$;

-- a router new or renamed looks for its vouchers; a backup looks when its
-- primary changes state or it becomes someone's backup (a router's own state
-- needs none: while it is down or in maintenance its marks wait for it)
CREATE FUNCTION push_mark_router() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO router_push_marks (router_id)
    SELECT id FROM routers
     WHERE (id = NEW.id AND (TG_OP = 'INSERT' OR OLD.name IS DISTINCT FROM NEW.name))
        OR (id = NEW.backup_id AND (TG_OP = 'INSERT' OR OLD.state IS DISTINCT FROM NEW.state
                                    OR OLD.backup_id IS DISTINCT FROM NEW.backup_id))
     ORDER BY id;
    RETURN NULL;
END
$$;

CREATE FUNCTION push_mark_router_gone() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM router_push_marks WHERE router_id = OLD.id;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['push_mark_batches(bigint[])', 'push_mark_vouchers_made()',
                             'push_mark_vouchers_changed()', 'push_mark_copies()',
                             'push_mark_copies_gone()', 'push_mark_batch_moved()',
                             'push_mark_router()', 'push_mark_router_gone()']
    LOOP
        EXECUTE format('ALTER FUNCTION %s SET search_path = pg_catalog, %I, pg_temp', f,
                       current_schema());
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
        EXECUTE format('ALTER FUNCTION %s OWNER TO wisp_owner', f);
    END LOOP;
END
$$;
GRANT SELECT, INSERT, DELETE ON router_push_marks TO wisp_owner;

CREATE TRIGGER push_mark_vouchers_made AFTER INSERT ON vouchers
    REFERENCING NEW TABLE AS made FOR EACH STATEMENT EXECUTE FUNCTION push_mark_vouchers_made();
CREATE TRIGGER push_mark_vouchers_changed AFTER UPDATE ON vouchers
    REFERENCING OLD TABLE AS was_rows NEW TABLE AS now_rows
    FOR EACH STATEMENT EXECUTE FUNCTION push_mark_vouchers_changed();
CREATE TRIGGER push_mark_copies_made AFTER INSERT ON voucher_routers
    REFERENCING NEW TABLE AS now_rows FOR EACH STATEMENT EXECUTE FUNCTION push_mark_copies();
CREATE TRIGGER push_mark_copies_changed AFTER UPDATE ON voucher_routers
    REFERENCING NEW TABLE AS now_rows FOR EACH STATEMENT EXECUTE FUNCTION push_mark_copies();
CREATE TRIGGER push_mark_copies_gone AFTER DELETE ON voucher_routers
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION push_mark_copies_gone();
CREATE TRIGGER push_mark_batch_moved AFTER UPDATE OF router ON batches
    FOR EACH ROW WHEN (OLD.router IS DISTINCT FROM NEW.router)
    EXECUTE FUNCTION push_mark_batch_moved();
CREATE TRIGGER push_mark_router_added AFTER INSERT ON routers
    FOR EACH ROW EXECUTE FUNCTION push_mark_router();
CREATE TRIGGER push_mark_router_gone AFTER DELETE ON routers
    FOR EACH ROW EXECUTE FUNCTION push_mark_router_gone();
CREATE TRIGGER push_mark_router_changed AFTER UPDATE ON routers
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state
                       OR OLD.backup_id IS DISTINCT FROM NEW.backup_id
                       OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION push_mark_router();

-- The worker (and an admin's embedded worker) reads its marks with the
-- router and deletes those it has dealt with; everyone may see them.
GRANT SELECT ON router_push_marks TO wisp_viewer;
GRANT SELECT, DELETE ON router_push_marks TO wisp_worker, wisp_admin;

-- A round's hand-over waits from the start of the router's last round,
-- answered or not, ended or not (last_seen is only the last answered poll:
-- a down router, or one whose worker was killed mid-round, was polled again
-- at once by the worker that took it over).
ALTER TABLE routers ADD COLUMN polled_at timestamptz;
GRANT UPDATE (polled_at) ON routers TO wisp_worker, wisp_admin;

-- The push list reaches vouchers through their batches (a router's own, the
-- unassigned ones): without this index it read all of them for every
-- router, 20 s a list at 500 routers and 50,000 vouchers. Deleting a batch
-- (its vouchers cascade) used it too.
CREATE INDEX vouchers_batch ON vouchers (batch_id);

-- A voucher disabled, enabled, bound to a device or extended set its copies
-- pending one voucher at a time (002's row trigger): a batch of 5,000
-- disabled at once made 5,000 statements, and as many marks for every
-- router holding it. Now one statement for all the statement's vouchers.
DROP TRIGGER vouchers_resync ON vouchers;
CREATE OR REPLACE FUNCTION vouchers_resync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE voucher_routers vr SET state = 'pending', updated_at = now()
      FROM now_rows n JOIN was_rows o ON o.id = n.id
     WHERE vr.voucher_id = n.id AND vr.state <> 'removed'
       AND ((n.status = 'disabled') <> (o.status = 'disabled') OR n.mac IS DISTINCT FROM o.mac
            OR n.extra_s <> o.extra_s OR n.extra_bytes <> o.extra_bytes);
    RETURN NULL;
END
$$;
CREATE TRIGGER vouchers_resync AFTER UPDATE ON vouchers
    REFERENCING OLD TABLE AS was_rows NEW TABLE AS now_rows
    FOR EACH STATEMENT EXECUTE FUNCTION vouchers_resync();
