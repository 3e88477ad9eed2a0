/*
 * metrics.c - the current figures (see include/wisp/metrics.h): one read-only
 * transaction, so the figures agree with each other.
 */
#include <stdlib.h>

#include "wisp/metrics.h"
#include "wisp/util.h"

/* {key: value} from two-column rows. */
static json_t *
pairs(struct db *db, const char *sql, struct werr *e)
{
    PGresult *r = db_queryv(db, e, sql, 0);
    json_t *o;

    if (!r)
        return NULL;
    o = json_object();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_set_new(o, PQgetvalue(r, i, 0), json_integer(atoll(PQgetvalue(r, i, 1))));
    PQclear(r);
    return o;
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
