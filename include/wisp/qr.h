/*
 * qr.h - QR codes as module matrices, and their block-character rendering.
 *
 * libqrencode makes the symbol; this module owns the matrix and turns it into
 * text: two module rows per character row with the glyphs U+2588 FULL BLOCK,
 * U+2580 UPPER HALF BLOCK, U+2584 LOWER HALF BLOCK and space. Which modules
 * become blocks is the caller's choice, made on purpose per output: on paper
 * the ink is the dark module; on a screen with explicit colours either works.
 */
#ifndef WISP_QR_H
#define WISP_QR_H

#include <stdbool.h>

#include "wisp/err.h"
#include "wisp/util.h"

struct qr {
    int width;           /* modules per side, without quiet zone */
    unsigned char *dark; /* width*width bytes, 1 = dark module */
};

/* Encode text (8-bit mode, case-sensitive) at ECC level 'L', 'M', 'Q' or 'H'. */
int qr_encode(const char *text, char ecc, struct qr *q, struct werr *e);
void qr_free(struct qr *q);

/* 1 when module (x, y) is dark; 0 outside the symbol (the quiet zone). */
int qr_dark(const struct qr *q, int x, int y);

/* Character rows the symbol takes with `margin` quiet-zone modules on each side. */
int qr_text_rows(const struct qr *q, int margin);
/* Columns those rows take (each character is one column). */
int qr_text_cols(const struct qr *q, int margin);

/* Append character row `row` (0-based, < qr_text_rows) to out, without newline.
 * blocks_dark true: dark modules are drawn as blocks (ink on paper, or a light
 * terminal); false: light modules are blocks (qrencode's UTF8 mode for dark
 * terminals). */
void qr_text_row(const struct qr *q, int margin, bool blocks_dark, int row, struct sbuf *out);

/* Fill `text` with the URL for a voucher: the template with {user} and {pass}
 * replaced by the URL-encoded (RFC 3986 unreserved kept) user and password. */
char *qr_login_url(const char *tmpl, const char *user, const char *pass);

#endif
