/*
 * worker.h - the only part of wisp that talks to routers. Each cycle: expire
 * vouchers past their time, take leases on a fair share of the routers, and
 * for each leased router at once (a bounded pool of threads, each with its
 * own database connection; SSH sessions kept open between cycles): health,
 * queued jobs, vouchers pushed, sessions imported and activations recorded,
 * expired vouchers removed and their sessions kicked. Then a heartbeat.
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
    int interval_s;              /* between cycle starts; 0 = back to back */
    long cycles;                 /* stop after this many; 0 = until *stop */
    FILE *log;                   /* one line per cycle and per router; NULL = quiet */
    bool embedded;               /* run inside the console */
    volatile sig_atomic_t *stop; /* set to finish the cycle and return */
    const char *prometheus_dir;  /* write DIR/wisp.prom every cycle, or NULL */
};

/* Run cycles until opts says stop. 0 when stopped cleanly (routers being down
 * is not an error); -1 only when it could not start at all. */
int worker_run(const struct config *cfg, const struct worker_opts *o, struct werr *e);

/* Workers with a heartbeat within 3 of their intervals; -1 on error. */
int worker_seen(struct db *db, struct werr *e);

#endif
