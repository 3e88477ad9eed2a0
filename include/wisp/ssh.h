/*
 * ssh.h - one SSH connection to a router: non-blocking libssh2 with deadlines,
 * the host key pinned by its SHA256 fingerprint, password or key login, and
 * commands run over exec channels on a session kept open between them.
 */
#ifndef WISP_SSH_H
#define WISP_SSH_H

#include <signal.h>
#include <stdbool.h>

#include "wisp/err.h"
#include "wisp/util.h"

/* Why a connection or command failed. */
enum ssh_fail {
    SSH_OK = 0,
    SSH_ECONNECT, /* name lookup, refused, unreachable, connect deadline */
    SSH_EHOSTKEY, /* the server's key is not the pinned one */
    SSH_EAUTH,    /* login refused */
    SSH_ETIMEOUT, /* a command ran past its deadline */
    SSH_EBROKEN,  /* the session died under a command */
};

struct ssh_target {
    const char *host;
    int port;
    const char *user;
    const char *password; /* NULL: log in with key_path */
    const char *key_path;
    const char *hostkey; /* "SHA256:..." pinned, NULL: none yet */
    bool accept_new;     /* with no pin, take the key offered (and report it) */
    int connect_ms;      /* deadline for TCP connect, handshake and login */
    int command_ms;      /* deadline for one command */
    /* When set and it becomes non-zero, whatever waits on the router gives up
     * within 100 ms as if its deadline had passed (a worker stopping). */
    const volatile sig_atomic_t *cancel;
};

struct ssh;

/* Connect and log in. fingerprint (at least 52 bytes) receives the server's
 * key as "SHA256:..." even when the connection is then refused for it.
 * Returns NULL with *why and e set on failure. */
struct ssh *ssh_open(const struct ssh_target *t, char *fingerprint, enum ssh_fail *why,
                     struct werr *e);

/* Run cmd on a new exec channel; stdout (and stderr after it) in out, the
 * exit status in *status (-1 when the server sent none). On SSH_ETIMEOUT or
 * SSH_EBROKEN the session is no longer usable: ssh_close it. */
enum ssh_fail ssh_exec(struct ssh *s, const char *cmd, struct sbuf *out, int *status,
                       struct werr *e);

void ssh_close(struct ssh *s);

/* Milliseconds on the monotonic clock. */
long long ssh_now_ms(void);

#endif
