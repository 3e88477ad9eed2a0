/*
 * metrics.h - the shop's current figures: who is online, how fast, what sold
 * today, where the orders stand, how the routers are. Computed from
 * PostgreSQL (the worker keeps sessions and rates there every cycle).
 */
#ifndef WISP_METRICS_H
#define WISP_METRICS_H

#include <stdio.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* {active_sessions, per_router {name: n}, rx_bps, tx_bps, sold_today,
 *  revenue_today (text), orders {status: n} (today's), top_clients [..10],
 *  top_plans [..10], routers {state: n}, at}. */
json_t *metrics_now(struct db *db, struct werr *e);

/* m in the Prometheus text format (node_exporter's textfile collector): HELP
 * and TYPE for every metric, units in the names. */
void metrics_prometheus(json_t *m, const char *currency, FILE *out);

/* metrics_now written to FILE for the textfile collector, atomically
 * (a temporary file renamed into place). */
int metrics_export(struct db *db, const char *currency, const char *file, struct werr *e);

#endif
