/*
 * radius_conf.h - the FreeRADIUS configuration `wisp radius config`
 * writes: a raddb directory of wisp's own (radiusd.conf, the sql module
 * with wisp's queries, the site, clients.conf with the routers' secrets)
 * that `freeradius -d DIR` runs. See docs/radius.md.
 */
#ifndef WISP_RADIUS_CONF_H
#define WISP_RADIUS_CONF_H

#include <stddef.h>

#include "wisp/db.h"
#include "wisp/err.h"
#include "wisp/util.h"

struct radius_conf_opts {
    const char *dir;
    const char *db_user;       /* the login role FreeRADIUS uses (a member of wisp_radius) */
    const char *db_password;   /* its password, or NULL (peer, trust, ~/.pgpass) */
    const char *const *listen; /* "ADDR:PORT" each: auth on PORT, accounting on PORT + 1 */
    size_t nlisten;
    int interim_s; /* Acct-Interim-Interval in every Access-Accept */
    int idle_s;    /* Idle-Timeout in every Access-Accept (0: none) */
};

/* A value in FreeRADIUS's configuration syntax into sb: single-quoted (no
 * ${...} expansion when the file is read, no %{...} when a request is),
 * each ' as \'. FreeRADIUS 3.2 takes every other backslash as itself, so a
 * value with a control character, or a backslash before a quote or at its
 * end, cannot be written: -1, sb unchanged. The one way a value reaches
 * those files. */
int frad_quote(struct sbuf *sb, const char *s);

/* "ADDR:PORT" ("*:1812", "127.0.0.1:21812", "[::1]:1812") into addr (""
 * for *) and port (1..65534: accounting takes the next one). */
int radius_listen_parse(const char *s, char *addr, size_t n, int *port, struct werr *e);

/* Write the directory (created 0750 if missing; a radiusd.conf there that
 * wisp did not write is refused), files with secrets 0600, the others 0640,
 * each replaced whole (rename). The database is the one db is connected
 * to. *nclients: the routers written to clients.conf. */
int radius_conf_write(struct db *db, const struct radius_conf_opts *o, size_t *nclients,
                      struct werr *e);

#endif
