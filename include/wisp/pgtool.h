/*
 * pgtool.h - PostgreSQL's client programs (pg_dump, pg_restore) run for
 * wisp, connected as a wisp connection is, without a shell and without the
 * password on their command line.
 */
#ifndef WISP_PGTOOL_H
#define WISP_PGTOOL_H

#include <libpq-fe.h>

#include "wisp/err.h"

/* Run the program name with args (NULL-terminated, after the program's
 * name) connected as conn is: conn's settings (PQconninfo) in the child's
 * environment (PGHOST, PGDATABASE, PGPASSWORD, ...), stdin and stdout
 * /dev/null, files it creates mode 0600. The program is the one of the
 * server's major version (Debian's /usr/lib/postgresql/N/bin) or the one
 * on PATH when that is not older than the server. 0, or -1 with e: "NAME
 * failed: " and its first error line, the password masked. The tool runs
 * in a process group of its own; a stop signal meanwhile ends that group
 * (see pgtool_catch) and fails with "interrupted by SIGTERM; NAME was
 * stopped". */
int pgtool_run(PGconn *conn, const char *name, const char *const *args, struct werr *e);

/* Between pgtool_catch() and pgtool_release() (they nest), SIGTERM, SIGINT
 * and SIGHUP do not end wisp: they are recorded, a pgtool_run under way
 * ends its tool's process group and fails ("interrupted by SIGTERM; pg_dump
 * was stopped"), a later one does not start, and the caller, seeing
 * pgtool_stopped(), undoes what it began (files, scratch databases) and
 * returns its error. The dispositions before are restored by the last
 * release. */
void pgtool_catch(void);
void pgtool_release(void);

/* 0, or -1 with e ("interrupted by SIGTERM") once a stop signal arrived
 * since pgtool_catch(). */
int pgtool_stopped(struct werr *e);

#endif
