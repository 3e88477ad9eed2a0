-- 005_rollups: the history behind the Metrics pane's graphs, kept for months.
--
-- Each router's worker cycle adds one sample to its 5-minute bucket, in the
-- transaction that records the sessions, so a sample is counted exactly when
-- its sessions are. last_at keeps a bucket from taking a sample older than
-- one it already has.
CREATE TABLE metric_rollups (
    bucket       timestamptz NOT NULL,
    router_id    integer NOT NULL REFERENCES routers (id) ON DELETE CASCADE,
    samples      integer NOT NULL,
    sessions_sum bigint NOT NULL,
    sessions_max integer NOT NULL,
    rx_bps_sum   bigint NOT NULL,
    tx_bps_sum   bigint NOT NULL,
    bytes_in     bigint NOT NULL,
    bytes_out    bigint NOT NULL,
    last_at      timestamptz NOT NULL,
    PRIMARY KEY (bucket, router_id)
);

-- The bytes a session moved since the previous cycle (a counter that went
-- down, a reset or a reboot, counts from zero again).
ALTER TABLE sessions ADD COLUMN delta_in bigint NOT NULL DEFAULT 0,
                     ADD COLUMN delta_out bigint NOT NULL DEFAULT 0;

GRANT SELECT ON metric_rollups TO wisp_viewer;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollups TO wisp_worker;
