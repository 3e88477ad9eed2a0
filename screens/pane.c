/*
 * pane.c - what every pane has in common (see include/wisp/pane.h): a pane
 * that is just its table, the table over the snapshot's rows with the
 * pane's filter, its "loading" or empty state, the details box of the
 * selected row. A pane class leaves out what these do for it.
 */
#include <stdlib.h>

#include "wisp/colors.h"
#include "wisp/draw.h"
#include "wisp/i18n.h"
#include "wisp/pane.h"

void *
pane_alloc(size_t size, const struct pane_class *cls, struct console *con)
{
    struct pane *p = xcalloc(1, size);

    p->cls = cls;
    p->con = con;
    return p;
}

/* A pane that is its table. */
struct table_pane {
    struct pane pane;
    struct listpane list;
};

struct pane *
pane_create(const struct pane_class *cls, struct console *con)
{
    struct table_pane *tp;

    if (cls->create)
        return cls->create(con);
    tp = pane_alloc(sizeof *tp, cls, con);
    listpane_init(&tp->list, cls->columns, cls->ncolumns, cls->id_key, tp);
    tp->pane.list = &tp->list;
    return &tp->pane;
}

void
pane_set_rows(struct pane *p, json_t *rows)
{
    listpane_set_rows(p->list, rows, p->filter);
}

bool
pane_state(struct pane *p, json_t *rows, int y, int h)
{
    const char *what =
        p->con->snap.db_up ? _("loading ...") : _("no data yet: the database is unreachable");
    int w = COLS - 8 < 90 ? COLS - 8 : 90, x = (COLS - w) / 2, line = y + h / 3;

    if (rows && json_array_size(rows) > 0)
        return false;
    if (p->list)
        p->list->t.at_h = 0; /* no table on screen for a move to redraw */
    if (rows == NULL) {
        draw_wrapped(y + 2, 2, COLS - 4, h - 2, what, colors_attr(TH_DIM));
        return true;
    }
    attrset(colors_attr(TH_TABLE_HEADER));
    draw_at(line++, x, _(p->cls->name), w);
    line++;
    line += draw_wrapped(line, x, w, y + h - line, _(p->cls->purpose), colors_attr(TH_NORMAL));
    line++;
    draw_wrapped(line, x, w, y + h - line, _(p->cls->fill), colors_attr(TH_DIM));
    return true;
}

void
pane_draw_table(struct pane *p, json_t *rows, int y, int h, enum reaction r)
{
    if (r == R_ROW)
        table_draw_sel(&p->list->t);
    else if (!pane_state(p, rows, y, h))
        listpane_draw(p->list, y, 0, h, COLS, true);
}

void
pane_update(struct pane *p)
{
    if (p->cls->update)
        p->cls->update(p);
    else if (p->cls->rows)
        pane_set_rows(p, p->cls->rows(p));
}

void
pane_draw(struct pane *p, int y, int h, enum reaction r)
{
    if (p->cls->draw)
        p->cls->draw(p, y, h, r);
    else
        pane_draw_table(p, p->cls->rows ? p->cls->rows(p) : NULL, y, h, r);
}

json_t *
pane_selected(struct pane *p, const char *none)
{
    json_t *row = p->list ? listpane_selected(p->list) : NULL;

    if (!row)
        console_say(p->con, "%s", none);
    return row;
}

void
pane_details(struct pane *p)
{
    json_t *row = p->list ? listpane_selected(p->list) : NULL;
    char title[256];

    if (p->cls->details) {
        p->cls->details(p);
        return;
    }
    if (!row || !p->cls->detail_rows)
        return;
    p->cls->detail_title(p, row, title, sizeof title);
    listpane_detail(title, p->cls->detail_rows, (int)p->cls->ndetail_rows, row);
}
