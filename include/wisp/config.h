/*
 * config.h - wisp's settings, declared once in an options table (config.c)
 * with type, default, check and help, like tmux's options-table.c.
 *
 * Sources, later wins: defaults, the config file ($XDG_CONFIG_HOME/wisp/
 * config.json, ~/.config/wisp/config.json when XDG_CONFIG_HOME is unset, or
 * --config FILE), the environment (WISP_DB, WISP_REDIS, WISP_THEME and
 * WISP_<KEY> with dots as underscores, e.g. WISP_SHOP_NAME), then flags.
 *
 * The file is JSON; keys may be nested objects ({"shop": {"name": "x"}}) or
 * dotted ({"shop.name": "x"}), and null restores a key's default. An unknown
 * key or a bad value is an error that names the file (or variable, or flag),
 * the key and what was expected. A source that fails changes nothing.
 */
#ifndef WISP_CONFIG_H
#define WISP_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "wisp/err.h"

struct config {
    char *db;        /* db: libpq conninfo or URI; NULL = libpq defaults (PG* env, service files) */
    char *redis;     /* redis: redis://[:pw@]host[:port][/db] or unix:///path[?db=N]; NULL = none */
    char *shop_name; /* shop.name */
    char *currency;  /* currency, e.g. "USD" */
    char *login_url; /* login_url template with {user} and {pass} */
    char *redis_prefix;        /* redis.prefix, default "wisp:" */
    char *theme;               /* theme name */
    char *qr_ecc;              /* qr.ecc: L, M, Q or H (default M) */
    char *worker_interval;     /* worker.interval: seconds, default 10 */
    char *worker_embedded;     /* worker.embedded: auto, on, off */
    char *ssh_connect_timeout; /* ssh.connect_timeout: seconds, default 5 */
    char *ssh_command_timeout; /* ssh.command_timeout: seconds, default 15 */
    char *file;                /* the config file that was read, or NULL */
    json_t *providers;         /* "providers": {"NAME": {"url": ...}} from the file, or NULL */
};

/* Fill cfg with defaults. */
void config_init(struct config *cfg);

/* Read a config file into cfg. path NULL means the default location, which may
 * be absent; an explicit path must exist. */
int config_load_file(struct config *cfg, const char *path, struct werr *e);

/* Apply WISP_* environment variables. */
int config_load_env(struct config *cfg, struct werr *e);

/* Set one key from a string; origin names where it came from for errors
 * ("--db", "WISP_DB", "/etc/x.json"). value NULL restores the default; ""
 * unsets a key that is unset by default (db, redis). */
int config_set(struct config *cfg, const char *key, const char *value, const char *origin,
               struct werr *e);

/* The value of key (NULL when unset or not a key). */
const char *config_get(const struct config *cfg, const char *key);

/* Print the effective settings, one "key = value" per line (or a JSON object),
 * with secrets (passwords in db/redis) masked as "****". */
void config_show(const struct config *cfg, FILE *out, bool json);

/* Print every key with its environment variable, default and help text. */
void config_help(FILE *out);

/* Release everything cfg owns. */
void config_free(struct config *cfg);

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
 * (WISP_EUSAGE error saying the expected form, never quoting the URL). */
int config_parse_redis_url(const char *url, struct redis_target *t, struct werr *e);
void config_redis_target_free(struct redis_target *t);

/* Copy of s with any password in a libpq conninfo/URI or redis URL replaced by "****"
 * (password= and sslpassword= keywords or query parameters, URI userinfo, also
 * nested as dbname='postgresql://...'). */
char *config_mask_secret(const char *s);

#endif
