/*
 * test_qr.c - QR matrices, their block-character rows, login URLs, and the
 * sheet writer's formats (structure; decoding is in tests/integration).
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/qr.h"
#include "wisp/sheet.h"

static void
test_matrix(void **state)
{
    struct qr q;
    struct werr e = {0};

    (void)state;
    assert_int_equal(qr_encode("HELLO", 'M', &q, &e), 0);
    assert_int_equal(q.width, 21); /* version 1 */
    /* finder patterns: dark corners, light separator */
    assert_int_equal(qr_dark(&q, 0, 0), 1);
    assert_int_equal(qr_dark(&q, 20, 0), 1);
    assert_int_equal(qr_dark(&q, 0, 20), 1);
    assert_int_equal(qr_dark(&q, 7, 7), 0);
    assert_int_equal(qr_dark(&q, -1, 0), 0);
    assert_int_equal(qr_dark(&q, 21, 21), 0);
    assert_int_equal(qr_text_rows(&q, 4), 15);
    assert_int_equal(qr_text_cols(&q, 4), 29);
    qr_free(&q);
}

/* Count the glyphs of one rendered row. */
static int
count(const char *s, const char *glyph)
{
    int n = 0;

    for (const char *p = s; (p = strstr(p, glyph)) != NULL; p += strlen(glyph))
        n++;
    return n;
}

static void
test_rows(void **state)
{
    struct qr q;
    struct werr e = {0};
    struct sbuf a = {0}, b = {0};

    (void)state;
    assert_int_equal(qr_encode("HELLO", 'M', &q, &e), 0);
    /* row 2 with margin 4 covers module rows 0 and 1: finder top edge */
    qr_text_row(&q, 4, true, 2, &a);
    assert_int_equal(str_width(a.buf), 29);
    assert_int_equal(strncmp(a.buf, "    ", 4), 0); /* quiet zone */
    assert_int_equal(strncmp(a.buf + 4, "\u2588\u2580\u2580", 9), 0);
    qr_text_row(&q, 4, false, 2, &b);
    assert_int_equal(str_width(b.buf), 29);
    /* inverted: every quiet-zone cell is a full block, dark-over-light becomes lower half */
    assert_int_equal(count(b.buf, "\u2588"), 4 * 2 + count(a.buf, " ") - 8);
    assert_int_equal(count(b.buf, "\u2584"), count(a.buf, "\u2580"));
    sb_free(&a);
    sb_free(&b);
    qr_free(&q);
}

static void
test_login_url(void **state)
{
    char *u;

    (void)state;
    u = qr_login_url("http://h/login?username={user}&password={pass}", "ab+c", "x y&z%/~");
    assert_string_equal(u, "http://h/login?username=ab%2Bc&password=x%20y%26z%25%2F~");
    free(u);
    u = qr_login_url("http://status.client/login?voucher={user}", "Q7-AB", "ignored");
    assert_string_equal(u, "http://status.client/login?voucher=Q7-AB");
    free(u);
}

static const struct sheet_card cards[] = {
    {"abcd2345", NULL, "1h", "1.50", "1h, valid 30d", "1-0001", "http://h/l?u=abcd2345"},
    {"efgh6789", "pw9", "1h", "1.50", "1h", "1-0002", "http://h/l?u=efgh6789&p=pw9"},
    {"jkmn2345", NULL, "1h", "1.50", "", "1-0003", "http://h/l?u=jkmn2345"},
};

static char *
render(enum sheet_format f, enum sheet_paper p, int columns, size_t *len)
{
    struct sheet_opts o = {.format = f,
                           .paper = p,
                           .columns = columns,
                           .shop_name = "Cafe (Net)",
                           .currency = "KES",
                           .ecc = 'M'};
    struct werr e = {0};
    char *buf = NULL;
    FILE *out = open_memstream(&buf, len);

    assert_int_equal(sheet_write(out, &o, cards, 3, &e), 0);
    fclose(out);
    return buf;
}

static void
test_text_sheet(void **state)
{
    size_t len;
    char *s = render(SHEET_TEXT, PAPER_A4, 2, &len);
    char *line, *save = NULL;
    int width = -1;

    (void)state;
    assert_non_null(strstr(s, "Cafe (Net)"));
    assert_non_null(strstr(s, "KES 1.50"));
    assert_non_null(strstr(s, "Pass   pw9"));
    assert_non_null(strstr(s, "No. 1-0003"));
    assert_null(strchr(s, '\033'));
    /* every line of the first row of cards has the same width */
    for (line = strtok_r(s, "\n", &save); line && *line; line = strtok_r(NULL, "\n", &save)) {
        if (strstr(line, "\u2514")) /* bottom border ends the row */
            break;
        if (width < 0)
            width = str_width(line);
        assert_int_equal(str_width(line), width);
    }
    free(s);
    s = render(SHEET_ANSI, PAPER_A4, 3, &len);
    assert_non_null(strstr(s, "\033[0;30;47m"));
    free(s);
}

/* PostScript and PDF come from render.c (cairo): the structure of each,
 * the page size of the paper asked for, and every page shown. The text
 * itself is checked with pdftotext in tests/integration/51_print_pdf.sh. */
static void
test_ps_sheet(void **state)
{
    size_t len;
    char *s = render(SHEET_PS, PAPER_LETTER, 3, &len);

    (void)state;
    assert_int_equal(strncmp(s, "%!PS-Adobe-3.0", 14), 0);
    assert_non_null(strstr(s, "%%Pages: 1"));
    assert_non_null(strstr(s, "%%Creator: cairo")); /* not the old hand-written PostScript */
    assert_non_null(strstr(s, "%%DocumentMedia: Letter 612 792"));
    assert_non_null(strstr(s, "showpage"));
    assert_non_null(strstr(s, "%%EOF"));
    free(s);
}

static void
test_pdf_sheet(void **state)
{
    size_t len;
    char *s = render(SHEET_PDF, PAPER_A4, 3, &len);

    (void)state;
    assert_int_equal(strncmp(s, "%PDF-1.", 7), 0);
    assert_non_null(memmem(s, len, "/MediaBox [ 0 0 595 842 ]", 25));
    assert_non_null(memmem(s, len, "/Count 1", 8));
    assert_non_null(memmem(s, len, "%%EOF", 5));
    free(s);
}

static void
test_escpos(void **state)
{
    size_t len;
    char *s = render(SHEET_ESCPOS, PAPER_58MM, 0, &len);
    const unsigned char model[] = {0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00};
    const unsigned char size[] = {0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x05};
    const unsigned char ecc[] = {0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x45, 0x31};
    const unsigned char print[] = {0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x51, 0x30};
    const unsigned char cut[] = {0x1d, 0x56, 0x42, 0x00};
    const char *url = cards[1].url;
    unsigned char store[64] = {0x1d, 0x28, 0x6b, 0, 0, 0x31, 0x50, 0x30};
    size_t ulen = strlen(url);

    (void)state;
    store[3] = (unsigned char)(ulen + 3);
    memcpy(store + 8, url, ulen);
    assert_non_null(memmem(s, len, model, sizeof model));
    assert_non_null(memmem(s, len, size, sizeof size));
    assert_non_null(memmem(s, len, ecc, sizeof ecc));
    assert_non_null(memmem(s, len, store, 8 + ulen));
    assert_non_null(memmem(s, len, print, sizeof print));
    {
        int cuts = 0;
        for (const char *p = s; (p = memmem(p, len - (size_t)(p - s), cut, sizeof cut)); p++)
            cuts++;
        assert_int_equal(cuts, 3);
    }
    free(s);
}

static void
test_parse(void **state)
{
    enum sheet_format f;
    enum sheet_paper p;
    struct werr e = {0};

    (void)state;
    assert_int_equal(sheet_parse_format("ps", &f, &e), 0);
    assert_int_equal(f, SHEET_PS);
    assert_int_equal(sheet_parse_format("pdf", &f, &e), 0);
    assert_int_equal(f, SHEET_PDF);
    assert_string_equal(sheet_format_name(SHEET_PDF), "pdf");
    assert_int_equal(sheet_parse_format("docx", &f, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_int_equal(sheet_format_for_file("/tmp/b1.PDF", &f), 0);
    assert_int_equal(f, SHEET_PDF);
    assert_int_equal(sheet_format_for_file("b1.txt", &f), 0);
    assert_int_equal(f, SHEET_TEXT);
    assert_int_equal(sheet_format_for_file("dir.ps/sheet", &f), -1);
    assert_int_equal(sheet_format_for_file(NULL, &f), -1);
    assert_int_equal(sheet_parse_paper("58mm", &p, &e), 0);
    assert_int_equal(p, PAPER_58MM);
    assert_int_equal(sheet_parse_paper("a3", &p, &e), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),    cmocka_unit_test(test_rows),
        cmocka_unit_test(test_login_url), cmocka_unit_test(test_text_sheet),
        cmocka_unit_test(test_ps_sheet),  cmocka_unit_test(test_pdf_sheet),
        cmocka_unit_test(test_escpos),    cmocka_unit_test(test_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
