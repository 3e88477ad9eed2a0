/*
 * sheet.h - voucher sheets and tickets in five formats, independent of the
 * database: the caller hands in cards, a sheet comes out on a FILE.
 *
 *   pdf     PDF for A4/Letter drawn by render.c (cairo, pango: any script),
 *           QR as exact vector squares on the dot grid
 *   ps      the same drawing as PostScript
 *   text    UTF-8 sheet of bordered cards in N columns, form feed between pages
 *   ansi    the same, coloured, for a terminal
 *   escpos  one ticket per card for 58/80 mm thermal printers (escpos.c), QR
 *           through the printer's own GS ( k command, text beyond ASCII as
 *           a raster drawn by render.c, a cut between tickets
 */
#ifndef WISP_SHEET_H
#define WISP_SHEET_H

#include <stddef.h>
#include <stdio.h>

#include "wisp/err.h"

struct render_layout; /* render.h: where each item goes on a card or a ticket */

enum sheet_format { SHEET_TEXT, SHEET_ANSI, SHEET_PS, SHEET_ESCPOS, SHEET_PDF };
enum sheet_paper { PAPER_A4, PAPER_LETTER, PAPER_58MM, PAPER_80MM };

/* One voucher card. All strings are UTF-8; password is NULL in code mode. */
struct sheet_card {
    const char *code;
    const char *password; /* NULL when username = password = code */
    const char *plan;     /* plan name */
    const char *price;    /* "5.00" */
    const char *validity; /* human text, e.g. "1h" or "1h, 5G, valid 30d"; may be "" */
    const char *serial;   /* e.g. "12-0001" (batch-number) */
    const char *url;      /* what the QR holds (login URL, already filled in) */
};

struct sheet_opts {
    enum sheet_format format;
    int columns;            /* cards per row for text/ansi/pdf/ps; 0 = best fit for the paper */
    enum sheet_paper paper; /* a4/letter for pdf/ps and text page length; 58/80mm for escpos */
    const char *shop_name;
    const char *currency; /* shown before the price, e.g. "KES" */
    char ecc;             /* 'L','M','Q','H' */
    /* A template's layout (render.h), or NULL for the built-in one of the
     * paper: cards for pdf/ps, tickets for escpos. */
    const struct render_layout *layout;
    /* progress callback, may be NULL: called every few cards and at the end */
    void (*progress)(size_t done, size_t total, void *arg);
    void *progress_arg;
};

/* Parse "pdf|ps|text|ansi|escpos" and "a4|letter|58mm|80mm". -1 with WISP_EUSAGE on anything else.
 */
int sheet_parse_format(const char *s, enum sheet_format *f, struct werr *e);
int sheet_parse_paper(const char *s, enum sheet_paper *p, struct werr *e);
/* The format a file's extension names (.pdf, .ps, .txt): 0, or -1 for any other. */
int sheet_format_for_file(const char *path, enum sheet_format *f);
/* The name sheet_parse_format reads for f ("pdf"). */
const char *sheet_format_name(enum sheet_format f);

/* Write n cards to out. -1 with the reason on a QR or write error. */
int sheet_write(FILE *out, const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
                struct werr *e);

#endif
