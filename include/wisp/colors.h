/*
 * colors.h - a theme (include/wisp/theme.h) turned into curses attributes,
 * one per UI element, with the 256 -> 16 -> 8 colour fallback. Panes ask for
 * colors_attr(TH_SELECTED) and never name a colour.
 */
#ifndef WISP_COLORS_H
#define WISP_COLORS_H

#include <curses.h>

#include "wisp/theme.h"

/* Set up colour pairs for t on the current terminal (after initscr). With
 * force_mono (NO_COLOR) or a terminal without colours, attributes only. */
void colors_apply(const struct theme *t, bool force_mono);

/* The curses attribute for an element of the applied theme. */
attr_t colors_attr(enum theme_element el);

/* How many colours are in use: 256, 16, 8 or 0 (mono). */
int colors_depth(void);

#endif
