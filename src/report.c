/*
 * report.c - sales reports (see include/wisp/report.h). One query: the sales,
 * the first logins and the completed orders of the range, each grouped the
 * same way, joined on the group.
 *
 * Revenue is money taken, each sale counted once: every voucher sold (at the
 * counter or by a plan order fulfilled from stock: that order's money is its
 * voucher's price, so the order itself adds nothing), plus the amount of
 * every completed provider order (a top-up or PIN card, which sells no
 * voucher). docs/metrics.md says the same for people.
 *
 * The query reads vouchers, plans, batches and orders: it returns figures
 * of its own, so it lives here rather than with any one of those tables.
 */
#include <stdio.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/report.h"
#include "wisp/util.h"

/* The group expression for each --by over vouchers v (with plans p and
 * batches b) and over orders o; ts is the time column of the fact. */
struct grouping {
    const char *by;
    const char *sold;      /* over the sales */
    const char *activated; /* over the first logins */
    const char *order;     /* over the completed orders */
    const char *order_by;
};

static const struct grouping groupings[] = {
    {"day", "to_char(v.sold_at, 'YYYY-MM-DD')", "to_char(v.first_used_at, 'YYYY-MM-DD')",
     "to_char(o.completed_at, 'YYYY-MM-DD')", "1"},
    {"month", "to_char(v.sold_at, 'YYYY-MM')", "to_char(v.first_used_at, 'YYYY-MM')",
     "to_char(o.completed_at, 'YYYY-MM')", "1"},
    {"plan", "p.name", "p.name", "o.product", "revenue DESC, 1"},
    {"operator", "coalesce(v.sold_by, '-')", "coalesce(v.sold_by, '-')", "o.created_by",
     "revenue DESC, 1"},
    {"router", "coalesce(b.router, '(every router)')", "coalesce(b.router, '(every router)')",
     "CASE WHEN o.voucher_id IS NULL THEN '(provider)' ELSE coalesce(b.router, '(every router)') "
     "END",
     "revenue DESC, 1"},
};

static bool
is_date(const char *s)
{
    int y, m, d, n = 0;

    return s && sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && n == 10 && m >= 1 && m <= 12 &&
           d >= 1 && d <= 31;
}

json_t *
report_sales(struct db *db, const char *from, const char *to, const char *by, struct werr *e)
{
    const struct grouping *g = NULL;
    char *sql;
    json_t *rows;

    for (size_t i = 0; i < sizeof groupings / sizeof groupings[0]; i++)
        if (str_eq(by, groupings[i].by))
            g = &groupings[i];
    if (!g) {
        werr_set(e, WISP_EUSAGE,
                 _("bad --by \"%s\": expected day, month, plan, operator or router"), by);
        return NULL;
    }
    if ((from && !is_date(from)) || (to && !is_date(to))) {
        werr_set(e, WISP_EUSAGE, _("bad date \"%s\": expected YYYY-MM-DD"),
                 from && !is_date(from) ? from : to);
        return NULL;
    }
    sql = xasprintf(
        "WITH r AS (SELECT coalesce($1::date, current_date) AS lo,"
        "                  coalesce($2::date, coalesce($1::date, current_date)) + 1 AS hi),"
        " s AS (SELECT %s AS g, count(*) AS sold, sum(v.price) AS revenue"
        "       FROM vouchers v JOIN plans p ON p.id = v.plan_id JOIN batches b ON b.id = "
        "v.batch_id, r"
        "       WHERE v.sold_at >= r.lo AND v.sold_at < r.hi GROUP BY 1),"
        " a AS (SELECT %s AS g, count(*) AS activated"
        "       FROM vouchers v JOIN plans p ON p.id = v.plan_id JOIN batches b ON b.id = "
        "v.batch_id, r"
        "       WHERE v.first_used_at >= r.lo AND v.first_used_at < r.hi GROUP BY 1),"
        " o AS (SELECT %s AS g, count(*) AS orders,"
        "              count(*) FILTER (WHERE o.provider IS NOT NULL) AS topups,"
        "              sum(o.amount) FILTER (WHERE o.provider IS NOT NULL) AS topup_revenue"
        "       FROM orders o"
        "       LEFT JOIN vouchers v ON v.id = o.voucher_id LEFT JOIN batches b ON b.id = "
        "v.batch_id, r"
        "       WHERE o.status = 'completed' AND o.completed_at >= r.lo AND o.completed_at < r.hi"
        "       GROUP BY 1)"
        " SELECT coalesce(s.g, a.g, o.g) AS \"group\", coalesce(s.sold, 0) AS sold,"
        "  coalesce(o.topups, 0) AS topups,"
        "  (coalesce(s.revenue, 0) + coalesce(o.topup_revenue, 0))::numeric(14, 2) AS revenue,"
        "  coalesce(s.revenue, 0)::numeric(14, 2) AS voucher_revenue,"
        "  coalesce(o.topup_revenue, 0)::numeric(14, 2) AS topup_revenue,"
        "  coalesce(a.activated, 0) AS activated, coalesce(o.orders, 0) AS orders_completed"
        " FROM s FULL JOIN a ON a.g = s.g FULL JOIN o ON o.g = coalesce(s.g, a.g)"
        " ORDER BY %s",
        g->sold, g->activated, g->order, g->order_by);
    rows = db_json_rowsv(db, e, sql, 2, from, to);
    free(sql);
    return rows;
}
