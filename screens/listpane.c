/*
 * listpane.c - the list widget of every table pane (see
 * include/wisp/listpane.h). Sorting keeps no state outside the list: the
 * order is sorted ascending by a key copied next to each index, then
 * reversed for a descending sort.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wisp/colors.h"
#include "wisp/draw.h"
#include "wisp/i18n.h"
#include "wisp/listpane.h"
#include "wisp/units.h"
#include "wisp/util.h"

/* "2026-11-22T10:00:00.5+00:00" (db_row_json's timestamps) as epoch seconds. */
static bool
iso_epoch(const char *s, long long *t)
{
    struct tm tm = {0};
    const char *p;
    int oh = 0, om = 0;

    if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
        return false;
    while (*p == '.' || (*p >= '0' && *p <= '9'))
        p++;
    *t = (long long)timegm(&tm);
    if ((*p == '+' || *p == '-') && sscanf(p + 1, "%d:%d", &oh, &om) >= 1)
        *t -= (*p == '+' ? 1 : -1) * (oh * 3600LL + om * 60LL);
    return true;
}

/* A timestamp relative to now: "in 5m" or "due" (LF_IN), "5m ago" (LF_AGO). */
static void
format_relative(const char *iso, enum listpane_format f, char *buf, size_t n)
{
    static const struct {
        long long secs;
        const char *unit;
    } units[] = {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}};
    long long t, d;
    size_t u = 0;

    if (!iso_epoch(iso, &t)) {
        snprintf(buf, n, "-");
        return;
    }
    d = f == LF_IN ? t - (long long)time(NULL) : (long long)time(NULL) - t;
    if (f == LF_IN && d <= 0) {
        snprintf(buf, n, "%s", _("due"));
        return;
    }
    if (d < 0)
        d = 0;
    while (u + 1 < sizeof units / sizeof units[0] && d < units[u].secs)
        u++;
    if (f == LF_IN && u == 0) /* "in" says hours at most */
        u = 1;
    /* TRANSLATORS: %lld%s is a span such as 5m or 2h (the units stay d, h, m, s) */
    snprintf(buf, n, f == LF_IN ? _("in %lld%s") : _("%lld%s ago"), d / units[u].secs,
             units[u].unit);
}

/* Stored or router text: shown, never obeyed; a timestamp to the minute. */
static void
format_text(const char *t, enum listpane_format f, char *buf, size_t n)
{
    if (f == LF_TIME && strlen(t) >= 16 && t[10] == 'T') {
        snprintf(buf, n, "%.10s %.5s", t, t + 11);
    } else if (str_has_ctrl(t)) {
        char *safe = str_safe(t);

        snprintf(buf, n, "%s", safe);
        free(safe);
    } else {
        snprintf(buf, n, "%s", t);
    }
}

/* Traffic: one decimal, 1024-based, as htop shows memory. */
static void
format_bytes(long long x, char *buf, size_t n)
{
    if (x < 1024)
        snprintf(buf, n, "%lldB", x);
    else if (x < 1024LL * 1024)
        snprintf(buf, n, "%.1fK", (double)x / 1024);
    else if (x < 1024LL * 1024 * 1024)
        snprintf(buf, n, "%.1fM", (double)x / (1024 * 1024));
    else
        snprintf(buf, n, "%.1fG", (double)x / (1024.0 * 1024 * 1024));
}

void
listpane_format(json_t *v, enum listpane_format f, char *buf, size_t n)
{
    long long x = json_is_integer(v) ? (long long)json_integer_value(v) : 0;

    if (!v || json_is_null(v))
        snprintf(buf, n, "-");
    else if (json_is_string(v) && (f == LF_AGO || f == LF_IN))
        format_relative(json_string_value(v), f, buf, n);
    else if (json_is_string(v))
        format_text(json_string_value(v), f, buf, n);
    else if (json_is_boolean(v))
        snprintf(buf, n, "%s", json_is_true(v) ? _("yes") : _("no"));
    else if (f == LF_DURATION && x > 0)
        units_format_duration(x, buf, n);
    else if (f == LF_DURATION)
        snprintf(buf, n, "0s");
    else if (f == LF_BYTES)
        format_bytes(x, buf, n);
    else if (f == LF_RATE)
        units_format_bps(x, buf, n);
    else if (f == LF_PERCENT)
        snprintf(buf, n, "%lld%%", x);
    else if (f == LF_AGO || f == LF_IN)
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%lld", x);
}

enum theme_element
listpane_state(const struct listpane_state *map, const char *value)
{
    for (; map->value; map++)
        if (value && strcmp(map->value, value) == 0)
            return map->el;
    return map->el;
}

static json_t *
row_of(struct listpane *lp, int i)
{
    if (lp->row_at)
        return lp->row_at(lp->ctx, i);
    if (i < 0 || i >= lp->norder)
        return NULL;
    return json_array_get(lp->rows, (size_t)lp->order[i]);
}

static void
cell_text(struct listpane *lp, const struct listpane_column *c, json_t *r, char *buf, size_t n)
{
    if (c->text)
        c->text(lp->ctx, r, buf, n);
    else
        listpane_format(json_object_get(r, c->key), c->fmt, buf, n);
}

static enum theme_element
cell(void *ctx, int row, int col, char *buf, size_t n)
{
    struct listpane *lp = ctx;
    const struct listpane_column *c = &lp->cols[col];
    json_t *r;

    /* a line asks for its cells left to right: its row is looked up once
     * (a column at or left of the last one asked is another line) */
    if (row != lp->cache_row || col <= lp->cache_col)
        lp->cache_json = row_of(lp, row);
    lp->cache_row = row, lp->cache_col = col;
    r = lp->cache_json;

    if (r == NULL) { /* a windowed row still on its way: its number */
        if (col == 0)
            snprintf(buf, n, "%d", row + 1);
        else
            buf[0] = '\0';
        return TH_DIM;
    }
    cell_text(lp, c, r, buf, n);
    if (c->states)
        return listpane_state(c->states, json_string_value(json_object_get(r, c->key)));
    return c->colour ? c->colour(lp->ctx, r) : TH_NORMAL;
}

void
listpane_init(struct listpane *lp, const struct listpane_column *cols, int ncols,
              const char *id_key, void *ctx)
{
    memset(lp, 0, sizeof *lp);
    lp->cols = cols;
    lp->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
    lp->id_key = id_key;
    lp->ctx = ctx;
    for (int i = 0; i < lp->ncols; i++)
        lp->tcols[i] = cols[i].col;
    lp->t.cols = lp->tcols;
    lp->t.ncols = lp->ncols;
    lp->t.cell = cell;
    lp->t.ctx = lp;
    lp->t.sel = -1;
    lp->cache_row = -1;
}

/* An index and its sort key, sorted together. */
struct keyed {
    json_t *key;
    int i;
};

static int
compare(const void *a, const void *b)
{
    const struct keyed *p = a, *q = b;
    json_t *x = p->key, *y = q->key;
    int r;

    if (json_is_number(x) && json_is_number(y))
        r = (json_number_value(x) > json_number_value(y)) -
            (json_number_value(x) < json_number_value(y));
    else
        r = strcmp(json_is_string(x) ? json_string_value(x) : "",
                   json_is_string(y) ? json_string_value(y) : "");
    return r ? r : (p->i > q->i) - (p->i < q->i); /* a stable order for equal keys */
}

static void
sort_order(struct listpane *lp)
{
    const char *key = lp->cols[lp->sort_col].key;
    struct keyed *k = xcalloc(lp->norder ? (size_t)lp->norder : 1, sizeof *k);

    for (int i = 0; i < lp->norder; i++) {
        k[i].i = lp->order[i];
        k[i].key = json_object_get(json_array_get(lp->rows, (size_t)k[i].i), key);
    }
    qsort(k, (size_t)lp->norder, sizeof *k, compare);
    for (int i = 0; i < lp->norder; i++)
        lp->order[i] = k[lp->sort_rev ? lp->norder - 1 - i : i].i;
    free(k);
}

static bool
matches(struct listpane *lp, json_t *r, const char *filter)
{
    for (int c = 0; c < lp->ncols; c++) {
        char b[256];

        if (lp->cols[c].secret) /* a masked PIN is not searchable */
            continue;
        cell_text(lp, &lp->cols[c], r, b, sizeof b);
        if (strstr(b, filter))
            return true;
    }
    return false;
}

static char *
id_of(struct listpane *lp, json_t *r)
{
    char b[128];

    listpane_format(json_object_get(r, lp->id_key), LF_TEXT, b, sizeof b);
    return xstrdup(b);
}

void
listpane_select_id(struct listpane *lp, const char *id)
{
    for (int i = 0; id && i < lp->norder; i++) {
        char *x = id_of(lp, json_array_get(lp->rows, (size_t)lp->order[i]));
        bool same = str_eq(x, id);

        free(x);
        if (same) {
            lp->t.sel = i;
            return;
        }
    }
}

void
listpane_set_rows(struct listpane *lp, json_t *rows, const char *filter)
{
    json_t *sel = listpane_selected(lp);
    char *keep = sel ? id_of(lp, sel) : NULL;
    size_t n = json_array_size(rows);

    lp->rows = rows;
    free(lp->order);
    lp->order = xcalloc(n ? n : 1, sizeof *lp->order);
    lp->norder = 0;
    for (size_t i = 0; i < n; i++)
        if (!filter || !*filter || matches(lp, json_array_get(rows, i), filter))
            lp->order[lp->norder++] = (int)i;
    sort_order(lp);
    lp->t.nrows = lp->norder;
    listpane_select_id(lp, keep);
    free(keep);
    if (lp->t.sel >= lp->norder)
        lp->t.sel = lp->norder - 1;
    if (lp->t.sel < 0 && lp->norder > 0)
        lp->t.sel = 0;
}

const char *
listpane_sort(struct listpane *lp, bool reverse, const char *filter)
{
    if (reverse) {
        lp->sort_rev = !lp->sort_rev;
    } else {
        lp->sort_col = (lp->sort_col + 1) % lp->ncols;
        lp->sort_rev = false;
    }
    listpane_set_rows(lp, lp->rows, filter);
    return _(lp->cols[lp->sort_col].col.title);
}

json_t *
listpane_row(struct listpane *lp, int i)
{
    return row_of(lp, i);
}

json_t *
listpane_selected(struct listpane *lp)
{
    if (!lp->row_at && !lp->rows)
        return NULL;
    return row_of(lp, lp->t.sel);
}

void
listpane_draw(struct listpane *lp, int y, int x, int h, int w, bool focused)
{
    table_draw(&lp->t, y, x, h, w, focused);
}

bool
listpane_key(struct listpane *lp, int ch)
{
    return table_key(&lp->t, ch, lp->t.at_h);
}

bool
listpane_click(struct listpane *lp, int y, int x)
{
    int row;

    if (lp->t.at_h < 1 || y >= lp->t.at_y + lp->t.at_h || x < lp->t.at_x ||
        x >= lp->t.at_x + lp->t.at_w)
        return false;
    row = table_row_at(&lp->t, lp->t.at_y, y);
    if (row >= 0)
        lp->t.sel = row;
    return row >= 0;
}

void
listpane_free(struct listpane *lp)
{
    free(lp->order);
    lp->order = NULL;
}

void
listpane_detail(const char *title, const struct detail_row *rows, int n, json_t *obj)
{
    int w = COLS - 8 < 76 ? COLS - 8 : 76, h = n + 4, y, x = (COLS - w) / 2;

    if (h > LINES - 3) /* between the tabs and the footer; what does not fit is left out */
        h = LINES - 3, n = h - 4;
    y = (LINES - h) / 2 > 2 ? (LINES - h) / 2 : 2;
    draw_box(y, x, h, w, colors_attr(TH_DIALOG));
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    move(y + 1, x + 2);
    draw_fit(title, w - 4);
    attrset(colors_attr(TH_DIALOG));
    for (int i = 0; i < n; i++) {
        char v[256];

        listpane_format(json_object_get(obj, rows[i].key), rows[i].fmt, v, sizeof v);
        draw_at(y + 3 + i, x + 2, _(rows[i].label), 16);
        move(y + 3 + i, x + 19);
        draw_fit(v, w - 21);
    }
    attrset(A_NORMAL);
}
