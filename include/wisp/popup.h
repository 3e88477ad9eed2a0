/*
 * popup.h - the console's output popup: the last command's printed output
 * in a box over the panes, scrolled with j k PgUp PgDn, closed with Esc.
 */
#ifndef WISP_POPUP_H
#define WISP_POPUP_H

#include <stdbool.h>

struct popup {
    char *text; /* owned; NULL while closed */
    int top;    /* its first line on screen */
};

/* Show text (taken over; NULL or "" closes it). */
void popup_set(struct popup *p, char *text);
bool popup_open(const struct popup *p);
void popup_draw(struct popup *p);
/* Feed a key; false when it closed the popup. */
bool popup_key(struct popup *p, int ch);
void popup_close(struct popup *p);

#endif
