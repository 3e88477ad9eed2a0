/*
 * db.h - the PostgreSQL connection: open with a clear error naming the target,
 * parameterised queries only, transactions, JSON rows, and the embedded
 * numbered migrations (src/schema/NNN_name.sql, see db_migrate).
 */
#ifndef WISP_DB_H
#define WISP_DB_H

#include <stdbool.h>
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
    char role[64];  /* session_user */
    char group[16]; /* admin, operator, viewer, worker or "" (see db_load_role) */
};

/* Connect with a libpq conninfo or URI (NULL or "" = libpq defaults: PGHOST,
 * PGDATABASE, ~/.pgpass, service files). On failure the message names the
 * target (socket or host, port, database; never a password) and how to set it. */
int db_open(struct db *db, const char *conninfo, struct werr *e);

/* True when the failure of the last db_open was PostgreSQL asking for a
 * password or refusing the role (the console then shows its login screen). */
bool db_open_needs_login(const struct werr *e);

void db_close(struct db *db);

/* Run sql with nparams text parameters (NULL = SQL NULL). Returns the result
 * (PQclear it) or NULL with the server's message in e. */
PGresult *db_query(struct db *db, struct werr *e, const char *sql, int nparams,
                   const char *const *params);

/* db_query with the parameters as variadic const char * arguments. */
PGresult *db_queryv(struct db *db, struct werr *e, const char *sql, int nparams, ...);

/* db_queryv for statements whose result is not needed. */
int db_execv(struct db *db, struct werr *e, const char *sql, int nparams, ...);

/* Transactions. db_rollback is safe to call when no transaction is open. */
int db_begin(struct db *db, struct werr *e);
int db_commit(struct db *db, struct werr *e);
void db_rollback(struct db *db);

/* Fill db->role and db->group from the server (the highest wisp group held). */
int db_load_role(struct db *db, struct werr *e);

/* Refuse a database that is not migrated or is newer than this binary. */
int db_check_schema(struct db *db, struct werr *e);

/* Apply pending migrations, each in its own transaction; prints one line per
 * migration applied to out (may be NULL). Idempotent; serialised by an
 * advisory lock so two at once are safe. */
int db_migrate(struct db *db, FILE *out, struct werr *e);

/* Applied and pending migrations, as text or JSON. */
int db_migrate_status(struct db *db, FILE *out, bool json, struct werr *e);

/* Highest migration version compiled into this binary. */
int db_schema_version(void);

/* Row `row` of r as a JSON object keyed by column name: integers and booleans
 * as such, numeric as strings, json/jsonb parsed, timestamps as ISO 8601,
 * NULL as null. */
json_t *db_row_json(const PGresult *r, int row);

/* Every row of r as a JSON array of db_row_json objects; clears r. NULL when
 * r is NULL (the query failed), so `return db_rows_json(db_queryv(...))` works. */
json_t *db_rows_json(PGresult *r);

/* Two-column rows as {"col0": col1 as an integer}; clears r; NULL when r is. */
json_t *db_pairs_json(PGresult *r);

/* The first row of r as db_row_json, or NULL when there is none; clears r. */
json_t *db_first_json(PGresult *r);

/* Quote a message from the server: the primary message, one line. */
const char *db_result_message(const PGresult *r);

#endif
