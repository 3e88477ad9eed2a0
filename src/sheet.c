/*
 * sheet.c - voucher sheets and tickets (see include/wisp/sheet.h).
 *
 * Every QR is encoded once up front; the largest symbol sets the card size so
 * the cards of one sheet line up. Text and ANSI sheets are built line by line
 * (a row of cards is a grid of pre-padded card lines); PostScript draws each
 * QR as run-length rectangles through one small procedure; ESC/POS hands the
 * URL to the printer's own QR command (GS ( k).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/qr.h"
#include "wisp/sheet.h"
#include "wisp/util.h"

#define PAPER_QUIET    4  /* quiet-zone modules on paper */
#define TEXT_INFO_COLS 26 /* width of the text beside the QR on a text card */

int
sheet_parse_format(const char *s, enum sheet_format *f, struct werr *e)
{
    static const char *const names[] = {"text", "ansi", "ps", "escpos"};

    for (int i = 0; i < 4; i++)
        if (str_eq(s, names[i])) {
            *f = (enum sheet_format)i;
            return 0;
        }
    return werr_set(e, WISP_EUSAGE, "bad --format \"%s\": expected text, ansi, ps or escpos",
                    s ? s : "");
}

int
sheet_parse_paper(const char *s, enum sheet_paper *p, struct werr *e)
{
    static const char *const names[] = {"a4", "letter", "58mm", "80mm"};

    for (int i = 0; i < 4; i++)
        if (str_eq(s, names[i])) {
            *p = (enum sheet_paper)i;
            return 0;
        }
    return werr_set(e, WISP_EUSAGE, "bad --paper \"%s\": expected a4, letter, 58mm or 80mm",
                    s ? s : "");
}

/* Encode every card's QR; *maxw gets the widest symbol. */
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

static void
free_all(struct qr *qs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        qr_free(&qs[i]);
    free(qs);
}

static void
progress(const struct sheet_opts *o, size_t done, size_t total)
{
    if (o->progress && (done % 50 == 0 || done == total))
        o->progress(done, total, o->progress_arg);
}

/* Append s cut or padded to exactly `cols` terminal columns. */
static void
add_cell(struct sbuf *sb, const char *s, int cols)
{
    int w;

    sb_addn(sb, s, str_fit(s, cols, &w));
    for (; w < cols; w++)
        sb_addc(sb, ' ');
}

/* ---- text and ansi ------------------------------------------------------ */

struct text_style {
    const char *border, *title, *code, *qr, *reset; /* SGR sequences, "" for text */
};

static const struct text_style plain_style = {"", "", "", "", ""};
static const struct text_style ansi_style = {"\033[2m", "\033[1;36m", "\033[1m", "\033[0;30;47m",
                                             "\033[0m"};

/* The info lines printed beside a card's QR. */
static int
card_info(const struct sheet_card *c, const struct sheet_opts *o, char lines[][96], int max)
{
    int n = 0;

    snprintf(lines[n++], 96, "%s", o->shop_name ? o->shop_name : "");
    snprintf(lines[n++], 96, "%s", "");
    snprintf(lines[n++], 96, "Plan   %s", c->plan);
    snprintf(lines[n++], 96, "Price  %s %s", o->currency ? o->currency : "", c->price);
    if (c->validity && *c->validity)
        snprintf(lines[n++], 96, "%s", c->validity);
    snprintf(lines[n++], 96, "%s", "");
    if (c->password) {
        snprintf(lines[n++], 96, "User   %s", c->code);
        snprintf(lines[n++], 96, "Pass   %s", c->password);
    } else {
        snprintf(lines[n++], 96, "Code   %s", c->code);
    }
    snprintf(lines[n++], 96, "%s", "");
    snprintf(lines[n++], 96, "No. %s", c->serial);
    return n < max ? n : max;
}

/* Line `line` (0 = top border) of card i, exactly card_cols columns wide. */
static void
card_line(struct sbuf *sb, const struct sheet_card *c, const struct qr *q, int qr_cols, int qr_rows,
          int line, const struct sheet_opts *o, const struct text_style *st)
{
    char info[12][96];
    int ninfo, inner = qr_cols + 1 + TEXT_INFO_COLS;

    if (line == 0 || line == qr_rows + 1) {
        sb_add(sb, st->border);
        sb_add(sb, line == 0 ? "\u250c" : "\u2514");
        for (int i = 0; i < inner; i++)
            sb_add(sb, "\u2500");
        sb_add(sb, line == 0 ? "\u2510" : "\u2518");
        sb_add(sb, st->reset);
        return;
    }
    sb_add(sb, st->border);
    sb_add(sb, "\u2502");
    sb_add(sb, st->reset);
    {
        /* centre a smaller symbol in the largest one's box */
        int pad = (qr_cols - qr_text_cols(q, PAPER_QUIET)) / 2, row = line - 1;
        struct sbuf qline = {0};

        if (row < qr_text_rows(q, PAPER_QUIET))
            qr_text_row(q, PAPER_QUIET, true, row, &qline);
        sb_add(sb, st->qr);
        for (int i = 0; i < pad; i++)
            sb_addc(sb, ' ');
        add_cell(sb, qline.buf ? qline.buf : "", qr_cols - pad);
        sb_add(sb, st->reset);
        sb_free(&qline);
    }
    sb_addc(sb, ' ');
    ninfo = card_info(c, o, info, 12);
    {
        int idx = line - 2; /* info starts one line below the border */
        const char *text = idx >= 0 && idx < ninfo ? info[idx] : "";
        const char *sgr =
            idx == 0 ? st->title
            : (str_starts(text, "Code") || str_starts(text, "User") || str_starts(text, "Pass"))
                ? st->code
                : "";

        sb_add(sb, sgr);
        add_cell(sb, text, TEXT_INFO_COLS);
        if (*sgr)
            sb_add(sb, st->reset);
    }
    sb_add(sb, st->border);
    sb_add(sb, "\u2502");
    sb_add(sb, st->reset);
}

static int
write_text(FILE *out, const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
           struct qr *qs, int maxw, struct werr *e)
{
    const struct text_style *st = o->format == SHEET_ANSI ? &ansi_style : &plain_style;
    struct qr probe = {.width = maxw};
    int qr_cols = qr_text_cols(&probe, PAPER_QUIET), qr_rows = qr_text_rows(&probe, PAPER_QUIET);
    int cols = o->columns > 0 ? o->columns : 2;
    int card_lines = qr_rows + 2, page_lines = o->paper == PAPER_LETTER ? 66 : 70;
    int rows_per_page = page_lines / (card_lines + 1);
    struct sbuf sb = {0};

    if (rows_per_page < 1)
        rows_per_page = 1;
    for (size_t first = 0, row = 0; first < n; first += (size_t)cols, row++) {
        size_t last = first + (size_t)cols < n ? first + (size_t)cols : n;

        if (row > 0 && row % (size_t)rows_per_page == 0)
            sb_add(&sb, "\f");
        else if (row > 0)
            sb_addc(&sb, '\n');
        for (int line = 0; line < card_lines; line++) {
            for (size_t i = first; i < last; i++) {
                if (i > first)
                    sb_add(&sb, "  ");
                card_line(&sb, &cards[i], &qs[i], qr_cols, qr_rows, line, o, st);
            }
            sb_addc(&sb, '\n');
        }
        if (fwrite(sb.buf, 1, sb.len, out) != sb.len) {
            sb_free(&sb);
            return werr_set(e, WISP_ERUNTIME, "writing the sheet: %s", strerror(errno));
        }
        sb_reset(&sb);
        for (size_t i = first; i < last; i++)
            progress(o, i + 1, n);
    }
    sb_free(&sb);
    return 0;
}

/* ---- PostScript ---------------------------------------------------------- */

/* A PostScript string literal of s: ( ) \ escaped, non-ASCII as '?'. */
static void
ps_string(struct sbuf *sb, const char *s)
{
    sb_addc(sb, '(');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x80) {
            while ((p[1] & 0xc0) == 0x80)
                p++;
            sb_addc(sb, '?');
        } else if (*p == '(' || *p == ')' || *p == '\\') {
            sb_addc(sb, '\\');
            sb_addc(sb, (char)*p);
        } else if (*p >= ' ') {
            sb_addc(sb, (char)*p);
        }
    }
    sb_addc(sb, ')');
}

/* One dot at 150 dpi, in points: two at 300, four at 600. */
#define PS_DOT (72.0 / 150.0)

/* v on the dot grid (the page's origin is a dot corner). */
static double
on_grid(double v)
{
    return round(v / PS_DOT) * PS_DOT;
}

/* The QR as rows of [x len ...] dark runs, drawn by the Q procedure. */
static void
ps_qr(struct sbuf *sb, const struct qr *q, double x, double y, double m)
{
    sb_add(sb, "[");
    for (int r = 0; r < q->width; r++) {
        sb_add(sb, "[");
        for (int c = 0; c < q->width;) {
            int run = 0;

            while (c + run < q->width && qr_dark(q, c + run, r))
                run++;
            if (run) {
                sb_printf(sb, "%d %d ", c, run);
                c += run;
            } else {
                c++;
            }
        }
        sb_add(sb, "]");
    }
    sb_printf(sb, "] %.2f %.2f %.4f Q\n", x, y, m);
}

static int
write_ps(FILE *out, const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
         struct qr *qs, int maxw, struct werr *e)
{
    double pw = o->paper == PAPER_LETTER ? 612 : 595, ph = o->paper == PAPER_LETTER ? 792 : 842;
    double margin = 28, card_h = 150;
    int cols = o->columns > 0 ? o->columns : 3;
    double card_w = (pw - 2 * margin) / cols;
    int rows = (int)((ph - 2 * margin) / card_h);
    int per_page = rows * cols, pages = (int)((n + (size_t)per_page - 1) / (size_t)per_page);
    double side = card_h - 16 < card_w * 0.55 ? card_h - 16 : card_w * 0.55;
    /* Modules a whole number of dots at 150, 300 and 600 dpi, on the dot
     * grid: every module prints the same size, which scanners like (at
     * 2.67 pt a module came out 5 or 6 dots at 150 dpi and one code in a
     * few hundred did not decode). */
    double m = floor(side / (maxw + 2 * PAPER_QUIET) / PS_DOT) * PS_DOT;
    double font = cols > 3 ? 6.5 : 8;
    struct sbuf sb = {0};

    if (m < PS_DOT) /* cards too small for the grid: as large as fits */
        m = side / (maxw + 2 * PAPER_QUIET);
    sb_printf(&sb,
              "%%!PS-Adobe-3.0\n%%%%Creator: wisp\n%%%%Title: vouchers\n%%%%Pages: %d\n"
              "%%%%BoundingBox: 0 0 %.0f %.0f\n%%%%DocumentMedia: %s %.0f %.0f 0 () ()\n"
              "%%%%EndComments\n%%%%BeginProlog\n"
              "/Q { /m exch def /oy exch def /ox exch def /y 0 def\n"
              "  { /r exch def 0 2 r length 1 sub { /i exch def\n"
              "      ox r i get m mul add oy y 1 add m mul sub r i 1 add get m mul m rectfill\n"
              "    } for /y y 1 add def } forall } bind def\n"
              "/T { moveto show } bind def\n"
              "/F { exch findfont exch scalefont setfont } bind def\n"
              "%%%%EndProlog\n",
              pages, pw, ph, o->paper == PAPER_LETTER ? "Letter" : "A4", pw, ph);
    for (size_t i = 0; i < n; i++) {
        int slot = (int)(i % (size_t)per_page), page = (int)(i / (size_t)per_page);
        double x = margin + (slot % cols) * card_w;
        double top = ph - margin - (slot / cols) * card_h;
        double qx = on_grid(x + 4 + PAPER_QUIET * m + (maxw - qs[i].width) * m / 2);
        double qy = on_grid(top - 8 - PAPER_QUIET * m - (maxw - qs[i].width) * m / 2);
        double tx = x + 4 + side + 2, ty = top - 18, lead = font + 3;
        const struct sheet_card *c = &cards[i];
        char line[160];

        if (slot == 0)
            sb_printf(&sb, "%%%%Page: %d %d\n%%%%PageMedia: %s\n0.6 setgray 0.3 setlinewidth\n",
                      page + 1, page + 1, o->paper == PAPER_LETTER ? "Letter" : "A4");
        sb_printf(&sb,
                  "0.6 setgray [2 2] 0 setdash %.2f %.2f %.2f %.2f rectstroke [] 0 setdash "
                  "0 setgray\n",
                  x + 1, top - card_h + 1, card_w - 2, card_h - 2);
        ps_qr(&sb, &qs[i], qx, qy, m);
        sb_printf(&sb, "/Helvetica-Bold %.1f F ", font + 1.5);
        ps_string(&sb, o->shop_name ? o->shop_name : "");
        sb_printf(&sb, " %.2f %.2f T\n/Helvetica %.1f F ", tx, ty, font);
        ps_string(&sb, c->plan);
        sb_printf(&sb, " %.2f %.2f T ", tx, ty - 1.5 * lead);
        snprintf(line, sizeof line, "%s %s", o->currency ? o->currency : "", c->price);
        ps_string(&sb, line);
        sb_printf(&sb, " %.2f %.2f T ", tx, ty - 2.5 * lead);
        ps_string(&sb, c->validity ? c->validity : "");
        sb_printf(&sb, " %.2f %.2f T\n/Helvetica-Bold %.1f F ", tx, ty - 3.5 * lead, font + 1);
        snprintf(line, sizeof line, "%s %s", c->password ? "User" : "Code", c->code);
        ps_string(&sb, line);
        sb_printf(&sb, " %.2f %.2f T ", tx, ty - 5 * lead);
        if (c->password) {
            snprintf(line, sizeof line, "Pass %s", c->password);
            ps_string(&sb, line);
            sb_printf(&sb, " %.2f %.2f T ", tx, ty - 6 * lead);
        }
        sb_printf(&sb, "\n/Helvetica %.1f F ", font - 1);
        snprintf(line, sizeof line, "No. %s", c->serial);
        ps_string(&sb, line);
        sb_printf(&sb, " %.2f %.2f T\n", tx, top - card_h + 10);
        if (slot == per_page - 1 || i == n - 1)
            sb_add(&sb, "showpage\n");
        if (sb.len > 65536 || i == n - 1) {
            if (fwrite(sb.buf, 1, sb.len, out) != sb.len) {
                sb_free(&sb);
                return werr_set(e, WISP_ERUNTIME, "writing the sheet: %s", strerror(errno));
            }
            sb_reset(&sb);
        }
        progress(o, i + 1, n);
    }
    sb_add(&sb, "%%EOF\n");
    if (fwrite(sb.buf, 1, sb.len, out) != sb.len) {
        sb_free(&sb);
        return werr_set(e, WISP_ERUNTIME, "writing the sheet: %s", strerror(errno));
    }
    sb_free(&sb);
    return 0;
}

/* ---- ESC/POS ------------------------------------------------------------- */

/* A line of ASCII text (others as '?'), cut to width, then LF. */
static void
pos_line(struct sbuf *sb, const char *s, int width)
{
    int w = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p && w < width; p++, w++) {
        if (*p >= 0x80) {
            while ((p[1] & 0xc0) == 0x80)
                p++;
            sb_addc(sb, '?');
        } else if (*p >= ' ') {
            sb_addc(sb, (char)*p);
        }
    }
    sb_addc(sb, '\n');
}

/* GS ( k: cn=49 (QR), fn=pL pH cn fn params. */
static void
pos_qr_cmd(struct sbuf *sb, unsigned fn, const unsigned char *params, size_t np)
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

static int
write_escpos(FILE *out, const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
             struct werr *e)
{
    int width = o->paper == PAPER_58MM ? 32 : 48;
    unsigned char module = o->paper == PAPER_58MM ? 5 : 6;
    unsigned char level = o->ecc == 'L' ? 48 : o->ecc == 'Q' ? 50 : o->ecc == 'H' ? 51 : 49;
    struct sbuf sb = {0};
    char line[160];

    for (size_t i = 0; i < n; i++) {
        const struct sheet_card *c = &cards[i];
        size_t ulen = strlen(c->url);
        unsigned char model[2] = {0x32, 0x00}, print = 0x30;

        if (ulen > 7000) {
            sb_free(&sb);
            return werr_set(e, WISP_ERUNTIME, "voucher %s: login URL too long for a ticket",
                            c->code);
        }
        sb_addn(&sb, "\x1b\x40", 2);     /* ESC @ initialise */
        sb_addn(&sb, "\x1b\x61\x01", 3); /* ESC a 1 centre */
        sb_addn(&sb, "\x1b\x45\x01", 3); /* ESC E 1 bold */
        pos_line(&sb, o->shop_name ? o->shop_name : "", width);
        sb_addn(&sb, "\x1b\x45\x00", 3);
        pos_line(&sb, c->plan, width);
        snprintf(line, sizeof line, "%s %s", o->currency ? o->currency : "", c->price);
        pos_line(&sb, line, width);
        if (c->validity && *c->validity)
            pos_line(&sb, c->validity, width);
        sb_addc(&sb, '\n');
        pos_qr_cmd(&sb, 65, model, 2);   /* fn 165: model 2 */
        pos_qr_cmd(&sb, 67, &module, 1); /* fn 167: module size */
        pos_qr_cmd(&sb, 69, &level, 1);  /* fn 169: error correction */
        {
            struct sbuf data = {0};

            sb_addc(&data, 0x30);
            sb_add(&data, c->url);
            pos_qr_cmd(&sb, 80, (const unsigned char *)data.buf, data.len); /* fn 180: store */
            sb_free(&data);
        }
        pos_qr_cmd(&sb, 81, &print, 1); /* fn 181: print */
        sb_addc(&sb, '\n');
        sb_addn(&sb, "\x1b\x45\x01", 3);
        if (c->password) {
            snprintf(line, sizeof line, "User %s", c->code);
            pos_line(&sb, line, width);
            snprintf(line, sizeof line, "Pass %s", c->password);
        } else {
            snprintf(line, sizeof line, "Code %s", c->code);
        }
        pos_line(&sb, line, width);
        sb_addn(&sb, "\x1b\x45\x00", 3);
        snprintf(line, sizeof line, "No. %s", c->serial);
        pos_line(&sb, line, width);
        sb_addn(&sb, "\x1b\x64\x03", 3);     /* ESC d 3 feed */
        sb_addn(&sb, "\x1d\x56\x42\x00", 4); /* GS V 66 0: feed and cut */
        if (fwrite(sb.buf, 1, sb.len, out) != sb.len) {
            sb_free(&sb);
            return werr_set(e, WISP_ERUNTIME, "writing the tickets: %s", strerror(errno));
        }
        sb_reset(&sb);
        progress(o, i + 1, n);
    }
    sb_free(&sb);
    return 0;
}

int
sheet_write(FILE *out, const struct sheet_opts *o, const struct sheet_card *cards, size_t n,
            struct werr *e)
{
    struct qr *qs;
    int maxw, rc;

    if (o->format == SHEET_ESCPOS)
        return write_escpos(out, o, cards, n, e);
    if ((qs = encode_all(cards, n, o->ecc, &maxw, e)) == NULL)
        return -1;
    if (o->format == SHEET_PS)
        rc = write_ps(out, o, cards, n, qs, maxw, e);
    else
        rc = write_text(out, o, cards, n, qs, maxw, e);
    free_all(qs, n);
    if (rc == 0 && fflush(out) != 0)
        rc = werr_set(e, WISP_ERUNTIME, "writing the sheet: %s", strerror(errno));
    return rc;
}
