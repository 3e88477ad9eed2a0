/*
 * locfmt.c - dates and money for people (see include/wisp/locfmt.h).
 *
 * nl_langinfo rather than localeconv: it is safe in threads (the console
 * prints from a runner thread), and it answers for the calling thread's
 * locale, so the worker's threads (i18n_thread_english) format as C.
 */
#define _GNU_SOURCE /* MON_DECIMAL_POINT, MON_THOUSANDS_SEP, MON_GROUPING */
#include <langinfo.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wisp/config.h"
#include "wisp/locfmt.h"
#include "wisp/util.h"

/* Append the digits of v (>= 0) to out, with sep between the groups that
 * grouping gives (POSIX: sizes from the right, the last one repeating,
 * CHAR_MAX or the end ending it). */
static void
grouped(struct sbuf *out, uint64_t v, const char *grouping, const char *sep)
{
    char digits[24], rev[64];
    int nd = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v), nr = 0, in_group = 0;
    const char *g = grouping;
    int size = (*sep && g && *g > 0 && *g != CHAR_MAX) ? *g : 0;
    size_t seplen = strlen(sep);

    for (int i = nd - 1; i >= 0; i--) {
        if (size > 0 && in_group == size) {
            for (size_t k = seplen; k > 0 && nr < (int)sizeof rev - 1; k--)
                rev[nr++] = sep[k - 1];
            in_group = 0;
            if (g[1] == CHAR_MAX)
                size = 0;
            else if (g[1] > 0)
                size = *++g;
        }
        if (nr < (int)sizeof rev - 1)
            rev[nr++] = digits[i];
        in_group++;
    }
    while (nr > 0)
        sb_addc(out, rev[--nr]);
}

const char *
locfmt_amount(const struct config *cfg, const char *amount, char *buf, size_t n)
{
    int dec = cfg ? cfg->money_decimals : 2;
    const char *s = amount ? amount : "", *point = nl_langinfo(MON_DECIMAL_POINT);
    bool neg = *s == '-';
    int64_t v, unit = 1;
    struct sbuf sb = {0};

    for (int i = 0; i < dec; i++)
        unit *= 10;
    if (str_n_to_fixed(s + neg, strlen(s + neg), dec, 0, INT64_MAX / 10, &v) < 0) {
        snprintf(buf, n, "%s", s);
        return buf;
    }
    if (neg && v != 0)
        sb_addc(&sb, '-');
    grouped(&sb, (uint64_t)(v / unit), nl_langinfo(MON_GROUPING), nl_langinfo(MON_THOUSANDS_SEP));
    if (dec > 0) {
        sb_add(&sb, point && *point ? point : ".");
        sb_printf(&sb, "%0*lld", dec, (long long)(v % unit));
    }
    snprintf(buf, n, "%s", sb.buf ? sb.buf : "");
    sb_free(&sb);
    return buf;
}

const char *
locfmt_count(long long v, char *buf, size_t n)
{
    struct sbuf sb = {0};

    if (v < 0)
        sb_addc(&sb, '-');
    grouped(&sb, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, nl_langinfo(GROUPING),
            nl_langinfo(THOUSANDS_SEP));
    snprintf(buf, n, "%s", sb.buf ? sb.buf : "");
    sb_free(&sb);
    return buf;
}

const char *
locfmt_money(const struct config *cfg, const char *amount, char *buf, size_t n)
{
    const char *fmt = cfg && cfg->money_format ? cfg->money_format : "{currency} {amount}";
    char num[64];
    struct sbuf sb = {0};

    locfmt_amount(cfg, amount, num, sizeof num);
    for (const char *p = fmt; *p;) {
        if (str_starts(p, "{amount}")) {
            sb_add(&sb, num);
            p += strlen("{amount}");
        } else if (str_starts(p, "{currency}")) {
            sb_add(&sb, cfg && cfg->currency ? cfg->currency : "");
            p += strlen("{currency}");
        } else {
            sb_addc(&sb, *p++);
        }
    }
    snprintf(buf, n, "%s", sb.buf ? sb.buf : "");
    sb_free(&sb);
    return buf;
}

/* %x is the locale's own choice, two-digit years included: the shop's. */
#pragma GCC diagnostic ignored "-Wformat-y2k"

/* The C and POSIX locales' date format, which wisp shows as ISO 8601. */
static bool
c_dates(void)
{
    return str_eq(nl_langinfo(D_FMT), "%m/%d/%y");
}

const char *
locfmt_date(const struct tm *tm, char *buf, size_t n)
{
    if (strftime(buf, n, c_dates() ? "%Y-%m-%d" : "%x", tm) == 0 && n)
        buf[0] = '\0';
    return buf;
}

const char *
locfmt_datetime(const struct tm *tm, char *buf, size_t n)
{
    if (strftime(buf, n, c_dates() ? "%Y-%m-%d %H:%M" : "%x %H:%M", tm) == 0 && n)
        buf[0] = '\0';
    return buf;
}

const char *
locfmt_iso_date(const char *iso, char *buf, size_t n)
{
    struct tm tm = {0};
    int used = 0;

    if (iso && sscanf(iso, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &used) == 3 &&
        used == 10 && iso[10] == '\0' && tm.tm_mon >= 1 && tm.tm_mon <= 12) {
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        return locfmt_date(&tm, buf, n);
    }
    snprintf(buf, n, "%s", iso ? iso : "");
    return buf;
}
