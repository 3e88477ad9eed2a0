/*
 * session.c - sessions and kicks (see include/wisp/session.h): the one file
 * with SQL for the sessions table. The session list joins the router, voucher
 * and plan each session belongs to, and a kick's state is read from its
 * router job: reads that live with the sessions they describe.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "wisp/session.h"
#include "wisp/util.h"

json_t *
session_list(struct db *db, const char *router, bool all, struct werr *e)
{
    return db_json_rowsv(
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
        2, router, all ? "true" : "false");
}

/* The kick job is queued and audited by the database (wisp_session_kick). */
int
session_kick(struct db *db, int64_t id, int64_t *job, struct werr *e)
{
    char ids[24];

    snprintf(ids, sizeof ids, "%" PRId64, id);
    return db_i64v(db, e, job, "SELECT wisp_session_kick($1)", 1, ids) < 0 ? -1 : 0;
}

int
session_job_state(struct db *db, int64_t job, char *state, size_t n, char *result, size_t rn,
                  struct werr *e)
{
    struct job_row {
        char *state, *result;
    } row;
    static const struct db_field fields[] = {
        DB_COL(struct job_row, state, DB_STR),
        DB_COL(struct job_row, result, DB_STR),
    };
    static const struct db_map map = DB_MAP(struct job_row, fields);
    char ids[24];
    int found;

    snprintf(ids, sizeof ids, "%" PRId64, job);
    found = db_fetch1v(db, e, &map, &row, "SELECT state, result FROM router_jobs WHERE id = $1", 1,
                       ids);
    if (found < 0)
        return -1;
    if (found == 0)
        return werr_set(e, WISP_ERUNTIME, "job %s is gone", ids);
    snprintf(state, n, "%s", row.state ? row.state : "");
    snprintf(result, rn, "%s", row.result ? row.result : "");
    db_row_free(&map, &row);
    return 0;
}
