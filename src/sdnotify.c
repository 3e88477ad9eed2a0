/*
 * sdnotify.c - sd_notify(3) in a few lines (see include/wisp/sdnotify.h).
 * The protocol is one datagram of "KEY=VALUE" lines to $NOTIFY_SOCKET;
 * systemd learns the sender's pid from the socket's credentials, so
 * nothing else is needed. No libsystemd: one less library on a router box.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "wisp/sdnotify.h"
#include "wisp/util.h"

int
sdnotify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len;
    socklen_t salen;
    ssize_t sent;
    int fd, saved;

    if (!path || !*path)
        return 0;
    len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
        errno = EINVAL;
        return -1;
    }
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@') { /* abstract: a leading NUL, and no NUL counted at the end */
        sa.sun_path[0] = '\0';
        salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    } else {
        salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    }
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
        return -1;
    /* never blocks: a full queue loses this message, not the worker's loop */
    sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL | MSG_DONTWAIT, (struct sockaddr *)&sa,
                  salen);
    saved = errno;
    close(fd);
    errno = saved;
    return sent == (ssize_t)strlen(state) ? 1 : -1;
}

long long
sdnotify_watchdog_ms(void)
{
    const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
    int64_t us, p;

    if (str_to_i64(usec, 1, INT64_MAX, &us) < 0)
        return 0;
    /* set by systemd for the main process; a child that inherited it is not asked */
    if (pid && (str_to_i64(pid, 1, INT64_MAX, &p) < 0 || p != (int64_t)getpid()))
        return 0;
    return us / 1000 > 0 ? us / 1000 : 1;
}
