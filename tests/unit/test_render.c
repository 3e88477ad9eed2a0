/*
 * test_render.c - the cairo/pango renderer: the fixed layout, an Arabic
 * shop and plan name with accented Latin and CJK drawn into a PDF and read
 * back with pdftotext (poppler-utils), text pages, and its errors.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/render.h"
#include "wisp/sheet.h"
#include "wisp/util.h"

static const struct sheet_card cards[] = {
    {"abcd2345", NULL, "ساعة واحدة", "1.50", "1h, valid 30d", "1-0001", "http://h/l?u=abcd2345"},
    {"efgh6789", "pw9", "Café Ñandú", "1.50", "1h", "1-0002", "http://h/l?u=efgh6789&p=pw9"},
    {"jkmn2345", NULL, "星", "1.50", "", "1-0003", "http://h/l?u=jkmn2345"},
};

static void
test_layout(void **state)
{
    struct render_layout l;
    int qr = -1;

    (void)state;
    render_layout_default(&l, PAPER_A4, 0);
    assert_int_equal(l.columns, 3);
    assert_int_equal(l.rows, 5);
    assert_true(l.page_w == 595 && l.page_h == 842);
    for (int i = 0; i < l.nboxes; i++) {
        const struct render_box *b = &l.boxes[i];

        if (b->item == RI_QR)
            qr = i;
        /* every box inside its card */
        assert_true(b->x >= 0 && b->y >= 0 && b->x + b->w <= l.card_w && b->y < l.card_h);
    }
    assert_true(qr >= 0);
    render_layout_default(&l, PAPER_LETTER, 4);
    assert_int_equal(l.columns, 4);
    assert_true(l.page_w == 612 && l.page_h == 792);
    assert_true(l.columns * l.card_w <= l.page_w - 2 * l.margin_x + 0.01);
}

/* The text pdftotext reads from a PDF of the cards, without the bidi
 * controls it wraps right-to-left runs in. */
static char *
pdf_text(const struct sheet_opts *o)
{
    char path[] = "/tmp/wisp-render-XXXXXX", cmd[128];
    struct werr e = {0};
    struct sbuf text = {0};
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w"), *p;
    char buf[512];

    assert_non_null(f);
    assert_int_equal(sheet_write(f, o, cards, 3, &e), 0);
    fclose(f);
    snprintf(cmd, sizeof cmd, "pdftotext -enc UTF-8 %s -", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(buf, sizeof buf, p))
        for (const char *s = buf; *s; s++) {
            /* U+200E/F, U+202A..E are E2 80 8E/8F/AA..AE */
            if ((unsigned char)s[0] == 0xe2 && (unsigned char)s[1] == 0x80 &&
                ((unsigned char)s[2] == 0x8e || (unsigned char)s[2] == 0x8f ||
                 ((unsigned char)s[2] >= 0xaa && (unsigned char)s[2] <= 0xae))) {
                s += 2;
                continue;
            }
            sb_addc(&text, *s);
        }
    assert_int_equal(pclose(p), 0);
    unlink(path);
    return sb_steal(&text);
}

/* s without spaces: pdftotext may put one where two Arabic glyphs of a word
 * do not touch; the letters and their order must be right. */
static char *
squeeze(const char *s)
{
    struct sbuf b = {0};

    for (; *s; s++)
        if (*s != ' ')
            sb_addc(&b, *s);
    return sb_steal(&b);
}

static void
test_scripts_come_back(void **state)
{
    struct sheet_opts o = {.format = SHEET_PDF,
                           .paper = PAPER_A4,
                           .shop_name = "مقهى النجمة",
                           .currency = "IDR",
                           .ecc = 'M'};
    char *text = pdf_text(&o), *flat = squeeze(text);

    (void)state;
    assert_non_null(strstr(flat, "مقهىالنجمة"));   /* the shop, Arabic */
    assert_non_null(strstr(flat, "ساعةواحدة"));    /* a plan, Arabic */
    assert_non_null(strstr(text, "Café Ñandú\n")); /* a plan, accented Latin */
    assert_non_null(strstr(text, "星\n"));         /* a plan, CJK */
    assert_non_null(strstr(text, "Code abcd2345"));
    assert_non_null(strstr(text, "User efgh6789"));
    assert_non_null(strstr(text, "Pass pw9"));
    assert_non_null(strstr(text, "IDR 1.50"));
    assert_non_null(strstr(text, "No. 1-0003"));
    assert_null(strchr(text, '?'));
    free(flat);
    free(text);
}

static void
test_text_pages(void **state)
{
    struct werr e = {0};
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct sbuf many = {0};

    (void)state;
    for (int i = 0; i < 100; i++) /* 12 pt lines, 63 a page: two A4 pages */
        sb_printf(&many, "line %d مقهى\n", i);
    assert_int_equal(render_text_pages(out, RENDER_PDF, PAPER_A4, many.buf, &e), 0);
    fclose(out);
    assert_int_equal(strncmp(buf, "%PDF-", 5), 0);
    assert_non_null(memmem(buf, len, "/Count 2", 8));
    free(buf);
    sb_free(&many);
}

static void
test_errors(void **state)
{
    struct render_layout l;
    struct sheet_opts o = {.shop_name = "x", .ecc = 'M'};
    struct werr e = {0};
    FILE *full = fopen("/dev/full", "w");

    (void)state;
    render_layout_default(&l, PAPER_A4, 3);
    l.rows = 0;
    assert_int_equal(render_sheet(stdout, RENDER_PDF, &l, &o, cards, 3, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    werr_clear(&e);
    render_layout_default(&l, PAPER_A4, 3);
    assert_non_null(full);
    setvbuf(full, NULL, _IONBF, 0);
    assert_int_equal(render_sheet(full, RENDER_PDF, &l, &o, cards, 3, &e), -1);
    assert_int_equal(e.status, WISP_ERUNTIME);
    assert_non_null(strstr(e.msg, "writing the sheet"));
    fclose(full);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_scripts_come_back),
        cmocka_unit_test(test_text_pages),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
