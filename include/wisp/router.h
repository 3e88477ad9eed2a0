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

#endif
