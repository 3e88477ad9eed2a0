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
    if ((in->hotspot_server && text_check("--hotspot-server", in->hotspot_server, 64, e) < 0) ||
        (in->login_url && text_check("--login-url", in->login_url, 2048, e) < 0) ||
        (in->key && text_check("--key", in->key, 4096, e) < 0))
        return -1;
    if (in->login_url && !is_none(in->login_url) && !str_starts(in->login_url, "http://") &&
        !str_starts(in->login_url, "https://"))
        return werr_set(e, WISP_EUSAGE,
                        "bad --login-url \"%s\": expected an http:// or https:// URL",
                        in->login_url);
    if (in->key && in->password)
        return werr_set(e, WISP_EUSAGE, "give --key or --password-stdin, not both");
    if (in->key && access(in->key, R_OK) != 0)
        return werr_set(e, WISP_EUSAGE, "cannot read the key file %s", in->key);
    if (in->key && file_check_private("private key", in->key, -1, e) < 0)
        return -1;
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
        return werr_set(e, WISP_EUSAGE, "a router cannot be its own --backup");
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
        werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)", name);
    return one;
}

/* A name, for the lists a prompt completes from. */
struct name_row {
    char *name;
};
static const struct db_field name_fields[] = {DB_COL(struct name_row, name, DB_STR)};
static const struct db_map name_map = DB_MAP(struct name_row, name_fields);

char **
router_names(struct db *db, struct werr *e)
{
    struct name_row *rows;
    size_t n;
    char **v;

    if (db_fetchv(db, e, &name_map, &rows, &n, "SELECT name FROM routers ORDER BY name", 0) < 0)
        return NULL;
    v = xcalloc(n + 1, sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = rows[i].name; /* moved: the array owns them now */
    free(rows);
    return v;
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
        return werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)",
                        name ? name : ids);
    if (!row->key_path) {
        snprintf(ids, sizeof ids, "%d", row->id);
        found = db_fetch1v(db, e, &secret_map, &secret,
                           "SELECT password FROM router_secrets WHERE router_id = $1", 1, ids);
        if (found < 0) {
            router_row_free(row);
            return werr_set(e, WISP_ERUNTIME,
                            "router %s logs in with a password, which only admins and the "
                            "worker may read",
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
