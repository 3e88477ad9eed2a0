/*
 * provider.h - order providers: HTTP JSON through libcurl (docs/providers.md).
 *
 *   POST {url}/orders  {"order_id","product","customer","extra"}
 *        header Idempotency-Key   -> {"reference","status"}
 *   GET  {url}/orders/{reference} -> {"status","pin","message"}
 *
 * and the schedule of status checks after a dispatch. The schedule is a pure
 * function of times, so tests check it with a clock of their own.
 */
#ifndef WISP_PROVIDER_H
#define WISP_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wisp/config.h"
#include "wisp/err.h"

/* A provider as its config entry says (struct config_provider, whose
 * defaults are in config.c's table), its token read. */
struct provider {
    char name[33];
    char url[512];
    char *token;        /* Authorization: Bearer, or NULL */
    int http_timeout_s; /* one request */
    int first_check_s;  /* first check after dispatch */
    int backoff_base_s; /* then base, 2 x base, 4 x base ... */
    int backoff_max_s;  /* ... capped at this */
    int max_checks;     /* at most this many checks */
    int timeout_s;      /* failed (timeout) this long after dispatch */
    int sweep_s;        /* re-check the oldest in flight this often */
};

/* The provider NAME from the config (its token read from the environment
 * variable or file it names). */
int provider_load(const struct config *cfg, const char *name, struct provider *p, struct werr *e);
void provider_free(struct provider *p);

/* What an HTTP exchange came to. */
enum provider_outcome {
    PROV_OK,       /* a valid answer */
    PROV_RETRY,    /* 5xx, timeout, refused, malformed JSON: try again later */
    PROV_REJECTED, /* 4xx: the provider said no (message in e) */
};

struct provider_reply {
    char reference[128];
    char status[16]; /* pending, processing, completed, failed */
    char pin[128];
    char message[256];
};

enum provider_outcome provider_dispatch(const struct provider *p, int64_t order_id,
                                        const char *product, const char *customer,
                                        const char *extra, const char *idempotency_key,
                                        struct provider_reply *r, struct werr *e);
enum provider_outcome provider_check(const struct provider *p, const char *reference,
                                     struct provider_reply *r, struct werr *e);

/* Judge a provider's answer: HTTP status code and body (len bytes, not
 * NUL-terminated; for a dispatch, a reference is required). A 4xx is
 * PROV_REJECTED, a 2xx with the JSON the protocol says PROV_OK (r filled),
 * anything else PROV_RETRY; e says why. */
enum provider_outcome provider_parse_reply(const struct provider *p, const char *what, long code,
                                           const char *body, size_t len, bool dispatch,
                                           struct provider_reply *r, struct werr *e);

/* After check number `checks` (0 = none yet) of an order sent at sent_at:
 * the time of the next check, or -1 when it must fail now (too many checks
 * or past the timeout). Times in seconds since the epoch. */
int64_t provider_next_check(const struct provider *p, int64_t sent_at, int checks, int64_t now);

/* Seconds to wait before dispatching again after `attempts` failed tries. */
int64_t provider_retry_delay(const struct provider *p, int attempts);

#endif
