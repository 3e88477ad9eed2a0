/*
 * events.h - the Redis event channel `<redis.prefix>events`: every command
 * that changes data publishes a JSON message with at least "type" and "at";
 * the console subscribes and redraws what changed. PostgreSQL stays the
 * truth: with Redis absent or down, publishing is skipped and the console
 * falls back to polling.
 */
#ifndef WISP_EVENTS_H
#define WISP_EVENTS_H

#include <stdbool.h>

#include <hiredis.h>
#include <jansson.h>

#include "wisp/config.h"
#include "wisp/err.h"

/* Publish {"type": type, "at": now, ...details} (details stolen, may be NULL).
 * Returns 0 when published or when no Redis is configured, -1 with the reason
 * when Redis is configured but did not take it. Never waits more than ~0.5 s. */
int events_publish(const struct config *cfg, const char *type, json_t *details, struct werr *e);

/* Live state for dashboards: each member of hashes ({"router:r1": {...}})
 * becomes the Redis hash <prefix>KEY with those fields, replaced whole and
 * expiring after ttl_s. One connection, one pipeline. 0 when no Redis. */
int events_store(const struct config *cfg, json_t *hashes, int ttl_s, struct werr *e);

/* Delete <prefix>KEY. 0 when no Redis. */
int events_forget(const struct config *cfg, const char *key, struct werr *e);

/* Whether a Redis is configured (redis.url). */
bool events_enabled(const struct config *cfg);

/* A connection to the configured Redis, authenticated and on its database,
 * with 500 ms timeouts; NULL with the reason. The caller redisFree()s it. */
redisContext *events_redis(const struct config *cfg, struct werr *e);

struct events;

/* Subscribe on a thread of its own: on_event gets each message's text,
 * on_state whether the subscription is up (reconnecting with backoff while
 * down). NULL when no Redis is configured. */
struct events *events_subscribe(const struct config *cfg,
                                void (*on_event)(void *arg, const char *json),
                                void (*on_state)(void *arg, bool up), void *arg);

void events_stop(struct events *ev);

#endif
