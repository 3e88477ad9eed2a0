/*
 * table.h - the one table widget every pane uses (htop's Panel): the pane
 * hands it columns, a row count and a cell function; the widget owns
 * selection, scrolling and drawing. Row indexes are the pane's own, so a pane
 * can show a window of a 100,000-row table it never loads whole.
 *
 * A table narrower than its columns drops whole columns, the highest `drop`
 * first, rather than cutting titles to "…"; only a cell's text too long for
 * its column is cut (ending in "…"). Nothing is drawn past the box.
 */
#ifndef WISP_TABLE_H
#define WISP_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "wisp/theme.h"

#define TABLE_MAX_COLS 32

struct table_column {
    const char *title;
    int width;  /* columns; the last column takes what is left when 0 */
    bool right; /* right-aligned (numbers) */
    int drop;   /* 0: always shown; else dropped when short of room, 9 before 1 */
};

struct table {
    const struct table_column *cols;
    int ncols;
    int nrows;
    int sel; /* selected row, -1 when empty */
    int top; /* first row on screen */
    /* Write the text of (row, col) into buf; return the element to colour it
     * with (TH_NORMAL for plain). */
    enum theme_element (*cell)(void *ctx, int row, int col, char *buf, size_t n);
    void *ctx;
    /* Where and how it was last drawn (table_draw_sel redraws there). */
    int at_y, at_x, at_h, at_w, at_top, at_sel;
    bool at_focused;
    int wd[TABLE_MAX_COLS]; /* the columns' widths there, -1 when dropped */
};

/* Keep sel inside [0, nrows) and visible in a body of `height` rows. */
void table_clamp(struct table *t, int height);

/* Move the selection for a navigation key (arrows, j/k, PgUp/PgDn, g/G,
 * Home/End); true when the key was one of them. */
bool table_key(struct table *t, int ch, int height);

/* Draw header and rows in the box (y, x, h, w); focused tables show their
 * selection in the selected colour, others dimmed. */
void table_draw(struct table *t, int y, int x, int h, int w, bool focused);

/* After a move: redraw only the rows that were and are selected when the
 * table did not scroll, else the whole table, where it was drawn last. */
void table_draw_sel(struct table *t);

/* The row at screen line `line` of a table drawn at y (mouse clicks), or -1. */
int table_row_at(const struct table *t, int y, int line);

/* The widths of t's columns in w columns: -1 for a dropped column (what
 * table_draw uses; exposed for tests and panes that align to it). */
void table_widths(const struct table *t, int w, int *out);
/* The columns such widths take, the spaces between the shown ones included. */
int table_span(const int *widths, int n);

#endif
