/*
 * table.c - the generic table widget (see include/wisp/table.h).
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/colors.h"
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

/* Put s in exactly w columns at the cursor, cut or padded. */
static void
put_cell(const char *s, int w, bool right)
{
    int sw = str_width(s);

    if (w <= 0)
        return;
    if (right && sw < w)
        printw("%*s", w - sw, "");
    if (sw <= w) {
        addstr(s);
        if (!right)
            printw("%*s", w - sw, "");
        return;
    }
    /* cut by columns, at a character boundary, and say so with an ellipsis */
    {
        int cw;

        addnstr(s, (int)str_fit(s, w - 1, &cw));
        addstr("\u2026");
        printw("%*s", w - cw - 1 > 0 ? w - cw - 1 : 0, "");
    }
}

/* Widths for this box: fixed columns as given, the flexible one takes the
 * rest. Too narrow: columns shrink from the right, down to nothing, so that
 * the row never runs past w (past the pane, or wrapping at the screen's edge). */
static void
widths(const struct table *t, int w, int *out)
{
    int used = 0, flex = -1;

    for (int c = 0; c < t->ncols; c++) {
        out[c] = t->cols[c].width;
        if (out[c] == 0)
            flex = c;
        used += out[c] + (c ? 1 : 0);
    }
    if (flex >= 0) {
        out[flex] = w - used > 4 ? w - used : 4;
        used += out[flex];
    }
    for (int c = t->ncols - 1; c >= 0 && used > w; c--) {
        int cut = used - w < out[c] + (c ? 1 : 0) ? used - w : out[c] + (c ? 1 : 0);

        out[c] -= cut; /* below 0: the separator goes too */
        used -= cut;
    }
}

void
table_draw(struct table *t, int y, int x, int h, int w, bool focused)
{
    int wd[32];
    char buf[256];

    if (h < 1 || w < 4 || t->ncols > 32)
        return;
    table_clamp(t, h);
    widths(t, w, wd);
    attrset(colors_attr(TH_TABLE_HEADER));
    move(y, x);
    for (int c = 0; c < t->ncols && wd[c] >= 0; c++) {
        if (c)
            addch(' ');
        put_cell(t->cols[c].title, wd[c], t->cols[c].right);
    }
    attrset(A_NORMAL);
    for (int line = 1; line < h; line++) {
        int row = t->top + line - 1;
        bool sel = row == t->sel;

        move(y + line, x);
        attrset(colors_attr(TH_NORMAL));
        if (row >= t->nrows) {
            printw("%*s", w, "");
            continue;
        }
        for (int c = 0; c < t->ncols && wd[c] >= 0; c++) {
            enum theme_element el = t->cell(t->ctx, row, c, buf, sizeof buf);

            if (sel)
                attrset(focused ? colors_attr(TH_SELECTED) : colors_attr(TH_SELECTED) | A_DIM);
            else
                attrset(colors_attr(el));
            if (c)
                addch(' ');
            if (str_has_ctrl(buf)) { /* stored or router text: shown, never obeyed */
                char *safe = str_safe(buf);

                snprintf(buf, sizeof buf, "%s", safe);
                free(safe);
            }
            put_cell(buf, wd[c], t->cols[c].right);
        }
        attrset(A_NORMAL);
    }
}

int
table_row_at(const struct table *t, int y, int line)
{
    int row = t->top + (line - y) - 1;

    return line > y && row < t->nrows ? row : -1;
}
