/*
 * session.c - sessions and kicks (see include/wisp/session.h): the one file
 * with SQL for the sessions table. The session list joins the router, voucher
 * and plan each session belongs to, and a kick's state is read from its
 * router job: reads that live with the sessions they describe.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "wisp/driver.h"
#include "wisp/i18n.h"
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
        return werr_set(e, WISP_ERUNTIME, _("job %s is gone"), ids);
    snprintf(state, n, "%s", row.state ? row.state : "");
    snprintf(result, rn, "%s", row.result ? row.result : "");
    db_row_free(&map, &row);
    return 0;
}

/* --- for the worker --- */

static const struct db_field change_fields[] = {
    DB_COL_AS(struct session_change, kind, "kind", DB_BUF),
    DB_COL_AS(struct session_change, user, "user", DB_BUF),
    DB_COL_AS(struct session_change, mac, "mac", DB_BUF),
    DB_COL_AS(struct session_change, ip, "ip", DB_BUF),
    DB_COL_AS(struct session_change, started, "started", DB_BOOL),
    DB_COL_AS(struct session_change, first_login, "first_login", DB_BOOL),
    DB_COL_AS(struct session_change, delta_in, "delta_in", DB_I64),
    DB_COL_AS(struct session_change, delta_out, "delta_out", DB_I64),
    DB_COL_AS(struct session_change, rate_in, "rate_in", DB_I64),
    DB_COL_AS(struct session_change, rate_out, "rate_out", DB_I64),
    DB_COL_AS(struct session_change, bytes_in, "bytes_in", DB_I64),
    DB_COL_AS(struct session_change, bytes_out, "bytes_out", DB_I64),
    DB_COL_AS(struct session_change, uptime_s, "uptime_s", DB_I64),
    DB_COL_AS(struct session_change, at_ms, "at_ms", DB_I64),
};
static const struct db_map change_map = DB_MAP(struct session_change, change_fields);

/* The poll as arrays, one per column, unnested into rows; a counter that
 * went down was reset and counts from zero again; an uptime past any
 * timestamp (ten years at most, as wisp_voucher_activate) must not fail
 * the router's import. */
static const char record_sql[] =
    "WITH seen AS (SELECT DISTINCT ON (u.username, u.mac) u.*"
    "   FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[],"
    "     $7::bigint[], $8::bigint[])"
    "     AS u (username, mac, ip, uptime_s, time_left_s, bytes_in, bytes_out)"
    "   ORDER BY u.username, u.mac),"
    " up AS (INSERT INTO sessions AS s (router_id, username, voucher_id, mac, ip, started_at,"
    "     uptime_s, time_left_s, bytes_in, bytes_out, delta_in, delta_out)"
    "   SELECT $1::int, seen.username, (SELECT id FROM vouchers WHERE code = seen.username),"
    "     seen.mac, seen.ip, now() - make_interval(secs => least(seen.uptime_s, 315360000)),"
    "     seen.uptime_s, nullif(seen.time_left_s, -1), seen.bytes_in, seen.bytes_out,"
    "     seen.bytes_in, seen.bytes_out FROM seen"
    "   ON CONFLICT (router_id, username, mac) WHERE state = 'active' AND acct_key IS NULL"
    " DO UPDATE SET"
    "   ip = EXCLUDED.ip, uptime_s = EXCLUDED.uptime_s, time_left_s = EXCLUDED.time_left_s,"
    "   delta_in = CASE WHEN EXCLUDED.bytes_in >= s.bytes_in"
    "     THEN EXCLUDED.bytes_in - s.bytes_in ELSE EXCLUDED.bytes_in END,"
    "   delta_out = CASE WHEN EXCLUDED.bytes_out >= s.bytes_out"
    "     THEN EXCLUDED.bytes_out - s.bytes_out ELSE EXCLUDED.bytes_out END,"
    "   rate_in = ((CASE WHEN EXCLUDED.bytes_in >= s.bytes_in"
    "     THEN EXCLUDED.bytes_in - s.bytes_in ELSE EXCLUDED.bytes_in END)"
    "     * 8 / greatest(extract(epoch FROM now() - s.last_seen), 1))::bigint,"
    "   rate_out = ((CASE WHEN EXCLUDED.bytes_out >= s.bytes_out"
    "     THEN EXCLUDED.bytes_out - s.bytes_out ELSE EXCLUDED.bytes_out END)"
    "     * 8 / greatest(extract(epoch FROM now() - s.last_seen), 1))::bigint,"
    "   bytes_in = EXCLUDED.bytes_in, bytes_out = EXCLUDED.bytes_out, last_seen = now()"
    "   RETURNING s.username, s.mac, s.ip, (s.xmax = 0) AS started,"
    "     s.delta_in, s.delta_out, s.rate_in, s.rate_out, s.uptime_s),"
    /* not a row the upsert touched: one statement changes a row once */
    " ended AS (UPDATE sessions s SET state = 'closed', ended_at = now()"
    "   WHERE s.router_id = $1::int AND s.state = 'active' AND NOT EXISTS (SELECT FROM seen"
    "     WHERE seen.username = s.username AND seen.mac = s.mac)"
    "   RETURNING s.username, s.mac, s.bytes_in, s.bytes_out)"
    " SELECT 'seen' AS kind, up.username AS user, up.mac, coalesce(up.ip, '') AS ip,"
    "   up.started, up.delta_in, up.delta_out, up.rate_in, up.rate_out, 0::bigint AS bytes_in,"
    "   0::bigint AS bytes_out, up.uptime_s,"
    "   coalesce(v.status IN ('new', 'sold') AND v.first_used_at IS NULL, false)"
    "     AS first_login,"
    "   (extract(epoch FROM now()) * 1000)::bigint AS at_ms"
    " FROM up LEFT JOIN vouchers v ON v.code = up.username"
    " UNION ALL"
    " SELECT 'ended', ended.username, ended.mac, '', false, 0, 0, 0, 0, ended.bytes_in,"
    "   ended.bytes_out, 0, false, (extract(epoch FROM now()) * 1000)::bigint FROM ended";

int
session_record(struct db *db, int router_id, const struct rt_session *s, size_t n,
               struct session_change **rows, size_t *nrows, struct werr *e)
{
    const char **user = xcalloc(n + 1, sizeof *user), **mac = xcalloc(n + 1, sizeof *mac),
               **ip = xcalloc(n + 1, sizeof *ip);
    int64_t *num = xcalloc(4 * n + 1, sizeof *num);
    char *a[7], ids[16];
    int rc;

    for (size_t i = 0; i < n; i++) {
        user[i] = s[i].user;
        mac[i] = s[i].mac;
        ip[i] = s[i].ip;
        num[i] = s[i].uptime_s;
        num[n + i] = s[i].time_left_s;
        num[2 * n + i] = s[i].bytes_in;
        num[3 * n + i] = s[i].bytes_out;
    }
    snprintf(ids, sizeof ids, "%d", router_id);
    a[0] = db_text_array(user, n);
    a[1] = db_text_array(mac, n);
    a[2] = db_text_array(ip, n);
    for (int k = 0; k < 4; k++)
        a[3 + k] = db_i64_array(num + (size_t)k * n, n);
    rc = db_fetchv(db, e, &change_map, rows, nrows, record_sql, 8, ids, a[0], a[1], a[2], a[3],
                   a[4], a[5], a[6]);
    for (int k = 0; k < 7; k++)
        free(a[k]);
    free(user);
    free(mac);
    free(ip);
    free(num);
    return rc;
}

static const struct db_field kick_fields[] = {
    DB_COL_AS(struct session_kick, user, "username", DB_BUF),
    DB_COL_AS(struct session_kick, mac, "mac", DB_BUF),
};
static const struct db_map kick_map = DB_MAP(struct session_kick, kick_fields);

int
session_to_kick(struct db *db, int router_id, struct session_kick **rows, size_t *n, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", router_id);
    return db_fetchv(
        db, e, &kick_map, rows, n,
        "SELECT s.username, s.mac FROM sessions s JOIN vouchers v ON v.id = s.voucher_id"
        " WHERE s.router_id = $1 AND s.state = 'active'"
        "   AND v.status IN ('expired', 'disabled')",
        1, ids);
}
