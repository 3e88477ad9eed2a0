/*
 * dialog.h - small modal forms and confirmations for the console: a list of
 * fields (free text, or a choice cycled with Left/Right), Tab/Enter to move
 * on, Enter on the last field to accept, Esc to cancel. A dialog only
 * collects values, read by field name; the completion given when the pane
 * opened it (console_form, pane.h) turns them into a command.
 */
#ifndef WISP_DIALOG_H
#define WISP_DIALOG_H

#include <stdbool.h>

#define DIALOG_FIELDS  8
#define DIALOG_CHOICES 32

enum dialog_result { DIALOG_OPEN, DIALOG_DONE, DIALOG_CANCEL };

struct dialog_field {
    const char *label;
    bool secret;                      /* reserved for passwords: drawn as * */
    int nchoices;                     /* 0: free text */
    char choices[DIALOG_CHOICES][48]; /* owned copies */
    int choice;
    char value[128]; /* free text */
};

struct dialog {
    char title[96];
    char question[192]; /* a confirmation when nfields == 0: y/Enter or n/Esc */
    int nfields, cur;
    struct dialog_field field[DIALOG_FIELDS];
};

/* Start a form or a confirmation. */
void dialog_form(struct dialog *d, const char *title);
void dialog_confirm(struct dialog *d, const char *title, const char *question);

/* Add a text field with a default, or a choice field; returns its index. */
int dialog_text(struct dialog *d, const char *label, const char *value);
int dialog_choice(struct dialog *d, const char *label, const char *const *choices, int n);

/* The value of the field labelled `name`: its text, or the chosen choice
 * ("" when there is no such field). */
const char *dialog_value(const struct dialog *d, const char *name);

/* Feed a key. */
enum dialog_result dialog_key(struct dialog *d, int ch);

/* Draw it centred over the screen, inside it from 80x24 up: a text longer
 * than its field shows its end (where typing goes), after an ellipsis. */
void dialog_draw(const struct dialog *d);

#endif
