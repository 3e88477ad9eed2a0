/*
 * worker.c - the worker loop (see include/wisp/worker.h).
 *
 * Schedules, no cycle barrier: the main thread ticks every interval (the
 * heartbeat, leases, expiry, the live figures) and between ticks waits on
 * PostgreSQL's NOTIFY so an order is fulfilled the moment it is taken. Each
 * leased router has its own due time; when it is due and not being worked
 * on, the main thread hands it to a pool of WORKER_THREADS threads, and it
 * is due again one interval after that start. A router that is slow or hangs
 * until its SSH deadline delays only itself; the main thread never waits on
 * a router (except --once/--cycles, whose cycles finish their routers).
 *
 * Each pool thread keeps its own database connection; each router keeps its
 * SSH session in its slot, so whichever thread works on it next reuses it.
 * Stopping sets the flag every SSH wait looks at (ssh_target.cancel): a
 * command in flight is abandoned within 100 ms, and what the router had
 * confirmed (pushes are recorded chunk by chunk) is kept.
 *
 * Every step of a router commits on its own, and every write is keyed so a
 * repeat does nothing new: a crash or a lost database between steps loses
 * at most the step in flight, which the next round does again.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wisp/db.h"
#include "wisp/driver.h"
#include "wisp/events.h"
#include "wisp/metrics.h"
#include "wisp/mpath.h"
#include "wisp/order.h"
#include "wisp/provider.h"
#include "wisp/voucher.h"
#include "wisp/router.h"
#include "wisp/worker.h"

#define PUSH_MAX       5000  /* vouchers pushed to one router per round */
#define PUSH_BUDGET_MS 10000 /* and no more chunks started after this long */

/* A worker's heartbeat counts while it is younger than two of its intervals
 * and 3 s: older, the worker is dead (or cut off) and its leases are free. */
#define WORKER_LIVE "seen_at > now() - make_interval(secs => 2 * greatest(interval_s, 1) + 3)"

/* A router this worker holds a lease on, and its open session. The main
 * thread owns the schedule fields; a pool thread owns the rest while busy. */
struct slot {
    int id;
    struct rconn conn;
    char state[20]; /* as last written */
    long long ms;   /* the last round's time on it */
    char note[600]; /* the last round's outcome, for the log */
    char name[33];
    json_t *health;     /* the round's health, or NULL */
    json_t *live;       /* the last finished round's state for Redis (samples_lock) */
    char live_name[33]; /* and the router's name then (samples_lock) */
    atomic_bool busy;   /* queued or being worked on */
    bool leased;        /* in this tick's leases */
    bool ready;         /* not backing off */
    long long due_ms;   /* next round may start then */
    struct slot *next;
    struct slot *qnext; /* in the pool's queue */
};

struct worker {
    const struct config *cfg;
    const struct worker_opts *o;
    char id[96];
    char host[64];
    struct db db; /* the main thread's */
    bool db_up;
    int db_failures; /* ticks in a row without the database */
    bool listening;  /* LISTEN wisp_orders on db */
    struct db pdb;   /* the provider thread's */
    bool pdb_up;
    int64_t last_sweep; /* when in-flight provider orders were last all re-checked */
    pthread_t prov;
    bool prov_started;
    atomic_bool prov_running;
    struct slot *slots;
    /* the pool: a queue of due routers, and how many are queued or worked on */
    pthread_mutex_t q_lock;
    pthread_cond_t q_cond, idle_cond;
    struct slot *q_head, *q_tail;
    int q_busy;
    bool q_quit;
    pthread_t th[WORKER_THREADS];
    int nth;
    long long last_feed_ms;
    long ticks;        /* so far */
    int nids;          /* routers leased at the last tick */
    long long tick_ms; /* the last tick's time */
    atomic_bool fresh; /* samples arrived since the last feed */
    pthread_mutex_t log_lock;
    struct mpath *samples; /* router samples not yet in Redis (samples_lock) */
    pthread_mutex_t samples_lock;
    struct db tdb[WORKER_THREADS]; /* one per pool thread, kept open */
    bool tdb_up[WORKER_THREADS];
};

static bool
stopping(const struct worker *w)
{
    return w->o->stop && *w->o->stop;
}

static void logf_(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(struct worker *w, const char *fmt, ...)
{
    va_list ap;
    char at[32];
    time_t now = time(NULL);
    struct tm tm;

    if (!w->o->log)
        return;
    localtime_r(&now, &tm);
    strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S", &tm);
    pthread_mutex_lock(&w->log_lock);
    fprintf(w->o->log, "%s worker: ", at);
    va_start(ap, fmt);
    vfprintf(w->o->log, fmt, ap);
    va_end(ap);
    fputc('\n', w->o->log);
    fflush(w->o->log);
    pthread_mutex_unlock(&w->log_lock);
}

static void
publish(struct worker *w, const char *type, json_t *d)
{
    struct werr e = {0};

    events_publish(w->cfg, type, d, &e); /* PostgreSQL has the truth; Redis may be away */
}

/* Keep db connected; reconnect at most once per call. */
static bool
ensure_db(struct worker *w, struct db *db, bool *up)
{
    struct werr e = {0};

    if (*up && PQstatus(db->conn) == CONNECTION_OK)
        return true;
    if (*up)
        db_close(db);
    *up = false;
    if (db_open(db, w->cfg->db, &e) < 0) {
        logf_(w, "database: %s", e.msg);
        return false;
    }
    *up = true;
    return true;
}

static void
ids_param(char *buf, size_t n, int id)
{
    snprintf(buf, n, "%d", id);
}

/* --- per router steps (pool threads) --------------------------------- */

static void
set_state(struct worker *w, struct db *db, struct slot *s, const char *name, const char *state,
          const char *error)
{
    struct werr e = {0};
    char ids[16];
    bool down = !str_eq(state, "up");

    ids_param(ids, sizeof ids, s->id);
    db_execv(db, &e,
             "UPDATE routers SET state = $2, last_error = $3,"
             " failures = CASE WHEN $4 THEN failures + 1 ELSE 0 END,"
             " next_try_at = CASE WHEN $4 THEN now() + make_interval(secs =>"
             "   least(300, 5 * power(2, least(failures, 6)))) ELSE NULL END,"
             " last_seen = CASE WHEN $4 THEN last_seen ELSE now() END"
             " WHERE id = $1 AND state <> 'maintenance'",
             4, ids, state, error, down ? "true" : "false");
    if (!str_eq(s->state, state)) {
        publish(w, "router.status",
                json_pack("{s:s, s:s, s:s?}", "router", name, "state", state, "error", error));
        snprintf(s->state, sizeof s->state, "%s", state);
    }
}

static int
connect_router(struct worker *w, struct db *db, struct slot *s, struct router_row *r)
{
    struct ssh_target t;
    struct werr e = {0};
    enum ssh_fail why;
    char fp[64];

    if (s->conn.ssh && !s->conn.broken)
        return 0;
    ssh_close(s->conn.ssh);
    s->conn.ssh = NULL;
    s->conn.broken = false;
    if (!r->key_path && !r->password) {
        set_state(w, db, s, r->name, "down",
                  "no key or password set (or not readable by this role)");
        return -1;
    }
    router_target(r, w->cfg, &t);
    t.cancel = w->o->stop;
    s->conn.ssh = ssh_open(&t, fp, &why, &e);
    if (!s->conn.ssh) {
        set_state(w, db, s, r->name, why == SSH_EHOSTKEY ? "hostkey-mismatch" : "down", e.msg);
        snprintf(s->note, sizeof s->note, "%s", e.msg);
        return -1;
    }
    if (!r->hostkey[0]) {
        struct werr e2 = {0};

        if (router_pin_hostkey(db, r->id, fp, &e2) < 0)
            logf_(w, "%s: cannot record its host key: %s", r->name, e2.msg);
        else
            logf_(w, "%s: host key %s pinned", r->name, fp);
    }
    return 0;
}

/* Health read from the router into its row (and, at the cycle's end, Redis):
 * one UPDATE, and a router.status event only when the state changed. */
static void
record_health(struct worker *w, struct db *db, struct slot *s, struct router_row *r,
              const struct rt_health *h)
{
    struct werr e = {0};
    char ids[16], cpu[16], mt[24], mf[24], up[24];
    PGresult *res;

    ids_param(ids, sizeof ids, s->id);
    json_decref(s->health);
    s->health = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I}", "state", "up", "identity",
                          h->identity, "version", h->version, "cpu_load", h->cpu_load, "mem_total",
                          (json_int_t)h->mem_total, "mem_free", (json_int_t)h->mem_free, "uptime_s",
                          (json_int_t)h->uptime_s);
    snprintf(cpu, sizeof cpu, "%d", h->cpu_load);
    snprintf(mt, sizeof mt, "%lld", h->mem_total);
    snprintf(mf, sizeof mf, "%lld", h->mem_free);
    snprintf(up, sizeof up, "%lld", h->uptime_s);
    res = db_queryv(
        db, &e,
        "UPDATE routers r SET identity = $2, version = $3, cpu_load = nullif($4::int, -1),"
        " mem_total = nullif($5::bigint, -1), mem_free = nullif($6::bigint, -1),"
        " uptime_s = nullif($7::bigint, -1), state = 'up', last_error = NULL,"
        " failures = 0, next_try_at = NULL, last_seen = now()"
        " FROM routers old WHERE old.id = r.id AND r.id = $1 AND r.state <> 'maintenance'"
        " RETURNING old.state",
        7, ids, h->identity, h->version, cpu, mt, mf, up);
    if (res && PQntuples(res) == 1 && !str_eq(PQgetvalue(res, 0, 0), "up"))
        publish(w, "router.status", json_pack("{s:s, s:s}", "router", r->name, "state", "up"));
    if (res)
        PQclear(res);
    snprintf(s->state, sizeof s->state, "up");
}

/* The router user for a row of push_query. */
static void
fill_user(PGresult *res, int i, struct rt_user *u)
{
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", PQgetvalue(res, i, 1));
    snprintf(u->password, sizeof u->password, "%s", PQgetvalue(res, i, 2));
    snprintf(u->profile, sizeof u->profile, "%s", PQgetvalue(res, i, 4));
    u->uptime_s = atoll(PQgetvalue(res, i, 5));
    u->bytes = atoll(PQgetvalue(res, i, 6));
    snprintf(u->rate, sizeof u->rate, "%s", PQgetvalue(res, i, 7));
    u->shared_users = atoi(PQgetvalue(res, i, 8));
    snprintf(u->mac, sizeof u->mac, "%s", PQgetvalue(res, i, 9));
    u->disabled = str_eq(PQgetvalue(res, i, 3), "disabled");
    u->reset = PQgetvalue(res, i, 10)[0] == 't';
}

/* Vouchers this router should hold and does not yet (or must update):
 * batches for it, for every router, or for a router that is down and has
 * this one as its backup. */
static const char push_query[] =
    "SELECT v.id, v.code, v.password, v.status, coalesce(p.profile, p.name),"
    " coalesce(p.duration_s, 0) + v.extra_s, coalesce(p.data_bytes, 0) + v.extra_bytes,"
    " coalesce(p.rate_limit, ''), coalesce(p.shared_users, 0), coalesce(v.mac, ''),"
    " coalesce(vr.reset, false)"
    " FROM vouchers v JOIN batches b ON b.id = v.batch_id JOIN plans p ON p.id = v.plan_id"
    " LEFT JOIN voucher_routers vr ON vr.voucher_id = v.id AND vr.router_id = $1"
    " WHERE (b.router IS NULL OR b.router = $2 OR b.router IN (SELECT name FROM routers"
    "        WHERE backup_id = $1 AND state IN ('down', 'hostkey-mismatch')))"
    "   AND ((vr.state IS NULL AND v.status IN ('new', 'sold', 'active'))"
    "     OR (vr.state = 'pending' AND v.status <> 'expired')"
    "     OR (vr.state = 'failed' AND v.status <> 'expired'"
    "         AND vr.updated_at < now() - make_interval(secs => 60 * least(vr.attempts, 30))))"
    /* fair: changes to what the router holds first (a voucher disabled), then
     * the router's own batches, then unassigned stock; oldest first in each */
    " ORDER BY (vr.state IS NULL), (b.router IS NULL), v.id LIMIT 5000";

/* {"a","b"} as a PostgreSQL text array literal, for = ANY ($n::text[]). */
static void
text_array(struct sbuf *sb, const char *const *v, size_t n)
{
    sb_addc(sb, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_addc(sb, ',');
        sb_addc(sb, '"');
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_addc(sb, '\\');
            sb_addc(sb, *p);
        }
        sb_addc(sb, '"');
    }
    sb_addc(sb, '}');
}

/* One pushed chunk's outcome in one transaction: each voucher synced or
 * failed; a voucher deleted meanwhile (its row can no longer be written) is
 * queued for removal instead, and a removal queued for a code the router now
 * holds again is dropped. -1 when nothing could be recorded. */
static int
record_push(struct db *db, const char *ids, PGresult *res, int at, int m, char **errs, int *failed,
            struct werr *e)
{
    const char **codes = xcalloc((size_t)m, sizeof *codes);
    struct sbuf arr = {0};
    int i, nc = 0;

    *failed = 0;
    if (db_begin(db, e) < 0) {
        free(codes);
        return -1;
    }
    for (i = 0; i < m; i++) {
        const char *vid = PQgetvalue(res, at + i, 0), *code = PQgetvalue(res, at + i, 1);
        PGresult *r;
        bool gone;

        if (errs[i])
            (*failed)++;
        r = db_queryv(
            db, e,
            "INSERT INTO voucher_routers (voucher_id, router_id, state, error, attempts)"
            " SELECT $1, $2, $3, $4, 1 WHERE EXISTS (SELECT 1 FROM vouchers WHERE id = $1)"
            " ON CONFLICT (router_id, voucher_id) DO UPDATE SET state = EXCLUDED.state,"
            " error = EXCLUDED.error, reset = false, updated_at = now(),"
            " attempts = CASE WHEN EXCLUDED.state = 'failed'"
            "   THEN voucher_routers.attempts + 1 ELSE 0 END"
            " RETURNING 1",
            4, vid, ids, errs[i] ? "failed" : "synced", errs[i]);
        if (!r)
            break;
        gone = PQntuples(r) == 0;
        PQclear(r);
        if (gone) {
            if (db_execv(db, e,
                         "INSERT INTO router_removals (router_id, username) VALUES ($1, $2)"
                         " ON CONFLICT (router_id, username) DO NOTHING",
                         2, ids, code) < 0)
                break;
        } else if (!errs[i])
            codes[nc++] = code;
    }
    if (i == m && nc > 0) {
        text_array(&arr, codes, (size_t)nc);
        if (db_execv(
                db, e,
                "DELETE FROM router_removals WHERE router_id = $1 AND username = ANY ($2::text[])",
                2, ids, arr.buf) < 0)
            i = -1;
    }
    sb_free(&arr);
    free(codes);
    if (i != m || db_commit(db, e) < 0) {
        db_rollback(db);
        return -1;
    }
    return 0;
}

/* What this router should hold and does not, in chunks: each chunk the
 * router confirmed is recorded before the next is sent, so a stop or a
 * failure keeps what was done. Bounded per round (PUSH_MAX, PUSH_BUDGET_MS). */
static int
step_push(struct worker *w, struct db *db, struct slot *s, struct router_row *r,
          const struct driver *d, int *pushed)
{
    struct werr e = {0};
    char ids[16];
    PGresult *res;
    int n, failed = 0;
    struct rt_user *u;
    char **errs;
    long long t0 = ssh_now_ms();
    int rc = 0;

    *pushed = 0;
    ids_param(ids, sizeof ids, s->id);
    res = db_queryv(db, &e, push_query, 2, ids, r->name);
    if (!res) {
        logf_(w, "%s: cannot read vouchers to push: %s", r->name, e.msg);
        return -1;
    }
    n = PQntuples(res);
    if (n == 0) {
        PQclear(res);
        return 0;
    }
    u = xcalloc((size_t)n, sizeof *u);
    errs = xcalloc((size_t)n, sizeof *errs);
    for (int i = 0; i < n; i++)
        fill_user(res, i, &u[i]);
    for (int at = 0; at < n && rc == 0;) {
        int m = n - at < DRIVER_PUSH_CHUNK ? n - at : DRIVER_PUSH_CHUNK, f;

        if (stopping(w) || (at > 0 && ssh_now_ms() - t0 > PUSH_BUDGET_MS))
            break; /* the rest goes next round */
        if (d->push_users(&s->conn, u + at, (size_t)m, errs + at, &e) < 0) {
            logf_(w, "%s: push failed: %s", r->name, e.msg);
            snprintf(s->note, sizeof s->note, "push: %s", e.msg);
            db_execv(db, &e, "UPDATE routers SET last_error = $2 WHERE id = $1", 2, ids, s->note);
            rc = -1;
            break;
        }
        /* once more when a voucher was deleted under the first try */
        if (record_push(db, ids, res, at, m, errs + at, &f, &e) < 0 &&
            record_push(db, ids, res, at, m, errs + at, &f, &e) < 0) {
            logf_(w, "%s: cannot record the push: %s", r->name, e.msg);
            rc = -1;
        } else {
            *pushed += m - f;
            failed += f;
        }
        for (int i = at; i < at + m; i++)
            free(errs[i]);
        at += m;
    }
    free(errs);
    free(u);
    PQclear(res);
    if (failed)
        logf_(w, "%s: %d of %d vouchers refused", r->name, failed, n);
    return rc;
}

/* This cycle's sample into the router's 5-minute bucket, in the
 * transaction that recorded the sessions; a bucket never takes a sample
 * older than one it has (last_at). */
static int
sample_history(struct db *db, const char *router_id, size_t n, long long rx, long long tx,
               struct werr *e)
{
    char a[24], b[24], c[24];

    snprintf(a, sizeof a, "%zu", n);
    snprintf(b, sizeof b, "%lld", rx);
    snprintf(c, sizeof c, "%lld", tx);
    return db_execv(
        db, e,
        "INSERT INTO metric_rollups AS m (bucket, router_id, samples, sessions_sum, sessions_max,"
        "  rx_bps_sum, tx_bps_sum, bytes_in, bytes_out, last_at)"
        " SELECT date_bin('5 minutes', now(), timestamptz 'epoch'), $1::int, 1, $2::bigint, "
        "$2::int,"
        "  $3::bigint, $4::bigint,"
        "  coalesce(sum(delta_in), 0), coalesce(sum(delta_out), 0), now()"
        "  FROM sessions WHERE router_id = $1::int AND state = 'active' AND last_seen = now()"
        " ON CONFLICT (bucket, router_id) DO UPDATE SET samples = m.samples + 1,"
        "  sessions_sum = m.sessions_sum + EXCLUDED.sessions_sum,"
        "  sessions_max = greatest(m.sessions_max, EXCLUDED.sessions_max),"
        "  rx_bps_sum = m.rx_bps_sum + EXCLUDED.rx_bps_sum,"
        "  tx_bps_sum = m.tx_bps_sum + EXCLUDED.tx_bps_sum,"
        "  bytes_in = m.bytes_in + EXCLUDED.bytes_in, bytes_out = m.bytes_out + EXCLUDED.bytes_out,"
        "  last_at = EXCLUDED.last_at WHERE m.last_at < EXCLUDED.last_at",
        4, router_id, a, b, c);
}

/* Sessions on the router into the sessions table; first logins activate
 * their vouchers; vanished sessions are closed; the cycle's sample goes to
 * the history and (at the cycle's end) to Redis. */
static int
record_sessions(struct worker *w, struct db *db, struct slot *s, struct router_row *r,
                struct rt_session *ss, size_t n, int *count)
{
    struct werr e = {0};
    char ids[16];
    struct sbuf keep = {0};
    json_t *events = json_array();
    struct mpath_client *clients = xcalloc(n ? n : 1, sizeof *clients);
    long long rx = 0, tx = 0, at_ms = 0;
    PGresult *res;
    size_t i;

    *count = 0;
    ids_param(ids, sizeof ids, s->id);
    if (db_begin(db, &e) < 0)
        goto fail;
    sb_add(&keep, "{");
    for (i = 0; i < n; i++) {
        char up[24], bi[24], bo[24], tl[24], mac[18];
        bool inserted;

        /* as the CHECKs want it; a MAC the router garbled is unknown (''),
         * never a failed import */
        mac_normalize(ss[i].mac, mac);
        memcpy(ss[i].mac, mac, sizeof mac);
        if (!ss[i].user[0]) /* openNDS client with no voucher in the log */
            snprintf(ss[i].user, sizeof ss[i].user, "%s", ss[i].mac);
        snprintf(up, sizeof up, "%lld", ss[i].uptime_s);
        snprintf(bi, sizeof bi, "%lld", ss[i].bytes_in);
        snprintf(bo, sizeof bo, "%lld", ss[i].bytes_out);
        snprintf(tl, sizeof tl, "%lld", ss[i].time_left_s);
        res = db_queryv(
            db, &e,
            "INSERT INTO sessions AS s (router_id, username, voucher_id, mac, ip, started_at,"
            "  uptime_s, time_left_s, bytes_in, bytes_out, delta_in, delta_out)"
            " VALUES ($1, $2, (SELECT id FROM vouchers WHERE code = $2), $3, $4,"
            /* an uptime past any timestamp (ten years at most, as
             * wisp_voucher_activate) must not fail the router's import */
            "  now() - make_interval(secs => least($5::bigint, 315360000)), $5,"
            "  nullif($6::bigint, -1), $7, $8, $7, $8)"
            " ON CONFLICT (router_id, username, mac) WHERE state = 'active' DO UPDATE SET"
            "  ip = EXCLUDED.ip, uptime_s = EXCLUDED.uptime_s, time_left_s = EXCLUDED.time_left_s,"
            /* a counter that went down was reset: it counts from zero again */
            "  delta_in = CASE WHEN EXCLUDED.bytes_in >= s.bytes_in"
            "    THEN EXCLUDED.bytes_in - s.bytes_in ELSE EXCLUDED.bytes_in END,"
            "  delta_out = CASE WHEN EXCLUDED.bytes_out >= s.bytes_out"
            "    THEN EXCLUDED.bytes_out - s.bytes_out ELSE EXCLUDED.bytes_out END,"
            "  rate_in = ((CASE WHEN EXCLUDED.bytes_in >= s.bytes_in"
            "    THEN EXCLUDED.bytes_in - s.bytes_in ELSE EXCLUDED.bytes_in END)"
            "    * 8 / greatest(extract(epoch FROM now() - s.last_seen), 1))::bigint,"
            "  rate_out = ((CASE WHEN EXCLUDED.bytes_out >= s.bytes_out"
            "    THEN EXCLUDED.bytes_out - s.bytes_out ELSE EXCLUDED.bytes_out END)"
            "    * 8 / greatest(extract(epoch FROM now() - s.last_seen), 1))::bigint,"
            "  bytes_in = EXCLUDED.bytes_in, bytes_out = EXCLUDED.bytes_out, last_seen = now()"
            " RETURNING id, (xmax = 0), delta_in + delta_out, rate_in, rate_out,"
            "  (extract(epoch FROM now()) * 1000)::bigint",
            8, ids, ss[i].user, ss[i].mac, ss[i].ip, up, tl, bi, bo);
        if (!res)
            goto fail;
        inserted = PQgetvalue(res, 0, 1)[0] == 't';
        clients[i] = (struct mpath_client){ss[i].user, ss[i].mac, atoll(PQgetvalue(res, 0, 2))};
        rx += atoll(PQgetvalue(res, 0, 3));
        tx += atoll(PQgetvalue(res, 0, 4));
        at_ms = atoll(PQgetvalue(res, 0, 5));
        sb_printf(&keep, "%s%s", i ? "," : "", PQgetvalue(res, 0, 0));
        if (inserted)
            json_array_append_new(events, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type",
                                                    "session.started", "router", r->name, "user",
                                                    ss[i].user, "mac", ss[i].mac, "ip", ss[i].ip));
        PQclear(res);
        /* A first login: the voucher is active from the session's start, and
         * bound to this device when its plan says so. */
        res = db_queryv(db, &e,
                        "SELECT code, expires_at FROM wisp_voucher_activate($1, $2::bigint, $3)", 3,
                        ss[i].user, up, ss[i].mac);
        if (!res)
            goto fail;
        if (PQntuples(res) == 1)
            json_array_append_new(events,
                                  json_pack("{s:s, s:s, s:s, s:s}", "type", "voucher.activated",
                                            "code", ss[i].user, "router", r->name, "expires_at",
                                            PQgetvalue(res, 0, 1)));
        PQclear(res);
    }
    sb_add(&keep, "}");
    res = db_queryv(db, &e,
                    "UPDATE sessions SET state = 'closed', ended_at = now()"
                    " WHERE router_id = $1 AND state = 'active' AND NOT (id = ANY ($2::bigint[]))"
                    " RETURNING username, mac, bytes_in, bytes_out",
                    2, ids, keep.buf);
    if (!res)
        goto fail;
    for (int k = 0; k < PQntuples(res); k++)
        json_array_append_new(
            events, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I}", "type", "session.ended", "router",
                              r->name, "user", PQgetvalue(res, k, 0), "mac", PQgetvalue(res, k, 1),
                              "bytes_in", (json_int_t)atoll(PQgetvalue(res, k, 2)), "bytes_out",
                              (json_int_t)atoll(PQgetvalue(res, k, 3))));
    PQclear(res);
    {
        char cnt[16];

        snprintf(cnt, sizeof cnt, "%zu", n);
        if (db_execv(db, &e, "UPDATE routers SET active_sessions = $2 WHERE id = $1", 2, ids, cnt) <
            0)
            goto fail;
        if (sample_history(db, ids, n, rx, tx, &e) < 0)
            goto fail;
    }
    if (db_commit(db, &e) < 0)
        goto fail;
    if (events_enabled(w->cfg)) { /* the live figures, sent at the cycle's end */
        if (at_ms == 0) {         /* no session: the router's clock is ours */
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            at_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        }
        pthread_mutex_lock(&w->samples_lock);
        mpath_sample(w->samples, (int)s->id, r->name, at_ms, (long long)n, rx, tx, clients, n);
        pthread_mutex_unlock(&w->samples_lock);
    }
    {
        json_t *ev;

        json_array_foreach(events, i, ev)
        {
            const char *type = json_string_value(json_object_get(ev, "type"));
            char t[32];

            snprintf(t, sizeof t, "%s", type);
            json_object_del(ev, "type");
            publish(w, t, json_incref(ev));
        }
    }
    *count = (int)n;
    sb_free(&keep);
    json_decref(events);
    free(clients);
    return 0;
fail:
    db_rollback(db);
    logf_(w, "%s: cannot record sessions: %s", r->name, e.msg);
    sb_free(&keep);
    json_decref(events);
    free(clients);
    return -1;
}

/* Remove names from the router in chunks, calling done(chunk) after each
 * chunk the router confirmed; stops early when the worker stops. Returns the
 * number removed, -1 (e set) when a chunk failed. */
static int
remove_chunks(struct worker *w, struct rconn *c, const struct driver *d, const char *const *names,
              int n,
              int (*done)(struct db *, const char *, const char *const *, int, struct werr *),
              struct db *db, const char *ids, struct werr *e)
{
    int at = 0;

    while (at < n && !stopping(w)) {
        int m = n - at < DRIVER_REMOVE_CHUNK ? n - at : DRIVER_REMOVE_CHUNK;

        if (d->remove_users(c, names + at, (size_t)m, e) < 0)
            return -1;
        if (done && done(db, ids, names + at, m, e) < 0)
            return -1;
        at += m;
    }
    return at;
}

/* Expired vouchers the router confirmed removed. */
static int
expired_done(struct db *db, const char *ids, const char *const *names, int n, struct werr *e)
{
    struct sbuf arr = {0};
    int rc;

    text_array(&arr, names, (size_t)n);
    rc =
        db_execv(db, e,
                 "UPDATE voucher_routers vr SET state = 'removed', updated_at = now(), error = NULL"
                 " FROM vouchers v WHERE v.id = vr.voucher_id AND vr.router_id = $1"
                 " AND vr.state <> 'removed' AND v.code = ANY ($2::text[])",
                 2, ids, arr.buf);
    sb_free(&arr);
    return rc;
}

/* Expired vouchers off the router, their sessions kicked; disabled and
 * expired vouchers' sessions that are still open kicked too. */
static int
step_expire(struct worker *w, struct db *db, struct slot *s, struct router_row *r,
            const struct driver *d, int *removed)
{
    struct werr e = {0};
    char ids[16];
    PGresult *res;
    int n;

    *removed = 0;
    ids_param(ids, sizeof ids, s->id);
    res = db_queryv(db, &e,
                    "SELECT v.code FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id"
                    " WHERE vr.router_id = $1 AND vr.state <> 'removed' AND v.status = 'expired'"
                    " ORDER BY v.id LIMIT 5000",
                    1, ids);
    if (!res)
        return -1;
    n = PQntuples(res);
    if (n > 0) { /* in chunks, each recorded when the router confirms it */
        const char **names = xcalloc((size_t)n, sizeof *names);
        int rc;

        for (int i = 0; i < n; i++)
            names[i] = PQgetvalue(res, i, 0);
        rc = remove_chunks(w, &s->conn, d, names, n, expired_done, db, ids, &e);
        free(names);
        if (rc < 0) {
            logf_(w, "%s: removing expired vouchers: %s", r->name, e.msg);
            PQclear(res);
            return -1;
        }
        *removed = rc;
    }
    PQclear(res);
    /* Sessions of vouchers that may no longer be online. */
    res =
        db_queryv(db, &e,
                  "SELECT s.username, s.mac FROM sessions s JOIN vouchers v ON v.id = s.voucher_id"
                  " WHERE s.router_id = $1 AND s.state = 'active'"
                  "   AND v.status IN ('expired', 'disabled')",
                  1, ids);
    if (!res)
        return -1;
    for (int i = 0; i < PQntuples(res); i++) {
        struct rt_session k = {0};

        snprintf(k.user, sizeof k.user, "%s", PQgetvalue(res, i, 0));
        snprintf(k.mac, sizeof k.mac, "%s", PQgetvalue(res, i, 1));
        if (d->kick(&s->conn, &k, &e) < 0)
            logf_(w, "%s: kick %s: %s", r->name, k.user, e.msg);
    }
    PQclear(res);
    return 0;
}

/* A queued removal the router confirmed: off the queue. */
static int
removals_done(struct db *db, const char *ids, const char *const *names, int n, struct werr *e)
{
    struct sbuf arr = {0};
    int rc;

    text_array(&arr, names, (size_t)n);
    rc = db_execv(
        db, e, "DELETE FROM router_removals WHERE router_id = $1 AND username = ANY ($2::text[])",
        2, ids, arr.buf);
    sb_free(&arr);
    return rc;
}

/* Vouchers deleted from the database off this router (router_removals, filled
 * by a trigger when a voucher that any router may hold is deleted). */
static int
step_removals(struct worker *w, struct db *db, struct slot *s, struct router_row *r,
              const struct driver *d, int *removed)
{
    struct werr e = {0};
    char ids[16];
    PGresult *res;
    const char **names;
    int n, rc;

    *removed = 0;
    ids_param(ids, sizeof ids, s->id);
    res = db_queryv(db, &e,
                    "SELECT username FROM router_removals WHERE router_id = $1"
                    " ORDER BY queued_at, username LIMIT 5000",
                    1, ids);
    if (!res) {
        logf_(w, "%s: cannot read removals: %s", r->name, e.msg);
        return -1;
    }
    n = PQntuples(res);
    names = xcalloc((size_t)n + 1, sizeof *names);
    for (int i = 0; i < n; i++)
        names[i] = PQgetvalue(res, i, 0);
    rc = n ? remove_chunks(w, &s->conn, d, names, n, removals_done, db, ids, &e) : 0;
    if (rc < 0) {
        struct werr e2 = {0};

        logf_(w, "%s: removing deleted vouchers: %s", r->name, e.msg);
        db_execv(db, &e2,
                 "UPDATE router_removals SET attempts = attempts + 1, error = $2"
                 " WHERE router_id = $1",
                 2, ids, e.msg);
    } else
        *removed = rc;
    free(names);
    PQclear(res);
    return rc < 0 ? -1 : 0;
}

/* A full resync's first half: users carrying wisp's mark that the database
 * does not hold as a live voucher (deleted, or expired) off the router.
 * Returns how many, -1 on failure. */
static int
remove_strays(struct worker *w, struct db *db, struct slot *s, struct router_row *r,
              const struct driver *d, struct werr *e)
{
    struct rt_user *u = NULL;
    size_t n = 0, ns = 0;
    bool *stray;
    const char **names;
    char ids[16];
    int rc;

    ids_param(ids, sizeof ids, s->id);
    if (d->list_marked(&s->conn, &u, &n, e) < 0)
        return -1;
    stray = xcalloc(n + 1, sizeof *stray);
    names = xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = u[i].name;
    if (voucher_strays(db, names, n, stray, e) < 0) {
        free(u);
        free(stray);
        free(names);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (stray[i])
            names[ns++] = u[i].name; /* packed in place: ns <= i */
    rc = ns ? remove_chunks(w, &s->conn, d, names, (int)ns, removals_done, db, ids, e) : 0;
    if (rc > 0)
        logf_(w, "%s: full resync: %d users with wisp's mark and no live voucher removed", r->name,
              rc);
    free(u);
    free(stray);
    free(names);
    return rc;
}

/* Jobs queued for this router: kick, resync, remove. */
static void
step_jobs(struct worker *w, struct db *db, struct slot *s, struct router_row *r,
          const struct driver *d)
{
    struct werr e = {0};
    char ids[16];
    PGresult *res;

    ids_param(ids, sizeof ids, s->id);
    res = db_queryv(db, &e,
                    "SELECT j.id, j.kind, coalesce(j.target, s.username, ''), coalesce(s.mac, '')"
                    " FROM router_jobs j LEFT JOIN sessions s ON s.id = j.session_id"
                    " WHERE j.router_id = $1 AND j.state = 'queued' ORDER BY j.id LIMIT 100",
                    1, ids);
    if (!res)
        return;
    for (int i = 0; i < PQntuples(res); i++) {
        const char *kind = PQgetvalue(res, i, 1), *target = PQgetvalue(res, i, 2);
        struct werr je = {0};
        int rc = 0;
        char result[64] = "ok";

        if (stopping(w))
            break; /* the job stays queued for the next round */
        if (str_eq(kind, "kick")) {
            struct rt_session k = {0};

            snprintf(k.user, sizeof k.user, "%s", target);
            snprintf(k.mac, sizeof k.mac, "%s", PQgetvalue(res, i, 3));
            rc = d->kick(&s->conn, &k, &je);
        } else if (str_eq(kind, "resync")) { /* the push step that follows does the rest */
            int strays = remove_strays(w, db, s, r, d, &je);

            if (strays >= 0)
                rc = db_execv(db, &je,
                              "UPDATE voucher_routers SET state = 'pending' WHERE router_id = $1"
                              " AND state IN ('synced', 'failed')",
                              1, ids);
            else
                rc = -1;
            if (rc == 0)
                snprintf(result, sizeof result, "ok, %d strays removed", strays);
        } else if (str_eq(kind, "remove")) {
            const char *names[1] = {target};

            rc = d->remove_users(&s->conn, names, 1, &je);
        }
        db_execv(db, &e,
                 "UPDATE router_jobs SET state = $2, result = $3, done_at = now() WHERE id = $1", 3,
                 PQgetvalue(res, i, 0), rc < 0 ? "failed" : "done", rc < 0 ? je.msg : result);
        publish(w, "router.job",
                json_pack("{s:s, s:s, s:s, s:s}", "router", r->name, "kind", kind, "state",
                          rc < 0 ? "failed" : "done", "target", target));
    }
    PQclear(res);
}

static void
work_router(struct worker *w, struct db *db, struct slot *s)
{
    struct router_row r;
    struct werr e = {0};
    const struct driver *d;
    long long t0 = ssh_now_ms();
    int pushed = 0, sessions = 0, removed = 0, deleted = 0;

    s->note[0] = '\0';
    json_decref(s->health);
    s->health = NULL;
    if (router_load(db, NULL, s->id, &r, &e) < 0) {
        snprintf(s->note, sizeof s->note, "%s", e.msg);
        return;
    }
    d = driver_find(r.driver);
    snprintf(s->name, sizeof s->name, "%s", r.name);
    s->conn.hotspot_server = r.hotspot_server;
    if (connect_router(w, db, s, &r) == 0) {
        struct rt_health h;
        struct rt_session *ss = NULL;
        size_t ns = 0;
        struct werr se = {0};
        /* one round trip: health and the sessions */
        int prc = d->poll(&s->conn, &h, &ss, &ns, &e, &se);

        if (prc < 0) {
            set_state(w, db, s, r.name, "down", e.msg);
            snprintf(s->note, sizeof s->note, "%s", e.msg);
            goto out;
        }
        record_health(w, db, s, &r, &h);
        step_jobs(w, db, s, &r, d);
        step_removals(w, db, s, &r, d, &deleted);
        step_push(w, db, s, &r, d, &pushed);
        if (prc == 0) {
            record_sessions(w, db, s, &r, ss, ns, &sessions);
        } else {
            char ids[16];

            ids_param(ids, sizeof ids, s->id);
            logf_(w, "%s: sessions: %s", r.name, se.msg);
            snprintf(s->note, sizeof s->note, "sessions: %s", se.msg);
            db_execv(db, &se, "UPDATE routers SET last_error = $2 WHERE id = $1", 2, ids, s->note);
        }
        free(ss);
        step_expire(w, db, s, &r, d, &removed);
        if (!s->note[0])
            snprintf(s->note, sizeof s->note, "up, %d sessions, %d pushed, %d removed", sessions,
                     pushed, removed + deleted);
        if (s->health)
            json_object_set_new(s->health, "active_sessions", json_integer(sessions));
    }
out:
    if (s->conn.broken) { /* a command died: a fresh session next time */
        ssh_close(s->conn.ssh);
        s->conn.ssh = NULL;
    }
    s->conn.hotspot_server = NULL;
    s->ms = ssh_now_ms() - t0;
    router_row_free(&r);
}

/* A round is over: its log line, and its state for the live figures. */
static void
finish_round(struct worker *w, struct slot *s)
{
    logf_(w, "  %s: %lld ms, %s", s->name[0] ? s->name : "?", s->ms, s->note);
    pthread_mutex_lock(&w->samples_lock);
    json_decref(s->live);
    s->live = s->health ? json_incref(s->health)
                        : json_pack("{s:s, s:s}", "state", "down", "error", s->note);
    snprintf(s->live_name, sizeof s->live_name, "%s", s->name);
    pthread_mutex_unlock(&w->samples_lock);
    atomic_store(&w->fresh, true);
}

struct pool_arg {
    struct worker *w;
    int k;
};

/* Take due routers off the queue and work on them, until told to quit. */
static void *
pool_thread(void *p)
{
    struct pool_arg *a = p;
    struct worker *w = a->w;

    pthread_mutex_lock(&w->q_lock);
    for (;;) {
        struct slot *s;

        while (!w->q_head && !w->q_quit)
            pthread_cond_wait(&w->q_cond, &w->q_lock);
        if (!w->q_head)
            break;
        s = w->q_head;
        w->q_head = s->qnext;
        if (!w->q_head)
            w->q_tail = NULL;
        pthread_mutex_unlock(&w->q_lock);
        if (stopping(w)) {
            snprintf(s->note, sizeof s->note, "not polled: stopping");
        } else {
            if (ensure_db(w, &w->tdb[a->k], &w->tdb_up[a->k]))
                work_router(w, &w->tdb[a->k], s);
            else
                snprintf(s->note, sizeof s->note, "no database");
            finish_round(w, s);
        }
        pthread_mutex_lock(&w->q_lock);
        atomic_store(&s->busy, false);
        if (--w->q_busy == 0)
            pthread_cond_broadcast(&w->idle_cond);
    }
    pthread_mutex_unlock(&w->q_lock);
    return NULL;
}

static bool
pool_idle(struct worker *w)
{
    bool idle;

    pthread_mutex_lock(&w->q_lock);
    idle = w->q_busy == 0;
    pthread_mutex_unlock(&w->q_lock);
    return idle;
}

/* Hand every leased router that is due (all = due or not) to the pool. */
static void
dispatch(struct worker *w, bool all)
{
    long long now = ssh_now_ms();

    for (struct slot *s = w->slots; s; s = s->next) {
        if (!s->leased || !s->ready || atomic_load(&s->busy) || (!all && now < s->due_ms))
            continue;
        atomic_store(&s->busy, true);
        s->due_ms = now + (long long)w->o->interval_s * 1000;
        s->qnext = NULL;
        pthread_mutex_lock(&w->q_lock);
        if (w->q_tail)
            w->q_tail->qnext = s;
        else
            w->q_head = s;
        w->q_tail = s;
        w->q_busy++;
        pthread_cond_signal(&w->q_cond);
        pthread_mutex_unlock(&w->q_lock);
    }
}

/* --- the schedule (main thread) --------------------------------------- */

static struct slot *
slot_for(struct worker *w, int id)
{
    struct slot *s;

    for (s = w->slots; s; s = s->next)
        if (s->id == id)
            return s;
    s = xcalloc(1, sizeof *s);
    s->id = id;
    s->next = w->slots;
    w->slots = s;
    return s;
}

/* Forget a router (never one the pool is working on). */
static void
drop_slot(struct worker *w, int id)
{
    for (struct slot **p = &w->slots; *p; p = &(*p)->next)
        if ((*p)->id == id) {
            struct slot *s = *p;

            *p = s->next;
            ssh_close(s->conn.ssh);
            sb_free(&s->conn.out);
            json_decref(s->health);
            json_decref(s->live);
            free(s);
            return;
        }
}

/* A worker is dead when its heartbeat is stale, or at once when its
 * database backend is gone (a killed process closes its connections). */
#define WORKER_DEAD                                                                                \
    "(NOT (" WORKER_LIVE ") OR (backend_pid IS NOT NULL AND NOT EXISTS"                            \
    " (SELECT 1 FROM pg_stat_activity a WHERE a.pid = workers.backend_pid)))"

/* Dead workers' rows go, and with them their leases. */
static void
prune_workers(struct worker *w)
{
    struct werr e = {0};
    PGresult *r =
        db_queryv(&w->db, &e, "DELETE FROM workers WHERE id <> $1 AND " WORKER_DEAD " RETURNING id",
                  1, w->id);

    if (!r) {
        logf_(w, "workers: %s", e.msg);
        return;
    }
    for (int i = 0; i < PQntuples(r); i++)
        logf_(w, "worker %s is gone: its routers are free", PQgetvalue(r, i, 0));
    PQclear(r);
    db_execv(
        &w->db, &e,
        "UPDATE routers SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM workers k WHERE k.id = routers.lease_owner)",
        0);
}

/* Heartbeat, then leases: this worker's fair share of the routers, each
 * marked in its slot (leased; ready unless backing off; due now when a sync
 * was asked). Returns the number leased, -1 on error. */
static int
take_leases(struct worker *w, struct werr *e)
{
    char interval[16], lease[16];
    PGresult *r;
    int live = 1, total = 0, share, n;
    int iv = w->o->interval_s;

    snprintf(interval, sizeof interval, "%d", iv);
    snprintf(lease, sizeof lease, "%d", 3 * iv > 5 ? 3 * iv : 5);
    {
        char pid[16];

        snprintf(pid, sizeof pid, "%d", (int)getpid());
        if (db_execv(&w->db, e,
                     "INSERT INTO workers (id, host, pid, interval_s, embedded, backend_pid)"
                     " VALUES ($1, $2, $3, $4, $5, pg_backend_pid())"
                     " ON CONFLICT (id) DO UPDATE SET seen_at = now(),"
                     " interval_s = EXCLUDED.interval_s, backend_pid = EXCLUDED.backend_pid",
                     5, w->id, w->host, pid, interval, w->o->embedded ? "true" : "false") < 0)
            return -1;
    }
    prune_workers(w);
    r = db_queryv(&w->db, e,
                  "SELECT (SELECT count(*) FROM workers WHERE " WORKER_LIVE "),"
                  " (SELECT count(*) FROM routers WHERE state <> 'maintenance')",
                  0);
    if (!r)
        return -1;
    live = atoi(PQgetvalue(r, 0, 0));
    total = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (live < 1)
        live = 1;
    share = (total + live - 1) / live;
    {
        char sh[16];

        snprintf(sh, sizeof sh, "%d", share);
        /* Let go of what is above the share (and routers in maintenance), so a
         * worker that just started finds them free at its next tick. */
        if (db_execv(
                &w->db, e,
                "UPDATE routers SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1"
                " AND (state = 'maintenance' OR id NOT IN (SELECT id FROM routers"
                "   WHERE lease_owner = $1 AND state <> 'maintenance' ORDER BY id LIMIT $2::int))",
                2, w->id, sh) < 0)
            return -1;
        r = db_queryv(
            &w->db, e,
            "WITH mine AS (SELECT id FROM routers WHERE state <> 'maintenance'"
            "   AND (lease_owner = $1 OR lease_owner IS NULL OR lease_until < now()"
            "     OR NOT EXISTS (SELECT 1 FROM workers k WHERE k.id = routers.lease_owner))"
            "   ORDER BY (lease_owner IS NOT DISTINCT FROM $1) DESC, id LIMIT $3::int"
            "   FOR UPDATE SKIP LOCKED)"
            " UPDATE routers r SET lease_owner = $1,"
            "   lease_until = now() + make_interval(secs => $2::int)"
            " FROM mine WHERE r.id = mine.id"
            " RETURNING r.id, (r.next_try_at IS NULL OR r.next_try_at <= now()"
            "   OR r.sync_requested), r.sync_requested",
            3, w->id, lease, sh);
    }
    if (!r)
        return -1;
    for (struct slot *s = w->slots; s; s = s->next)
        s->leased = false;
    n = PQntuples(r);
    for (int i = 0; i < n; i++) {
        struct slot *s = slot_for(w, atoi(PQgetvalue(r, i, 0)));

        s->leased = true;
        s->ready = PQgetvalue(r, i, 1)[0] == 't';
        if (PQgetvalue(r, i, 2)[0] == 't')
            s->due_ms = 0;
    }
    PQclear(r);
    db_execv(&w->db, e,
             "UPDATE routers SET sync_requested = false WHERE lease_owner = $1 AND sync_requested",
             1, w->id);
    /* Routers no longer ours: their sessions closed (once the pool is done). */
    for (struct slot *s = w->slots, *next; s; s = next) {
        next = s->next;
        if (!s->leased && !atomic_load(&s->busy))
            drop_slot(w, s->id);
    }
    return n;
}

/* Vouchers past their time become expired (the routers lose them in the
 * router steps). From PostgreSQL times only, never a router's clock. */
static void
expire_vouchers(struct worker *w)
{
    struct werr e = {0};
    PGresult *r = db_queryv(&w->db, &e, "SELECT code FROM wisp_voucher_expire()", 0);

    if (!r) {
        logf_(w, "expiry: %s", e.msg);
        return;
    }
    for (int i = 0; i < PQntuples(r); i++)
        publish(w, "voucher.expired", json_pack("{s:s}", "code", PQgetvalue(r, i, 0)));
    PQclear(r);
}

/* A plan ran out of unsold vouchers with orders waiting: make more (twice its
 * low-stock mark, at least 50). True when a batch was made. */
static bool
make_stock(struct worker *w, int plan_id)
{
    struct werr e = {0};
    char pid[16];
    PGresult *r;
    struct voucher_spec spec = {.length = VOUCHER_DEFAULT_LENGTH, .note = "stock for orders"};
    int64_t batch;
    char name[64];
    bool ok;

    snprintf(pid, sizeof pid, "%d", plan_id);
    r = db_queryv(&w->db, &e, "SELECT name, coalesce(low_stock, 0) FROM plans WHERE id = $1", 1,
                  pid);
    if (!r || PQntuples(r) == 0) {
        if (r)
            PQclear(r);
        return false;
    }
    snprintf(name, sizeof name, "%s", PQgetvalue(r, 0, 0));
    spec.plan = name;
    spec.count = 2 * atoll(PQgetvalue(r, 0, 1));
    if (spec.count < 50)
        spec.count = 50;
    PQclear(r);
    ok = voucher_create(&w->db, &spec, &batch, &e) == 0;
    if (ok)
        logf_(w, "orders: plan %s out of stock, made batch %lld of %lld", name, (long long)batch,
              (long long)spec.count);
    else
        logf_(w, "orders: plan %s out of stock and no batch could be made: %s", name, e.msg);
    return ok;
}

/* Plan orders from stock, one transaction each, until none waits. */
static int
fulfil_orders(struct worker *w)
{
    struct werr e = {0};
    int done = 0, failed = order_fail_unknown(&w->db, &e), made = 0;

    if (failed > 0) {
        logf_(w, "orders: %d for no active plan failed", failed);
        publish(w, "order.updated", json_pack("{s:s, s:i}", "status", "failed", "count", failed));
    }
    for (int i = 0; i < 10000; i++) {
        int64_t id;
        int short_plan;
        int rc = order_fulfil_one(&w->db, &id, &short_plan, &e);

        if (rc < 0) {
            logf_(w, "orders: %s", e.msg);
            break;
        }
        if (rc == 1) {
            done++;
            publish(w, "order.updated",
                    json_pack("{s:I, s:s}", "order", (json_int_t)id, "status", "completed"));
            continue;
        }
        if (short_plan && made++ < 3 && make_stock(w, short_plan))
            continue;
        break;
    }
    if (done) {
        json_t *low = order_low_stock(&w->db, &e), *p;
        size_t i;

        logf_(w, "orders: %d completed from stock", done);
        json_array_foreach(low, i, p) publish(w, "stock.low", json_incref(p));
        json_decref(low);
    }
    return done;
}

/* The provider named in an order, loaded once a cycle into a small cache. */
struct provider_cache {
    struct provider p[16];
    char error[16][512];
    int n;
};

static const struct provider *
cached_provider(struct worker *w, struct provider_cache *c, const char *name, const char **error)
{
    struct werr e = {0};

    *error = NULL;
    for (int i = 0; i < c->n; i++)
        if (str_eq(c->p[i].name, name)) {
            *error = c->error[i][0] ? c->error[i] : NULL;
            return *error ? NULL : &c->p[i];
        }
    if (c->n == 16)
        return NULL;
    if (provider_load(w->cfg, name, &c->p[c->n], &e) < 0) {
        snprintf(c->p[c->n].name, sizeof c->p[c->n].name, "%s", name);
        snprintf(c->error[c->n], sizeof c->error[c->n], "%s", e.msg);
    }
    c->n++;
    return cached_provider(w, c, name, error);
}

/* A provider's answer as the order's next state. */
static void
settle(const struct provider *p, const struct order_job *j, enum provider_outcome o,
       const struct provider_reply *r, const char *error, bool dispatch, struct order_result *res)
{
    int64_t now = (int64_t)time(NULL), sent = dispatch ? now : j->sent_at;

    memset(res, 0, sizeof *res);
    res->sent = dispatch && o == PROV_OK;
    res->checked = !dispatch;
    if (o == PROV_REJECTED) {
        res->status = "failed";
        res->error = error;
        return;
    }
    if (o == PROV_RETRY && dispatch) { /* not sent: try again after a pause, until the timeout */
        res->status = "pending";
        res->error = error;
        res->next_check = now + provider_retry_delay(p, j->attempts + 1);
        if (now >= j->created_at + p->timeout_s) {
            res->status = "failed";
            res->next_check = 0;
        }
        return;
    }
    if (o == PROV_OK) {
        res->ref = dispatch ? r->reference : NULL;
        if (str_eq(r->status, "completed")) {
            res->status = "completed";
            res->pin = r->pin;
            return;
        }
        if (str_eq(r->status, "failed")) {
            res->status = "failed";
            res->error = r->message[0] ? r->message : "the provider says it failed";
            return;
        }
        res->status = str_eq(r->status, "processing") ? "processing" : "sent";
    } else {
        res->status = NULL; /* as it was: a check that failed counts as a check */
        res->error = error;
    }
    res->next_check = provider_next_check(p, sent, dispatch ? 0 : j->checks + 1, now);
    if (res->next_check < 0) {
        res->status = "failed";
        res->error = "timeout: no answer from the provider in time";
        res->checked = !dispatch;
        res->next_check = 0;
    }
}

/* Dispatch due provider orders, then check those in flight that are due
 * (and, every sweep_s, the oldest 100 in flight whatever their schedule). */
static void *
provider_thread(void *arg)
{
    struct worker *w = arg;
    struct provider_cache cache = {.n = 0};
    struct werr e = {0};
    int64_t now = (int64_t)time(NULL), sweep_since = 0;
    int sent = 0, checked = 0;

    if (!ensure_db(w, &w->pdb, &w->pdb_up))
        return NULL;
    if (w->cfg->providers && json_object_size(w->cfg->providers) > 0) {
        int sweep_s = 300;
        const char *k;
        json_t *v;

        json_object_foreach(w->cfg->providers, k, v)
        {
            json_t *x = json_object_get(v, "sweep_s");

            if (json_is_integer(x) && json_integer_value(x) < sweep_s)
                sweep_s = (int)json_integer_value(x);
        }
        if (now - w->last_sweep >= sweep_s) {
            sweep_since = now;
            w->last_sweep = now;
        }
    }
    for (int pass = 0; pass < 3; pass++) { /* dispatch, scheduled checks, the sweep */
        for (int i = 0; i < (pass == 2 ? 100 : 500); i++) {
            struct order_job j;
            struct provider_reply r;
            struct order_result res;
            const struct provider *p;
            const char *perr;
            enum provider_outcome o;
            int rc;

            if ((pass == 2 && !sweep_since) || stopping(w))
                break; /* stopping: the rest waits for the next worker's round */
            rc = pass == 0 ? order_take_dispatch(&w->pdb, &j, &e)
                           : order_take_check(&w->pdb, pass == 2 ? sweep_since : 0, &j, &e);
            if (rc <= 0) {
                if (rc < 0)
                    logf_(w, "orders: %s", e.msg);
                break;
            }
            p = cached_provider(w, &cache, j.provider, &perr);
            if (!p) { /* not configured (yet): say so and look again in a minute */
                res = (struct order_result){.status = pass == 0 ? "pending" : NULL,
                                            .error = perr ? perr : "too many providers",
                                            .next_check = now + 60};
                order_record(&w->pdb, &j, &res, &e);
                continue;
            }
            werr_clear(&e);
            o = pass == 0 ? provider_dispatch(p, j.id, j.product, j.customer,
                                              j.extra[0] ? j.extra : NULL, j.idem, &r, &e)
                          : provider_check(p, j.reference, &r, &e);
            settle(p, &j, o, &r, e.msg[0] ? e.msg : NULL, pass == 0, &res);
            if (o != PROV_OK)
                logf_(w, "orders: %lld: %s", (long long)j.id, e.msg);
            {
                char err[sizeof e.msg];
                struct werr e2 = {0};

                snprintf(err, sizeof err, "%s", res.error ? res.error : "");
                if (res.error)
                    res.error = err;
                if (order_record(&w->pdb, &j, &res, &e2) < 0) {
                    logf_(w, "orders: %lld: cannot record: %s", (long long)j.id, e2.msg);
                    continue;
                }
            }
            pass == 0 ? sent++ : checked++;
            publish(w, "order.updated",
                    json_pack("{s:I, s:s?, s:s}", "order", (json_int_t)j.id, "status", res.status,
                              "provider", j.provider));
        }
    }
    if (sent || checked)
        logf_(w, "orders: %d dispatched, %d checked at providers", sent, checked);
    for (int i = 0; i < cache.n; i++)
        provider_free(&cache.p[i]);
    return NULL;
}

static void *
provider_main(void *arg)
{
    struct worker *w = arg;

    provider_thread(w);
    atomic_store(&w->prov_running, false);
    return NULL;
}

/* The provider round runs beside everything else, once a tick at most. */
static void
start_providers(struct worker *w)
{
    if (w->prov_started && !atomic_load(&w->prov_running)) {
        pthread_join(w->prov, NULL);
        w->prov_started = false;
    }
    if (w->prov_started)
        return;
    atomic_store(&w->prov_running, true);
    w->prov_started = pthread_create(&w->prov, NULL, provider_main, w) == 0;
    if (!w->prov_started)
        atomic_store(&w->prov_running, false);
}

static void
join_providers(struct worker *w)
{
    if (w->prov_started)
        pthread_join(w->prov, NULL);
    w->prov_started = false;
}

/* Up to ms for a NOTIFY on wisp_orders: an order is fulfilled the moment it
 * is taken, whatever the routers are doing. */
static void
wait_orders(struct worker *w, int ms)
{
    int fd = w->db_up && w->listening ? PQsocket(w->db.conn) : -1;
    struct pollfd p = {fd, POLLIN, 0};
    PGnotify *n;
    bool any = false;

    if (fd < 0) {
        struct timespec ts = {0, (long)ms * 1000000L};

        nanosleep(&ts, NULL);
        return;
    }
    if (poll(&p, 1, ms) <= 0)
        return;
    if (!PQconsumeInput(w->db.conn))
        return; /* the next tick reconnects */
    while ((n = PQnotifies(w->db.conn))) {
        any = true;
        PQfreemem(n);
    }
    if (any)
        fulfil_orders(w);
}

/* The start of a tick: the database, expiry, orders, leases, providers.
 * The number of routers leased, -1 without the database. */
static int
tick_start(struct worker *w)
{
    struct werr e = {0};
    int nids;

    if (!(w->db_up && PQstatus(w->db.conn) == CONNECTION_OK))
        w->listening = false;
    if (!ensure_db(w, &w->db, &w->db_up))
        return -1;
    if (!w->listening)
        w->listening = db_execv(&w->db, &e, "LISTEN wisp_orders", 0) == 0;
    expire_vouchers(w);
    fulfil_orders(w);
    if ((nids = take_leases(w, &e)) < 0) {
        logf_(w, "leases: %s", e.msg);
        if (PQstatus(w->db.conn) != CONNECTION_OK) { /* gone: back off, then open it again */
            db_close(&w->db);
            w->db_up = false;
        }
        return -1;
    }
    start_providers(w);
    return nids;
}

/* Router samples and states to Redis (metrics_feed sends and clears them). */
static void
feed(struct worker *w)
{
    struct werr e = {0};
    json_t *live = json_object();
    struct mpath *batch;
    char key[128];
    int ttl = 3 * (w->o->interval_s > 0 ? w->o->interval_s : 1) + 5;

    atomic_store(&w->fresh, false);
    w->last_feed_ms = ssh_now_ms();
    pthread_mutex_lock(&w->samples_lock);
    batch = mpath_take(w->samples); /* sent unlocked: router threads never wait on Redis */
    for (struct slot *s = w->slots; s; s = s->next) {
        if (!s->leased || !s->live || !s->live_name[0])
            continue;
        snprintf(key, sizeof key, "router:%s", s->live_name);
        json_object_set_new(live, key, json_incref(s->live));
    }
    pthread_mutex_unlock(&w->samples_lock);
    if (metrics_feed(w->cfg, &w->db, batch, &e) < 0)
        logf_(w, "metrics to Redis: %s", e.msg);
    mpath_free(batch);
    snprintf(key, sizeof key, "worker:%s", w->id);
    json_object_set_new(live, key,
                        json_pack("{s:I, s:I, s:i, s:I}", "seen", (json_int_t)time(NULL),
                                  "cycle_ms", (json_int_t)w->tick_ms, "routers", w->nids, "cycles",
                                  (json_int_t)w->ticks));
    if (events_store(w->cfg, live, ttl, &e) < 0)
        logf_(w, "live state to Redis: %s", e.msg);
    json_decref(live);
}

/* The end of a tick (with --once/--cycles, once its routers are done):
 * heartbeat, the live figures, the history's pruning, the textfile. */
static void
tick_end(struct worker *w, long n, int nids, long long t0)
{
    struct werr e = {0};
    char ms[16];

    snprintf(ms, sizeof ms, "%lld", ssh_now_ms() - t0);
    db_execv(&w->db, &e,
             "UPDATE workers SET seen_at = now(), cycles = cycles + 1, cycle_ms = $2 WHERE id = $1",
             2, w->id, ms);
    logf_(w, "cycle %ld: %d routers in %s ms", n, nids, ms);
    w->ticks = n;
    w->nids = nids;
    w->tick_ms = atoll(ms);
    feed(w);
    /* the history is kept for 400 days */
    db_execv(&w->db, &e, "DELETE FROM metric_rollups WHERE bucket < now() - interval '400 days'",
             0);
    if (w->o->prometheus_dir) { /* for node_exporter's textfile collector */
        char *file = xasprintf("%s/wisp.prom", w->o->prometheus_dir);

        if (metrics_export(w->cfg, &w->db, file, &e) < 0)
            logf_(w, "prometheus: %s", e.msg);
        free(file);
    }
    publish(w, "worker.cycle",
            json_pack("{s:s, s:I, s:i}", "worker", w->id, "ms", (json_int_t)atoll(ms), "routers",
                      nids));
}

/* Until the pool has finished this cycle's routers (--once, --cycles),
 * fulfilling orders meanwhile and keeping the heartbeat fresh. */
static void
wait_idle(struct worker *w)
{
    long long beat = ssh_now_ms();

    while (!pool_idle(w)) {
        wait_orders(w, 100);
        if (ssh_now_ms() - beat >= 1000LL * (w->o->interval_s > 0 ? w->o->interval_s : 1)) {
            struct werr e = {0};

            beat = ssh_now_ms();
            db_execv(&w->db, &e, "UPDATE workers SET seen_at = now() WHERE id = $1", 1, w->id);
        }
    }
}

/* Run ticks until stopped. With o->cycles, each tick is a cycle that waits
 * for its routers (all of them, due or not); without, routers run on their
 * own schedules and the main thread only ticks, dispatches and listens. */
static long
run_loop(struct worker *w)
{
    const struct worker_opts *o = w->o;
    bool cycles = o->cycles > 0;
    long n = 0;
    long long next_tick = 0;

    while (!stopping(w)) {
        long long now = ssh_now_ms();

        if (now >= next_tick) {
            int nids = tick_start(w);
            long long wait_ms = (long long)o->interval_s * 1000;

            n++;
            if (nids >= 0) {
                dispatch(w, cycles);
                if (cycles) {
                    wait_idle(w);
                    join_providers(w);
                }
                tick_end(w, n, nids, now);
            }
            if (cycles && n >= o->cycles)
                break;
            /* Without its database the worker retries after 1, 2, 4 ... 30 s. */
            if (!w->db_up) {
                long long back = 1000LL << (w->db_failures < 5 ? w->db_failures : 5);

                w->db_failures++;
                wait_ms = back > 30000 ? 30000 : back;
            } else {
                w->db_failures = 0;
            }
            if (!cycles && wait_ms < 1000)
                wait_ms = 1000; /* back to back is for routers, not for ticks */
            next_tick = now + wait_ms;
        }
        if (!cycles && w->db_up) {
            dispatch(w, false);
            /* samples of routers finished since the tick: live within a second */
            if (atomic_load(&w->fresh) && ssh_now_ms() - w->last_feed_ms >= 1000) {
                feed(w);
                /* consoles redraw their figures now, not at the next tick */
                publish(w, "worker.fed", json_pack("{s:s}", "worker", w->id));
            }
        }
        wait_orders(w, 100);
    }
    return n;
}

int
worker_seen(struct db *db, struct werr *e)
{
    PGresult *r = db_queryv(
        db, e, "SELECT count(*) FROM workers WHERE " WORKER_LIVE " AND NOT " WORKER_DEAD, 0);
    int n;

    if (!r)
        return -1;
    n = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return n;
}

int
worker_run(const struct config *cfg, const struct worker_opts *o, struct werr *e)
{
    struct worker w = {.cfg = cfg, .o = o};
    struct pool_arg args[WORKER_THREADS];
    long n;

    gethostname(w.host, sizeof w.host - 1);
    snprintf(w.id, sizeof w.id, "%s:%d%s", w.host, (int)getpid(), o->embedded ? ":console" : "");
    if (db_open(&w.db, cfg->db, e) < 0)
        return -1;
    w.db_up = true;
    if (db_check_schema(&w.db, e) < 0) {
        db_close(&w.db);
        return -1;
    }
    pthread_mutex_init(&w.log_lock, NULL);
    pthread_mutex_init(&w.samples_lock, NULL);
    pthread_mutex_init(&w.q_lock, NULL);
    pthread_cond_init(&w.q_cond, NULL);
    pthread_cond_init(&w.idle_cond, NULL);
    w.samples = mpath_new(cfg->redis_prefix);
    for (int k = 0; k < WORKER_THREADS; k++) {
        args[k] = (struct pool_arg){&w, k};
        if (pthread_create(&w.th[k], NULL, pool_thread, &args[k]) != 0)
            break;
        w.nth++;
    }
    logf_(&w, "started as %s, every %d s", w.id, o->interval_s);
    n = run_loop(&w);
    /* Stop: SSH waits see the stop flag, so the pool is done within moments;
     * routers still queued are skipped. */
    pthread_mutex_lock(&w.q_lock);
    w.q_quit = true;
    pthread_cond_broadcast(&w.q_cond);
    pthread_mutex_unlock(&w.q_lock);
    for (int k = 0; k < w.nth; k++)
        pthread_join(w.th[k], NULL);
    join_providers(&w);
    /* Leave: give the leases back so another worker takes over at once. */
    if (ensure_db(&w, &w.db, &w.db_up)) {
        struct werr e2 = {0};

        db_execv(&w.db, &e2,
                 "UPDATE routers SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
                 1, w.id);
        db_execv(&w.db, &e2, "DELETE FROM workers WHERE id = $1", 1, w.id);
    }
    {
        char key[128];
        struct werr e3 = {0};

        snprintf(key, sizeof key, "worker:%s", w.id);
        events_forget(cfg, key, &e3);
    }
    logf_(&w, "stopped after %ld cycles", n);
    while (w.slots)
        drop_slot(&w, w.slots->id);
    for (int k = 0; k < WORKER_THREADS; k++)
        if (w.tdb_up[k])
            db_close(&w.tdb[k]);
    if (w.pdb_up)
        db_close(&w.pdb);
    if (w.db_up)
        db_close(&w.db);
    pthread_mutex_destroy(&w.log_lock);
    pthread_mutex_destroy(&w.samples_lock);
    pthread_mutex_destroy(&w.q_lock);
    pthread_cond_destroy(&w.q_cond);
    pthread_cond_destroy(&w.idle_cond);
    mpath_free(w.samples);
    return 0;
}
