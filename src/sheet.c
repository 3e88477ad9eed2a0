/*
 * sheet.c - voucher sheets and tickets (see include/wisp/sheet.h).
 *
 * Every QR is encoded once up front; the largest symbol sets the card size so
 * the cards of one sheet line up. Text and ANSI sheets are built line by line
 * (a row of cards is a grid of pre-padded card lines); PDF and PostScript are
 * render.c's (cairo and pango), from the fixed layout; ESC/POS tickets are
 * escpos.c's.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wisp/escpos.h"
#include "wisp/i18n.h"
#include "wisp/qr.h"
#include "wisp/render.h"
#include "wisp/sheet.h"
#include "wisp/util.h"

#define PAPER_QUIET    4  /* quiet-zone modules on paper */
#define TEXT_INFO_COLS 26 /* width of the text beside the QR on a text card */

static const char *const format_names[] = {"text", "ansi", "ps", "escpos", "pdf"};

const char *
sheet_format_name(enum sheet_format f)
{
    return format_names[f];
}

int
sheet_format_for_file(const char *path, enum sheet_format *f)
{
    const char *dot = path ? strrchr(path, '.') : NULL;

    if (dot && strchr(dot, '/') == NULL) {
        if (strcasecmp(dot, ".pdf") == 0)
            *f = SHEET_PDF;
        else if (strcasecmp(dot, ".ps") == 0)
            *f = SHEET_PS;
        else if (strcasecmp(dot, ".txt") == 0)
            *f = SHEET_TEXT;
        else
            return -1;
        return 0;
    }
    return -1;
}

int
sheet_parse_format(const char *s, enum sheet_format *f, struct werr *e)
{
    for (int i = 0; i < 5; i++)
        if (str_eq(s, format_names[i])) {
            *f = (enum sheet_format)i;
            return 0;
        }
    return werr_set(e, WISP_EUSAGE,
                    _("bad --format \"%s\": expected pdf, ps, text, ansi or escpos"), s ? s : "");
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
    return werr_set(e, WISP_EUSAGE, _("bad --paper \"%s\": expected a4, letter, 58mm or 80mm"),
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

/* "Label  value", the labels (in the operator's language) padded to the
 * widest so the values line up. */
static void
labelled(char *line, size_t n, const char *label, int label_cols, const char *value)
{
    snprintf(line, n, "%s%*s %s", label, label_cols - str_width(label), "", value);
}

/* The info lines printed beside a card's QR; *code_from and *code_to get
 * the lines that hold the code and password (shown bold). */
static int
card_info(const struct sheet_card *c, const struct sheet_opts *o, char lines[][96], int max,
          int *code_from, int *code_to)
{
    /* TRANSLATORS: the labels on a printed voucher card: keep them short */
    const char *plan = _("Plan"), *price = _("Price"), *user = _("User"), *pass = _("Pass"),
               *code = _("Code");
    const char *const all[] = {plan, price, user, pass, code};
    int n = 0, w = 0;

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (str_width(all[i]) > w)
            w = str_width(all[i]);
    w = w < 6 ? 6 : w; /* "Plan   5.00": the English layout */
    snprintf(lines[n++], 96, "%s", o->shop_name ? o->shop_name : "");
    snprintf(lines[n++], 96, "%s", "");
    labelled(lines[n++], 96, plan, w, c->plan);
    if (o->currency && *o->currency) {
        char money[64];

        snprintf(money, sizeof money, "%s %s", o->currency, c->price);
        labelled(lines[n++], 96, price, w, money);
    } else { /* the caller wrote the currency into the price (locfmt_money) */
        labelled(lines[n++], 96, price, w, c->price);
    }
    if (c->validity && *c->validity)
        snprintf(lines[n++], 96, "%s", c->validity);
    snprintf(lines[n++], 96, "%s", "");
    *code_from = n;
    if (c->password) {
        labelled(lines[n++], 96, user, w, c->code);
        labelled(lines[n++], 96, pass, w, c->password);
    } else {
        labelled(lines[n++], 96, code, w, c->code);
    }
    *code_to = n;
    snprintf(lines[n++], 96, "%s", "");
    snprintf(lines[n++], 96, _("No. %s"), c->serial);
    return n < max ? n : max;
}

/* Line `line` (0 = top border) of card i, exactly card_cols columns wide. */
static void
card_line(struct sbuf *sb, const struct sheet_card *c, const struct qr *q, int qr_cols, int qr_rows,
          int line, const struct sheet_opts *o, const struct text_style *st)
{
    char info[12][96];
    int ninfo, code_from, code_to, inner = qr_cols + 1 + TEXT_INFO_COLS;

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
    ninfo = card_info(c, o, info, 12, &code_from, &code_to);
    {
        int idx = line - 2; /* info starts one line below the border */
        const char *text = idx >= 0 && idx < ninfo ? info[idx] : "";
        const char *sgr = idx == 0 ? st->title : idx >= code_from && idx < code_to ? st->code : "";

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
            return werr_set(e, WISP_ERUNTIME, _("writing the sheet: %s"), strerror(errno));
        }
        sb_reset(&sb);
        for (size_t i = first; i < last; i++)
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
        return escpos_write(out, o, cards, n, e);
    if (o->format == SHEET_PDF || o->format == SHEET_PS) {
        struct render_layout l;

        render_layout_default(&l, o->paper, o->columns);
        return render_sheet(out, o->format == SHEET_PDF ? RENDER_PDF : RENDER_PS,
                            o->layout ? o->layout : &l, o, cards, n, e);
    }
    if ((qs = encode_all(cards, n, o->ecc, &maxw, e)) == NULL)
        return -1;
    rc = write_text(out, o, cards, n, qs, maxw, e);
    free_all(qs, n);
    if (rc == 0 && fflush(out) != 0)
        rc = werr_set(e, WISP_ERUNTIME, _("writing the sheet: %s"), strerror(errno));
    return rc;
}
