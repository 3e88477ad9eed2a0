-- 002_routers: the routers that sell the internet, what the worker has put
-- on each of them, the live sessions it imports, the jobs operators queue for
-- it, and the workers themselves (heartbeats and router leases).
--
-- Only the worker talks to routers: everything here that an operator changes
-- is an intent (a router row, a job, a voucher marked for re-sync) that the
-- worker carries out on its next cycle.

CREATE TABLE routers (
    id              serial PRIMARY KEY,
    name            text NOT NULL UNIQUE
                    CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'),
    driver          text NOT NULL CHECK (driver IN ('routeros', 'opennds')),
    host            text NOT NULL CHECK (host ~ '^[A-Za-z0-9.:_-]{1,253}$'),
    port            integer NOT NULL DEFAULT 22 CHECK (port BETWEEN 1 AND 65535),
    username        text NOT NULL CHECK (username ~ '^[A-Za-z0-9._+-]{1,64}$'),
    key_path        text,
    hotspot_server  text,
    backup_id       integer REFERENCES routers (id) ON DELETE SET NULL,
    login_url       text,
    hostkey         text CHECK (hostkey ~ '^SHA256:[A-Za-z0-9+/]{43}$'),
    accept_new_hostkey boolean NOT NULL DEFAULT false,
    state           text NOT NULL DEFAULT 'unknown'
                    CHECK (state IN ('unknown', 'up', 'down', 'hostkey-mismatch', 'maintenance')),
    last_seen       timestamptz,
    last_error      text,
    identity        text,
    version         text,
    cpu_load        integer,
    mem_total       bigint,
    mem_free        bigint,
    uptime_s        bigint,
    active_sessions integer NOT NULL DEFAULT 0,
    failures        integer NOT NULL DEFAULT 0,
    next_try_at     timestamptz,
    sync_requested  boolean NOT NULL DEFAULT false,
    lease_owner     text,
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL DEFAULT session_user,
    CHECK (backup_id IS DISTINCT FROM id)
);

-- Router passwords live apart so that only admins and the worker can read them.
CREATE TABLE router_secrets (
    router_id integer PRIMARY KEY REFERENCES routers (id) ON DELETE CASCADE,
    password  text NOT NULL
);

-- A plan may bind each voucher to the first device that logs in with it.
ALTER TABLE plans ADD COLUMN lock_mac boolean NOT NULL DEFAULT false;

-- The device a voucher is bound to, and time or data added by `voucher extend`.
ALTER TABLE vouchers ADD COLUMN mac text,
                     ADD COLUMN extra_s bigint NOT NULL DEFAULT 0 CHECK (extra_s >= 0),
                     ADD COLUMN extra_bytes bigint NOT NULL DEFAULT 0 CHECK (extra_bytes >= 0);
CREATE INDEX vouchers_expiry ON vouchers (expires_at) WHERE status IN ('sold', 'active');

-- What a router holds of a voucher. No row: not pushed yet. 'pending': to be
-- pushed again (extended, disabled, reset). 'removed': taken off the router.
CREATE TABLE voucher_routers (
    voucher_id bigint NOT NULL REFERENCES vouchers (id) ON DELETE CASCADE,
    router_id  integer NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    state      text NOT NULL CHECK (state IN ('pending', 'synced', 'failed', 'removed')),
    reset      boolean NOT NULL DEFAULT false,
    error      text,
    attempts   integer NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (router_id, voucher_id)
);
CREATE INDEX voucher_routers_voucher ON voucher_routers (voucher_id);

CREATE TABLE sessions (
    id          bigserial PRIMARY KEY,
    router_id   integer NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    username    text NOT NULL,
    voucher_id  bigint REFERENCES vouchers (id) ON DELETE SET NULL,
    mac         text NOT NULL DEFAULT '',
    ip          text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    ended_at    timestamptz,
    uptime_s    bigint NOT NULL DEFAULT 0,
    time_left_s bigint,
    bytes_in    bigint NOT NULL DEFAULT 0,
    bytes_out   bigint NOT NULL DEFAULT 0,
    rate_in     bigint NOT NULL DEFAULT 0,
    rate_out    bigint NOT NULL DEFAULT 0,
    state       text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'closed'))
);
CREATE UNIQUE INDEX sessions_open ON sessions (router_id, username, mac) WHERE state = 'active';
CREATE INDEX sessions_voucher ON sessions (voucher_id);

-- Work an operator asks of a router; the worker carries it out.
CREATE TABLE router_jobs (
    id         bigserial PRIMARY KEY,
    router_id  integer NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    kind       text NOT NULL CHECK (kind IN ('kick', 'resync', 'remove')),
    session_id bigint REFERENCES sessions (id) ON DELETE SET NULL,
    target     text,
    state      text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'done', 'failed')),
    result     text,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by text NOT NULL DEFAULT session_user,
    done_at    timestamptz
);
CREATE INDEX router_jobs_queued ON router_jobs (router_id) WHERE state = 'queued';

CREATE TABLE workers (
    id         text PRIMARY KEY,
    host       text NOT NULL,
    pid        integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at    timestamptz NOT NULL DEFAULT now(),
    interval_s integer NOT NULL,
    cycles     bigint NOT NULL DEFAULT 0,
    cycle_ms   integer,
    embedded   boolean NOT NULL DEFAULT false
);

-- An admin can do the worker's job too (the console's own worker).
GRANT wisp_worker TO wisp_admin;

GRANT SELECT ON routers, voucher_routers, sessions, router_jobs, workers TO wisp_viewer;
GRANT SELECT (router_id) ON router_secrets TO wisp_viewer;

-- Operators queue jobs, put a router in maintenance or ask for a sync now,
-- and extend, reset or re-sync vouchers.
GRANT INSERT ON router_jobs TO wisp_operator;
GRANT USAGE ON SEQUENCE router_jobs_id_seq TO wisp_operator;
GRANT UPDATE (state, sync_requested) ON routers TO wisp_operator;
GRANT UPDATE (extra_s, extra_bytes, mac, expires_at) ON vouchers TO wisp_operator;
GRANT INSERT, UPDATE ON voucher_routers TO wisp_operator;

GRANT INSERT, UPDATE, DELETE ON routers TO wisp_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON router_secrets TO wisp_admin;
GRANT USAGE ON SEQUENCE routers_id_seq TO wisp_admin;

GRANT SELECT ON router_secrets TO wisp_worker;
GRANT UPDATE ON routers, router_jobs TO wisp_worker;
GRANT INSERT, UPDATE ON voucher_routers, sessions, workers TO wisp_worker;
GRANT DELETE ON workers TO wisp_worker;
GRANT USAGE ON SEQUENCE sessions_id_seq TO wisp_worker;
GRANT UPDATE (mac) ON vouchers TO wisp_worker;

-- A voucher disabled, enabled, bound to a device or extended must change on
-- every router that holds it: mark those copies for the worker's next push.
CREATE FUNCTION vouchers_resync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.status = 'disabled') <> (OLD.status = 'disabled')
       OR NEW.mac IS DISTINCT FROM OLD.mac
       OR NEW.extra_s <> OLD.extra_s OR NEW.extra_bytes <> OLD.extra_bytes THEN
        UPDATE voucher_routers SET state = 'pending', updated_at = now()
            WHERE voucher_id = NEW.id AND state <> 'removed';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER vouchers_resync AFTER UPDATE ON vouchers
    FOR EACH ROW EXECUTE FUNCTION vouchers_resync();
