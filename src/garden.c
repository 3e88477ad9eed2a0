/*
 * garden.c - the walled garden and bypassed devices (see
 * include/wisp/garden.h). Writes are calls of the database's functions
 * (src/schema/015_router_auth_garden.sql), which check the caller, write,
 * audit and mark the routers to update in one transaction.
 */
#include <stdio.h>
#include <string.h>

#include "wisp/garden.h"
#include "wisp/i18n.h"
#include "wisp/quote.h"
#include "wisp/util.h"

bool
garden_host_ok(const char *host)
{
    size_t n = strlen(host);

    return n >= 1 && n <= 253 &&
           strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.*_-") ==
               n &&
           !strchr("._-", host[0]);
}

/* value checked and, for a MAC, written as wisp stores it into out. */
static int
check_value(bool garden, const char *value, char *out, size_t on, struct werr *e)
{
    char q[120];

    if (garden) {
        if (!garden_host_ok(value))
            return werr_set(e, WISP_EUSAGE,
                            _("bad host %s: 1-253 letters, digits, . - _ and * (a host name "
                              "such as pay.example.com or *.example.com)"),
                            str_quote(value, 60, q, sizeof q));
        snprintf(out, on, "%s", value);
        return 0;
    }
    if (on < 18 || !mac_normalize(value, out))
        return werr_set(e, WISP_EUSAGE,
                        _("bad MAC address %s: six hex pairs, such as AA:BB:CC:00:11:22"),
                        str_quote(value, 60, q, sizeof q));
    return 0;
}

int
garden_add(struct db *db, const char *kind, const char *value, const char *router, struct werr *e)
{
    char v[254];

    if (check_value(str_eq(kind, "garden"), value, v, sizeof v, e) < 0)
        return -1;
    return db_execv(db, e, "SELECT wisp_access_add($1, $2, $3)", 3, kind, v, router);
}

int
garden_remove(struct db *db, bool garden, const char *value, const char *router, struct werr *e)
{
    char v[254];

    if (check_value(garden, value, v, sizeof v, e) < 0)
        return -1;
    return db_execv(db, e, "SELECT wisp_access_remove($1::text[], $2, $3)", 3,
                    garden ? "{garden}" : "{bypass,block}", v, router);
}

json_t *
garden_list(struct db *db, bool garden, const char *router, struct werr *e)
{
    return db_json_rowsv(db, e,
                         "SELECT a.kind, a.value, r.name AS router, a.created_by, a.created_at"
                         " FROM access_rules a LEFT JOIN routers r ON r.id = a.router_id"
                         " WHERE (a.kind = 'garden') = $1::boolean"
                         "   AND ($2::text IS NULL OR a.router_id IS NULL OR r.name = $2)"
                         " ORDER BY r.name NULLS FIRST, a.kind, a.value",
                         2, garden ? "true" : "false", router);
}

static const struct db_field access_fields[] = {
    DB_COL(struct rt_access, kind, DB_BUF),
    DB_COL(struct rt_access, value, DB_BUF),
};
static const struct db_map access_map = DB_MAP(struct rt_access, access_fields);

int
access_for_router(struct db *db, int id, struct rt_access **rows, size_t *n, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    /* one rule per kind and value: for every router and for this one is one entry */
    return db_fetchv(db, e, &access_map, rows, n,
                     "SELECT DISTINCT a.kind, a.value FROM access_rules a JOIN routers r"
                     "   ON r.id = $1::int AND (a.router_id IS NULL OR a.router_id = r.id)"
                     " WHERE r.driver <> 'opennds' OR a.kind = 'bypass'"
                     " ORDER BY a.kind, a.value",
                     1, ids);
}

int
access_marks_done(struct db *db, int id, const char *marks, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e,
                    "DELETE FROM router_access_marks WHERE router_id = $1"
                    " AND seq = ANY (string_to_array($2, ',')::bigint[])",
                    2, ids, marks);
}
