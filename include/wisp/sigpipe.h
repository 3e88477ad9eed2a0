/*
 * sigpipe.h - the console's signals as events: SIGWINCH, SIGTERM, SIGINT
 * and SIGHUP write their number, one byte, into a self-pipe the loop polls;
 * a crash signal restores the terminal (async-signal-safe calls only) and
 * dies of the same signal.
 */
#ifndef WISP_SIGPIPE_H
#define WISP_SIGPIPE_H

#include "wisp/err.h"

/* Make the self-pipe sig and the wake pipe wake (non-blocking, close on
 * exec), install the handlers, and remember the terminal's settings for
 * the crash handler. */
int sigpipe_install(int sig[2], int wake[2], struct werr *e);

/* Leaving, the terminal restored: ignore the ordinary signals again. */
void sigpipe_ignore(void);

#endif
