/*
 * audit.c - the append-only audit log (see include/wisp/audit.h). No login
 * role may INSERT into audit: the database's functions write the rows for
 * what they do, and wisp_audit() records the few actions of wisp's own that
 * no function does yet (routers, sessions, orders), each only for the groups
 * that may do it. The server stamps who and when (trigger audit_stamp).
 */
#include <stdlib.h>

#include "wisp/audit.h"
#include "wisp/util.h"

int
audit_log(struct db *db, const char *action, json_t *details, struct werr *e)
{
    char *text;
    int rc;

    if (details == NULL)
        details = json_object();
    text = json_dumps(details, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(details);
    rc = db_execv(db, e, "SELECT wisp_audit($1, $2::jsonb)", 2, action, text);
    free(text);
    return rc;
}

json_t *
audit_list(struct db *db, int limit, struct werr *e)
{
    char lim[16];
    PGresult *r;

    snprintf(lim, sizeof lim, "%d", limit);
    r = db_queryv(db, e, "SELECT id, at, who, action, details FROM audit ORDER BY id DESC LIMIT $1",
                  1, lim);
    return db_rows_json(r);
}
