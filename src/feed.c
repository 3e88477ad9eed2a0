/*
 * feed.c - the console's data thread (see include/wisp/feed.h).
 *
 * One mutex guards the wanted view and the latest snapshot; a condition
 * variable wakes the thread for a new view, a refresh or stop, or after
 * poll_s seconds. While the database is down the wait is the backoff
 * (2, 4, 8 ... 30 s) and the snapshot counts it down for the banner.
 */
#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wisp/db.h"
#include "wisp/feed.h"
#include "wisp/fleet.h"
#include "wisp/i18n.h"
#include "wisp/metrics.h"
#include "wisp/notify.h"
#include "wisp/order.h"
#include "wisp/plan.h"
#include "wisp/router.h"
#include "wisp/session.h"
#include "wisp/subscriber.h"
#include "wisp/util.h"
#include "wisp/voucher.h"
#include "wisp/webhook.h"

struct feed {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    char *conninfo;
    const struct config *cfg;
    int wake_fd, poll_s;
    bool stop, dirty;
    struct feed_view view;
    struct feed_snapshot snap;
    time_t retry_at; /* while down: when the next attempt is due */
};

static void
wake(struct feed *f)
{
    char b = 1;
    ssize_t n = write(f->wake_fd, &b, 1);

    (void)n; /* a full pipe already means "wake up" */
}

/* Every JSON member of a snapshot, so taking and dropping references is
 * one loop wherever snapshots are copied, kept or released. */
static const size_t json_members[] = {
    offsetof(struct feed_snapshot, batches),
    offsetof(struct feed_snapshot, vouchers),
    offsetof(struct feed_snapshot, plans),
    offsetof(struct feed_snapshot, routers),
    offsetof(struct feed_snapshot, sessions),
    offsetof(struct feed_snapshot, orders),
    offsetof(struct feed_snapshot, order_counts),
    offsetof(struct feed_snapshot, low_stock),
    offsetof(struct feed_snapshot, metrics),
    offsetof(struct feed_snapshot, subscribers),
    offsetof(struct feed_snapshot, failed_deliveries),
    offsetof(struct feed_snapshot, failed_messages),
    offsetof(struct feed_snapshot, failure_counts),
};
#define NJSON (sizeof json_members / sizeof json_members[0])

static json_t **
member(struct feed_snapshot *s, size_t i)
{
    return (json_t **)((char *)s + json_members[i]);
}

/* One more reference to each JSON member (a copy of the snapshot owns them). */
static void
snapshot_ref(struct feed_snapshot *s)
{
    for (size_t i = 0; i < NJSON; i++)
        json_incref(*member(s, i));
}

/* Publish under the lock: replace the JSON parts, bump seq, wake the UI. */
static void
publish(struct feed *f, const struct feed_snapshot *next)
{
    pthread_mutex_lock(&f->lock);
    feed_snapshot_free(&f->snap);
    uint64_t seq = f->snap.seq + 1;

    f->snap = *next;
    f->snap.seq = seq;
    pthread_mutex_unlock(&f->lock);
    wake(f);
}

/* A part of the published snapshot, for the next one (a new reference). */
static json_t *
kept(struct feed *f, json_t **part)
{
    json_t *j;

    pthread_mutex_lock(&f->lock);
    j = json_incref(*part);
    pthread_mutex_unlock(&f->lock);
    return j;
}

/* Webhooks are for operators and admins (and the worker) to read: their
 * URLs may carry a receiver's token (migration 019). A viewer is not asked,
 * so its console shows only the messages instead of an error. */
static bool
reads_webhooks(const struct db *db)
{
    return str_eq(db->group, "admin") || str_eq(db->group, "operator") ||
           str_eq(db->group, "worker");
}

/* What did not reach its receiver, counted for the header: a few counts,
 * fetched with every snapshot whatever the pane. NULL when none could be. */
static json_t *
failure_counts(struct db *db, struct werr *e)
{
    struct webhook_counts wc;
    int64_t messages = 0;
    json_t *c = json_object();
    bool any = false;

    if (reads_webhooks(db) && webhook_counts(db, &wc, e) == 0) {
        json_object_set_new(c, "webhook_failed", json_integer(wc.failed));
        json_object_set_new(c, "webhook_dead", json_integer(wc.dead));
        json_object_set_new(c, "webhooks_disabled", json_integer(wc.disabled));
        any = true;
    } else {
        wc = (struct webhook_counts){0};
    }
    if (notify_failed_count(db, &messages, e) == 0) {
        json_object_set_new(c, "messages_failed", json_integer(messages));
        any = true;
    }
    if (!any) {
        json_decref(c);
        return NULL;
    }
    json_object_set_new(c, "total", json_integer(wc.failed + wc.dead + wc.disabled + messages));
    return c;
}

#define FAILURES_SHOWN 200 /* rows of each kind the failures view lists */

/* One fetch. Returns false when the connection is gone. */
static bool
fetch(struct feed *f, struct db *db, const struct feed_view *v, struct feed_snapshot *next,
      struct werr *e)
{
    char **plans;

    next->batches = batch_list(db, e);
    if (next->batches == NULL)
        return db_connected(db);
    if ((plans = plan_names(db, e)) != NULL) {
        next->plans = json_array();
        for (char **p = plans; *p; p++) {
            json_array_append_new(next->plans, json_string(*p));
            free(*p);
        }
        free(plans);
    }
    next->routers = router_list(db, e);
    next->sessions =
        v->want & FEED_SESSIONS ? session_list(db, NULL, false, e) : kept(f, &f->snap.sessions);
    next->orders = v->want & FEED_ORDERS ? order_list(db, NULL, 500, e) : kept(f, &f->snap.orders);
    next->order_counts = order_counts(db, e);
    next->low_stock = order_low_stock(db, e);
    next->metrics =
        v->want & FEED_METRICS ? metrics_live(f->cfg, db, e) : kept(f, &f->snap.metrics);
    next->subscribers =
        v->want & FEED_SUBSCRIBERS ? subscriber_list(db, false, e) : kept(f, &f->snap.subscribers);
    next->failure_counts = failure_counts(db, e);
    if (v->want & FEED_FAILURES) {
        next->failed_deliveries =
            reads_webhooks(db) ? webhook_deliveries(db, 0, true, FAILURES_SHOWN, e) : json_array();
        next->failed_messages = notify_message_list(db, true, FAILURES_SHOWN, e);
    } else {
        next->failed_deliveries = kept(f, &f->snap.failed_deliveries);
        next->failed_messages = kept(f, &f->snap.failed_messages);
    }
    {
        bool embedded = false;

        next->workers = fleet_newest(db, next->worker, sizeof next->worker, &embedded, e);
        if (next->workers > 0 && embedded)
            snprintf(next->worker + strlen(next->worker),
                     sizeof next->worker - strlen(next->worker), " (in a console)");
    }
    if (v->batch > 0 && v->count > 0) {
        next->vouchers = voucher_window(db, v->batch, v->first, v->count, e);
        next->vouchers_batch = v->batch;
        next->vouchers_first = v->first;
    }
    (void)f;
    return db_connected(db);
}

/* The last data stays on screen while the database is down. */
static void
keep_old_data(struct feed *f, struct feed_snapshot *next)
{
    pthread_mutex_lock(&f->lock);
    for (size_t i = 0; i < NJSON; i++)
        *member(next, i) = json_incref(*member(&f->snap, i));
    next->vouchers_batch = f->snap.vouchers_batch;
    next->vouchers_first = f->snap.vouchers_first;
    snprintf(next->role, sizeof next->role, "%s", f->snap.role);
    snprintf(next->group, sizeof next->group, "%s", f->snap.group);
    pthread_mutex_unlock(&f->lock);
}

/* Between full fetches the thread checks the connection every HEALTH_S, so a
 * dead database shows within seconds even when events make polling rare. */
#define HEALTH_S 2

static void *
run(void *arg)
{
    struct feed *f = arg;
    struct db db = {0};
    int backoff = 0;
    time_t last_full = 0;

    pthread_mutex_lock(&f->lock);
    while (!f->stop) {
        struct feed_view v = f->view;
        struct feed_snapshot next = {0};
        struct werr e = {0};
        struct timespec until;
        bool full = f->dirty || db.conn == NULL || time(NULL) - last_full >= f->poll_s, ok;

        f->dirty = false;
        pthread_mutex_unlock(&f->lock);

        if (db.conn == NULL && (db_open(&db, f->conninfo, &e) < 0 || db_check_schema(&db, &e) < 0 ||
                                db_load_role(&db, &e) < 0))
            db_close(&db);
        if (db.conn && full)
            ok = fetch(f, &db, &v, &next, &e);
        else if (db.conn)
            ok = db_ping(&db, &e) == 0;
        else
            ok = false;
        if (ok && full) {
            backoff = 0;
            last_full = time(NULL);
            next.db_up = true;
            snprintf(next.role, sizeof next.role, "%s", db.role);
            snprintf(next.group, sizeof next.group, "%s", db.group);
            publish(f, &next);
        } else if (!ok) {
            db_close(&db);
            feed_snapshot_free(&next);
            memset(&next, 0, sizeof next);
            backoff = backoff ? (backoff * 2 > 30 ? 30 : backoff * 2) : 2;
            snprintf(next.db_error, sizeof next.db_error, "%s",
                     e.msg[0] ? e.msg : "connection lost");
            next.retry_in = backoff;
            keep_old_data(f, &next);
            publish(f, &next);
        }
        pthread_mutex_lock(&f->lock);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += backoff ? backoff : HEALTH_S;
        f->retry_at = backoff ? time(NULL) + backoff : 0;
        while (!f->stop && !f->dirty)
            if (pthread_cond_timedwait(&f->cond, &f->lock, &until) == ETIMEDOUT)
                break;
    }
    pthread_mutex_unlock(&f->lock);
    db_close(&db);
    return NULL;
}

struct feed *
feed_start(const struct config *cfg, int wake_fd, int poll_s, struct werr *e)
{
    struct feed *f = xcalloc(1, sizeof *f);
    const char *conninfo = cfg->db;
    /* a dead server must not hold the thread for long: cap each attempt */
    char *ci = xasprintf("%s%sconnect_timeout=3", conninfo ? conninfo : "",
                         conninfo && *conninfo ? " " : "");

    if (conninfo && strstr(conninfo, "://")) { /* a URI takes options as a query */
        free(ci);
        ci = xasprintf("%s%sconnect_timeout=3", conninfo, strchr(conninfo, '?') ? "&" : "?");
    }
    f->conninfo = ci;
    f->cfg = cfg;
    f->wake_fd = wake_fd;
    f->poll_s = poll_s > 0 ? poll_s : 2;
    f->dirty = true;
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    if (pthread_create(&f->thread, NULL, run, f) != 0) {
        werr_set(e, WISP_ERUNTIME, _("cannot start the data thread: %s"), strerror(errno));
        free(f->conninfo);
        free(f);
        return NULL;
    }
    return f;
}

void
feed_set_view(struct feed *f, const struct feed_view *v)
{
    pthread_mutex_lock(&f->lock);
    if (memcmp(&f->view, v, sizeof *v) != 0) {
        f->view = *v;
        f->dirty = true;
        pthread_cond_signal(&f->cond);
    }
    pthread_mutex_unlock(&f->lock);
}

void
feed_set_poll(struct feed *f, int poll_s)
{
    pthread_mutex_lock(&f->lock);
    f->poll_s = poll_s > 0 ? poll_s : 2;
    pthread_mutex_unlock(&f->lock);
}

void
feed_refresh(struct feed *f)
{
    pthread_mutex_lock(&f->lock);
    f->dirty = true;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

void
feed_snapshot(struct feed *f, struct feed_snapshot *out)
{
    pthread_mutex_lock(&f->lock);
    *out = f->snap;
    snapshot_ref(out);
    if (!out->db_up && f->retry_at) {
        long left = (long)(f->retry_at - time(NULL));
        out->retry_in = left > 0 ? (int)left : 0;
    }
    pthread_mutex_unlock(&f->lock);
}

void
feed_snapshot_free(struct feed_snapshot *s)
{
    for (size_t i = 0; i < NJSON; i++) {
        json_decref(*member(s, i));
        *member(s, i) = NULL;
    }
}

void
feed_stop(struct feed *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = true;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->thread, NULL);
    feed_snapshot_free(&f->snap);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    free(f->conninfo);
    free(f);
}
