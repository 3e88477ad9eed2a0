/*
 * mpath.h - the metrics path in Redis: what happened (sales, activations,
 * finished orders, each router's cycle) goes into capped streams and into
 * aggregates bucketed by minute, hour and day, which expire on their own.
 *
 * Every event and sample carries an id (sale:<voucher>, act:<voucher>,
 * order:<id>:<status>, smp:<router>:<ms>). A Lua script applies a batch
 * atomically and counts an id once: a replayed cycle, a second worker or a
 * backfill over the same hours never counts twice.
 *
 * Keys under the configured prefix (P):
 *   P m:seen:<hour>        ids already counted (hash, 49 h; router samples'
 *                          in P m:seen:smp:<hour>, 2 h)
 *   P m:stream:events      sales, activations, orders (stream, ~100000 long)
 *   P m:stream:samples     router cycles (stream, ~10000 long)
 *   P m:min:<epoch minute> per router s:R, rx:R, tx:R (hash, 2 h)
 *   P m:cli:<epoch minute> bytes per client "user\tmac\trouter" (zset, 15 min)
 *   P m:hour:<YYYYMMDDHH>  sold, revenue (cents), activated, orders_completed
 *                          (hash, local hours, 49 h)
 *   P m:plans:<YYYYMMDD>   sold per plan (zset); P m:planrev:<day> cents (hash)
 *   P m:orders             orders by status now (hash, replaced every cycle
 *                          in one MULTI)
 *   P m:swept              when PostgreSQL was last swept (epoch seconds);
 *                          absent after a Redis restart until the catch-up
 */
#ifndef WISP_MPATH_H
#define WISP_MPATH_H

#include <stddef.h>
#include <time.h>

#include <hiredis.h>
#include <jansson.h>

#include "wisp/err.h"

/* How long Redis keeps a minute's figures and an hour's (and a day's). */
#define MPATH_MINUTE_TTL 7200
#define MPATH_HOUR_TTL   (49 * 3600)

/* Events sent per script call; a batch holds any number. */
#define MPATH_CHUNK 500

struct mpath;

struct mpath_client {
    const char *user, *mac;
    long long bytes; /* moved since the previous cycle */
};

struct mpath *mpath_new(const char *prefix);
void mpath_free(struct mpath *m);
size_t mpath_pending(const struct mpath *m);
/* What is pending, moved into a new mpath (m left empty): a caller that
 * guards m with a lock sends the batch after letting go, so threads adding
 * to m never wait on Redis. */
struct mpath *mpath_take(struct mpath *m);
/* Drop what is pending (Redis away: the live figures skip it). */
void mpath_clear(struct mpath *m);

void mpath_sale(struct mpath *m, long long voucher_id, time_t at, const char *plan,
                long long cents);
void mpath_activation(struct mpath *m, long long voucher_id, time_t at);
/* An order reached status at at; cents is the revenue it brings (a completed
 * provider top-up's amount; 0 for a plan order, whose voucher is the sale). */
void mpath_order(struct mpath *m, long long order_id, const char *status, time_t at,
                 long long cents);

/* One router's cycle at at_ms: its sessions and rates now, and the bytes
 * each client moved since the previous cycle. */
void mpath_sample(struct mpath *m, int router_id, const char *router, long long at_ms,
                  long long sessions, long long rx_bps, long long tx_bps,
                  const struct mpath_client *clients, size_t nclients);

/* History for a minute Redis lost: sets a router's figures for that minute
 * only where no live sample did. */
void mpath_fill(struct mpath *m, const char *router, time_t minute, long long sessions,
                long long rx_bps, long long tx_bps);

/* Send the batch on c (pipelined, MPATH_CHUNK events per call) and empty it.
 * *counted (may be NULL) gets how many ids were new. */
int mpath_send(struct mpath *m, redisContext *c, long long *counted, struct werr *e);

/* Replace P m:orders with counts ({status: n}). */
int mpath_orders(redisContext *c, const char *prefix, json_t *counts, struct werr *e);

/* P m:swept: get (0 when absent) and set. */
long long mpath_swept(redisContext *c, const char *prefix, struct werr *e);
int mpath_set_swept(redisContext *c, const char *prefix, time_t at, struct werr *e);

/* The current figures from the aggregates at now: {active_sessions,
 * per_router, rx_bps, tx_bps, sold_today, revenue_today, activated_today,
 * orders, top_clients, top_plans}. A router counts with its newest sample
 * of the last `window` minutes (2..120: a worker interval's worth). */
json_t *mpath_read(redisContext *c, const char *prefix, time_t now, int window, struct werr *e);

/* The last `minutes` minutes up to now, oldest first: {"sessions": [...],
 * "rx_bps": [...], "tx_bps": [...], "end_minute"}; a router counts in a
 * minute with its newest sample of the `window` minutes up to it (as in
 * mpath_read); null where no router does. */
json_t *mpath_series(redisContext *c, const char *prefix, time_t now, int minutes, int window,
                     struct werr *e);

/* Today's hours 00..23 (local): {"sold": [24], "revenue": [24] (cents)}. */
json_t *mpath_hours(redisContext *c, const char *prefix, time_t now, struct werr *e);

#endif
