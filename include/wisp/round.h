/*
 * round.h - one router's round, as the worker runs it on the router's own
 * thread: load the router (and whether anything waits for it), one poll
 * over SSH (health and sessions), the poll's writes, then only what waits:
 * queued jobs, deleted vouchers removed, vouchers pushed (a bounded amount
 * per round), expired vouchers removed and their sessions kicked.
 *
 * The round never holds a database connection while it waits on the
 * router: each database step checks one out of the pool and gives it back.
 * Every write is keyed so that a repeat does nothing new: a crash or a lost
 * database between steps loses at most the step in flight.
 */
#ifndef WISP_ROUND_H
#define WISP_ROUND_H

#include <pthread.h>
#include <signal.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/dbpool.h"
#include "wisp/driver.h"
#include "wisp/log.h"
#include "wisp/mpath.h"

/* Vouchers pushed to one router per round at most, and no chunk started
 * after half the interval (1 s at least; ROUND_PUSH_MS back to back): a
 * backlog of stock takes several rounds and never delays the router's next
 * poll. */
#define ROUND_PUSH_MAX   2000
#define ROUND_PUSH_MS    3000
#define ROUND_REMOVE_MAX 2000

/* A router's push list is read at least this often (ms) even with no push
 * mark due: a safety net for a mark a race or a hand with psql could miss
 * (src/schema/011_push_marks.sql), bounding what it costs to 10 minutes. */
#define ROUND_PUSH_RECHECK_MS 600000

/* What every round shares (the worker's). */
struct round_env {
    const struct config *cfg;
    volatile sig_atomic_t *stop; /* set: SSH waits end within 100 ms, the round stops */
    struct dbpool *pool;
    int interval_s;
    struct mpath *samples; /* the live figures for Redis, under samples_lock */
    pthread_mutex_t *samples_lock;
    struct logger *log; /* the worker's */
};

/* A router this worker holds, kept between its rounds. */
struct round_slot {
    int id;
    struct rconn conn;        /* its SSH session, kept open */
    char state[20];           /* as last written */
    char name[33];            /* as last loaded */
    json_t *health;           /* the last round's health, NULL when it was down */
    char note[600];           /* the last round's outcome, for the log */
    long long ms;             /* the last round's time */
    unsigned long statements; /* the last round's SQL statements */
    long long push_read_ms;   /* when its push list was last read (ssh_now_ms) */
};

/* One round on s. */
void round_run(const struct round_env *env, struct round_slot *s);

/* Close s's session and free what it holds. */
void round_slot_clear(struct round_slot *s);

#endif
