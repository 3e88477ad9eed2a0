/*
 * test_units.c - durations, sizes, rates and money as operators type them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/units.h"

static int64_t
dur(const char *s)
{
    struct werr e = {0};
    int64_t v = -1;

    if (units_parse_duration(s, &v, &e) < 0) {
        assert_int_equal(e.status, WISP_EUSAGE);
        assert_non_null(strstr(e.msg, "bad duration"));
        return -1;
    }
    return v;
}

static void
test_durations(void **state)
{
    (void)state;
    assert_int_equal(dur("30m"), 1800);
    assert_int_equal(dur("1h30m"), 5400);
    assert_int_equal(dur("1d"), 86400);
    assert_int_equal(dur("1w2d3h"), 788400);
    assert_int_equal(dur("90s"), 90);
    assert_int_equal(dur("3600"), 3600);
    assert_int_equal(dur("00:30:00"), 1800);
    assert_int_equal(dur("25:00:00"), 90000);
    assert_int_equal(dur("1d 02:00:00"), 93600);
    assert_int_equal(dur("1d02:00:00"), 93600);
    assert_int_equal(dur(""), -1);
    assert_int_equal(dur("0"), -1);
    assert_int_equal(dur("0s"), -1);
    assert_int_equal(dur("1x"), -1);
    assert_int_equal(dur("1h30"), -1); /* ambiguous */
    assert_int_equal(dur("h"), -1);
    assert_int_equal(dur("-5m"), -1);
    assert_int_equal(dur("00:60:00"), -1);
    assert_int_equal(dur("99999999999999999999w"), -1); /* overflow */
    assert_int_equal(dur("1h "), -1);
}

static void
test_format_duration(void **state)
{
    char buf[32];
    int64_t secs[] = {3600, 5400, 788400, 45, 86400, 2592000, 7201};
    const char *want[] = {"1h", "1h30m", "1w2d3h", "45s", "1d", "4w2d", "2h1s"};

    (void)state;
    for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
        units_format_duration(secs[i], buf, sizeof buf);
        assert_string_equal(buf, want[i]);
        assert_int_equal(dur(buf), secs[i]); /* round trip */
    }
    units_format_duration(0, buf, sizeof buf);
    assert_string_equal(buf, "0s");
}

static int64_t
size(const char *s)
{
    struct werr e = {0};
    int64_t v = -1;

    return units_parse_size(s, &v, &e) < 0 ? -1 : v;
}

static void
test_sizes(void **state)
{
    char buf[32];

    (void)state;
    assert_int_equal(size("2048"), 2048);
    assert_int_equal(size("1K"), 1024);
    assert_int_equal(size("500M"), 500LL << 20);
    assert_int_equal(size("5G"), 5LL << 30);
    assert_int_equal(size("5g"), 5LL << 30);
    assert_int_equal(size("1.5G"), 3LL << 29);
    assert_int_equal(size("2T"), 2LL << 40);
    assert_int_equal(size("10MB"), 10LL << 20);
    assert_int_equal(size("10MiB"), 10LL << 20);
    assert_int_equal(size("0"), -1);
    assert_int_equal(size("5Q"), -1);
    assert_int_equal(size("G"), -1);
    assert_int_equal(size("1.G"), -1);
    assert_int_equal(size("-1G"), -1);
    assert_int_equal(size("99999999999T"), -1);
    units_format_size(5LL << 30, buf, sizeof buf);
    assert_string_equal(buf, "5G");
    units_format_size(3LL << 29, buf, sizeof buf);
    assert_string_equal(buf, "1.5G");
    units_format_size(500LL << 20, buf, sizeof buf);
    assert_string_equal(buf, "500M");
    units_format_size(1000, buf, sizeof buf);
    assert_string_equal(buf, "1000");
}

static void
test_rates(void **state)
{
    struct werr e = {0};
    char out[64];

    (void)state;
    assert_int_equal(units_parse_rate("2M/4M", out, sizeof out, &e), 0);
    assert_string_equal(out, "2M/4M");
    assert_int_equal(units_parse_rate("512k/1M", out, sizeof out, &e), 0);
    assert_int_equal(units_parse_rate("1M", out, sizeof out, &e), 0);
    assert_string_equal(out, "1M/1M");
    assert_int_equal(units_parse_rate("fast", out, sizeof out, &e), -1);
    assert_int_equal(units_parse_rate("2M/", out, sizeof out, &e), -1);
    assert_int_equal(units_parse_rate("/4M", out, sizeof out, &e), -1);
    assert_int_equal(units_parse_rate("2X/4M", out, sizeof out, &e), -1);
    assert_non_null(strstr(e.msg, "bad rate"));
}

static void
test_money(void **state)
{
    struct werr e = {0};
    char out[32];
    const char *good[][2] = {{"5", "5.00"},
                             {"5.5", "5.50"},
                             {"1000.00", "1000.00"},
                             {"0", "0.00"},
                             {"007", "7.00"},
                             {"0.05", "0.05"},
                             {"9999999999.99", "9999999999.99"}};
    const char *bad[] = {"", "-1", "1.234", "abc", "1.", ".5", "1,5", "1e3", "12345678901", " 5"};

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(units_parse_money(good[i][0], out, sizeof out, &e), 0);
        assert_string_equal(out, good[i][1]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(units_parse_money(bad[i], out, sizeof out, &e), -1);
        assert_int_equal(e.status, WISP_EUSAGE);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations), cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_sizes),     cmocka_unit_test(test_rates),
        cmocka_unit_test(test_money),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
