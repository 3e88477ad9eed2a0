/*
 * graph.c - btop-style graphs for the Metrics pane.
 *
 * A value becomes a height in small units: dots for the braille area graph
 * (4 per text row), eighths for the bars (8 per text row), counted from the
 * bottom of the graph. A text row then shows the part of each column's height
 * that falls inside it: full, empty, or the few units at its bottom. The
 * renderers only write UTF-8 into the caller's rows; graph_draw and
 * graph_draw_bars add the title and axes and put the rows on stdscr.
 */
#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/graph.h"
#include "wisp/util.h"

/* Braille bits lighting the bottom k dots of a cell's left and right column. */
static const unsigned char left_dots[5] = {0x00, 0x40, 0x44, 0x46, 0x47};
static const unsigned char right_dots[5] = {0x00, 0x80, 0xa0, 0xb0, 0xb8};

/* The bars' glyphs by eighths filled; a space for none. */
static const char *const eighths[9] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

/* m x 10^k, computed so that it is the double nearest the decimal number
 * (10^|k| is exact up to 10^22, and one rounding follows). */
static double
decimal(double m, int k)
{
    double scale = pow(10, abs(k));

    return k < 0 ? m / scale : m * scale;
}

double
graph_nice_max(double v)
{
    static const double steps[] = {1, 2, 5};
    int k;
    size_t i;

    if (!isfinite(v) || v <= 0)
        return 1;
    /* log10 may land one decade off near a power of ten; starting one
     * decade lower and stepping up finds the smallest anyway. */
    k = (int)floor(log10(v)) - 1;
    for (; k <= 309; k++)
        for (i = 0; i < sizeof steps / sizeof steps[0]; i++)
            if (decimal(steps[i], k) >= v)
                return decimal(steps[i], k);
    return v; /* not reached for finite v */
}

/* v scaled so that max is `total` units, rounded: 0 for NaN or <= 0, at least
 * 1 for anything above 0, and `total` for anything at or beyond max (or for
 * any positive value when max is not a positive number). */
static int
units(double v, double max, int total)
{
    double d;

    if (isnan(v) || v <= 0 || total <= 0)
        return 0;
    d = max > 0 ? round(v / max * total) : total;
    if (!(d < total))
        return total;
    return d < 1 ? 1 : (int)d;
}

/* How many of a column's `filled` units fall in the text row whose lowest
 * unit is `base`, when a row holds `per_row` units. */
static int
in_row(int filled, int base, int per_row)
{
    int k = filled - base;

    return k < 0 ? 0 : k > per_row ? per_row : k;
}

/* Write the braille cell with these bits as UTF-8 (3 bytes) at p. */
static char *
put_braille(char *p, unsigned bits)
{
    unsigned cp = 0x2800 + bits;

    *p++ = (char)(0xe0 | (cp >> 12));
    *p++ = (char)(0x80 | ((cp >> 6) & 0x3f));
    *p++ = (char)(0x80 | (cp & 0x3f));
    return p;
}

void
graph_braille(const double *v, size_t n, double max, int width, int height, char **rows)
{
    size_t cols = width > 0 ? 2 * (size_t)width : 0;
    size_t first = n > cols ? n - cols : 0; /* the oldest value shown */
    size_t pad = cols - (n - first);        /* blank dot columns on the left */
    int total = 4 * height;
    size_t c;
    int r;

    for (r = 0; r < height; r++) {
        int base = 4 * (height - 1 - r);
        char *p = rows[r];

        for (c = 0; c < cols; c += 2) {
            int l = c < pad ? 0 : units(v[first + c - pad], max, total);
            int rt = c + 1 < pad ? 0 : units(v[first + c + 1 - pad], max, total);

            p = put_braille(p, left_dots[in_row(l, base, 4)] | right_dots[in_row(rt, base, 4)]);
        }
        *p = '\0';
    }
}

void
graph_bars(const double *v, size_t n, double max, int height, char **rows)
{
    int total = 8 * height;
    size_t i;
    int r;

    for (r = 0; r < height; r++) {
        int base = 8 * (height - 1 - r);
        char *p = rows[r];

        for (i = 0; i < n; i++) {
            const char *glyph = eighths[in_row(units(v[i], max, total), base, 8)];
            size_t len = strlen(glyph);

            memcpy(p, glyph, len);
            p += len;
        }
        *p = '\0';
    }
}

/* The largest finite value, or 0 when there is none. */
static double
largest(const double *v, size_t n)
{
    double m = 0;
    size_t i;

    for (i = 0; i < n; i++)
        if (isfinite(v[i]) && v[i] > m)
            m = v[i];
    return m;
}

/* `count` text rows of `size` bytes each, in one allocation: free(rows[0]),
 * then free(rows). */
static char **
alloc_rows(int count, size_t size)
{
    char **rows = xmalloc((size_t)count * sizeof *rows);
    char *buf = xmalloc((size_t)count * size);
    int r;

    for (r = 0; r < count; r++)
        rows[r] = buf + (size_t)r * size;
    return rows;
}

static void
free_rows(char **rows)
{
    free(rows[0]);
    free(rows);
}

/* A y axis label: the value through fmt, or "%g" without one. */
static void
axis_label(double value, void (*fmt)(double, char *, size_t), char *buf, size_t len)
{
    if (fmt)
        fmt(value, buf, len);
    else
        snprintf(buf, len, "%g", value);
}

/* The x labels under a graph of gw columns at gx: left, centre and "now"
 * at the right end, each left out if it would touch its neighbour. */
static void
x_labels(int y, int gx, int gw, const char *x_left, const char *x_mid)
{
    int now_x = gx + gw - 3;
    int left_end = gx; /* first column after the left label */

    mvaddstr(y, now_x, "now");
    if (x_left && *x_left && gx + str_width(x_left) < now_x) {
        mvaddstr(y, gx, x_left);
        left_end = gx + str_width(x_left);
    }
    if (x_mid && *x_mid) {
        int mw = str_width(x_mid);
        int mx = gx + (gw - mw) / 2;

        if (mx > left_end && mx + mw < now_x)
            mvaddstr(y, mx, x_mid);
    }
}

/* The y axis labels for the scale ymax, and the width of their column. */
static int
labels(double ymax, void (*fmt)(double, char *, size_t), bool with_mid, char top[48], char mid[48],
       char zero[48])
{
    int lw;

    axis_label(ymax, fmt, top, 48);
    axis_label(ymax / 2, fmt, mid, 48);
    axis_label(0, fmt, zero, 48);
    lw = str_width(top);
    if (str_width(zero) > lw)
        lw = str_width(zero);
    if (with_mid && str_width(mid) > lw)
        lw = str_width(mid);
    return lw;
}

int
graph_cells(int h, int w, const double *v, size_t n,
            void (*fmt)(double value, char *buf, size_t len))
{
    char top[48], mid[48], zero[48];
    int gw = w - labels(graph_nice_max(largest(v, n)), fmt, h - 2 >= 3, top, mid, zero) - 1;

    return h < 4 || gw < 4 ? 0 : gw;
}

void
graph_draw(int y, int x, int h, int w, const double *v, size_t n, const char *title,
           void (*fmt)(double value, char *buf, size_t len), const char *x_left, const char *x_mid,
           int title_attr, int graph_attr)
{
    char top[48], mid[48], zero[48];
    int gh = h - 2, mid_row = gh >= 3 ? gh / 2 : -1;
    int lw, gw, gx, r;
    double ymax;
    char **rows;

    if (h < 4 || w <= 0)
        return;
    ymax = graph_nice_max(largest(v, n));
    lw = labels(ymax, fmt, mid_row >= 0, top, mid, zero);
    gw = w - lw - 1;
    if (gw < 4)
        return;
    gx = x + lw + 1;

    rows = alloc_rows(gh, 3 * (size_t)gw + 1);
    graph_braille(v, n, ymax, gw, gh, rows);

    attrset(A_NORMAL);
    mvhline(y, x, ' ', w);
    mvhline(y + h - 1, x, ' ', w);
    if (title) {
        attrset(title_attr);
        mvaddnstr(y, x, title, (int)str_fit(title, w, NULL));
    }
    for (r = 0; r < gh; r++) {
        const char *label = r == 0 ? top : r == gh - 1 ? zero : r == mid_row ? mid : NULL;

        attrset(A_NORMAL);
        mvhline(y + 1 + r, x, ' ', lw);
        if (label)
            mvaddstr(y + 1 + r, x + lw - str_width(label), label);
        mvaddstr(y + 1 + r, x + lw, label ? "┤" : "│");
        attrset(graph_attr);
        addstr(rows[r]);
    }
    attrset(A_NORMAL);
    x_labels(y + h - 1, gx, gw, x_left, x_mid);
    free_rows(rows);
}

void
graph_draw_bars(int y, int x, int h, const double *v, size_t n, const char *title,
                const char *const *labels, int title_attr, int bar_attr)
{
    double max = largest(v, n);
    size_t i, next = 0, lw;
    char **rows;
    int r;

    if (h < 3)
        return;
    if (title) {
        attrset(title_attr);
        mvaddstr(y, x, title);
    }
    attrset(A_NORMAL);
    if (n == 0)
        return;

    rows = alloc_rows(h - 2, 3 * n + 1);
    graph_bars(v, n, max > 0 ? max : 1, h - 2, rows);
    attrset(bar_attr);
    for (r = 0; r < h - 2; r++)
        mvaddstr(y + 1 + r, x, rows[r]);
    free_rows(rows);

    attrset(A_NORMAL);
    mvhline(y + h - 1, x, ' ', (int)n);
    for (i = 0; labels && i < n; i++) {
        if (!labels[i] || !*labels[i] || i < next)
            continue;
        lw = (size_t)str_width(labels[i]);
        if (i + lw > n)
            continue;
        mvaddstr(y + h - 1, x + (int)i, labels[i]);
        next = i + lw + 1;
    }
}
