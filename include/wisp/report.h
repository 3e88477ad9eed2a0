/*
 * report.h - sales reports from PostgreSQL (so a router reset loses no sale):
 * vouchers sold and activated, revenue and orders completed, per period or
 * group over a range of days.
 */
#ifndef WISP_REPORT_H
#define WISP_REPORT_H

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* by: day, month, plan, operator or router. from/to: YYYY-MM-DD, both days
 * included (the server's time zone). Rows {group, sold (vouchers), topups
 * (completed provider orders), revenue, voucher_revenue, topup_revenue (text,
 * revenue = the other two), activated, orders_completed (every kind)}, in
 * order; NULL with the reason. A plan order fulfilled from stock is counted
 * once, as the voucher it sold. */
json_t *report_sales(struct db *db, const char *from, const char *to, const char *by,
                     struct werr *e);

#endif
