/*
 * render.h - voucher sheets and text pages drawn with cairo and pango: PDF
 * and PostScript from one renderer (cairo's PDF and PS surfaces).
 *
 * Text goes through pango (HarfBuzz shaping, bidi, fontconfig fallback), so
 * Arabic, Hebrew, Devanagari, Thai, CJK and accented Latin print as typed.
 * QR modules are vector squares whose side is a whole number of dots at 150,
 * 300 and 600 dpi, placed on that dot grid.
 *
 * Where things go on a card is data (struct render_layout): the fixed layout
 * comes from render_layout_default(); templates fill the same structure.
 */
#ifndef WISP_RENDER_H
#define WISP_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "wisp/err.h"
#include "wisp/sheet.h"

enum render_target { RENDER_PDF, RENDER_PS };

/* What a box on a card shows. */
enum render_item {
    RI_SHOP,     /* the shop's name */
    RI_PLAN,     /* the plan's name */
    RI_PRICE,    /* currency and price */
    RI_VALIDITY, /* the plan's description */
    RI_CODE,     /* the code (the user name in userpass mode) */
    RI_PASSWORD, /* the password; nothing in code mode */
    RI_SERIAL,   /* batch-number */
    RI_FREE,     /* the layout's free line (WiFi name, a phone number) */
    RI_QR,       /* the login URL's QR code */
    RI_LOGO,     /* a PNG image (file), scaled into w x h, aspect kept */
};

enum render_align { RA_START, RA_CENTRE, RA_END }; /* start: left in LTR text, right in RTL */

/* A card's text direction: auto (each line by its first strong letter),
 * or every line left to right or right to left. */
enum render_dir { RD_AUTO, RD_LTR, RD_RTL };

/* One box, in points from the card's top-left corner. Text is `lines`
 * lines (0: one) ellipsized to w, or with fit one line scaled down to w
 * (a code cut off is no code); the QR is a square of side w (quiet zone
 * included). */
struct render_box {
    enum render_item item;
    double x, y, w;
    double size;     /* font size in points */
    bool bold, mono; /* mono: the layout's monospace family (codes read without doubt) */
    bool fit;        /* scale down to w rather than cut */
    int lines;       /* wrap to at most this many lines (0, 1: one) */
    enum render_align align;
    const char *label;  /* put before the value ("Code "), may be NULL */
    const char *label2; /* the label when the card has a password ("User "), may be NULL */
    double h;           /* RI_LOGO: the box's height (the image fits w x h) */
    unsigned color;     /* text colour 0xRRGGBB (0: black) */
    const char *text;   /* RI_FREE: this box's text (NULL: the layout's free_line) */
    const char *file;   /* RI_LOGO: the PNG file's path */
};

#define RENDER_MAX_BOXES 24

/* A sheet's layout: the page, the grid of cards and each card's boxes. */
struct render_layout {
    double page_w, page_h; /* points */
    double margin_x, margin_y;
    double card_w, card_h;
    int columns, rows;
    const char *font;      /* pango family list, fontconfig falls back per script */
    const char *mono_font; /* the same for mono boxes */
    const char *free_line; /* RI_FREE's text, may be NULL */
    bool cut_lines;        /* a dashed frame around each card */
    enum render_dir dir;   /* the cards' text direction */
    int nboxes;
    struct render_box boxes[RENDER_MAX_BOXES];
};

/* The fixed layout wisp has always printed: `columns` cards a row (0 = 3)
 * on A4 or Letter (any other paper: A4). */
void render_layout_default(struct render_layout *l, enum sheet_paper paper, int columns);

/* Draw the cards on as many pages as they need, as PDF or PostScript, to
 * out. o gives the shop name, currency, ECC level and progress callback
 * (o->format, o->paper and o->columns are the layout's business). -1 with the
 * reason on a QR, layout or write error. */
int render_sheet(FILE *out, enum render_target t, const struct render_layout *l,
                 const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
                 struct werr *e);

/* Whether path is a PNG file cairo can load: 0, or -1 with the reason. */
int render_png_check(const char *path, struct werr *e);

/* Lines of text (a report) in a monospace font on A4 or Letter pages, as
 * PDF or PostScript. Empty lines keep their space. */
int render_text_pages(FILE *out, enum render_target t, enum sheet_paper paper, const char *text,
                      struct werr *e);

/* ---- thermal tickets (escpos.c prints them) ----------------------------- */

#define RENDER_TICKET_DPI  203.0 /* 8 dots a mm: 58 mm paper prints 384 dots, 80 mm 576 */
#define RENDER_TICKET_LINE 12.0  /* points a printer-text line takes (1/6 inch, ESC 2) */
/* The longest ticket a layout may describe: 2 m of paper (a voucher takes
 * 10-20 cm), some 470 lines; it bounds what a template can make each ticket
 * cost in line feeds and keeps every dot count far inside an int. */
#define RENDER_TICKET_MAX_MM  2000
#define RENDER_TICKET_MAX_LEN (RENDER_TICKET_MAX_MM * 72 / 25.4) /* in points */

/* The dots a ticket prints across: 384 on 58 mm paper, 576 on 80 mm. */
int render_ticket_dots(enum sheet_paper paper);

/* The built-in ticket (58 or 80 mm): the layout's width is the printed
 * width in points, each box one line from the ticket's top, taken in order
 * of y (see docs/printing.md): the shop's name (bold), plan, price,
 * validity, the QR, the code or user and password (bold), the serial.
 * On a ticket only the boxes count (the paper gives the width; a box of
 * width 0 takes the rest of its line), not the page or card fields. */
void render_layout_ticket_default(struct render_layout *l, enum sheet_paper paper);

struct sbuf; /* util.h */

/* The text box b of layout l shows for card c ("" for none; the QR has no
 * text), the same the sheets print; buf holds it when it is built. */
const char *render_box_text(const struct render_box *b, const struct render_layout *l,
                            const struct sheet_opts *o, const struct sheet_card *c,
                            struct sbuf *buf);

/* A 1-bit image in ESC/POS raster order (GS v 0): rows top to bottom of
 * stride bytes, the leftmost dot in the high bit, 1 = ink. */
struct render_bitmap {
    int w, h, stride;
    unsigned char *bits;
};

/* Draws ticket lines into bitmaps with the same fonts, shaping and bidi as
 * the sheets (one renderer), at RENDER_TICKET_DPI. */
struct render_raster;

/* A raster for the boxes of l, `dots` wide (render_ticket_dots). */
struct render_raster *render_raster_new(const struct render_layout *l, int dots);
/* Box `box` of the layout showing text, across the whole width: the box's
 * x, w and alignment place it (an Arabic line laid out right to left, at
 * the right with start alignment), its height the text's lines. Ink is
 * anti-aliased grey thresholded at half. The bitmap is the raster's until
 * the next call for the same box; the same text as last time is not drawn
 * again. NULL for an empty text or a QR box. */
const struct render_bitmap *render_raster_text(struct render_raster *r, int box, const char *text);
/* Logo box `box` of the layout across the whole width: its PNG scaled to
 * fit the box's w x h dots, aspect kept, and no taller than the paper is
 * wide, placed in the box's width as it is aligned; transparent parts are
 * paper, grey a 4 x 4 ordered dither of its shade. Drawn once: the bitmap
 * is the raster's. NULL with the reason when the PNG does not load. */
const struct render_bitmap *render_raster_logo(struct render_raster *r, int box, struct werr *e);
void render_raster_free(struct render_raster *r);

#endif
