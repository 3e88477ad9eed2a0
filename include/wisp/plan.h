/*
 * plan.h - what a voucher sells: price, time, data, speed, validity.
 * Values arrive as operators type them ("1h30m", "5G", "2M/4M", "5.50") and
 * are checked and converted here before they reach SQL.
 */
#ifndef WISP_PLAN_H
#define WISP_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* Raw field text; NULL = not given. For plan_edit, "none" clears an optional field. */
struct plan_input {
    const char *price;
    const char *duration;
    const char *data;
    const char *rate;
    const char *validity;
    const char *shared_users;
    const char *profile;
    const char *lock_mac;      /* "yes" / "no": bind each voucher to its first device */
    const char *low_stock;     /* unsold vouchers below which the plan is low on stock */
    const char *title;         /* shown instead of the name: any script, one line, <= 64 chars */
    const char *template_name; /* the template its vouchers print with (templates/NAME.json) */
};

/* Create a plan (price required). Audited. */
int plan_add(struct db *db, const char *name, const struct plan_input *in, struct werr *e);

/* Change the given fields of a plan. Audited. */
int plan_edit(struct db *db, const char *name, const struct plan_input *in, struct werr *e);

/* Set a plan active or not (inactive plans sell no new batches). Audited. */
int plan_set_active(struct db *db, const char *name, bool active, struct werr *e);

/* All plans as a JSON array: name, price (string), duration_s, data_bytes,
 * rate_limit, validity_s, shared_users, profile, lock_mac, low_stock,
 * active, title, template (null where unset). */
json_t *plan_list(struct db *db, struct werr *e);

/* The template the vouchers of batch (or, with code, that voucher's) print
 * with by their plan: a name, "" for none (malloc'd); NULL on error. */
char *plan_print_template(struct db *db, int64_t batch, const char *code, struct werr *e);

/* Plan name's title (malloc'd), or NULL: no such plan, no title, or a
 * failed read (the name prints instead). */
char *plan_title(struct db *db, const char *name);

/* The active plans' names, sorted, NULL-terminated (free each and the
 * array); NULL on error. */
char **plan_names(struct db *db, struct werr *e);

/* Whether plan name sells (*active): 1 found, 0 no such plan, -1 error. */
int plan_active(struct db *db, const char *name, bool *active, struct werr *e);

/* "1h, 5G, 2M/4M, valid 30d": a plan's limits as one line for cards. */
char *plan_describe(const char *duration_s, const char *data_bytes, const char *rate,
                    const char *validity_s);

#endif
