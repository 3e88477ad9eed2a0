/*
 * draw.h - small drawing helpers every part of the console uses, so that no
 * line runs past its box: curses wraps whatever passes the screen's right
 * edge onto the next row.
 */
#ifndef WISP_DRAW_H
#define WISP_DRAW_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

/* Text at the cursor, at most `cols` columns of it, never splitting a
 * character, an ellipsis where it was cut. Returns columns used. */
int draw_fit(const char *s, int cols);

/* Text at (y, x), at most `cols` columns, cut without an ellipsis. */
void draw_at(int y, int x, const char *s, int cols);

/* Row y, the whole width, in attribute a. */
void draw_fill_line(int y, attr_t a);

/* The box (y, x, h, w) filled with spaces in attribute a, clipped to the
 * screen. */
void draw_box(int y, int x, int h, int w, attr_t a);

/* text word-wrapped into w columns from (y, x), at most max_lines lines.
 * Returns the lines used. */
int draw_wrapped(int y, int x, int w, int max_lines, const char *text, attr_t a);

/* How many bytes of p go on a line of w columns when text is word-wrapped:
 * up to the last space that fits (or all that fits without one). */
size_t draw_wrap_cut(const char *p, int w);

/* A scrolling key (j k arrows, PgUp PgDn space, g G Home End) moves *top by
 * a line or `page`; false for any other key. */
bool draw_scroll_key(int ch, int page, int *top);

/* The rows y .. y+h-1 emptied. */
void draw_clear_rows(int y, int h);

#endif
