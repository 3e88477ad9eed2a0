/*
 * worker.h - the only part of wisp that talks to routers. Every interval it
 * ticks: vouchers past their time expire, plan orders are fulfilled (and at
 * once on NOTIFY between ticks), the heartbeat and the leases on a fair share
 * of the routers are renewed (a dead worker's at once). Each leased router
 * runs on its own schedule on a bounded pool of threads, each with its own
 * database connection (SSH sessions kept open between rounds): health,
 * queued jobs, deleted vouchers removed, vouchers pushed, sessions imported
 * and activations recorded, expired vouchers removed and their sessions
 * kicked. A slow or hung router delays only itself.
 */
#ifndef WISP_WORKER_H
#define WISP_WORKER_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/err.h"

#define WORKER_THREADS 16 /* routers worked on at once */

struct worker_opts {
    int interval_s;              /* between a router's polls, and ticks; 0 = back to back */
    long cycles;                 /* this many cycles that wait for their routers; 0 = until *stop */
    FILE *log;                   /* one line per cycle and per router; NULL = quiet */
    bool embedded;               /* run inside the console */
    volatile sig_atomic_t *stop; /* set to stop within moments (SSH waits see it) and return */
    const char *prometheus_dir;  /* write DIR/wisp.prom every cycle, or NULL */
};

/* Run cycles until opts says stop. 0 when stopped cleanly (routers being down
 * is not an error); -1 only when it could not start at all. */
int worker_run(const struct config *cfg, const struct worker_opts *o, struct werr *e);

/* Live workers (a fresh heartbeat and their database backend there); -1 on error. */
int worker_seen(struct db *db, struct werr *e);

#endif
