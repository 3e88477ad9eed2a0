/*
 * worker.c - the worker loop (see include/wisp/worker.h and docs/worker.md).
 * It only orchestrates: the schedule, the threads, the ticks; a router's
 * round is round.h's, orders are fulfil.h's, leases and heartbeats fleet.h's,
 * and every table is written by its owner. No SQL here.
 *
 * Every leased router has a thread of its own (small stack, asleep until
 * its round is due), so all due routers are waited on at once: a cycle is
 * bounded by the slowest router and the CPU, never by a pool size. The
 * threads share a few database connections (dbpool.h), taken for each short
 * database step and never held across an SSH wait.
 *
 * The main thread ticks every interval (the heartbeat, leases, expiry, the
 * live figures) and between ticks dispatches the routers that are due and
 * waits on PostgreSQL's NOTIFY so an order is fulfilled the moment it is
 * taken. Stopping sets the flag every SSH wait looks at (ssh_target.cancel):
 * a command in flight is abandoned within 100 ms, and what the router had
 * confirmed (pushes are recorded chunk by chunk) is kept.
 *
 * Under systemd (Type=notify, sdnotify.h) the loop says READY=1 once its
 * first tick has the database and its leases, STATUS= after every tick,
 * STOPPING=1 when told to stop, and WATCHDOG=1 from the loop itself, never
 * from a thread of its own: a loop stuck (in a database call that never
 * returns) stops pinging, and systemd restarts the worker.
 */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wisp/dbpool.h"
#include "wisp/events.h"
#include "wisp/fleet.h"
#include "wisp/fulfil.h"
#include "wisp/i18n.h"
#include "wisp/log.h"
#include "wisp/metrics.h"
#include "wisp/mpath.h"
#include "wisp/notifier.h"
#include "wisp/order.h"
#include "wisp/pollers.h"
#include "wisp/radius_nas.h"
#include "wisp/round.h"
#include "wisp/sdnotify.h"
#include "wisp/voucher.h"
#include "wisp/webhook.h"
#include "wisp/worker.h"

struct worker {
    const struct config *cfg;
    const struct worker_opts *o;
    char id[96];
    char host[64];
    struct fleet_self self;
    struct db db; /* the main thread's */
    bool db_up;
    int db_failures;  /* ticks in a row without the database */
    bool orders_more; /* plan orders left by a fulfil_stock that used its time */
    bool listening;   /* LISTEN wisp_orders on db */
    struct dbpool *pool;
    struct round_env env;
    struct fulfil_env fenv;
    struct fulfil_runner prov; /* the provider round's thread */
    struct pollers *pollers;   /* a thread per leased router */
    long long last_feed_ms;
    long ticks;        /* so far */
    int nids;          /* routers leased at the last tick */
    long long tick_ms; /* the last tick's time */
    atomic_bool fresh; /* samples arrived since the last feed */
    struct logger log;
    bool notify;           /* tell systemd (not the console's own worker) */
    bool ready;            /* READY=1 sent */
    long long watchdog_ms; /* systemd's watchdog timeout, 0 = none asked */
    long long pinged_ms;   /* the last WATCHDOG=1 */
    struct mpath *samples; /* router samples not yet in Redis (samples_lock) */
    pthread_mutex_t samples_lock;
    struct metrics_sent *sent; /* facts the feed has sent to Redis */
    /* Disconnect-Requests to RADIUS routers (expired sessions, queued
     * kicks): once a tick on a thread of their own, so a router that does
     * not answer delays neither the loop nor another router's round */
    pthread_t kicker;
    bool kicker_started;
    atomic_bool kicking;
    struct webhook_runner hooks; /* webhook deliveries: a thread of their own */
    struct notifier *notifier;   /* notifications: a thread of their own (notifier.h) */
};

static bool
stopping(const struct worker *w)
{
    return w->o->stop && *w->o->stop;
}

/* STATUS= for systemctl status: what the worker is doing, in a few words. */
static void notify_status(struct worker *w, const char *head, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
notify_status(struct worker *w, const char *head, const char *fmt, ...)
{
    char msg[256];
    int n;
    va_list ap;

    if (!w->notify)
        return;
    n = snprintf(msg, sizeof msg, "%sSTATUS=", head);
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof msg)
        vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    sdnotify(msg);
}

/* The loop is alive: WATCHDOG=1 when half the watchdog's time has gone
 * since the last. Called only from the loop's own passes, so it proves the
 * loop runs, not merely that the process does. */
static void
alive(struct worker *w)
{
    long long now;

    if (!w->notify || w->watchdog_ms <= 0)
        return;
    now = ssh_now_ms();
    if (w->pinged_ms && now - w->pinged_ms < w->watchdog_ms / 2)
        return;
    w->pinged_ms = now;
    sdnotify("WATCHDOG=1");
}

/* Keep the main connection open; open it again at most once per call. */
static bool
ensure_db(struct worker *w)
{
    struct werr e = {0};

    if (w->db_up && db_connected(&w->db))
        return true;
    if (w->db_up)
        db_close(&w->db);
    w->db_up = w->listening = false;
    if (db_open(&w->db, w->cfg->db, &e) < 0) {
        log_msg(&w->log, WLOG_ERR, "database: %s", e.msg);
        return false;
    }
    return w->db_up = true;
}

/* --- the ticks (main thread) ------------------------------------------- */

static void
worker_gone(const char *id, void *arg)
{
    struct worker *w = arg;

    log_msg(&w->log, WLOG_WARNING, "worker %s is gone: its routers are free", id);
}

/* Heartbeat, dead workers pruned, then leases: this worker's fair share,
 * each marked in its slot (leased; ready unless backing off; due now when
 * a sync was asked). The number leased, -1 on error. */
static int
take_leases(struct worker *w, struct werr *e)
{
    struct router_lease *l = NULL;
    size_t n = 0, nbusy;
    int *busy, rc;

    if (fleet_beat(&w->db, &w->self, e) < 0)
        return -1;
    if (fleet_prune(&w->db, w->id, worker_gone, w, e) < 0)
        log_msg(&w->log, WLOG_ERR, "workers: %s", e->msg);
    busy = pollers_busy(w->pollers, &nbusy);
    rc = fleet_lease(&w->db, &w->self, busy, nbusy, &l, &n, e);
    free(busy);
    if (rc < 0)
        return -1;
    pollers_lease(w->pollers, l, n);
    free(l);
    return (int)n;
}

/* Vouchers past their time become expired (the routers lose them in their
 * rounds). From PostgreSQL times only, never a router's clock. */
static void
expire_vouchers(struct worker *w)
{
    struct werr e = {0};
    struct voucher_code *c = NULL;
    size_t n = 0;

    if (voucher_expire_due(&w->db, &c, &n, &e) < 0) {
        log_msg(&w->log, WLOG_ERR, "expiry: %s", e.msg);
        return;
    }
    for (size_t i = 0; i < n; i++)
        events_emit(w->cfg, "voucher.expired", json_pack("{s:s}", "code", c[i].code));
    voucher_codes_free(c, n);
}

static void *
kicker_main(void *arg)
{
    struct worker *w = arg;
    struct werr e = {0};
    struct db *db;
    int sent = 0, failed = 0;

    i18n_thread_english(); /* a worker thread: its errors are logged */
    db = dbpool_get(w->pool, &e);
    if (!db)
        log_msg(&w->log, WLOG_ERR, "radius kicks: database: %s", e.msg);
    else if (radius_kick_send(db,
                              &(struct radius_kick_opts){.timeout_ms = WORKER_KICK_TIMEOUT_MS,
                                                         .tries = WORKER_KICK_TRIES,
                                                         .limit = WORKER_KICK_LIMIT,
                                                         .stop = w->o->stop},
                              &sent, &failed, &e) < 0)
        log_msg(&w->log, WLOG_ERR, "radius kicks: %s", e.msg);
    else if (sent || failed)
        log_msg(&w->log, WLOG_NOTICE,
                "radius kicks: %d sessions disconnected, %d refused or unanswered", sent, failed);
    /* RADIUS routers' traffic into the 5-minute history, as their SSH
     * import would write it (they have none) */
    if (db && radius_rollup(db, &e) < 0)
        log_msg(&w->log, WLOG_ERR, "radius history: %s", e.msg);
    if (db)
        dbpool_put(w->pool, db);
    atomic_store(&w->kicking, false);
    return NULL;
}

static void
kicker_join(struct worker *w)
{
    if (w->kicker_started)
        pthread_join(w->kicker, NULL);
    w->kicker_started = false;
}

/* The RADIUS routers' kicks, unless the last tick's are still going. */
static void
kicker_start(struct worker *w)
{
    if (w->kicker_started && atomic_load(&w->kicking))
        return;
    kicker_join(w);
    atomic_store(&w->kicking, true);
    w->kicker_started = pthread_create(&w->kicker, NULL, kicker_main, w) == 0;
    if (!w->kicker_started)
        atomic_store(&w->kicking, false);
}

/* Up to ms for a NOTIFY on wisp_orders: an order is fulfilled the moment it
 * is taken, whatever the routers are doing. */
static void
wait_orders(struct worker *w, int ms)
{
    if (!(w->db_up && w->listening)) {
        struct timespec ts = {0, (long)ms * 1000000L};

        nanosleep(&ts, NULL);
    } else if (w->orders_more) {
        w->orders_more = fulfil_stock(&w->fenv, &w->db) == FULFIL_MORE;
    } else {
        int rc = db_wait_notify(&w->db, ms);

        if (rc > 0)
            w->orders_more = fulfil_stock(&w->fenv, &w->db) == FULFIL_MORE;
        else if (rc < 0) /* broken: sleep, not spin; the next tick opens it again */
            w->listening = false;
    }
}

/* The start of a tick: the database, expiry, orders, leases, providers.
 * The number of routers leased, -1 without the database. */
static int
tick_start(struct worker *w)
{
    struct werr e = {0};
    int nids;

    if (!ensure_db(w))
        return -1;
    if (!w->listening)
        w->listening = order_listen(&w->db, &e) == 0;
    expire_vouchers(w);
    w->orders_more = fulfil_stock(&w->fenv, &w->db) == FULFIL_MORE;
    if ((nids = take_leases(w, &e)) < 0) {
        log_msg(&w->log, WLOG_ERR, "leases: %s", e.msg);
        if (!db_connected(&w->db)) { /* gone: back off, then open it again */
            db_close(&w->db);
            w->db_up = false;
        }
        return -1;
    }
    fulfil_runner_start(&w->prov);
    kicker_start(w);
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
    pthread_mutex_unlock(&w->samples_lock);
    if (metrics_feed(w->cfg, &w->db, batch, w->sent, &e) < 0)
        log_msg(&w->log, WLOG_ERR, "metrics to Redis: %s", e.msg);
    mpath_free(batch);
    pollers_live(w->pollers, live);
    snprintf(key, sizeof key, "worker:%s", w->id);
    json_object_set_new(live, key,
                        json_pack("{s:I, s:I, s:i, s:I}", "seen", (json_int_t)time(NULL),
                                  "cycle_ms", (json_int_t)w->tick_ms, "routers", w->nids, "cycles",
                                  (json_int_t)w->ticks));
    if (events_store(w->cfg, live, ttl, &e) < 0)
        log_msg(&w->log, WLOG_ERR, "live state to Redis: %s", e.msg);
    json_decref(live);
}

/* The end of a tick (with --once/--cycles, once its routers are done):
 * heartbeat, the live figures, the history's pruning, the textfile. */
static void
tick_end(struct worker *w, long n, int nids, long long t0)
{
    struct werr e = {0};
    long long ms = ssh_now_ms() - t0;

    fleet_cycle(&w->db, w->id, ms, &e);
    log_msg(&w->log, WLOG_INFO, "cycle %ld: %d routers in %lld ms", n, nids, ms);
    w->ticks = n;
    w->nids = nids;
    w->tick_ms = ms;
    notify_status(w, "", "routers leased: %d, cycle %ld in %lld ms", nids, n, ms);
    feed(w);
    metrics_prune_history(&w->db, &e);
    if (w->o->prometheus_dir) { /* for node_exporter's textfile collector */
        char *file = xasprintf("%s/wisp.prom", w->o->prometheus_dir);

        if (metrics_export(w->cfg, &w->db, file, &e) < 0)
            log_msg(&w->log, WLOG_ERR, "prometheus: %s", e.msg);
        free(file);
    }
    events_emit(
        w->cfg, "worker.cycle",
        json_pack("{s:s, s:I, s:i}", "worker", w->id, "ms", (json_int_t)ms, "routers", nids));
}

/* Until this cycle's routers are done (--once, --cycles), fulfilling
 * orders meanwhile and keeping the heartbeat and the leases fresh. */
static void
wait_idle(struct worker *w)
{
    long long beat = ssh_now_ms();

    while (!pollers_idle(w->pollers)) {
        alive(w);
        /* 10 ms: a cycle's end is seen at once, not up to 100 ms late (the
         * next cycle starts then); only --once and --cycles wait so */
        wait_orders(w, 10);
        if (ssh_now_ms() - beat >= 1000LL * (w->o->interval_s > 0 ? w->o->interval_s : 1)) {
            struct werr e = {0};

            beat = ssh_now_ms();
            if (fleet_hold(&w->db, &w->self, &e) < 0)
                log_msg(&w->log, WLOG_ERR, "heartbeat: %s", e.msg);
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

        alive(w);
        if (now >= next_tick) {
            int nids = tick_start(w);
            long long wait_ms = (long long)o->interval_s * 1000;

            n++;
            if (nids >= 0 && !w->ready) { /* connected, leases taken: running */
                w->ready = true;
                notify_status(w, "READY=1\n", "running, routers leased: %d", nids);
            }
            if (nids < 0)
                notify_status(w, "", "cycle %ld failed: %s", n,
                              w->db_up ? "see the log" : "no database, retrying");
            if (nids >= 0) {
                pollers_dispatch(w->pollers, cycles);
                if (cycles) {
                    wait_idle(w);
                    fulfil_runner_join(&w->prov);
                    kicker_join(w);
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
            pollers_dispatch(w->pollers, false);
            /* samples of routers finished since the tick: live within a second */
            if (atomic_load(&w->fresh) && ssh_now_ms() - w->last_feed_ms >= 1000) {
                feed(w);
                /* consoles redraw their figures now, not at the next tick */
                events_emit(w->cfg, "worker.fed", json_pack("{s:s}", "worker", w->id));
            }
        }
        wait_orders(w, 100);
    }
    return n;
}

int
worker_seen(struct db *db, struct werr *e)
{
    return fleet_live(db, e);
}

int
worker_run(const struct config *cfg, const struct worker_opts *o, struct werr *e)
{
    struct worker w = {.cfg = cfg, .o = o};
    long n;

    i18n_thread_english(); /* its log, and the errors in it, in English */
    gethostname(w.host, sizeof w.host - 1);
    snprintf(w.id, sizeof w.id, "%s:%d%s", w.host, (int)getpid(), o->embedded ? ":console" : "");
    w.self = (struct fleet_self){w.id, w.host, (int)getpid(), o->interval_s, o->embedded};
    if (db_open(&w.db, cfg->db, e) < 0)
        return -1;
    w.db_up = true;
    if (db_check_schema(&w.db, e) < 0) {
        db_close(&w.db);
        return -1;
    }
    log_open(&w.log, o->log, o->log_format, "worker");
    w.notify = !o->embedded;
    w.watchdog_ms = sdnotify_watchdog_ms();
    pthread_mutex_init(&w.samples_lock, NULL);
    w.samples = mpath_new(cfg->redis_prefix);
    w.sent = metrics_sent_new();
    w.pool = dbpool_new(cfg->db, WORKER_DB_CONNS);
    w.env =
        (struct round_env){cfg, o->stop, w.pool, o->interval_s, w.samples, &w.samples_lock, &w.log};
    w.fenv = (struct fulfil_env){cfg, o->stop, &w.log};
    w.prov.env = &w.fenv;
    w.pollers = pollers_new(&w.env, &w.fresh);
    log_msg(&w.log, WLOG_NOTICE, "started as %s, every %d s", w.id, o->interval_s);
    w.hooks = (struct webhook_runner){.cfg = cfg, .stop = o->stop, .log = &w.log};
    snprintf(w.hooks.owner, sizeof w.hooks.owner, "%s", w.id);
    webhook_runner_start(&w.hooks);
    w.notifier = notifier_start(cfg, w.id, o->stop, &w.log);
    n = run_loop(&w);
    notify_status(&w, "STOPPING=1\n", "stopping after %ld cycles", n);
    /* Stop: SSH waits see the stop flag, so the rounds end within moments;
     * rounds not begun are skipped. */
    pollers_free(w.pollers);
    fulfil_runner_close(&w.prov);
    kicker_join(&w);
    webhook_runner_join(&w.hooks);
    notifier_stop(w.notifier);
    /* Leave: give the leases back so another worker takes over at once. */
    if (ensure_db(&w)) {
        struct werr e2 = {0};

        fleet_leave(&w.db, w.id, &e2);
    }
    {
        char key[128];
        struct werr e3 = {0};

        snprintf(key, sizeof key, "worker:%s", w.id);
        events_forget(cfg, key, &e3);
    }
    log_msg(&w.log, WLOG_NOTICE, "stopped after %ld cycles", n);
    dbpool_free(w.pool);
    if (w.db_up)
        db_close(&w.db);
    log_close(&w.log);
    pthread_mutex_destroy(&w.samples_lock);
    mpath_free(w.samples);
    metrics_sent_free(w.sent);
    return 0;
}
