/*
 * subscriber.h - PPPoE subscribers: monthly plans for named customers
 * (subscriber_plans), their logins (subscribers, whose passwords FreeRADIUS
 * reads and wisp never prints), and their payments, which renew the due
 * date. Migration 016; docs/subscribers.md. Every write is one call of a
 * database function that checks the caller's role and writes the audit row
 * in the same transaction. The one file with SQL for these tables.
 */
#ifndef WISP_SUBSCRIBER_H
#define WISP_SUBSCRIBER_H

#include <stdbool.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* A subscriber plan as given on the command line (NULL: not given). */
struct subplan_input {
    const char *price, *rate, *data, *overdue, *slow_rate, *grace, *pool, *profile;
};

/* Make a subscriber plan (admin). */
int subplan_add(struct db *db, const char *name, const struct subplan_input *in, struct werr *e);
/* Change a plan (admin): the fields given ("none" clears rate, data, slow
 * rate, pool, profile); active "true"/"false" enables or disables it (NULL:
 * unchanged). A plan in use is never deleted: disabled, it takes no new
 * subscribers. */
int subplan_edit(struct db *db, const char *name, const struct subplan_input *in,
                 const char *active, struct werr *e);
/* Every subscriber plan, as JSON rows. */
json_t *subplan_list(struct db *db, struct werr *e);

/* A subscriber as given (NULL: not given; "" or "none" clears phone and ip
 * when editing). due is YYYY-MM-DD. */
struct subscriber_input {
    const char *password, *name, *phone, *plan, *due, *ip;
};

/* True for a username RADIUS can look up: 3-64 of letters, digits, . _ @ -,
 * starting with a letter or digit (inside rlm_sql's safe characters). */
bool subscriber_username_ok(const char *user);

/* Add (operator): password, name and plan needed; due defaults to a month
 * from today. Edit (operator): any field. */
int subscriber_add(struct db *db, const char *user, const struct subscriber_input *in,
                   struct werr *e);
int subscriber_edit(struct db *db, const char *user, const struct subscriber_input *in,
                    struct werr *e);

/* The subscribers (never a password), optionally only the unpaid ones;
 * one subscriber with its last payments, or NULL (e set: no such one). */
json_t *subscriber_list(struct db *db, bool overdue, struct werr *e);
json_t *subscriber_show(struct db *db, const char *user, struct werr *e);

/* status: active (resume), suspended or cancelled (operator). Kicks queued
 * for the subscriber's open RADIUS sessions in *kicks. */
int subscriber_set_status(struct db *db, const char *user, const char *status, int *kicks,
                          struct werr *e);

/* Record a payment of amount for months (1..24) and renew: the new due date
 * (YYYY-MM-DD) in due. */
int subscriber_pay(struct db *db, const char *user, const char *amount, const char *months,
                   char *due, size_t n, struct werr *e);

#endif
