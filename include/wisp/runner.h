/*
 * runner.h - runs command lines from the console's `:` prompt on a thread of
 * their own, through the same command table as the CLI, so a slow command
 * never freezes the screen. Output and errors are collected as text; the
 * runner writes a byte to the wake pipe when a command has finished.
 */
#ifndef WISP_RUNNER_H
#define WISP_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include "wisp/config.h"
#include "wisp/err.h"

struct runner;

/* Start the thread; commands use cfg (read-only) and their own connection. */
struct runner *runner_start(struct config *cfg, int wake_fd, struct werr *e);

/* Queue one command line; false when one is still running. */
bool runner_submit(struct runner *r, const char *line);

/* True while a command runs. */
bool runner_busy(struct runner *r);

/* When a command has finished: its output (and error line) and exit status;
 * the caller frees *output. False when there is nothing new. */
bool runner_result(struct runner *r, char **output, int *status);

/* Progress of the running command (0/0 when it reports none). */
void runner_progress(struct runner *r, int64_t *done, int64_t *total);

void runner_stop(struct runner *r);

#endif
