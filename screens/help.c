/*
 * help.c - the `?` box (see include/wisp/help.h). The box sits between the
 * header and the footer whatever the size; the keys' help texts wrap under
 * their key rather than being cut, and what does not fit is a page away.
 */
#include <curses.h>
#include <stdio.h>

#include "wisp/colors.h"
#include "wisp/draw.h"
#include "wisp/help.h"
#include "wisp/i18n.h"
#include "wisp/keys.h"
#include "wisp/util.h"

#define MAX_LINES 256

/* The lines of the help: one per key, and one more for each line its text
 * wraps onto, in text columns; label[i] is NULL on a continued line. */
struct help_lines {
    const char *label[MAX_LINES];
    const char *text[MAX_LINES];
    int len[MAX_LINES]; /* bytes of text on this line */
    int n;
};

static void
lay_out(struct console *con, int tw, struct help_lines *hl)
{
    const struct binding *shown[64];
    size_t n = keys_shown(con, shown, 64);

    hl->n = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = _(shown[i]->help);
        bool first = true;

        while ((*p || first) && hl->n < MAX_LINES) {
            size_t cut = draw_wrap_cut(p, tw);

            hl->label[hl->n] = first ? shown[i]->label : NULL;
            hl->text[hl->n] = p;
            hl->len[hl->n++] = (int)cut;
            p += cut;
            while (*p == ' ')
                p++;
            first = false;
        }
    }
}

/* The box: as wide as the longest key and text need, at most the screen
 * less a margin; as high as the lines need, at most the rows between the
 * header and the footer. */
struct help_box {
    int y, x, h, w, lw, body;
};

static void
measure(struct console *con, struct help_box *b, struct help_lines *hl)
{
    const struct binding *shown[64];
    size_t n = keys_shown(con, shown, 64);
    int need = 0;

    b->lw = 0;
    for (size_t i = 0; i < n; i++) {
        if (str_width(shown[i]->label) > b->lw)
            b->lw = str_width(shown[i]->label);
        if (str_width(_(shown[i]->help)) > need)
            need = str_width(_(shown[i]->help));
    }
    b->w = b->lw + 1 + need + 4 < COLS - 4 ? b->lw + 1 + need + 4 : COLS - 4;
    lay_out(con, b->w - 4 - b->lw - 1, hl);
    b->h = hl->n + 4 < LINES - 3 ? hl->n + 4 : LINES - 3;
    b->body = b->h - 4; /* title, blank, the lines, a margin */
    b->y = (LINES - b->h) / 2 > 2 ? (LINES - b->h) / 2 : 2;
    if (b->y + b->h > LINES - 1)
        b->y = LINES - 1 - b->h;
    b->x = (COLS - b->w) / 2;
}

void
help_draw(struct console *con)
{
    struct help_lines hl;
    struct help_box b;
    char title[256];

    measure(con, &b, &hl);
    if (con->help_top > hl.n - b.body)
        con->help_top = hl.n - b.body > 0 ? hl.n - b.body : 0;
    if (con->help_top < 0)
        con->help_top = 0;
    draw_box(b.y, b.x, b.h, b.w, colors_attr(TH_DIALOG));
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    if (hl.n > b.body)
        snprintf(title, sizeof title, _("Keys: %s pane  (lines %d-%d of %d: j k PgDn PgUp)"),
                 _(console_pane(con)->cls->name), con->help_top + 1,
                 con->help_top + b.body < hl.n ? con->help_top + b.body : hl.n, hl.n);
    else
        snprintf(title, sizeof title, _("Keys: %s pane"), _(console_pane(con)->cls->name));
    move(b.y + 1, b.x + 2);
    draw_fit(title, b.w - 4);
    attrset(colors_attr(TH_DIALOG));
    for (int i = 0; i < b.body && con->help_top + i < hl.n; i++) {
        int l = con->help_top + i;

        if (hl.label[l])
            draw_at(b.y + 3 + i, b.x + 2, hl.label[l], b.lw);
        move(b.y + 3 + i, b.x + 2 + b.lw + 1);
        addnstr(hl.text[l], hl.len[l]);
    }
    attrset(A_NORMAL);
}

enum reaction
help_key(struct console *con, int ch)
{
    if (draw_scroll_key(ch, LINES - 8 > 1 ? LINES - 8 : 1, &con->help_top))
        return R_OVERLAY;
    if (ch == 'q')
        return R_QUIT;
    con->help = false; /* any other key closes it */
    return R_SCREEN;
}
