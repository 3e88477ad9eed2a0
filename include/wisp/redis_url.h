/*
 * redis_url.h - where Redis is: the URL of the `redis` setting, parsed into
 * a host and port or a unix socket, a password and a database number.
 */
#ifndef WISP_REDIS_URL_H
#define WISP_REDIS_URL_H

#include "wisp/err.h"

/* The forms redis_url_parse accepts, for help and error text. */
#define REDIS_URL_FORMS "redis://[[user]:password@]host[:port][/db] or unix:///path/to.sock[?db=N]"

/* A parsed redis target. */
struct redis_target {
    char *host; /* NULL for unix sockets */
    int port;   /* default 6379 */
    char *path; /* unix socket path, NULL for TCP */
    char *password;
    int db; /* default 0 */
};

/* Parse redis://[[user]:password@]host[:port][/db] (user ignored, password
 * percent-decoded, host may be [IPv6]) or unix:///path[?db=N][&password=PW]
 * (WISP_EUSAGE error saying the expected form, never quoting the URL). On
 * error t holds nothing to free. */
int redis_url_parse(const char *url, struct redis_target *t, struct werr *e);

/* Release what t holds, wiping the password; t is left empty (safe to free again). */
void redis_url_free(struct redis_target *t);

#endif
