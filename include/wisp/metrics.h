/*
 * metrics.h - the shop's current figures: who is online, how fast, what sold
 * today, where the orders stand, how the routers are. Computed from
 * PostgreSQL (the worker keeps sessions and rates there every cycle).
 */
#ifndef WISP_METRICS_H
#define WISP_METRICS_H

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* {active_sessions, per_router {name: n}, rx_bps, tx_bps, sold_today,
 *  revenue_today (text), orders {status: n} (today's), top_clients [..10],
 *  top_plans [..10], routers {state: n}, at}. */
json_t *metrics_now(struct db *db, struct werr *e);

#endif
