/*
 * test_util.c - str_fit: the start of a string that fits a number of
 * terminal columns, cut only between characters (the one helper behind the
 * text sheets' cells, the tables' cut cells and the graphs' titles).
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "wisp/util.h"

static void
test_ascii(void **state)
{
    int w = -1;

    (void)state;
    assert_int_equal(str_fit("voucher", 3, &w), 3);
    assert_int_equal(w, 3);
    assert_int_equal(str_fit("voucher", 20, &w), 7);
    assert_int_equal(w, 7);
    assert_int_equal(str_fit("voucher", 0, &w), 0);
    assert_int_equal(w, 0);
    assert_int_equal(str_fit("", 5, NULL), 0);
}

static void
test_multibyte(void **state)
{
    int w = -1;

    (void)state;
    /* "café" is 5 bytes, 4 columns: é is never split */
    assert_int_equal(str_fit("café", 4, &w), 5);
    assert_int_equal(w, 4);
    assert_int_equal(str_fit("café", 3, &w), 3);
    assert_int_equal(w, 3);
    /* wide characters take two columns: one does not fit in one column */
    assert_int_equal(str_fit("網吧", 3, &w), 3);
    assert_int_equal(w, 2);
    assert_int_equal(str_fit("網吧", 1, &w), 0);
    assert_int_equal(w, 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_multibyte),
    };

    setlocale(LC_ALL, "C.UTF-8");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
