/*
 * audit.h - the audit log: who (the PostgreSQL role, set by the server), what,
 * when, and details as jsonb. The database's functions (docs/schema.md) write
 * one row for every change they make, in the same transaction, so the change
 * and its record land together or not at all; wisp only reads it.
 */
#ifndef WISP_AUDIT_H
#define WISP_AUDIT_H

#include <stdio.h>

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* The newest `limit` rows, newest first, as a JSON array of objects with
 * id, at, who, action, details. */
json_t *audit_list(struct db *db, int limit, struct werr *e);

#endif
