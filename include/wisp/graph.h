/*
 * graph.h - small graphs for the Metrics pane, the way btop draws them: an
 * area graph in braille (2x4 dots per character cell, filled from the bottom)
 * and vertical bars in eighth blocks. The renderers write UTF-8 rows into
 * caller buffers and know nothing of curses, so they are unit-tested; the
 * graph_draw* functions put a titled graph with its axes on stdscr.
 *
 * Values are oldest first; NAN means "no sample" (drawn as nothing).
 */
#ifndef WISP_GRAPH_H
#define WISP_GRAPH_H

#include <stddef.h>

/* The smallest 1, 2 or 5 x 10^k that is >= v: the top of a y axis
 * (0.3 -> 0.5, 7 -> 10, 120 -> 200). 1 when v <= 0, NaN or infinite. */
double graph_nice_max(double v);

/* Render v[0..n) as an area graph of `height` text rows by `width` braille
 * cells (U+2800..U+28FF), one value per dot column, the newest rightmost:
 * when n > 2*width only the newest 2*width values are drawn, when fewer the
 * graph is right-aligned and the left is blank braille (U+2800). `max` fills
 * all 4*height dot rows: dots = round(v / max * 4 * height), clamped to
 * 0..4*height; a value > 0 lights at least one dot (all of them when max is
 * not > 0); NaN or <= 0 lights none. rows[r] (r = 0 is the top row) receives
 * exactly `width` braille characters, NUL-terminated: 3*width+1 bytes each. */
void graph_braille(const double *v, size_t n, double max, int width, int height, char **rows);

/* Render v[0..n) as vertical bars of `height` rows, one text column per value
 * (oldest left), in the eighth blocks " ▁▂▃▄▅▆▇█": max fills 8*height eighths,
 * rounded; a value > 0 shows at least ▁, NaN or <= 0 is a space. rows[r]
 * (r = 0 top) receives n characters (a space is 1 byte, a block 3),
 * NUL-terminated: 3*n+1 bytes each. */
void graph_bars(const double *v, size_t n, double max, int height, char **rows);

/* Draw a titled area graph on stdscr in the box at (y, x), h rows by w columns:
 * the title on row y (title_attr); rows y+1..y+h-2 the braille graph
 * (graph_attr) right of a y axis whose labels, made by fmt ("%g" when NULL),
 * are the nice max on the top row, half of it on the middle row (when there
 * are 3 graph rows or more) and 0 on the bottom row, right-aligned and
 * followed by "┤" ("│" on unlabelled rows); row y+h-1 the x labels under the
 * graph: x_left at its left, x_mid centred, "now" at its right (a label that
 * would touch another is left out). The scale is graph_nice_max of the largest
 * finite value in v[0..n). Axes and labels are drawn in A_NORMAL. Nothing is
 * drawn when h < 4 or the graph area would be narrower than 4 cells. */
void graph_draw(int y, int x, int h, int w, const double *v, size_t n, const char *title,
                void (*fmt)(double value, char *buf, size_t len), const char *x_left,
                const char *x_mid, int title_attr, int graph_attr);

/* How many braille cells wide graph_draw(.., h, w, v, n, .., fmt, ..)
 * would draw its graph (two values a cell): 0 when it would draw nothing.
 * A caller fits its values to the width with it. */
int graph_cells(int h, int w, const double *v, size_t n,
                void (*fmt)(double value, char *buf, size_t len));

/* Draw graph_bars of v[0..n) on stdscr at (y, x): the title on row y
 * (title_attr), bars h-2 rows high (bar_attr) scaled so the largest finite
 * value fills them, and on row y+h-1 labels[i] (labels or any of them may be
 * NULL) under column i when it fits in the n columns with a space after the
 * previous label shown. Nothing is drawn when h < 3. */
void graph_draw_bars(int y, int x, int h, const double *v, size_t n, const char *title,
                     const char *const *labels, int title_attr, int bar_attr);

#endif
