/*
 * escpos.h - voucher tickets for 58 mm and 80 mm thermal printers, as
 * ESC/POS bytes.
 *
 * A ticket is a layout's boxes (render.h) taken in order of y, one line or
 * block each. Text that is plain printable ASCII goes as printer text (its
 * own font: fast and sharp); any other text is drawn by render.c (pango:
 * the sheets' fonts, shaping and bidi) into a 1-bit raster the width of the
 * paper (384 dots on 58 mm, 576 on 80 mm) and sent as GS v 0, as is a
 * logo box's PNG (scaled to its box, dithered to 1 bit). No code page
 * is selected (no ESC t): the numbers ESC t takes differ between makers,
 * and ASCII is the one part every code page agrees on. The QR is the
 * printer's own QR command (GS ( k: model 2, module size, ECC, store, print).
 * docs/printing.md describes the bytes.
 */
#ifndef WISP_ESCPOS_H
#define WISP_ESCPOS_H

#include <stddef.h>
#include <stdio.h>

#include "wisp/err.h"
#include "wisp/sheet.h"

/* Write one ticket per card to out, cut after each, laid out by o->layout
 * or, when it is NULL, render_layout_ticket_default for o->paper (58mm,
 * else 80mm). -1 with the reason on a URL no QR holds or a write error. */
int escpos_write(FILE *out, const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
                 struct werr *e);

#endif
