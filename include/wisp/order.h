/*
 * order.h - customer orders: intake, the operator's actions, and fulfilment
 * of plan products from voucher stock (the worker's job), each exactly once:
 * one transaction per order with its rows locked (FOR UPDATE SKIP LOCKED),
 * so any number of workers and a crash at any point never sell a voucher
 * twice or complete an order twice.
 */
#ifndef WISP_ORDER_H
#define WISP_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

struct order_input {
    const char *product;  /* a plan name, or the provider's product code */
    const char *customer; /* phone or account id */
    const char *provider; /* NULL: a plan product */
    const char *extra;
    const char *amount; /* NULL: the plan's price (plan products) */
    const char *currency;
    const char *channel; /* counter (default), web, api */
};

/* Take an order; its id in *id. Plan products must name an active plan. Audited. */
int order_add(struct db *db, const struct order_input *in, int64_t *id, struct werr *e);

/* Orders newest first (status NULL = all), at most limit; never a PIN (has_pin
 * says whether there is one to reveal). */
json_t *order_list(struct db *db, const char *status, int64_t limit, struct werr *e);
/* One order with everything known of it but its PIN (see order_reveal). */
json_t *order_get(struct db *db, int64_t id, struct werr *e);

/* A failed order back to pending (its next dispatch or sale starts now). Audited. */
int order_retry(struct db *db, int64_t id, struct werr *e);
/* Cancel an order that is not completed. Audited. */
int order_cancel(struct db *db, int64_t id, struct werr *e);
/* A payment arrived for an order (ref: the payment's reference, may be NULL);
 * once. Audited. */
int order_mark_paid(struct db *db, int64_t id, const char *ref, struct werr *e);

/* An order's PIN for a person to read (the console masks it until then): the
 * only way to a PIN, for operators and admins. Audited. */
int order_reveal(struct db *db, int64_t id, char *pin, size_t n, struct werr *e);

/* {"pending": N, "completed": N, ...}: orders by status. */
json_t *order_counts(struct db *db, struct werr *e);

/* The worker: fulfil one pending plan order from stock, in one transaction.
 * 1 when one was completed (its id in *id), 0 when none is waiting, -1 on
 * error. When the plan has no unsold voucher left, *short_plan names it
 * (a plan id, 0 otherwise) and nothing changes: make stock, call again. */
int order_fulfil_one(struct db *db, int64_t *id, int *short_plan, struct werr *e);

/* Pending plan orders whose product is no active plan: failed, saying so.
 * Returns how many. */
int order_fail_unknown(struct db *db, struct werr *e);

/* Plans whose unsold stock is below their low_stock, as [{plan, unsold, low_stock}]. */
json_t *order_low_stock(struct db *db, struct werr *e);

/* --- provider orders (the worker) --- */

/* An order in the worker's hands, its row locked in an open transaction
 * until order_record commits (or db_rollback lets go). */
struct order_job {
    int64_t id;
    char provider[33], product[65], customer[129], extra[257], idem[64], reference[128];
    int attempts, checks;
    int64_t created_at, sent_at; /* epoch seconds; sent_at 0 before dispatch */
};

/* Take the oldest provider order due for dispatch (pending, next_check_at
 * passed or unset). 1 taken, 0 none, -1 error. */
int order_take_dispatch(struct db *db, struct order_job *j, struct werr *e);
/* Take the oldest in-flight order (sent or processing) due for a check; with
 * sweep_since > 0, any in-flight order not synced since then (the sweep). */
int order_take_check(struct db *db, int64_t sweep_since, struct order_job *j, struct werr *e);

/* What came of it, committed. status: the new status (NULL: as it was); ref, pin, error may be
 * NULL (ref NULL keeps it); next_check 0 = none; sent: it was dispatched now;
 * checked: it was a status check. */
struct order_result {
    const char *status, *ref, *pin, *error;
    int64_t next_check;
    bool sent, checked;
};
int order_record(struct db *db, const struct order_job *j, const struct order_result *r,
                 struct werr *e);

/* --- for the worker --- */

/* What to make when plan_id runs out with orders waiting: its name and
 * twice its low-stock mark (at least 50). 1 found, 0 no such plan, -1 error. */
int order_stock_plan(struct db *db, int plan_id, char *name, size_t n, int64_t *count,
                     struct werr *e);

/* Be told (NOTIFY wisp_orders, see db_wait_notify) when an order is taken. */
int order_listen(struct db *db, struct werr *e);

#endif
