/*
 * listpane.h - the one list widget of every table pane: a table (table.h)
 * over a JSON array of rows. Columns say which key they show, how to format
 * it, and how to colour it; the list keeps its own filter result, sort and
 * selection (by a row key, so the selection stays on its row when live data
 * moves it). A windowed list (row_at) shows rows the pane fetches a window
 * of at a time, in their own order: no filter, no sort.
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
    LF_TIME,     /* a timestamp to the minute, "2026-11-22 12:01" */
};

/* A state's colour: {value, element} pairs, ended by {NULL, the element
 * of any other value}. */
struct listpane_state {
    const char *value;
    enum theme_element el;
};
enum theme_element listpane_state(const struct listpane_state *map, const char *value);
/* A map that colours every value alike (an error column in red). */
#define LISTPANE_ALWAYS(el) ((const struct listpane_state[]){{NULL, (el)}})

struct listpane_column {
    struct table_column col;
    const char *key; /* the row's member it shows (and sorts and filters by) */
    enum listpane_format fmt;
    /* The cell's colour (a state colour) from its row; NULL = plain. ctx is
     * the list's ctx. */
    enum theme_element (*colour)(void *ctx, json_t *row);
    /* Or the colour of its text by this map (a state in colour). */
    const struct listpane_state *states;
    /* The cell's text when it is not the value in fmt (a masked PIN). */
    void (*text)(void *ctx, json_t *row, char *buf, size_t n);
    bool secret; /* never matched by the filter (a PIN) */
};

struct listpane {
    const struct listpane_column *cols;
    int ncols;
    const char *id_key; /* keeps the selection on its row: "name", "id" */
    void *ctx;          /* for the columns' colour and text functions */
    /* Windowed: the row at an index (NULL while not fetched); t.nrows is
     * set by the pane. */
    json_t *(*row_at)(void *ctx, int row);
    json_t *rows; /* borrowed from the snapshot */
    int *order;
    int norder;
    int sort_col;
    bool sort_rev;
    struct table_column tcols[TABLE_MAX_COLS];
    struct table t;
    int cache_row, cache_col; /* the row the cell last drawn was of */
    json_t *cache_json;
};

void listpane_init(struct listpane *lp, const struct listpane_column *cols, int ncols,
                   const char *id_key, void *ctx);
/* New rows or a new filter: rebuild the visible order, keep the selection
 * on its row (or on the row whose id_key is want_id, when not NULL). */
void listpane_set_rows(struct listpane *lp, json_t *rows, const char *filter);
void listpane_select_id(struct listpane *lp, const char *id);
/* s: the next column ascending; S: reverse. Returns the column title. */
const char *listpane_sort(struct listpane *lp, bool reverse, const char *filter);
/* The row at a visible index, the selected row (NULL for none). */
json_t *listpane_row(struct listpane *lp, int i);
json_t *listpane_selected(struct listpane *lp);
void listpane_draw(struct listpane *lp, int y, int x, int h, int w, bool focused);
bool listpane_key(struct listpane *lp, int ch);
/* A click at screen row y, column x: true when it selected a row. */
bool listpane_click(struct listpane *lp, int y, int x);
void listpane_free(struct listpane *lp);
/* The text of a value in a format (for details boxes too). */
void listpane_format(json_t *v, enum listpane_format f, char *buf, size_t n);

/* A box of label: value lines over the middle of the screen (a row's
 * details): rows[i] is {label, key}, fmts[i] its format. */
struct detail_row {
    const char *label, *key;
    enum listpane_format fmt;
};
void listpane_detail(const char *title, const struct detail_row *rows, int n, json_t *obj);

#endif
