/*
 * bench_sheet.c - 1,000-voucher sheets, text, PDF and PostScript (cairo and
 * pango), and PDF with the shipped "large" template (a logo, a coloured free
 * line: templates/large.json, read from the tree's top), written to
 * /dev/null in-process on one core, in the same run.
 * Prints the median of RUNS runs (default 7) per format. Target (issues 2
 * and 14): under 1 s each. Then 1,000 ESC/POS tickets on 80 mm paper with
 * an ASCII shop name (printer text only) and with an Arabic one (its line
 * a raster drawn by pango, once, and the price line's currency too), and
 * the ratio of the two (issue 14), and with an Arabic label before every
 * code: a raster drawn for each ticket, the worst case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wisp/qr.h"
#include "wisp/render.h"
#include "wisp/sheet.h"
#include "wisp/template.h"
#include "wisp/util.h"

#include "bench.h"

#define CARDS 1000

/* The median of runs sheets of the cards, in ms, to *ms; -1 on an error. */
static int
median_ms(FILE *null, const struct sheet_opts *o, const struct sheet_card *cards, int runs,
          double *t, double *ms)
{
    struct werr e = {0};

    for (int r = 0; r < runs; r++) {
        double t0 = bench_now_ms();

        if (sheet_write(null, o, cards, CARDS, &e) < 0) {
            fprintf(stderr, "bench_sheet: %s\n", e.msg);
            return -1;
        }
        t[r] = bench_now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, bench_cmp_double);
    *ms = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
    return 0;
}

int
main(void)
{
    static const char *const names[] = {"text", "pdf", "ps", "pdf (template large)"};
    static const enum sheet_format formats[] = {SHEET_TEXT, SHEET_PDF, SHEET_PS, SHEET_PDF};
    struct template large;
    static struct sheet_card cards[CARDS];
    const char *env = getenv("RUNS");
    int runs = env ? atoi(env) : 7;
    double *t = xcalloc((size_t)(runs > 0 ? runs : 1), sizeof *t);
    FILE *null = fopen("/dev/null", "w");
    double ms;

    if (runs < 1 || null == NULL)
        return 1;
    if (template_load_file(&large, "templates/large.json", PAPER_A4, 0, &e) < 0) {
        fprintf(stderr, "bench_sheet: %s\n", e.msg);
        return 1;
    }
    for (int i = 0; i < CARDS; i++) {
        char code[16];

        snprintf(code, sizeof code, "k%07dx", i);
        cards[i].code = xstrdup(code);
        cards[i].plan = "1h";
        cards[i].price = "1.50";
        cards[i].validity = "1h, 2M/4M, valid 30d";
        cards[i].serial = xasprintf("1-%04d", i + 1);
        cards[i].url =
            qr_login_url("http://hotspot.lan/login?username={user}&password={pass}", code, code);
    }
    for (int f = 0; f < 4; f++) {
        struct sheet_opts o = {.format = formats[f],
                               .paper = PAPER_A4,
                               .shop_name = "wisp hotspot",
                               .currency = "USD",
                               .ecc = 'M',
                               .layout = f == 3 ? &large.layout : NULL};

        if (median_ms(null, &o, cards, runs, t, &ms) < 0)
            return 1;
        printf("bench: sheet %s %d vouchers: median %.1f ms over %d runs (target < 1000 ms)\n",
               names[f], CARDS, ms, runs);
    }
    {
        struct sheet_opts o = {.format = SHEET_ESCPOS,
                               .paper = PAPER_80MM,
                               .shop_name = "wisp hotspot",
                               .currency = "USD",
                               .ecc = 'M'};
        struct render_layout l;
        double ascii, arabic;

        if (median_ms(null, &o, cards, runs, t, &ascii) < 0)
            return 1;
        o.shop_name = "\u0645\u0642\u0647\u0649 \u0627\u0644\u0646\u062c\u0645\u0629";
        o.currency = "\u0631.\u0633";
        if (median_ms(null, &o, cards, runs, t, &arabic) < 0)
            return 1;
        printf("bench: tickets escpos 80mm %d vouchers: median %.1f ms ASCII (printer text), "
               "%.1f ms Arabic shop and currency (rasters), ratio %.2f over %d runs\n",
               CARDS, ascii, arabic, arabic / ascii, runs);
        /* the worst case: a line that differs on every ticket drawn 1,000 times */
        render_layout_ticket_default(&l, PAPER_80MM);
        for (int i = 0; i < l.nboxes; i++)
            if (l.boxes[i].item == RI_CODE)
                l.boxes[i].label = "\u0627\u0644\u0631\u0645\u0632 ";
        o.layout = &l;
        if (median_ms(null, &o, cards, runs, t, &arabic) < 0)
            return 1;
        printf("bench: tickets escpos 80mm %d vouchers with an Arabic code label (a raster drawn "
               "for every ticket): median %.1f ms, ratio %.2f to ASCII over %d runs\n",
               CARDS, arabic, arabic / ascii, runs);
    }
    fclose(null);
    free(t);
    template_free(&large);
    return 0;
}
