/*
 * login.h - the console's sign-in screen, shown when the connection settings
 * carry no usable credentials: operator name, then password (not echoed),
 * tried against PostgreSQL itself. Three failures and the console exits.
 */
#ifndef WISP_LOGIN_H
#define WISP_LOGIN_H

#include "wisp/config.h"
#include "wisp/err.h"

/* With curses already up: ask until PostgreSQL accepts (then cfg->db holds
 * the working connection settings) or three attempts failed (-1 with the
 * last reason). first_error is why the settings alone did not work.
 * sig_fd is the read end of the console's signal pipe (one byte per signal):
 * a signal other than SIGWINCH, or the terminal going away, gives up. */
int login_screen(struct config *cfg, const char *first_error, int sig_fd, struct werr *e);

#endif
