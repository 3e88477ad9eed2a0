/*
 * webhook.h - webhooks: each outbox event (migration 019, docs/webhooks.md)
 * POSTed as JSON to the URLs that subscribe to its kind, signed with
 * HMAC-SHA256, retried on a schedule, every try recorded.
 *
 * The database makes the deliveries (a trigger, in the event's own
 * transaction) and holds their state; the worker's delivery thread
 * (webhook_runner) claims the due ones under a lease, sends them at once
 * through one libcurl multi handle, and records what each answer means
 * (webhook_judge). Nothing here blocks the worker's routers or orders, and a
 * worker killed mid-send loses nothing: its leases run out and the
 * deliveries are claimed again, with the same idempotency id.
 *
 * What the console shows (item 3 of issue 17): webhook_counts for the
 * header, webhook_deliveries(..., failed_only) for the list and
 * webhook_redeliver for the key that sends one again.
 */
#ifndef WISP_WEBHOOK_H
#define WISP_WEBHOOK_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/err.h"
#include "wisp/log.h"

#define WEBHOOK_REPLY_MAX  512 /* bytes of a reply kept with its attempt */
#define WEBHOOK_SECRET_MIN 16  /* a secret's length, printable ASCII */
#define WEBHOOK_SECRET_MAX 256
#define WEBHOOK_BATCH      32 /* deliveries claimed, and sent at once, per round */

/* --- the schedule (pure) ------------------------------------------------- */

/* How deliveries are tried (the webhooks.* config keys). */
struct webhook_policy {
    int timeout_s;     /* one request, connect included */
    int backoff_s;     /* the wait after the first failed try, doubling ... */
    int backoff_max_s; /* ... up to this */
    int max_attempts;  /* tries before a delivery is given up */
    int disable_after; /* deliveries given up in a row that disable a webhook */
};
void webhook_policy_from_config(const struct config *cfg, struct webhook_policy *p);

/* base_ms * 2^(attempt-1), at most max_ms: the wait after the attempt-th
 * failed try (attempt >= 1). The one backoff of webhooks and notifications. */
int64_t webhook_backoff_ms(int64_t base_ms, int64_t max_ms, int attempt);

enum webhook_outcome {
    WH_DELIVERED, /* a 2xx */
    WH_RETRY,     /* a network error, a timeout, a 5xx, 408 or 429, tries left */
    WH_DEAD,      /* another status (4xx, 3xx: redirects are not followed), or tries used up */
    WH_GONE,      /* 410 Gone: given up, and the webhook disabled */
};
/* What a try's answer means: http_status 0 when none came (transport
 * failed); attempt is this try's number, from 1. */
enum webhook_outcome webhook_judge(long http_status, int attempt, const struct webhook_policy *p);
/* "delivered", "retry", "dead", "gone" (as wisp_webhook_record takes them). */
const char *webhook_outcome_name(enum webhook_outcome o);

/* --- signing (pure) ------------------------------------------------------ */

/* The Wisp-Signature header's value, "t=<unix>,v1=<hex HMAC-SHA256 of
 * "<unix>.<body>" keyed with secret>", into out (at least 90 bytes). */
void webhook_sign(const char *secret, long long t, const char *body, size_t len, char *out,
                  size_t n);

/* A new secret from the kernel's CSPRNG: 64 hex digits into out (>= 65
 * bytes). 0, or -1 with e set. */
int webhook_secret_new(char *out, size_t n, struct werr *e);

/* A secret from the first line of a file that is its owner's alone:
 * malloc'd into *secret (explicit_bzero and free it). 0, or -1 with e set. */
int webhook_secret_read(const char *path, char **secret, struct werr *e);

/* --- the admin's verbs and what people read (the SQL is migration 019's) - */

/* url http(s), events comma-separated kinds or "*". *id gets the new id. */
int webhook_add(struct db *db, const char *url, const char *events, const char *secret, int *id,
                struct werr *e);
int webhook_set_active(struct db *db, int id, bool active, struct werr *e);
int webhook_remove(struct db *db, int id, struct werr *e);
/* Send it again now, same idempotency id, the schedule from the start. */
int webhook_redeliver(struct db *db, int64_t delivery, struct werr *e);

/* The webhooks, without their secrets: id, url, events, status,
 * disabled_reason, failures, waiting, retrying, dead, overdue (due for 5
 * minutes and not taken: no worker delivers), last_delivered. */
json_t *webhook_list(struct db *db, struct werr *e);
/* Deliveries, newest first: of one webhook (0: all), only the failed and
 * dead ones (failed_only), at most limit. Each: id, webhook_id, url,
 * event_id, kind, state, attempts, last_status, last_error, next_at,
 * created_at, delivered_at, idempotency_id. */
json_t *webhook_deliveries(struct db *db, int webhook, bool failed_only, int limit, struct werr *e);
/* One delivery's attempts, oldest first: at, http_status, duration_ms, error, reply. */
json_t *webhook_attempts(struct db *db, int64_t delivery, struct werr *e);

/* For a header: deliveries failed (to be tried again) and dead (given up),
 * webhooks disabled. */
struct webhook_counts {
    int64_t failed, dead, disabled;
};
int webhook_counts(struct db *db, struct webhook_counts *c, struct werr *e);

/* --- delivery ------------------------------------------------------------ */

/* One round: up to WEBHOOK_BATCH due deliveries claimed for owner, sent at
 * once, each recorded. *sent gets how many were tried. stop (may be NULL)
 * abandons the sends in flight (their leases run out). 0, or -1 with e set
 * (e's sqlstate 42501 when this role may not deliver). */
int webhook_deliver_round(struct db *db, const struct webhook_policy *p, const char *owner,
                          volatile sig_atomic_t *stop, struct logger *log, int *sent,
                          struct werr *e);

/* The worker's delivery thread: its own connection, LISTEN wisp_webhooks,
 * rounds while deliveries are due, else asleep until the next is due, a
 * NOTIFY or at most a second. Logs what is given up and what is disabled. */
struct webhook_runner {
    const struct config *cfg;
    volatile sig_atomic_t *stop; /* the worker's (may be NULL) */
    volatile sig_atomic_t halt;  /* set by webhook_runner_join */
    struct logger *log;
    char owner[96];
    pthread_t th;
    bool started;
};
void webhook_runner_start(struct webhook_runner *r);
/* Stopped (sends in flight abandoned, their leases run out) and joined. */
void webhook_runner_join(struct webhook_runner *r);

#endif
