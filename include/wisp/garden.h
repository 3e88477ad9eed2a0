/*
 * garden.h - the walled garden and bypassed devices (table access_rules,
 * migration 015): hosts every router (or one) lets through without a login,
 * and devices by MAC let through (bypass) or refused (block). Admins write
 * them through the database's functions, which audit; the worker makes each
 * router's entries match in its round when the router has access marks.
 * The one file with SQL for access_rules and router_access_marks.
 */
#ifndef WISP_GARDEN_H
#define WISP_GARDEN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/driver.h"
#include "wisp/err.h"

/* A host RouterOS's walled-garden dst-host takes as wisp writes it: 1 to
 * 253 of letters, digits, . - _ and the * wildcard, starting with a letter,
 * a digit or *. Nothing that would need quoting anywhere. */
bool garden_host_ok(const char *host);

/* Add a rule (admin): kind "garden" (value a host), "bypass" or "block"
 * (value a MAC in any common spelling, stored as AA:BB:CC:00:11:22);
 * router NULL: every router. Bad input is refused here, one line. */
int garden_add(struct db *db, const char *kind, const char *value, const char *router,
               struct werr *e);
/* Remove one (admin): a garden host (garden true) or a device's bypass or
 * block rule. */
int garden_remove(struct db *db, bool garden, const char *value, const char *router,
                  struct werr *e);
/* The rules (garden true: hosts; false: devices), router NULL: all of
 * them, else those reaching it. Objects {kind, value, router (null: all),
 * created_by, created_at}. */
json_t *garden_list(struct db *db, bool garden, const char *router, struct werr *e);

/* --- for the worker --- */

/* What router id should hold, by its driver (openNDS: bypassed MACs only). */
int access_for_router(struct db *db, int id, struct rt_access **rows, size_t *n, struct werr *e);
/* The access marks a round read dealt with. */
int access_marks_done(struct db *db, int id, const char *marks, struct werr *e);

#endif
