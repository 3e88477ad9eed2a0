/*
 * escpos.c - voucher tickets as ESC/POS bytes (see include/wisp/escpos.h).
 *
 * Each box of the layout, in order of y, becomes printer text (plain ASCII:
 * the printer's font, placed with spaces in its fixed-width columns), a
 * GS v 0 raster drawn by render.c (anything else), or the printer's QR
 * command. Blank lines stand for the gaps between boxes; a box with
 * nothing to show (no validity, no password) prints nothing but keeps its
 * place, so the gaps stay the layout's. A text that repeats on every
 * ticket (the shop's name) is drawn once and its raster bytes reused, and
 * so is a logo (a PNG, drawn by render.c into a raster the same way).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/escpos.h"
#include "wisp/qr.h"
#include "wisp/render.h"
#include "wisp/util.h"

#define FONT_A_W  12   /* dots a character of the printer's font A takes */
#define DOUBLE_AT 12.0 /* a box this many points or more prints double size */
#define BAND_ROWS 255  /* rows a GS v 0 image at most: small printers buffer less */

/* ESC ! n bits */
#define MODE_BOLD   0x08
#define MODE_DOUBLE 0x30 /* double height and width */

struct ticket {
    const struct render_layout *l;
    const struct sheet_opts *o;
    struct render_raster *raster;
    int dots;                            /* the paper's width in dots */
    int order[RENDER_MAX_BOXES];         /* box indexes by y */
    unsigned char mode;                  /* the last ESC ! sent */
    struct sbuf out;                     /* this ticket's bytes */
    struct sbuf built;                   /* a box's text as render_box_text builds it */
    struct sbuf text;                    /* ...without control characters */
    char *drawn[RENDER_MAX_BOXES];       /* each box's last text drawn as a raster */
    struct sbuf cache[RENDER_MAX_BOXES]; /* ...and its raster bytes */
};

/* v rounded, within lo..hi (NaN: lo): a layout's numbers are bounded
 * (template.c), and no double out of an int's range is converted. */
static int
bounded(double v, int lo, int hi)
{
    v = floor(v + 0.5);
    return !(v > lo) ? lo : v > hi ? hi : (int)v;
}

static int
dots(double points)
{
    return bounded(points * RENDER_TICKET_DPI / 72.0, -65536, 65536);
}

/* True when s is plain printable ASCII: bytes every code page prints alike. */
static bool
printable_ascii(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return true;
}

/* A copy of s without control characters (C0 and DEL): a shop name must
 * not send printer commands. */
static void
strip_controls(const char *s, struct sbuf *sb)
{
    sb_reset(sb);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p >= 0x20 && *p != 0x7f)
            sb_addc(sb, (char)*p);
    if (!sb->buf)
        sb_add(sb, "");
}

static void
set_mode(struct ticket *t, unsigned char mode)
{
    if (mode != t->mode) {
        sb_addn(&t->out, "\x1b!", 2); /* ESC ! n: print mode */
        sb_addc(&t->out, (char)mode);
        t->mode = mode;
    }
}

/* One line of printer text: len characters of s in the box's columns. */
static void
text_line(struct ticket *t, const struct render_box *b, int col0, int cols, const char *s,
          size_t len)
{
    int pad = col0;

    if (b->align == RA_CENTRE)
        pad += (cols - (int)len) / 2;
    else if (b->align == RA_END)
        pad += cols - (int)len;
    for (int i = 0; i < pad; i++)
        sb_addc(&t->out, ' ');
    sb_addn(&t->out, s, len);
    sb_addc(&t->out, '\n');
}

/* Plain ASCII as printer text: wrapped at spaces to the box's lines, the
 * last one cut to the box's width. */
static void
put_text(struct ticket *t, const struct render_box *b, const char *s)
{
    bool big = b->size >= DOUBLE_AT;
    int cw = big ? 2 * FONT_A_W : FONT_A_W, all = t->dots / cw;
    int col0 = dots(b->x) / cw, cols = dots(b->w) / cw, lines = b->lines > 1 ? b->lines : 1;

    if (col0 >= all)
        col0 = all - 1;
    if (b->w <= 0 || cols > all - col0) /* no width: the rest of the line */
        cols = all - col0;
    if (cols < 1)
        cols = 1;
    set_mode(t, (unsigned char)((b->bold ? MODE_BOLD : 0) | (big ? MODE_DOUBLE : 0)));
    while (*s == ' ')
        s++;
    for (int i = 0; i < lines && *s; i++) {
        size_t len = strlen(s), cut = len;

        if (len > (size_t)cols) {
            cut = (size_t)cols;
            if (i < lines - 1) { /* break at the last space that fits */
                size_t sp = cut;

                while (sp > 0 && s[sp] != ' ')
                    sp--;
                if (sp > 0)
                    cut = sp;
            }
        }
        while (cut > 0 && s[cut - 1] == ' ')
            cut--;
        text_line(t, b, col0, cols, s, cut);
        s += cut;
        while (*s == ' ')
            s++;
        if (i == lines - 1)
            break;
    }
}

/* A bitmap as GS v 0 images (m = 0: one dot a dot), in bands. */
static void
raster_bytes(const struct render_bitmap *bm, struct sbuf *sb)
{
    sb_reset(sb);
    for (int y0 = 0; y0 < bm->h; y0 += BAND_ROWS) {
        int rows = bm->h - y0 < BAND_ROWS ? bm->h - y0 : BAND_ROWS;
        unsigned char head[8] = {0x1d,
                                 0x76,
                                 0x30,
                                 0,
                                 (unsigned char)(bm->stride & 0xff),
                                 (unsigned char)(bm->stride >> 8),
                                 (unsigned char)(rows & 0xff),
                                 (unsigned char)(rows >> 8)};

        sb_addn(sb, (const char *)head, sizeof head);
        sb_addn(sb, (const char *)bm->bits + (size_t)y0 * (size_t)bm->stride,
                (size_t)rows * (size_t)bm->stride);
    }
    if (!sb->buf)
        sb_add(sb, "");
}

/* Any other text: drawn by render.c and sent as a raster. */
static void
put_raster(struct ticket *t, int box, const char *s)
{
    if (t->drawn[box] == NULL || strcmp(t->drawn[box], s) != 0) {
        const struct render_bitmap *bm;

        if (t->raster == NULL)
            t->raster = render_raster_new(t->l, t->dots);
        if ((bm = render_raster_text(t->raster, box, s)) == NULL)
            return;
        raster_bytes(bm, &t->cache[box]);
        free(t->drawn[box]);
        t->drawn[box] = xstrdup(s);
    }
    sb_addn(&t->out, t->cache[box].buf, t->cache[box].len);
}

/* A logo: drawn by render.c once a print, its raster bytes reused. */
static int
put_logo(struct ticket *t, int box, struct werr *e)
{
    if (t->drawn[box] == NULL) {
        const struct render_bitmap *bm;

        if (t->raster == NULL)
            t->raster = render_raster_new(t->l, t->dots);
        if ((bm = render_raster_logo(t->raster, box, e)) == NULL)
            return -1;
        raster_bytes(bm, &t->cache[box]);
        t->drawn[box] = xstrdup(t->l->boxes[box].file);
    }
    sb_addn(&t->out, t->cache[box].buf, t->cache[box].len);
    return 0;
}

/* GS ( k: cn=49 (QR), fn=pL pH cn fn params. */
static void
qr_cmd(struct sbuf *sb, unsigned fn, const unsigned char *params, size_t np)
{
    size_t len = np + 2;
    unsigned char head[7] = {0x1d,
                             0x28,
                             0x6b,
                             (unsigned char)(len & 0xff),
                             (unsigned char)(len >> 8),
                             0x31,
                             (unsigned char)fn};

    sb_addn(sb, (const char *)head, sizeof head);
    sb_addn(sb, (const char *)params, np);
}

/* The QR's module in dots: 5 on 58 mm paper, 6 on 80 mm (0.6 and 0.75 mm,
 * what phone cameras read at arm's length), smaller when the box is
 * narrower than the symbol and its quiet zone at that size. */
static int
qr_module(const struct ticket *t, const struct render_box *b, const struct sheet_card *c,
          struct werr *e)
{
    int module = t->dots <= 384 ? 5 : 6, side = dots(b->w);
    struct qr q;

    if (b->w <= 0 || side >= t->dots) /* no width: the paper's */
        return module;
    if (qr_encode(c->url, t->o->ecc, &q, e) < 0)
        return -1;
    if (side < (q.width + 8) * module)
        module = side / (q.width + 8);
    qr_free(&q);
    return module < 1 ? 1 : module > 16 ? 16 : module;
}

static int
put_qr(struct ticket *t, const struct render_box *b, const struct sheet_card *c, struct werr *e)
{
    unsigned char model[2] = {0x32, 0x00}, print = 0x30, module, align;
    char ecc = t->o->ecc;
    unsigned char level = ecc == 'L' ? 48 : ecc == 'Q' ? 50 : ecc == 'H' ? 51 : 49;
    /* bytes a version 40 symbol holds at L, M, Q, H: more and the printer
     * prints nothing */
    static const size_t most[] = {2953, 2331, 1663, 1273};
    size_t ulen = strlen(c->url);
    int m;

    if (ulen > most[level - 48])
        return werr_set(e, WISP_ERUNTIME, "login URL of %zu bytes too long for a QR code at ECC %c",
                        ulen, "LMQH"[level - 48]);
    if ((m = qr_module(t, b, c, e)) < 0)
        return -1;
    module = (unsigned char)m;
    align = b->align == RA_START ? 0 : b->align == RA_CENTRE ? 1 : 2;
    sb_addn(&t->out, "\x1b\x61", 2); /* ESC a n: the symbol's alignment */
    sb_addc(&t->out, (char)align);
    qr_cmd(&t->out, 65, model, 2);   /* fn 165: model 2 */
    qr_cmd(&t->out, 67, &module, 1); /* fn 167: module size */
    qr_cmd(&t->out, 69, &level, 1);  /* fn 169: error correction */
    {
        struct sbuf data = {0};

        sb_addc(&data, 0x30);
        sb_addn(&data, c->url, ulen);
        qr_cmd(&t->out, 80, (const unsigned char *)data.buf, data.len); /* fn 180: store */
        sb_free(&data);
    }
    qr_cmd(&t->out, 81, &print, 1);      /* fn 181: print */
    sb_addn(&t->out, "\x1b\x61\x00", 3); /* text is placed with spaces */
    return 0;
}

/* The points a box takes down the ticket in the layout: the QR its side,
 * a logo its h, text its lines. */
static double
box_height(const struct render_box *b)
{
    if (b->item == RI_QR)
        return b->w;
    if (b->item == RI_LOGO)
        return b->h;
    return (b->lines > 1 ? b->lines : 1) * RENDER_TICKET_LINE * (b->size >= DOUBLE_AT ? 2 : 1);
}

static int
put_ticket(struct ticket *t, const struct sheet_card *c, struct werr *e)
{
    double y = 0;

    sb_addn(&t->out, "\x1b\x40", 2); /* ESC @: initialise (font A, mode 0, left) */
    t->mode = 0;
    for (int k = 0; k < t->l->nboxes; k++) {
        int i = t->order[k];
        const struct render_box *b = &t->l->boxes[i];
        int gap = bounded((b->y - y) / RENDER_TICKET_LINE, 0,
                          (int)(RENDER_TICKET_MAX_LEN / RENDER_TICKET_LINE));
        const char *s;

        for (; gap > 0; gap--)
            sb_addc(&t->out, '\n');
        if (b->y + box_height(b) > y)
            y = b->y + box_height(b);
        if (b->item == RI_QR) {
            if (put_qr(t, b, c, e) < 0) {
                werr_prefix(e, "voucher %s", c->code);
                return -1;
            }
            continue;
        }
        if (b->item == RI_LOGO) {
            if (put_logo(t, i, e) < 0)
                return -1;
            continue;
        }
        strip_controls(render_box_text(b, t->l, t->o, c, &t->built), &t->text);
        s = t->text.buf;
        if (!*s)
            continue;
        if (printable_ascii(s))
            put_text(t, b, s);
        else
            put_raster(t, i, s);
    }
    set_mode(t, 0);
    sb_addn(&t->out, "\x1b\x64\x03", 3);     /* ESC d 3: feed past the cutter */
    sb_addn(&t->out, "\x1d\x56\x42\x00", 4); /* GS V 66 0: feed and cut */
    return 0;
}

/* Box indexes in order of y (stable: boxes on one y keep the layout's order). */
static void
sort_boxes(const struct render_layout *l, int *order)
{
    for (int i = 0; i < l->nboxes; i++) {
        int j = i;

        while (j > 0 && l->boxes[order[j - 1]].y > l->boxes[i].y) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
}

int
escpos_write(FILE *out, const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
             struct werr *e)
{
    struct render_layout fixed;
    struct ticket t = {.o = o, .l = o->layout};
    int rc = 0;

    if (t.l == NULL) {
        render_layout_ticket_default(&fixed, o->paper);
        t.l = &fixed;
    }
    t.dots = render_ticket_dots(o->paper);
    sort_boxes(t.l, t.order);
    for (size_t i = 0; i < n && rc == 0; i++) {
        sb_reset(&t.out);
        if (put_ticket(&t, &cards[i], e) < 0)
            rc = -1;
        else if (fwrite(t.out.buf, 1, t.out.len, out) != t.out.len)
            rc = werr_set(e, WISP_ERUNTIME, "writing the tickets: %s", strerror(errno));
        if (rc == 0 && o->progress && ((i + 1) % 50 == 0 || i + 1 == n))
            o->progress(i + 1, n, o->progress_arg);
    }
    if (rc == 0 && fflush(out) != 0)
        rc = werr_set(e, WISP_ERUNTIME, "writing the tickets: %s", strerror(errno));
    render_raster_free(t.raster);
    sb_free(&t.out);
    sb_free(&t.built);
    sb_free(&t.text);
    for (int i = 0; i < RENDER_MAX_BOXES; i++) {
        free(t.drawn[i]);
        sb_free(&t.cache[i]);
    }
    return rc;
}
