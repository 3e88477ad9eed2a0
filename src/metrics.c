/*
 * metrics.c - the current figures (see include/wisp/metrics.h): one read-only
 * transaction, so the figures agree with each other.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "wisp/metrics.h"
#include "wisp/util.h"

/* {key: value} from two-column rows. */
static json_t *
pairs(struct db *db, const char *sql, struct werr *e)
{
    return db_pairs_json(db_queryv(db, e, sql, 0));
}

json_t *
metrics_now(struct db *db, struct werr *e)
{
    json_t *m = NULL, *one, *v;

    if (db_execv(db, e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0) < 0)
        return NULL;
    one = db_first_json(db_queryv(
        db, e,
        "SELECT (SELECT count(*) FROM sessions WHERE state = 'active') AS active_sessions,"
        " (SELECT coalesce(sum(rate_in), 0)::bigint FROM sessions WHERE state = 'active') AS "
        "rx_bps,"
        " (SELECT coalesce(sum(rate_out), 0)::bigint FROM sessions WHERE state = 'active') AS "
        "tx_bps,"
        " (SELECT count(*) FROM vouchers WHERE sold_at >= current_date) AS sold_today,"
        " (SELECT coalesce(sum(price), 0)::numeric(14, 2) FROM vouchers"
        "   WHERE sold_at >= current_date) AS revenue_today, now() AS at",
        0));
    if (!one)
        goto fail;
    m = one;
    if (!(v = pairs(db,
                    "SELECT r.name, count(s.id) FROM routers r"
                    " LEFT JOIN sessions s ON s.router_id = r.id AND s.state = 'active'"
                    " GROUP BY r.name ORDER BY r.name",
                    e)))
        goto fail;
    json_object_set_new(m, "per_router", v);
    if (!(v = pairs(db,
                    "SELECT status, count(*) FROM orders WHERE created_at >= current_date"
                    " OR status IN ('pending', 'sent', 'processing') GROUP BY status",
                    e)))
        goto fail;
    json_object_set_new(m, "orders", v);
    if (!(v = pairs(db, "SELECT state, count(*) FROM routers GROUP BY state", e)))
        goto fail;
    json_object_set_new(m, "routers", v);
    /* the heaviest users among the sessions seen in the last 10 minutes */
    if (!(v = db_rows_json(db_queryv(db, e,
                                     "SELECT s.username AS user, s.mac, r.name AS router, "
                                     "s.bytes_in + s.bytes_out AS bytes"
                                     " FROM sessions s JOIN routers r ON r.id = s.router_id"
                                     " WHERE s.last_seen > now() - interval '10 minutes'"
                                     " ORDER BY bytes DESC, s.id LIMIT 10",
                                     0))))
        goto fail;
    json_object_set_new(m, "top_clients", v);
    if (!(v = db_rows_json(db_queryv(
              db, e,
              "SELECT p.name AS plan, count(*) AS sold, sum(v.price)::numeric(14, 2) AS revenue"
              " FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE v.sold_at >= current_date"
              " GROUP BY p.name ORDER BY sold DESC, revenue DESC, p.name LIMIT 10",
              0))))
        goto fail;
    json_object_set_new(m, "top_plans", v);
    db_rollback(db); /* read only: nothing to keep */
    return m;
fail:
    json_decref(m);
    db_rollback(db);
    return NULL;
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void
label(FILE *out, const char *v)
{
    for (; v && *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', out);
        if (*v == '\n') {
            fputs("\\n", out);
            continue;
        }
        fputc(*v, out);
    }
}

static void
head(FILE *out, const char *name, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A gauge per member of a {key: n} object, the key as the label lname. */
static void
by_label(FILE *out, const char *name, const char *help, const char *lname, json_t *o)
{
    const char *k;
    json_t *v;

    head(out, name, help);
    json_object_foreach(o, k, v)
    {
        fprintf(out, "%s{%s=\"", name, lname);
        label(out, k);
        fprintf(out, "\"} %lld\n", (long long)json_integer_value(v));
    }
}

static long long
num(json_t *m, const char *k)
{
    json_t *v = json_object_get(m, k);

    return json_is_integer(v)  ? (long long)json_integer_value(v)
           : json_is_string(v) ? atoll(json_string_value(v))
                               : 0;
}

void
metrics_prometheus(json_t *m, const char *currency, FILE *out)
{
    static const char *const states[] = {"unknown", "up", "down", "hostkey-mismatch",
                                         "maintenance"};
    static const char *const statuses[] = {"pending",   "sent",   "processing",
                                           "completed", "failed", "cancelled"};
    json_t *o, *r;
    size_t i;

    head(out, "wisp_sessions_active", "Hotspot sessions online now.");
    fprintf(out, "wisp_sessions_active %lld\n", num(m, "active_sessions"));
    by_label(out, "wisp_router_sessions_active", "Hotspot sessions online now, per router.",
             "router", json_object_get(m, "per_router"));
    head(out, "wisp_receive_bytes_per_second",
         "Traffic from the clients, summed over the sessions' rates at the last worker cycle.");
    fprintf(out, "wisp_receive_bytes_per_second %lld\n", num(m, "rx_bps") / 8);
    head(out, "wisp_transmit_bytes_per_second",
         "Traffic to the clients, summed over the sessions' rates at the last worker cycle.");
    fprintf(out, "wisp_transmit_bytes_per_second %lld\n", num(m, "tx_bps") / 8);
    head(out, "wisp_vouchers_sold_today", "Vouchers sold since midnight.");
    fprintf(out, "wisp_vouchers_sold_today %lld\n", num(m, "sold_today"));
    head(out, "wisp_revenue_today",
         "Revenue from vouchers sold since midnight, in the currency label.");
    fputs("wisp_revenue_today{currency=\"", out);
    label(out, currency);
    fprintf(out, "\"} %s\n", json_string_value(json_object_get(m, "revenue_today")) ?: "0");
    /* every status and state, zeros included, so series do not come and go */
    o = json_object_get(m, "orders");
    head(out, "wisp_orders", "Orders taken today or still in flight, by status.");
    for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        fprintf(out, "wisp_orders{status=\"%s\"} %lld\n", statuses[i],
                (long long)json_integer_value(json_object_get(o, statuses[i])));
    o = json_object_get(m, "routers");
    head(out, "wisp_routers", "Routers by state.");
    for (i = 0; i < sizeof states / sizeof states[0]; i++)
        fprintf(out, "wisp_routers{state=\"%s\"} %lld\n", states[i],
                (long long)json_integer_value(json_object_get(o, states[i])));
    head(out, "wisp_plan_vouchers_sold_today", "Vouchers sold since midnight, per plan (top 10).");
    json_array_foreach(json_object_get(m, "top_plans"), i, r)
    {
        fputs("wisp_plan_vouchers_sold_today{plan=\"", out);
        label(out, json_string_value(json_object_get(r, "plan")));
        fprintf(out, "\"} %lld\n", num(r, "sold"));
    }
}

int
metrics_export(struct db *db, const char *currency, const char *file, struct werr *e)
{
    json_t *m = metrics_now(db, e);
    char *tmp;
    FILE *f;
    int rc = 0;

    if (!m)
        return -1;
    tmp = xasprintf("%s.tmp%d", file, (int)getpid());
    if ((f = fopen(tmp, "w")) == NULL) {
        rc = werr_set(e, WISP_ERUNTIME, "cannot write %s: %s", tmp, strerror(errno));
    } else {
        metrics_prometheus(m, currency, f);
        if (fclose(f) != 0 || rename(tmp, file) != 0) {
            rc = werr_set(e, WISP_ERUNTIME, "cannot write %s: %s", file, strerror(errno));
            unlink(tmp);
        }
    }
    free(tmp);
    json_decref(m);
    return rc;
}
