/*
 * test_codegen.c - charsets, the room check, and that codes are uniform over
 * their charset (rejection sampling, no modulo bias).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/codegen.h"

static void
test_named_charsets(void **state)
{
    struct werr e = {0};
    char *cs;

    (void)state;
    cs = codegen_charset("digits", &e);
    assert_string_equal(cs, "0123456789");
    free(cs);
    cs = codegen_charset("alnum", &e);
    assert_int_equal(strlen(cs), 32);
    assert_null(strpbrk(cs, "0O1lIo"));
    free(cs);
    cs = codegen_charset("lower", &e);
    assert_int_equal(strlen(cs), 24);
    assert_null(strpbrk(cs, "lo"));
    free(cs);
    cs = codegen_charset("upper", &e);
    assert_int_equal(strlen(cs), 24);
    assert_null(strpbrk(cs, "IO"));
    free(cs);
    assert_string_equal(CODEGEN_DEFAULT_CHARSET, "alnum");
}

static void
test_literal_charsets(void **state)
{
    struct werr e = {0};
    char *cs;

    (void)state;
    cs = codegen_charset("XYZ", &e);
    assert_string_equal(cs, "XYZ");
    free(cs);
    assert_null(codegen_charset("X", &e));
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_null(codegen_charset("AAB", &e));        /* repeat */
    assert_null(codegen_charset("a b", &e));        /* space */
    assert_null(codegen_charset("ab\xc3\xa9", &e)); /* non-ASCII */
    assert_null(codegen_charset("", &e));
}

static void
test_space_check(void **state)
{
    struct werr e = {0};

    (void)state;
    assert_int_equal(codegen_check_space(10, 4, 100, &e), 0); /* 10000 >= 100*100 */
    assert_int_equal(codegen_check_space(10, 4, 101, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_int_equal(codegen_check_space(10, 4, 1000, &e), -1);
    assert_non_null(strstr(e.msg, "raise --length to 5"));
    assert_int_equal(codegen_check_space(10, 4, 100000, &e), -1);
    assert_non_null(strstr(e.msg, "raise --length to 7"));
    assert_int_equal(codegen_check_space(32, 8, 100000, &e), 0);
    assert_int_equal(codegen_check_space(32, 3, 1, &e), -1);
    assert_non_null(strstr(e.msg, "4..32"));
    assert_int_equal(codegen_check_space(32, 33, 1, &e), -1);
}

static void
test_codes_from_charset(void **state)
{
    struct rng r = {0};
    struct werr e = {0};
    char code[33];

    (void)state;
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(codegen_random(&r, "ab3", 12, code, &e), 0);
        assert_int_equal(strlen(code), 12);
        assert_int_equal(strspn(code, "ab3"), 12);
    }
}

/* Counts of each character over many draws stay within 3% of the mean; a
 * modulo-biased draw from 31 characters would put the first 8 at +3.2%. */
static void
test_uniform(void **state)
{
    const char *cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456"; /* 31: 256 % 31 = 8 */
    size_t n = strlen(cs), draws = 3100000;
    long count[128] = {0};
    struct rng r = {0};
    struct werr e = {0};
    char *buf = malloc(draws + 1);

    (void)state;
    assert_int_equal(codegen_random(&r, cs, draws, buf, &e), 0);
    for (size_t i = 0; i < draws; i++)
        count[(unsigned char)buf[i]]++;
    for (size_t i = 0; i < n; i++) {
        double dev = (count[(unsigned char)cs[i]] - 100000.0) / 100000.0;
        assert_true(dev > -0.015 && dev < 0.015);
    }
    free(buf);
}

static void
test_uniform_large_bound(void **state)
{
    struct rng r = {0};
    struct werr e = {0};
    uint32_t v, seen_hi = 0;

    (void)state;
    for (int i = 0; i < 10000; i++) {
        assert_int_equal(codegen_uniform(&r, 1000003, &v, &e), 0);
        assert_true(v < 1000003);
        if (v > 500000)
            seen_hi++;
    }
    assert_true(seen_hi > 4500 && seen_hi < 5500);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_charsets), cmocka_unit_test(test_literal_charsets),
        cmocka_unit_test(test_space_check),    cmocka_unit_test(test_codes_from_charset),
        cmocka_unit_test(test_uniform),        cmocka_unit_test(test_uniform_large_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
