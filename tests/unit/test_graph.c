/*
 * test_graph.c - the Metrics pane's graphs: nice axis tops, braille dots and
 * eighth blocks byte for byte (scaling, rounding, the newest values kept,
 * right alignment, rows split top and bottom), and the drawn boxes read back
 * from an off-screen curses terminal.
 */
#define _XOPEN_SOURCE_EXTENDED 1

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <locale.h>
#include <wchar.h>

#include <cmocka.h>
#include <curses.h>

#include "wisp/graph.h"

#define MAX_ROWS  4
#define MAX_CELLS 16

/* Rows allocated to exactly the size the contract asks for, so that ASan
 * catches a byte written past it. */
struct rows {
    char *row[MAX_ROWS];
    int height;
};

static void
rows_alloc(struct rows *r, int height, size_t size)
{
    int i;

    assert_true(height <= MAX_ROWS);
    r->height = height;
    for (i = 0; i < height; i++) {
        r->row[i] = malloc(size);
        assert_non_null(r->row[i]);
        memset(r->row[i], 'X', size);
    }
}

static void
rows_free(struct rows *r)
{
    int i;

    for (i = 0; i < r->height; i++)
        free(r->row[i]);
}

/* The expected braille text for cells with these dot bits, built apart from
 * the code under test: U+2800 + bits is E2 (A0 + bits/64) (80 + bits%64). */
static const char *
cells(char *buf, const unsigned *bits, int n)
{
    int i;

    for (i = 0; i < n; i++) {
        buf[3 * i] = (char)0xe2;
        buf[3 * i + 1] = (char)(0xa0 + bits[i] / 64);
        buf[3 * i + 2] = (char)(0x80 + bits[i] % 64);
    }
    buf[3 * n] = '\0';
    return buf;
}

/* graph_braille of one row and one cell: the cell's dot bits. */
static unsigned
one_cell(const double *v, size_t n, double max)
{
    struct rows r;
    const unsigned char *p;
    unsigned bits;

    rows_alloc(&r, 1, 4);
    graph_braille(v, n, max, 1, 1, r.row);
    p = (const unsigned char *)r.row[0];
    assert_int_equal(strlen(r.row[0]), 3);
    assert_int_equal(p[0], 0xe2);
    bits = (unsigned)(p[1] - 0xa0) * 64 + (unsigned)(p[2] - 0x80);
    rows_free(&r);
    return bits;
}

static void
check_nice(double v, double want)
{
    double got = graph_nice_max(v);

    if (got != want)
        fail_msg("graph_nice_max(%g) = %.17g, want %.17g", v, got, want);
}

static void
test_nice_max(void **state)
{
    (void)state;
    check_nice(0, 1);
    check_nice(-5, 1);
    check_nice(NAN, 1);
    check_nice(INFINITY, 1);
    check_nice(1, 1);
    check_nice(1.1, 2);
    check_nice(2, 2);
    check_nice(3, 5);
    check_nice(5, 5);
    check_nice(5.0001, 10);
    check_nice(7, 10);
    check_nice(10, 10);
    check_nice(99, 100);
    check_nice(100, 100);
    check_nice(120, 200);
    check_nice(1000, 1000);
    check_nice(1001, 2000);
    check_nice(4e6, 5e6);
    check_nice(1e15, 1e15);
    check_nice(0.3, 0.5);
    check_nice(0.2, 0.2);
    check_nice(0.005, 0.005);
    check_nice(0.0051, 0.01);
}

/* The worked example: left column full, right column its bottom two dots. */
static void
test_braille_cell(void **state)
{
    const double v[] = {4, 2};
    struct rows r;

    (void)state;
    rows_alloc(&r, 1, 4);
    graph_braille(v, 2, 4, 1, 1, r.row);
    assert_string_equal(r.row[0], "\xe2\xa3\xa7"); /* U+28E7 */
    assert_string_equal(r.row[0], "⣧");
    rows_free(&r);

    assert_int_equal(one_cell((const double[]){4, 4}, 2, 4), 0xff);
    assert_int_equal(one_cell((const double[]){1, 3}, 2, 4), 0x40 | 0xb0);
    assert_int_equal(one_cell((const double[]){3, 1}, 2, 4), 0x46 | 0x80);
}

/* Rounding, the one-dot floor for tiny values, nothing for NaN and <= 0,
 * clamping above max. */
static void
test_braille_scale(void **state)
{
    (void)state;
    assert_int_equal(one_cell((const double[]){0.01, NAN}, 2, 4), 0x40);
    assert_int_equal(one_cell((const double[]){NAN, 0.01}, 2, 4), 0x80);
    assert_int_equal(one_cell((const double[]){NAN, NAN}, 2, 4), 0x00);
    assert_int_equal(one_cell((const double[]){0, -3}, 2, 4), 0x00);
    assert_int_equal(one_cell((const double[]){0.4, 0.6}, 2, 4), 0x40 | 0x80);
    assert_int_equal(one_cell((const double[]){1.5, 2.49}, 2, 4), 0x44 | 0xa0);
    assert_int_equal(one_cell((const double[]){100, INFINITY}, 2, 4), 0xff);
    assert_int_equal(one_cell((const double[]){4.5, 2}, 2, 8), 0x44 | 0x80);
    /* no usable max: any positive value fills its column */
    assert_int_equal(one_cell((const double[]){0, 1}, 2, 0), 0xb8);
    assert_int_equal(one_cell((const double[]){1, 0}, 2, NAN), 0x47);
}

/* More values than dot columns: the newest are kept, the newest rightmost. */
static void
test_braille_newest(void **state)
{
    const double v[] = {4, 4, 3, 2, 1, 4};
    const unsigned want[] = {0x46 | 0xa0, 0x40 | 0xb8};
    char buf[64];
    struct rows r;

    (void)state;
    assert_int_equal(one_cell(v, 6, 4), 0x40 | 0xb8);
    assert_int_equal(one_cell(v, 5, 4), 0x44 | 0x80);

    rows_alloc(&r, 1, 7);
    graph_braille(v, 6, 4, 2, 1, r.row);
    assert_string_equal(r.row[0], cells(buf, want, 2));
    rows_free(&r);
}

/* Fewer values than dot columns: right-aligned, blank braille on the left. */
static void
test_braille_right_aligned(void **state)
{
    const double v[] = {4, 1, 2};
    const unsigned want[] = {0x00, 0xb8, 0x40 | 0xa0};
    const unsigned blank[] = {0x00, 0x00};
    char buf[64];
    struct rows r;

    (void)state;
    rows_alloc(&r, 1, 10);
    graph_braille(v, 3, 4, 3, 1, r.row);
    assert_string_equal(r.row[0], cells(buf, want, 3));
    assert_string_equal(r.row[0], "\xe2\xa0\x80⢸⣠");
    rows_free(&r);

    assert_int_equal(one_cell(v + 2, 1, 4), 0xa0);

    rows_alloc(&r, 1, 7);
    graph_braille(NULL, 0, 4, 2, 1, r.row);
    assert_string_equal(r.row[0], cells(buf, blank, 2));
    rows_free(&r);
}

/* Two rows: 8 dots a column, the top row gets the dots above the fourth. */
static void
test_braille_two_rows(void **state)
{
    const double v[] = {8, 5, 3, 0, 1, 7.4};
    const unsigned top[] = {0x47 | 0x80, 0x00, 0xb0};
    const unsigned bottom[] = {0xff, 0x46, 0x40 | 0xb8};
    char buf[64];
    struct rows r;

    (void)state;
    rows_alloc(&r, 2, 10);
    graph_braille(v, 6, 8, 3, 2, r.row);
    assert_string_equal(r.row[0], cells(buf, top, 3));
    assert_string_equal(r.row[1], cells(buf, bottom, 3));
    rows_free(&r);
}

static void
test_bars_one_row(void **state)
{
    const double v[] = {0, 1, 4, 8, NAN};
    const double w[] = {0.001, 20, -1, 2.5, 2.49};
    struct rows r;

    (void)state;
    rows_alloc(&r, 1, 3 * 5 + 1);
    graph_bars(v, 5, 8, 1, r.row);
    assert_string_equal(r.row[0], " ▁▄█ ");
    graph_bars(w, 5, 8, 1, r.row);
    assert_string_equal(r.row[0], "▁█ ▃▂");
    graph_bars(v, 0, 8, 1, r.row);
    assert_string_equal(r.row[0], "");
    rows_free(&r);
}

static void
test_bars_two_rows(void **state)
{
    const double v[] = {16, 12, 9, 8, 3, 0.1};
    struct rows r;

    (void)state;
    rows_alloc(&r, 2, 3 * 6 + 1);
    graph_bars(v, 6, 16, 2, r.row);
    assert_string_equal(r.row[0], "█▄▁   ");
    assert_string_equal(r.row[1], "████▃▁");
    rows_free(&r);
}

/* An off-screen terminal (output to /dev/null) whose screen is read back. */
static SCREEN *
screen_open(FILE **null)
{
    SCREEN *s;

    if (!setlocale(LC_ALL, "C.UTF-8") && !setlocale(LC_ALL, "C.utf8"))
        skip();
    *null = fopen("/dev/null", "r+");
    assert_non_null(*null);
    s = newterm("xterm", *null, *null);
    if (!s) {
        fclose(*null);
        skip();
    }
    return s;
}

static void
screen_close(SCREEN *s, FILE *null)
{
    endwin();
    delscreen(s);
    fclose(null);
    setlocale(LC_ALL, "C");
}

/* Row y from column x, n columns, as UTF-8. */
static const char *
screen_row(int y, int x, int n, char *buf, size_t len)
{
    wchar_t w[128];

    assert_true(n < 128);
    assert_int_equal(mvinnwstr(y, x, w, n), n);
    w[n] = L'\0';
    assert_true(wcstombs(buf, w, len) != (size_t)-1);
    return buf;
}

/* An axis row as expected: the label column, then braille cells. */
static const char *
axis_row(char *buf, const char *axis, const unsigned *bits, int n)
{
    char tail[3 * MAX_CELLS + 1];

    assert_true(n <= MAX_CELLS);
    snprintf(buf, 256, "%s%s", axis, cells(tail, bits, n));
    return buf;
}

static void
count_fmt(double value, char *buf, size_t len)
{
    snprintf(buf, len, "%.0f", value);
}

static void
test_draw(void **state)
{
    const double v[] = {0, 1, 2, 3, 4, 5, 6, 7};
    const unsigned r0[9] = {0};
    const unsigned r1[9] = {[8] = 0x44 | 0xb0};
    const unsigned r2[9] = {[6] = 0x80, [7] = 0x44 | 0xb8, [8] = 0xff};
    const unsigned r3[9] = {[5] = 0xa0, [6] = 0x46 | 0xb8, [7] = 0xff, [8] = 0xff};
    const unsigned top[16] = {[15] = 0x40};
    const unsigned bottom[16] = {[15] = 0x47};
    FILE *null;
    SCREEN *s;
    char buf[256], want[256];

    (void)state;
    s = screen_open(&null);
    /* top 10 (nice max of 7), 16 dots a column: 0 2 3 5 6 8 10 11,
     * right-aligned in the 9 cells after the axis column "10┤" */
    graph_draw(1, 2, 6, 12, v, 8, "ONLINE", count_fmt, "-8m", "-4m", A_BOLD, A_REVERSE);
    assert_string_equal(screen_row(1, 2, 12, buf, sizeof buf), "ONLINE      ");
    assert_string_equal(screen_row(2, 2, 12, buf, sizeof buf), axis_row(want, "10┤", r0, 9));
    assert_string_equal(screen_row(3, 2, 12, buf, sizeof buf), axis_row(want, "  │", r1, 9));
    assert_string_equal(screen_row(4, 2, 12, buf, sizeof buf), axis_row(want, " 5┤", r2, 9));
    assert_string_equal(screen_row(5, 2, 12, buf, sizeof buf), axis_row(want, " 0┤", r3, 9));
    /* "-4m" centred would touch "-8m": left out */
    assert_string_equal(screen_row(6, 2, 12, buf, sizeof buf), "   -8m   now");
    assert_true(mvinch(1, 2) & A_BOLD);
    assert_false(mvinch(2, 2) & A_REVERSE);
    assert_true(mvinch(2, 5) & A_REVERSE);
    assert_true(mvinch(5, 13) & A_REVERSE);

    /* wider: the middle label fits; NULL fmt is "%g" */
    erase();
    graph_draw(0, 0, 4, 20, (const double[]){120, NAN}, 2, "T", NULL, "-1h", "-30m", 0, 0);
    assert_string_equal(screen_row(0, 0, 20, buf, sizeof buf), "T                   ");
    /* top 200, 120 is 5 of 8 dots; 2 graph rows have no middle label */
    assert_string_equal(screen_row(1, 0, 20, buf, sizeof buf), axis_row(want, "200┤", top, 16));
    assert_string_equal(screen_row(2, 0, 20, buf, sizeof buf), axis_row(want, "  0┤", bottom, 16));
    assert_string_equal(screen_row(3, 0, 20, buf, sizeof buf), "    -1h   -30m   now");

    /* too small: nothing at all */
    erase();
    graph_draw(0, 0, 3, 20, v, 8, "T", NULL, NULL, NULL, 0, 0);
    graph_draw(0, 0, 6, 5, v, 8, "T", NULL, NULL, NULL, 0, 0);
    assert_string_equal(screen_row(0, 0, 20, buf, sizeof buf), "                    ");
    screen_close(s, null);
}

static void
test_draw_bars(void **state)
{
    const double v[] = {1, 2, 3, 4, NAN, 8};
    const char *const labels[] = {"0h", NULL, "2h", "late", "4h", "5"};
    FILE *null;
    SCREEN *s;
    char buf[256];

    (void)state;
    s = screen_open(&null);
    graph_draw_bars(2, 1, 4, v, 6, "SALES", labels, A_BOLD, A_REVERSE);
    assert_string_equal(screen_row(2, 1, 6, buf, sizeof buf), "SALES ");
    assert_string_equal(screen_row(3, 1, 6, buf, sizeof buf), "     █");
    assert_string_equal(screen_row(4, 1, 6, buf, sizeof buf), "▂▄▆█ █");
    /* "2h" would touch "0h", "late" runs past the bars, "5" would touch "4h" */
    assert_string_equal(screen_row(5, 1, 7, buf, sizeof buf), "0h  4h ");
    assert_true(mvinch(2, 1) & A_BOLD);
    assert_true(mvinch(4, 1) & A_REVERSE);
    assert_false(mvinch(5, 1) & A_REVERSE);
    screen_close(s, null);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nice_max),
        cmocka_unit_test(test_braille_cell),
        cmocka_unit_test(test_braille_scale),
        cmocka_unit_test(test_braille_newest),
        cmocka_unit_test(test_braille_right_aligned),
        cmocka_unit_test(test_braille_two_rows),
        cmocka_unit_test(test_bars_one_row),
        cmocka_unit_test(test_bars_two_rows),
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_draw_bars),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
