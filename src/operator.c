/*
 * operator.c - operators as PostgreSQL roles (see include/wisp/operator.h).
 */
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/operator.h"
#include "wisp/util.h"

/* SCRAM verifier for password, made by libpq with the server's algorithm. */
static char *
verifier(struct db *db, const char *name, const char *password, struct werr *e)
{
    char *v = PQencryptPasswordConn(db->conn, password, name, NULL);

    if (v == NULL)
        werr_set(e, WISP_ERUNTIME, _("cannot hash the password: %s"), PQerrorMessage(db->conn));
    return v;
}

int
operator_add(struct db *db, const char *name, const char *role, const char *password,
             struct werr *e)
{
    char group[32], *v;
    int rc;

    if (!str_eq(role, "admin") && !str_eq(role, "operator") && !str_eq(role, "viewer"))
        return werr_set(e, WISP_EUSAGE, _("bad --role \"%s\": expected admin, operator or viewer"),
                        role ? role : "");
    snprintf(group, sizeof group, "wisp_%s", role);
    if ((v = verifier(db, name, password, e)) == NULL)
        return -1;
    /* the schema's operator functions each write their own audit row */
    rc = db_execv(db, e, "SELECT wisp_operator_add($1, $2, $3)", 3, name, group, v);
    PQfreemem(v);
    return rc;
}

int
operator_passwd(struct db *db, const char *name, const char *password, struct werr *e)
{
    char *v;
    int rc;

    if ((v = verifier(db, name, password, e)) == NULL)
        return -1;
    rc = db_execv(db, e, "SELECT wisp_operator_passwd($1, $2)", 2, name, v);
    PQfreemem(v);
    return rc;
}

int
operator_remove(struct db *db, const char *name, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_operator_remove($1)", 1, name);
}

json_t *
operator_list(struct db *db, struct werr *e)
{
    return db_json_rowsv(
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
}
