/*
 * doctor.h - `wisp doctor`: is this installation sound? One check per
 * line: the configuration, the database and its schema, the roles, Redis,
 * each router's reachability and pinned host key, the providers' tokens,
 * the permissions of key and config files, the age of the newest backup.
 */
#ifndef WISP_DOCTOR_H
#define WISP_DOCTOR_H

#include <jansson.h>

#include "wisp/config.h"

/* Run every check. Returns an array of {"check", "status" ("ok", "warn",
 * "fail"), "detail"} in a fixed order, routers one entry each; never a
 * secret in a detail. Routers are checked in parallel, all within about
 * ssh.connect_timeout (at most 5 s) and a few seconds more, however many. */
json_t *doctor_run(const struct config *cfg);

#endif
