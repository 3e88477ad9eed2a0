/*
 * round.c - one router's round (see include/wisp/round.h). The drivers say
 * things to the router; the owners of the tables (router.h, session.h,
 * voucher.h, metrics.h) write what it answered. No SQL here.
 *
 * A steady round (nothing to push, remove, expire or kick, no job) is four
 * statements whatever the number of sessions: the router loaded with its
 * flags, the sessions written, the history's sample, the health.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wisp/events.h"
#include "wisp/garden.h"
#include "wisp/i18n.h"
#include "wisp/metrics.h"
#include "wisp/quote.h"
#include "wisp/round.h"
#include "wisp/router.h"
#include "wisp/session.h"
#include "wisp/voucher.h"

/* A round in progress: its router and the statements it sent. */
struct round {
    const struct round_env *env;
    struct round_slot *s;
    struct router_row *r;
    const struct driver *d;
    unsigned long statements;
    bool radius; /* a RADIUS router: no push, no session import */
};

static bool
stopping(const struct round *rd)
{
    return rd->env->stop && *rd->env->stop;
}

/* A connection for one database step; NULL (logged) without the database. */
static struct db *
db_take(struct round *rd)
{
    struct werr e = {0};
    struct db *db = dbpool_get(rd->env->pool, &e);

    if (!db) {
        log_msg(rd->env->log, WLOG_ERR, "%s: database: %s", rd->s->name, e.msg);
        return NULL;
    }
    rd->statements -= db->statements; /* what this step sends, counted at db_give */
    return db;
}

static void
db_give(struct round *rd, struct db *db)
{
    rd->statements += db->statements;
    dbpool_put(rd->env->pool, db);
}

/* The router could not be reached or failed: state and backoff written, an
 * event when the state changed. */
static void
went_down(struct round *rd, const char *state, const char *error)
{
    struct werr e = {0};
    struct db *db;

    if (stopping(rd)) { /* we gave up on it, not the router on us: no backoff */
        snprintf(rd->s->note, sizeof rd->s->note, "stopped: %s", error);
        return;
    }
    if ((db = db_take(rd))) {
        router_record_down(db, rd->s->id, state, error, &e);
        db_give(rd, db);
    }
    snprintf(rd->s->note, sizeof rd->s->note, "%s", error);
    if (!str_eq(rd->s->state, state)) { /* once as it goes down, not every round */
        log_msg(rd->env->log, WLOG_WARNING, "%s: %s: %s", rd->r->name, state, error);
        events_emit(
            rd->env->cfg, "router.status",
            json_pack("{s:s, s:s, s:s?}", "router", rd->r->name, "state", state, "error", error));
        snprintf(rd->s->state, sizeof rd->s->state, "%s", state);
    }
}

/* The SSH session, opened (and the host key pinned) when there is none. */
static int
connect_router(struct round *rd)
{
    struct round_slot *s = rd->s;
    struct ssh_target t;
    struct werr e = {0};
    enum ssh_fail why;
    char fp[64];

    if (s->conn.ssh && !s->conn.broken)
        return 0;
    ssh_close(s->conn.ssh);
    s->conn.ssh = NULL;
    s->conn.broken = false;
    if (!rd->r->key_path && !rd->r->password) {
        went_down(rd, "down", "no key or password set (or not readable by this role)");
        return -1;
    }
    router_target(rd->r, rd->env->cfg, &t);
    t.cancel = rd->env->stop;
    s->conn.ssh = ssh_open(&t, fp, &why, &e);
    if (!s->conn.ssh) {
        went_down(rd, why == SSH_EHOSTKEY ? "hostkey-mismatch" : "down", e.msg);
        return -1;
    }
    if (!rd->r->hostkey[0]) {
        struct werr e2 = {0};
        struct db *db = db_take(rd);

        if (db && router_pin_hostkey(db, rd->r->id, fp, &e2) < 0)
            log_msg(rd->env->log, WLOG_ERR, "%s: cannot record its host key: %s", rd->r->name,
                    e2.msg);
        else if (db)
            log_msg(rd->env->log, WLOG_NOTICE, "%s: host key %s pinned", rd->r->name, fp);
        if (db)
            db_give(rd, db);
    }
    return 0;
}

/* The events of a poll's writes, and its sample for the live figures. */
static void
poll_events(struct round *rd, const struct session_change *c, size_t nc,
            const struct voucher_activated *a, size_t na, long long rx, long long tx)
{
    const char *router = rd->r->name;
    struct mpath_client *clients = xcalloc(nc + 1, sizeof *clients);
    size_t ncl = 0;
    long long at_ms = nc ? c[0].at_ms : 0;

    for (size_t i = 0; i < nc; i++) {
        if (str_eq(c[i].kind, "ended")) {
            events_emit(rd->env->cfg, "session.ended",
                        json_pack("{s:s, s:s, s:s, s:I, s:I}", "router", router, "user", c[i].user,
                                  "mac", c[i].mac, "bytes_in", (json_int_t)c[i].bytes_in,
                                  "bytes_out", (json_int_t)c[i].bytes_out));
            continue;
        }
        clients[ncl++] = (struct mpath_client){c[i].user, c[i].mac, c[i].delta_in + c[i].delta_out};
        if (c[i].started)
            events_emit(rd->env->cfg, "session.started",
                        json_pack("{s:s, s:s, s:s, s:s}", "router", router, "user", c[i].user,
                                  "mac", c[i].mac, "ip", c[i].ip));
    }
    for (size_t i = 0; i < na; i++)
        events_emit(rd->env->cfg, "voucher.activated",
                    json_pack("{s:s, s:s, s:s}", "code", a[i].code, "router", router, "expires_at",
                              a[i].expires_at));
    if (rd->env->samples && events_enabled(rd->env->cfg)) { /* to Redis at the next feed */
        if (at_ms == 0) { /* no session: the router's clock is ours */
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            at_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
        }
        pthread_mutex_lock(rd->env->samples_lock);
        mpath_sample(rd->env->samples, rd->s->id, router, at_ms, (long long)ncl, rx, tx, clients,
                     ncl);
        pthread_mutex_unlock(rd->env->samples_lock);
    }
    free(clients);
}

/* An SSH-polled router's sessions imported: the sessions (one statement),
 * first logins (one more, only when there are), the history's sample, the
 * health. */
static int
record_import(struct round *rd, const struct rt_health *h, struct rt_session *ss, size_t n,
              const char *serr)
{
    struct werr e = {0};
    struct session_change *c = NULL;
    struct voucher_activated *a = NULL;
    size_t nc = 0, na = 0, open = 0;
    long long rx = 0, tx = 0, bin = 0, bout = 0;
    char was[20] = "";
    struct db *db;
    int rc = 0;

    for (size_t i = 0; i < n && !serr; i++) {
        char mac[18];

        /* as the CHECKs want it; a MAC the router garbled is unknown (''),
         * never a failed import */
        mac_normalize(ss[i].mac, mac);
        memcpy(ss[i].mac, mac, sizeof mac);
        if (!ss[i].user[0]) /* openNDS client with no voucher in the log */
            snprintf(ss[i].user, sizeof ss[i].user, "%s", ss[i].mac);
    }
    if (!(db = db_take(rd)))
        return -1;
    if (!serr && session_record(db, rd->s->id, ss, n, &c, &nc, &e) < 0) {
        log_msg(rd->env->log, WLOG_ERR, "%s: cannot record sessions: %s", rd->r->name, e.msg);
        snprintf(rd->s->note, sizeof rd->s->note, "cannot record sessions: %s", e.msg);
        rc = -1;
    } else if (!serr) {
        const char **codes = xcalloc(nc + 1, sizeof *codes), **macs = xcalloc(nc + 1, sizeof *macs);
        int64_t *up = xcalloc(nc + 1, sizeof *up);
        size_t nf = 0;

        for (size_t i = 0; i < nc; i++) {
            if (!str_eq(c[i].kind, "seen"))
                continue;
            open++;
            rx += c[i].rate_in;
            tx += c[i].rate_out;
            bin += c[i].delta_in;
            bout += c[i].delta_out;
            if (c[i].first_login) {
                codes[nf] = c[i].user;
                macs[nf] = c[i].mac;
                up[nf++] = c[i].uptime_s;
            }
        }
        /* a first login: the voucher is active from the session's start, and
         * bound to this device when its plan says so */
        if (nf && voucher_activate_first(db, codes, up, macs, nf, &a, &na, &e) < 0)
            log_msg(rd->env->log, WLOG_ERR, "%s: cannot activate vouchers: %s", rd->r->name, e.msg);
        free(codes);
        free(macs);
        free(up);
        if (metrics_sample_router(db, rd->s->id, (long long)open, rx, tx, bin, bout, &e) < 0)
            log_msg(rd->env->log, WLOG_ERR, "%s: history: %s", rd->r->name, e.msg);
    }
    if (serr)
        snprintf(rd->s->note, sizeof rd->s->note, "sessions: %s", serr);
    if (router_record_health(db, rd->s->id, h, rc == 0 && !serr ? (long long)open : -1,
                             serr || rc < 0 ? rd->s->note : NULL, was, sizeof was, &e) < 0)
        log_msg(rd->env->log, WLOG_ERR, "%s: cannot record its health: %s", rd->r->name, e.msg);
    db_give(rd, db);
    if (was[0] && !str_eq(was, "up")) {
        log_msg(rd->env->log, WLOG_NOTICE, "%s: up (was %s)", rd->r->name, was);
        events_emit(rd->env->cfg, "router.status",
                    json_pack("{s:s, s:s}", "router", rd->r->name, "state", "up"));
    }
    snprintf(rd->s->state, sizeof rd->s->state, "up");
    if (rc == 0 && !serr)
        poll_events(rd, c, nc, a, na, rx, tx);
    free(c);
    free(a);
    return rc < 0 ? -1 : (int)open;
}

/* What the poll read, written. A RADIUS router's sessions are accounting's (migration 014): its
 * poll writes only the health and how many sessions the router lists, and never closes a session it
 * does not list. */
static int
record_poll(struct round *rd, const struct rt_health *h, struct rt_session *ss, size_t n,
            const char *serr)
{
    if (rd->radius) {
        struct werr e = {0};
        char was[20] = "";
        struct db *db = db_take(rd);

        if (!db)
            return -1;
        if (serr)
            snprintf(rd->s->note, sizeof rd->s->note, "sessions: %s", serr);
        if (router_record_health(db, rd->s->id, h, serr ? -1 : (long long)n,
                                 serr ? rd->s->note : NULL, was, sizeof was, &e) < 0)
            log_msg(rd->env->log, WLOG_ERR, "%s: cannot record its health: %s", rd->r->name, e.msg);
        db_give(rd, db);
        if (was[0] && !str_eq(was, "up")) {
            log_msg(rd->env->log, WLOG_NOTICE, "%s: up (was %s)", rd->r->name, was);
            events_emit(rd->env->cfg, "router.status",
                        json_pack("{s:s, s:s}", "router", rd->r->name, "state", "up"));
        }
        snprintf(rd->s->state, sizeof rd->s->state, "up");
        return serr ? -1 : (int)n;
    }
    return record_import(rd, h, ss, n, serr);
}

/* Remove names from the router in chunks, done(chunk) recorded after each
 * chunk it confirmed; stops early when the worker stops. The number
 * removed, -1 (e set) when a chunk failed. */
static int
remove_chunks(struct round *rd, const char *const *names, size_t n,
              int (*done)(struct db *, int, const char *const *, size_t, struct werr *),
              struct werr *e)
{
    size_t at = 0;

    while (at < n && !stopping(rd)) {
        size_t m = n - at < DRIVER_REMOVE_CHUNK ? n - at : DRIVER_REMOVE_CHUNK;
        struct db *db;
        int rc;

        if (rd->d->remove_users(&rd->s->conn, names + at, m, e) < 0)
            return -1;
        if (!(db = db_take(rd)))
            return werr_set(e, WISP_ERUNTIME, _("no database to record the removal"));
        rc = done(db, rd->s->id, names + at, m, e);
        db_give(rd, db);
        if (rc < 0)
            return -1;
        at += m;
    }
    return (int)at;
}

/* Vouchers deleted from the database off this router (router_removals). */
static int
step_removals(struct round *rd)
{
    struct werr e = {0};
    struct router_name *rows = NULL;
    size_t n = 0;
    const char **names;
    struct db *db = db_take(rd);
    int rc;

    if (!db)
        return 0;
    rc = router_removals_list(db, rd->s->id, ROUND_REMOVE_MAX, &rows, &n, &e);
    db_give(rd, db);
    if (rc < 0) {
        log_msg(rd->env->log, WLOG_ERR, "%s: cannot read removals: %s", rd->r->name, e.msg);
        return 0;
    }
    names = xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = rows[i].name;
    rc = n ? remove_chunks(rd, names, n, router_removals_done, &e) : 0;
    if (rc < 0) {
        struct werr e2 = {0};

        log_msg(rd->env->log, WLOG_WARNING, "%s: removing deleted vouchers: %s", rd->r->name,
                e.msg);
        if ((db = db_take(rd))) {
            router_removals_failed(db, rd->s->id, e.msg, &e2);
            db_give(rd, db);
        }
    }
    free(names);
    router_names_free(rows, n);
    return rc < 0 ? 0 : rc;
}

/* A full resync's first half: users carrying wisp's mark that the database
 * does not hold as a live voucher off the router. How many, -1 on failure. */
static int
remove_strays(struct round *rd, struct werr *e)
{
    struct rt_user *u = NULL;
    size_t n = 0, ns = 0;
    bool *stray;
    const char **names;
    struct db *db;
    int rc;

    if (rd->d->list_marked(&rd->s->conn, &u, &n, e) < 0)
        return -1;
    stray = xcalloc(n + 1, sizeof *stray);
    names = xcalloc(n + 1, sizeof *names);
    for (size_t i = 0; i < n; i++)
        names[i] = u[i].name;
    rc = (db = db_take(rd)) ? voucher_strays(db, names, n, stray, e) : -1;
    if (db)
        db_give(rd, db);
    if (rc == 0) {
        for (size_t i = 0; i < n; i++)
            if (stray[i])
                names[ns++] = u[i].name; /* packed in place: ns <= i */
        rc = ns ? remove_chunks(rd, names, ns, router_removals_done, e) : 0;
    }
    if (rc > 0)
        log_msg(rd->env->log, WLOG_NOTICE,
                "%s: full resync: %d users with wisp's mark and no live voucher removed",
                rd->r->name, rc);
    free(u);
    free(stray);
    free(names);
    return rc;
}

/* Jobs queued for this router: kick, resync, remove. True when a resync
 * asked for everything to be pushed again. */
static bool
step_jobs(struct round *rd)
{
    struct werr e = {0};
    struct router_job *j = NULL;
    size_t n = 0;
    struct db *db = db_take(rd);
    bool resync = false;

    if (!db)
        return false;
    if (router_jobs_queued(db, rd->s->id, &j, &n, &e) < 0)
        log_msg(rd->env->log, WLOG_ERR, "%s: cannot read jobs: %s", rd->r->name, e.msg);
    db_give(rd, db);
    for (size_t i = 0; i < n && !stopping(rd); i++) { /* the rest stays queued */
        struct werr je = {0};
        char result[64] = "ok";
        int rc = 0;

        if (str_eq(j[i].kind, "kick")) {
            struct rt_session k = {0};

            snprintf(k.user, sizeof k.user, "%s", j[i].target);
            snprintf(k.mac, sizeof k.mac, "%s", j[i].mac);
            rc = rd->d->kick(&rd->s->conn, &k, &je);
        } else if (str_eq(j[i].kind, "resync")) { /* the push step that follows does the rest */
            int strays = remove_strays(rd, &je);

            rc = -1;
            if (strays >= 0 && (db = db_take(rd))) {
                rc = voucher_resync(db, rd->s->id, &je);
                db_give(rd, db);
            }
            if (rc == 0)
                snprintf(result, sizeof result, "ok, %d strays removed", strays);
            resync |= rc == 0;
        } else if (str_eq(j[i].kind, "remove")) {
            const char *names[1] = {j[i].target};

            rc = rd->d->remove_users(&rd->s->conn, names, 1, &je);
        }
        if ((db = db_take(rd))) {
            if (router_job_done(db, j[i].id, rc == 0, rc < 0 ? je.msg : result, &e) < 0)
                log_msg(rd->env->log, WLOG_ERR, "%s: job %lld done but not recorded: %s",
                        rd->r->name, (long long)j[i].id, e.msg);
            db_give(rd, db);
        }
        events_emit(rd->env->cfg, "router.job",
                    json_pack("{s:s, s:s, s:s, s:s}", "router", rd->r->name, "kind", j[i].kind,
                              "state", rc < 0 ? "failed" : "done", "target", j[i].target));
    }
    router_jobs_free(j, n);
    return resync;
}

static void
push_user(const struct voucher_push *v, struct rt_user *u)
{
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", v->code);
    snprintf(u->password, sizeof u->password, "%s", v->password);
    snprintf(u->profile, sizeof u->profile, "%s", v->profile);
    u->uptime_s = v->uptime_s;
    u->bytes = v->bytes;
    snprintf(u->rate, sizeof u->rate, "%s", v->rate);
    u->shared_users = v->shared_users;
    snprintf(u->mac, sizeof u->mac, "%s", v->mac);
    u->disabled = str_eq(v->status, "disabled");
    u->reset = v->reset;
}

/* One pushed chunk recorded: each voucher synced or failed; one deleted
 * meanwhile queued for removal instead; removals queued for codes the
 * router now holds again dropped. -1 when nothing could be recorded. */
static int
record_push(struct round *rd, struct db *db, const struct voucher_push *v, size_t m, char **errs,
            bool removals, struct werr *e)
{
    const char **gone = NULL, **held = xcalloc(m + 1, sizeof *held);
    size_t ng = 0, nh = 0;
    int rc = voucher_push_record(db, rd->s->id, v, m, errs, &gone, &ng, e);

    if (rc == 0 && ng)
        rc = router_removals_queue(db, rd->s->id, gone, ng, e);
    if (rc == 0 && removals) {
        for (size_t i = 0; i < m; i++)
            if (!errs[i])
                held[nh++] = v[i].code;
        if (nh)
            rc = router_removals_done(db, rd->s->id, held, nh, e);
    }
    free(gone);
    free(held);
    return rc;
}

/* What this router should hold and does not, in chunks, each recorded
 * before the next is sent (a stop or a failure keeps what was done);
 * bounded per round (ROUND_PUSH_MAX, ROUND_PUSH_MS). Returns how many. */
static int
step_push(struct round *rd, bool removals, bool *drained)
{
    struct werr e = {0};
    struct voucher_push *v = NULL;
    size_t n = 0, failed = 0, at = 0;
    bool aborted = false; /* a chunk's outcome not recorded: not all dealt with */
    /* half the interval keeps the router's next poll on time; back to back
     * (--cycles with interval 0), a few seconds */
    long long t0 = ssh_now_ms(),
              budget = rd->env->interval_s > 0 ? 500LL * rd->env->interval_s : ROUND_PUSH_MS;
    struct rt_user *u;
    char **errs;
    struct db *db = db_take(rd);
    int pushed = 0, rc;

    *drained = false;
    if (!db)
        return 0;
    rc = voucher_push_list(db, rd->s->id, ROUND_PUSH_MAX, &v, &n, &e);
    db_give(rd, db);
    if (rc == 0)
        rd->s->push_read_ms = t0;
    if (rc < 0) {
        log_msg(rd->env->log, WLOG_ERR, "%s: cannot read vouchers to push: %s", rd->r->name, e.msg);
        return 0;
    }
    if (budget < 1000)
        budget = 1000;
    u = xcalloc(n + 1, sizeof *u);
    errs = xcalloc(n + 1, sizeof *errs);
    for (size_t i = 0; i < n; i++)
        push_user(&v[i], &u[i]);
    while (at < n) {
        size_t m = n - at < DRIVER_PUSH_CHUNK ? n - at : DRIVER_PUSH_CHUNK, f = 0, from = at;

        if (stopping(rd) || (at > 0 && ssh_now_ms() - t0 > budget))
            break; /* the rest goes next round */
        if (rd->d->push_users(&rd->s->conn, u + at, m, errs + at, &e) < 0) {
            if (stopping(rd))
                break; /* abandoned by us: the chunk goes again next time */
            log_msg(rd->env->log, WLOG_WARNING, "%s: push failed: %s", rd->r->name, e.msg);
            snprintf(rd->s->note, sizeof rd->s->note, "push: %s", e.msg);
            if ((db = db_take(rd))) {
                router_record_error(db, rd->s->id, rd->s->note, &e);
                db_give(rd, db);
            }
            break;
        }
        /* once more when a voucher was deleted under the first try */
        if (!(db = db_take(rd)) || (record_push(rd, db, v + at, m, errs + at, removals, &e) < 0 &&
                                    record_push(rd, db, v + at, m, errs + at, removals, &e) < 0)) {
            if (db) /* (db_take said why when it had none) */
                log_msg(rd->env->log, WLOG_ERR, "%s: cannot record the push: %s", rd->r->name,
                        e.msg);
            aborted = true; /* nothing more this round */
            at = n;
        } else {
            for (size_t i = at; i < at + m; i++)
                f += errs[i] != NULL;
            pushed += (int)(m - f);
            failed += f;
            at += m;
        }
        if (db)
            db_give(rd, db);
        for (size_t i = from; i < from + m; i++) { /* this chunk's messages */
            free(errs[i]);
            errs[i] = NULL;
        }
    }
    /* all it had to push was sent (failures mark their own next try) */
    *drained = at == n && !aborted && n < ROUND_PUSH_MAX;
    if (failed)
        log_msg(rd->env->log, WLOG_WARNING, "%s: %zu of %zu vouchers refused", rd->r->name, failed,
                n);
    free(errs);
    /* the vouchers' passwords are secrets: not left in freed memory */
    explicit_bzero(u, (n + 1) * sizeof *u);
    free(u);
    if (v)
        explicit_bzero(v, n * sizeof *v);
    free(v);
    return pushed;
}

/* The push marks this round read are dealt with. Kept on failure: the
 * next round only asks for an empty list again. */
static void
done_marks(struct round *rd, const char *marks)
{
    struct werr e = {0};
    struct db *db = db_take(rd);

    if (db && router_push_done(db, rd->s->id, marks, &e) < 0)
        log_msg(rd->env->log, WLOG_ERR, "%s: push marks: %s", rd->r->name, e.msg);
    if (db)
        db_give(rd, db);
}

/* Expired vouchers off the router, their sessions kicked; the sessions of
 * disabled and expired vouchers that are still open kicked too. */
static int
step_expire(struct round *rd, bool expired, bool kicks)
{
    struct werr e = {0};
    struct voucher_code *c = NULL;
    struct session_kick *k = NULL;
    size_t n = 0, nk = 0;
    struct db *db = db_take(rd);
    int removed = 0;

    if (!db)
        return 0;
    if (expired && voucher_expired_on(db, rd->s->id, ROUND_REMOVE_MAX, &c, &n, &e) < 0)
        expired = false;
    db_give(rd, db);
    if (expired && n > 0) {
        const char **names = xcalloc(n, sizeof *names);

        for (size_t i = 0; i < n; i++)
            names[i] = c[i].code;
        removed = remove_chunks(rd, names, n, voucher_removed_from, &e);
        free(names);
        if (removed < 0) {
            log_msg(rd->env->log, WLOG_WARNING, "%s: removing expired vouchers: %s", rd->r->name,
                    e.msg);
            removed = 0;
        }
    }
    voucher_codes_free(c, n);
    if (kicks && (db = db_take(rd))) {
        if (session_to_kick(db, rd->s->id, &k, &nk, &e) < 0)
            nk = 0;
        db_give(rd, db);
    }
    for (size_t i = 0; i < nk && !stopping(rd); i++) {
        struct rt_session s = {0};

        snprintf(s.user, sizeof s.user, "%s", k[i].user);
        snprintf(s.mac, sizeof s.mac, "%s", k[i].mac);
        if (rd->d->kick(&rd->s->conn, &s, &e) < 0)
            log_msg(rd->env->log, WLOG_WARNING, "%s: kick %s: %s", rd->r->name, s.user, e.msg);
    }
    free(k);
    return removed;
}

/* The walled garden and bindings changed (access marks): the router's made
 * to match; the marks read are deleted once it confirmed. */
static void
step_access(struct round *rd, const char *marks)
{
    struct werr e = {0};
    struct rt_access *a = NULL;
    size_t n = 0;
    struct db *db = db_take(rd);
    int rc;

    if (!db)
        return;
    rc = access_for_router(db, rd->s->id, &a, &n, &e);
    db_give(rd, db);
    if (rc == 0)
        rc = rd->d->access_sync(&rd->s->conn, a, n, &e);
    free(a);
    if (rc < 0) {
        log_msg(rd->env->log, WLOG_WARNING, "%s: walled garden: %s", rd->r->name, e.msg);
        return;
    }
    if ((db = db_take(rd))) {
        if (access_marks_done(db, rd->s->id, marks, &e) < 0)
            log_msg(rd->env->log, WLOG_ERR, "%s: access marks: %s", rd->r->name, e.msg);
        db_give(rd, db);
    }
}

/* Connected: the poll, its writes, then only what waits. */
static void
work(struct round *rd, const struct router_round *rr)
{
    struct round_slot *s = rd->s;
    struct rt_health h;
    struct rt_session *ss = NULL;
    size_t ns = 0;
    struct werr e = {0}, se = {0};
    int pushed = 0, removed = 0, sessions;
    /* a RADIUS router asks FreeRADIUS: nothing is pushed to it */
    bool push = !rr->radius && (rr->push_marks != NULL || s->push_read_ms == 0 ||
                                ssh_now_ms() - s->push_read_ms >= ROUND_PUSH_RECHECK_MS),
         drained = rr->radius;
    /* one round trip: health and the sessions */
    int prc = rd->d->poll(&s->conn, &h, &ss, &ns, &e, &se);

    if (prc < 0) {
        went_down(rd, "down", e.msg);
        return;
    }
    if (prc > 0)
        log_msg(rd->env->log, WLOG_WARNING, "%s: sessions: %s", rd->r->name, se.msg);
    sessions = record_poll(rd, &h, ss, ns, prc > 0 ? se.msg : NULL);
    free(ss);
    json_decref(s->health);
    s->health = json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:i}", "state", "up", "identity",
                          h.identity, "version", h.version, "cpu_load", h.cpu_load, "mem_total",
                          (json_int_t)h.mem_total, "mem_free", (json_int_t)h.mem_free, "uptime_s",
                          (json_int_t)h.uptime_s, "active_sessions", sessions < 0 ? 0 : sessions);
    if (rr->jobs && step_jobs(rd)) /* a resync asks for everything again */
        push = true;
    if (rr->removals)
        removed += step_removals(rd);
    if (push)
        pushed = step_push(rd, rr->removals, &drained);
    if (drained && rr->push_marks)
        done_marks(rd, rr->push_marks);
    if (rr->expired || rr->kicks)
        removed += step_expire(rd, rr->expired, rr->kicks);
    if (rr->access_marks && !stopping(rd))
        step_access(rd, rr->access_marks);
    if (!s->note[0])
        snprintf(s->note, sizeof s->note, "up, %d sessions, %d pushed, %d removed",
                 sessions < 0 ? 0 : sessions, pushed, removed);
}

void
round_run(const struct round_env *env, struct round_slot *s)
{
    struct router_round rr;
    struct werr e = {0};
    struct round rd = {.env = env, .s = s, .r = &rr.r};
    long long t0 = ssh_now_ms();
    struct db *db;
    int rc;

    s->note[0] = '\0';
    json_decref(s->health);
    s->health = NULL;
    memset(&rr, 0, sizeof rr);
    if (!(db = db_take(&rd))) {
        snprintf(s->note, sizeof s->note, "no database");
        goto done;
    }
    rc = router_load_round(db, s->id, &rr, &e);
    db_give(&rd, db);
    if (rc < 0) {
        snprintf(s->note, sizeof s->note, "%s", e.msg);
        goto done;
    }
    rd.d = driver_find(rr.r.driver);
    snprintf(s->name, sizeof s->name, "%s", rr.r.name);
    rd.radius = rr.radius;
    s->conn.hotspot_server = rr.r.hotspot_server;
    if (!rd.d)
        went_down(&rd, "down", "unknown driver");
    else if (connect_router(&rd) == 0)
        work(&rd, &rr);
    if (s->conn.broken) { /* a command died: a fresh session next time */
        ssh_close(s->conn.ssh);
        s->conn.ssh = NULL;
    }
    s->conn.hotspot_server = NULL;
done:
    router_round_free(&rr);
    s->ms = ssh_now_ms() - t0;
    s->statements = rd.statements;
}

void
round_slot_clear(struct round_slot *s)
{
    ssh_close(s->conn.ssh);
    s->conn.ssh = NULL;
    sb_free(&s->conn.out);
    json_decref(s->health);
    s->health = NULL;
}
