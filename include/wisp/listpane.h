/*
 * listpane.h - a pane that is one table over a JSON array of rows (the
 * Routers and Sessions panes): columns say which key they show and how to
 * format it; the pane keeps the filter, the sort and the selection (by a row
 * key, so the selection stays on its row when live data moves it).
 */
#ifndef WISP_LISTPANE_H
#define WISP_LISTPANE_H

#include <stdbool.h>

#include <jansson.h>

#include "wisp/table.h"

enum listpane_format {
    LF_TEXT,     /* as it is */
    LF_INT,      /* a number */
    LF_DURATION, /* seconds as 1d2h */
    LF_BYTES,    /* bytes as 1.5M */
    LF_RATE,     /* bits/s as 2.1Mb/s */
    LF_PERCENT,  /* 0-100 as 12% */
    LF_AGO,      /* a timestamp as "5s ago" */
    LF_IN,       /* a timestamp as "in 30s" (or "due") */
    LF_CUSTOM,   /* the pane's text callback says */
};

struct listpane_column {
    struct table_column col;
    const char *key;
    enum listpane_format fmt;
};

struct listpane {
    const struct listpane_column *cols;
    int ncols;
    const char *id_key; /* keeps the selection on its row: "name", "id" */
    /* Colour of a cell (state colours); NULL = plain. */
    enum theme_element (*colour)(json_t *row, int col);
    /* Text of an LF_CUSTOM cell (a masked PIN); ctx is text_ctx. */
    void (*text)(void *ctx, json_t *row, int col, char *buf, size_t n);
    void *text_ctx;
    json_t *rows; /* borrowed from the snapshot */
    int *order;
    int norder;
    int sort_col;
    bool sort_rev;
    struct table_column tcols[16];
    struct table t;
    int y; /* where it was drawn, for the mouse */
};

void listpane_init(struct listpane *lp, const struct listpane_column *cols, int ncols,
                   const char *id_key, enum theme_element (*colour)(json_t *, int));
/* New rows or a new filter: rebuild the visible order, keep the selection. */
void listpane_set_rows(struct listpane *lp, json_t *rows, const char *filter);
/* s: the next column ascending; S: reverse. Returns the column title. */
const char *listpane_sort(struct listpane *lp, bool reverse, const char *filter);
json_t *listpane_selected(struct listpane *lp);
void listpane_draw(struct listpane *lp, int y, int x, int h, int w);
bool listpane_key(struct listpane *lp, int ch, int h);
void listpane_click(struct listpane *lp, int line);
void listpane_free(struct listpane *lp);
/* The text of a value in a format (for details boxes too). */
void listpane_format(json_t *v, enum listpane_format f, char *buf, size_t n);

#endif
