/*
 * dialog.c - modal forms and confirmations (see include/wisp/dialog.h).
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/dialog.h"
#include "wisp/draw.h"
#include "wisp/i18n.h"
#include "wisp/util.h"

void
dialog_form(struct dialog *d, const char *title)
{
    memset(d, 0, sizeof *d);
    snprintf(d->title, sizeof d->title, "%s", title);
}

void
dialog_confirm(struct dialog *d, const char *title, const char *question)
{
    dialog_form(d, title);
    snprintf(d->question, sizeof d->question, "%s", question);
}

int
dialog_text(struct dialog *d, const char *label, const char *value)
{
    struct dialog_field *f = &d->field[d->nfields];

    f->label = label;
    snprintf(f->value, sizeof f->value, "%s", value ? value : "");
    return d->nfields++;
}

int
dialog_choice(struct dialog *d, const char *label, const char *const *choices, int n)
{
    struct dialog_field *f = &d->field[d->nfields];

    f->label = label;
    f->nchoices = n < DIALOG_CHOICES ? n : DIALOG_CHOICES;
    for (int i = 0; i < f->nchoices; i++)
        snprintf(f->choices[i], sizeof f->choices[i], "%s", choices[i]);
    return d->nfields++;
}

const char *
dialog_value(const struct dialog *d, const char *name)
{
    for (int i = 0; i < d->nfields; i++) {
        const struct dialog_field *f = &d->field[i];

        if (strcmp(f->label, name) == 0)
            return f->nchoices ? f->choices[f->choice] : f->value;
    }
    return "";
}

enum dialog_result
dialog_key(struct dialog *d, int ch)
{
    struct dialog_field *f = &d->field[d->cur];
    size_t len;

    if (ch == 27)
        return DIALOG_CANCEL;
    if (d->nfields == 0) {
        if (ch == 'y' || ch == 'Y' || ch == '\r' || ch == '\n' || ch == KEY_ENTER)
            return DIALOG_DONE;
        if (ch == 'n' || ch == 'N' || ch == 'q')
            return DIALOG_CANCEL;
        return DIALOG_OPEN;
    }
    switch (ch) {
    case '\r':
    case '\n':
    case KEY_ENTER:
        if (d->cur == d->nfields - 1)
            return DIALOG_DONE;
        d->cur++;
        break;
    case '\t':
    case KEY_DOWN:
        d->cur = (d->cur + 1) % d->nfields;
        break;
    case KEY_BTAB:
    case KEY_UP:
        d->cur = (d->cur + d->nfields - 1) % d->nfields;
        break;
    case KEY_LEFT:
    case KEY_RIGHT:
    case ' ':
        if (f->nchoices)
            f->choice = (f->choice + (ch == KEY_LEFT ? f->nchoices - 1 : 1)) % f->nchoices;
        else if (ch == ' ' && strlen(f->value) + 1 < sizeof f->value)
            strcat(f->value, " ");
        break;
    case KEY_BACKSPACE:
    case 127:
    case 8:
        len = strlen(f->value);
        if (!f->nchoices && len)
            f->value[len - 1] = '\0';
        break;
    default:
        len = strlen(f->value);
        if (!f->nchoices && ch > ' ' && ch < 127 && len + 1 < sizeof f->value) {
            f->value[len] = (char)ch;
            f->value[len + 1] = '\0';
        }
        break;
    }
    return DIALOG_OPEN;
}

/* A text field's value in `cols` columns: its end when it is longer. */
static void
draw_value(const char *v, int cols)
{
    int w = str_width(v);

    if (w <= cols) {
        printw("%s%*s", v, cols - w, "");
        return;
    }
    addstr("\u2026");
    while (str_width(v) > cols - 1) /* drop characters from the start */
        v += str_fit(v, 1, NULL) ? str_fit(v, 1, NULL) : 1;
    addstr(v);
}

void
dialog_draw(const struct dialog *d)
{
    int w = 64, h = d->nfields ? d->nfields + 5 : 6, y = (LINES - h) / 2, x = (COLS - w) / 2;

    draw_box(y, x, h, w, colors_attr(TH_DIALOG));
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    move(y + 1, x + 2);
    draw_fit(d->title, w - 4);
    attrset(colors_attr(TH_DIALOG));
    if (d->nfields == 0) {
        move(y + 3, x + 2);
        draw_fit(d->question, w - 4);
        mvprintw(y + 4, x + 2, "y / Enter: yes    n / Esc: no");
        attrset(A_NORMAL);
        return;
    }
    for (int i = 0; i < d->nfields; i++) {
        const struct dialog_field *f = &d->field[i];

        attrset(colors_attr(TH_DIALOG));
        {
            /* the label in the operator's language (callers mark it N_; it
             * stays the field's name for dialog_value), 10 columns wide */
            const char *label = _(f->label);
            int lw, rtl = str_has_rtl(label);

            move(y + 3 + i, x + 2);
            if (rtl)
                addstr(STR_FSI);
            addnstr(label, (int)str_fit(label, 10, &lw));
            if (rtl)
                addstr(STR_PDI);
            printw("%*s ", 10 - lw, "");
        }
        attrset(i == d->cur ? colors_attr(TH_SELECTED) : colors_attr(TH_DIALOG));
        if (f->nchoices)
            printw("\u2039 %s \u203a", f->choices[f->choice]);
        else
            draw_value(f->value, w - 4 - 11 - 2);
        attrset(A_NORMAL);
    }
    attrset(colors_attr(TH_DIALOG) | A_DIM);
    move(y + h - 1, x + 2);
    draw_fit(_("Tab next  \u2190\u2192 choose  Enter on the last field: go  Esc"), w - 4);
    attrset(A_NORMAL);
}
