/*
 * render.c - voucher sheets and text pages as PDF or PostScript, drawn with
 * cairo and pango (see include/wisp/render.h).
 *
 * One cairo context draws every page; each box of the layout keeps its own
 * PangoLayout, so a text that repeats on every card (the shop's name, the
 * plan) is shaped once, not a thousand times. A QR is one path of run-length
 * rectangles filled at once (no seams between modules), its module a whole
 * number of dots at 150 dpi (so at 300 and 600 too) and its corner on that
 * dot grid: every module prints the same size, which scanners like.
 */
#include <cairo-pdf.h>
#include <cairo-ps.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/qr.h"
#include "wisp/render.h"
#include "wisp/util.h"

#define QUIET 4              /* quiet-zone modules on paper */
#define DOT   (72.0 / 150.0) /* one dot at 150 dpi, in points */
/* DejaVu Sans before the Noto Arabic faces: its Arabic comes back from
 * pdftotext letter for letter (Noto Sans Arabic's ligatures come back
 * reordered); fontconfig finds the rest (CJK, Devanagari, Thai) by script */
#define SANS "Noto Sans, DejaVu Sans, sans-serif"
#define MONO "DejaVu Sans Mono, Noto Sans Mono, monospace"

/* v on the dot grid. The grid starts at the page's bottom-left corner,
 * PDF's and PostScript's origin, which Ghostscript (and so CUPS) puts on a
 * whole pixel; A4's height is not a whole number of dots, so a grid from
 * the top would put every module edge inside a pixel row there. */
static double
on_grid(double v)
{
    return round(v / DOT) * DOT;
}

static void
paper_size(enum sheet_paper p, double *w, double *h)
{
    *w = p == PAPER_LETTER ? 612 : 595;
    *h = p == PAPER_LETTER ? 792 : 842;
}

static void
add_box(struct render_layout *l, struct render_box b)
{
    if (l->nboxes < RENDER_MAX_BOXES)
        l->boxes[l->nboxes++] = b;
}

void
render_layout_default(struct render_layout *l, enum sheet_paper paper, int columns)
{
    double font, side, tx, tw, lead, ty;

    memset(l, 0, sizeof *l);
    paper_size(paper, &l->page_w, &l->page_h);
    l->margin_x = l->margin_y = 28;
    l->columns = columns > 0 ? columns : 3;
    l->card_w = (l->page_w - 2 * l->margin_x) / l->columns;
    l->card_h = 150;
    l->rows = (int)((l->page_h - 2 * l->margin_y) / l->card_h);
    l->font = SANS;
    l->mono_font = MONO;
    l->cut_lines = true;
    font = l->columns > 3 ? 6.5 : 8;
    lead = font + 3;
    side = l->card_h - 24 < l->card_w * 0.55 ? l->card_h - 24 : l->card_w * 0.55;
    tx = 4 + side + 3;
    tw = l->card_w - tx - 5;
    ty = 22;
    add_box(l, (struct render_box){.item = RI_SHOP,
                                   .x = 6,
                                   .y = 5,
                                   .w = l->card_w - 12,
                                   .size = font + 1.5,
                                   .bold = true});
    add_box(l, (struct render_box){.item = RI_QR, .x = 4, .y = 18, .w = side});
    add_box(l, (struct render_box){
                   .item = RI_PLAN, .x = tx, .y = ty, .w = tw, .size = font + 0.5, .bold = true});
    add_box(l,
            (struct render_box){.item = RI_PRICE, .x = tx, .y = ty + lead, .w = tw, .size = font});
    add_box(l, (struct render_box){.item = RI_VALIDITY,
                                   .x = tx,
                                   .y = ty + 2 * lead,
                                   .w = tw,
                                   .size = font - 0.5,
                                   .lines = 2});
    add_box(l, (struct render_box){.item = RI_CODE,
                                   .x = tx,
                                   .y = ty + 4.4 * lead,
                                   .w = tw,
                                   .size = font + 1,
                                   .bold = true,
                                   .mono = true,
                                   .fit = true,
                                   .label = _("Code "),
                                   .label2 = _("User ")});
    add_box(l, (struct render_box){.item = RI_PASSWORD,
                                   .x = tx,
                                   .y = ty + 5.4 * lead,
                                   .w = tw,
                                   .size = font + 1,
                                   .bold = true,
                                   .mono = true,
                                   .fit = true,
                                   .label = _("Pass ")});
    add_box(l, (struct render_box){.item = RI_SERIAL,
                                   .x = tx,
                                   .y = l->card_h - 14,
                                   .w = tw,
                                   .size = font - 1,
                                   .label = _("No. ")});
}

/* ---- cairo surfaces on a FILE -------------------------------------------- */

struct stream {
    FILE *f;
    int err; /* errno of the first failed write */
};

static cairo_status_t
stream_write(void *closure, const unsigned char *data, unsigned int len)
{
    struct stream *s = closure;

    if (s->err)
        return CAIRO_STATUS_WRITE_ERROR;
    if (fwrite(data, 1, len, s->f) != len) {
        s->err = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *
surface_open(enum render_target t, struct stream *s, double w, double h, const char *title)
{
    cairo_surface_t *sf;

    if (t == RENDER_PS) {
        sf = cairo_ps_surface_create_for_stream(stream_write, s, w, h);
        cairo_ps_surface_dsc_comment(sf, "%%Title: wisp");
        (void)title;
    } else {
        sf = cairo_pdf_surface_create_for_stream(stream_write, s, w, h);
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "wisp");
        cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, title);
    }
    return sf;
}

/* Finish the surface and say what went wrong, if anything did. */
static int
surface_close(cairo_t *cr, cairo_surface_t *sf, struct stream *s, int rc, struct werr *e)
{
    cairo_status_t st;

    cairo_destroy(cr);
    cairo_surface_finish(sf);
    st = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (rc < 0)
        return rc;
    if (s->err)
        return werr_set(e, WISP_ERUNTIME, "writing the sheet: %s", strerror(s->err));
    if (st != CAIRO_STATUS_SUCCESS)
        return werr_set(e, WISP_ERUNTIME, "drawing the sheet: %s", cairo_status_to_string(st));
    if (fflush(s->f) != 0)
        return werr_set(e, WISP_ERUNTIME, "writing the sheet: %s", strerror(errno));
    return 0;
}

/* A pango context for vector output: no hinting, unhinted metrics, so the
 * text is laid out the same at every resolution it is printed at. */
static PangoContext *
vector_context(cairo_t *cr)
{
    PangoContext *pc = pango_cairo_create_context(cr);
    cairo_font_options_t *fo = cairo_font_options_create();

    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    pango_cairo_context_set_font_options(pc, fo);
    cairo_font_options_destroy(fo);
    return pc;
}

/* ---- text boxes ---------------------------------------------------------- */

/* A box's layout and the text it holds now (set again only when it changes). */
struct slot {
    PangoLayout *pl;
    char *text;
    double scale;  /* < 1 when a fit box's text is wider than the box */
    double width;  /* a fit box's text width, in points, scaled */
    double anchor; /* a fit box's place in its width: 0 left, 0.5 centre, 1 right */
};

static PangoLayout *
box_layout(PangoContext *pc, const struct render_layout *l, const struct render_box *b)
{
    PangoLayout *pl = pango_layout_new(pc);
    PangoFontDescription *fd = pango_font_description_from_string(b->mono ? l->mono_font : l->font);

    pango_font_description_set_absolute_size(fd, b->size * PANGO_SCALE);
    pango_font_description_set_weight(fd, b->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(pl, fd);
    pango_font_description_free(fd);
    pango_layout_set_single_paragraph_mode(pl, TRUE);
    if (!b->fit) { /* a fit box is measured and scaled instead */
        pango_layout_set_width(pl, (int)(fmin(fmax(b->w, 0), 1e5) * PANGO_SCALE));
        pango_layout_set_ellipsize(pl, PANGO_ELLIPSIZE_END);
    }
    if (b->lines > 1) {
        pango_layout_set_wrap(pl, PANGO_WRAP_WORD_CHAR);
        pango_layout_set_height(pl, -b->lines);
    }
    /* with auto-dir (pango's default) "left" means "start": an Arabic line
     * sits at the right of its box. A set direction turns auto-dir off, and
     * then left is left: start is the right edge of a right-to-left card. */
    if (l->dir != RD_AUTO)
        pango_layout_set_auto_dir(pl, FALSE);
    pango_layout_set_alignment(pl, b->align == RA_CENTRE                        ? PANGO_ALIGN_CENTER
                                   : (b->align == RA_END) != (l->dir == RD_RTL) ? PANGO_ALIGN_RIGHT
                                                                                : PANGO_ALIGN_LEFT);
    return pl;
}

/* Show text in box b of the card at (x, y). Invalid UTF-8 (a hand-edited
 * config) is drawn with U+FFFD rather than refused. */
static void
show_text(cairo_t *cr, struct slot *s, const struct render_box *b, double x, double y,
          const char *text)
{
    if (!text || !*text)
        return;
    if (!s->text || strcmp(s->text, text) != 0) {
        gchar *valid = g_utf8_make_valid(text, -1);

        pango_layout_set_text(s->pl, valid, -1);
        g_free(valid);
        free(s->text);
        s->text = xstrdup(text);
        s->scale = 1;
        if (b->fit) {
            PangoRectangle ink, logical;

            pango_layout_get_extents(s->pl, &ink, &logical);
            if (logical.width > b->w * PANGO_SCALE)
                s->scale = b->w * PANGO_SCALE / logical.width;
            s->width = (double)logical.width / PANGO_SCALE * s->scale;
        }
    }
    if (b->fit && s->anchor > 0) /* a fit box has no width of its own to align in */
        x += (b->w - s->width) * s->anchor;
    if (s->scale < 1) {
        cairo_save(cr);
        cairo_translate(cr, x + b->x, y + b->y);
        cairo_scale(cr, s->scale, s->scale);
        cairo_move_to(cr, 0, 0);
        pango_cairo_show_layout(cr, s->pl);
        cairo_restore(cr);
        return;
    }
    cairo_move_to(cr, x + b->x, y + b->y);
    pango_cairo_show_layout(cr, s->pl);
}

/* The text box b shows for card c, in buf ("" for none). */
static const char *
box_text(const struct render_box *b, const struct render_layout *l, const struct sheet_opts *o,
         const struct sheet_card *c, struct sbuf *buf)
{
    const char *label = b->label2 && c->password ? b->label2 : b->label;

    sb_reset(buf);
    switch (b->item) {
    case RI_SHOP:
        return o->shop_name ? o->shop_name : "";
    case RI_PLAN:
        return c->plan ? c->plan : "";
    case RI_PRICE:
        if (o->currency && *o->currency)
            sb_printf(buf, "%s %s", o->currency, c->price ? c->price : "");
        else
            sb_add(buf, c->price ? c->price : "");
        return buf->buf;
    case RI_VALIDITY:
        return c->validity ? c->validity : "";
    case RI_FREE:
        return b->text ? b->text : l->free_line ? l->free_line : "";
    case RI_CODE:
    case RI_PASSWORD:
    case RI_SERIAL: {
        const char *v = b->item == RI_CODE     ? c->code
                        : b->item == RI_SERIAL ? c->serial
                                               : c->password;
        if (!v)
            return "";
        sb_add(buf, label ? label : "");
        sb_add(buf, v);
        return buf->buf;
    }
    case RI_QR:
    case RI_LOGO:
        break;
    }
    return "";
}

/* ---- QR ------------------------------------------------------------------ */

/* True when modules c..c+len-1 of row r are all dark. */
static bool
row_dark(const struct qr *q, int c, int len, int r)
{
    for (int i = 0; i < len; i++)
        if (!qr_dark(q, c + i, r))
            return false;
    return true;
}

/* The symbol's dark modules, from each dark module not yet covered a
 * rectangle as wide as its run and as tall as the rows below are dark
 * along all of it (about 20% fewer than one per run), filled as one path:
 * non-zero winding makes overlaps one square, and no seams show between
 * modules. The path is drawn in module units on a recording surface that
 * is painted scaled to m at (x, y): the file holds small whole numbers,
 * exact (cairo's fixed point cannot hold 0.48 pt), shorter and faster to
 * write, and one matrix puts the symbol on the dot grid. */
static void
draw_qr(cairo_t *cr, const struct qr *q, double x, double y, double m)
{
    int w = q->width;
    unsigned char *covered = xcalloc((size_t)w * (size_t)w, 1);
    cairo_rectangle_t ext = {0, 0, w, w};
    cairo_surface_t *rec = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &ext);
    cairo_t *qc = cairo_create(rec);
    cairo_matrix_t mx;
    cairo_pattern_t *pat;

    for (int r = 0; r < w; r++)
        for (int c = 0; c < w; c++) {
            int len = 0, h = 1;

            if (covered[r * w + c] || !qr_dark(q, c, r))
                continue;
            while (c + len < w && qr_dark(q, c + len, r))
                len++;
            while (r + h < w && row_dark(q, c, len, r + h))
                h++;
            for (int i = 0; i < h; i++)
                memset(covered + (r + i) * w + c, 1, (size_t)len);
            cairo_rectangle(qc, c, r, len, h);
        }
    cairo_fill(qc);
    cairo_destroy(qc);
    free(covered);
    pat = cairo_pattern_create_for_surface(rec);
    cairo_matrix_init(&mx, 1 / m, 0, 0, 1 / m, -x / m, -y / m);
    cairo_pattern_set_matrix(pat, &mx);
    cairo_set_source(cr, pat);
    cairo_paint(cr);
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_pattern_destroy(pat);
    cairo_surface_destroy(rec);
}

/* Module size for a symbol of maxw modules in a square of side points:
 * whole dots when they fit, else as large as fits. */
static double
module_size(double side, int maxw)
{
    double m = floor(side / (maxw + 2 * QUIET) / DOT) * DOT;

    return m >= DOT ? m : side / (maxw + 2 * QUIET);
}

/* Encode every card's QR; *maxw gets the widest, so the cards line up. */
static struct qr *
encode_all(const struct sheet_card *cards, size_t n, char ecc, int *maxw, struct werr *e)
{
    struct qr *qs = xcalloc(n ? n : 1, sizeof *qs);

    *maxw = 0;
    for (size_t i = 0; i < n; i++) {
        if (qr_encode(cards[i].url, ecc, &qs[i], e) < 0) {
            werr_prefix(e, "voucher %s", cards[i].code);
            for (size_t j = 0; j < i; j++)
                qr_free(&qs[j]);
            free(qs);
            return NULL;
        }
        if (qs[i].width > *maxw)
            *maxw = qs[i].width;
    }
    return qs;
}

/* ---- sheets -------------------------------------------------------------- */

static int
check_layout(const struct render_layout *l, struct werr *e)
{
    if (l->columns < 1 || l->rows < 1 || l->card_w <= 0 || l->card_h <= 0 || l->page_w <= 0 ||
        l->page_h <= 0)
        return werr_set(e, WISP_EUSAGE, "the layout puts no card on the page");
    return 0;
}

/* Draw card c (with QR q) at (x, y). */
/* Logo image img in box b of the card at (x, y): as large as fits w x h,
 * its aspect kept, placed in the box's width as the box is aligned. */
static void
draw_logo(cairo_t *cr, const struct render_layout *l, const struct render_box *b,
          cairo_surface_t *img, double x, double y)
{
    int iw = cairo_image_surface_get_width(img), ih = cairo_image_surface_get_height(img);
    double k, dx;
    bool right;

    if (iw <= 0 || ih <= 0)
        return;
    k = b->w / iw < b->h / ih ? b->w / iw : b->h / ih;
    right = (b->align == RA_END) != (l->dir == RD_RTL);
    dx = b->align == RA_CENTRE ? (b->w - iw * k) / 2 : right ? b->w - iw * k : 0;
    cairo_save(cr);
    cairo_translate(cr, x + b->x + dx, y + b->y);
    cairo_scale(cr, k, k);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_paint(cr);
    cairo_restore(cr);
}

static void
draw_card(cairo_t *cr, const struct render_layout *l, struct slot *slots,
          cairo_surface_t *const *logos, const struct sheet_opts *o, const struct sheet_card *c,
          const struct qr *q, int maxw, double x, double y, struct sbuf *buf)
{
    if (l->cut_lines) {
        static const double dash[] = {2, 2};

        cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
        cairo_set_line_width(cr, 0.3);
        cairo_set_dash(cr, dash, 2, 0);
        cairo_rectangle(cr, x + 1, y + 1, l->card_w - 2, l->card_h - 2);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    for (int i = 0; i < l->nboxes; i++) {
        const struct render_box *b = &l->boxes[i];

        if (b->item == RI_QR) {
            double m = module_size(b->w, maxw);
            double off = (QUIET + (maxw - q->width) / 2.0) * m;

            draw_qr(cr, q, on_grid(x + b->x + off),
                    l->page_h - on_grid(l->page_h - (y + b->y + off)), m);
        } else if (b->item == RI_LOGO) {
            if (logos[i])
                draw_logo(cr, l, b, logos[i], x, y);
        } else if (b->color) {
            cairo_set_source_rgb(cr, (b->color >> 16 & 0xff) / 255.0,
                                 (b->color >> 8 & 0xff) / 255.0, (b->color & 0xff) / 255.0);
            show_text(cr, &slots[i], b, x, y, box_text(b, l, o, c, buf));
            cairo_set_source_rgb(cr, 0, 0, 0);
        } else {
            show_text(cr, &slots[i], b, x, y, box_text(b, l, o, c, buf));
        }
    }
}

/* The PNG at path, or NULL with the reason. */
static cairo_surface_t *
load_png(const char *path, struct werr *e)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char head[8] = {0};
    FILE *f = fopen(path, "rb");
    cairo_surface_t *img;
    cairo_status_t st;

    /* cairo says "out of memory" for a file that is not a PNG: look first */
    if (f == NULL) {
        werr_set(e, WISP_ERUNTIME, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (fread(head, 1, sizeof head, f) != sizeof head || memcmp(head, sig, sizeof sig) != 0) {
        fclose(f);
        werr_set(e, WISP_ERUNTIME, "%s: not a PNG image", path);
        return NULL;
    }
    fclose(f);
    img = cairo_image_surface_create_from_png(path);
    st = cairo_surface_status(img);

    if (st == CAIRO_STATUS_SUCCESS)
        return img;
    cairo_surface_destroy(img);
    werr_set(e, WISP_ERUNTIME, "%s: not a readable PNG image (%s)", path,
             cairo_status_to_string(st));
    return NULL;
}

int
render_png_check(const char *path, struct werr *e)
{
    cairo_surface_t *img = load_png(path, e);

    if (img == NULL)
        return -1;
    cairo_surface_destroy(img);
    return 0;
}

int
render_sheet(FILE *out, enum render_target t, const struct render_layout *l,
             const struct sheet_opts *o, const struct sheet_card *cards, size_t n, struct werr *e)
{
    struct stream s = {.f = out};
    struct slot slots[RENDER_MAX_BOXES] = {{0}};
    cairo_surface_t *logos[RENDER_MAX_BOXES] = {0};
    struct sbuf buf = {0};
    size_t per_page;
    cairo_surface_t *sf;
    PangoContext *pc;
    struct qr *qs;
    cairo_t *cr;
    int maxw, rc = 0;

    if (check_layout(l, e) < 0)
        return -1;
    /* every logo loaded once (a PDF holds each image once) before any output */
    for (int i = 0; i < l->nboxes; i++)
        if (l->boxes[i].item == RI_LOGO && (logos[i] = load_png(l->boxes[i].file, e)) == NULL) {
            for (int j = 0; j < i; j++)
                if (logos[j])
                    cairo_surface_destroy(logos[j]);
            return -1;
        }
    if ((qs = encode_all(cards, n, o->ecc, &maxw, e)) == NULL) {
        for (int i = 0; i < l->nboxes; i++)
            if (logos[i])
                cairo_surface_destroy(logos[i]);
        return -1;
    }
    per_page = (size_t)l->columns * (size_t)l->rows;
    sf = surface_open(t, &s, l->page_w, l->page_h, "vouchers");
    cr = cairo_create(sf);
    pc = vector_context(cr);
    if (l->dir != RD_AUTO)
        pango_context_set_base_dir(pc,
                                   l->dir == RD_RTL ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
    for (int i = 0; i < l->nboxes; i++) {
        const struct render_box *b = &l->boxes[i];
        bool right = (b->align == RA_END) != (l->dir == RD_RTL);

        if (b->item == RI_QR || b->item == RI_LOGO)
            continue;
        slots[i].pl = box_layout(pc, l, b);
        slots[i].anchor = b->align == RA_CENTRE ? 0.5 : right ? 1 : 0;
    }
    for (size_t i = 0; i < n && !s.err; i++) {
        size_t slot = i % per_page;
        double x = l->margin_x + (double)(slot % (size_t)l->columns) * l->card_w;
        double y = l->margin_y + (double)(slot / (size_t)l->columns) * l->card_h;

        draw_card(cr, l, slots, logos, o, &cards[i], &qs[i], maxw, x, y, &buf);
        if (slot == per_page - 1 || i == n - 1)
            cairo_show_page(cr);
        if (o->progress && ((i + 1) % 50 == 0 || i + 1 == n))
            o->progress(i + 1, n, o->progress_arg);
    }
    for (int i = 0; i < l->nboxes; i++) {
        if (slots[i].pl)
            g_object_unref(slots[i].pl);
        free(slots[i].text);
        if (logos[i])
            cairo_surface_destroy(logos[i]);
    }
    g_object_unref(pc);
    sb_free(&buf);
    for (size_t i = 0; i < n; i++)
        qr_free(&qs[i]);
    free(qs);
    return surface_close(cr, sf, &s, rc, e);
}

/* ---- text pages ---------------------------------------------------------- */

int
render_text_pages(FILE *out, enum render_target t, enum sheet_paper paper, const char *text,
                  struct werr *e)
{
    struct render_box b = {.size = 9, .mono = true};
    struct render_layout l = {.font = SANS, .mono_font = MONO};
    struct stream s = {.f = out};
    double lead = 12, y;
    cairo_surface_t *sf;
    PangoContext *pc;
    struct slot slot = {0};
    cairo_t *cr;
    const char *p = text;
    struct sbuf line = {0};
    bool drawn = false;

    paper_size(paper, &l.page_w, &l.page_h);
    b.w = l.page_w - 80;
    sf = surface_open(t, &s, l.page_w, l.page_h, "report");
    cr = cairo_create(sf);
    pc = vector_context(cr);
    slot.pl = box_layout(pc, &l, &b);
    cairo_set_source_rgb(cr, 0, 0, 0);
    y = 40;
    while (*p && !s.err) {
        size_t len = strcspn(p, "\n");

        sb_reset(&line);
        sb_addn(&line, p, len);
        p += len + (p[len] == '\n');
        if (y + lead > l.page_h - 40) {
            cairo_show_page(cr);
            y = 40;
        }
        show_text(cr, &slot, &b, 40, y, line.buf);
        drawn = true;
        y += lead;
    }
    if (drawn || !*text)
        cairo_show_page(cr);
    g_object_unref(slot.pl);
    free(slot.text);
    g_object_unref(pc);
    sb_free(&line);
    return surface_close(cr, sf, &s, 0, e);
}

/* ---- thermal tickets ----------------------------------------------------- */

#define TICKET_DOT (72.0 / RENDER_TICKET_DPI) /* one dot of a thermal printer, in points */

int
render_ticket_dots(enum sheet_paper paper)
{
    return paper == PAPER_58MM ? 384 : 576;
}

void
render_layout_ticket_default(struct render_layout *l, enum sheet_paper paper)
{
    double w = render_ticket_dots(paper) * TICKET_DOT, line = RENDER_TICKET_LINE;
    double size = 8.5;                          /* the printer's own font A: 24 dots, 1/12 inch */
    double qr = 5 * line, code = qr + w + line; /* a blank line above and below the QR */

    memset(l, 0, sizeof *l);
    l->page_w = w;
    l->font = SANS;
    l->mono_font = MONO;
    add_box(l, (struct render_box){
                   .item = RI_SHOP, .w = w, .size = size, .bold = true, .align = RA_CENTRE});
    add_box(l, (struct render_box){
                   .item = RI_PLAN, .y = line, .w = w, .size = size, .align = RA_CENTRE});
    add_box(l, (struct render_box){
                   .item = RI_PRICE, .y = 2 * line, .w = w, .size = size, .align = RA_CENTRE});
    add_box(l, (struct render_box){
                   .item = RI_VALIDITY, .y = 3 * line, .w = w, .size = size, .align = RA_CENTRE});
    /* its side is the width: the printer's QR command draws it at the
     * paper's module size */
    add_box(l, (struct render_box){.item = RI_QR, .y = qr, .w = w, .align = RA_CENTRE});
    add_box(l, (struct render_box){.item = RI_CODE,
                                   .y = code,
                                   .w = w,
                                   .size = size,
                                   .bold = true,
                                   .mono = true,
                                   .fit = true,
                                   .align = RA_CENTRE,
                                   .label = "Code ",
                                   .label2 = "User "});
    add_box(l, (struct render_box){.item = RI_PASSWORD,
                                   .y = code + line,
                                   .w = w,
                                   .size = size,
                                   .bold = true,
                                   .mono = true,
                                   .fit = true,
                                   .align = RA_CENTRE,
                                   .label = "Pass "});
    add_box(l, (struct render_box){.item = RI_SERIAL,
                                   .y = code + 2 * line,
                                   .w = w,
                                   .size = size,
                                   .align = RA_CENTRE,
                                   .label = "No. "});
}

const char *
render_box_text(const struct render_box *b, const struct render_layout *l,
                const struct sheet_opts *o, const struct sheet_card *c, struct sbuf *buf)
{
    return box_text(b, l, o, c, buf);
}

/* One box's layout, and the bitmap of the text it showed last. */
struct raster_slot {
    PangoLayout *pl;
    char *text;
    struct render_bitmap bm;
};

struct render_raster {
    const struct render_layout *l;
    int dots;
    PangoContext *pc;
    cairo_t *cr; /* of a 1x1 surface: only the context's resolution and font options */
    struct raster_slot slots[RENDER_MAX_BOXES];
};

struct render_raster *
render_raster_new(const struct render_layout *l, int dots)
{
    struct render_raster *r = xcalloc(1, sizeof *r);
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1);
    cairo_font_options_t *fo = cairo_font_options_create();

    r->l = l;
    r->dots = dots;
    r->cr = cairo_create(sf);
    cairo_surface_destroy(sf);
    cairo_scale(r->cr, 1 / TICKET_DOT, 1 / TICKET_DOT); /* the layout's points to dots */
    r->pc = pango_cairo_create_context(r->cr);
    /* grey edges, thresholded at half later; light hinting and whole-dot
     * advances keep the gaps between letters even at 24 dots a line (the
     * sheets are unhinted: they print at any resolution) */
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_ON);
    pango_cairo_context_set_font_options(r->pc, fo);
    cairo_font_options_destroy(fo);
    return r;
}

/* Threshold an A8 surface's rows 0..h-1 into bm (w dots). */
static void
to_bits(cairo_surface_t *sf, int h, struct render_bitmap *bm)
{
    const unsigned char *px = cairo_image_surface_get_data(sf);
    int pstride = cairo_image_surface_get_stride(sf);

    bm->h = h;
    bm->stride = (bm->w + 7) / 8;
    free(bm->bits);
    bm->bits = xcalloc((size_t)bm->stride * (size_t)(h ? h : 1), 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < bm->w; x++)
            if (px[y * pstride + x] >= 128)
                bm->bits[y * bm->stride + x / 8] |= (unsigned char)(0x80 >> (x % 8));
}

/* Draw text into the slot's bitmap: the layout's lines, the whole width. */
static void
raster_draw(struct render_raster *r, struct raster_slot *s, const struct render_box *b,
            const char *text)
{
    PangoRectangle ink, logical;
    double scale = 1, x = b->x, h;
    gchar *valid = g_utf8_make_valid(text, -1);
    cairo_surface_t *sf;
    cairo_t *cr;
    int rows;

    pango_layout_set_text(s->pl, valid, -1);
    pango_layout_get_extents(s->pl, &ink, &logical);
    if (b->fit) { /* no width set: scale down to it, and place it ourselves */
        double lw = (double)logical.width / PANGO_SCALE;
        PangoLayoutLine *first = pango_layout_get_line_readonly(s->pl, 0);
        bool rtl = first && first->resolved_dir == PANGO_DIRECTION_RTL;

        if (lw > b->w)
            scale = b->w / lw;
        if (b->align == RA_CENTRE)
            x += (b->w - lw * scale) / 2;
        else if ((b->align == RA_END) != rtl)
            x += b->w - lw * scale;
    }
    g_free(valid);
    h = (double)logical.height / PANGO_SCALE * scale;
    rows = (int)ceil(h / TICKET_DOT);
    sf = cairo_image_surface_create(CAIRO_FORMAT_A8, r->dots, rows > 0 ? rows : 1);
    cr = cairo_create(sf);
    cairo_scale(cr, 1 / TICKET_DOT, 1 / TICKET_DOT);
    cairo_translate(cr, x, -(double)logical.y / PANGO_SCALE * scale);
    cairo_scale(cr, scale, scale);
    /* no pango_cairo_update_layout: the layout stays measured as it was
     * (at the raster's resolution), so a scaled-down fit box scales its
     * measured width, not one hinted again at the smaller size */
    pango_cairo_show_layout(cr, s->pl);
    cairo_destroy(cr);
    cairo_surface_flush(sf);
    s->bm.w = r->dots;
    to_bits(sf, rows > 0 ? rows : 0, &s->bm);
    cairo_surface_destroy(sf);
}

const struct render_bitmap *
render_raster_text(struct render_raster *r, int box, const char *text)
{
    struct render_box b;
    struct raster_slot *s;

    if (box < 0 || box >= r->l->nboxes || !text || !*text)
        return NULL;
    b = r->l->boxes[box];
    s = &r->slots[box];
    if (b.item == RI_QR)
        return NULL;
    if (b.w <= 0) /* no width: the rest of the line */
        b.w = r->dots * TICKET_DOT - b.x;
    if (s->text && strcmp(s->text, text) == 0)
        return &s->bm;
    if (!s->pl)
        s->pl = box_layout(r->pc, r->l, &b);
    raster_draw(r, s, &b, text);
    free(s->text);
    s->text = xstrdup(text);
    return &s->bm;
}

/* The 4 x 4 Bayer matrix: a grey dot is ink where its darkness passes the
 * cell's threshold, so a grey area prints as an even pattern of its shade. */
static const unsigned char bayer4[4][4] = {
    {0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};

const struct render_bitmap *
render_raster_logo(struct render_raster *r, int box, struct werr *e)
{
    const struct render_box *b;
    struct raster_slot *s;
    cairo_surface_t *img, *sf;
    cairo_t *cr;
    const unsigned char *px;
    double k, bw, bh;
    int iw, ih, w, h, x0, pstride;
    bool right;

    if (box < 0 || box >= r->l->nboxes || r->l->boxes[box].item != RI_LOGO) {
        werr_set(e, WISP_ERUNTIME, "box %d is no logo", box);
        return NULL;
    }
    b = &r->l->boxes[box];
    s = &r->slots[box];
    if (s->bm.bits) /* drawn once a print */
        return &s->bm;
    if ((img = load_png(b->file, e)) == NULL)
        return NULL;
    iw = cairo_image_surface_get_width(img);
    ih = cairo_image_surface_get_height(img);
    /* the box in dots (within the paper: a template's numbers are bounded) */
    bw = fmin(fmax(b->w > 0 ? b->w / TICKET_DOT : r->dots, 1), r->dots);
    bh = fmin(fmax(b->h / TICKET_DOT, 1), r->dots); /* no taller than the paper is wide */
    k = fmin(bw / (iw > 0 ? iw : 1), bh / (ih > 0 ? ih : 1));
    w = (int)fmax(floor(iw * k + 0.5), 1);
    h = (int)fmax(floor(ih * k + 0.5), 1);
    right = (b->align == RA_END) != (r->l->dir == RD_RTL);
    x0 = (int)fmin(fmax(floor(b->x / TICKET_DOT + 0.5), 0), r->dots);
    x0 += b->align == RA_CENTRE ? (int)(bw - w) / 2 : right ? (int)bw - w : 0;
    x0 = x0 + w > r->dots ? r->dots - w : x0 < 0 ? 0 : x0;
    /* the image on white (its transparent parts are paper), scaled with
     * cairo's good filter: shrinking averages the pixels under each dot */
    sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, (double)w / iw, (double)h / ih);
    cairo_set_source_surface(cr, img, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(img);
    cairo_surface_flush(sf);
    px = cairo_image_surface_get_data(sf);
    pstride = cairo_image_surface_get_stride(sf);
    s->bm.w = r->dots;
    s->bm.h = h;
    s->bm.stride = (r->dots + 7) / 8;
    s->bm.bits = xcalloc((size_t)s->bm.stride * (size_t)h, 1);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            /* RGB24: a native 32-bit word 0x00RRGGBB a pixel */
            uint32_t v = *(const uint32_t *)(const void *)(px + y * pstride + 4 * x);
            uint32_t lum =
                (299 * (v >> 16 & 0xff) + 587 * (v >> 8 & 0xff) + 114 * (v & 0xff)) / 1000;

            if ((255 - lum) * 16 > bayer4[y % 4][x % 4] * 255u + 127)
                s->bm.bits[y * s->bm.stride + (x0 + x) / 8] |=
                    (unsigned char)(0x80 >> ((x0 + x) % 8));
        }
    cairo_surface_destroy(sf);
    return &s->bm;
}

void
render_raster_free(struct render_raster *r)
{
    if (!r)
        return;
    for (int i = 0; i < RENDER_MAX_BOXES; i++) {
        if (r->slots[i].pl)
            g_object_unref(r->slots[i].pl);
        free(r->slots[i].text);
        free(r->slots[i].bm.bits);
    }
    g_object_unref(r->pc);
    cairo_destroy(r->cr);
    free(r);
}
