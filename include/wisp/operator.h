/*
 * operator.h - operators are PostgreSQL LOGIN roles in one of the groups
 * wisp_admin, wisp_operator or wisp_viewer. The SECURITY DEFINER functions of
 * the schema create, re-password and drop them; the password is turned into a
 * SCRAM verifier on the client (PQencryptPasswordConn), so it never crosses
 * the wire or reaches a server log in clear text.
 */
#ifndef WISP_OPERATOR_H
#define WISP_OPERATOR_H

#include <jansson.h>

#include "wisp/db.h"
#include "wisp/err.h"

/* role is "admin", "operator" or "viewer". Audited (by the schema function). */
int operator_add(struct db *db, const char *name, const char *role, const char *password,
                 struct werr *e);

/* Change a password: admins for anyone, everyone for themselves. Audited. */
int operator_passwd(struct db *db, const char *name, const char *password, struct werr *e);

/* Drop an operator's role (admin). Audited. */
int operator_remove(struct db *db, const char *name, struct werr *e);

/* JSON array of {name, role, can_login, valid_until}. */
json_t *operator_list(struct db *db, struct werr *e);

#endif
