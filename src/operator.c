/*
 * operator.c - operators as PostgreSQL roles (see include/wisp/operator.h).
 */
#include <stdlib.h>
#include <string.h>

#include "wisp/operator.h"
#include "wisp/util.h"

/* SCRAM verifier for password, made by libpq with the server's algorithm. */
static char *
verifier(struct db *db, const char *name, const char *password, struct werr *e)
{
    char *v = PQencryptPasswordConn(db->conn, password, name, NULL);

    if (v == NULL)
        werr_set(e, WISP_ERUNTIME, "cannot hash the password: %s", PQerrorMessage(db->conn));
    return v;
}

/* Call one of the schema's operator functions; each writes its own audit row. */
static int
call(struct db *db, const char *sql, int n, const char *const *params, struct werr *e)
{
    PGresult *r = db_query(db, e, sql, n, params);

    if (r == NULL)
        return -1;
    PQclear(r);
    return 0;
}

int
operator_add(struct db *db, const char *name, const char *role, const char *password,
             struct werr *e)
{
    char group[32], *v;
    const char *params[3];
    int rc;

    if (!str_eq(role, "admin") && !str_eq(role, "operator") && !str_eq(role, "viewer"))
        return werr_set(e, WISP_EUSAGE, "bad --role \"%s\": expected admin, operator or viewer",
                        role ? role : "");
    snprintf(group, sizeof group, "wisp_%s", role);
    if ((v = verifier(db, name, password, e)) == NULL)
        return -1;
    params[0] = name, params[1] = group, params[2] = v;
    rc = call(db, "SELECT wisp_operator_add($1, $2, $3)", 3, params, e);
    PQfreemem(v);
    return rc;
}

int
operator_passwd(struct db *db, const char *name, const char *password, struct werr *e)
{
    const char *params[2];
    char *v;
    int rc;

    if ((v = verifier(db, name, password, e)) == NULL)
        return -1;
    params[0] = name, params[1] = v;
    rc = call(db, "SELECT wisp_operator_passwd($1, $2)", 2, params, e);
    PQfreemem(v);
    return rc;
}

int
operator_remove(struct db *db, const char *name, struct werr *e)
{
    const char *params[1] = {name};

    return call(db, "SELECT wisp_operator_remove($1)", 1, params, e);
}

json_t *
operator_list(struct db *db, struct werr *e)
{
    PGresult *r = db_queryv(
        db, e,
        "SELECT r.rolname AS name, (array_agg(replace(g.rolname, 'wisp_', '') ORDER BY"
        "   array_position(ARRAY['wisp_admin', 'wisp_operator', 'wisp_viewer'], g.rolname::text)"
        "   ))[1] AS role,"
        " r.rolcanlogin AS can_login, r.rolvaliduntil AS valid_until"
        " FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid"
        " JOIN pg_roles g ON g.oid = m.roleid"
        " WHERE g.rolname IN ('wisp_admin', 'wisp_operator', 'wisp_viewer') AND r.rolcanlogin"
        " GROUP BY r.rolname, r.rolcanlogin, r.rolvaliduntil ORDER BY r.rolname",
        0);

    return db_rows_json(r);
}
