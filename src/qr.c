/*
 * qr.c - QR symbols from libqrencode as a plain module matrix, and their
 * block-character rendering (see include/wisp/qr.h).
 */
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "wisp/i18n.h"
#include "wisp/qr.h"

int
qr_encode(const char *text, char ecc, struct qr *q, struct werr *e)
{
    QRecLevel level;
    QRcode *code;

    switch (ecc) {
    case 'L':
        level = QR_ECLEVEL_L;
        break;
    case 'Q':
        level = QR_ECLEVEL_Q;
        break;
    case 'H':
        level = QR_ECLEVEL_H;
        break;
    default:
        level = QR_ECLEVEL_M;
        break;
    }
    memset(q, 0, sizeof *q);
    code = QRcode_encodeData((int)strlen(text), (const unsigned char *)text, 0, level);
    if (code == NULL)
        return werr_set(e, WISP_ERUNTIME, _("cannot make a QR code of %zu bytes"), strlen(text));
    q->width = code->width;
    q->dark = xmalloc((size_t)code->width * (size_t)code->width);
    for (int i = 0; i < code->width * code->width; i++)
        q->dark[i] = code->data[i] & 1; /* bit 0 is the module's colour */
    QRcode_free(code);
    return 0;
}

void
qr_free(struct qr *q)
{
    free(q->dark);
    memset(q, 0, sizeof *q);
}

int
qr_dark(const struct qr *q, int x, int y)
{
    if (x < 0 || y < 0 || x >= q->width || y >= q->width)
        return 0;
    return q->dark[y * q->width + x];
}

int
qr_text_rows(const struct qr *q, int margin)
{
    return (q->width + 2 * margin + 1) / 2;
}

int
qr_text_cols(const struct qr *q, int margin)
{
    return q->width + 2 * margin;
}

void
qr_text_row(const struct qr *q, int margin, bool blocks_dark, int row, struct sbuf *out)
{
    static const char *const glyph[4] = {" ", "\u2584", "\u2580",
                                         "\u2588"}; /* lower, upper, full */
    int top = 2 * row - margin, size = q->width + 2 * margin;

    for (int c = 0; c < size; c++) {
        int x = c - margin;
        int up = qr_dark(q, x, top), down = 0;

        if (2 * row + 1 < size)
            down = qr_dark(q, x, top + 1);
        else
            down = !blocks_dark; /* past the last row: paper colour */
        if (!blocks_dark)
            up = !up, down = !down;
        sb_add(out, glyph[up << 1 | down]);
    }
}

char *
qr_login_url(const char *tmpl, const char *user, const char *pass)
{
    static const char hex[] = "0123456789ABCDEF";
    struct sbuf sb = {0};

    for (const char *p = tmpl; *p;) {
        const char *v = NULL;

        if (str_starts(p, "{user}"))
            v = user, p += 6;
        else if (str_starts(p, "{pass}"))
            v = pass, p += 6;
        if (v == NULL) {
            sb_addc(&sb, *p++);
            continue;
        }
        for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
            if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                strchr("-._~", *c)) {
                sb_addc(&sb, (char)*c);
            } else {
                sb_addc(&sb, '%');
                sb_addc(&sb, hex[*c >> 4]);
                sb_addc(&sb, hex[*c & 15]);
            }
        }
    }
    return sb_steal(&sb);
}
