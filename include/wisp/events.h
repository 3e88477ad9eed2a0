/*
 * events.h - the Redis event channel `<redis.prefix>events`: every command
 * that changes data publishes a JSON message with at least "type" and "at";
 * the console subscribes and redraws what changed. PostgreSQL stays the
 * truth: with Redis absent or down, publishing is skipped and the console
 * falls back to polling.
 *
 * A process holds at most two Redis connections: one for commands
 * (publishing, live state, the metrics path), shared by all its threads
 * (events_acquire), and, in a process that subscribes (the console), the
 * subscriber's own, since a subscribed connection can run no other command.
 */
#ifndef WISP_EVENTS_H
#define WISP_EVENTS_H

#include <stdbool.h>

#include <hiredis.h>
#include <jansson.h>

#include "wisp/config.h"
#include "wisp/err.h"

/* Publish {"type": type, "at": now, ...details} (details stolen, may be NULL)
 * on <prefix>events. The message is queued for the process's publisher
 * thread and this returns at once, whatever Redis does: 0 when queued or
 * when no Redis is configured, -1 with the reason when it was dropped
 * (Redis known to be down, or the queue full). Queued events go out before
 * events_close() returns. */
int events_publish(const struct config *cfg, const char *type, json_t *details, struct werr *e);

/* events_publish where a dropped event is no error: PostgreSQL has the
 * truth and Redis may be away (the worker's events). */
void events_emit(const struct config *cfg, const char *type, json_t *details);

/* Live state for dashboards: each member of hashes ({"router:r1": {...}})
 * becomes the Redis hash <prefix>KEY with those fields, replaced whole and
 * expiring after ttl_s. One pipeline. 0 when no Redis; while Redis is
 * down, -1 with the reason once per outage and 0 after (see events_acquire). */
int events_store(const struct config *cfg, json_t *hashes, int ttl_s, struct werr *e);

/* Delete <prefix>KEY. 0 when no Redis; errors as events_store. */
int events_forget(const struct config *cfg, const char *key, struct werr *e);

/* Whether a Redis is configured (redis.url). */
bool events_enabled(const struct config *cfg);

/* Take the process's one Redis connection for commands, opened on first
 * use (authenticated, on its database, 500 ms timeouts), locked for the
 * caller until events_release(). 1 with *c; 0 when no Redis is configured;
 * -1 with the reason when Redis is down. While it stays down the answer
 * comes at once: no new connect before a back-off (1 s, doubling to 8 s)
 * has passed. A caller that only logs its failures passes once=true: it
 * gets -1 once per outage and 0 (nothing done, nothing to say) after, so
 * its log has one line per outage. */
int events_acquire(const struct config *cfg, bool once, redisContext **c, struct werr *e);

/* Give the connection back. One that broke (c->err: Redis went away or
 * timed out) is closed, and a later events_acquire connects again; the
 * caller's error in e (may be NULL) then becomes the outage's one line,
 * "...; Redis is down: ...", as events_acquire would have said it. */
void events_release(redisContext *c, struct werr *e);

/* At the process's end (main): send what is queued (dropped at once if
 * Redis is down), stop the publisher thread, close the connection. */
void events_close(void);

struct events;

/* Subscribe on a thread of its own, over a connection of its own (the one
 * second connection a process may hold): on_event gets each message's
 * text, on_state whether the subscription is up (reconnecting with backoff
 * while down). NULL when no Redis is configured. */
struct events *events_subscribe(const struct config *cfg,
                                void (*on_event)(void *arg, const char *json),
                                void (*on_state)(void *arg, bool up), void *arg);

void events_stop(struct events *ev);

#endif
