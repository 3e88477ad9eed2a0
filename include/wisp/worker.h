/*
 * worker.h - the only part of wisp that talks to routers. Every interval it
 * ticks: vouchers past their time expire, plan orders are fulfilled (and at
 * once on NOTIFY between ticks), the heartbeat and the leases on a fair share
 * of the routers are renewed (a dead worker's at once). Each leased router
 * has a thread of its own and its own schedule, so every due router is
 * waited on at once; the threads share WORKER_DB_CONNS database connections,
 * never holding one across an SSH wait (SSH sessions kept open between
 * rounds). A round: health and sessions in one poll, then queued jobs,
 * deleted vouchers removed, vouchers pushed (bounded per round), expired
 * vouchers removed and their sessions kicked (round.h). A slow or hung
 * router delays only itself. Webhooks are delivered on a thread of their
 * own (webhook.h). Under systemd it notifies (READY, WATCHDOG,
 * STATUS, STOPPING) and logs with priorities. See docs/worker.md.
 */
#ifndef WISP_WORKER_H
#define WISP_WORKER_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/err.h"
#include "wisp/log.h"

#define WORKER_DB_CONNS 8 /* database connections the router threads share */
/* Each tick the worker sends RADIUS routers their Disconnect-Requests (the
 * sessions of expired and disabled vouchers, queued kicks; radius_nas.h):
 * each tried this many times, waiting this long (ms) for the answer. */
#define WORKER_KICK_TIMEOUT_MS 1000
#define WORKER_KICK_TRIES      2
#define WORKER_KICK_LIMIT      200 /* Disconnect-Requests a tick sends at most */

struct worker_opts {
    int interval_s;              /* between a router's polls, and ticks; 0 = back to back */
    long cycles;                 /* this many cycles that wait for their routers; 0 = until *stop */
    FILE *log;                   /* one line per cycle and per router; NULL = quiet */
    enum log_format log_format;  /* LOG_AUTO: journal when log is journald's stream */
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
