/*
 * draw.c - drawing helpers that keep text inside its box (see
 * include/wisp/draw.h).
 */
#include <limits.h>
#include <string.h>

#include "wisp/draw.h"
#include "wisp/util.h"

int
draw_fit(const char *s, int cols)
{
    int w = 0;

    if (cols <= 0)
        return 0;
    if (str_width(s) <= cols) {
        addstr(s);
        return str_width(s);
    }
    addnstr(s, (int)str_fit(s, cols - 1, &w));
    addstr("\u2026");
    return w + 1;
}

void
draw_at(int y, int x, const char *s, int cols)
{
    if (cols <= 0 || y < 0 || y >= LINES)
        return;
    move(y, x);
    addnstr(s, (int)str_fit(s, cols, NULL));
}

void
draw_fill_line(int y, attr_t a)
{
    attrset(a);
    move(y, 0);
    printw("%*s", COLS, "");
}

void
draw_box(int y, int x, int h, int w, attr_t a)
{
    if (x < 0)
        x = 0;
    if (w > COLS - x)
        w = COLS - x;
    attrset(a);
    for (int i = 0; i < h && y + i < LINES; i++)
        if (y + i >= 0 && w > 0)
            mvprintw(y + i, x, "%*s", w, "");
}

size_t
draw_wrap_cut(const char *p, int w)
{
    size_t cut = str_fit(p, w, NULL), sp = cut;

    if (p[cut] == '\0')
        return cut;
    while (sp > 0 && p[sp] != ' ')
        sp--;
    return sp > 0 ? sp : cut;
}

bool
draw_scroll_key(int ch, int page, int *top)
{
    switch (ch) {
    case 'j':
    case KEY_DOWN:
        (*top)++;
        break;
    case 'k':
    case KEY_UP:
        (*top)--;
        break;
    case KEY_NPAGE:
    case ' ':
        *top += page;
        break;
    case KEY_PPAGE:
        *top -= page;
        break;
    case 'g':
    case KEY_HOME:
        *top = 0;
        break;
    case 'G':
    case KEY_END:
        *top = INT_MAX / 2; /* the drawing brings it back to the last page */
        break;
    default:
        return false;
    }
    return true;
}

int
draw_wrapped(int y, int x, int w, int max_lines, const char *text, attr_t a)
{
    int line = 0;
    const char *p = text;

    attrset(a);
    while (*p && line < max_lines && w > 0) {
        size_t cut = draw_wrap_cut(p, w);

        mvaddnstr(y + line++, x, p, (int)cut);
        p += cut;
        while (*p == ' ')
            p++;
    }
    attrset(A_NORMAL);
    return line;
}

void
draw_clear_rows(int y, int h)
{
    attrset(A_NORMAL);
    for (int i = 0; i < h && y + i < LINES; i++) {
        move(y + i, 0);
        clrtoeol();
    }
}
