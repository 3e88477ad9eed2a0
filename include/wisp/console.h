/*
 * console.h - the full-screen console (screens/), what `wisp` with no
 * command opens on a terminal.
 */
#ifndef WISP_CONSOLE_H
#define WISP_CONSOLE_H

#include "wisp/config.h"
#include "wisp/err.h"

/* Run the console until the operator quits; returns the exit status. Fails
 * before touching the screen when there is no terminal or no database. */
int console_main(struct config *cfg, struct werr *e);

#endif
