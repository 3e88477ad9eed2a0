/*
 * feed.h - the console's data thread. It owns its own PostgreSQL connection,
 * so no database I/O ever happens on the drawing thread: the console says
 * what it is looking at (feed_set_view), the thread fetches it, keeps the
 * latest snapshot, and wakes the console by writing a byte to a pipe. A
 * dead database makes the thread retry with backoff while the console keeps
 * drawing; it recovers on its own when the database is back.
 */
#ifndef WISP_FEED_H
#define WISP_FEED_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/err.h"

/* What the console shows now. */
/* The heavy parts of a snapshot, fetched only while a pane shows them; the
 * others keep the data they had when last wanted. */
#define FEED_SESSIONS    1u
#define FEED_ORDERS      2u
#define FEED_METRICS     4u
#define FEED_SUBSCRIBERS 8u
#define FEED_FAILURES    16u /* failed webhook deliveries and notification messages */

struct feed_view {
    int64_t batch; /* batch whose vouchers are wanted, 0 for none */
    int64_t first; /* first serial of the voucher window (1-based) */
    int count;     /* vouchers in the window */
    unsigned want; /* FEED_* parts to fetch */
};

/* A copy of the latest data; release with feed_snapshot_free. */
struct feed_snapshot {
    uint64_t seq; /* increases with every new snapshot */
    bool db_up;
    char db_error[512]; /* why the database is down, one line */
    int retry_in;       /* seconds until the next attempt while down */
    char role[64], group[16];
    json_t *batches;      /* batch_list() rows, or NULL */
    json_t *plans;        /* names of active plans (strings), or NULL */
    json_t *vouchers;     /* the window of the view's batch, or NULL */
    json_t *routers;      /* router_list() rows, or NULL */
    json_t *sessions;     /* open sessions (session_list), or NULL */
    json_t *orders;       /* the newest 500 orders (order_list), or NULL */
    json_t *order_counts; /* {"pending": N, ...}, or NULL */
    json_t *low_stock;    /* plans below their low_stock: [{plan, unsold, low_stock}] */
    json_t *metrics;      /* metrics_now(), or NULL */
    json_t *subscribers;  /* subscriber_list() rows, or NULL */
    /* What did not reach its receiver: the newest 200 webhook deliveries
     * failed or given up (webhook_deliveries) and notification messages
     * failed (notify_message_list), while FEED_FAILURES is wanted; empty
     * arrays for a role that may not read them. */
    json_t *failed_deliveries, *failed_messages;
    /* Always (cheap): {"webhook_failed": N, "webhook_dead": N,
     * "webhooks_disabled": N, "messages_failed": N, "total": N}, the
     * webhook members only for roles that may read webhooks; or NULL. */
    json_t *failure_counts;
    int workers;      /* live workers (fleet.h: a heartbeat within 2 intervals + 3 s) */
    char worker[128]; /* the newest one's id */
    int64_t vouchers_batch, vouchers_first;
};

struct feed;

/* Start the thread with a libpq conninfo; it writes one byte to wake_fd
 * whenever a new snapshot is ready. poll_s is how often it refreshes on its
 * own (the console's fallback when there is no event channel). */
struct feed *feed_start(const struct config *cfg, int wake_fd, int poll_s, struct werr *e);

/* Change what is wanted and fetch it now. */
void feed_set_view(struct feed *f, const struct feed_view *v);

/* Refresh on its own every poll_s seconds (long while events arrive, short
 * when the console has only polling to go by). */
void feed_set_poll(struct feed *f, int poll_s);

/* Fetch again now. */
void feed_refresh(struct feed *f);

/* Copy the latest snapshot (JSON shared by reference). */
void feed_snapshot(struct feed *f, struct feed_snapshot *out);
void feed_snapshot_free(struct feed_snapshot *s);

/* Stop the thread and close its connection. */
void feed_stop(struct feed *f);

#endif
