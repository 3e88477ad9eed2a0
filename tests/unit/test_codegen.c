/*
 * test_codegen.c - charsets, the room check, and that codes are uniform over
 * their charset: rejection sampling checked byte by byte with planted random
 * bytes, then statistically over the kernel's bytes, with bounds wide enough
 * never to flake and narrow enough to catch modulo bias.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/codegen.h"

/* Make the next bytes the rng hands out exactly `bytes`; once they are used
 * up it refills from the kernel as usual. */
static void
plant(struct rng *r, const unsigned char *bytes, size_t n)
{
    memcpy(r->buf, bytes, n);
    r->pos = 0;
    r->len = n;
}

static void
test_named_charsets(void **state)
{
    struct werr e = {0};
    const char *want[][2] = {
        {"digits", "0123456789"},
        {"lower", "abcdefghijkmnpqrstuvwxyz"},
        {"upper", "ABCDEFGHJKLMNPQRSTUVWXYZ"},
        {"alnum", "23456789abcdefghijkmnpqrstuvwxyz"},
    };
    char *cs;

    (void)state;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        cs = codegen_charset(want[i][0], &e);
        assert_non_null(cs);
        assert_string_equal(cs, want[i][1]);
        free(cs);
    }
    cs = codegen_charset(CODEGEN_DEFAULT_CHARSET, &e);
    assert_string_equal(cs, "23456789abcdefghijkmnpqrstuvwxyz");
    assert_int_equal(strlen(cs), 32);
    assert_null(strpbrk(cs, "0O1lIo")); /* no look-alikes */
    free(cs);
    assert_int_equal(e.status, 0);
}

static void
test_literal_charsets(void **state)
{
    struct werr e = {0};
    char all[128];
    size_t n = 0;
    char *cs;

    (void)state;
    cs = codegen_charset("XYZ", &e);
    assert_string_equal(cs, "XYZ");
    free(cs);
    cs = codegen_charset("ab", &e); /* the smallest set */
    assert_string_equal(cs, "ab");
    free(cs);
    for (int c = '!'; c <= '~'; c++) /* every character safe on routers, in sh, URLs, CSV */
        if (isalnum(c) || c == '-' || c == '_' || c == '.')
            all[n++] = (char)c;
    all[n] = '\0';
    cs = codegen_charset(all, &e);
    assert_string_equal(cs, all);
    assert_int_equal(strlen(cs), 65);
    free(cs);
    assert_int_equal(e.status, 0);
}

static void
test_literal_charset_errors(void **state)
{
    const char *bad[] = {
        "",       "X",          "AAB",    "a b",    "ab\t", "ab\n",
        "ab\x7f", "ab\xc3\xa9", "Digits", "alnum ", " ab",  "abcdefghijklmnopqrstuvwxyza",
        "a\"$[]", "ab;",        "ab'",    "ab`",    "ab$",  "ab\\",
        "ab?",    "ab,",        "ab/",    "ab+",    "ab%",  "ab#"};
    struct werr e = {0};

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        werr_clear(&e);
        if (codegen_charset(bad[i], &e) != NULL)
            fail_msg("charset \"%s\" was accepted", bad[i]);
        assert_int_equal(e.status, WISP_EUSAGE);
        assert_true(strncmp(e.msg, "bad --charset \"", 15) == 0);
        assert_null(strchr(e.msg, '\n'));
        assert_null(strchr(e.msg, '\t'));
    }
    assert_null(codegen_charset(NULL, &e));
    assert_null(codegen_charset("X", &e));
    assert_string_equal(e.msg, "bad --charset \"X\": expected digits, lower, upper, alnum or at "
                               "least 2 characters");
    assert_null(codegen_charset("AAB", &e));
    assert_string_equal(e.msg, "bad --charset \"AAB\": 'A' appears more than once");
    assert_null(codegen_charset("ab\n", &e));
    assert_string_equal(e.msg, "bad --charset \"ab\\x0a\": only letters, digits, - _ and . (no "
                               "quotes, $, brackets, spaces or other symbols)");
    assert_null(codegen_charset("a b", &e));
    assert_string_equal(e.msg, "bad --charset \"a b\": only letters, digits, - _ and . (no "
                               "quotes, $, brackets, spaces or other symbols)");
}

static void
test_space_check_boundaries(void **state)
{
    struct werr e = {0};

    (void)state;
    /* exactly 100 x count is enough, one more code is not */
    assert_int_equal(codegen_check_space(10, 4, 100, &e), 0);
    assert_int_equal(codegen_check_space(10, 4, 101, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_int_equal(codegen_check_space(32, 8, 100000, &e), 0);
    assert_int_equal(codegen_check_space(32, 4, 10485, &e), 0); /* 32^4 = 1048576 */
    assert_int_equal(codegen_check_space(32, 4, 10486, &e), -1);
    /* past 2^64: 94^10 = 53861511409489970176 */
    assert_int_equal(codegen_check_space(94, 10, INT64_C(538615114094899701), &e), 0);
    assert_int_equal(codegen_check_space(94, 10, INT64_C(538615114094899702), &e), -1);
    assert_string_equal(e.msg, "538615114094899702 codes of 10 characters from a 94-character set "
                               "leave too little room (53861511409489970176 possible codes, "
                               "need 53861511409489970200): raise --length to 11 or use a "
                               "larger --charset");
    /* the largest count there is */
    assert_int_equal(codegen_check_space(32, 14, INT64_MAX, &e), 0);
    assert_int_equal(codegen_check_space(32, 13, INT64_MAX, &e), -1);
    assert_non_null(strstr(e.msg, "need 922337203685477580700): raise --length to 14 "));
    assert_int_equal(codegen_check_space(94, 32, INT64_MAX, &e), 0);
    assert_int_equal(codegen_check_space(SIZE_MAX, 4, INT64_MAX, &e), 0);
    /* nothing to collide */
    assert_int_equal(codegen_check_space(2, 4, 0, &e), 0);
}

static void
test_space_check_message(void **state)
{
    struct werr e = {0};

    (void)state;
    assert_int_equal(codegen_check_space(10, 4, 1000, &e), -1);
    assert_string_equal(e.msg, "1000 codes of 4 characters from a 10-character set leave too "
                               "little room (10000 possible codes, need 100000): raise --length "
                               "to 5 or use a larger --charset");
    /* the smallest length that is enough */
    assert_int_equal(codegen_check_space(10, 4, 100000, &e), -1);
    assert_non_null(strstr(e.msg, "raise --length to 7 "));
    assert_int_equal(codegen_check_space(10, 4, 100001, &e), -1);
    assert_non_null(strstr(e.msg, "raise --length to 8 "));
    assert_int_equal(codegen_check_space(32, 4, 1000000, &e), -1);
    assert_non_null(
        strstr(e.msg, "(1048576 possible codes, need 100000000): raise --length to 6 "));
    assert_int_equal(codegen_check_space(2, 4, 1, &e), -1);
    assert_string_equal(e.msg, "1 code of 4 characters from a 2-character set leave too little "
                               "room (16 possible codes, need 100): raise --length to 7 or use a "
                               "larger --charset");
    /* when no length can do it, only a larger charset helps */
    assert_int_equal(codegen_check_space(2, 32, INT64_C(42949672), &e), 0); /* 2^32 */
    assert_int_equal(codegen_check_space(2, 32, INT64_C(42949673), &e), -1);
    assert_non_null(strstr(e.msg, "(4294967296 possible codes, need 4294967300): even --length "
                                  "32 is not enough, use a larger --charset"));
    assert_int_equal(codegen_check_space(2, 8, INT64_C(50000000), &e), -1);
    assert_non_null(strstr(e.msg, "even --length 32 is not enough"));
    assert_int_equal(codegen_check_space(1, 8, 1, &e), -1);
    assert_non_null(strstr(e.msg, "(1 possible codes, need 100)"));
    assert_int_equal(codegen_check_space(0, 8, 1, &e), -1);
    assert_non_null(strstr(e.msg, "(0 possible codes"));
}

static void
test_space_check_length(void **state)
{
    struct werr e = {0};
    int bad[] = {-1, 0, 3, 33, 1000};

    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        werr_clear(&e);
        assert_int_equal(codegen_check_space(32, bad[i], 1, &e), -1);
        assert_int_equal(e.status, WISP_EUSAGE);
        assert_non_null(strstr(e.msg, "expected 4..32"));
    }
    assert_string_equal(e.msg, "bad --length 1000: expected 4..32");
    assert_int_equal(codegen_check_space(32, 4, 1, &e), 0);
    assert_int_equal(codegen_check_space(32, 32, 1, &e), 0);
}

/* Rejection sampling, byte by byte: bytes that would bias the draw are skipped. */
static void
test_uniform_rejects(void **state)
{
    struct rng r = {0};
    struct werr e = {0};
    uint32_t v = 99;

    (void)state;
    /* 31: 256 - 256 % 31 = 248, so 248..255 are thrown away */
    plant(&r, (const unsigned char[]){248, 255, 250, 247, 37}, 5);
    assert_int_equal(codegen_uniform(&r, 31, &v, &e), 0);
    assert_int_equal(v, 247 % 31);
    assert_int_equal(r.pos, 4);
    assert_int_equal(codegen_uniform(&r, 31, &v, &e), 0);
    assert_int_equal(v, 37 % 31);
    /* 32 divides 256: every byte counts */
    plant(&r, (const unsigned char[]){255, 32}, 2);
    assert_int_equal(codegen_uniform(&r, 32, &v, &e), 0);
    assert_int_equal(v, 31);
    assert_int_equal(codegen_uniform(&r, 32, &v, &e), 0);
    assert_int_equal(v, 0);
    /* 3: only 255 is thrown away */
    plant(&r, (const unsigned char[]){255, 254}, 2);
    assert_int_equal(codegen_uniform(&r, 3, &v, &e), 0);
    assert_int_equal(v, 254 % 3);
    /* 1: always 0, one byte used */
    plant(&r, (const unsigned char[]){200}, 1);
    assert_int_equal(codegen_uniform(&r, 1, &v, &e), 0);
    assert_int_equal(v, 0);
    assert_int_equal(r.pos, 1);
    /* 65536 takes two bytes, big-endian, none thrown away */
    plant(&r, (const unsigned char[]){0x12, 0x34}, 2);
    assert_int_equal(codegen_uniform(&r, 65536, &v, &e), 0);
    assert_int_equal(v, 0x1234);
    /* 1000003 takes three: 16777216 - 16777216 % 1000003 = 16000048 */
    plant(&r, (const unsigned char[]){0xff, 0xff, 0xff, 0xf4, 0x24, 0x30, 0xf4, 0x24, 0x2f}, 9);
    assert_int_equal(codegen_uniform(&r, 1000003, &v, &e), 0);
    assert_int_equal(v, 16000047 % 1000003);
    assert_int_equal(r.pos, 9);
    /* 2^32 - 1 takes four, and only 0xffffffff is thrown away */
    plant(&r, (const unsigned char[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}, 8);
    assert_int_equal(codegen_uniform(&r, UINT32_MAX, &v, &e), 0);
    assert_int_equal(v, 0xfffffffe);
    /* 0 has no answer */
    assert_int_equal(codegen_uniform(&r, 0, &v, &e), -1);
    assert_int_equal(e.status, WISP_ERUNTIME);
}

static void
test_random_planted(void **state)
{
    struct rng r = {0};
    struct werr e = {0};
    char code[8];

    (void)state;
    plant(&r, (const unsigned char[]){0, 1, 2, 255, 3, 7}, 6);
    assert_int_equal(codegen_random(&r, "abc", 5, code, &e), 0);
    assert_string_equal(code, "abcab"); /* 255 skipped, 3 -> a, 7 -> b */
    /* the planted bytes are used up: the rest comes from the kernel */
    assert_int_equal(codegen_random(&r, "abc", 5, code, &e), 0);
    assert_int_equal(strspn(code, "abc"), 5);
    assert_int_equal(codegen_random(&r, "", 5, code, &e), -1);
}

static void
test_codes_from_charset(void **state)
{
    struct rng r = {0};
    struct werr e = {0};
    char code[40];
    char *alnum = codegen_charset("alnum", &e);

    (void)state;
    for (int i = 0; i < 1000; i++) {
        memset(code, 'X', sizeof code);
        assert_int_equal(codegen_random(&r, "ab3", 12, code, &e), 0);
        assert_int_equal(strlen(code), 12);
        assert_int_equal(strspn(code, "ab3"), 12);
        assert_int_equal(codegen_random(&r, alnum, 4 + i % 29, code, &e), 0);
        assert_int_equal(strlen(code), 4 + i % 29);
        assert_int_equal(strspn(code, alnum), 4 + i % 29);
        assert_int_equal(code[33], 'X'); /* nothing written past the NUL */
    }
    assert_int_equal(codegen_random(&r, alnum, 0, code, &e), 0);
    assert_string_equal(code, "");
    free(alnum);
}

/* Count each character of cs over `draws` draws; return the chi-square
 * statistic and the largest relative deviation of one bucket. */
static double
chi_square(const char *cs, const long *count, size_t draws, double *worst)
{
    size_t n = strlen(cs);
    double expect = (double)draws / (double)n, chi = 0;

    *worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)count[(unsigned char)cs[i]] - expect;

        chi += d * d / expect;
        if (d / expect > *worst || -d / expect > *worst)
            *worst = d < 0 ? -d / expect : d / expect;
    }
    return chi;
}

/*
 * 31 characters: 256 % 31 = 8, so a plain `byte % 31` would draw the first 8
 * characters 9/256 of the time instead of 1/31 (+9%) and the rest -3%. Over
 * 1.55M draws (50,000 per character, sd ~220) a fair draw keeps every bucket
 * within 5% (11 sd) and chi-square (30 degrees of freedom, mean 30) below
 * 120 (p ~ 1e-12); the biased draw computed alongside lands near 4,300.
 */
static void
test_uniform_31(void **state)
{
    const char *cs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ23456";
    size_t draws = 1550000;
    long count[128] = {0}, biased[128] = {0};
    struct rng r = {0};
    struct werr e = {0};
    char *buf = malloc(draws + 1);
    double worst, chi;

    (void)state;
    assert_int_equal(strlen(cs), 31);
    assert_int_equal(codegen_random(&r, cs, draws, buf, &e), 0);
    for (size_t i = 0; i < draws; i++)
        count[(unsigned char)buf[i]]++;
    chi = chi_square(cs, count, draws, &worst);
    print_message("31 characters: chi-square %.1f, worst bucket %.2f%%\n", chi, worst * 100);
    assert_true(worst < 0.05);
    assert_true(chi < 120);

    /* the same check catches a modulo-biased draw */
    for (size_t i = 0; i < draws; i++) {
        uint32_t byte;

        assert_int_equal(codegen_uniform(&r, 256, &byte, &e), 0);
        biased[(unsigned char)cs[byte % 31]]++;
    }
    chi = chi_square(cs, biased, draws, &worst);
    assert_true(worst > 0.05);
    assert_true(chi > 1000);
    free(buf);
}

/* 3 characters over 300,000 draws: each within 5% of 100,000 (sd ~260). */
static void
test_uniform_3(void **state)
{
    const char *cs = "xy7";
    size_t draws = 300000;
    long count[128] = {0};
    struct rng r = {0};
    struct werr e = {0};
    char *buf = malloc(draws + 1);
    double worst, chi;

    (void)state;
    assert_int_equal(codegen_random(&r, cs, draws, buf, &e), 0);
    for (size_t i = 0; i < draws; i++)
        count[(unsigned char)buf[i]]++;
    assert_int_equal(count['x'] + count['y'] + count['7'], draws);
    chi = chi_square(cs, count, draws, &worst);
    assert_true(worst < 0.05);
    assert_true(chi < 60); /* 2 degrees of freedom: p ~ 1e-13 */
    free(buf);
}

/* A bound past one byte: halves, tenths and the extremes are all reached. */
static void
test_uniform_large_bound(void **state)
{
    struct rng r = {0};
    struct werr e = {0};
    uint32_t v, bound = 1000003;
    long tenth[10] = {0};
    int draws = 200000;

    (void)state;
    for (int i = 0; i < draws; i++) {
        assert_int_equal(codegen_uniform(&r, bound, &v, &e), 0);
        assert_true(v < bound);
        tenth[(uint64_t)v * 10 / bound]++;
    }
    for (int i = 0; i < 10; i++) /* 20,000 expected, sd ~134 */
        assert_true(tenth[i] > 19000 && tenth[i] < 21000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_charsets),
        cmocka_unit_test(test_literal_charsets),
        cmocka_unit_test(test_literal_charset_errors),
        cmocka_unit_test(test_space_check_boundaries),
        cmocka_unit_test(test_space_check_message),
        cmocka_unit_test(test_space_check_length),
        cmocka_unit_test(test_uniform_rejects),
        cmocka_unit_test(test_random_planted),
        cmocka_unit_test(test_codes_from_charset),
        cmocka_unit_test(test_uniform_31),
        cmocka_unit_test(test_uniform_3),
        cmocka_unit_test(test_uniform_large_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
