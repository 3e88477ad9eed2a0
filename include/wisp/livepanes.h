/*
 * livepanes.h - the Routers and Sessions panes' tables and details boxes.
 */
#ifndef WISP_LIVEPANES_H
#define WISP_LIVEPANES_H

#include <jansson.h>

#include "wisp/listpane.h"

void livepanes_init(struct listpane *routers, struct listpane *sessions);
void livepanes_router_detail(json_t *router);
void livepanes_session_detail(json_t *session);

#endif
