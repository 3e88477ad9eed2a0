/*
 * sdnotify.h - telling systemd how a Type=notify service is doing, as
 * sd_notify(3) does, without libsystemd: one datagram to the unix socket
 * $NOTIFY_SOCKET names ("/path", or "@name" in the abstract namespace).
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing.
 */
#ifndef WISP_SDNOTIFY_H
#define WISP_SDNOTIFY_H

/* Send state ("READY=1", "WATCHDOG=1", "STATUS=...", several lines joined
 * by '\n'). 1 when sent, 0 when there is no NOTIFY_SOCKET, -1 when it could
 * not be sent (errno set); a failure is never fatal to the caller. */
int sdnotify(const char *state);

/* The watchdog's timeout in ms when systemd asked this process for pings
 * (WATCHDOG_USEC set and WATCHDOG_PID, when set, our pid), else 0. Ping at
 * half of it, as sd_watchdog_enabled(3) advises. */
long long sdnotify_watchdog_ms(void);

#endif
