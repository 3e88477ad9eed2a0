/*
 * console.h - the full-screen console (screens/), what `wisp` with no
 * command opens on a terminal.
 */
#ifndef WISP_CONSOLE_H
#define WISP_CONSOLE_H

#include "wisp/config.h"
#include "wisp/err.h"

/* Run the console until the operator quits: 0, or CONSOLE_HANGUP when its
 * terminal went away under it (a closed tmux pane, a dropped ssh session);
 * -1 with e set when it fails, before touching the screen when there is no
 * terminal or no database. */
int console_main(struct config *cfg, struct werr *e);

/* The terminal is gone, so there is no one to answer: the console's own
 * worker has stopped, a command still running is dropped, and main leaves
 * at once with _exit, without the exit handlers. Under the sanitizers those
 * run the leak check, which stops every thread with ptrace and once span a
 * console at 100% of a core for good after its tmux pane was closed. */
#define CONSOLE_HANGUP 1

#endif
