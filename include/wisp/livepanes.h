/*
 * livepanes.h - the Routers and Sessions panes' tables and details boxes.
 */
#ifndef WISP_LIVEPANES_H
#define WISP_LIVEPANES_H

#include <jansson.h>

#include "wisp/listpane.h"

void livepanes_init(struct listpane *routers, struct listpane *sessions);
void livepanes_router_detail(json_t *router);
/* The Orders pane: pin_text writes the PIN cell (masked until revealed). */
void livepanes_init_orders(struct listpane *orders,
                           void (*pin_text)(void *, json_t *, int, char *, size_t), void *ctx);
/* "3 pending  1 sent ..." on line y. */
void livepanes_order_counts(json_t *counts, int y, int w);
void livepanes_order_detail(json_t *order, const char *pin);
void livepanes_session_detail(json_t *session);

/* The Metrics pane from metrics_now() figures and the routers. */
void livepanes_metrics(json_t *metrics, json_t *routers, const char *currency, int y, int h);

#endif
