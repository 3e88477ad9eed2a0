/*
 * popup.c - the output popup (see include/wisp/popup.h): the box stays
 * between the tabs and the footer, each line cut to it.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/draw.h"
#include "wisp/popup.h"
#include "wisp/util.h"

void
popup_set(struct popup *p, char *text)
{
    free(p->text);
    p->text = text && *text ? text : NULL;
    if (p->text == NULL)
        free(text);
    p->top = 0;
}

bool
popup_open(const struct popup *p)
{
    return p->text != NULL;
}

void
popup_close(struct popup *p)
{
    popup_set(p, NULL);
}

void
popup_draw(struct popup *p)
{
    int h = LINES - 6, w = COLS - 6, y = 3, x = 3, nlines = 0, line = 0;
    char title[96];
    const char *s;

    for (s = p->text; *s; s++)
        nlines += *s == '\n';
    if (p->top > nlines - (h - 3))
        p->top = nlines - (h - 3) > 0 ? nlines - (h - 3) : 0;
    if (p->top < 0)
        p->top = 0;
    draw_box(y, x, h, w, colors_attr(TH_DIALOG));
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    snprintf(title, sizeof title, "output (%d lines)  j k PgUp PgDn to scroll, Esc closes", nlines);
    move(y, x + 1);
    draw_fit(title, w - 2);
    attrset(colors_attr(TH_DIALOG));
    for (s = p->text; *s && line < p->top + h - 2; line++) {
        const char *end = strchr(s, '\n');
        int len = end ? (int)(end - s) : (int)strlen(s);

        if (line >= p->top) {
            char *one = xasprintf("%.*s", len, s);

            move(y + 2 + line - p->top, x + 1);
            draw_fit(one, w - 2);
            free(one);
        }
        s += len + (end ? 1 : 0);
    }
    attrset(A_NORMAL);
}

bool
popup_key(struct popup *p, int ch)
{
    if (draw_scroll_key(ch, LINES - 9 > 1 ? LINES - 9 : 1, &p->top))
        return true;
    if (ch == 27 || ch == 'q' || ch == '\r' || ch == '\n') {
        popup_close(p);
        return false;
    }
    return true;
}
