/*
 * table.c - the generic table widget (see include/wisp/table.h).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/i18n.h"
#include "wisp/table.h"
#include "wisp/util.h"

void
table_clamp(struct table *t, int height)
{
    int body = height - 1;

    if (t->nrows <= 0) {
        t->sel = -1;
        t->top = 0;
        return;
    }
    if (t->sel < 0)
        t->sel = 0;
    if (t->sel >= t->nrows)
        t->sel = t->nrows - 1;
    if (body < 1)
        body = 1;
    if (t->sel < t->top)
        t->top = t->sel;
    if (t->sel >= t->top + body)
        t->top = t->sel - body + 1;
    if (t->top > t->nrows - body)
        t->top = t->nrows - body > 0 ? t->nrows - body : 0;
}

bool
table_key(struct table *t, int ch, int height)
{
    int page = height - 1 > 1 ? height - 1 : 1;

    switch (ch) {
    case KEY_UP:
    case 'k':
        t->sel--;
        break;
    case KEY_DOWN:
    case 'j':
        t->sel++;
        break;
    case KEY_PPAGE:
        t->sel -= page;
        t->top -= page;
        break;
    case KEY_NPAGE:
        t->sel += page;
        t->top += page;
        break;
    case 'g':
    case KEY_HOME:
        t->sel = 0;
        break;
    case 'G':
    case KEY_END:
        t->sel = t->nrows - 1;
        break;
    default:
        return false;
    }
    if (t->top < 0)
        t->top = 0;
    table_clamp(t, height);
    return true;
}

/* A column's title in the operator's language (the panes mark it N_). */
static const char *
title_of(const struct table_column *col)
{
    return col->title && *col->title ? _(col->title) : "";
}

/* Put s in exactly w columns at the cursor, cut or padded. Right-to-left
 * text goes between FSI and PDI (util.h: str_has_rtl), the cut inside them
 * and the ellipsis after: zero-width marks that ncursesw and tmux attach to
 * the cell before, so the columns stay where they are. */
static void
put_cell(const char *s, int w, bool right)
{
    int sw = str_width(s);
    bool rtl = str_has_rtl(s);

    if (w <= 0)
        return;
    if (right && sw < w)
        printw("%*s", w - sw, "");
    if (rtl)
        addstr(STR_FSI);
    if (sw <= w) {
        addstr(s);
        if (rtl)
            addstr(STR_PDI);
        if (!right)
            printw("%*s", w - sw, "");
        return;
    }
    /* cut by columns, at a character boundary, in logical order (the start
     * of the text is kept, whichever way it reads), and say so with an
     * ellipsis */
    {
        int cw;

        addnstr(s, (int)str_fit(s, w - 1, &cw));
        if (rtl)
            addstr(STR_PDI);
        addstr("\u2026");
        printw("%*s", w - cw - 1 > 0 ? w - cw - 1 : 0, "");
    }
}

int
table_span(const int *out, int n)
{
    int used = 0, shown = 0;

    for (int c = 0; c < n; c++)
        if (out[c] >= 0)
            used += out[c] + (shown++ ? 1 : 0);
    return used;
}

void
table_widths(const struct table *t, int w, int *out)
{
    int flex = -1, used;

    for (int c = 0; c < t->ncols; c++) {
        out[c] = t->cols[c].width;
        if (out[c] == 0) { /* the flexible column wants at least its title */
            flex = c;
            out[c] = str_width(title_of(&t->cols[c])) > 8 ? str_width(title_of(&t->cols[c])) : 8;
        }
    }
    /* short of room: drop whole columns, the highest `drop` (then the
     * rightmost) first, so that no title is cut */
    while ((used = table_span(out, t->ncols)) > w) {
        int worst = -1;

        for (int c = 0; c < t->ncols; c++)
            if (out[c] >= 0 && t->cols[c].drop > 0 &&
                (worst < 0 || t->cols[c].drop >= t->cols[worst].drop))
                worst = c;
        if (worst < 0)
            break;
        out[worst] = -1;
    }
    if (flex >= 0 && out[flex] >= 0 && used < w)
        out[flex] += w - used;
    /* what cannot be dropped and still does not fit: cut from the right,
     * down to nothing, so that the row never runs past w */
    for (int c = t->ncols - 1; c >= 0 && used > w; c--) {
        int sep = table_span(out, c) > 0 ? 1 : 0, cut;

        if (out[c] < 0)
            continue;
        cut = used - w < out[c] + sep ? used - w : out[c] + sep;
        out[c] -= cut;
        used -= cut;
        if (out[c] <= 0)
            out[c] = -1;
    }
}

/* One line of the table: its header (row -1) or a row, blank past the end. */
static void
draw_line(struct table *t, int line)
{
    int row = line == 0 ? -1 : t->top + line - 1, first = 1;
    char buf[256];

    move(t->at_y + line, t->at_x);
    if (row < 0) {
        attrset(colors_attr(TH_TABLE_HEADER));
        for (int c = 0; c < t->ncols; c++) {
            if (t->wd[c] < 0)
                continue;
            if (!first)
                addch(' ');
            first = 0;
            put_cell(title_of(&t->cols[c]), t->wd[c], t->cols[c].right);
        }
        attrset(A_NORMAL);
        return;
    }
    attrset(colors_attr(TH_NORMAL));
    if (row >= t->nrows) {
        printw("%*s", t->at_w, "");
        return;
    }
    for (int c = 0; c < t->ncols; c++) {
        enum theme_element el;

        if (t->wd[c] < 0)
            continue;
        el = t->cell(t->ctx, row, c, buf, sizeof buf);
        if (row == t->sel)
            attrset(t->at_focused ? colors_attr(TH_SELECTED) : colors_attr(TH_SELECTED) | A_DIM);
        else
            attrset(colors_attr(el));
        if (!first)
            addch(' ');
        first = 0;
        if (str_has_ctrl(buf)) { /* stored or router text: shown, never obeyed */
            char *safe = str_safe(buf);

            snprintf(buf, sizeof buf, "%s", safe);
            free(safe);
        }
        put_cell(buf, t->wd[c], t->cols[c].right);
    }
    attrset(A_NORMAL);
}

void
table_draw(struct table *t, int y, int x, int h, int w, bool focused)
{
    if (h < 1 || w < 4 || t->ncols > TABLE_MAX_COLS)
        return;
    table_clamp(t, h);
    table_widths(t, w, t->wd);
    t->at_y = y, t->at_x = x, t->at_h = h, t->at_w = w, t->at_focused = focused;
    t->at_top = t->top, t->at_sel = t->sel;
    for (int line = 0; line < h; line++)
        draw_line(t, line);
}

void
table_draw_sel(struct table *t)
{
    int was = t->at_sel;

    if (t->at_h < 1)
        return;
    table_clamp(t, t->at_h);
    if (t->top != t->at_top) {
        table_draw(t, t->at_y, t->at_x, t->at_h, t->at_w, t->at_focused);
        return;
    }
    t->at_sel = t->sel;
    if (was >= t->top && was < t->top + t->at_h - 1)
        draw_line(t, was - t->top + 1);
    if (t->sel >= 0)
        draw_line(t, t->sel - t->top + 1);
}

int
table_row_at(const struct table *t, int y, int line)
{
    int row = t->top + (line - y) - 1;

    return line > y && row < t->nrows ? row : -1;
}
