/*
 * metrics.h - the shop's current figures: who is online, how fast, what sold
 * today, where the orders stand, how the routers are. Computed from
 * PostgreSQL (the worker keeps sessions and rates there every cycle).
 */
#ifndef WISP_METRICS_H
#define WISP_METRICS_H

#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/err.h"
#include "wisp/mpath.h"

/* {active_sessions, per_router {name: n}, rx_bps, tx_bps, sold_today,
 *  revenue_today (text), orders {status: n} (today's), top_clients [..10],
 *  top_plans [..10], routers {state: n}, at}. */
json_t *metrics_now(struct db *db, struct werr *e);

/* The figures as the console and `wisp metrics` show them: from the Redis
 * aggregates when Redis has all of today (source "redis"), else
 * metrics_now (source "postgresql"); routers by state from PostgreSQL; plus
 * last_hour {sessions, rx_bps, tx_bps: [60 minutes], end_minute} with what
 * Redis lacks from the 5-minute history, and today_hours {sold, revenue
 * (cents): [24]}. */
json_t *metrics_live(const struct config *cfg, struct db *db, struct werr *e);

/* A figure of those objects: a number, or a numeric string (money and
 * bigints as PostgreSQL writes them); 0 when absent. */
long long metrics_num(json_t *m, const char *k);

/* The facts (sales, first logins, completed orders) a feeding process has
 * already sent to Redis: each sweep looks SWEEP_OVERLAP seconds back again
 * (a transaction can commit long after its rows' times), and what was sent
 * is not sent again. NULL: send all (Redis counts each fact once anyway). */
struct metrics_sent;
struct metrics_sent *metrics_sent_new(void);
void metrics_sent_free(struct metrics_sent *s);

/* The worker's router samples, then what PostgreSQL holds since the last
 * sweep and sent has not (all of today, and the last hour's history, after
 * a Redis restart) and the orders by status. samples is emptied either
 * way. 0 when no Redis is configured. */
int metrics_feed(const struct config *cfg, struct db *db, struct mpath *samples,
                 struct metrics_sent *sent, struct werr *e);

/* Right after a command changed data: the last 2 minutes' sales, first
 * logins and orders into Redis, so the figures move before the next worker
 * cycle (which would count them anyway, once). */
int metrics_note(const struct config *cfg, struct db *db, struct werr *e);

/* Rebuild Redis's aggregates of [from, to) from PostgreSQL: sales,
 * activations, orders, and router history for the minutes Redis keeps.
 * *counted gets how many events were missing, *minutes how many router
 * minutes of history were filled in. */
int metrics_backfill(const struct config *cfg, struct db *db, time_t from, time_t to,
                     long long *counted, long long *minutes, struct werr *e);

/* m in the Prometheus text format (node_exporter's textfile collector): HELP
 * and TYPE for every metric, units in the names. */
void metrics_prometheus(json_t *m, const char *currency, FILE *out);

/* metrics_live written to FILE for the textfile collector, atomically
 * (a temporary file renamed into place). */
int metrics_export(const struct config *cfg, struct db *db, const char *file, struct werr *e);

/* --- for the worker --- */

/* A router's poll into its 5-minute history bucket: sessions open, the
 * throughput (bit/s) and the bytes moved since its last poll. A bucket
 * never takes a sample older than one it has. */
int metrics_sample_router(struct db *db, int router_id, long long sessions, long long rx_bps,
                          long long tx_bps, long long bytes_in, long long bytes_out,
                          struct werr *e);

/* The history is kept for 400 days. */
int metrics_prune_history(struct db *db, struct werr *e);

#endif
