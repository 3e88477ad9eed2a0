/*
 * frame.h - what the console draws around and over the pane on screen: the
 * header (shop, who, clock, lights), the tabs, the database banner, the
 * footer (filter, message, hints, the command line, progress) and the
 * overlays (details, output popup, dialog, help). frame_draw draws only
 * what a reaction names.
 */
#ifndef WISP_FRAME_H
#define WISP_FRAME_H

#include "wisp/pane.h"

#define MIN_COLS 80
#define MIN_ROWS 24

/* Draw the parts r names (R_SCREEN: all, erased first) and refresh. */
void frame_draw(struct console *con, enum reaction r);

/* Is a dialog, popup, help or details box open? */
bool frame_overlay_open(struct console *con);

/* The tab at column x of the tab row, or -1. */
int frame_tab_at(struct console *con, int x);

#endif
