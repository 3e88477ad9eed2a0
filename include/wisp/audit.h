/*
 * audit.h - the audit log: who (the PostgreSQL role, set by the server), what,
 * when, and details as jsonb. Every mutating command writes one row inside its
 * own transaction, so the change and its record land together or not at all.
 */
#ifndef WISP_AUDIT_H
#define WISP_AUDIT_H

#include <stdio.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* Record action ("voucher.sell") with details (stolen; NULL = {}). */
int audit_log(struct db *db, const char *action, json_t *details, struct werr *e);

/* The newest `limit` rows, newest first, as a JSON array of objects with
 * id, at, who, action, details. */
json_t *audit_list(struct db *db, int limit, struct werr *e);

#endif
