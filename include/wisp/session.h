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

/* --- for the worker --- */

struct rt_session;

/* What a router's poll changed: a session seen (kind "seen": started when
 * new; its bytes and rates since the last poll; first_login when its voucher is
 * still unused) or one that is gone (kind "ended", closed now). */
struct session_change {
    char kind[8];
    char user[64];
    char mac[18];
    char ip[46];
    bool started, first_login;
    int64_t delta_in, delta_out; /* seen: bytes since the last poll */
    int64_t rate_in, rate_out;   /* seen: bit/s since the last poll */
    int64_t bytes_in, bytes_out; /* ended: the session's totals */
    int64_t uptime_s;
    int64_t at_ms; /* the database's clock (epoch ms) */
};

/* The sessions on router id (user and MAC as the CHECKs want them) into the
 * sessions table in ONE statement, whatever their number: new ones opened,
 * the rest updated (counters, rates), those no longer there closed. */
int session_record(struct db *db, int router_id, const struct rt_session *s, size_t n,
                   struct session_change **rows, size_t *nrows, struct werr *e);

/* Open sessions on router id whose voucher is expired or disabled. */
struct session_kick {
    char user[64];
    char mac[18];
};
int session_to_kick(struct db *db, int router_id, struct session_kick **rows, size_t *n,
                    struct werr *e);

#endif
