/*
 * table.h - the one table widget every pane uses (htop's Panel): the pane
 * hands it columns, a row count and a cell function; the widget owns
 * selection, scrolling and drawing. Row indexes are the pane's own, so a pane
 * can show a window of a 100,000-row table it never loads whole.
 */
#ifndef WISP_TABLE_H
#define WISP_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "wisp/theme.h"

struct table_column {
    const char *title;
    int width;  /* columns; the last column takes what is left when 0 */
    bool right; /* right-aligned (numbers) */
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
};

/* Keep sel inside [0, nrows) and visible in a body of `height` rows. */
void table_clamp(struct table *t, int height);

/* Move the selection for a navigation key (arrows, j/k, PgUp/PgDn, g/G,
 * Home/End); true when the key was one of them. */
bool table_key(struct table *t, int ch, int height);

/* Draw header and rows in the box (y, x, h, w); focused tables show their
 * selection in the selected colour, others dimmed. */
void table_draw(struct table *t, int y, int x, int h, int w, bool focused);

/* The row at screen line `line` of a table drawn at y (mouse clicks), or -1. */
int table_row_at(const struct table *t, int y, int line);

#endif
