/*
 * dbpool.h - a few database connections shared by many threads. The
 * worker's router threads are many (one per router) and PostgreSQL's
 * connections are few (max_connections), so a thread checks a connection
 * out for each short database step and gives it back before it waits on a
 * router: an SSH wait never holds a connection.
 */
#ifndef WISP_DBPOOL_H
#define WISP_DBPOOL_H

#include "wisp/db.h"
#include "wisp/err.h"

struct dbpool;

/* size connections to conninfo, opened when first needed. */
struct dbpool *dbpool_new(const char *conninfo, int size);

/* A connection for this thread alone until dbpool_put; waits while all are
 * out. NULL (e set) when PostgreSQL cannot be reached. */
struct db *dbpool_get(struct dbpool *p, struct werr *e);

/* Give it back; a connection that broke is closed and opened again later. */
void dbpool_put(struct dbpool *p, struct db *db);

/* Close them all (none may be out). */
void dbpool_free(struct dbpool *p);

#endif
