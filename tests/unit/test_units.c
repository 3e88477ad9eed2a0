/*
 * test_units.c - durations, sizes, rates and money as operators type them:
 * every accepted form, round trips through the formatters, and the one-line
 * errors for zero, overflow and junk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/units.h"

#define DURATION_HINT "expected e.g. 30m, 1h30m, 1w2d, 00:30:00"

/* An error message is one line that names the input. */
static void
assert_one_line(const struct werr *e, const char *prefix)
{
    assert_int_equal(e->status, WISP_EUSAGE);
    assert_true(strncmp(e->msg, prefix, strlen(prefix)) == 0);
    assert_null(strchr(e->msg, '\n'));
}

/* Parse a duration; -1 on error after checking the message form. */
static int64_t
dur(const char *s)
{
    struct werr e = {0};
    int64_t v = -1;
    char prefix[128];

    if (units_parse_duration(s, &v, &e) < 0) {
        snprintf(prefix, sizeof prefix, "bad duration \"%s\": ", s);
        assert_one_line(&e, prefix);
        assert_non_null(strstr(e.msg, DURATION_HINT));
        return -1;
    }
    assert_int_equal(e.status, 0);
    return v;
}

/* The message for a rejected duration. */
static const char *
dur_msg(const char *s, struct werr *e)
{
    int64_t v = 0;

    assert_int_equal(units_parse_duration(s, &v, e), -1);
    return e->msg;
}

static void
test_duration_units(void **state)
{
    (void)state;
    assert_int_equal(dur("30m"), 1800);
    assert_int_equal(dur("1h30m"), 5400);
    assert_int_equal(dur("1h30m15s"), 5415);
    assert_int_equal(dur("1d"), 86400);
    assert_int_equal(dur("1w"), 604800);
    assert_int_equal(dur("1w2d"), 777600);
    assert_int_equal(dur("1w2d3h"), 788400);
    assert_int_equal(dur("90s"), 90);
    assert_int_equal(dur("1s"), 1);
    assert_int_equal(dur("120m"), 7200);
    assert_int_equal(dur("30m1h"), 5400); /* a sum, in any order */
    assert_int_equal(dur("3600"), 3600);  /* bare seconds */
    assert_int_equal(dur("1"), 1);
    assert_int_equal(dur("007m"), 420);
}

static void
test_duration_clock(void **state)
{
    (void)state;
    assert_int_equal(dur("00:30:00"), 1800);
    assert_int_equal(dur("0:00:01"), 1);
    assert_int_equal(dur("01:02:03"), 3723);
    assert_int_equal(dur("25:00:00"), 90000); /* hours may pass a day without days */
    assert_int_equal(dur("1d 02:00:00"), 93600);
    assert_int_equal(dur("1d02:00:00"), 93600);
    assert_int_equal(dur("1d   02:00:00"), 93600);
    assert_int_equal(dur("1d 23:59:59"), 86400 + 86399);
    assert_int_equal(dur("1w2d03:04:05"), 777600 + 11045); /* RouterOS uptime */
    assert_int_equal(dur("2w 00:00:01"), 1209601);
}

static void
test_duration_errors(void **state)
{
    const char *bad[] = {
        "",
        "1x",
        "1h30",
        "h",
        "m30",
        "-5m",
        "+5m",
        " 5m",
        "5m ",
        "1h 30m",
        "1d ",
        "1d 5h",
        "1M",
        "1H",
        "1.5h",
        "5mm",
        "00:60:00",
        "00:00:60",
        "1:2:3",
        "00:30",
        "00:30:00:00",
        "00:30:00x",
        "1h02:00:00",
        "1d 24:00:00",
        "30m 00:01:00",
        "1d:00:00",
        ":30:00",
        "00:3:00",
        "00:030:00",
        "1 d",
    };
    struct werr e = {0};

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dur(bad[i]) != -1)
            fail_msg("duration \"%s\" was accepted", bad[i]);
    }
    assert_int_equal(units_parse_duration(NULL, &(int64_t){0}, &e), -1); /* NULL reads as "" */
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_string_equal(dur_msg("1x", &e),
                        "bad duration \"1x\": expected e.g. 30m, 1h30m, 1w2d, 00:30:00");
}

static void
test_duration_zero_and_overflow(void **state)
{
    struct werr e = {0};
    const char *zero[] = {"0", "0s", "0w0d0h0m0s", "00:00:00", "0d 00:00:00"};
    const char *big[] = {"9223372036854775808",    "99999999999999999999w", "15250284452472w",
                         "9223372036854775807s1s", "2562047788015216h",     "106751991167301d"};

    (void)state;
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        assert_int_equal(dur(zero[i]), -1);
        assert_non_null(strstr(dur_msg(zero[i], &e), "must be more than zero"));
    }
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        assert_int_equal(dur(big[i]), -1);
        assert_non_null(strstr(dur_msg(big[i], &e), "too large"));
    }
    assert_int_equal(dur("9223372036854775807"), INT64_MAX);
    assert_int_equal(dur("15250284452471w3d15h30m7s"), INT64_MAX);
    assert_int_equal(dur("2562047788015215h"), INT64_C(2562047788015215) * 3600);
}

static void
test_format_duration(void **state)
{
    char buf[64];
    const struct {
        int64_t secs;
        const char *text;
    } cases[] = {
        {1, "1s"},
        {45, "45s"},
        {60, "1m"},
        {90, "1m30s"},
        {3600, "1h"},
        {5400, "1h30m"},
        {7201, "2h1s"},
        {86400, "1d"},
        {788400, "1w2d3h"},
        {2592000, "4w2d"},
        {604861, "1w1m1s"},
        {93600, "1d2h"},
        {INT64_MAX, "15250284452471w3d15h30m7s"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        units_format_duration(cases[i].secs, buf, sizeof buf);
        assert_string_equal(buf, cases[i].text);
    }
    units_format_duration(0, buf, sizeof buf);
    assert_string_equal(buf, "0s");
    units_format_duration(-5, buf, sizeof buf);
    assert_string_equal(buf, "0s");
}

static void
test_format_duration_small_buffer(void **state)
{
    char buf[8];

    (void)state;
    memset(buf, 'X', sizeof buf);
    units_format_duration(788400, buf, 4); /* "1w2d3h" cut to fit */
    assert_string_equal(buf, "1w2");
    assert_int_equal(buf[4], 'X');
    memset(buf, 'X', sizeof buf);
    units_format_duration(788400, buf, 1);
    assert_string_equal(buf, "");
    assert_int_equal(buf[1], 'X');
    units_format_duration(788400, buf, 0); /* writes nothing */
    assert_int_equal(buf[1], 'X');
}

/* format -> parse gives the same number of seconds, over a spread of values. */
static void
test_duration_round_trip(void **state)
{
    char buf[64];
    uint64_t x = 88172645463325252ULL;

    (void)state;
    for (int64_t s = 1; s < 200000; s += 7) {
        units_format_duration(s, buf, sizeof buf);
        assert_int_equal(dur(buf), s);
    }
    for (int i = 0; i < 20000; i++) {
        int64_t s;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17; /* xorshift: fixed, spread values */
        s = (int64_t)(x >> (1 + i % 63));
        if (s == 0)
            continue;
        units_format_duration(s, buf, sizeof buf);
        assert_int_equal(dur(buf), s);
    }
}

/* Parse a size; -1 on error after checking the message form. */
static int64_t
size(const char *s)
{
    struct werr e = {0};
    int64_t v = -1;
    char prefix[128];

    if (units_parse_size(s, &v, &e) < 0) {
        snprintf(prefix, sizeof prefix, "bad size \"%s\": ", s);
        assert_one_line(&e, prefix);
        assert_non_null(strstr(e.msg, "expected e.g. 500M, 5G, 1.5G"));
        return -1;
    }
    return v;
}

static void
test_sizes(void **state)
{
    (void)state;
    assert_int_equal(size("2048"), 2048);
    assert_int_equal(size("1"), 1);
    assert_int_equal(size("1K"), 1024);
    assert_int_equal(size("1k"), 1024);
    assert_int_equal(size("500M"), INT64_C(500) << 20);
    assert_int_equal(size("500m"), INT64_C(500) << 20);
    assert_int_equal(size("5G"), INT64_C(5) << 30);
    assert_int_equal(size("5g"), INT64_C(5) << 30);
    assert_int_equal(size("2T"), INT64_C(2) << 40);
    assert_int_equal(size("2t"), INT64_C(2) << 40);
    /* B and iB after the suffix, any case */
    assert_int_equal(size("10MB"), INT64_C(10) << 20);
    assert_int_equal(size("10mb"), INT64_C(10) << 20);
    assert_int_equal(size("10MiB"), INT64_C(10) << 20);
    assert_int_equal(size("10mib"), INT64_C(10) << 20);
    assert_int_equal(size("5GiB"), INT64_C(5) << 30);
    assert_int_equal(size("1KB"), 1024);
    assert_int_equal(size("512B"), 512);
    assert_int_equal(size("512b"), 512);
}

static void
test_size_decimals(void **state)
{
    (void)state;
    assert_int_equal(size("1.5G"), INT64_C(3) << 29);
    assert_int_equal(size("0.5K"), 512);
    assert_int_equal(size("2.3G"), INT64_C(2469606195)); /* 2469606195.2 rounded */
    assert_int_equal(size("0.1K"), 102);                 /* 102.4 */
    assert_int_equal(size("0.15K"), 154);                /* 153.6 */
    assert_int_equal(size("1.0009765625K"), 1025);       /* exactly 1025 */
    assert_int_equal(size("1.5"), 2);                    /* bytes round half up */
    assert_int_equal(size("1.4"), 1);
    assert_int_equal(size("1.50M"), INT64_C(3) << 19);
    assert_int_equal(size("1.999999999999999T"), INT64_C(2) << 40); /* 15 decimals */
    assert_int_equal(size("1.5GiB"), INT64_C(3) << 29);
}

static void
test_size_errors(void **state)
{
    const char *bad[] = {"",    "G",     "5Q",  "1.G", ".5G",    "-1G",  "+1G",
                         "1 G", " 1G",   "1G ", "1e3", "1.5.5G", "1KBB", "1iB",
                         "1BB", "1GiBB", "1Gi", "1KG", "1,5G",   "0x10", "1.0000000000000000G"};
    struct werr e = {0};
    int64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (size(bad[i]) != -1)
            fail_msg("size \"%s\" was accepted", bad[i]);
    }
    /* zero, or rounded to zero */
    assert_int_equal(size("0"), -1);
    assert_int_equal(size("0G"), -1);
    assert_int_equal(size("0.4"), -1);
    assert_int_equal(units_parse_size("0.0001K", &v, &e), -1);
    assert_non_null(strstr(e.msg, "must be at least one byte"));
    /* the int64 edge */
    assert_int_equal(size("9223372036854775807"), INT64_MAX);
    assert_int_equal(size("9223372036854775807.4"), INT64_MAX);
    assert_int_equal(size("8388607T"), INT64_MAX - ((INT64_C(1) << 40) - 1));
    assert_int_equal(size("8388607.999999T"), INT64_C(9223372036853676296));
    assert_int_equal(units_parse_size("9223372036854775807.5", &v, &e), -1);
    assert_non_null(strstr(e.msg, "too large"));
    assert_int_equal(units_parse_size("8388608T", &v, &e), -1);
    assert_non_null(strstr(e.msg, "too large"));
    assert_int_equal(units_parse_size("99999999999999999999", &v, &e), -1);
    assert_non_null(strstr(e.msg, "too large"));
    assert_int_equal(units_parse_size("5Q", &v, &e), -1);
    assert_string_equal(e.msg,
                        "bad size \"5Q\": expected e.g. 500M, 5G, 1.5G or a number of bytes");
}

static void
test_format_size(void **state)
{
    char buf[32];
    const struct {
        int64_t bytes;
        const char *text;
    } cases[] = {
        {1, "1"},
        {512, "512"},
        {1000, "1000"},
        {1024, "1K"},
        {1025, "1025"},
        {1536, "1.5K"},
        {INT64_C(500) << 20, "500M"},
        {INT64_C(3) << 29, "1.5G"},
        {INT64_C(5) << 30, "5G"},
        {(INT64_C(5) << 30) + 1, "5368709121"},
        {INT64_C(2) << 40, "2T"},
        {INT64_C(5) << 39, "2.5T"},
        {INT64_C(2048) << 40, "2048T"},
        {INT64_MAX, "9223372036854775807"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        units_format_size(cases[i].bytes, buf, sizeof buf);
        assert_string_equal(buf, cases[i].text);
        assert_int_equal(size(buf), cases[i].bytes); /* round trip */
    }
}

static void
test_size_round_trip(void **state)
{
    char buf[32];
    uint64_t x = 0x9E3779B97F4A7C15ULL;

    (void)state;
    for (int i = 0; i < 20000; i++) {
        int64_t b;

        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        b = (int64_t)(x >> (1 + i % 63));
        if (i % 3 == 0) /* values with a suffix: whole or half units */
            b = (b % 100000 + 1) << (9 + 10 * (i % 4));
        if (b <= 0)
            continue;
        units_format_size(b, buf, sizeof buf);
        assert_int_equal(size(buf), b);
    }
}

/* Parse a rate into out; -1 on error. */
static int
rate(const char *s, char *out, size_t n, struct werr *e)
{
    werr_clear(e);
    return units_parse_rate(s, out, n, e);
}

static void
test_rates(void **state)
{
    struct werr e = {0};
    char out[64];
    const char *good[][2] = {
        {"2M/4M", "2M/4M"},
        {"512k/1M", "512k/1M"},
        {"1M", "1M/1M"},
        {"512K/1m", "512k/1M"},
        {"007M/1G", "7M/1G"},
        {"64000", "64000/64000"},
        {"1g/10g", "1G/10G"},
        {"256k/256k", "256k/256k"},
        {"9223372036G", "9223372036G/9223372036G"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (rate(good[i][0], out, sizeof out, &e) != 0)
            fail_msg("rate \"%s\" refused: %s", good[i][0], e.msg);
        assert_string_equal(out, good[i][1]);
    }
}

static void
test_rate_errors(void **state)
{
    struct werr e = {0};
    char out[64];
    const char *bad[] = {"",       "/",       "fast",   "2M/",    "/4M",    "2M/4M/8M",
                         "2X/4M",  "2M /4M",  "2M/ 4M", " 2M/4M", "2M/4M ", "-2M/4M",
                         "2MB/4M", "1.5M/2M", "2M4M",   "M/4M",   "2MM/4M", "2M\n"};
    const char *zero[] = {"0", "0/0", "0M/1M", "1M/0k", "000G"};
    const char *big[] = {"99999999999999999999/1", "9300000000G", "1M/9223372036854776k"};

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (rate(bad[i], out, sizeof out, &e) != -1)
            fail_msg("rate \"%s\" was accepted", bad[i]);
        assert_int_equal(e.status, WISP_EUSAGE);
        assert_true(strncmp(e.msg, "bad rate \"", 10) == 0);
        assert_null(strchr(e.msg, '\n')); /* "2M\n" is shown escaped */
    }
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        assert_int_equal(rate(zero[i], out, sizeof out, &e), -1);
        assert_non_null(strstr(e.msg, "must be more than zero"));
    }
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++) {
        assert_int_equal(rate(big[i], out, sizeof out, &e), -1);
        assert_non_null(strstr(e.msg, "too large"));
    }
    assert_int_equal(rate("2X/4M", out, sizeof out, &e), -1);
    assert_string_equal(e.msg, "bad rate \"2X/4M\": expected RX/TX like 2M/4M or 512k/1M, or one "
                               "rate for both");
    assert_int_equal(rate("2M\n", out, sizeof out, &e), -1);
    assert_non_null(strstr(e.msg, "\"2M\\x0a\""));
    /* a buffer too small for the result is the caller's bug, not the operator's */
    assert_int_equal(rate("2M/4M", out, 5, &e), -1);
    assert_int_equal(e.status, WISP_ERUNTIME);
}

static void
test_money(void **state)
{
    struct werr e = {0};
    char out[32], again[32];
    const char *good[][2] = {
        {"5", "5.00"},
        {"5.5", "5.50"},
        {"5.05", "5.05"},
        {"1000.00", "1000.00"},
        {"0", "0.00"},
        {"0.5", "0.50"},
        {"0000", "0.00"},
        {"007", "7.00"},
        {"0.05", "0.05"},
        {"10.0", "10.00"},
        {"9999999999.99", "9999999999.99"},
        {"00000000001", "1.00"}, /* leading zeros are not digits of the amount */
    };

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        werr_clear(&e);
        if (units_parse_money(good[i][0], out, sizeof out, &e) != 0)
            fail_msg("amount \"%s\" refused: %s", good[i][0], e.msg);
        assert_string_equal(out, good[i][1]);
        /* canonical text parses to itself */
        assert_int_equal(units_parse_money(out, again, sizeof again, &e), 0);
        assert_string_equal(again, good[i][1]);
    }
}

static void
test_money_errors(void **state)
{
    struct werr e = {0};
    char out[32];
    const char *bad[] = {
        "",   "-1", "-0",    "1.234", "abc", "1.",  ".5", "1,5",  "1e3",         " 5",
        "5 ", "+5", "5.5.5", "1.2x",  "NaN", "inf", "$5", "5..0", "12345678901", "10000000000.00",
        NULL};

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        werr_clear(&e);
        if (units_parse_money(bad[i], out, sizeof out, &e) != -1)
            fail_msg("amount \"%s\" was accepted", bad[i]);
        assert_int_equal(e.status, WISP_EUSAGE);
        assert_true(strncmp(e.msg, "bad amount \"", 12) == 0);
    }
    assert_int_equal(units_parse_money("-5", out, sizeof out, &e), -1);
    assert_string_equal(e.msg, "bad amount \"-5\": must not be negative; expected a non-negative "
                               "amount like 5, 5.5 or 1000.00");
    assert_int_equal(units_parse_money("1.234", out, sizeof out, &e), -1);
    assert_non_null(strstr(e.msg, "at most 2 decimals"));
    assert_int_equal(units_parse_money("12345678901", out, sizeof out, &e), -1);
    assert_non_null(strstr(e.msg, "too large"));
    assert_int_equal(units_parse_money("abc", out, sizeof out, &e), -1);
    assert_string_equal(
        e.msg, "bad amount \"abc\": expected a non-negative amount like 5, 5.5 or 1000.00");
    /* too small a buffer for "9999999999.99" */
    assert_int_equal(units_parse_money("9999999999.99", out, 13, &e), -1);
    assert_int_equal(e.status, WISP_ERUNTIME);
    assert_int_equal(units_parse_money("9999999999.99", out, 14, &e), 0);
}

/* Input is quoted safely: long text is cut, quotes and control bytes escaped. */
static void
test_error_quoting(void **state)
{
    struct werr e = {0};
    char longer[200];
    int64_t v;

    (void)state;
    memset(longer, '7', sizeof longer - 2);
    longer[sizeof longer - 2] = 'x';
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(units_parse_size(longer, &v, &e), -1);
    assert_non_null(strstr(e.msg, "777...\": "));
    assert_true(strlen(e.msg) < 160);
    assert_int_equal(units_parse_duration("5\"m\r", &v, &e), -1);
    assert_string_equal(e.msg, "bad duration \"5\\\"m\\x0d\": " DURATION_HINT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_units),
        cmocka_unit_test(test_duration_clock),
        cmocka_unit_test(test_duration_errors),
        cmocka_unit_test(test_duration_zero_and_overflow),
        cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_format_duration_small_buffer),
        cmocka_unit_test(test_duration_round_trip),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_size_decimals),
        cmocka_unit_test(test_size_errors),
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_size_round_trip),
        cmocka_unit_test(test_rates),
        cmocka_unit_test(test_rate_errors),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_money_errors),
        cmocka_unit_test(test_error_quoting),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
