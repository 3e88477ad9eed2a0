/*
 * radius_nas.h - routers as RADIUS clients (NASes): their shared secrets
 * (table router_radius, migration 014), and the kicks sent to them as
 * Disconnect-Requests (RFC 5176) instead of over SSH. The one file with SQL
 * for router_radius.
 */
#ifndef WISP_RADIUS_NAS_H
#define WISP_RADIUS_NAS_H

#include <signal.h>
#include <stdbool.h>
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

/* Make name the login role FreeRADIUS connects as (LOGIN, IN ROLE
 * wisp_radius), or change its password when it is one already (admin;
 * audited without the password, which only reaches the server as a SCRAM
 * verifier). *created says which. */
int radius_role_set(struct db *db, const char *name, const char *password, bool *created,
                    struct werr *e);

/* Every RADIUS client, by name (admin or worker: they read secrets). Free
 * with radius_clients_free. */
int radius_clients(struct db *db, struct radius_client **rows, size_t *n, struct werr *e);
void radius_clients_free(struct radius_client *rows, size_t n);

/* How radius_kick_send sends. */
struct radius_kick_opts {
    int timeout_ms, tries;       /* per try; tries per request */
    int limit;                   /* at most this many kicks (0: 100) */
    volatile sig_atomic_t *stop; /* set: stop waiting, put the rest back (or NULL) */
};

/* Queue a kick for every RADIUS session past its voucher's time (and the
 * subscribers' that must go), claim up to o->limit queued kicks of RADIUS
 * sessions with a lease (committed at once: no transaction stays open
 * while routers answer), send them all at once as Disconnect-Requests, and
 * record each router's answer on its job (ACK: done, the session closed;
 * NAK or no answer: failed; stopped: back in the queue). Counts in *sent
 * and *failed. */
int radius_kick_send(struct db *db, const struct radius_kick_opts *o, int *sent, int *failed,
                     struct werr *e);

/* One sample of every RADIUS router into the 5-minute history
 * (metric_rollups): its open RADIUS sessions, their rates, and the bytes
 * accounting recorded since the last sample (worker or admin). */
int radius_rollup(struct db *db, struct werr *e);

/* radius_kick_send of up to 1000 kicks, without a stop flag. */
int radius_kick_due(struct db *db, int timeout_ms, int tries, int *sent, int *failed,
                    struct werr *e);

#endif
