/*
 * units.c - durations, sizes, rates and money as operators type them
 * (see include/wisp/units.h).
 *
 * Every parser walks the text by hand: no strtol (it skips spaces and takes
 * signs), no floating point (1.5G and 5.50 must come out exact). Overflow is
 * checked before each multiply and add, so a long number is refused rather
 * than wrapped. Errors name the input, quoted with control characters escaped
 * so the message stays on one line, and show the expected form.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/units.h"
#include "wisp/util.h"

#define DURATION_HINT "expected e.g. 30m, 1h30m, 1w2d, 00:30:00"
#define SIZE_HINT     "expected e.g. 500M, 5G, 1.5G or a number of bytes"
#define RATE_HINT     "expected RX/TX like 2M/4M or 512k/1M, or one rate for both"
#define MONEY_HINT    "expected a non-negative amount like 5, 5.5 or 1000.00"

/* Decimals kept for a size: 10^15 * 1024 still fits in int64 (see frac_bytes). */
#define SIZE_MAX_DECIMALS 15
/* Integer digits of money: the database column is numeric(12, 2). */
#define MONEY_MAX_DIGITS 10

enum parse_rc {
    PARSE_OK,
    PARSE_SYNTAX, /* not the expected form */
    PARSE_RANGE,  /* the form is right, the number does not fit */
    PARSE_ZERO,   /* the form is right, the value is zero */
};

/* Fill e for a bad `what` (duration, size, ...), with the reason when there is one. */
static int
bad_input(struct werr *e, const char *what, const char *s, const char *reason, const char *hint)
{
    char q[256];

    if (reason != NULL)
        return werr_set(e, WISP_EUSAGE, _("bad %s \"%s\": %s; %s"), what,
                        str_quote(s, 60, q, sizeof q), reason, hint);
    return werr_set(e, WISP_EUSAGE, _("bad %s \"%s\": %s"), what, str_quote(s, 60, q, sizeof q),
                    hint);
}

/* Read one or more decimal digits at *p into *v and advance *p past them. */
static enum parse_rc
read_digits(const char **p, int64_t *v)
{
    const char *q = *p;
    int64_t n = 0;

    if (!isdigit((unsigned char)*q))
        return PARSE_SYNTAX;
    for (; isdigit((unsigned char)*q); q++) {
        int d = *q - '0';

        if (n > (INT64_MAX - d) / 10)
            return PARSE_RANGE;
        n = n * 10 + d;
    }
    *v = n;
    *p = q;
    return PARSE_OK;
}

/* Exactly two digits with a value below 60 (minutes or seconds of a clock). */
static bool
read_sexagesimal(const char **p, int64_t *v)
{
    const char *q = *p;

    if (!isdigit((unsigned char)q[0]) || !isdigit((unsigned char)q[1]) ||
        isdigit((unsigned char)q[2]) || q[0] > '5')
        return false;
    *v = (q[0] - '0') * 10 + (q[1] - '0');
    *p = q + 2;
    return true;
}

/* *total += n * unit, refusing overflow. */
static enum parse_rc
add_scaled(int64_t *total, int64_t n, int64_t unit)
{
    if (n > (INT64_MAX - *total) / unit)
        return PARSE_RANGE;
    *total += n * unit;
    return PARSE_OK;
}

/* The rest of a clock after its hours and ':' ("MM:SS"), added to *total. */
static enum parse_rc
read_clock_tail(const char **p, int64_t hours, int64_t *total)
{
    int64_t min, sec;
    enum parse_rc rc;

    if (!read_sexagesimal(p, &min) || *(*p)++ != ':' || !read_sexagesimal(p, &sec))
        return PARSE_SYNTAX;
    if ((rc = add_scaled(total, hours, 3600)) != PARSE_OK)
        return rc;
    return add_scaled(total, min * 60 + sec, 1);
}

/* The whole duration grammar: a sequence of <n><unit> terms, where the last
 * may instead be a clock "H:MM:SS" when only w and d terms come before it
 * (optionally separated by spaces, as in "1d 02:00:00"), or one bare number
 * of seconds on its own. */
static enum parse_rc
duration_scan(const char *p, int64_t *out)
{
    int64_t total = 0, n;
    bool any_unit = false, small_unit = false;
    enum parse_rc rc;

    if (*p == '\0')
        return PARSE_SYNTAX;
    while (*p != '\0') {
        int64_t unit;

        if ((rc = read_digits(&p, &n)) != PARSE_OK)
            return rc;
        switch (*p) {
        case ':':
            p++;
            /* after days, the hours of a clock are those of one day */
            if (small_unit || (any_unit && n > 23))
                return PARSE_SYNTAX;
            if ((rc = read_clock_tail(&p, n, &total)) != PARSE_OK)
                return rc;
            if (*p != '\0')
                return PARSE_SYNTAX;
            *out = total;
            return PARSE_OK;
        case '\0':
            /* "90" is 90 seconds, but "1h30" could mean 30 minutes or seconds */
            if (any_unit)
                return PARSE_SYNTAX;
            *out = n;
            return PARSE_OK;
        case 'w':
            unit = 7 * 86400;
            break;
        case 'd':
            unit = 86400;
            break;
        case 'h':
            unit = 3600;
            break;
        case 'm':
            unit = 60;
            break;
        case 's':
            unit = 1;
            break;
        default:
            return PARSE_SYNTAX;
        }
        p++;
        if ((rc = add_scaled(&total, n, unit)) != PARSE_OK)
            return rc;
        any_unit = true;
        small_unit = small_unit || unit < 86400;
        if (*p == ' ') {
            /* spaces only between days and a clock: "1d 02:00:00" */
            if (small_unit)
                return PARSE_SYNTAX;
            while (*p == ' ')
                p++;
            if (strchr(p, ':') == NULL)
                return PARSE_SYNTAX;
        }
    }
    *out = total;
    return PARSE_OK;
}

int
units_parse_duration(const char *s, int64_t *secs, struct werr *e)
{
    int64_t total = 0;

    switch (duration_scan(s ? s : "", &total)) {
    case PARSE_SYNTAX:
        return bad_input(e, "duration", s, NULL, DURATION_HINT);
    case PARSE_RANGE:
        return bad_input(e, "duration", s, "too large", DURATION_HINT);
    case PARSE_ZERO:
    case PARSE_OK:
        break;
    }
    if (total <= 0)
        return bad_input(e, "duration", s, "must be more than zero", DURATION_HINT);
    *secs = total;
    return 0;
}

void
units_format_duration(int64_t secs, char *buf, size_t n)
{
    static const struct {
        int64_t secs;
        char unit;
    } units[] = {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t len = 0;

    if (n == 0)
        return;
    if (secs <= 0) {
        snprintf(buf, n, "0s");
        return;
    }
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof units / sizeof units[0] && len < n; i++) {
        if (secs < units[i].secs)
            continue;
        len += (size_t)snprintf(buf + len, n - len, "%" PRId64 "%c", secs / units[i].secs,
                                units[i].unit);
        secs %= units[i].secs;
    }
}

/* The power of 1024 of a size suffix at *p (K M G T, any case, then an
 * optional B or iB), advancing past it: 0 for none or a lone B, -1 when what
 * follows the number is not a suffix. */
static int
size_power(const char **p)
{
    static const char suffixes[] = "KMGT";
    const char *q = *p;
    const char *at = strchr(suffixes, toupper((unsigned char)*q));
    int power = 0;

    if (*q != '\0' && at != NULL) {
        power = (int)(at - suffixes) + 1;
        q++;
        if (toupper((unsigned char)q[0]) == 'I' && toupper((unsigned char)q[1]) == 'B')
            q += 2;
        else if (toupper((unsigned char)q[0]) == 'B')
            q++;
    } else if (toupper((unsigned char)*q) == 'B') {
        q++;
    }
    *p = q;
    return **p == '\0' ? power : -1;
}

/* frac / scale of 1024^power, rounded half up to whole bytes, exactly:
 * long division by 1024 steps keeps every product below 2^63. */
static int64_t
frac_bytes(int64_t frac, int64_t scale, int power)
{
    int64_t q = 0, r = frac;

    for (int i = 0; i < power; i++) {
        q = q * 1024 + r * 1024 / scale;
        r = r * 1024 % scale;
    }
    return q + (2 * r >= scale ? 1 : 0);
}

static enum parse_rc
size_scan(const char *p, int64_t *out)
{
    int64_t whole, frac = 0, scale = 1, unit, part;
    enum parse_rc rc;
    int power, decimals = 0;

    if ((rc = read_digits(&p, &whole)) != PARSE_OK)
        return rc;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return PARSE_SYNTAX;
        for (; isdigit((unsigned char)*p); p++) {
            if (++decimals > SIZE_MAX_DECIMALS)
                return PARSE_SYNTAX;
            frac = frac * 10 + (*p - '0');
            scale *= 10;
        }
    }
    if ((power = size_power(&p)) < 0)
        return PARSE_SYNTAX;
    unit = (int64_t)1 << (10 * power);
    part = frac_bytes(frac, scale, power);
    if (whole > (INT64_MAX - part) / unit)
        return PARSE_RANGE;
    *out = whole * unit + part;
    return PARSE_OK;
}

int
units_parse_size(const char *s, int64_t *bytes, struct werr *e)
{
    int64_t total = 0;

    switch (size_scan(s ? s : "", &total)) {
    case PARSE_SYNTAX:
        return bad_input(e, "size", s, NULL, SIZE_HINT);
    case PARSE_RANGE:
        return bad_input(e, "size", s, "too large", SIZE_HINT);
    case PARSE_ZERO:
    case PARSE_OK:
        break;
    }
    if (total <= 0)
        return bad_input(e, "size", s, "must be at least one byte", SIZE_HINT);
    *bytes = total;
    return 0;
}

void
units_format_size(int64_t bytes, char *buf, size_t n)
{
    static const char suffix[] = "KMGT";

    for (int k = 4; k >= 1 && bytes > 0; k--) {
        int64_t u = (int64_t)1 << (10 * k), rest = bytes % u;

        if (bytes < u)
            continue;
        if (rest == 0) {
            snprintf(buf, n, "%" PRId64 "%c", bytes / u, suffix[k - 1]);
            return;
        }
        /* one decimal only when it is exact (1024 = 2^10: only .5 can be) */
        if (rest * 10 % u == 0) {
            snprintf(buf, n, "%" PRId64 ".%" PRId64 "%c", bytes / u, rest * 10 / u, suffix[k - 1]);
            return;
        }
    }
    snprintf(buf, n, "%" PRId64, bytes);
}

/* One rate of a rate limit: digits and an optional k, M or G (any case),
 * written to buf normalised ("007m" -> "7M"). */
static enum parse_rc
rate_scan(const char *s, size_t len, char *buf, size_t n)
{
    const char *p = s, *end = s + len;
    int64_t v = 0, mult = 1;
    char suffix = '\0';

    if (p == end || !isdigit((unsigned char)*p))
        return PARSE_SYNTAX;
    for (; p < end && isdigit((unsigned char)*p); p++) {
        int d = *p - '0';

        if (v > (INT64_MAX - d) / 10)
            return PARSE_RANGE;
        v = v * 10 + d;
    }
    if (p < end) {
        switch (*p++) {
        case 'k':
        case 'K':
            suffix = 'k', mult = 1000;
            break;
        case 'm':
        case 'M':
            suffix = 'M', mult = 1000000;
            break;
        case 'g':
        case 'G':
            suffix = 'G', mult = 1000000000;
            break;
        default:
            return PARSE_SYNTAX;
        }
        if (p != end)
            return PARSE_SYNTAX;
    }
    if (v > INT64_MAX / mult)
        return PARSE_RANGE;
    if (v == 0)
        return PARSE_ZERO;
    if (suffix != '\0')
        snprintf(buf, n, "%" PRId64 "%c", v, suffix);
    else
        snprintf(buf, n, "%" PRId64, v);
    return PARSE_OK;
}

int
units_parse_rate(const char *s, char *out, size_t n, struct werr *e)
{
    const char *text = s ? s : "", *slash = strchr(text, '/');
    const char *tx = slash ? slash + 1 : text;
    size_t rx_len = slash ? (size_t)(slash - text) : strlen(text);
    size_t tx_len = slash ? strlen(tx) : rx_len;
    char rx_buf[32], tx_buf[32];
    enum parse_rc rc;

    /* RouterOS reads a single rate as the same limit both ways */
    if ((rc = rate_scan(text, rx_len, rx_buf, sizeof rx_buf)) == PARSE_OK)
        rc = rate_scan(tx, tx_len, tx_buf, sizeof tx_buf);
    switch (rc) {
    case PARSE_SYNTAX:
        return bad_input(e, "rate", s, NULL, RATE_HINT);
    case PARSE_RANGE:
        return bad_input(e, "rate", s, "too large", RATE_HINT);
    case PARSE_ZERO:
        return bad_input(e, "rate", s, "must be more than zero", RATE_HINT);
    case PARSE_OK:
        break;
    }
    if ((size_t)snprintf(out, n, "%s/%s", rx_buf, tx_buf) >= n)
        return werr_set(e, WISP_ERUNTIME, _("rate \"%s/%s\" does not fit in %zu bytes"), rx_buf,
                        tx_buf, n);
    return 0;
}

int
units_parse_money(const char *s, char *out, size_t n, struct werr *e)
{
    const char *p = s ? s : "";
    size_t whole = strspn(p, "0123456789"), frac = 0;

    if (*p == '-')
        return bad_input(e, "amount", s, "must not be negative", MONEY_HINT);
    if (whole == 0)
        return bad_input(e, "amount", s, NULL, MONEY_HINT);
    if (p[whole] == '.') {
        frac = strspn(p + whole + 1, "0123456789");
        if (frac > 2 && p[whole + 1 + frac] == '\0')
            return bad_input(e, "amount", s, "at most 2 decimals", MONEY_HINT);
        if (frac == 0 || p[whole + 1 + frac] != '\0')
            return bad_input(e, "amount", s, NULL, MONEY_HINT);
    } else if (p[whole] != '\0') {
        return bad_input(e, "amount", s, NULL, MONEY_HINT);
    }
    /* leading zeros carry no value: "007" is 7 and counts as one digit */
    while (whole > 1 && *p == '0')
        p++, whole--;
    if (whole > MONEY_MAX_DIGITS)
        return bad_input(e, "amount", s, "too large (at most 10 digits before the point)",
                         MONEY_HINT);
    if ((size_t)snprintf(out, n, "%.*s.%.*s%.*s", (int)whole, p, (int)frac,
                         frac ? p + whole + 1 : "", (int)(2 - frac), "00") >= n)
        return werr_set(e, WISP_ERUNTIME, _("amount \"%s\" does not fit in %zu bytes"), s, n);
    return 0;
}

void
units_format_bps(int64_t bps, char *buf, size_t n)
{
    if (bps >= 1000000)
        snprintf(buf, n, "%.1f Mb/s", (double)bps / 1e6);
    else if (bps >= 1000)
        snprintf(buf, n, "%.1f kb/s", (double)bps / 1e3);
    else
        snprintf(buf, n, "%" PRId64 " b/s", bps);
}
