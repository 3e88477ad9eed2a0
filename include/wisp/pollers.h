/*
 * pollers.h - a thread per leased router, each asleep until its round is
 * due: every due router is waited on at once, so a cycle is bounded by the
 * slowest router and the CPU, never by a pool size. Threads have small
 * stacks (a round keeps its buffers on the heap) and share the round
 * environment's few database connections.
 */
#ifndef WISP_POLLERS_H
#define WISP_POLLERS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "wisp/round.h"
#include "wisp/router.h"

struct pollers;

/* Rounds run in env; each finished round logs its line and sets *fresh. */
struct pollers *pollers_new(const struct round_env *env, atomic_bool *fresh);

/* This tick's leases: each router marked leased and ready (due at once
 * when a sync was asked); a router no longer leased is forgotten (its
 * thread ended, its SSH session closed) once its round is over. */
void pollers_lease(struct pollers *p, const struct router_lease *l, size_t n);

/* Every leased, ready router that is due (all: due or not) starts its round;
 * it is due again one interval after this start. */
void pollers_dispatch(struct pollers *p, bool all);

/* The routers whose round is queued or running (malloc'd), their number in *n. */
int *pollers_busy(struct pollers *p, size_t *n);

/* True when no round is queued or running. */
bool pollers_idle(struct pollers *p);

/* The last round's state of each leased router into live, as
 * "router:NAME": {state, identity, ..., active_sessions} or {state, error}. */
void pollers_live(struct pollers *p, json_t *live);

/* Every thread told to quit and joined: a round in flight ends within
 * moments once env->stop is set; rounds not begun are skipped. */
void pollers_free(struct pollers *p);

#endif
