/*
 * router.c - the router registry (see include/wisp/router.h). Every write is
 * one transaction with its audit row; audit rows never carry the password.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wisp/audit.h"
#include "wisp/router.h"
#include "wisp/util.h"

#define LIST_COLS                                                                                  \
    "r.name, r.driver, r.host, r.port, r.username AS user, r.state, r.last_seen, r.last_error,"    \
    " r.cpu_load, r.mem_total, r.mem_free, r.uptime_s, r.version, r.identity, r.active_sessions,"  \
    " r.hotspot_server, b.name AS backup, r.login_url, r.key_path, r.hostkey,"                     \
    " (s.router_id IS NOT NULL) AS has_password, r.next_try_at,"                                   \
    " (SELECT count(*) FROM voucher_routers vr WHERE vr.router_id = r.id AND vr.state = 'synced')" \
    " AS vouchers_synced,"                                                                         \
    " (SELECT count(*) FROM voucher_routers vr WHERE vr.router_id = r.id AND vr.state = 'failed')" \
    " AS vouchers_failed,"                                                                         \
    " (SELECT count(*) FROM router_removals rm WHERE rm.router_id = r.id) AS removals_pending"     \
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
                        "bad router name \"%s\": 1-32 letters, digits, . _ - (starting with a "
                        "letter or digit)",
                        name);
    if (in->driver && !driver_find(in->driver))
        return werr_set(e, WISP_EUSAGE, "bad --driver \"%s\": expected routeros or opennds",
                        in->driver);
    if (in->port && str_to_i64(in->port, 1, 65535, &port) < 0)
        return werr_set(e, WISP_EUSAGE, "bad --port \"%s\": expected 1 to 65535", in->port);
    if (in->host && (!*in->host || strlen(in->host) > 253 ||
                     strspn(in->host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789.:_-") != strlen(in->host)))
        return werr_set(e, WISP_EUSAGE, "bad --host \"%s\": expected a host name or address",
                        in->host);
    if (in->user && (!*in->user || strlen(in->user) > 64 ||
                     strspn(in->user, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                      "0123456789._+-") != strlen(in->user)))
        return werr_set(e, WISP_EUSAGE, "bad --user \"%s\"", in->user);
    if (in->hostkey && !is_none(in->hostkey) &&
        (strlen(in->hostkey) != 50 || !str_starts(in->hostkey, "SHA256:") ||
         strspn(in->hostkey + 7,
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") != 43))
        return werr_set(e, WISP_EUSAGE,
                        "bad --hostkey \"%s\": expected SHA256: and 43 base64 characters, as "
                        "`ssh-keygen -lf` prints it",
                        in->hostkey);
    if (in->login_url && !is_none(in->login_url) && !str_starts(in->login_url, "http://") &&
        !str_starts(in->login_url, "https://"))
        return werr_set(e, WISP_EUSAGE,
                        "bad --login-url \"%s\": expected an http:// or https:// URL",
                        in->login_url);
    if (in->key && in->password)
        return werr_set(e, WISP_EUSAGE, "give --key or --password-stdin, not both");
    if (in->key && access(in->key, R_OK) != 0)
        return werr_set(e, WISP_EUSAGE, "cannot read the key file %s", in->key);
    if (!adding)
        return 0;
    if (!in->host || !in->user || !in->driver)
        return werr_set(e, WISP_EUSAGE, "a router needs --host, --user and --driver");
    if (!in->key && !in->password)
        return werr_set(e, WISP_EUSAGE, "a router needs --key PATH or --password-stdin");
    if (!in->hostkey && !in->accept_new)
        return werr_set(e, WISP_EUSAGE,
                        "pin the router's host key with --hostkey SHA256:... (`ssh-keygen -lf` on "
                        "its key), or trust the first key it shows with --accept-new-hostkey");
    if (in->hostkey && in->accept_new)
        return werr_set(e, WISP_EUSAGE, "give --hostkey or --accept-new-hostkey, not both");
    return 0;
}

static int
router_id(struct db *db, const char *name, struct werr *e)
{
    PGresult *r = db_queryv(db, e, "SELECT id FROM routers WHERE name = $1", 1, name);
    int id;

    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)", name);
    }
    id = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return id;
}

static json_t *
audit_details(const char *name, const struct router_input *in)
{
    json_t *d = json_object();

    json_object_set_new(d, "name", json_string(name));
    if (in->host)
        json_object_set_new(d, "host", json_string(in->host));
    if (in->driver)
        json_object_set_new(d, "driver", json_string(in->driver));
    if (in->password)
        json_object_set_new(d, "password", json_string("(changed)"));
    if (in->hostkey)
        json_object_set_new(d, "hostkey", json_string(in->hostkey));
    return d;
}

/* Set the fields given in in, on router id. */
static int
apply(struct db *db, int id, const struct router_input *in, struct werr *e)
{
    static const struct {
        const char *col;
        size_t off;
        bool nullable;
    } cols[] = {
        {"host", offsetof(struct router_input, host), false},
        {"port", offsetof(struct router_input, port), false},
        {"username", offsetof(struct router_input, user), false},
        {"driver", offsetof(struct router_input, driver), false},
        {"key_path", offsetof(struct router_input, key), true},
        {"hotspot_server", offsetof(struct router_input, hotspot_server), true},
        {"login_url", offsetof(struct router_input, login_url), true},
        {"hostkey", offsetof(struct router_input, hostkey), true},
    };
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        const char *v = *(const char *const *)((const char *)in + cols[i].off);
        char *sql;
        int rc;

        if (!v)
            continue;
        if (cols[i].nullable && is_none(v))
            v = NULL;
        sql = xasprintf("UPDATE routers SET %s = $2 WHERE id = $1", cols[i].col);
        rc = db_execv(db, e, sql, 2, ids, v);
        free(sql);
        if (rc < 0)
            return -1;
    }
    if (in->key && !is_none(in->key) &&
        db_execv(db, e, "DELETE FROM router_secrets WHERE router_id = $1", 1, ids) < 0)
        return -1;
    if (in->password &&
        (db_execv(db, e,
                  "INSERT INTO router_secrets (router_id, password) VALUES ($1, $2)"
                  " ON CONFLICT (router_id) DO UPDATE SET password = EXCLUDED.password",
                  2, ids, in->password) < 0 ||
         db_execv(db, e, "UPDATE routers SET key_path = NULL WHERE id = $1", 1, ids) < 0))
        return -1;
    if (in->accept_new &&
        db_execv(db, e, "UPDATE routers SET accept_new_hostkey = true WHERE id = $1", 1, ids) < 0)
        return -1;
    if (in->hostkey &&
        db_execv(db, e,
                 "UPDATE routers SET accept_new_hostkey = false,"
                 " state = CASE WHEN state = 'hostkey-mismatch' THEN 'unknown' ELSE state END,"
                 " next_try_at = NULL, failures = 0 WHERE id = $1",
                 1, ids) < 0)
        return -1;
    if (in->backup) {
        if (is_none(in->backup))
            return db_execv(db, e, "UPDATE routers SET backup_id = NULL WHERE id = $1", 1, ids);
        PGresult *r =
            db_queryv(db, e,
                      "UPDATE routers SET backup_id = (SELECT id FROM routers WHERE name = $2)"
                      " WHERE id = $1 RETURNING backup_id",
                      2, ids, in->backup);
        bool found;

        if (!r)
            return -1;
        found = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
        PQclear(r);
        if (!found)
            return werr_set(e, WISP_ERUNTIME, "no router named \"%s\" for --backup", in->backup);
    }
    return 0;
}

int
router_add(struct db *db, const char *name, const struct router_input *in, struct werr *e)
{
    PGresult *r;
    int id;

    if (check_input(name, in, true, e) < 0 || db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e,
                  "INSERT INTO routers (name, driver, host, username) VALUES ($1, $2, $3, $4)"
                  " RETURNING id",
                  4, name, in->driver, in->host, in->user);
    if (!r) {
        if (strstr(e->msg, "routers_name_key"))
            werr_set(e, WISP_ERUNTIME, "a router named \"%s\" already exists", name);
        goto fail;
    }
    id = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (apply(db, id, in, e) < 0 || audit_log(db, "router.add", audit_details(name, in), e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

int
router_edit(struct db *db, const char *name, const struct router_input *in, struct werr *e)
{
    int id;

    if (check_input(NULL, in, false, e) < 0)
        return -1;
    if (in->backup && str_eq(in->backup, name))
        return werr_set(e, WISP_EUSAGE, "a router cannot be its own --backup");
    if (db_begin(db, e) < 0)
        return -1;
    if ((id = router_id(db, name, e)) < 0 || apply(db, id, in, e) < 0 ||
        audit_log(db, "router.edit", audit_details(name, in), e) < 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db, e);
}

int
router_remove(struct db *db, const char *name, struct werr *e)
{
    json_t *d;

    if (db_begin(db, e) < 0)
        return -1;
    if (router_id(db, name, e) < 0 ||
        db_execv(db, e, "DELETE FROM routers WHERE name = $1", 1, name) < 0) {
        db_rollback(db);
        return -1;
    }
    d = json_object();
    json_object_set_new(d, "name", json_string(name));
    if (audit_log(db, "router.remove", d, e) < 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db, e);
}

int
router_maintenance(struct db *db, const char *name, bool on, struct werr *e)
{
    PGresult *r;
    json_t *d;
    int n;

    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e,
                  "UPDATE routers SET state = CASE WHEN $2 THEN 'maintenance' ELSE 'unknown' END"
                  " WHERE name = $1 RETURNING id",
                  2, name, on ? "true" : "false");
    if (!r)
        goto fail;
    n = PQntuples(r);
    PQclear(r);
    if (n == 0) {
        werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)", name);
        goto fail;
    }
    d = json_pack("{s:s, s:b}", "name", name, "maintenance", on);
    if (audit_log(db, "router.maintenance", d, e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

int
router_request_sync(struct db *db, const char *name, bool full, struct werr *e)
{
    PGresult *r;
    int n;

    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e, "UPDATE routers SET sync_requested = true WHERE name = $1 RETURNING id", 1,
                  name);
    if (!r)
        goto fail;
    n = PQntuples(r);
    if (n == 0) {
        PQclear(r);
        werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)", name);
        goto fail;
    }
    if (full && db_execv(db, e, "INSERT INTO router_jobs (router_id, kind) VALUES ($1, 'resync')",
                         1, PQgetvalue(r, 0, 0)) < 0) {
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

json_t *
router_list(struct db *db, struct werr *e)
{
    return db_rows_json(db_queryv(db, e, "SELECT " LIST_COLS " ORDER BY r.name", 0));
}

json_t *
router_show(struct db *db, const char *name, struct werr *e)
{
    PGresult *r = db_queryv(db, e, "SELECT " LIST_COLS " WHERE r.name = $1", 1, name);
    json_t *one;

    if (!r)
        return NULL;
    if ((one = db_first_json(r)) == NULL)
        werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)", name);
    return one;
}

static char *
dup_or_null(const PGresult *r, int col)
{
    return PQgetisnull(r, 0, col) ? NULL : xstrdup(PQgetvalue(r, 0, col));
}

int
router_load(struct db *db, const char *name, int id, struct router_row *row, struct werr *e)
{
    char ids[16];
    PGresult *r, *s;

    snprintf(ids, sizeof ids, "%d", id);
    r = db_queryv(db, e,
                  "SELECT id, name, driver, host, port, username, key_path, hotspot_server,"
                  " login_url, coalesce(hostkey, ''), accept_new_hostkey, state,"
                  " coalesce(backup_id, 0), failures FROM routers"
                  " WHERE CASE WHEN $1::text IS NULL THEN id = $2::int ELSE name = $1 END",
                  2, name, ids);
    memset(row, 0, sizeof *row);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)",
                        name ? name : ids);
    }
    row->id = atoi(PQgetvalue(r, 0, 0));
    snprintf(row->name, sizeof row->name, "%s", PQgetvalue(r, 0, 1));
    snprintf(row->driver, sizeof row->driver, "%s", PQgetvalue(r, 0, 2));
    snprintf(row->host, sizeof row->host, "%s", PQgetvalue(r, 0, 3));
    row->port = atoi(PQgetvalue(r, 0, 4));
    snprintf(row->user, sizeof row->user, "%s", PQgetvalue(r, 0, 5));
    row->key_path = dup_or_null(r, 6);
    row->hotspot_server = dup_or_null(r, 7);
    row->login_url = dup_or_null(r, 8);
    snprintf(row->hostkey, sizeof row->hostkey, "%s", PQgetvalue(r, 0, 9));
    row->accept_new = PQgetvalue(r, 0, 10)[0] == 't';
    snprintf(row->state, sizeof row->state, "%s", PQgetvalue(r, 0, 11));
    row->backup_id = atoi(PQgetvalue(r, 0, 12));
    row->failures = atoi(PQgetvalue(r, 0, 13));
    PQclear(r);
    if (!row->key_path) {
        snprintf(ids, sizeof ids, "%d", row->id);
        s = db_queryv(db, e, "SELECT password FROM router_secrets WHERE router_id = $1", 1, ids);
        if (!s) {
            router_row_free(row);
            return werr_set(e, WISP_ERUNTIME,
                            "router %s logs in with a password, which only admins and the "
                            "worker may read",
                            name ? name : ids);
        }
        if (PQntuples(s) == 1)
            row->password = xstrdup(PQgetvalue(s, 0, 0));
        PQclear(s);
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
    PGresult *r;
    int n;

    snprintf(ids, sizeof ids, "%d", id);
    r = db_queryv(db, e,
                  "UPDATE routers SET hostkey = $2, accept_new_hostkey = false"
                  " WHERE id = $1 AND hostkey IS NULL RETURNING name",
                  2, ids, fp);
    if (!r)
        return -1;
    n = PQntuples(r);
    if (n == 1) {
        json_t *d = json_pack("{s:s, s:s}", "name", PQgetvalue(r, 0, 0), "hostkey", fp);

        PQclear(r);
        return audit_log(db, "router.hostkey", d, e);
    }
    PQclear(r);
    return 0;
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
    t->connect_ms = (cfg && cfg->ssh_connect_timeout ? atoi(cfg->ssh_connect_timeout) : 5) * 1000;
    t->command_ms = (cfg && cfg->ssh_command_timeout ? atoi(cfg->ssh_command_timeout) : 15) * 1000;
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
