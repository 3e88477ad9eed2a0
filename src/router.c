/*
 * router.c - the router registry (see include/wisp/router.h), the one file
 * with SQL for routers and router_secrets. An operator's write is a call of
 * one of the database's functions (src/schema/007_referee_orders.sql), which
 * checks the caller, writes and audits in one transaction; audit rows never
 * carry the password. The list reads each router's voucher sync counts and
 * pending removals with it: a read that lives with the routers it describes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wisp/i18n.h"
#include "wisp/router.h"
#include "wisp/util.h"
#include "wisp/voucher.h"

#define LIST_COLS                                                                                  \
    "r.name, r.driver, r.host, r.port, r.username AS user, r.state, r.last_seen, r.last_error,"    \
    " r.cpu_load, r.mem_total, r.mem_free, r.uptime_s, r.version, r.identity, r.active_sessions,"  \
    " r.hotspot_server, b.name AS backup, r.login_url, r.key_path, r.hostkey,"                     \
    " (s.router_id IS NOT NULL) AS has_password, r.next_try_at,"                                   \
    " (SELECT count(*) FROM voucher_routers vr WHERE vr.router_id = r.id AND vr.state = 'synced')" \
    " AS vouchers_synced,"                                                                         \
    " (SELECT count(*) FROM voucher_routers vr WHERE vr.router_id = r.id AND vr.state = 'failed')" \
    " AS vouchers_failed,"                                                                         \
    " (SELECT count(*) FROM router_removals rm WHERE rm.router_id = r.id) AS removals_pending,"    \
    " CASE WHEN EXISTS (SELECT FROM router_radius ra WHERE ra.router_id = r.id)"                   \
    "   THEN 'radius' ELSE 'local' END AS auth"                                                    \
    " FROM routers r LEFT JOIN routers b ON b.id = r.backup_id"                                    \
    " LEFT JOIN router_secrets s ON s.router_id = r.id"

static bool
is_none(const char *s)
{
    return s && (str_eq(s, "none") || !*s);
}

/* Check what was given; bad input never reaches SQL. */
static int
check_input(const char *name, const struct router_input *in, bool adding, struct werr *e)
{
    int64_t port;

    if (name && (strlen(name) > 32 || !*name ||
                 strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
                              "nopqrstuvwxyz0123456789._-") != strlen(name) ||
                 strchr("._-", name[0])))
        return werr_set(e, WISP_EUSAGE,
                        _("bad router name \"%s\": 1-32 letters, digits, . _ - (starting with a "
                          "letter or digit)"),
                        name);
    if (in->driver && !driver_find(in->driver))
        return werr_set(e, WISP_EUSAGE, _("bad --driver \"%s\": expected routeros or opennds"),
                        in->driver);
    if (in->port && str_to_i64(in->port, 1, 65535, &port) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --port \"%s\": expected 1 to 65535"), in->port);
    if (in->host && (!*in->host || strlen(in->host) > 253 ||
                     strspn(in->host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789.:_-") != strlen(in->host)))
        return werr_set(e, WISP_EUSAGE, _("bad --host \"%s\": expected a host name or address"),
                        in->host);
    if (in->user && (!*in->user || strlen(in->user) > 64 ||
                     strspn(in->user, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789._+-") != strlen(in->user)))
        return werr_set(e, WISP_EUSAGE, _("bad --user \"%s\""), in->user);
    if (in->hostkey && !is_none(in->hostkey) &&
        (strlen(in->hostkey) != 50 || !str_starts(in->hostkey, "SHA256:") ||
         strspn(in->hostkey + 7,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != 43))
        return werr_set(e, WISP_EUSAGE,
                        _("bad --hostkey \"%s\": expected SHA256: and 43 base64 characters, as "
                          "`ssh-keygen -lf` prints it"),
                        in->hostkey);
    if ((in->hotspot_server && text_check("--hotspot-server", in->hotspot_server, 64, e) < 0) ||
        (in->login_url && text_check("--login-url", in->login_url, 2048, e) < 0) ||
        (in->key && text_check("--key", in->key, 4096, e) < 0))
        return -1;
    if (in->login_url && !is_none(in->login_url) && !str_starts(in->login_url, "http://") &&
        !str_starts(in->login_url, "https://"))
        return werr_set(e, WISP_EUSAGE,
                        _("bad --login-url \"%s\": expected an http:// or https:// URL"),
                        in->login_url);
    if (in->key && in->password)
        return werr_set(e, WISP_EUSAGE, _("give --key or --password-stdin, not both"));
    if (in->key && access(in->key, R_OK) != 0)
        return werr_set(e, WISP_EUSAGE, _("cannot read the key file %s"), in->key);
    if (in->key && file_check_private("private key", in->key, -1, e) < 0)
        return -1;
    if (!adding)
        return 0;
    if (!in->host || !in->user || !in->driver)
        return werr_set(e, WISP_EUSAGE, _("a router needs --host, --user and --driver"));
    if (!in->key && !in->password)
        return werr_set(e, WISP_EUSAGE, _("a router needs --key PATH or --password-stdin"));
    if (!in->hostkey && !in->accept_new)
        return werr_set(
            e, WISP_EUSAGE,
            _("pin the router's host key with --hostkey SHA256:... (`ssh-keygen -lf` on "
              "its key), or trust the first key it shows with --accept-new-hostkey"));
    if (in->hostkey && in->accept_new)
        return werr_set(e, WISP_EUSAGE, _("give --hostkey or --accept-new-hostkey, not both"));
    return 0;
}

/* The settings given in in, as wisp_router_add and wisp_router_edit take
 * them: a key per setting given, JSON null for "none" (cleared). */
static json_t *
fields_json(const struct router_input *in)
{
    static const struct {
        const char *key;
        size_t off;
        bool nullable;
    } cols[] = {
        {"host", offsetof(struct router_input, host), false},
        {"port", offsetof(struct router_input, port), false},
        {"user", offsetof(struct router_input, user), false},
        {"driver", offsetof(struct router_input, driver), false},
        {"key_path", offsetof(struct router_input, key), true},
        {"hotspot_server", offsetof(struct router_input, hotspot_server), true},
        {"login_url", offsetof(struct router_input, login_url), true},
        {"hostkey", offsetof(struct router_input, hostkey), true},
        {"backup", offsetof(struct router_input, backup), true},
        {"password", offsetof(struct router_input, password), false},
    };
    json_t *f = json_object();

    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        const char *v = *(const char *const *)((const char *)in + cols[i].off);

        if (v)
            json_object_set_new(f, cols[i].key,
                                cols[i].nullable && is_none(v) ? json_null() : json_string(v));
    }
    if (in->accept_new)
        json_object_set_new(f, "accept_new_hostkey", json_true());
    return f;
}

/* One call of wisp_router_add or wisp_router_edit: it checks, writes and
 * audits in one statement (never the password in the audit row). */
static int
save(struct db *db, const char *sql, const char *name, const struct router_input *in,
     struct werr *e)
{
    json_t *f = fields_json(in);
    char *text = json_dumps(f, JSON_COMPACT);
    int rc = db_execv(db, e, sql, 2, name, text);

    explicit_bzero(text, strlen(text));
    free(text);
    json_decref(f);
    return rc;
}

int
router_add(struct db *db, const char *name, const struct router_input *in, struct werr *e)
{
    if (check_input(name, in, true, e) < 0)
        return -1;
    return save(db, "SELECT wisp_router_add($1, $2::jsonb)", name, in, e);
}

int
router_edit(struct db *db, const char *name, const struct router_input *in, struct werr *e)
{
    if (check_input(NULL, in, false, e) < 0)
        return -1;
    if (in->backup && str_eq(in->backup, name))
        return werr_set(e, WISP_EUSAGE, _("a router cannot be its own --backup"));
    return save(db, "SELECT wisp_router_edit($1, $2::jsonb)", name, in, e);
}

int
router_remove(struct db *db, const char *name, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_router_remove($1)", 1, name);
}

int
router_maintenance(struct db *db, const char *name, bool on, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_router_maintenance($1, $2)", 2, name,
                    on ? "true" : "false");
}

int
router_request_sync(struct db *db, const char *name, bool full, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_router_sync($1, $2)", 2, name, full ? "true" : "false");
}

json_t *
router_list(struct db *db, struct werr *e)
{
    return db_json_rowsv(db, e, "SELECT " LIST_COLS " ORDER BY r.name", 0);
}

json_t *
router_show(struct db *db, const char *name, struct werr *e)
{
    json_t *one;

    werr_clear(e); /* no row leaves e clear */
    one = db_json_firstv(db, e, "SELECT " LIST_COLS " WHERE r.name = $1", 1, name);
    if (one == NULL && e->status == 0)
        werr_set(e, WISP_ERUNTIME, _("no router named \"%s\" (see `wisp router list`)"), name);
    return one;
}

char **
router_names(struct db *db, struct werr *e)
{
    return db_stringsv(db, e, "SELECT name FROM routers ORDER BY name", 0);
}

int
router_driver(struct db *db, const char *name, char *driver, size_t n, struct werr *e)
{
    struct driver_row {
        char driver[16];
    } row;
    static const struct db_field fields[] = {DB_COL(struct driver_row, driver, DB_BUF)};
    static const struct db_map map = DB_MAP(struct driver_row, fields);
    int found =
        db_fetch1v(db, e, &map, &row, "SELECT driver FROM routers WHERE name = $1", 1, name);

    if (found == 1)
        snprintf(driver, n, "%s", row.driver);
    return found;
}

/* router_load's query: the registry's columns, by name, into struct router_row. */
static const struct db_field load_fields[] = {
    DB_COL(struct router_row, id, DB_INT),
    DB_COL(struct router_row, name, DB_BUF),
    DB_COL(struct router_row, driver, DB_BUF),
    DB_COL(struct router_row, host, DB_BUF),
    DB_COL(struct router_row, port, DB_INT),
    DB_COL_AS(struct router_row, user, "username", DB_BUF),
    DB_COL(struct router_row, key_path, DB_STR),
    DB_COL(struct router_row, hotspot_server, DB_STR),
    DB_COL(struct router_row, login_url, DB_STR),
    DB_COL(struct router_row, hostkey, DB_BUF),
    DB_COL_AS(struct router_row, accept_new, "accept_new_hostkey", DB_BOOL),
    DB_COL(struct router_row, state, DB_BUF),
    DB_COL(struct router_row, backup_id, DB_INT),
    DB_COL(struct router_row, failures, DB_INT),
};
static const struct db_map load_map = DB_MAP(struct router_row, load_fields);

/* The password apart: only admins and the worker may read router_secrets. */
struct secret_row {
    char *password;
};
static const struct db_field secret_fields[] = {DB_COL(struct secret_row, password, DB_STR)};
static const struct db_map secret_map = DB_MAP(struct secret_row, secret_fields);

int
router_load(struct db *db, const char *name, int id, struct router_row *row, struct werr *e)
{
    char ids[16];
    struct secret_row secret;
    int found;

    snprintf(ids, sizeof ids, "%d", id);
    found = db_fetch1v(db, e, &load_map, row,
                       "SELECT id, name, driver, host, port, username, key_path, hotspot_server,"
                       " login_url, hostkey, accept_new_hostkey, state,"
                       " backup_id, failures FROM routers"
                       " WHERE CASE WHEN $1::text IS NULL THEN id = $2::int ELSE name = $1 END",
                       2, name, ids);
    if (found < 0)
        return -1;
    if (found == 0)
        return werr_set(e, WISP_ERUNTIME, _("no router named \"%s\" (see `wisp router list`)"),
                        name ? name : ids);
    if (!row->key_path) {
        snprintf(ids, sizeof ids, "%d", row->id);
        found = db_fetch1v(db, e, &secret_map, &secret,
                           "SELECT password FROM router_secrets WHERE router_id = $1", 1, ids);
        if (found < 0) {
            router_row_free(row);
            return werr_set(e, WISP_ERUNTIME,
                            _("router %s logs in with a password, which only admins and the "
                              "worker may read"),
                            name ? name : ids);
        }
        row->password = secret.password; /* moved (NULL when there is none) */
    }
    return 0;
}

void
router_row_free(struct router_row *r)
{
    if (r->password) {
        explicit_bzero(r->password, strlen(r->password));
        free(r->password);
    }
    free(r->key_path);
    free(r->hotspot_server);
    free(r->login_url);
    memset(r, 0, sizeof *r);
}

int
router_pin_hostkey(struct db *db, int id, const char *fp, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e, "SELECT wisp_router_pin_hostkey($1, $2)", 2, ids, fp);
}

int
router_hostkey_mismatch(struct db *db, int id, const char *why, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e,
                    "UPDATE routers SET state = 'hostkey-mismatch', last_error = $2 WHERE id = $1",
                    2, ids, why);
}

void
router_target(const struct router_row *r, const struct config *cfg, struct ssh_target *t)
{
    memset(t, 0, sizeof *t);
    t->host = r->host;
    t->port = r->port;
    t->user = r->user;
    t->password = r->key_path ? NULL : r->password;
    t->key_path = r->key_path;
    t->hostkey = r->hostkey[0] ? r->hostkey : NULL;
    t->accept_new = r->accept_new;
    t->connect_ms = cfg->ssh_connect_timeout * 1000;
    t->command_ms = cfg->ssh_command_timeout * 1000;
}

const char *
router_login_template(const char *driver, const char *login_url)
{
    if (login_url && *login_url) {
        /* a router's --login-url is the page; the code goes in its voucher= parameter */
        return login_url;
    }
    if (driver && str_eq(driver, "opennds"))
        return "http://status.client/login?voucher={user}";
    return NULL;
}

/* --- for the worker --- */

static const struct db_field round_fields[] = {
    DB_COL_AS(struct router_round, r.id, "id", DB_INT),
    DB_COL_AS(struct router_round, r.name, "name", DB_BUF),
    DB_COL_AS(struct router_round, r.driver, "driver", DB_BUF),
    DB_COL_AS(struct router_round, r.host, "host", DB_BUF),
    DB_COL_AS(struct router_round, r.port, "port", DB_INT),
    DB_COL_AS(struct router_round, r.user, "username", DB_BUF),
    DB_COL_AS(struct router_round, r.password, "password", DB_STR),
    DB_COL_AS(struct router_round, r.key_path, "key_path", DB_STR),
    DB_COL_AS(struct router_round, r.hotspot_server, "hotspot_server", DB_STR),
    DB_COL_AS(struct router_round, r.login_url, "login_url", DB_STR),
    DB_COL_AS(struct router_round, r.hostkey, "hostkey", DB_BUF),
    DB_COL_AS(struct router_round, r.accept_new, "accept_new_hostkey", DB_BOOL),
    DB_COL_AS(struct router_round, r.state, "state", DB_BUF),
    DB_COL_AS(struct router_round, r.backup_id, "backup_id", DB_INT),
    DB_COL_AS(struct router_round, r.failures, "failures", DB_INT),
    DB_COL_AS(struct router_round, jobs, "jobs", DB_BOOL),
    DB_COL_AS(struct router_round, removals, "removals", DB_BOOL),
    DB_COL_AS(struct router_round, expired, "expired", DB_BOOL),
    DB_COL_AS(struct router_round, kicks, "kicks", DB_BOOL),
    DB_COL_AS(struct router_round, push_marks, "push_marks", DB_STR),
    DB_COL_AS(struct router_round, radius, "radius", DB_BOOL),
    DB_COL_AS(struct router_round, access_marks, "access_marks", DB_STR),
};
static const struct db_map round_map = DB_MAP(struct router_round, round_fields);

int
router_load_round(struct db *db, int id, struct router_round *rr, struct werr *e)
{
    char ids[16];
    int rc;

    snprintf(ids, sizeof ids, "%d", id);
    /* the flags are EXISTS probes: a steady round costs this one statement
     * before the poll, whatever waits in the tables; it notes the round's
     * start (polled_at): a worker that takes the router over waits an
     * interval from it, even when this round never ends (a worker killed) */
    rc = db_fetch1v(
        db, e, &round_map, rr,
        "UPDATE routers r SET polled_at = now() WHERE r.id = $1"
        " RETURNING r.id, r.name, r.driver, r.host, r.port, r.username,"
        " (SELECT s.password FROM router_secrets s WHERE s.router_id = r.id"
        "   AND r.key_path IS NULL) AS password, r.key_path,"
        " r.hotspot_server, r.login_url, coalesce(r.hostkey, '') AS hostkey, r.accept_new_hostkey,"
        " r.state, coalesce(r.backup_id, 0) AS backup_id, r.failures,"
        " EXISTS (SELECT FROM router_jobs j WHERE j.router_id = r.id AND j.state = 'queued')"
        "   AS jobs,"
        " EXISTS (SELECT FROM router_removals rm WHERE rm.router_id = r.id) AS removals,"
        " (SELECT string_agg(m.seq::text, ',') FROM (SELECT seq FROM router_push_marks"
        "   WHERE router_id = r.id AND due_at < now() ORDER BY seq LIMIT 1000) m) AS push_marks,"
        " EXISTS (SELECT FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id"
        "   WHERE vr.router_id = r.id AND vr.state <> 'removed' AND v.status = 'expired')"
        "   AS expired,"
        " EXISTS (SELECT FROM sessions ss JOIN vouchers v ON v.id = ss.voucher_id"
        "   WHERE ss.router_id = r.id AND ss.state = 'active'"
        "     AND v.status IN ('expired', 'disabled')) AS kicks,"
        " EXISTS (SELECT FROM router_radius rr WHERE rr.router_id = r.id) AS radius,"
        " (SELECT string_agg(a.seq::text, ',') FROM (SELECT seq FROM router_access_marks"
        "   WHERE router_id = r.id ORDER BY seq LIMIT 1000) a) AS access_marks",
        1, ids);
    if (rc == 0)
        return werr_set(e, WISP_ERUNTIME, _("no router %d (removed?)"), id);
    return rc < 0 ? -1 : 0;
}

void
router_round_free(struct router_round *rr)
{
    router_row_free(&rr->r);
    free(rr->push_marks);
    rr->push_marks = NULL;
    free(rr->access_marks);
    rr->access_marks = NULL;
}

int
router_auth_set(struct db *db, const char *name, const char *auth, int coa_port, struct werr *e)
{
    char port[16];

    if (!str_eq(auth, "local") && !str_eq(auth, "radius"))
        return werr_set(e, WISP_EUSAGE, _("bad --auth \"%s\": expected local or radius"), auth);
    snprintf(port, sizeof port, "%d", coa_port);
    return db_execv(db, e, "SELECT wisp_router_auth($1, $2, nullif($3::int, 0))", 3, name, auth,
                    port);
}

int
router_push_done(struct db *db, int id, const char *marks, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e,
                    "DELETE FROM router_push_marks WHERE router_id = $1"
                    " AND seq = ANY (string_to_array($2, ',')::bigint[])",
                    2, ids, marks);
}

int
router_record_down(struct db *db, int id, const char *state, const char *error, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e,
                    "UPDATE routers SET state = $2, last_error = $3, failures = failures + 1,"
                    " next_try_at = now() + make_interval(secs =>"
                    "   least(300, 5 * power(2, least(failures, 6))))"
                    " WHERE id = $1 AND state <> 'maintenance'",
                    3, ids, state, error);
}

struct was_row {
    char state[20];
};
static const struct db_field was_fields[] = {
    DB_COL_AS(struct was_row, state, "state", DB_BUF),
};
static const struct db_map was_map = DB_MAP(struct was_row, was_fields);

int
router_record_health(struct db *db, int id, const struct rt_health *h, long long sessions,
                     const char *error, char *was, size_t wn, struct werr *e)
{
    char ids[16], cpu[16], mt[24], mf[24], up[24], ns[24];
    struct was_row old;
    int rc;

    snprintf(ids, sizeof ids, "%d", id);
    snprintf(cpu, sizeof cpu, "%d", h->cpu_load);
    snprintf(mt, sizeof mt, "%lld", h->mem_total);
    snprintf(mf, sizeof mf, "%lld", h->mem_free);
    snprintf(up, sizeof up, "%lld", h->uptime_s);
    snprintf(ns, sizeof ns, "%lld", sessions);
    rc = db_fetch1v(
        db, e, &was_map, &old,
        "UPDATE routers r SET identity = $2, version = $3, cpu_load = nullif($4::int, -1),"
        " mem_total = nullif($5::bigint, -1), mem_free = nullif($6::bigint, -1),"
        " uptime_s = nullif($7::bigint, -1), state = 'up', last_error = $9,"
        " active_sessions = coalesce(nullif($8::int, -1), r.active_sessions),"
        " failures = 0, next_try_at = NULL, last_seen = now()"
        " FROM routers old WHERE old.id = r.id AND r.id = $1 AND r.state <> 'maintenance'"
        " RETURNING old.state",
        9, ids, h->identity, h->version, cpu, mt, mf, up, ns, error);
    if (rc < 0)
        return -1;
    snprintf(was, wn, "%s", rc == 1 ? old.state : "");
    return 0;
}

int
router_record_error(struct db *db, int id, const char *error, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e, "UPDATE routers SET last_error = $2 WHERE id = $1", 2, ids, error);
}

static const struct db_field job_fields[] = {
    DB_COL_AS(struct router_job, id, "id", DB_I64),
    DB_COL_AS(struct router_job, kind, "kind", DB_BUF),
    DB_COL_AS(struct router_job, target, "target", DB_STR),
    DB_COL_AS(struct router_job, mac, "mac", DB_BUF),
};
static const struct db_map job_map = DB_MAP(struct router_job, job_fields);

int
router_jobs_queued(struct db *db, int id, struct router_job **jobs, size_t *n, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_fetchv(db, e, &job_map, jobs, n,
                     "SELECT j.id, j.kind, coalesce(j.target, s.username, '') AS target,"
                     " coalesce(s.mac, '') AS mac"
                     " FROM router_jobs j LEFT JOIN sessions s ON s.id = j.session_id"
                     " WHERE j.router_id = $1 AND j.state = 'queued' ORDER BY j.id LIMIT 100",
                     1, ids);
}

void
router_jobs_free(struct router_job *jobs, size_t n)
{
    db_rows_free(&job_map, jobs, n);
}

int
router_job_done(struct db *db, int64_t job, bool ok, const char *result, struct werr *e)
{
    char ids[24];

    snprintf(ids, sizeof ids, "%lld", (long long)job);
    return db_execv(db, e,
                    "UPDATE router_jobs SET state = $2, result = $3, done_at = now() WHERE id = $1",
                    3, ids, ok ? "done" : "failed", result);
}

static const struct db_field removal_fields[] = {
    DB_COL_AS(struct router_name, name, "username", DB_STR),
};
static const struct db_map removal_map = DB_MAP(struct router_name, removal_fields);

int
router_removals_list(struct db *db, int id, int limit, struct router_name **rows, size_t *n,
                     struct werr *e)
{
    char ids[16], lim[16];

    snprintf(ids, sizeof ids, "%d", id);
    snprintf(lim, sizeof lim, "%d", limit);
    return db_fetchv(db, e, &removal_map, rows, n,
                     "SELECT username FROM router_removals WHERE router_id = $1"
                     " ORDER BY queued_at, username LIMIT $2::int",
                     2, ids, lim);
}

void
router_names_free(struct router_name *rows, size_t n)
{
    db_rows_free(&removal_map, rows, n);
}

int
router_removals_done(struct db *db, int id, const char *const *names, size_t n, struct werr *e)
{
    char ids[16], *arr = db_text_array(names, n);
    int rc;

    snprintf(ids, sizeof ids, "%d", id);
    rc = db_execv(
        db, e, "DELETE FROM router_removals WHERE router_id = $1 AND username = ANY ($2::text[])",
        2, ids, arr);
    free(arr);
    return rc;
}

int
router_removals_queue(struct db *db, int id, const char *const *names, size_t n, struct werr *e)
{
    char ids[16], *arr = db_text_array(names, n);
    int rc;

    snprintf(ids, sizeof ids, "%d", id);
    rc = db_execv(db, e,
                  "INSERT INTO router_removals (router_id, username)"
                  " SELECT $1, u FROM unnest($2::text[]) AS u"
                  " ON CONFLICT (router_id, username) DO NOTHING",
                  2, ids, arr);
    free(arr);
    return rc;
}

int
router_removals_failed(struct db *db, int id, const char *error, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e,
                    "UPDATE router_removals SET attempts = attempts + 1, error = $2"
                    " WHERE router_id = $1",
                    2, ids, error);
}

int
router_count_active(struct db *db, struct werr *e)
{
    int64_t n = 0;

    if (db_i64v(db, e, &n, "SELECT count(*) FROM routers WHERE state <> 'maintenance'", 0) < 0)
        return -1;
    return (int)n;
}

int
router_leases_trim(struct db *db, const char *owner, int share, const int *busy, size_t nbusy,
                   struct werr *e)
{
    char sh[16];
    struct sbuf arr = {0};
    int rc;

    snprintf(sh, sizeof sh, "%d", share);
    sb_addc(&arr, '{');
    for (size_t i = 0; i < nbusy; i++)
        sb_printf(&arr, "%s%d", i ? "," : "", busy[i]);
    sb_addc(&arr, '}');
    rc =
        db_execv(db, e,
                 "UPDATE routers SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1"
                 " AND NOT (id = ANY ($3::int[]))"
                 " AND (state = 'maintenance' OR id NOT IN (SELECT id FROM routers"
                 "   WHERE lease_owner = $1 AND state <> 'maintenance' ORDER BY id LIMIT $2::int))",
                 3, owner, sh, arr.buf);
    sb_free(&arr);
    return rc;
}

static const struct db_field lease_fields[] = {
    DB_COL_AS(struct router_lease, id, "id", DB_INT),
    DB_COL_AS(struct router_lease, ready, "ready", DB_BOOL),
    DB_COL_AS(struct router_lease, sync, "sync", DB_BOOL),
    DB_COL_AS(struct router_lease, wait_ms, "wait_ms", DB_INT),
};
static const struct db_map lease_map = DB_MAP(struct router_lease, lease_fields);

int
router_leases_take(struct db *db, const char *owner, int lease_s, int share, int interval_s,
                   struct router_lease **rows, size_t *n, struct werr *e)
{
    char ls[16], sh[16], iv[16];

    snprintf(ls, sizeof ls, "%d", lease_s);
    snprintf(sh, sizeof sh, "%d", share);
    snprintf(iv, sizeof iv, "%d", interval_s);
    /* a router taken over is due one interval after the last round the
     * worker that had it started, answered or not: never polled twice in one
     * interval */
    return db_fetchv(
        db, e, &lease_map, rows, n,
        "WITH mine AS (SELECT id, sync_requested, coalesce(polled_at, last_seen) AS polled_at,"
        "   lease_owner IS NOT DISTINCT FROM $1 AS renewed FROM routers"
        "   WHERE state <> 'maintenance'"
        "   AND (lease_owner = $1 OR lease_owner IS NULL OR lease_until < now()"
        "     OR NOT EXISTS (SELECT 1 FROM workers k WHERE k.id = routers.lease_owner))"
        "   ORDER BY (lease_owner IS NOT DISTINCT FROM $1) DESC, id LIMIT $3::int"
        "   FOR UPDATE SKIP LOCKED)"
        " UPDATE routers r SET lease_owner = $1,"
        "   lease_until = now() + make_interval(secs => $2::int), sync_requested = false"
        " FROM mine WHERE r.id = mine.id"
        " RETURNING r.id, (r.next_try_at IS NULL OR r.next_try_at <= now()"
        "   OR mine.sync_requested) AS ready, mine.sync_requested AS sync,"
        " CASE WHEN mine.renewed OR mine.sync_requested OR mine.polled_at IS NULL THEN 0"
        "   ELSE greatest(0, least(3600000, extract(epoch FROM mine.polled_at"
        "     + make_interval(secs => $4::int) - now()) * 1000))::int END AS wait_ms",
        4, owner, ls, sh, iv);
}

int
router_leases_orphaned(struct db *db, struct werr *e)
{
    return db_execv(
        db, e,
        "UPDATE routers SET lease_owner = NULL, lease_until = NULL WHERE lease_owner IS NOT NULL"
        " AND NOT EXISTS (SELECT 1 FROM workers k WHERE k.id = routers.lease_owner)",
        0);
}

int
router_leases_extend(struct db *db, const char *owner, int lease_s, struct werr *e)
{
    char ls[16];

    snprintf(ls, sizeof ls, "%d", lease_s);
    return db_execv(db, e,
                    "UPDATE routers SET lease_until = now() + make_interval(secs => $2::int)"
                    " WHERE lease_owner = $1",
                    2, owner, ls);
}

int
router_leases_release(struct db *db, const char *owner, struct werr *e)
{
    return db_execv(
        db, e, "UPDATE routers SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
        1, owner);
}
