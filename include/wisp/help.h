/*
 * help.h - the console's `?` box: every key of the pane on screen, from the
 * key table (keys.h), each help text whole (wrapped under its key), paged
 * with j k PgUp PgDn when the keys are more than the screen holds.
 */
#ifndef WISP_HELP_H
#define WISP_HELP_H

#include "wisp/pane.h"

void help_draw(struct console *con);

/* A key while the help is open: scrolls it, or closes it (any other key). */
enum reaction help_key(struct console *con, int ch);

#endif
