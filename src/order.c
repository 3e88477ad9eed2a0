/*
 * order.c - orders (see include/wisp/order.h). SQL lives here; the worker
 * decides when to call it. Every write is a call of one of the database's
 * functions (src/schema/007_referee_orders.sql), which check the caller and
 * the transition and audit it: no role here writes the orders table itself,
 * and none reads a PIN but through wisp_order_reveal. The low-stock read
 * counts unsold vouchers per plan for the order pipeline that sells them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/order.h"
#include "wisp/plan.h"
#include "wisp/units.h"
#include "wisp/util.h"

#define ORDER_COLS                                                                                 \
    "o.id, o.channel, o.status, o.product, o.customer, o.extra, o.amount, o.currency, o.paid,"     \
    " o.payment_ref, o.provider, o.provider_ref, (o.status = 'completed') AS has_pin,"             \
    " o.voucher_id, o.attempts, o.checks, o.next_check_at, o.last_error, o.created_at, o.sent_at," \
    " o.last_sync_at, o.completed_at, o.created_by"

static int
check_text(const char *what, const char *v, size_t max, struct werr *e)
{
    if (!v || !*v)
        return werr_set(e, WISP_EUSAGE, _("bad %s: empty, expected 1 to %zu characters"), what,
                        max);
    return text_check(what, v, max, e);
}

int
order_add(struct db *db, const struct order_input *in, int64_t *id, struct werr *e)
{
    char amount[24];
    const char *amt = NULL, *channel = in->channel ? in->channel : "counter";
    bool active = false;
    int found;

    if (check_text("--product", in->product, 64, e) < 0 ||
        check_text("--customer", in->customer, 128, e) < 0 ||
        (in->extra && check_text("--extra", in->extra, 256, e) < 0))
        return -1;
    if (!str_eq(channel, "counter") && !str_eq(channel, "web") && !str_eq(channel, "api"))
        return werr_set(e, WISP_EUSAGE, _("bad --channel \"%s\": expected counter, web or api"),
                        channel);
    if (in->amount) {
        if (units_parse_money(in->amount, amount, sizeof amount, e) < 0)
            return -1;
        amt = amount;
    }
    if (in->provider && (strlen(in->provider) > 32 ||
                         strspn(in->provider, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                              "0123456789_-") != strlen(in->provider)))
        return werr_set(e, WISP_EUSAGE, _("bad --provider \"%s\""), in->provider);
    if (!in->provider) { /* a plan product: say which plans sell (the database checks again) */
        if ((found = plan_active(db, in->product, &active, e)) < 0)
            return -1;
        if (!active)
            return werr_set(e, WISP_ERUNTIME,
                            found ? _("plan \"%s\" is disabled")
                                  : _("no plan named \"%s\" (see `wisp plan list`; a "
                                      "provider product needs --provider)"),
                            in->product);
    }
    return db_i64v(db, e, id, "SELECT wisp_order_add($1, $2, $3, $4::numeric, $5, $6, $7)", 7,
                   in->product, in->customer, channel, amt, in->currency, in->provider,
                   in->extra) < 0
               ? -1
               : 0;
}

json_t *
order_list(struct db *db, const char *status, int64_t limit, struct werr *e)
{
    char lim[24];

    snprintf(lim, sizeof lim, "%" PRId64, limit);
    return db_json_rowsv(db, e,
                         "SELECT " ORDER_COLS " FROM orders o"
                         " LEFT JOIN vouchers v ON v.id = o.voucher_id"
                         " WHERE $1::text IS NULL OR o.status = $1"
                         " ORDER BY o.id DESC LIMIT $2",
                         2, status, lim);
}

json_t *
order_get(struct db *db, int64_t id, struct werr *e)
{
    char ids[24];
    json_t *one;

    snprintf(ids, sizeof ids, "%" PRId64, id);
    werr_clear(e); /* no row leaves e clear */
    one = db_json_firstv(db, e,
                         "SELECT " ORDER_COLS " FROM orders o"
                         " LEFT JOIN vouchers v ON v.id = o.voucher_id WHERE o.id = $1",
                         1, ids);
    if (one == NULL && e->status == 0)
        werr_set(e, WISP_ERUNTIME, _("no order %s (see `wisp order list`)"), ids);
    return one;
}

/* An operator's change of one order: the database's function checks and audits it. */
static int
change(struct db *db, int64_t id, const char *sql, struct werr *e)
{
    char ids[24];

    snprintf(ids, sizeof ids, "%" PRId64, id);
    return db_execv(db, e, sql, 1, ids);
}

int
order_retry(struct db *db, int64_t id, struct werr *e)
{
    return change(db, id, "SELECT wisp_order_retry($1)", e);
}

int
order_cancel(struct db *db, int64_t id, struct werr *e)
{
    return change(db, id, "SELECT wisp_order_cancel($1)", e);
}

int
order_mark_paid(struct db *db, int64_t id, const char *ref, struct werr *e)
{
    char ids[24];

    snprintf(ids, sizeof ids, "%" PRId64, id);
    return db_execv(db, e, "SELECT wisp_order_mark_paid($1, $2)", 2, ids, ref);
}

int
order_fail_unknown(struct db *db, struct werr *e)
{
    int64_t n = 0;

    if (db_i64v(db, e, &n, "SELECT wisp_order_fail_unknown()", 0) < 0)
        return -1;
    return (int)n;
}

int
order_fulfil_one(struct db *db, int64_t *id, int *short_plan, struct werr *e)
{
    struct fulfil_row {
        int64_t order_id;
        int short_plan; /* -1: none short */
    } row;
    static const struct db_field fields[] = {
        DB_COL(struct fulfil_row, order_id, DB_I64),
        DB_COL_NULL(struct fulfil_row, short_plan, DB_INT, -1),
    };
    static const struct db_map map = DB_MAP(struct fulfil_row, fields);
    int found;

    *short_plan = 0;
    /* the whole sale in the database, in one statement's transaction */
    found = db_fetch1v(db, e, &map, &row,
                       "SELECT order_id, voucher_id, short_plan FROM wisp_order_fulfil()", 0);
    if (found <= 0)
        return found;
    if (row.short_plan >= 0) {
        *short_plan = row.short_plan;
        return 0;
    }
    *id = row.order_id;
    return 1;
}

json_t *
order_low_stock(struct db *db, struct werr *e)
{
    return db_json_rowsv(db, e,
                         "SELECT p.name AS plan, count(v.id) AS unsold, p.low_stock"
                         " FROM plans p LEFT JOIN vouchers v ON v.plan_id = p.id"
                         "   AND v.status = 'new'"
                         " WHERE p.active AND p.low_stock IS NOT NULL"
                         " GROUP BY p.id HAVING count(v.id) < p.low_stock ORDER BY p.name",
                         0);
}

/* A row of the take queries (wisp_order_job) into struct order_job. */
static const struct db_field job_fields[] = {
    DB_COL(struct order_job, id, DB_I64),
    DB_COL(struct order_job, provider, DB_BUF),
    DB_COL(struct order_job, product, DB_BUF),
    DB_COL(struct order_job, customer, DB_BUF),
    DB_COL(struct order_job, extra, DB_BUF),
    DB_COL_AS(struct order_job, idem, "idempotency_key", DB_BUF),
    DB_COL_AS(struct order_job, reference, "provider_ref", DB_BUF),
    DB_COL(struct order_job, attempts, DB_INT),
    DB_COL(struct order_job, checks, DB_INT),
    DB_COL_AS(struct order_job, created_at, "created_epoch", DB_I64),
    DB_COL_AS(struct order_job, sent_at, "sent_epoch", DB_I64),
};
static const struct db_map job_map = DB_MAP(struct order_job, job_fields);

/* Fill j from a row of the take queries, the transaction left open: the
 * provider is called between the take and order_record's commit, so this
 * is not db_tx's shape. */
static int
take(struct db *db, struct order_job *j, const char *sql, int n, const char *p1, struct werr *e)
{
    int found;

    memset(j, 0, sizeof *j);
    if (db_begin(db, e) < 0)
        return -1;
    found = db_fetch1v(db, e, &job_map, j, sql, n, p1);
    if (found <= 0)
        db_rollback(db);
    return found;
}

int
order_take_dispatch(struct db *db, struct order_job *j, struct werr *e)
{
    return take(db, j, "SELECT * FROM wisp_order_claim_dispatch()", 0, NULL, e);
}

int
order_take_check(struct db *db, int64_t sweep_since, struct order_job *j, struct werr *e)
{
    char since[24];

    snprintf(since, sizeof since, "%lld", (long long)sweep_since);
    return take(db, j, "SELECT * FROM wisp_order_claim_check($1)", 1, since, e);
}

int
order_record(struct db *db, const struct order_job *j, const struct order_result *r, struct werr *e)
{
    char id[24], next[24];
    const char *sent = r->sent ? "true" : "false", *checked = r->checked ? "true" : "false";
    int rc;

    snprintf(id, sizeof id, "%lld", (long long)j->id);
    snprintf(next, sizeof next, "%lld", (long long)r->next_check);
    if (r->status && str_eq(r->status, "completed"))
        rc = db_execv(db, e, "SELECT wisp_order_complete($1, $2, $3, $4)", 4, id, r->pin, r->ref,
                      checked);
    else if (r->status && str_eq(r->status, "failed"))
        rc = db_execv(db, e, "SELECT wisp_order_fail($1, $2, $3)", 3, id, r->error, checked);
    else
        rc = db_execv(db, e, "SELECT wisp_order_progress($1, $2, $3, $4, $5, $6, $7)", 7, id,
                      r->status, r->ref, r->error, next, sent, checked);
    if (rc < 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db, e);
}

int
order_reveal(struct db *db, int64_t id, char *pin, size_t n, struct werr *e)
{
    struct pin_row {
        char *pin;
    } row;
    static const struct db_field fields[] = {DB_COL(struct pin_row, pin, DB_STR)};
    static const struct db_map map = DB_MAP(struct pin_row, fields);
    char ids[24];

    snprintf(ids, sizeof ids, "%" PRId64, id);
    if (db_fetch1v(db, e, &map, &row, "SELECT wisp_order_reveal($1) AS pin", 1, ids) < 0)
        return -1;
    snprintf(pin, n, "%s", row.pin ? row.pin : "");
    if (row.pin)
        explicit_bzero(row.pin, strlen(row.pin));
    db_row_free(&map, &row);
    return 0;
}

json_t *
order_counts(struct db *db, struct werr *e)
{
    return db_json_pairsv(db, e, "SELECT status, count(*) FROM orders GROUP BY status", 0);
}

/* --- for the worker --- */

struct stock_plan {
    char name[64];
    int64_t low_stock;
};
static const struct db_field stock_fields[] = {
    DB_COL_AS(struct stock_plan, name, "name", DB_BUF),
    DB_COL_AS(struct stock_plan, low_stock, "low_stock", DB_I64),
};
static const struct db_map stock_map = DB_MAP(struct stock_plan, stock_fields);

int
order_stock_plan(struct db *db, int plan_id, char *name, size_t n, int64_t *count, struct werr *e)
{
    struct stock_plan p;
    char id[16];
    int rc;

    snprintf(id, sizeof id, "%d", plan_id);
    rc = db_fetch1v(db, e, &stock_map, &p,
                    "SELECT name, coalesce(low_stock, 0) AS low_stock FROM plans WHERE id = $1", 1,
                    id);
    if (rc == 1) {
        snprintf(name, n, "%s", p.name);
        *count = 2 * p.low_stock < 50 ? 50 : 2 * p.low_stock;
    }
    return rc;
}

int
order_listen(struct db *db, struct werr *e)
{
    return db_execv(db, e, "LISTEN wisp_orders", 0);
}
