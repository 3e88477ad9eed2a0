/*
 * ownworker.h - the console's own worker (config worker.embedded: auto runs
 * it when no worker has a heartbeat, on always, off never), so that a
 * one-machine shop needs no second command. It runs on a thread of the
 * console and logs to $XDG_STATE_HOME/wisp/worker.log.
 */
#ifndef WISP_OWNWORKER_H
#define WISP_OWNWORKER_H

#include "wisp/pane.h"

/* Start it when the settings and an admin's role say so
 * (con->worker_running tells). */
void ownworker_start(struct console *con);

/* Stop it: within moments (router waits are cancelled); it records what the
 * routers confirmed and gives its leases back. */
void ownworker_stop(struct console *con);

#endif
