/*
 * radius_nas.h - routers as RADIUS clients (NASes): their shared secrets
 * (table router_radius, migration 014), and the kicks sent to them as
 * Disconnect-Requests (RFC 5176) instead of over SSH. The one file with SQL
 * for router_radius.
 */
#ifndef WISP_RADIUS_NAS_H
#define WISP_RADIUS_NAS_H

#include <stddef.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* A router FreeRADIUS takes requests from. */
struct radius_client {
    char name[64];
    char host[254];
    char *secret; /* malloc'd; never printed or logged */
    int coa_port;
};

/* Make router a RADIUS client with this secret and DM port (admin; audited
 * without the secret). */
int radius_client_set(struct db *db, const char *router, const char *secret, int coa_port,
                      struct werr *e);

/* Every RADIUS client, by name (admin or worker: they read secrets). Free
 * with radius_clients_free. */
int radius_clients(struct db *db, struct radius_client **rows, size_t *n, struct werr *e);
void radius_clients_free(struct radius_client *rows, size_t n);

/* Queue a kick for every RADIUS session past its voucher's time, then send
 * every queued kick of a RADIUS session as a Disconnect-Request and record
 * the router's answer on its job (ACK: done, the session closed; NAK or no
 * answer: failed). Counts in *sent and *failed. timeout_ms per try, tries. */
int radius_kick_due(struct db *db, int timeout_ms, int tries, int *sent, int *failed,
                    struct werr *e);

#endif
