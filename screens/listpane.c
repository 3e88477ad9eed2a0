/*
 * listpane.c - a table pane over JSON rows (see include/wisp/listpane.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

void
listpane_format(json_t *v, enum listpane_format f, char *buf, size_t n)
{
    long long x;

    if (!v || json_is_null(v)) {
        snprintf(buf, n, "-");
        return;
    }
    if (json_is_string(v) && f != LF_AGO) { /* stored or router text: shown, never obeyed */
        char *safe = str_safe(json_string_value(v));

        snprintf(buf, n, "%s", safe);
        free(safe);
        return;
    }
    if (json_is_boolean(v)) {
        snprintf(buf, n, "%s", json_is_true(v) ? "yes" : "no");
        return;
    }
    x = json_is_integer(v) ? (long long)json_integer_value(v) : 0;
    switch (f) {
    case LF_DURATION:
        if (x <= 0)
            snprintf(buf, n, "0s");
        else
            units_format_duration(x, buf, n);
        break;
    case LF_BYTES: /* traffic: one decimal, 1024-based, as htop shows memory */
        if (x < 1024)
            snprintf(buf, n, "%lldB", x);
        else if (x < 1024LL * 1024)
            snprintf(buf, n, "%.1fK", (double)x / 1024);
        else if (x < 1024LL * 1024 * 1024)
            snprintf(buf, n, "%.1fM", (double)x / (1024 * 1024));
        else
            snprintf(buf, n, "%.1fG", (double)x / (1024.0 * 1024 * 1024));
        break;
    case LF_RATE:
        units_format_bps(x, buf, n);
        break;
    case LF_PERCENT:
        snprintf(buf, n, "%lld%%", x);
        break;
    case LF_IN:
    case LF_AGO: {
        long long t, d;

        if (!iso_epoch(json_string_value(v), &t)) {
            snprintf(buf, n, "-");
            break;
        }
        d = f == LF_IN ? t - (long long)time(NULL) : (long long)time(NULL) - t;
        if (f == LF_IN) {
            if (d <= 0)
                snprintf(buf, n, "due");
            else if (d < 60)
                snprintf(buf, n, "in %llds", d);
            else if (d < 3600)
                snprintf(buf, n, "in %lldm", d / 60);
            else
                snprintf(buf, n, "in %lldh", d / 3600);
            break;
        }
        if (d < 0)
            d = 0;
        if (d < 60)
            snprintf(buf, n, "%llds ago", d);
        else if (d < 3600)
            snprintf(buf, n, "%lldm ago", d / 60);
        else if (d < 86400)
            snprintf(buf, n, "%lldh ago", d / 3600);
        else
            snprintf(buf, n, "%lldd ago", d / 86400);
        break;
    }
    default:
        snprintf(buf, n, "%lld", x);
    }
}

static enum theme_element
cell(void *ctx, int row, int col, char *buf, size_t n)
{
    struct listpane *lp = ctx;
    json_t *r = json_array_get(lp->rows, (size_t)lp->order[row]);

    if (lp->cols[col].fmt == LF_CUSTOM && lp->text)
        lp->text(lp->text_ctx, r, col, buf, n);
    else
        listpane_format(json_object_get(r, lp->cols[col].key), lp->cols[col].fmt, buf, n);
    return lp->colour ? lp->colour(r, col) : TH_NORMAL;
}

void
listpane_init(struct listpane *lp, const struct listpane_column *cols, int ncols,
              const char *id_key, enum theme_element (*colour)(json_t *, int))
{
    memset(lp, 0, sizeof *lp);
    lp->cols = cols;
    lp->ncols = ncols < 16 ? ncols : 16;
    lp->id_key = id_key;
    lp->colour = colour;
    for (int i = 0; i < lp->ncols; i++)
        lp->tcols[i] = cols[i].col;
    lp->t.cols = lp->tcols;
    lp->t.ncols = lp->ncols;
    lp->t.cell = cell;
    lp->t.ctx = lp;
    lp->t.sel = -1;
}

static struct listpane *sorting;

static int
compare(const void *a, const void *b)
{
    const char *key = sorting->cols[sorting->sort_col].key;
    json_t *x = json_object_get(json_array_get(sorting->rows, (size_t) * (const int *)a), key);
    json_t *y = json_object_get(json_array_get(sorting->rows, (size_t) * (const int *)b), key);
    int r;

    if (json_is_number(x) && json_is_number(y))
        r = (json_number_value(x) > json_number_value(y)) -
            (json_number_value(x) < json_number_value(y));
    else
        r = strcmp(json_is_string(x) ? json_string_value(x) : "",
                   json_is_string(y) ? json_string_value(y) : "");
    if (r == 0) /* a stable order for equal keys */
        r = (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
    return sorting->sort_rev ? -r : r;
}

void
listpane_set_rows(struct listpane *lp, json_t *rows, const char *filter)
{
    json_t *sel = listpane_selected(lp);
    char *keep = NULL;
    size_t n = json_array_size(rows);

    if (sel) {
        char b[128];

        listpane_format(json_object_get(sel, lp->id_key), LF_TEXT, b, sizeof b);
        keep = xstrdup(b);
    }
    lp->rows = rows;
    free(lp->order);
    lp->order = xcalloc(n ? n : 1, sizeof *lp->order);
    lp->norder = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(rows, i);
        bool match = !filter || !*filter;

        for (int c = 0; c < lp->ncols && !match; c++) {
            char b[128];

            if (lp->cols[c].fmt == LF_CUSTOM) /* a masked PIN is not searchable */
                continue;
            listpane_format(json_object_get(r, lp->cols[c].key), lp->cols[c].fmt, b, sizeof b);
            match = strstr(b, filter) != NULL;
        }
        if (match)
            lp->order[lp->norder++] = (int)i;
    }
    sorting = lp;
    qsort(lp->order, (size_t)lp->norder, sizeof *lp->order, compare);
    lp->t.nrows = lp->norder;
    if (keep) {
        for (int i = 0; i < lp->norder; i++) {
            char b[128];

            listpane_format(json_object_get(json_array_get(rows, (size_t)lp->order[i]), lp->id_key),
                            LF_TEXT, b, sizeof b);
            if (str_eq(b, keep))
                lp->t.sel = i;
        }
        free(keep);
    }
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
    return lp->cols[lp->sort_col].col.title;
}

json_t *
listpane_selected(struct listpane *lp)
{
    if (!lp->rows || lp->t.sel < 0 || lp->t.sel >= lp->norder)
        return NULL;
    return json_array_get(lp->rows, (size_t)lp->order[lp->t.sel]);
}

void
listpane_draw(struct listpane *lp, int y, int x, int h, int w)
{
    lp->y = y;
    table_draw(&lp->t, y, x, h, w, true);
}

bool
listpane_key(struct listpane *lp, int ch, int h)
{
    return table_key(&lp->t, ch, h);
}

void
listpane_click(struct listpane *lp, int line)
{
    int row = table_row_at(&lp->t, lp->y, line);

    if (row >= 0)
        lp->t.sel = row;
}

void
listpane_free(struct listpane *lp)
{
    free(lp->order);
    lp->order = NULL;
}
