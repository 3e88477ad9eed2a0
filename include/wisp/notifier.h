/*
 * notifier.h - the worker's notification thread (docs/notifications.md):
 * it sends the messages 020's fan-out made from the outbox, on a database
 * connection of its own, woken by NOTIFY wisp_notify (or every second), so
 * a slow SMTP server or SMS provider never holds up a router or an order.
 * A message is claimed with a lease: a worker killed mid-send leaves it to
 * be claimed again when the lease ends. It also makes the daily summary at
 * notify.summary_hour, once per day (the database refuses a second).
 *
 * notifier_compose is the message itself, a pure function of the event, so
 * the unit tests read it without a database.
 */
#ifndef WISP_NOTIFIER_H
#define WISP_NOTIFIER_H

#include <signal.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/log.h"
#include "wisp/msgcat.h"
#include "wisp/util.h"

/* Seconds a claimed message is ours before another worker may take it:
 * a pass starts no send after NOTIFIER_SEND_BY_S, and a send takes at most
 * a channel's timeout_s (120 at most) and a moment to record, so a message
 * is never sent while its lease may have run out (020's record also checks
 * the lease holder). */
#define NOTIFIER_LEASE_S   240
#define NOTIFIER_SEND_BY_S 60

/* What a message says, for the event kind and its payload: with template
 * (a rule's own text, its {placeholders} the payload's keys, {code},
 * {url} and {shop}) or else the built-in text in the catalog's language.
 * code and url are the order's PIN and login link (NULL: none, or the
 * channel takes no link). Fills subject and text. */
void notifier_compose(const struct msgcat *cat, const char *shop, const char *kind,
                      const json_t *payload, const char *template, const char *code,
                      const char *url, struct sbuf *subject, struct sbuf *text);

struct notifier;

/* Start the thread (it speaks English in its log; messages in
 * cfg->shop_language), owner naming this worker in its leases; NULL when
 * it could not start (logged). It stands down (logged once) when the
 * database login is not a wisp_worker role. */
struct notifier *notifier_start(const struct config *cfg, const char *owner,
                                volatile sig_atomic_t *stop, struct logger *log);

/* Stop it (it sees *stop, or this) and wait for it. NULL is fine. */
void notifier_stop(struct notifier *n);

#endif
