/*
 * fleet.h - the workers table and who leases which router. Each worker
 * beats its heartbeat into `workers`; a worker whose heartbeat is stale, or
 * whose database backend is gone (a killed process closes its connections),
 * is dead: its row goes and its leases are free. Each live worker leases a
 * fair share of the routers (ceil(routers / live workers)), renewed every
 * tick; the lease columns are the routers table's (router.h).
 */
#ifndef WISP_FLEET_H
#define WISP_FLEET_H

#include <stdbool.h>
#include <stddef.h>

#include "wisp/db.h"
#include "wisp/err.h"
#include "wisp/router.h"

struct fleet_self {
    const char *id; /* "host:pid" (":console" when embedded) */
    const char *host;
    int pid;
    int interval_s;
    bool embedded;
};

/* The heartbeat: this worker's row written (or refreshed). */
int fleet_beat(struct db *db, const struct fleet_self *w, struct werr *e);

/* Between ticks of a long cycle (--once, --cycles): the heartbeat, and the
 * leases held on, so no other worker takes a router whose round is in flight. */
int fleet_hold(struct db *db, const struct fleet_self *w, struct werr *e);

/* Dead workers' rows deleted, and with them their leases; each one's id
 * passed to gone (for the log). Returns how many, -1 on error. */
int fleet_prune(struct db *db, const char *self, void (*gone)(const char *id, void *arg), void *arg,
                struct werr *e);

/* This worker's fair share of the routers leased (or renewed) for three
 * intervals (5 s at least), what is above the share let go (but not the
 * busy routers, whose round is in flight). */
int fleet_lease(struct db *db, const struct fleet_self *w, const int *busy, size_t nbusy,
                struct router_lease **rows, size_t *n, struct werr *e);

/* A cycle done: its time in the workers row, the heartbeat with it. */
int fleet_cycle(struct db *db, const char *id, long long ms, struct werr *e);

/* The worker stops: its leases given back and its row deleted, so another
 * worker takes its routers at once. */
int fleet_leave(struct db *db, const char *id, struct werr *e);

/* For the console's banner: the worker seen last (its id into id, whether it
 * runs in a console) and how many have a fresh heartbeat; 0 when none, -1
 * on error. */
int fleet_newest(struct db *db, char *id, size_t n, bool *embedded, struct werr *e);

/* Live workers (a fresh heartbeat and their database backend there); -1 on error. */
int fleet_live(struct db *db, struct werr *e);

#endif
