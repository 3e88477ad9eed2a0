/*
 * fleet.c - the workers table and the leases (see include/wisp/fleet.h).
 * The only file with SQL for `workers`; the lease columns are written
 * through router.h.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wisp/fleet.h"
#include "wisp/util.h"

/* A worker's heartbeat counts while it is younger than two of its intervals
 * and 3 s: older, the worker is dead (or cut off) and its leases are free. */
#define WORKER_LIVE "seen_at > now() - make_interval(secs => 2 * greatest(interval_s, 1) + 3)"

/* A worker is dead when its heartbeat is stale, or at once when its
 * database backend is gone. */
#define WORKER_DEAD                                                                                \
    "(NOT (" WORKER_LIVE ") OR (backend_pid IS NOT NULL AND NOT EXISTS"                            \
    " (SELECT 1 FROM pg_stat_activity a WHERE a.pid = workers.backend_pid)))"

int
fleet_beat(struct db *db, const struct fleet_self *w, struct werr *e)
{
    char pid[16], iv[16];

    snprintf(pid, sizeof pid, "%d", w->pid);
    snprintf(iv, sizeof iv, "%d", w->interval_s);
    return db_execv(db, e,
                    "INSERT INTO workers (id, host, pid, interval_s, embedded, backend_pid)"
                    " VALUES ($1, $2, $3, $4, $5, pg_backend_pid())"
                    " ON CONFLICT (id) DO UPDATE SET seen_at = now(),"
                    " interval_s = EXCLUDED.interval_s, backend_pid = EXCLUDED.backend_pid",
                    5, w->id, w->host, pid, iv, w->embedded ? "true" : "false");
}

struct worker_id {
    char *id;
};
static const struct db_field id_fields[] = {
    DB_COL_AS(struct worker_id, id, "id", DB_STR),
};
static const struct db_map id_map = DB_MAP(struct worker_id, id_fields);

int
fleet_prune(struct db *db, const char *self, void (*gone)(const char *id, void *arg), void *arg,
            struct werr *e)
{
    struct worker_id *rows = NULL;
    size_t n = 0;

    if (db_fetchv(db, e, &id_map, &rows, &n,
                  "DELETE FROM workers WHERE id <> $1 AND " WORKER_DEAD " RETURNING id", 1,
                  self) < 0)
        return -1;
    for (size_t i = 0; i < n && gone; i++)
        gone(rows[i].id, arg);
    db_rows_free(&id_map, rows, n);
    if (router_leases_orphaned(db, e) < 0)
        return -1;
    return (int)n;
}

struct newest_row {
    char id[128];
    bool embedded;
    int live;
};
static const struct db_field newest_fields[] = {
    DB_COL_AS(struct newest_row, id, "id", DB_BUF),
    DB_COL_AS(struct newest_row, embedded, "embedded", DB_BOOL),
    DB_COL_AS(struct newest_row, live, "live", DB_INT),
};
static const struct db_map newest_map = DB_MAP(struct newest_row, newest_fields);

int
fleet_newest(struct db *db, char *id, size_t n, bool *embedded, struct werr *e)
{
    struct newest_row r;
    int found = db_fetch1v(db, e, &newest_map, &r,
                           "SELECT id, embedded, count(*) OVER () AS live FROM workers"
                           " WHERE " WORKER_LIVE " ORDER BY seen_at DESC LIMIT 1",
                           0);

    if (found <= 0)
        return found;
    snprintf(id, n, "%s", r.id);
    *embedded = r.embedded;
    return r.live;
}

int
fleet_live(struct db *db, struct werr *e)
{
    int64_t n = 0;

    if (db_i64v(db, e, &n,
                "SELECT count(*) FROM workers WHERE " WORKER_LIVE " AND NOT " WORKER_DEAD, 0) < 0)
        return -1;
    return (int)n;
}

/* Leases last three intervals, 5 s at least. */
static int
lease_s(const struct fleet_self *w)
{
    return 3 * w->interval_s > 5 ? 3 * w->interval_s : 5;
}

int
fleet_hold(struct db *db, const struct fleet_self *w, struct werr *e)
{
    if (fleet_beat(db, w, e) < 0)
        return -1;
    return router_leases_extend(db, w->id, lease_s(w), e);
}

int
fleet_lease(struct db *db, const struct fleet_self *w, const int *busy, size_t nbusy,
            struct router_lease **rows, size_t *n, struct werr *e)
{
    int64_t live = 1;
    int total, share;
    int lease = lease_s(w);

    *rows = NULL;
    *n = 0;
    if (db_i64v(db, e, &live, "SELECT count(*) FROM workers WHERE " WORKER_LIVE, 0) < 0)
        return -1;
    if ((total = router_count_active(db, e)) < 0)
        return -1;
    if (live < 1)
        live = 1;
    share = (int)((total + live - 1) / live);
    /* let go of what is above the share first, so a worker that just
     * started finds it free at its next tick */
    if (router_leases_trim(db, w->id, share, busy, nbusy, e) < 0)
        return -1;
    return router_leases_take(db, w->id, lease, share, w->interval_s, rows, n, e);
}

int
fleet_cycle(struct db *db, const char *id, long long ms, struct werr *e)
{
    char m[24];

    snprintf(m, sizeof m, "%lld", ms);
    return db_execv(
        db, e,
        "UPDATE workers SET seen_at = now(), cycles = cycles + 1, cycle_ms = $2 WHERE id = $1", 2,
        id, m);
}

int
fleet_leave(struct db *db, const char *id, struct werr *e)
{
    if (router_leases_release(db, id, e) < 0)
        return -1;
    return db_execv(db, e, "DELETE FROM workers WHERE id = $1", 1, id);
}
