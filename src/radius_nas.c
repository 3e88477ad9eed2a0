/*
 * radius_nas.c - routers as RADIUS clients and their kicks (see
 * include/wisp/radius_nas.h). The database decides which sessions go
 * (wisp_radius_kicks, PostgreSQL's clock); this file only carries the
 * Disconnect-Requests and writes back what the router answered.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/radius.h"
#include "wisp/radius_nas.h"
#include "wisp/util.h"

int
radius_client_set(struct db *db, const char *router, const char *secret, int coa_port,
                  struct werr *e)
{
    char port[16];

    snprintf(port, sizeof port, "%d", coa_port);
    return db_execv(db, e, "SELECT wisp_radius_client_set($1, $2, $3::integer)", 3, router, secret,
                    port);
}

int
radius_role_set(struct db *db, const char *name, const char *password, bool *created,
                struct werr *e)
{
    /* the SCRAM verifier, made here: the password itself never leaves */
    char *v = PQencryptPasswordConn(db->conn, password, name, "scram-sha-256");
    int64_t made = 0;
    int rc;

    if (v == NULL)
        return werr_set(e, WISP_ERUNTIME, "cannot hash the password: %s", PQerrorMessage(db->conn));
    rc = db_i64v(db, e, &made, "SELECT wisp_radius_role_set($1, $2)::int", 2, name, v);
    explicit_bzero(v, strlen(v));
    PQfreemem(v);
    *created = rc > 0 && made == 1;
    return rc < 0 ? -1 : 0;
}

static const struct db_field client_fields[] = {
    DB_COL(struct radius_client, name, DB_BUF),
    DB_COL(struct radius_client, host, DB_BUF),
    DB_COL(struct radius_client, secret, DB_STR),
    DB_COL(struct radius_client, coa_port, DB_INT),
};
static const struct db_map client_map = DB_MAP(struct radius_client, client_fields);

int
radius_clients(struct db *db, struct radius_client **rows, size_t *n, struct werr *e)
{
    return db_fetchv(db, e, &client_map, rows, n,
                     "SELECT r.name, r.host, rr.secret, rr.coa_port FROM routers r"
                     " JOIN router_radius rr ON rr.router_id = r.id ORDER BY r.name",
                     0);
}

void
radius_clients_free(struct radius_client *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].secret)
            explicit_bzero(rows[i].secret, strlen(rows[i].secret));
    db_rows_free(&client_map, rows, n);
}

struct kick_row {
    int64_t job_id;
    char router[64], host[254];
    int coa_port;
    char *secret;
    char username[256], ip[46], acct_session_id[65], nas_ip[46];
};
static const struct db_field kick_fields[] = {
    DB_COL(struct kick_row, job_id, DB_I64), DB_COL(struct kick_row, router, DB_BUF),
    DB_COL(struct kick_row, host, DB_BUF),   DB_COL(struct kick_row, coa_port, DB_INT),
    DB_COL(struct kick_row, secret, DB_STR), DB_COL(struct kick_row, username, DB_BUF),
    DB_COL(struct kick_row, ip, DB_BUF),     DB_COL(struct kick_row, acct_session_id, DB_BUF),
    DB_COL(struct kick_row, nas_ip, DB_BUF),
};
static const struct db_map kick_map = DB_MAP(struct kick_row, kick_fields);

/* RFC 5176 3.5's Error-Cause values a router is likely to send. */
static const char *
cause_name(uint32_t c)
{
    switch (c) {
    case 402:
        return "Missing-Attribute";
    case 404:
        return "Invalid-Request";
    case 503:
        return "Session-Context-Not-Found";
    case 504:
        return "Session-Context-Not-Removable";
    case 506:
        return "Resources-Unavailable";
    default:
        return "";
    }
}

int
radius_kick_send(struct db *db, const struct radius_kick_opts *o, int *sent, int *failed,
                 struct werr *e)
{
    struct kick_row *k = NULL;
    struct rad_disconnect *d;
    struct rad_dm_result *r;
    size_t n = 0;
    int rc = 0, tries = o->tries > 0 ? o->tries : 1,
        wait = o->timeout_ms > 0 ? o->timeout_ms : 1000;
    char limit[16], lease[16];

    *sent = *failed = 0;
    /* claimed in a statement of their own (a lease, committed at once): no
     * transaction stays open while the routers answer */
    snprintf(limit, sizeof limit, "%d", o->limit > 0 ? o->limit : 100);
    snprintf(lease, sizeof lease, "%d", tries * wait / 1000 + 30);
    if (db_fetchv(db, e, &kick_map, &k, &n,
                  "SELECT * FROM wisp_radius_kicks($1::integer, $2::integer)", 2, limit, lease) < 0)
        return -1;
    d = xcalloc(n ? n : 1, sizeof *d);
    r = xcalloc(n ? n : 1, sizeof *r);
    for (size_t i = 0; i < n; i++)
        d[i] = (struct rad_disconnect){.host = k[i].host,
                                       .port = k[i].coa_port,
                                       .secret = k[i].secret,
                                       .user = k[i].username,
                                       .ip = k[i].ip,
                                       .session_id = k[i].acct_session_id,
                                       .nas_ip = k[i].nas_ip,
                                       .timeout_ms = wait,
                                       .tries = tries};
    rad_disconnect_send_all(d, n, r, o->stop);
    for (size_t i = 0; i < n; i++) {
        char result[600], job[24];
        struct werr why = {0};

        snprintf(job, sizeof job, "%" PRId64, k[i].job_id);
        if (r[i].stopped) {
            /* back in the queue for the next sender, not failed */
            if (db_execv(db, &why, "SELECT wisp_radius_kick_done($1, NULL, NULL)", 1, job) < 0 &&
                rc == 0)
                rc = werr_set(e, WISP_ERUNTIME, "%s", why.msg);
            continue;
        }
        if (r[i].answer == 1)
            snprintf(result, sizeof result, "Disconnect-ACK from %s", k[i].router);
        else if (r[i].answer == 0)
            snprintf(result, sizeof result, "Disconnect-NAK from %s: Error-Cause %" PRIu32 " %s",
                     k[i].router, r[i].cause, cause_name(r[i].cause));
        else
            snprintf(result, sizeof result, "%s", r[i].e.msg);
        if (db_execv(db, &why, "SELECT wisp_radius_kick_done($1, $2, $3)", 3, job,
                     r[i].answer == 1 ? "true" : "false", result) < 0) {
            if (rc == 0)
                rc = werr_set(e, WISP_ERUNTIME, "%s", why.msg);
            continue;
        }
        if (r[i].answer == 1)
            (*sent)++;
        else
            (*failed)++;
    }
    for (size_t i = 0; i < n; i++)
        if (k[i].secret)
            explicit_bzero(k[i].secret, strlen(k[i].secret));
    free(r);
    free(d);
    db_rows_free(&kick_map, k, n);
    return rc;
}

int
radius_kick_due(struct db *db, int timeout_ms, int tries, int *sent, int *failed, struct werr *e)
{
    struct radius_kick_opts o = {.timeout_ms = timeout_ms, .tries = tries, .limit = 1000};

    return radius_kick_send(db, &o, sent, failed, e);
}

int
radius_rollup(struct db *db, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_radius_rollup()", 0);
}
