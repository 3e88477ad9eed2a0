/*
 * test_numbers.c - the strict number helpers in util (str_to_i64,
 * str_n_to_i64, str_n_to_fixed, i64_add, i64_mul) that every number from
 * outside wisp goes through: no spaces, signs, exponents, nan or inf, and
 * nothing wrapped or cut to fit; and the config's numbers, read with them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/config.h"
#include "wisp/util.h"

static void
test_integers(void **state)
{
    /* what strtoll took and wisp must not: spaces, '+', a wrapped value */
    static const char *const bad[] = {"",
                                      " 5",
                                      "5 ",
                                      "+5",
                                      "\t5",
                                      "5\n",
                                      "-",
                                      "--5",
                                      "0x10",
                                      "1e3",
                                      "nan",
                                      "inf",
                                      "5.0",
                                      "9223372036854775808",
                                      "-9223372036854775809",
                                      "99999999999999999999999",
                                      NULL};
    int64_t v = 7;

    (void)state;
    assert_int_equal(str_to_i64("42", 0, 100, &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(str_to_i64("9223372036854775807", 0, INT64_MAX, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(str_to_i64("-9223372036854775808", INT64_MIN, 0, &v), 0);
    assert_true(v == INT64_MIN);
    v = 7;
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(str_to_i64(bad[i], INT64_MIN, INT64_MAX, &v), -1);
        assert_int_equal(v, 7); /* untouched */
    }
    assert_int_equal(str_to_i64(NULL, 0, 1, &v), -1);
    /* a minus sign only where negatives may be */
    assert_int_equal(str_to_i64("-1", 0, 10, &v), -1);
    assert_int_equal(str_to_i64("-0", 0, 10, &v), -1);
    assert_int_equal(str_to_i64("11", 0, 10, &v), -1);
    /* a slice of a longer text */
    assert_int_equal(str_n_to_i64("123,456", 3, 0, 1000, &v), 0);
    assert_int_equal(v, 123);
    assert_int_equal(str_n_to_i64("123,456", 4, 0, 1000, &v), -1);
    assert_int_equal(str_n_to_i64("", 0, 0, 1000, &v), -1);
}

static void
test_fixed(void **state)
{
    static const char *const bad[] = {"",
                                      ".5",
                                      "5.",
                                      "-1",
                                      "+1",
                                      " 1",
                                      "1 ",
                                      "1e3",
                                      "nan",
                                      "inf",
                                      "1.2.3",
                                      "1,5",
                                      "0x1p3",
                                      "9223372036854775808",
                                      "92233720368547758.08",
                                      NULL};
    int64_t v = 7;

    (void)state;
    assert_int_equal(str_n_to_fixed("0.52", 4, 2, 0, 10000, &v), 0);
    assert_int_equal(v, 52);
    assert_int_equal(str_n_to_fixed("12345.67", 8, 0, 0, INT64_MAX, &v), 0);
    assert_int_equal(v, 12346); /* rounded half up */
    assert_int_equal(str_n_to_fixed("1.005", 5, 2, 0, 1000, &v), 0);
    assert_int_equal(v, 101);
    assert_int_equal(str_n_to_fixed("2", 1, 3, 0, INT64_MAX, &v), 0);
    assert_int_equal(v, 2000);
    assert_int_equal(str_n_to_fixed("40.2", 4, 3, 0, INT64_MAX, &v), 0);
    assert_int_equal(v, 40200);
    v = 7;
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(str_n_to_fixed(bad[i], strlen(bad[i]), 2, 0, INT64_MAX, &v), -1);
        assert_int_equal(v, 7);
    }
    /* out of [min, max] after scaling */
    assert_int_equal(str_n_to_fixed("1.01", 4, 2, 0, 100, &v), -1);
    /* rounding up past the maximum is out of range too */
    assert_int_equal(str_n_to_fixed("9223372036854775807.5", 21, 0, 0, INT64_MAX, &v), -1);
}

static void
test_arithmetic(void **state)
{
    int64_t v = 7;

    (void)state;
    assert_int_equal(i64_add(INT64_MAX - 1, 1, &v), 0);
    assert_true(v == INT64_MAX);
    assert_int_equal(i64_add(INT64_MAX, 1, &v), -1);
    assert_true(v == INT64_MAX);
    assert_int_equal(i64_add(INT64_MIN, -1, &v), -1);
    assert_int_equal(i64_mul(3037000499LL, 3037000499LL, &v), 0);
    assert_int_equal(i64_mul(3037000500LL, 3037000500LL, &v), -1);
    assert_int_equal(i64_mul(INT64_MIN, -1, &v), -1);
    assert_int_equal(i64_mul(15250284452471LL, 604800, &v), 0); /* weeks */
    assert_int_equal(i64_mul(15250284452472LL, 604800, &v), -1);
}

static void
test_config_numbers(void **state)
{
    static const char *const bad[] = {
        " 5", "5 ", "+5", "-0", "1e1", "0x10", "86401", "99999999999999999999", NULL};
    struct config cfg;
    struct werr e = {0};

    (void)state;
    config_init(&cfg);
    assert_int_equal(config_set(&cfg, "worker.interval", "86400", "test", &e), 0);
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(config_set(&cfg, "worker.interval", bad[i], "test", &e), -1);
        assert_int_equal(config_set(&cfg, "ssh.command_timeout", bad[i], "test", &e), -1);
    }
    assert_int_equal(cfg.worker_interval, 86400);
    config_free(&cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_config_numbers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
