/*
 * session.c - sessions and kicks (see include/wisp/session.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "wisp/audit.h"
#include "wisp/session.h"
#include "wisp/util.h"

json_t *
session_list(struct db *db, const char *router, bool all, struct werr *e)
{
    return db_rows_json(db_queryv(
        db, e,
        "SELECT s.id, r.name AS router, s.username AS user, v.code AS voucher, p.name AS plan,"
        " s.ip, s.mac, s.started_at,"
        " CASE WHEN s.state = 'active' THEN greatest(s.uptime_s,"
        "   extract(epoch FROM now() - s.started_at)::bigint) ELSE s.uptime_s END AS uptime_s,"
        /* what runs out first: the router's online time or the voucher's validity */
        " CASE WHEN s.state <> 'active' THEN NULL"
        "   ELSE least(s.time_left_s, greatest(0, extract(epoch FROM v.expires_at - "
        "now())::bigint))"
        " END AS time_left_s,"
        " s.bytes_in, s.bytes_out, s.rate_in, s.rate_out, s.state, s.ended_at"
        " FROM sessions s JOIN routers r ON r.id = s.router_id"
        " LEFT JOIN vouchers v ON v.id = s.voucher_id LEFT JOIN plans p ON p.id = v.plan_id"
        " WHERE ($1::text IS NULL OR r.name = $1) AND ($2 OR s.state = 'active')"
        " ORDER BY s.started_at DESC, s.id DESC LIMIT 10000",
        2, router, all ? "true" : "false"));
}

int
session_kick(struct db *db, int64_t id, int64_t *job, struct werr *e)
{
    char ids[24];
    PGresult *r;
    json_t *d;

    snprintf(ids, sizeof ids, "%" PRId64, id);
    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e,
                  "INSERT INTO router_jobs (router_id, kind, session_id, target)"
                  " SELECT router_id, 'kick', id, username FROM sessions"
                  " WHERE id = $1 AND state = 'active' RETURNING id, target",
                  1, ids);
    if (!r)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        werr_set(e, WISP_ERUNTIME, "no open session %s (see `wisp session list`)", ids);
        goto fail;
    }
    *job = atoll(PQgetvalue(r, 0, 0));
    d = json_pack("{s:I, s:s}", "session", (json_int_t)id, "user", PQgetvalue(r, 0, 1));
    PQclear(r);
    if (audit_log(db, "session.kick", d, e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

int
session_job_state(struct db *db, int64_t job, char *state, size_t n, char *result, size_t rn,
                  struct werr *e)
{
    char ids[24];
    PGresult *r;

    snprintf(ids, sizeof ids, "%" PRId64, job);
    r = db_queryv(db, e, "SELECT state, coalesce(result, '') FROM router_jobs WHERE id = $1", 1,
                  ids);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return werr_set(e, WISP_ERUNTIME, "job %s is gone", ids);
    }
    snprintf(state, n, "%s", PQgetvalue(r, 0, 0));
    snprintf(result, rn, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}
