/*
 * db.c - PostgreSQL through libpq.
 *
 * Every statement with a value in it goes through PQexecParams; the only
 * PQexec calls run the embedded migration scripts, which are constant text.
 * Errors come back as one line from the server's primary message, so the
 * caller can show "permission denied for table plans" as it is.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/secret.h"
#include "wisp/db.h"
#include "wisp/util.h"

/* Type OIDs from pg_type.h, stable across versions. */
enum {
    OID_BOOL = 16,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_JSON = 114,
    OID_TIMESTAMPTZ = 1184,
    OID_NUMERIC = 1700,
    OID_JSONB = 3802,
};

/* The first line of s, without trailing spaces, copied into buf. */
static void
first_line(const char *s, char *buf, size_t n)
{
    size_t len = strcspn(s ? s : "", "\r\n");

    if (len >= n)
        len = n - 1;
    memcpy(buf, s ? s : "", len);
    while (len > 0 && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
        len--;
    buf[len] = '\0';
}

/* text with every password in it hidden, malloc'ed: the password libpq took
 * (PQpass) wherever it stands as a word of its own, and whatever looks like
 * one (a URI's userinfo, password=...), since libpq quotes a dbname that
 * holds a whole URI back in its messages ("database \"postgresql://u:pw@/x\"
 * does not exist"). A password inside a longer word is left: "demo" in
 * "wisp_demo" says nothing, and "a" must not eat every "a". strchr finds the
 * terminating NUL too, so the ends of text are edges. */
#define EDGES " \t\"'=:@/?&,;()<>" /* what stands around a value in a message ("" too) */

static char *
redact(PGconn *c, const char *text)
{
    const char *pw = c ? PQpass(c) : NULL, *p = text ? text : "", *from = p, *hit;
    size_t n = pw ? strlen(pw) : 0;
    struct sbuf sb = {0};
    char *masked;

    while (n && (hit = strstr(from, pw)) != NULL) {
        bool word = (hit == text || strchr(EDGES, hit[-1])) && strchr(EDGES, hit[n]);

        if (word) {
            sb_addn(&sb, p, (size_t)(hit - p));
            sb_add(&sb, "****");
            p = hit + n;
        }
        from = hit + (word ? n : 1);
    }
    sb_add(&sb, p);
    masked = secret_mask(sb.buf);
    sb_free(&sb);
    return masked;
}

/* Where a connection goes, for messages: "socket /run/postgresql port 5432,
 * database shop". Never includes a password. */
static void
describe_target(PGconn *c, char *buf, size_t n)
{
    const char *host = PQhost(c), *port = PQport(c), *dbname = PQdb(c);
    char *shown = redact(c, dbname ? dbname : "?");

    if (host == NULL || *host == '\0')
        host = "/var/run/postgresql";
    snprintf(buf, n, "%s %s port %s, database \"%s\"", host[0] == '/' ? "socket" : "host", host,
             port && *port ? port : "5432", shown);
    free(shown);
}

/* The server's notices ("relation ... already exists, skipping") and the
 * reports libpq makes of its own, which it would print on stderr: under the
 * console that is the screen. wisp acts on errors, never on notices, so they
 * go nowhere. (A NULL processor is ignored by libpq, hence a function.) */
static void
drop_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

int
db_open(struct db *db, const char *conninfo, struct werr *e)
{
    const char *keys[] = {"dbname", "application_name", "fallback_application_name", NULL};
    const char *vals[] = {conninfo ? conninfo : "", "wisp", "wisp", NULL};
    char target[256], reason[256];

    memset(db, 0, sizeof *db);
    /* expand_dbname=1 lets dbname carry a whole conninfo string or URI. */
    db->conn = PQconnectdbParams(keys, vals, 1);
    if (db->conn == NULL)
        return werr_set(e, WISP_ERUNTIME, _("cannot allocate a PostgreSQL connection"));
    if (PQstatus(db->conn) != CONNECTION_OK) {
        char *why = redact(db->conn, PQerrorMessage(db->conn));

        describe_target(db->conn, target, sizeof target);
        first_line(why, reason, sizeof reason);
        free(why);
        /* libpq prefixes "connection to server on socket ... failed: " - keep the reason. */
        const char *r = strstr(reason, "failed: ");
        werr_set(
            e, WISP_ERUNTIME,
            _("cannot connect to PostgreSQL at %s: %s (set --db, WISP_DB or PGHOST/PGDATABASE)"),
            target, r ? r + 8 : reason);
        PQfinish(db->conn);
        db->conn = NULL;
        return -1;
    }
    PQsetNoticeProcessor(db->conn, drop_notice, NULL);
    return 0;
}

bool
db_open_needs_login(const struct werr *e)
{
    return strstr(e->msg, "no password supplied") != NULL ||
           strstr(e->msg, "password authentication failed") != NULL ||
           (strstr(e->msg, "role \"") != NULL && strstr(e->msg, "does not exist") != NULL);
}

void
db_close(struct db *db)
{
    if (db->conn)
        PQfinish(db->conn);
    db->conn = NULL;
}

static const char *
db_result_message(const PGresult *r)
{
    const char *m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

    return m ? m : PQresultErrorMessage(r);
}

static PGresult *
db_query(struct db *db, struct werr *e, const char *sql, int nparams, const char *const *params)
{
    PGresult *r;
    char msg[400];

    if (db->conn == NULL) {
        werr_set(e, WISP_ERUNTIME, _("not connected to PostgreSQL"));
        return NULL;
    }
    db->statements++;
    db->sqlstate[0] = '\0';
    r = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    switch (PQresultStatus(r)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_COPY_IN:
        return r;
    default:
        snprintf(db->sqlstate, sizeof db->sqlstate, "%s",
                 PQresultErrorField(r, PG_DIAG_SQLSTATE) ?: "");
        if (PQstatus(db->conn) == CONNECTION_BAD)
            first_line(PQerrorMessage(db->conn), msg, sizeof msg);
        else
            first_line(db_result_message(r), msg, sizeof msg);
        werr_set(e, WISP_ERUNTIME, "%s", msg[0] ? msg : _("PostgreSQL connection lost"));
        PQclear(r);
        return NULL;
    }
}

/* db_query with the parameters from a variadic list (at most 16). */
static PGresult *
query_va(struct db *db, struct werr *e, const char *sql, int nparams, va_list ap)
{
    const char *params[16];

    if (nparams > 16) {
        werr_set(e, WISP_ERUNTIME, "internal: too many parameters");
        return NULL;
    }
    for (int i = 0; i < nparams; i++)
        params[i] = va_arg(ap, const char *);
    return db_query(db, e, sql, nparams, params);
}

static PGresult *
db_queryv(struct db *db, struct werr *e, const char *sql, int nparams, ...)
{
    PGresult *r;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    return r;
}

int
db_execv(struct db *db, struct werr *e, const char *sql, int nparams, ...)
{
    PGresult *r;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    if (r == NULL)
        return -1;
    PQclear(r);
    return 0;
}

int
db_begin(struct db *db, struct werr *e)
{
    return db_execv(db, e, "BEGIN", 0);
}

int
db_commit(struct db *db, struct werr *e)
{
    return db_execv(db, e, "COMMIT", 0);
}

void
db_rollback(struct db *db)
{
    PGresult *r;

    if (db->conn == NULL || PQtransactionStatus(db->conn) == PQTRANS_IDLE)
        return;
    r = PQexec(db->conn, "ROLLBACK");
    PQclear(r);
}

int
db_ping(struct db *db, struct werr *e)
{
    return db_execv(db, e, "SELECT 1", 0);
}

int
db_tx(struct db *db, struct werr *e, int (*body)(struct db *db, void *arg, struct werr *e),
      void *arg)
{
    int rc;

    if (db_begin(db, e) < 0)
        return -1;
    rc = body(db, arg, e);
    if (rc < 0 || db_commit(db, e) < 0) {
        db_rollback(db);
        return -1;
    }
    return rc;
}

int
db_load_role(struct db *db, struct werr *e)
{
    PGresult *r =
        db_queryv(db, e,
                  "SELECT session_user, CASE"
                  " WHEN pg_has_role(session_user, 'wisp_admin', 'MEMBER') THEN 'admin'"
                  " WHEN pg_has_role(session_user, 'wisp_operator', 'MEMBER') THEN 'operator'"
                  " WHEN pg_has_role(session_user, 'wisp_worker', 'MEMBER') THEN 'worker'"
                  " WHEN pg_has_role(session_user, 'wisp_viewer', 'MEMBER') THEN 'viewer'"
                  " ELSE '' END",
                  0);

    if (r == NULL)
        return -1;
    snprintf(db->role, sizeof db->role, "%s", PQgetvalue(r, 0, 0));
    snprintf(db->group, sizeof db->group, "%s", PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

int
db_schema_version(void)
{
    int v = 0;

    for (const struct migration *m = db_migrations; m->version; m++)
        if (m->version > v)
            v = m->version;
    return v;
}

/* The highest applied version, 0 when the version table does not exist. */
static int
applied_version(struct db *db, int *version, struct werr *e)
{
    PGresult *r = db_queryv(db, e,
                            "SELECT CASE WHEN to_regclass('schema_migrations') IS NULL THEN -1"
                            " ELSE 0 END",
                            0);

    if (r == NULL)
        return -1;
    *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    if (*version < 0) {
        *version = 0;
        return 0;
    }
    r = db_queryv(db, e, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0);
    if (r == NULL)
        return -1;
    *version = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

int
db_check_schema(struct db *db, struct werr *e)
{
    int have, know = db_schema_version();

    if (applied_version(db, &have, e) < 0)
        return -1;
    if (have == 0) {
        char *name = redact(db->conn, PQdb(db->conn));

        werr_set(e, WISP_ERUNTIME,
                 _("database \"%s\" has no wisp schema yet: run `wisp db migrate` (as a "
                   "PostgreSQL role that may create roles and tables)"),
                 name);
        free(name);
        return -1;
    }
    if (have > know)
        return werr_set(e, WISP_ERUNTIME,
                        _("database schema is at version %d but this wisp knows only up to %d: "
                          "upgrade wisp before using this database"),
                        have, know);
    if (have < know)
        return werr_set(
            e, WISP_ERUNTIME,
            _("database schema is at version %d, this wisp needs %d: run `wisp db migrate`"), have,
            know);
    return 0;
}

/* Run one embedded script inside the open transaction. */
static int
run_script(struct db *db, const struct migration *m, struct werr *e)
{
    PGresult *r = PQexec(db->conn, m->sql);
    char msg[400];

    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        first_line(db_result_message(r), msg, sizeof msg);
        PQclear(r);
        return werr_set(e, WISP_ERUNTIME, _("migration %03d_%s failed: %s"), m->version, m->name,
                        msg);
    }
    PQclear(r);
    return 0;
}

/* One migration in its own transaction, under the advisory lock; skipped when
 * another process applied it meanwhile. Returns 1 when applied, 0 when not. */
static int
apply_one(struct db *db, const struct migration *m, struct werr *e)
{
    char ver[16];
    PGresult *r;
    int done;

    snprintf(ver, sizeof ver, "%d", m->version);
    if (db_begin(db, e) < 0)
        return -1;
    if (db_execv(db, e, "SELECT pg_advisory_xact_lock(7749110)", 0) < 0 ||
        db_execv(db, e,
                 "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY,"
                 " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
                 " applied_by text NOT NULL DEFAULT session_user)",
                 0) < 0)
        goto fail;
    r = db_queryv(db, e, "SELECT 1 FROM schema_migrations WHERE version = $1", 1, ver);
    if (r == NULL)
        goto fail;
    done = PQntuples(r) > 0;
    PQclear(r);
    if (done) {
        db_rollback(db);
        return 0;
    }
    if (run_script(db, m, e) < 0 ||
        db_execv(db, e, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, ver,
                 m->name) < 0 ||
        db_execv(db, e,
                 "INSERT INTO audit (action, details) VALUES ('db.migrate',"
                 " jsonb_build_object('version', $1::int, 'name', $2::text))",
                 2, ver, m->name) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    return 1;
fail:
    db_rollback(db);
    return -1;
}

/* CHECKs a migration left NOT VALID because rows from before break them
 * (008_safe_text): one note each, with the rule from its comment. */
static void
note_unchecked(struct db *db, FILE *out)
{
    struct werr e = {0};
    PGresult *r = db_queryv(db, &e,
                            "SELECT conrelid::regclass::text, conname,"
                            " coalesce(obj_description(oid, 'pg_constraint'), '')"
                            " FROM pg_constraint WHERE contype = 'c' AND NOT convalidated"
                            " ORDER BY 1, 2",
                            0);

    for (int i = 0; r && i < PQntuples(r); i++)
        fprintf(out,
                "note: rows of %s from before break %s (%s): it holds for new rows, the old ones "
                "keep working; docs/schema.md says how to find and fix them\n",
                PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    if (r)
        PQclear(r);
}

int
db_migrate(struct db *db, FILE *out, int upto, struct werr *e)
{
    int have, know = db_schema_version(), n = 0, rc;

    if (applied_version(db, &have, e) < 0)
        return -1;
    if (have > know)
        return werr_set(e, WISP_ERUNTIME,
                        _("database schema is at version %d but this wisp knows only up to %d: "
                          "upgrade wisp; nothing was changed"),
                        have, know);
    if (upto > 0 && upto < have)
        return werr_set(e, WISP_EUSAGE,
                        _("database schema is at version %d already, past --to %d; nothing was "
                          "changed (migrations are not undone)"),
                        have, upto);
    for (const struct migration *m = db_migrations; m->version && (upto <= 0 || m->version <= upto);
         m++) {
        rc = apply_one(db, m, e);
        if (rc < 0)
            return -1;
        if (rc > 0 && out)
            fprintf(out, "applied %03d_%s\n", m->version, m->name);
        n += rc;
    }
    if (out && n == 0)
        fprintf(out, "database is up to date (version %d)\n",
                upto > 0 && upto < know ? upto : know);
    if (out)
        note_unchecked(db, out);
    return 0;
}

int
db_migrate_status(struct db *db, FILE *out, json_t **list, struct werr *e)
{
    PGresult *r = NULL;
    json_t *arr = json_array();
    int have;

    if (applied_version(db, &have, e) < 0)
        goto fail;
    if (have > 0) {
        r = db_queryv(db, e,
                      "SELECT version, name, applied_at, applied_by FROM schema_migrations"
                      " ORDER BY version",
                      0);
        if (r == NULL)
            goto fail;
    }
    for (const struct migration *m = db_migrations; m->version; m++) {
        const char *at = NULL, *by = NULL;

        for (int i = 0; r && i < PQntuples(r); i++)
            if (atoi(PQgetvalue(r, i, 0)) == m->version)
                at = PQgetvalue(r, i, 2), by = PQgetvalue(r, i, 3);
        json_t *o = json_pack("{s:i, s:s, s:s}", "version", m->version, "name", m->name, "state",
                              at ? "applied" : "pending");

        json_object_set_new(o, "applied_at", at ? json_string(at) : json_null());
        json_object_set_new(o, "applied_by", by ? json_string(by) : json_null());
        json_array_append_new(arr, o);
        if (out)
            fprintf(out, "%03d  %-20s  %s%s\n", m->version, m->name, at ? "applied " : "pending",
                    at ? at : "");
    }
    for (int i = 0; out && r && i < PQntuples(r); i++)
        if (atoi(PQgetvalue(r, i, 0)) > db_schema_version())
            fprintf(out, "%03d  %-20s  applied, unknown to this wisp (newer)\n",
                    atoi(PQgetvalue(r, i, 0)), PQgetvalue(r, i, 1));
    PQclear(r);
    if (list)
        *list = arr;
    else
        json_decref(arr);
    return 0;
fail:
    PQclear(r);
    json_decref(arr);
    return -1;
}

/* PostgreSQL's ISO timestamptz text "2026-11-22 10:00:00.5+00" as ISO 8601
 * "2026-11-22T10:00:00.5+00:00". */
static json_t *
iso_time(const char *v)
{
    char buf[64];
    size_t n;

    snprintf(buf, sizeof buf, "%s", v);
    if (strlen(buf) > 10 && buf[10] == ' ')
        buf[10] = 'T';
    n = strlen(buf);
    if (n >= 3 && (buf[n - 3] == '+' || buf[n - 3] == '-') && n + 3 < sizeof buf)
        memcpy(buf + n, ":00", 4);
    return json_string(buf);
}

static json_t *
db_row_json(const PGresult *r, int row)
{
    json_t *o = json_object();

    for (int c = 0; c < PQnfields(r); c++) {
        const char *name = PQfname(r, c), *v = PQgetvalue(r, row, c);
        json_t *j;

        if (PQgetisnull(r, row, c)) {
            json_object_set_new(o, name, json_null());
            continue;
        }
        switch (PQftype(r, c)) {
        case OID_INT2:
        case OID_INT4:
        case OID_INT8:
            j = json_integer(strtoll(v, NULL, 10));
            break;
        case OID_BOOL:
            j = json_boolean(v[0] == 't');
            break;
        case OID_JSON:
        case OID_JSONB:
            j = json_loads(v, JSON_DECODE_ANY, NULL);
            if (j == NULL)
                j = json_string(v);
            break;
        case OID_TIMESTAMPTZ:
            j = iso_time(v);
            break;
        case OID_NUMERIC:
        default:
            j = json_string(v);
            break;
        }
        json_object_set_new(o, name, j);
    }
    return o;
}

static json_t *
db_rows_json(PGresult *r)
{
    json_t *arr;

    if (r == NULL)
        return NULL;
    arr = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(arr, db_row_json(r, i));
    PQclear(r);
    return arr;
}

static json_t *
db_first_json(PGresult *r)
{
    json_t *one = PQntuples(r) > 0 ? db_row_json(r, 0) : NULL;

    PQclear(r);
    return one;
}

static json_t *
db_pairs_json(PGresult *r)
{
    json_t *o;

    if (!r)
        return NULL;
    o = json_object();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_set_new(o, PQgetvalue(r, i, 0),
                            json_integer(strtoll(PQgetvalue(r, i, 1), NULL, 10)));
    PQclear(r);
    return o;
}

/* --- rows into structs ------------------------------------------------- */

/* Each field's column number in r, or an error naming the missing one. */
static int
map_columns(const PGresult *r, const struct db_map *map, int *cols, struct werr *e)
{
    for (size_t f = 0; f < map->nfields; f++) {
        cols[f] = PQfnumber(r, map->fields[f].col);
        if (cols[f] < 0)
            return werr_set(e, WISP_ERUNTIME, "internal: the query has no column \"%s\"",
                            map->fields[f].col);
    }
    return 0;
}

/* Row i of r into the struct at row. */
static void
fill_row(const PGresult *r, int i, const struct db_map *map, const int *cols, char *row)
{
    for (size_t f = 0; f < map->nfields; f++) {
        const struct db_field *d = &map->fields[f];
        bool null = PQgetisnull(r, i, cols[f]);
        const char *v = PQgetvalue(r, i, cols[f]);
        void *at = row + d->off;

        switch (d->kind) {
        case DB_STR:
            *(char **)at = null ? NULL : xstrdup(v);
            break;
        case DB_BUF: {
            size_t n = null ? 0 : strlen(v);

            if (n >= d->size) /* cut, but never inside a UTF-8 character */
                for (n = d->size - 1; n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80; n--)
                    ;
            memcpy(at, v, n);
            ((char *)at)[n] = '\0';
            break;
        }
        case DB_I64:
            *(int64_t *)at = null ? (int64_t)d->null_as : (int64_t)strtoll(v, NULL, 10);
            break;
        case DB_INT:
            *(int *)at = null ? (int)d->null_as : (int)strtol(v, NULL, 10);
            break;
        case DB_BOOL:
            *(bool *)at = !null && v[0] == 't';
            break;
        case DB_F64:
            *(double *)at = null ? (double)d->null_as : strtod(v, NULL);
            break;
        case DB_JSON:
            *(json_t **)at = null ? NULL : json_loads(v, JSON_DECODE_ANY, NULL);
            break;
        }
    }
}

/* r's rows into *rows (see db_fetch); clears r; -1 when r is NULL. */
static int
fetch_result(PGresult *r, const struct db_map *map, void *rows, size_t *n, struct werr *e)
{
    int cols[64];
    char *out = NULL;
    int nr;

    *(void **)rows = NULL;
    *n = 0;
    if (r == NULL)
        return -1;
    if (map->nfields > 64 || map_columns(r, map, cols, e) < 0) {
        if (map->nfields > 64)
            werr_set(e, WISP_ERUNTIME, "internal: more than 64 fields in a row map");
        PQclear(r);
        return -1;
    }
    nr = PQntuples(r);
    if (nr > 0) {
        out = xcalloc((size_t)nr, map->size);
        for (int i = 0; i < nr; i++)
            fill_row(r, i, map, cols, out + (size_t)i * map->size);
    }
    PQclear(r);
    *(void **)rows = out;
    *n = (size_t)nr;
    return 0;
}

int
db_fetch(struct db *db, struct werr *e, const struct db_map *map, void *rows, size_t *n,
         const char *sql, int nparams, const char *const *params)
{
    return fetch_result(db_query(db, e, sql, nparams, params), map, rows, n, e);
}

int
db_fetchv(struct db *db, struct werr *e, const struct db_map *map, void *rows, size_t *n,
          const char *sql, int nparams, ...)
{
    PGresult *r;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    return fetch_result(r, map, rows, n, e);
}

int
db_fetch1v(struct db *db, struct werr *e, const struct db_map *map, void *row, const char *sql,
           int nparams, ...)
{
    PGresult *r;
    int cols[64], found;
    va_list ap;

    memset(row, 0, map->size);
    if (map->nfields > 64)
        return werr_set(e, WISP_ERUNTIME, "internal: more than 64 fields in a row map");
    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    if (r == NULL)
        return -1;
    if (map_columns(r, map, cols, e) < 0) {
        PQclear(r);
        return -1;
    }
    found = PQntuples(r) > 0;
    if (found)
        fill_row(r, 0, map, cols, row);
    PQclear(r);
    return found;
}

int
db_i64v(struct db *db, struct werr *e, int64_t *out, const char *sql, int nparams, ...)
{
    PGresult *r;
    int found;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    if (r == NULL)
        return -1;
    found = PQntuples(r) > 0 && PQnfields(r) > 0 && !PQgetisnull(r, 0, 0);
    if (found)
        *out = (int64_t)strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return found;
}

int64_t
db_changedv(struct db *db, struct werr *e, const char *sql, int nparams, ...)
{
    PGresult *r;
    int64_t n;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    if (r == NULL)
        return -1;
    n = (int64_t)strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return n;
}

void
db_row_free(const struct db_map *map, void *row)
{
    for (size_t f = 0; f < map->nfields; f++) {
        void *at = (char *)row + map->fields[f].off;

        if (map->fields[f].kind == DB_STR) {
            free(*(char **)at);
            *(char **)at = NULL;
        } else if (map->fields[f].kind == DB_JSON) {
            json_decref(*(json_t **)at);
            *(json_t **)at = NULL;
        }
    }
}

void
db_rows_free(const struct db_map *map, void *rows, size_t n)
{
    if (rows == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        db_row_free(map, (char *)rows + i * map->size);
    free(rows);
}

/* The JSON forms, straight from SQL (the PGresult stays in this file). */
json_t *
db_json_rowsv(struct db *db, struct werr *e, const char *sql, int nparams, ...)
{
    PGresult *r;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    return db_rows_json(r);
}

json_t *
db_json_firstv(struct db *db, struct werr *e, const char *sql, int nparams, ...)
{
    PGresult *r;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    return r ? db_first_json(r) : NULL;
}

json_t *
db_json_pairsv(struct db *db, struct werr *e, const char *sql, int nparams, ...)
{
    PGresult *r;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    return db_pairs_json(r);
}

/* The first column of every row as a NULL-terminated array of strings
 * (names for a prompt to complete); NULL with e set on failure. */
char **
db_stringsv(struct db *db, struct werr *e, const char *sql, int nparams, ...)
{
    PGresult *r;
    char **v;
    va_list ap;

    va_start(ap, nparams);
    r = query_va(db, e, sql, nparams, ap);
    va_end(ap);
    if (r == NULL)
        return NULL;
    v = xcalloc((size_t)PQntuples(r) + 1, sizeof *v);
    for (int i = 0; i < PQntuples(r); i++)
        v[i] = xstrdup(PQgetvalue(r, i, 0));
    PQclear(r);
    return v;
}

char *
db_text_array(const char *const *v, size_t n)
{
    struct sbuf sb = {0};

    sb_addc(&sb, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_addc(&sb, ',');
        if (!v[i]) {
            sb_add(&sb, "NULL");
            continue;
        }
        sb_addc(&sb, '"');
        for (const char *p = v[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_addc(&sb, '\\');
            sb_addc(&sb, *p);
        }
        sb_addc(&sb, '"');
    }
    sb_addc(&sb, '}');
    return sb_steal(&sb);
}

char *
db_i64_array(const int64_t *v, size_t n)
{
    struct sbuf sb = {0};

    sb_addc(&sb, '{');
    for (size_t i = 0; i < n; i++)
        sb_printf(&sb, "%s%lld", i ? "," : "", (long long)v[i]);
    sb_addc(&sb, '}');
    return sb_steal(&sb);
}

bool
db_connected(const struct db *db)
{
    return db->conn && PQstatus(db->conn) == CONNECTION_OK;
}

int
db_wait_notify(struct db *db, int ms)
{
    struct pollfd p = {db->conn ? PQsocket(db->conn) : -1, POLLIN, 0};
    PGnotify *n;
    int any = 0;

    if (p.fd < 0)
        return -1;
    /* one libpq read while an earlier statement ran: waiting would miss it */
    while ((n = PQnotifies(db->conn))) {
        any = 1;
        PQfreemem(n);
    }
    if (any)
        return 1;
    if (poll(&p, 1, ms) <= 0)
        return 0;
    if (!PQconsumeInput(db->conn))
        return -1;
    while ((n = PQnotifies(db->conn))) {
        any = 1;
        PQfreemem(n);
    }
    return any;
}
