/*
 * session.h - live sessions imported by the worker, and the kicks operators
 * queue for it (the worker carries them out; see worker.h).
 */
#ifndef WISP_SESSION_H
#define WISP_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* Sessions as JSON objects (id, router, user, voucher, plan, ip, mac,
 * started_at, uptime_s, time_left_s, bytes_in, bytes_out, rate_in, rate_out,
 * state), newest first; open ones only unless all. router NULL = every router. */
json_t *session_list(struct db *db, const char *router, bool all, struct werr *e);

/* Queue a kick of session id; its job id in *job. Audited. */
int session_kick(struct db *db, int64_t id, int64_t *job, struct werr *e);

/* The state of job id ("queued", "done", "failed") and its result. */
int session_job_state(struct db *db, int64_t job, char *state, size_t n, char *result, size_t rn,
                      struct werr *e);

#endif
