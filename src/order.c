/*
 * order.c - orders (see include/wisp/order.h). SQL lives here; the worker
 * decides when to call it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/audit.h"
#include "wisp/order.h"
#include "wisp/units.h"
#include "wisp/util.h"

#define ORDER_COLS                                                                                 \
    "o.id, o.channel, o.status, o.product, o.customer, o.extra, o.amount, o.currency, o.paid,"     \
    " o.payment_ref, o.provider, o.provider_ref, o.pin, v.code AS voucher, o.attempts, o.checks,"  \
    " o.next_check_at, o.last_error, o.created_at, o.sent_at, o.last_sync_at, o.completed_at,"     \
    " o.created_by"

static int
check_text(const char *what, const char *v, size_t max, struct werr *e)
{
    if (!v || !*v)
        return werr_set(e, WISP_EUSAGE, "bad %s: empty, expected 1 to %zu characters", what, max);
    return text_check(what, v, max, e);
}

int
order_add(struct db *db, const struct order_input *in, int64_t *id, struct werr *e)
{
    char amount[24];
    const char *amt = NULL, *channel = in->channel ? in->channel : "counter";
    PGresult *r;

    if (check_text("--product", in->product, 64, e) < 0 ||
        check_text("--customer", in->customer, 128, e) < 0 ||
        (in->extra && check_text("--extra", in->extra, 256, e) < 0))
        return -1;
    if (!str_eq(channel, "counter") && !str_eq(channel, "web") && !str_eq(channel, "api"))
        return werr_set(e, WISP_EUSAGE, "bad --channel \"%s\": expected counter, web or api",
                        channel);
    if (in->amount) {
        if (units_parse_money(in->amount, amount, sizeof amount, e) < 0)
            return -1;
        amt = amount;
    }
    if (in->provider && (strlen(in->provider) > 32 ||
                         strspn(in->provider, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                              "0123456789_-") != strlen(in->provider)))
        return werr_set(e, WISP_EUSAGE, "bad --provider \"%s\"", in->provider);
    if (db_begin(db, e) < 0)
        return -1;
    if (!in->provider) { /* a plan product: the plan must sell, its price is the default */
        r = db_queryv(db, e, "SELECT price, active FROM plans WHERE name = $1", 1, in->product);
        if (!r)
            goto fail;
        if (PQntuples(r) == 0 || PQgetvalue(r, 0, 1)[0] != 't') {
            werr_set(e, WISP_ERUNTIME,
                     PQntuples(r) ? "plan \"%s\" is disabled"
                                  : "no plan named \"%s\" (see `wisp plan list`; a "
                                    "provider product needs --provider)",
                     in->product);
            PQclear(r);
            goto fail;
        }
        if (!amt) {
            snprintf(amount, sizeof amount, "%s", PQgetvalue(r, 0, 0));
            amt = amount;
        }
        PQclear(r);
    }
    r = db_queryv(
        db, e,
        "INSERT INTO orders (channel, product, customer, extra, amount, currency, provider)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        7, channel, in->product, in->customer, in->extra, amt, in->currency, in->provider);
    if (!r)
        goto fail;
    *id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (audit_log(db, "order.add",
                  json_pack("{s:I, s:s, s:s, s:s?}", "order", (json_int_t)*id, "product",
                            in->product, "customer", in->customer, "provider", in->provider),
                  e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

json_t *
order_list(struct db *db, const char *status, int64_t limit, struct werr *e)
{
    char lim[24];

    snprintf(lim, sizeof lim, "%" PRId64, limit);
    return db_rows_json(db_queryv(db, e,
                                  "SELECT " ORDER_COLS " FROM orders o"
                                  " LEFT JOIN vouchers v ON v.id = o.voucher_id"
                                  " WHERE $1::text IS NULL OR o.status = $1"
                                  " ORDER BY o.id DESC LIMIT $2",
                                  2, status, lim));
}

json_t *
order_get(struct db *db, int64_t id, struct werr *e)
{
    char ids[24];
    PGresult *r;
    json_t *one;

    snprintf(ids, sizeof ids, "%" PRId64, id);
    r = db_queryv(db, e,
                  "SELECT " ORDER_COLS " FROM orders o"
                  " LEFT JOIN vouchers v ON v.id = o.voucher_id WHERE o.id = $1",
                  1, ids);
    if (!r)
        return NULL;
    if ((one = db_first_json(r)) == NULL)
        werr_set(e, WISP_ERUNTIME, "no order %s (see `wisp order list`)", ids);
    return one;
}

/* An operator's change of one order: an UPDATE that must match, audited. */
static int
change(struct db *db, int64_t id, const char *sql, const char *action, const char *refusal,
       struct werr *e)
{
    char ids[24];
    PGresult *r;

    snprintf(ids, sizeof ids, "%" PRId64, id);
    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e, sql, 1, ids);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        PGresult *s = db_queryv(db, e, "SELECT status FROM orders WHERE id = $1", 1, ids);

        if (s && PQntuples(s) == 0)
            werr_set(e, WISP_ERUNTIME, "no order %s (see `wisp order list`)", ids);
        else if (s)
            werr_set(e, WISP_ERUNTIME, "order %s is %s: %s", ids, PQgetvalue(s, 0, 0), refusal);
        if (s)
            PQclear(s);
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    if (audit_log(db, action, json_pack("{s:I}", "order", (json_int_t)id), e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

int
order_retry(struct db *db, int64_t id, struct werr *e)
{
    return change(db, id,
                  "UPDATE orders SET status = 'pending', next_check_at = NULL, last_error = NULL,"
                  " checks = 0 WHERE id = $1 AND status = 'failed' RETURNING id",
                  "order.retry", "only failed orders are retried", e);
}

int
order_cancel(struct db *db, int64_t id, struct werr *e)
{
    return change(
        db, id,
        "UPDATE orders SET status = 'cancelled', next_check_at = NULL"
        " WHERE id = $1 AND status IN ('pending', 'sent', 'processing', 'failed') RETURNING id",
        "order.cancel", "only open or failed orders can be cancelled", e);
}

int
order_fail_unknown(struct db *db, struct werr *e)
{
    PGresult *r =
        db_queryv(db, e,
                  "UPDATE orders o SET status = 'failed', attempts = attempts + 1,"
                  " last_error = 'no active plan named ' || quote_literal(o.product)"
                  " WHERE o.status = 'pending' AND o.provider IS NULL"
                  "   AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.name = o.product AND p.active)"
                  " RETURNING o.id",
                  0);
    int n;

    if (!r)
        return -1;
    n = PQntuples(r);
    PQclear(r);
    return n;
}

int
order_fulfil_one(struct db *db, int64_t *id, int *short_plan, struct werr *e)
{
    PGresult *r;
    char oid[24], pid[16], vid[24], code[64], pname[64];

    *short_plan = 0;
    if (db_begin(db, e) < 0)
        return -1;
    /* the oldest waiting plan order nobody else holds */
    r = db_queryv(db, e,
                  "SELECT o.id, p.id, p.name FROM orders o"
                  " JOIN plans p ON p.name = o.product AND p.active"
                  " WHERE o.status = 'pending' AND o.provider IS NULL"
                  " ORDER BY o.id LIMIT 1 FOR UPDATE OF o SKIP LOCKED",
                  0);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        db_rollback(db);
        return 0;
    }
    snprintf(oid, sizeof oid, "%s", PQgetvalue(r, 0, 0));
    snprintf(pid, sizeof pid, "%s", PQgetvalue(r, 0, 1));
    snprintf(pname, sizeof pname, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    /* an unsold voucher of the plan nobody else holds, those already on a
     * router first (they work at once), sold by the database */
    r = db_queryv(db, e, "SELECT id, code FROM wisp_voucher_sell_next($1)", 1, pname);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        db_rollback(db);
        *short_plan = atoi(pid);
        return 0;
    }
    snprintf(vid, sizeof vid, "%s", PQgetvalue(r, 0, 0));
    snprintf(code, sizeof code, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    if (db_execv(db, e,
                 "UPDATE orders SET status = 'completed', pin = $2, voucher_id = $3,"
                 " attempts = attempts + 1, last_sync_at = now(), last_error = NULL WHERE id = $1",
                 3, oid, code, vid) < 0 ||
        audit_log(db, "order.complete",
                  json_pack("{s:I, s:I}", "order", (json_int_t)strtoll(oid, NULL, 10), "voucher",
                            (json_int_t)strtoll(vid, NULL, 10)),
                  e) < 0)
        goto fail;
    if (db_commit(db, e) < 0)
        return -1;
    *id = strtoll(oid, NULL, 10);
    return 1;
fail:
    db_rollback(db);
    return -1;
}

json_t *
order_low_stock(struct db *db, struct werr *e)
{
    return db_rows_json(
        db_queryv(db, e,
                  "SELECT p.name AS plan, count(v.id) AS unsold, p.low_stock"
                  " FROM plans p LEFT JOIN vouchers v ON v.plan_id = p.id AND v.status = 'new'"
                  " WHERE p.active AND p.low_stock IS NOT NULL"
                  " GROUP BY p.id HAVING count(v.id) < p.low_stock ORDER BY p.name",
                  0));
}

/* Fill j from a row of the take queries, the transaction left open. */
static int
take(struct db *db, struct order_job *j, const char *sql, int n, const char *p1, struct werr *e)
{
    PGresult *r;

    memset(j, 0, sizeof *j);
    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e, sql, n, p1);
    if (!r) {
        db_rollback(db);
        return -1;
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        db_rollback(db);
        return 0;
    }
    j->id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    snprintf(j->provider, sizeof j->provider, "%s", PQgetvalue(r, 0, 1));
    snprintf(j->product, sizeof j->product, "%s", PQgetvalue(r, 0, 2));
    snprintf(j->customer, sizeof j->customer, "%s", PQgetvalue(r, 0, 3));
    snprintf(j->extra, sizeof j->extra, "%s", PQgetvalue(r, 0, 4));
    snprintf(j->idem, sizeof j->idem, "%s", PQgetvalue(r, 0, 5));
    snprintf(j->reference, sizeof j->reference, "%s", PQgetvalue(r, 0, 6));
    j->attempts = atoi(PQgetvalue(r, 0, 7));
    j->checks = atoi(PQgetvalue(r, 0, 8));
    j->created_at = strtoll(PQgetvalue(r, 0, 9), NULL, 10);
    j->sent_at = strtoll(PQgetvalue(r, 0, 10), NULL, 10);
    PQclear(r);
    return 1;
}

#define JOB_COLS                                                                                   \
    "id, provider, product, customer, coalesce(extra, ''), idempotency_key,"                       \
    " coalesce(provider_ref, ''), attempts, checks, extract(epoch FROM created_at)::bigint,"       \
    " coalesce(extract(epoch FROM sent_at)::bigint, 0)"

int
order_take_dispatch(struct db *db, struct order_job *j, struct werr *e)
{
    return take(db, j,
                "SELECT " JOB_COLS " FROM orders WHERE status = 'pending' AND provider IS NOT NULL"
                " AND (next_check_at IS NULL OR next_check_at <= now())"
                " ORDER BY next_check_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED",
                0, NULL, e);
}

int
order_take_check(struct db *db, int64_t sweep_since, struct order_job *j, struct werr *e)
{
    char since[24];

    snprintf(since, sizeof since, "%lld", (long long)sweep_since);
    return take(db, j,
                "SELECT " JOB_COLS " FROM orders WHERE status IN ('sent', 'processing')"
                " AND CASE WHEN $1::bigint > 0"
                "   THEN coalesce(last_sync_at, sent_at) < to_timestamp($1::bigint)"
                "   ELSE next_check_at <= now() END"
                " ORDER BY CASE WHEN $1::bigint > 0 THEN sent_at ELSE next_check_at END, id"
                " LIMIT 1 FOR UPDATE SKIP LOCKED",
                1, since, e);
}

int
order_record(struct db *db, const struct order_job *j, const struct order_result *r, struct werr *e)
{
    char id[24], next[24];

    snprintf(id, sizeof id, "%lld", (long long)j->id);
    snprintf(next, sizeof next, "%lld", (long long)r->next_check);
    if (db_execv(db, e,
                 "UPDATE orders SET status = coalesce($2, status), provider_ref = coalesce($3, "
                 "provider_ref),"
                 " pin = coalesce($4, pin), last_error = $5,"
                 " next_check_at = CASE WHEN $6::bigint > 0 THEN to_timestamp($6::bigint) END,"
                 " sent_at = CASE WHEN $7 THEN now() ELSE sent_at END,"
                 " attempts = attempts + CASE WHEN $8 THEN 0 ELSE 1 END,"
                 " checks = CASE WHEN $7 THEN 0 ELSE checks + CASE WHEN $8 THEN 1 ELSE 0 END END,"
                 " last_sync_at = now() WHERE id = $1",
                 8, id, r->status, r->ref, r->pin, r->error, next, r->sent ? "true" : "false",
                 r->checked ? "true" : "false") < 0) {
        db_rollback(db);
        return -1;
    }
    if (r->status && (str_eq(r->status, "completed") || str_eq(r->status, "failed"))) {
        if (audit_log(db, str_eq(r->status, "completed") ? "order.complete" : "order.fail",
                      json_pack("{s:I, s:s, s:s?}", "order", (json_int_t)j->id, "provider",
                                j->provider, "error", r->error),
                      e) < 0) {
            db_rollback(db);
            return -1;
        }
    }
    return db_commit(db, e);
}

int
order_reveal(struct db *db, int64_t id, char *pin, size_t n, struct werr *e)
{
    char ids[24];
    PGresult *r;

    snprintf(ids, sizeof ids, "%" PRId64, id);
    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e, "SELECT pin FROM orders WHERE id = $1", 1, ids);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0 || PQgetisnull(r, 0, 0)) {
        werr_set(e, WISP_ERUNTIME, PQntuples(r) ? "order %s has no PIN yet" : "no order %s", ids);
        PQclear(r);
        goto fail;
    }
    snprintf(pin, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (audit_log(db, "order.reveal", json_pack("{s:I}", "order", (json_int_t)id), e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

json_t *
order_counts(struct db *db, struct werr *e)
{
    return db_pairs_json(
        db_queryv(db, e, "SELECT status, count(*) FROM orders GROUP BY status", 0));
}
