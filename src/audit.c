/*
 * audit.c - reading the append-only audit log (see include/wisp/audit.h).
 * No login role may write it: the database's functions write the row for
 * what they do in the same transaction, and the server stamps who and when.
 */
#include <stdlib.h>

#include "wisp/audit.h"
#include "wisp/util.h"

json_t *
audit_list(struct db *db, int limit, struct werr *e)
{
    char lim[16];

    snprintf(lim, sizeof lim, "%d", limit);
    return db_json_rowsv(
        db, e, "SELECT id, at, who, action, details FROM audit ORDER BY id DESC LIMIT $1", 1, lim);
}
