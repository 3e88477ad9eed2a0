/*
 * units.c - durations, sizes, rates and money as operators type them
 * (see include/wisp/units.h). Nothing here uses floating point for money.
 */
#include <ctype.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wisp/units.h"

#define DURATION_HINT "expected e.g. 30m, 1h30m, 1w2d, 90s or 00:30:00"
#define SIZE_HINT     "expected e.g. 500M, 5G, 1.5G or a number of bytes"

/* Read digits into *v; false on none or overflow. */
static bool
read_uint(const char **p, int64_t *v)
{
    const char *s = *p;

    *v = 0;
    if (!isdigit((unsigned char)*s))
        return false;
    while (isdigit((unsigned char)*s)) {
        if (*v > (INT64_MAX - (*s - '0')) / 10)
            return false;
        *v = *v * 10 + (*s++ - '0');
    }
    *p = s;
    return true;
}

/* "HH:MM:SS" (hours may exceed 24) at *p. */
static bool
read_clock(const char **p, int64_t *secs)
{
    int64_t h, m, s;
    const char *q = *p;

    if (!read_uint(&q, &h) || *q++ != ':' || !read_uint(&q, &m) || *q++ != ':' ||
        !read_uint(&q, &s) || m > 59 || s > 59 || h > INT64_MAX / 3600 - 1)
        return false;
    *secs = h * 3600 + m * 60 + s;
    *p = q;
    return true;
}

int
units_parse_duration(const char *s, int64_t *secs, struct werr *e)
{
    const char *p = s ? s : "";
    int64_t total = 0, n, clock;
    bool any = false;

    if (strchr(p, ':')) {
        /* "00:30:00", "1d 02:00:00", "1d02:00:00" */
        const char *q = p;
        int64_t days = 0;

        if (strchr(q, 'd')) {
            if (!read_uint(&q, &days) || *q++ != 'd')
                goto bad;
            while (*q == ' ')
                q++;
        }
        if (!read_clock(&q, &clock) || *q != '\0' || days > INT64_MAX / 86400 - 1)
            goto bad;
        total = days * 86400 + clock;
    } else {
        while (*p) {
            int64_t unit;

            if (!read_uint(&p, &n))
                goto bad;
            switch (*p) {
            case 'w':
                unit = 604800;
                p++;
                break;
            case 'd':
                unit = 86400;
                p++;
                break;
            case 'h':
                unit = 3600;
                p++;
                break;
            case 'm':
                unit = 60;
                p++;
                break;
            case 's':
                unit = 1;
                p++;
                break;
            case '\0':
                if (any)
                    goto bad; /* "1h30" is ambiguous */
                unit = 1;
                break;
            default:
                goto bad;
            }
            if (n > (INT64_MAX - total) / unit)
                goto bad;
            total += n * unit;
            any = true;
        }
    }
    if (total <= 0)
        goto bad;
    *secs = total;
    return 0;
bad:
    return werr_set(e, WISP_EUSAGE, "bad duration \"%s\": %s", s ? s : "", DURATION_HINT);
}

void
units_format_duration(int64_t secs, char *buf, size_t n)
{
    static const struct {
        int64_t secs;
        char unit;
    } units[] = {{604800, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t len = 0;

    if (n == 0)
        return;
    buf[0] = '\0';
    if (secs <= 0) {
        snprintf(buf, n, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (secs < units[i].secs)
            continue;
        len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%" PRId64 "%c",
                                secs / units[i].secs, units[i].unit);
        secs %= units[i].secs;
        if (len >= n)
            return;
    }
}

/* 1024^k for the suffix at *p (K M G T, any case), advancing past it and an
 * optional B/iB; 1 when there is none; 0 when it is not a suffix. */
static int64_t
size_unit(const char **p)
{
    int64_t u;

    switch (toupper((unsigned char)**p)) {
    case 'K':
        u = 1LL << 10;
        break;
    case 'M':
        u = 1LL << 20;
        break;
    case 'G':
        u = 1LL << 30;
        break;
    case 'T':
        u = 1LL << 40;
        break;
    case 'B':
        (*p)++;
        return 1;
    case '\0':
        return 1;
    default:
        return 0;
    }
    (*p)++;
    if (**p == 'i' && toupper((unsigned char)(*p)[1]) == 'B')
        *p += 2;
    else if (toupper((unsigned char)**p) == 'B')
        (*p)++;
    return u;
}

int
units_parse_size(const char *s, int64_t *bytes, struct werr *e)
{
    const char *p = s ? s : "";
    int64_t whole, frac = 0, scale = 1, unit;

    if (!read_uint(&p, &whole))
        goto bad;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            goto bad;
        while (isdigit((unsigned char)*p)) {
            if (scale < 1000000000)
                frac = frac * 10 + (*p - '0'), scale *= 10;
            p++;
        }
    }
    if ((unit = size_unit(&p)) == 0 || *p != '\0')
        goto bad;
    if (whole > INT64_MAX / unit)
        goto bad;
    /* fraction of a unit, rounded to whole bytes; unit <= 2^40 and frac < 10^9
     * keep frac * unit below 2^70 - so divide first when it could overflow */
    *bytes = whole * unit + (int64_t)(((__int128)frac * unit + scale / 2) / scale);
    if (*bytes <= 0)
        goto bad;
    return 0;
bad:
    return werr_set(e, WISP_EUSAGE, "bad size \"%s\": %s", s ? s : "", SIZE_HINT);
}

void
units_format_size(int64_t bytes, char *buf, size_t n)
{
    static const char suffix[] = "KMGT";

    for (int k = 4; k >= 1; k--) {
        int64_t u = 1LL << (10 * k);

        if (bytes < u)
            continue;
        if (bytes % u == 0) {
            snprintf(buf, n, "%" PRId64 "%c", bytes / u, suffix[k - 1]);
            return;
        }
        if ((bytes * 10) % u == 0 && bytes < INT64_MAX / 10) {
            snprintf(buf, n, "%" PRId64 ".%" PRId64 "%c", bytes / u, (bytes * 10 / u) % 10,
                     suffix[k - 1]);
            return;
        }
    }
    snprintf(buf, n, "%" PRId64, bytes);
}

/* One rate: digits with an optional k, M or G. */
static bool
valid_rate(const char *s, size_t len)
{
    size_t i = 0;

    while (i < len && isdigit((unsigned char)s[i]))
        i++;
    if (i == 0 || (s[0] == '0' && i == len))
        return false;
    if (i < len && strchr("kKMG", s[i]))
        i++;
    return i == len;
}

int
units_parse_rate(const char *s, char *out, size_t n, struct werr *e)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    size_t len = s ? strlen(s) : 0;

    if (slash == NULL) {
        if (!valid_rate(s ? s : "", len))
            goto bad;
        snprintf(out, n, "%s/%s", s, s);
        return 0;
    }
    if (!valid_rate(s, (size_t)(slash - s)) || !valid_rate(slash + 1, strlen(slash + 1)))
        goto bad;
    snprintf(out, n, "%s", s);
    return 0;
bad:
    return werr_set(e, WISP_EUSAGE, "bad rate \"%s\": expected RX/TX like 2M/4M or 512k/1M",
                    s ? s : "");
}

int
units_parse_money(const char *s, char *out, size_t n, struct werr *e)
{
    const char *p = s ? s : "";
    size_t whole = strspn(p, "0123456789"), frac = 0;

    if (whole == 0 || whole > 10)
        goto bad;
    if (p[whole] == '.') {
        frac = strspn(p + whole + 1, "0123456789");
        if (frac == 0 || frac > 2 || p[whole + 1 + frac] != '\0')
            goto bad;
    } else if (p[whole] != '\0') {
        goto bad;
    }
    while (whole > 1 && *p == '0') /* "007" -> "7" */
        p++, whole--;
    snprintf(out, n, "%.*s.%.*s%.*s", (int)whole, p, (int)frac, frac ? p + whole + 1 : "",
             (int)(2 - frac), "00");
    return 0;
bad:
    return werr_set(e, WISP_EUSAGE,
                    "bad price \"%s\": expected a non-negative decimal like 5, 5.5 or 1000.00",
                    s ? s : "");
}
