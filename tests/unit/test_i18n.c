/*
 * test_i18n.c - the rule for errors and logs (a core module's error is in
 * the operator's language on the command line and in English on a worker
 * thread: i18n_thread_english), money and dates for people (locfmt), and
 * right-to-left cells (str_has_rtl, widths, texttable's FSI/PDI isolation).
 * The Arabic catalog comes from build/locale, beside this binary's folder.
 */
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/config.h"
#include "wisp/i18n.h"
#include "wisp/locfmt.h"
#include "wisp/sheet.h"
#include "wisp/texttable.h"
#include "wisp/util.h"

#define ENGLISH "bad --format \"bogus\": expected pdf, ps, text, ansi or escpos"

static void *
worker_like(void *arg)
{
    struct werr *e = arg;
    enum sheet_format f;

    i18n_thread_english();
    sheet_parse_format("bogus", &f, e);
    return NULL;
}

static void
test_errors_translated_but_not_on_worker_threads(void **state)
{
    char exe[PATH_MAX], dir[PATH_MAX + 16];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    struct werr e = {0}, we = {0};
    enum sheet_format f;
    pthread_t th;

    (void)state;
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    snprintf(dir, sizeof dir, "%s/../locale", exe); /* build/tests/.. */
    setenv("WISP_LOCALEDIR", dir, 1);
    setenv("LC_ALL", "C.UTF-8", 1);
    setenv("LANGUAGE", "ar", 1);
    i18n_init();
    /* the command line's thread: the Arabic catalog's text */
    sheet_parse_format("bogus", &f, &e);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_string_not_equal(e.msg, ENGLISH);
    assert_non_null(strstr(e.msg, "\"bogus\""));
    assert_true(str_has_rtl(e.msg));
    /* a worker's thread: English, for its log */
    assert_int_equal(pthread_create(&th, NULL, worker_like, &we), 0);
    pthread_join(th, NULL);
    assert_string_equal(we.msg, ENGLISH);
    /* and the first thread keeps its language */
    sheet_parse_format("bogus", &f, &e);
    assert_string_not_equal(e.msg, ENGLISH);
    unsetenv("LANGUAGE");
}

static void
test_money(void **state)
{
    struct config cfg;
    char buf[64];

    (void)state;
    config_init(&cfg);
    free(cfg.currency);
    cfg.currency = xstrdup("KES");
    assert_string_equal(locfmt_money(&cfg, "1234.5", buf, sizeof buf), "KES 1234.50");
    assert_string_equal(locfmt_money(&cfg, "-3", buf, sizeof buf), "KES -3.00");
    assert_string_equal(locfmt_amount(&cfg, "0.005", buf, sizeof buf), "0.01"); /* half up */
    assert_string_equal(locfmt_amount(&cfg, "-", buf, sizeof buf), "-");        /* no number */
    free(cfg.money_format);
    cfg.money_format = xstrdup("{amount} {currency}");
    cfg.money_decimals = 0;
    assert_string_equal(locfmt_money(&cfg, "1234.5", buf, sizeof buf), "1235 KES");
    cfg.money_decimals = 3;
    assert_string_equal(locfmt_money(&cfg, "2", buf, sizeof buf), "2.000 KES");
    assert_string_equal(locfmt_count(1500, buf, sizeof buf), "1500"); /* C: no grouping */
    assert_string_equal(locfmt_count(-7, buf, sizeof buf), "-7");
    config_free(&cfg);
}

static void
test_dates_in_c_are_iso(void **state)
{
    struct tm tm = {.tm_year = 126, .tm_mon = 2, .tm_mday = 1, .tm_hour = 9, .tm_min = 5};
    char buf[64];

    (void)state;
    assert_string_equal(locfmt_date(&tm, buf, sizeof buf), "2026-03-01");
    assert_string_equal(locfmt_datetime(&tm, buf, sizeof buf), "2026-03-01 09:05");
    assert_string_equal(locfmt_iso_date("2026-11-30", buf, sizeof buf), "2026-11-30");
    assert_string_equal(locfmt_iso_date("front", buf, sizeof buf), "front"); /* a --by plan group */
}

static void
test_rtl_and_widths(void **state)
{
    (void)state;
    assert_false(str_has_rtl("Caf\u00e9 \u661f"));
    assert_false(str_has_rtl("\u0531\u0580")); /* Armenian, just before Hebrew */
    assert_true(str_has_rtl("\u05e9\u05dc\u05d5\u05dd"));
    assert_true(str_has_rtl("plan \u0645\u0642\u0647\u0649"));
    assert_true(str_has_rtl("\ufefb")); /* an Arabic presentation form */
    /* isolates and Arabic vowel signs take no column */
    assert_int_equal(str_width(STR_FSI "\u0645\u0642\u0647\u0649" STR_PDI), 4);
    assert_int_equal(str_width("\u0645\u064e\u0642\u0652\u0647\u0649"), 4);
}

static void
test_texttable_isolates_rtl_cells(void **state)
{
    static const char *const head[] = {"NAME", "PRICE", NULL};
    struct texttable t;
    char *out = NULL, *line2, *line3;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);

    (void)state;
    texttable_init(&t, head);
    texttable_add(&t, (const char *const[]){
                          "\u0645\u0642\u0647\u0649 \u0627\u0644\u0646\u062c\u0645\u0629", "5.00"});
    texttable_add(&t, (const char *const[]){"cafe", "7.00"});
    texttable_print(&t, f);
    fclose(f);
    line2 = strchr(out, '\n') + 1;
    line3 = strchr(line2, '\n') + 1;
    /* the Arabic cell between FSI and PDI, the English ones bare */
    assert_memory_equal(line2, STR_FSI "\u0645", strlen(STR_FSI "\u0645"));
    assert_non_null(strstr(line2, "\u0629" STR_PDI "  5.00"));
    assert_memory_equal(line3, "cafe ", 5);
    assert_null(strstr(out, "NAME" STR_FSI));
    /* the price column starts at the same terminal column on every line */
    {
        char a[128], b[128], h[128];

        snprintf(h, sizeof h, "%.*s", (int)(strstr(out, "PRICE") - out), out);
        snprintf(a, sizeof a, "%.*s", (int)(strstr(line2, "5.00") - line2), line2);
        snprintf(b, sizeof b, "%.*s", (int)(strstr(line3, "7.00") - line3), line3);
        assert_int_equal(str_width(a), str_width(h));
        assert_int_equal(str_width(b), str_width(h));
    }
    free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_translated_but_not_on_worker_threads),
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_dates_in_c_are_iso),
        cmocka_unit_test(test_rtl_and_widths),
        cmocka_unit_test(test_texttable_isolates_rtl_cells),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
