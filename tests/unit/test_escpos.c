/*
 * test_escpos.c - thermal tickets: render.c's 1-bit raster of a ticket line
 * (width, stride, where the ink lands for left-to-right and right-to-left
 * text, fit) and escpos.c's bytes (boxes in order of y, printer text for
 * ASCII with its modes, GS v 0 for the rest, no control character let
 * through, the QR's module from its box, a URL no QR holds refused).
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo.h>
#include <cmocka.h>
#include <math.h>
#include <stdint.h>

#include "wisp/escpos.h"
#include "wisp/render.h"
#include "wisp/sheet.h"
#include "wisp/util.h"

/* Where the bytes of string literal lit occur in s (len bytes), or NULL. */
#define FIND(s, len, lit) memmem((s), (len), (lit), sizeof(lit) - 1)

static const struct sheet_card card = {
    "abcd2345", NULL, "1h", "1.50", "1h", "1-0001", "http://h/l?u=abcd2345"};

/* The leftmost and rightmost column with ink, -1 when there is none. */
static void
ink_columns(const struct render_bitmap *bm, int *left, int *right)
{
    *left = *right = -1;
    for (int x = 0; x < bm->w; x++)
        for (int y = 0; y < bm->h; y++)
            if (bm->bits[y * bm->stride + x / 8] & (0x80 >> (x % 8))) {
                if (*left < 0)
                    *left = x;
                *right = x;
                break;
            }
}

/* A ticket layout of one text box per alignment, the full 58 mm width. */
static void
one_line_layout(struct render_layout *l, enum render_align align, bool fit)
{
    render_layout_ticket_default(l, PAPER_58MM);
    l->nboxes = 1;
    l->boxes[0] = (struct render_box){
        .item = RI_SHOP, .w = l->page_w, .size = 8.5, .align = align, .fit = fit};
}

static void
test_raster_geometry(void **state)
{
    struct render_layout l;
    struct render_raster *r;
    const struct render_bitmap *bm;
    int left, right;

    (void)state;
    assert_int_equal(render_ticket_dots(PAPER_58MM), 384);
    assert_int_equal(render_ticket_dots(PAPER_80MM), 576);
    one_line_layout(&l, RA_START, false);
    r = render_raster_new(&l, 384);
    bm = render_raster_text(r, 0, "Caf\u00e9 \u00d1and\u00fa");
    assert_non_null(bm);
    assert_int_equal(bm->w, 384);
    assert_int_equal(bm->stride, 48);
    /* one line of 24-dot type: a line box of about 28 to 40 dots */
    assert_true(bm->h >= 24 && bm->h <= 48);
    ink_columns(bm, &left, &right);
    assert_true(left >= 0 && left < 8 && right < 192); /* Latin starts at the left */
    /* the same text again: the same bitmap, not drawn again */
    assert_ptr_equal(render_raster_text(r, 0, "Caf\u00e9 \u00d1and\u00fa"), bm);
    /* Arabic starts at the right */
    bm = render_raster_text(r, 0, "\u0645\u0642\u0647\u0649 \u0627\u0644\u0646\u062c\u0645\u0629");
    ink_columns(bm, &left, &right);
    assert_true(right > 376 && left > 192);
    assert_null(render_raster_text(r, 0, ""));
    assert_null(render_raster_text(r, 5, "x")); /* no such box */
    render_raster_free(r);

    one_line_layout(&l, RA_CENTRE, false);
    r = render_raster_new(&l, 384);
    bm = render_raster_text(r, 0, "\u0645\u0642\u0647\u0649");
    ink_columns(bm, &left, &right);
    assert_true(abs((left + right) / 2 - 192) <= 4);
    render_raster_free(r);

    one_line_layout(&l, RA_END, false);
    r = render_raster_new(&l, 384);
    bm = render_raster_text(r, 0, "\u00d1");
    ink_columns(bm, &left, &right);
    assert_true(right > 376);
    render_raster_free(r);

    /* a fit box scales a long line down to the width rather than cut it */
    one_line_layout(&l, RA_CENTRE, true);
    r = render_raster_new(&l, 384);
    bm = render_raster_text(r, 0,
                            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9");
    ink_columns(bm, &left, &right);
    assert_true(left >= 0 && left < 8 && right > 376);
    render_raster_free(r);
}

/* The tickets of one card for opts o, in a fresh buffer. */
static char *
tickets(const struct sheet_opts *o, const struct sheet_card *c, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    struct werr e = {0};

    assert_non_null(f);
    assert_int_equal(escpos_write(f, o, c, 1, &e), 0);
    fclose(f);
    return buf;
}

static void
test_ticket_bytes(void **state)
{
    struct render_layout l = {.page_w = 384 * 72 / 203.0, .font = "DejaVu Sans"};
    struct sheet_opts o = {.format = SHEET_ESCPOS,
                           .paper = PAPER_58MM,
                           .shop_name = "Sh\033op\n\x7f\t",
                           .currency = "USD",
                           .ecc = 'M',
                           .layout = &l};
    const unsigned char qr_size[] = {0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43};
    size_t len;
    char *s, *shop, *plan, *qr;

    (void)state;
    /* boxes out of order: the ticket takes them by y */
    l.nboxes = 3;
    l.boxes[0] = (struct render_box){.item = RI_PLAN, .y = 24, .w = l.page_w, .size = 14};
    l.boxes[1] = (struct render_box){.item = RI_QR, .y = 40, .w = 60, .align = RA_CENTRE};
    l.boxes[2] = (struct render_box){
        .item = RI_SHOP, .y = 0, .w = l.page_w, .size = 8.5, .bold = true, .align = RA_END};
    s = tickets(&o, &card, &len);
    assert_int_equal(memcmp(s, "\033@", 2), 0);
    /* no control character of the name reaches the printer; bold, at the end of 32 columns */
    shop = FIND(s, len, "\033!\010                            Shop\n");
    assert_non_null(shop);
    /* a blank line for the gap, then the plan double size (16 columns of 24 dots) */
    plan = FIND(s, len, "\n\033!\0601h\n");
    assert_non_null(plan);
    assert_true(shop < plan);
    /* a 60-point box (169 dots) holds a 25-module symbol and its quiet zone at 5 dots */
    qr = memmem(s, len, qr_size, sizeof qr_size);
    assert_non_null(qr);
    assert_int_equal(qr[sizeof qr_size], 5);
    assert_true(plan < qr);
    assert_null(memmem(s, len, "\035v0", 3)); /* ASCII only: no raster */
    assert_int_equal(memcmp(s + len - 4, "\035VB\0", 4), 0);
    free(s);

    l.boxes[2].w = 0; /* no width: the rest of the line, here all of it */
    s = tickets(&o, &card, &len);
    assert_non_null(FIND(s, len, "\033!\010                            Shop\n"));
    free(s);

    l.boxes[1].w = 30; /* 85 dots: 85 / (25 + 8) = 2 */
    s = tickets(&o, &card, &len);
    qr = memmem(s, len, qr_size, sizeof qr_size);
    assert_non_null(qr);
    assert_int_equal(qr[sizeof qr_size], 2);
    free(s);

    /* beyond ASCII: GS v 0, 48 bytes a row, where the text would be */
    o.shop_name = "Caf\u00e9";
    s = tickets(&o, &card, &len);
    assert_non_null(FIND(s, len, "\033@\035v0\0\060\0"));
    assert_null(memmem(s, len, "Caf", 3));
    free(s);
}

static void
test_default_ticket(void **state)
{
    struct render_layout l;
    struct sheet_opts o = {.format = SHEET_ESCPOS,
                           .paper = PAPER_80MM,
                           .shop_name = "wisp hotspot",
                           .currency = "USD",
                           .ecc = 'Q'};
    static const char want[] = "\033@\033!\010                  wisp hotspot\n"
                               "\033!\000                       1h\n"
                               "                    USD 1.50\n"
                               "                       1h\n"
                               "\n\033a\001";
    size_t len;
    char *s;

    (void)state;
    render_layout_ticket_default(&l, PAPER_80MM);
    assert_true(l.page_w > 204 && l.page_w < 205);
    for (int i = 1; i < l.nboxes; i++)
        assert_true(l.boxes[i].y > l.boxes[i - 1].y);
    s = tickets(&o, &card, &len);
    assert_true(len > sizeof want);
    assert_int_equal(memcmp(s, want, sizeof want - 1), 0);
    free(s);
}

/* How dark a PNG is over white, 0 (white) to 1 (black), averaged. */
static double
png_darkness(const char *path)
{
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    int w = cairo_image_surface_get_width(img), h = cairo_image_surface_get_height(img);
    int stride = cairo_image_surface_get_stride(img);
    const unsigned char *px = cairo_image_surface_get_data(img);
    double sum = 0;

    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    assert_int_equal(cairo_image_surface_get_format(img), CAIRO_FORMAT_ARGB32);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint32_t v = *(const uint32_t *)(const void *)(px + y * stride + 4 * x);
            double a = 255 - (v >> 24); /* premultiplied: over white adds 255 - alpha */
            double lum = 0.299 * ((v >> 16 & 0xff) + a) + 0.587 * ((v >> 8 & 0xff) + a) +
                         0.114 * ((v & 0xff) + a);

            sum += 1 - lum / 255;
        }
    cairo_surface_destroy(img);
    return sum / ((double)w * h);
}

/* A logo box prints as a raster: the PNG (128 x 128) scaled into the box
 * (48 pt high: 135 dots), placed as aligned, its shade kept by the dither,
 * drawn once a print and its bytes on every ticket. */
static void
test_logo(void **state)
{
    static const enum render_align aligns[] = {RA_CENTRE, RA_START, RA_END};
    static const int lefts[] = {(384 - 135) / 2, 0, 384 - 135};
    struct render_layout l;
    struct sheet_opts o = {.format = SHEET_ESCPOS,
                           .paper = PAPER_58MM,
                           .shop_name = "wisp",
                           .currency = "USD",
                           .ecc = 'M',
                           .layout = &l};
    struct sheet_card two[2] = {card, card};
    struct werr e = {0};
    double want = png_darkness("templates/logo.png");
    char *buf = NULL, *first, *second;
    size_t len, band;
    FILE *f;

    (void)state;
    render_layout_ticket_default(&l, PAPER_58MM);
    for (int i = 0; i < l.nboxes; i++)
        l.boxes[i].y += 48;
    memmove(&l.boxes[1], &l.boxes[0], (size_t)l.nboxes * sizeof l.boxes[0]);
    l.nboxes++;
    l.boxes[0] =
        (struct render_box){.item = RI_LOGO, .file = "templates/logo.png", .w = l.page_w, .h = 48};
    for (int a = 0; a < 3; a++) {
        struct render_raster *r;
        const struct render_bitmap *bm;
        int left, right;
        long ink = 0;

        l.boxes[0].align = aligns[a];
        r = render_raster_new(&l, 384);
        bm = render_raster_logo(r, 0, &e);
        if (bm == NULL)
            fail_msg("%s", e.msg);
        assert_int_equal(bm->w, 384);
        assert_int_equal(bm->stride, 48);
        assert_int_equal(bm->h, 135); /* 48 pt at 203 dpi; the width would allow 384 */
        ink_columns(bm, &left, &right);
        assert_true(left >= lefts[a] && left <= lefts[a] + 2);
        assert_true(right >= lefts[a] + 132 && right <= lefts[a] + 134);
        for (int i = 0; i < bm->stride * bm->h; i++)
            ink += __builtin_popcount(bm->bits[i]);
        /* the dither keeps the picture's shade: ink on as many dots as it is dark */
        if (fabs((double)ink / (135 * 135) - want) > 0.02)
            fail_msg("ink on %.3f of the logo's dots, the PNG is %.3f dark",
                     (double)ink / (135 * 135), want);
        assert_ptr_equal(render_raster_logo(r, 0, &e), bm); /* drawn once */
        render_raster_free(r);
    }

    /* two tickets: the same GS v 0 image (135 rows of 48 bytes) at the top of each */
    f = open_memstream(&buf, &len);
    assert_int_equal(escpos_write(f, &o, two, 2, &e), 0);
    fclose(f);
    band = 8 + 48 * 135;
    first = FIND(buf, len, "\033@\035v0\0\060\0\207\0");
    assert_non_null(first);
    second = memmem(first + band, len - (size_t)(first + band - buf), first, band);
    assert_non_null(second);
    assert_non_null(FIND(first + band, 40, "wisp\n")); /* then the shop's name */
    free(buf);

    /* a logo gone since the template was read: the print fails, saying which */
    l.boxes[0].file = "templates/nowhere.png";
    buf = NULL;
    f = open_memstream(&buf, &len);
    assert_int_equal(escpos_write(f, &o, two, 2, &e), -1);
    assert_non_null(strstr(e.msg, "templates/nowhere.png"));
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
}

static void
test_long_url(void **state)
{
    struct sheet_opts o = {.format = SHEET_ESCPOS, .paper = PAPER_58MM, .ecc = 'M'};
    struct sheet_card c = card;
    char *url = xmalloc(2400), *buf = NULL;
    size_t len;
    FILE *f = open_memstream(&buf, &len);
    struct werr e = {0};

    (void)state;
    memset(url, 'a', 2399);
    url[2399] = '\0';
    c.url = url;
    /* 2,399 bytes: more than a QR holds at ECC M (2,331), which the printer would skip */
    assert_int_equal(escpos_write(f, &o, &c, 1, &e), -1);
    assert_non_null(strstr(e.msg, "voucher abcd2345: login URL of 2399 bytes too long"));
    o.ecc = 'L'; /* 2,953 at L */
    assert_int_equal(escpos_write(f, &o, &c, 1, &e), 0);
    fclose(f);
    free(buf);
    free(url);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raster_geometry),
        cmocka_unit_test(test_ticket_bytes),
        cmocka_unit_test(test_default_ticket),
        cmocka_unit_test(test_long_url),
        cmocka_unit_test(test_logo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
