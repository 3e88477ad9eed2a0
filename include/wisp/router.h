/*
 * router.h - the router registry: what wisp knows of each router, its SSH
 * credentials (the password apart, readable by admins and the worker only)
 * and its pinned host key. SQL lives here; talking to routers is driver.h.
 */
#ifndef WISP_ROUTER_H
#define WISP_ROUTER_H

#include <stdbool.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/driver.h"
#include "wisp/err.h"
#include "wisp/ssh.h"

/* Fields as typed; NULL = not given. "none" clears an optional field on edit. */
struct router_input {
    const char *host, *port, *user, *key, *driver, *hotspot_server, *backup, *login_url, *hostkey;
    const char *password; /* from --password-stdin */
    bool accept_new;      /* --accept-new-hostkey */
};

/* One router as the worker and `router test` need it. */
struct router_row {
    int id;
    char name[33];
    char driver[16];
    char host[254];
    int port;
    char user[65];
    char *password; /* NULL: key login (or not readable by this role) */
    char *key_path;
    char *hotspot_server;
    char *login_url;
    char hostkey[64]; /* "" = not pinned yet */
    bool accept_new;
    char state[20];
    int backup_id;
    int failures;
};

int router_add(struct db *db, const char *name, const struct router_input *in, struct werr *e);
int router_edit(struct db *db, const char *name, const struct router_input *in, struct werr *e);
int router_remove(struct db *db, const char *name, struct werr *e);
/* Maintenance on or off; off sends the router back to "unknown" until polled. */
int router_maintenance(struct db *db, const char *name, bool on, struct werr *e);
/* Ask the worker to poll this router and push what is pending at its next
 * cycle; full: push every voucher it should hold again (a resync job), for a
 * router that was reset or replaced. */
int router_request_sync(struct db *db, const char *name, bool full, struct werr *e);

/* Every router (name, driver, host, port, state, last_seen, last_error,
 * cpu_load, uptime_s, version, active_sessions and more; never a password). */
json_t *router_list(struct db *db, struct werr *e);
/* One router by name, as router_list's objects (plus backup, login_url...). */
json_t *router_show(struct db *db, const char *name, struct werr *e);

/* Every router's name, sorted, NULL-terminated (free each and the array);
 * NULL on error. */
char **router_names(struct db *db, struct werr *e);

/* The driver of router name into driver: 1 found, 0 no such router, -1 error. */
int router_driver(struct db *db, const char *name, char *driver, size_t n, struct werr *e);

/* Load one router (with its password when this role may read it). */
int router_load(struct db *db, const char *name, int id, struct router_row *r, struct werr *e);
void router_row_free(struct router_row *r);

/* Record a host key seen at first contact (wisp_router_pin_hostkey): only when
 * an admin set --accept-new-hostkey and no key is pinned; the same key again
 * changes nothing, another one is refused. Audited by the database. */
int router_pin_hostkey(struct db *db, int id, const char *fingerprint, struct werr *e);

/* Mark a router whose host key no longer matches the pinned one (state
 * hostkey-mismatch, why as its last error), as `router test` finds it. */
int router_hostkey_mismatch(struct db *db, int id, const char *why, struct werr *e);

/* SSH settings for r from the config's timeouts. */
void router_target(const struct router_row *r, const struct config *cfg, struct ssh_target *t);

/* The QR login URL template for vouchers on router r (driver, login_url), or
 * NULL to use the config's. */
const char *router_login_template(const char *driver, const char *login_url);

/* --- for the worker --- */

/* A router as a round starts: its row, and whether anything waits for it
 * besides the poll (so a round with nothing to do asks nothing more). */
struct router_round {
    struct router_row r;
    bool jobs;     /* router_jobs queued */
    bool removals; /* router_removals queued */
    bool expired;  /* expired vouchers it still holds */
    bool kicks;    /* open sessions of expired or disabled vouchers */
    /* Its push marks that are due (migration 011), as "seq,seq,...": a
     * change may have given it vouchers to push. NULL: none. */
    char *push_marks;
    /* A RADIUS router (a row in router_radius, migration 015): nothing is
     * pushed to it and its sessions are RADIUS accounting's, not the poll's. */
    bool radius;
    /* Its access marks (walled garden, bypass; migration 015), as
     * push_marks. NULL: none. */
    char *access_marks;
};

/* Load router id with its password (when this role may read it), the flags
 * and its push marks, in one statement. Free with router_round_free. */
int router_load_round(struct db *db, int id, struct router_round *rr, struct werr *e);
void router_round_free(struct router_round *rr);

/* The push marks a round read (rr->push_marks) dealt with: the push list
 * was empty or all of it was sent. Marks written since stay. */
int router_push_done(struct db *db, int id, const char *marks, struct werr *e);

/* `--auth local|radius` (admin): radius makes the router a RADIUS client
 * (router_radius, a new secret unless it has one; coa_port 0 = keep or
 * 3799), local ends that (wisp_router_auth, audited). */
int router_auth_set(struct db *db, const char *name, const char *auth, int coa_port,
                    struct werr *e);

/* The router could not be reached or failed (state "down" or
 * "hostkey-mismatch"): its backoff grows. Maintenance is left alone. */
int router_record_down(struct db *db, int id, const char *state, const char *error, struct werr *e);

/* A poll's health, the router up; sessions: its active sessions (-1 = not
 * known this round, error then says why). *was is the state before ("" when
 * the router is in maintenance and nothing was written). */
int router_record_health(struct db *db, int id, const struct rt_health *h, long long sessions,
                         const char *error, char *was, size_t wn, struct werr *e);

/* The router's last error, the rest left as it is. */
int router_record_error(struct db *db, int id, const char *error, struct werr *e);

/* A job queued for a router (kick, resync, remove). */
struct router_job {
    int64_t id;
    char kind[16];
    char *target; /* the user (a kick's: its session's) */
    char mac[18]; /* a kick's session's, "" when unknown */
};
int router_jobs_queued(struct db *db, int id, struct router_job **jobs, size_t *n, struct werr *e);
void router_jobs_free(struct router_job *jobs, size_t n);
int router_job_done(struct db *db, int64_t job, bool ok, const char *result, struct werr *e);

/* The removal queue (router_removals): names to take off router id. */
struct router_name {
    char *name;
};
int router_removals_list(struct db *db, int id, int limit, struct router_name **rows, size_t *n,
                         struct werr *e);
void router_names_free(struct router_name *rows, size_t n);
/* Names off the queue (removed, or held again). */
int router_removals_done(struct db *db, int id, const char *const *names, size_t n, struct werr *e);
/* Names onto the queue (vouchers deleted while they were pushed). */
int router_removals_queue(struct db *db, int id, const char *const *names, size_t n,
                          struct werr *e);
/* A removal round failed: every queued name's attempt counted. */
int router_removals_failed(struct db *db, int id, const char *error, struct werr *e);

/* --- leases (the workers table is fleet.h's) --- */

/* A router leased to a worker: ready unless backing off; sync: a poll was asked. */
struct router_lease {
    int id;
    bool ready;
    bool sync;
    int wait_ms; /* taken from another worker: until one interval after its last poll */
};
/* Routers not in maintenance. */
int router_count_active(struct db *db, struct werr *e);
/* Let go of owner's leases above share (and of routers in maintenance),
 * but not of the busy ones (a round in flight): their next owner would
 * poll them again at once. */
int router_leases_trim(struct db *db, const char *owner, int share, const int *busy, size_t nbusy,
                       struct werr *e);
/* Take or renew up to share leases for lease_s seconds (FOR UPDATE SKIP
 * LOCKED: two workers never take one router), clearing sync requests. */
int router_leases_take(struct db *db, const char *owner, int lease_s, int share, int interval_s,
                       struct router_lease **rows, size_t *n, struct werr *e);
/* Leases of workers that are no longer in the workers table. */
int router_leases_orphaned(struct db *db, struct werr *e);
/* owner's leases kept for lease_s more seconds (a long --once cycle). */
int router_leases_extend(struct db *db, const char *owner, int lease_s, struct werr *e);
/* All of owner's leases (it stops). */
int router_leases_release(struct db *db, const char *owner, struct werr *e);

#endif
