/*
 * fulfil.h - the orders the worker carries out: plan orders from voucher
 * stock (a batch made when a plan runs out), and provider orders dispatched
 * and checked at their providers. The SQL is order.h's and voucher.h's;
 * this is the order of the steps and what each outcome means.
 */
#ifndef WISP_FULFIL_H
#define WISP_FULFIL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/log.h"

struct fulfil_env {
    const struct config *cfg;
    volatile sig_atomic_t *stop; /* set: the provider round stops between orders */
    struct logger *log;          /* the worker's */
};

/* Plan orders from stock, one transaction each, until none waits (a batch
 * made, at most three times, when a plan runs out) or FULFIL_BUDGET_MS have
 * gone: the caller's thread also wakes the routers, so a burst of orders
 * never holds up their schedule. FULFIL_MORE when it stopped on its time
 * with orders perhaps left (call again soon), 0 when none waits. */
enum { FULFIL_BUDGET_MS = 200, FULFIL_MORE = 1 };
int fulfil_stock(const struct fulfil_env *env, struct db *db);

/* One provider round: due orders dispatched, those in flight that are due
 * checked (and, every sweep_s, the oldest 100 in flight whatever their
 * schedule; *last_sweep is when that last ran). */
void fulfil_providers(const struct fulfil_env *env, struct db *db, int64_t *last_sweep);

/* The provider round on a thread of its own, beside everything else, with
 * its own connection: started at most once a tick (never while the last
 * one runs), joined before the worker stops. */
struct fulfil_runner {
    const struct fulfil_env *env;
    pthread_t th;
    bool started;
    atomic_bool running;
    struct db db;
    bool db_up;
    int64_t last_sweep;
};
void fulfil_runner_start(struct fulfil_runner *r);
void fulfil_runner_join(struct fulfil_runner *r);
/* Joined, and its connection closed. */
void fulfil_runner_close(struct fulfil_runner *r);

#endif
