/*
 * db.h - the PostgreSQL connection: open with a clear error naming the target,
 * parameterised queries only, transactions, JSON rows, and the embedded
 * numbered migrations (src/schema/NNN_name.sql, see db_migrate).
 */
#ifndef WISP_DB_H
#define WISP_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "wisp/err.h"

/* One embedded migration; the table ends with version 0. */
struct migration {
    int version;
    const char *name;
    const char *sql;
};
extern const struct migration db_migrations[];

struct db {
    PGconn *conn;
    char role[64];            /* session_user */
    char group[16];           /* admin, operator, viewer, worker or "" (see db_load_role) */
    unsigned long statements; /* sent on this connection (the worker reports them per poll) */
    char sqlstate[6];         /* SQLSTATE of the last statement that failed, "" after success */
};

/* Connect with a libpq conninfo or URI (NULL or "" = libpq defaults: PGHOST,
 * PGDATABASE, ~/.pgpass, service files). On failure the message names the
 * target (socket or host, port, database; never a password) and how to set it. */
int db_open(struct db *db, const char *conninfo, struct werr *e);

/* True when the failure of the last db_open was PostgreSQL asking for a
 * password or refusing the role (the console then shows its login screen). */
bool db_open_needs_login(const struct werr *e);

void db_close(struct db *db);

/* One round trip to tell the connection still works: 0, or -1 with e set. */
int db_ping(struct db *db, struct werr *e);

/* Every statement takes nparams text parameters (NULL = SQL NULL) and never
 * hands out a libpq result: rows come back as structs (db_fetch), numbers
 * (db_i64v), JSON (db_json_*) or nothing (db_execv). */

/* A statement whose result is not needed: 0, or -1 with the server's message. */
int db_execv(struct db *db, struct werr *e, const char *sql, int nparams, ...);

/* Transactions. db_rollback is safe to call when no transaction is open. */
int db_begin(struct db *db, struct werr *e);
int db_commit(struct db *db, struct werr *e);
void db_rollback(struct db *db);

/* The one transaction shape of every module: BEGIN, body, COMMIT; on any
 * failure (the body's or the commit's) ROLLBACK, so nothing half-done stays.
 * The body calls the database's functions, which write their audit rows in
 * this same transaction. Returns the body's result (>= 0) or -1 with e set. */
int db_tx(struct db *db, struct werr *e, int (*body)(struct db *db, void *arg, struct werr *e),
          void *arg);

/* --- rows into structs, by column name --------------------------------------
 * A query's rows are read through one mapping (struct db_map): for each field
 * of a row struct, the column it comes from by name and how it is stored.
 * Columns are looked up by name once per result; a column the mapping names
 * but the query lacks is an error naming it, never a silent shift.
 *
 *     struct plan_row { int64_t id; char *name; bool active; };
 *     static const struct db_field plan_fields[] = {
 *         DB_COL(struct plan_row, id, DB_I64),
 *         DB_COL(struct plan_row, name, DB_STR),
 *         DB_COL_AS(struct plan_row, active, "is_active", DB_BOOL),
 *     };
 *     static const struct db_map plan_map = DB_MAP(struct plan_row, plan_fields);
 */
enum db_kind {
    DB_STR,  /* char *, malloc'd (NULL for SQL NULL); freed by db_row_free */
    DB_BUF,  /* char[N] inside the struct, cut at a character boundary ("" for NULL) */
    DB_I64,  /* int64_t (SQL NULL: the field's null_as) */
    DB_INT,  /* int (SQL NULL: null_as) */
    DB_BOOL, /* bool: 't' is true; NULL is false */
    DB_F64,  /* double (SQL NULL: null_as) */
    DB_JSON, /* json_t * parsed from json/jsonb (NULL for SQL NULL); freed by db_row_free */
};

struct db_field {
    const char *col; /* the column's name in the result */
    enum db_kind kind;
    size_t off, size;  /* offsetof and sizeof the struct member */
    long long null_as; /* numbers' value for SQL NULL */
};

#define DB_COL_AS(T, member, name, kind)                                                           \
    {                                                                                              \
        (name), (kind), offsetof(T, member), sizeof(((T *)0)->member), 0                           \
    }
/* (written out, not through DB_COL_AS: cppcheck 2.10 fails to expand the nesting) */
#define DB_COL(T, member, kind)                                                                    \
    {                                                                                              \
#member, (kind), offsetof(T, member), sizeof(((T *)0)->member), 0                          \
    }
/* A number whose SQL NULL reads as nullv (e.g. -1 for "not reported"). */
#define DB_COL_NULL(T, member, kind, nullv)                                                        \
    {                                                                                              \
#member, (kind), offsetof(T, member), sizeof(((T *)0)->member), (nullv)                    \
    }

struct db_map {
    size_t size; /* sizeof the row struct */
    const struct db_field *fields;
    size_t nfields;
};

#define DB_MAP(T, fields)                                                                          \
    {                                                                                              \
        sizeof(T), (fields), sizeof(fields) / sizeof((fields)[0])                                  \
    }

/* Every row of the query as an array of map->size structs (*rows, *n; *rows
 * is NULL when there are none). Returns 0, or -1 with e set. */
int db_fetch(struct db *db, struct werr *e, const struct db_map *map, void *rows, size_t *n,
             const char *sql, int nparams, const char *const *params);
int db_fetchv(struct db *db, struct werr *e, const struct db_map *map, void *rows, size_t *n,
              const char *sql, int nparams, ...);

/* The first row into *row (zeroed first): 1 when there was one, 0 when
 * none, -1 with e set. */
int db_fetch1v(struct db *db, struct werr *e, const struct db_map *map, void *row, const char *sql,
               int nparams, ...);

/* The first column of the first row as a number: 1 found, 0 no row or
 * NULL (*out untouched), -1 with e set. */
int db_i64v(struct db *db, struct werr *e, int64_t *out, const char *sql, int nparams, ...);

/* Rows changed by a statement (INSERT/UPDATE/DELETE), or -1 with e set. */
int64_t db_changedv(struct db *db, struct werr *e, const char *sql, int nparams, ...);

/* Free what db_fetch allocated: one row's strings and JSON, or the whole
 * array (rows may be NULL). */
void db_row_free(const struct db_map *map, void *row);
void db_rows_free(const struct db_map *map, void *rows, size_t n);

/* The query's rows as JSON, each row an object keyed by column name
 * (integers and booleans as such, numeric as strings, json/jsonb parsed,
 * timestamps as ISO 8601, NULL as null): an array, the first row (NULL
 * when there is none, with e->status still 0), or two-column pairs
 * {"col0": col1 as an integer}. NULL with e set on failure. */
json_t *db_json_rowsv(struct db *db, struct werr *e, const char *sql, int nparams, ...);
json_t *db_json_firstv(struct db *db, struct werr *e, const char *sql, int nparams, ...);
json_t *db_json_pairsv(struct db *db, struct werr *e, const char *sql, int nparams, ...);

/* The first column of every row as a NULL-terminated array of malloc'd
 * strings (names a prompt completes from); NULL with e set on failure. */
char **db_stringsv(struct db *db, struct werr *e, const char *sql, int nparams, ...);

/* Fill db->role and db->group from the server (the highest wisp group held). */
int db_load_role(struct db *db, struct werr *e);

/* Refuse a database that is not migrated or is newer than this binary. */
int db_check_schema(struct db *db, struct werr *e);

/* Apply pending migrations, each in its own transaction; prints one line per
 * migration applied to out (may be NULL). Idempotent; serialised by an
 * advisory lock so two at once are safe. upto > 0 stops after that version
 * (staging an upgrade, or making a database of an older schema); a database
 * already past it is refused, nothing undone. 0: all. */
int db_migrate(struct db *db, FILE *out, int upto, struct werr *e);

/* Applied and pending migrations: as text to out (may be NULL), and as a
 * JSON array in *list (may be NULL; json_decref it). */
int db_migrate_status(struct db *db, FILE *out, json_t **list, struct werr *e);

/* Highest migration version compiled into this binary. */
int db_schema_version(void);

/* --- arrays as parameters (for set-based statements: = ANY, unnest) --------
 * A PostgreSQL array literal, malloc'd: text elements quoted (a NULL
 * element is SQL NULL), numbers as they are. */
char *db_text_array(const char *const *v, size_t n);
char *db_i64_array(const int64_t *v, size_t n);

/* True while db is open and its connection good. */
bool db_connected(const struct db *db);

/* Up to ms for a NOTIFY on a channel db LISTENs to (all pending consumed):
 * 1 when one came, 0 when none, -1 when the connection broke. */
int db_wait_notify(struct db *db, int ms);

#endif
