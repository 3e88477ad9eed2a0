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

/* Orders newest first (status NULL = all), at most limit. */
json_t *order_list(struct db *db, const char *status, int64_t limit, struct werr *e);
/* One order with everything known of it. */
json_t *order_get(struct db *db, int64_t id, struct werr *e);

/* A failed order back to pending (its next dispatch or sale starts now). Audited. */
int order_retry(struct db *db, int64_t id, struct werr *e);
/* Cancel an order that is not completed. Audited. */
int order_cancel(struct db *db, int64_t id, struct werr *e);

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

#endif
