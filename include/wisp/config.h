/*
 * config.h - wisp's settings, declared once in an options table (config.c)
 * with type, default, range or check and help, like tmux's options-table.c.
 *
 * Sources, later wins: defaults, the config file ($XDG_CONFIG_HOME/wisp/
 * config.json, ~/.config/wisp/config.json when XDG_CONFIG_HOME is unset, or
 * --config FILE), the environment (WISP_DB, WISP_REDIS, WISP_THEME and
 * WISP_<KEY> with dots as underscores, e.g. WISP_SHOP_NAME), then flags.
 *
 * The file is JSON; keys may be nested objects ({"shop": {"name": "x"}}) or
 * dotted ({"shop.name": "x"}), and null restores a key's default. Every value
 * is parsed into its type in struct config when its source is read, so the
 * code that uses a setting reads a field and never parses or defaults it.
 * An unknown key or a bad value is an error that names the file and line
 * (or the variable, or the flag), the key and what was expected. A source
 * that fails changes nothing.
 */
#ifndef WISP_CONFIG_H
#define WISP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "wisp/err.h"

/* worker.embedded: does the console run a worker thread? */
enum config_embedded {
    EMBEDDED_AUTO, /* when it is an admin's and no worker is seen */
    EMBEDDED_ON,   /* when it is an admin's, whatever runs elsewhere */
    EMBEDDED_OFF,
};

/* One order provider: "providers": {"NAME": {...}} (docs/providers.md). */
struct config_provider {
    char *name;
    char *url;          /* http:// or https:// */
    char *token_env;    /* the variable holding its bearer token, or NULL */
    char *token_file;   /* or the file whose first line it is, or NULL */
    int http_timeout_s; /* one request's deadline */
    int first_check_s;  /* the first status check after a dispatch */
    int backoff_base_s; /* then checks this far apart, doubling ... */
    int backoff_max_s;  /* ... up to this */
    int max_checks;     /* scheduled checks at most */
    int timeout_s;      /* failed (timeout) this long after dispatch */
    int sweep_s;        /* how often the oldest orders in flight are checked again */
};

struct config {
    char *db;        /* db: libpq conninfo or URI; NULL = libpq defaults (PG* env, service files) */
    char *redis;     /* redis: a URL (redis_url.h), checked; NULL = none */
    char *shop_name; /* shop.name */
    char *currency;  /* currency, e.g. "USD" */
    char *money_format;                   /* money.format: "{currency} {amount}" (locfmt.h) */
    int money_decimals;                   /* money.decimals: digits after the decimal point, 0..3 */
    char *login_url;                      /* login_url template with {user} and {pass} */
    char *redis_prefix;                   /* redis.prefix */
    char *theme;                          /* theme name */
    int qr_ecc;                           /* qr.ecc: 'L', 'M', 'Q' or 'H', as qr_encode takes it */
    int worker_interval;                  /* worker.interval, seconds; 0 = back to back */
    enum config_embedded worker_embedded; /* worker.embedded */
    int ssh_connect_timeout;              /* ssh.connect_timeout, seconds */
    int ssh_command_timeout;              /* ssh.command_timeout, seconds */
    char *backup_dir;                     /* backup.dir, or NULL: see backup_dir() */
    int backup_max_age;                   /* backup.max_age, seconds: `wisp doctor` fails past it */
    int webhook_timeout;                  /* webhooks.timeout, s: one delivery's request */
    int webhook_backoff;                  /* webhooks.backoff, s: after the first failed try */
    int webhook_backoff_max;              /* webhooks.max_wait, s: the longest wait */
    int webhook_max_attempts;             /* webhooks.attempts: tries before giving up */
    int webhook_disable_after;            /* webhooks.disable_at: give-ups that disable */
    char *shop_language;                  /* shop.language: customers' messages ("" English) */
    int notify_summary_hour;              /* notify.summary_hour: the daily summary's hour */
    char *notify_token_dir;               /* notify.token_dir: where channels' token files are */
    int outbox_keep;                      /* outbox.keep, s: how long finished events are kept */
    char *file;                           /* the config file that was read, or NULL */
    struct config_provider *providers;    /* from the file, in its order */
    size_t nproviders;
};

/* Fill cfg with the defaults. */
void config_init(struct config *cfg);

/* Read a config file into cfg. path NULL means the default location, which may
 * be absent; an explicit path must exist. */
int config_load_file(struct config *cfg, const char *path, struct werr *e);

/* Apply WISP_* environment variables. */
int config_load_env(struct config *cfg, struct werr *e);

/* Set one key from text, as a person writes it ("90s" for a duration);
 * origin names where it came from for errors ("--db", "WISP_DB"). value NULL
 * restores the default; "" unsets a key that is unset by default (db, redis). */
int config_set(struct config *cfg, const char *key, const char *value, const char *origin,
               struct werr *e);

/* The value of key as JSON - a string, an integer (durations in seconds) or
 * null when unset - unmasked; NULL when key is no key. json_decref it. */
json_t *config_get(const struct config *cfg, const char *key);

/* The provider NAME, or NULL when the config has none of that name. */
const struct config_provider *config_provider(const struct config *cfg, const char *name);

/* Print the effective settings, one "key = value" per line (durations as
 * "1m30s"), or a JSON object of typed values (durations in seconds), with
 * secrets (passwords in db/redis) masked as "****". */
void config_show(const struct config *cfg, FILE *out, bool json);

/* The effective settings as config_show's JSON object (secrets masked). */
json_t *config_json(const struct config *cfg);

/* Print every key with its environment variable, default and help text. */
void config_help(FILE *out);

/* Release everything cfg owns. */
void config_free(struct config *cfg);

#endif
