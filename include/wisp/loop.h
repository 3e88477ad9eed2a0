/*
 * loop.h - the console's one loop: poll()s the keyboard, the signal pipe
 * and the wake pipe (the data thread's snapshots, the command thread's
 * results and progress, Redis going up or down), with a timeout that ticks
 * the clock once a second; gathers the reactions of what happened and has
 * frame_draw draw only those. Nothing in it waits on the network.
 */
#ifndef WISP_LOOP_H
#define WISP_LOOP_H

#include "wisp/pane.h"

/* Until the operator quits or the terminal goes away (con->hangup). With
 * WISP_FRAME_LOG=FILE it appends one line per frame: how long the frame
 * took to draw and, when a key caused it, key-to-screen time (both in
 * microseconds); tests/bench/bench_console.sh reads it. */
void loop_run(struct console *con);

#endif
