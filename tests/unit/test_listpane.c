/*
 * test_listpane.c - the list widget every table pane uses: which columns a
 * narrow table drops (by priority, never cutting a title) and how the rest
 * share the width; sorting (ascending, then the same order reversed, equal
 * keys in a stable order) with the selection kept on its row; the filter,
 * which never matches a secret column; values' formats; state colour maps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "wisp/listpane.h"

/* The Routers pane's widths and priorities. */
static const struct table_column router_like[] = {
    {"NAME", 14, false, 0},     {"DRIVER", 9, false, 6},     {"HOST", 16, false, 3},
    {"STATE", 17, false, 0},    {"CPU", 5, true, 5},         {"MEM FREE", 9, true, 8},
    {"UPTIME", 11, true, 7},    {"SESS", 5, true, 2},        {"TO REMOVE", 9, true, 9},
    {"LAST SEEN", 10, true, 4}, {"LAST ERROR", 0, false, 0},
};
#define NCOLS ((int)(sizeof router_like / sizeof router_like[0]))

static void
test_widths_drop_by_priority(void **state)
{
    struct table t = {.cols = router_like, .ncols = NCOLS};
    int wd[TABLE_MAX_COLS];
    /* at 80 columns: TO REMOVE, MEM FREE, UPTIME, DRIVER, CPU go, in that order */
    static const int want80[] = {14, -1, 16, 17, -1, -1, -1, 5, -1, 10, 13};

    (void)state;
    table_widths(&t, 80, wd);
    for (int c = 0; c < NCOLS; c++)
        assert_int_equal(wd[c], want80[c]);
    assert_int_equal(table_span(wd, NCOLS), 80);
    /* wide: every column, the last takes what is left */
    table_widths(&t, 200, wd);
    for (int c = 0; c < NCOLS - 1; c++)
        assert_int_equal(wd[c], router_like[c].width);
    assert_int_equal(table_span(wd, NCOLS), 200);
    /* from the room the columns that are never dropped need (43) up: every
     * shown column at least as wide as its title */
    for (int w = 43; w <= 200; w++) {
        table_widths(&t, w, wd);
        assert_true(table_span(wd, NCOLS) <= w);
        for (int c = 0; c < NCOLS; c++)
            if (wd[c] >= 0)
                assert_true(wd[c] >= (int)strlen(router_like[c].title));
    }
}

static void
test_widths_never_past_the_box(void **state)
{
    struct table t = {.cols = router_like, .ncols = NCOLS};
    int wd[TABLE_MAX_COLS];

    (void)state;
    /* what cannot be dropped is cut from the right, down to nothing */
    for (int w = 1; w < 60; w++) {
        table_widths(&t, w, wd);
        assert_true(table_span(wd, NCOLS) <= w);
    }
}

static const struct listpane_column cols[] = {
    {{"NAME", 8, false, 0}, "name", LF_TEXT},
    {{"N", 4, true, 0}, "n", LF_INT},
    {{"PIN", 6, false, 0}, "pin", LF_TEXT, .secret = true},
};

static json_t *
rows3(void)
{
    return json_pack("[{s:i, s:s, s:i, s:s}, {s:i, s:s, s:i, s:s}, {s:i, s:s, s:i, s:s}]", "id", 1,
                     "name", "b", "n", 5, "pin", "4711", "id", 2, "name", "a", "n", 7, "pin",
                     "0000", "id", 3, "name", "b", "n", 6, "pin", "1234");
}

/* The list over rows3(), the state of test_sort and test_filter. */
struct fixture {
    struct listpane lp;
    json_t *rows;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    f->rows = rows3();
    listpane_init(&f->lp, cols, 3, "id", NULL);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    listpane_free(&f->lp);
    json_decref(f->rows);
    free(f);
    return 0;
}

static int
id_at(struct listpane *lp, int i)
{
    return (int)json_integer_value(json_object_get(listpane_row(lp, i), "id"));
}

/* The visible rows are the ids want[0..n), in this order. */
static void
assert_order(struct listpane *lp, const int *want, int n)
{
    assert_int_equal(lp->norder, n);
    for (int i = 0; i < n; i++)
        assert_int_equal(id_at(lp, i), want[i]);
}

static void
test_sort(void **state)
{
    struct fixture *f = *state;
    struct listpane *lp = &f->lp;

    listpane_set_rows(lp, f->rows, NULL); /* by NAME: a, then the b's in their order */
    assert_order(lp, (const int[]){2, 1, 3}, 3);
    lp->t.sel = 1;                                              /* id 1 */
    assert_string_equal(listpane_sort(lp, true, NULL), "NAME"); /* the same order reversed */
    assert_order(lp, (const int[]){3, 1, 2}, 3);
    assert_int_equal(id_at(lp, lp->t.sel), 1);                /* the selection stayed on its row */
    assert_string_equal(listpane_sort(lp, false, NULL), "N"); /* by the number, ascending */
    assert_order(lp, (const int[]){1, 3, 2}, 3);
    assert_int_equal(id_at(lp, lp->t.sel), 1);
}

static void
test_filter(void **state)
{
    struct fixture *f = *state;
    struct listpane *lp = &f->lp;

    listpane_set_rows(lp, f->rows, "7"); /* n = 7; the PIN 4711 is not searched */
    assert_order(lp, (const int[]){2}, 1);
    listpane_set_rows(lp, f->rows, "1234"); /* only a PIN has it */
    assert_order(lp, NULL, 0);
    assert_null(listpane_selected(lp));
    listpane_set_rows(lp, f->rows, "");
    assert_order(lp, (const int[]){2, 1, 3}, 3);
    listpane_select_id(lp, "3");
    assert_int_equal(id_at(lp, lp->t.sel), 3);
}

static void
test_format(void **state)
{
    char buf[64], iso[64];
    json_t *v;
    time_t soon = time(NULL) + 125;
    struct tm tm;

    (void)state;
    v = json_string("2026-11-22T12:01:33.5+00:00");
    listpane_format(v, LF_TIME, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-22 12:01");
    json_decref(v);
    gmtime_r(&soon, &tm);
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
    v = json_string(iso);
    listpane_format(v, LF_IN, buf, sizeof buf); /* a timestamp, not its text */
    assert_string_equal(buf, "in 2m");
    listpane_format(v, LF_AGO, buf, sizeof buf); /* the future is now */
    assert_string_equal(buf, "0s ago");
    json_decref(v);
    v = json_string("bad\x1b[2Jname");
    listpane_format(v, LF_TEXT, buf, sizeof buf); /* shown, never obeyed */
    assert_string_equal(buf, "bad\\x1b[2Jname");
    json_decref(v);
    v = json_integer(3 * 1024 * 1024 / 2);
    listpane_format(v, LF_BYTES, buf, sizeof buf);
    assert_string_equal(buf, "1.5M");
    json_decref(v);
    listpane_format(NULL, LF_INT, buf, sizeof buf);
    assert_string_equal(buf, "-");
}

static void
test_state_colours(void **state)
{
    static const struct listpane_state map[] = {
        {"up", TH_OK}, {"maintenance", TH_WARN}, {NULL, TH_BAD}};

    (void)state;
    assert_int_equal(listpane_state(map, "up"), TH_OK);
    assert_int_equal(listpane_state(map, "maintenance"), TH_WARN);
    assert_int_equal(listpane_state(map, "down"), TH_BAD);
    assert_int_equal(listpane_state(map, NULL), TH_BAD);
    assert_int_equal(listpane_state(LISTPANE_ALWAYS(TH_DIM), "anything"), TH_DIM);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_widths_drop_by_priority),
        cmocka_unit_test(test_widths_never_past_the_box),
        cmocka_unit_test_setup_teardown(test_sort, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_state_colours),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
