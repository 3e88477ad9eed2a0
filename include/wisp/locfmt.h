/*
 * locfmt.h - dates and money as the shop reads them, for people: sheets,
 * tickets, printed reports and tables. The one place that reads the locale
 * (LC_MONETARY, LC_TIME: setlocale in i18n_init) and the money.* settings.
 * JSON and CSV never come here: they keep "1234.50" and ISO 8601 dates.
 */
#ifndef WISP_LOCFMT_H
#define WISP_LOCFMT_H

#include <stddef.h>
#include <time.h>

struct config;

/* A decimal as PostgreSQL writes it ("1234.5", "-3.00") with money.decimals
 * digits after the locale's monetary decimal point and its thousands
 * grouping ("1.234,50" under id_ID, "1234.50" under C), rounded half up.
 * Text that is no decimal ("-", "") is copied as it is. Returns buf. */
const char *locfmt_amount(const struct config *cfg, const char *amount, char *buf, size_t n);

/* A count (1500 vouchers sold) with the locale's thousands grouping
 * (LC_NUMERIC: "1.500" under id_ID, "1500" under C). Returns buf. */
const char *locfmt_count(long long v, char *buf, size_t n);

/* The amount with the currency, as money.format places them
 * ("{currency} {amount}": "KES 1,234.50"; "{amount} {currency}"). */
const char *locfmt_money(const struct config *cfg, const char *amount, char *buf, size_t n);

/* A date, and a date with hour and minute, in the locale's way (%x: 30/11/26
 * under id_ID); ISO 8601 (2026-11-30) under the C and POSIX locales, whose
 * own %x (11/30/26) reads differently around the world. */
const char *locfmt_date(const struct tm *tm, char *buf, size_t n);
const char *locfmt_datetime(const struct tm *tm, char *buf, size_t n);

/* The same for an ISO date "YYYY-MM-DD" (a report's day); anything else is
 * copied as it is. */
const char *locfmt_iso_date(const char *iso, char *buf, size_t n);

#endif
