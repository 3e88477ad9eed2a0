/*
 * bench_sheet.c - 1,000-voucher sheets, text, PDF and PostScript (cairo and
 * pango), and PDF with the shipped "large" template (a logo, a coloured free
 * line: templates/large.json, read from the tree's top), written to
 * /dev/null in-process on one core, in the same run.
 * Prints the median of RUNS runs (default 7) per format. Target (issues 2
 * and 14): under 1 s each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wisp/qr.h"
#include "wisp/sheet.h"
#include "wisp/template.h"
#include "wisp/util.h"

#include "bench.h"

#define CARDS 1000

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
    struct werr e = {0};

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

        for (int r = 0; r < runs; r++) {
            double t0 = bench_now_ms();

            if (sheet_write(null, &o, cards, CARDS, &e) < 0) {
                fprintf(stderr, "bench_sheet: %s\n", e.msg);
                return 1;
            }
            t[r] = bench_now_ms() - t0;
        }
        qsort(t, (size_t)runs, sizeof *t, bench_cmp_double);
        printf("bench: sheet %s %d vouchers: median %.1f ms over %d runs (target < 1000 ms)\n",
               names[f], CARDS, runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2, runs);
    }
    fclose(null);
    free(t);
    template_free(&large);
    return 0;
}
