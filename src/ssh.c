/*
 * ssh.c - SSH to routers (see include/wisp/ssh.h).
 *
 * Every socket is non-blocking and every libssh2 call that would block goes
 * through wait_socket(), which polls in the directions libssh2 asks for until
 * the step's deadline. So one dead router costs its own deadline and never
 * more, and a caller can run many of these side by side in threads.
 *
 * The host key is checked right after the handshake, before the login: a
 * router that answers with another key never sees the password.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh2.h>

#include "wisp/i18n.h"
#include "wisp/ssh.h"

struct ssh {
    int fd;
    LIBSSH2_SESSION *s;
    int command_ms;
    const volatile sig_atomic_t *cancel; /* see ssh_target */
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void
global_init(void)
{
    libssh2_init(0);
}

long long
ssh_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until fd is ready for what libssh2 wants, or the deadline, or the
 * cancel flag (looked at every 100 ms). */
static int
wait_socket(struct ssh *c, long long deadline)
{
    int dirs = libssh2_session_block_directions(c->s);
    struct pollfd p = {.fd = c->fd, .events = 0};
    long long left = deadline - ssh_now_ms();

    if (left <= 0)
        return -1;
    if (dirs & LIBSSH2_SESSION_BLOCK_INBOUND)
        p.events |= POLLIN;
    if (dirs & LIBSSH2_SESSION_BLOCK_OUTBOUND)
        p.events |= POLLOUT;
    if (p.events == 0)
        p.events = POLLIN;
    for (;;) {
        int r;

        if (c->cancel && *c->cancel)
            return -1;
        r = poll(&p, 1, (int)(left > 100 ? 100 : left));
        if (r > 0)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        left = deadline - ssh_now_ms();
        if (left <= 0)
            return -1;
    }
}

static int
tcp_connect(const struct ssh_target *t, long long deadline, struct werr *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai, *a;
    char port[16];
    int err, fd = -1;

    snprintf(port, sizeof port, "%d", t->port);
    err = getaddrinfo(t->host, port, &hints, &ai);
    if (err != 0) {
        werr_set(e, WISP_ERUNTIME, _("cannot resolve %s: %s"), t->host, gai_strerror(err));
        return -1;
    }
    for (a = ai; a; a = a->ai_next) {
        struct pollfd p;
        socklen_t len = sizeof err;
        long long left;

        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        err = errno;
        if (err == EINPROGRESS) {
            p = (struct pollfd){.fd = fd, .events = POLLOUT};
            /* in steps of 100 ms, so a stopping worker need not wait it out */
            while ((left = deadline - ssh_now_ms()) > 0 && !(t->cancel && *t->cancel)) {
                int r = poll(&p, 1, (int)(left > 100 ? 100 : left));

                if (r > 0 || (r < 0 && errno != EINTR))
                    break;
            }
            if (left > 0 && p.revents && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
                err == 0)
                break;
            if (left <= 0 || p.revents == 0)
                err = ETIMEDOUT;
        }
        close(fd);
        fd = -1;
        werr_set(e, WISP_ERUNTIME, _("cannot connect to %s port %d: %s"), t->host, t->port,
                 err == ETIMEDOUT ? _("no answer (timed out)") : strerror(err));
    }
    freeaddrinfo(ai);
    return fd;
}

/* "SHA256:" and the unpadded base64 of the key's SHA-256, as OpenSSH shows it. */
static void
fingerprint_of(LIBSSH2_SESSION *s, char *out)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *h =
        (const unsigned char *)libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
    char *o = out + 7;

    memcpy(out, "SHA256:", 7);
    if (!h) {
        out[7] = '\0';
        return;
    }
    for (int i = 0; i < 32; i += 3) {
        unsigned v = (unsigned)h[i] << 16;

        if (i + 1 < 32)
            v |= (unsigned)h[i + 1] << 8;
        if (i + 2 < 32)
            v |= h[i + 2];
        *o++ = b64[(v >> 18) & 63];
        *o++ = b64[(v >> 12) & 63];
        if (i + 1 < 32)
            *o++ = b64[(v >> 6) & 63];
        if (i + 2 < 32)
            *o++ = b64[v & 63];
    }
    *o = '\0';
}

static const char *
ssh_error(LIBSSH2_SESSION *s)
{
    char *msg = NULL;

    libssh2_session_last_error(s, &msg, NULL, 0);
    return msg && *msg ? msg : "unknown error";
}

struct ssh *
ssh_open(const struct ssh_target *t, char *fingerprint, enum ssh_fail *why, struct werr *e)
{
    long long deadline = ssh_now_ms() + (t->connect_ms > 0 ? t->connect_ms : 5000);
    struct ssh *c;
    int rc;

    pthread_once(&init_once, global_init);
    fingerprint[0] = '\0';
    *why = SSH_EAUTH;
    if (!t->password && t->key_path && file_check_private("private key", t->key_path, -1, e) < 0)
        return NULL;
    *why = SSH_ECONNECT;
    c = xcalloc(1, sizeof *c);
    c->command_ms = t->command_ms > 0 ? t->command_ms : 15000;
    c->cancel = t->cancel;
    c->fd = tcp_connect(t, deadline, e);
    if (c->fd < 0) {
        free(c);
        return NULL;
    }
    c->s = libssh2_session_init();
    libssh2_session_set_blocking(c->s, 0);
    while ((rc = libssh2_session_handshake(c->s, c->fd)) == LIBSSH2_ERROR_EAGAIN)
        if (wait_socket(c, deadline) < 0)
            break;
    if (rc != 0) {
        werr_set(e, WISP_ERUNTIME, _("ssh handshake with %s port %d failed: %s"), t->host, t->port,
                 rc == LIBSSH2_ERROR_EAGAIN ? _("timed out") : ssh_error(c->s));
        goto fail;
    }
    fingerprint_of(c->s, fingerprint);
    if (t->hostkey && *t->hostkey) {
        if (!str_eq(t->hostkey, fingerprint)) {
            *why = SSH_EHOSTKEY;
            werr_set(e, WISP_ERUNTIME,
                     _("host key mismatch for %s: expected %s, the router offered %s; refusing to "
                       "connect (if the router was really replaced, `wisp router edit NAME "
                       "--hostkey ...` with the new key)"),
                     t->host, t->hostkey, fingerprint);
            goto fail;
        }
    } else if (!t->accept_new) {
        *why = SSH_EHOSTKEY;
        werr_set(e, WISP_ERUNTIME,
                 _("no host key pinned for %s and --accept-new-hostkey not given; it offers %s"),
                 t->host, fingerprint);
        goto fail;
    }
    *why = SSH_EAUTH;
    for (;;) {
        if (t->password)
            rc = libssh2_userauth_password(c->s, t->user, t->password);
        else
            rc = libssh2_userauth_publickey_fromfile(c->s, t->user, NULL, t->key_path, NULL);
        if (rc != LIBSSH2_ERROR_EAGAIN)
            break;
        if (wait_socket(c, deadline) < 0) {
            *why = SSH_ECONNECT;
            werr_set(e, WISP_ERUNTIME, _("ssh login to %s timed out"), t->host);
            goto fail;
        }
    }
    if (rc != 0) {
        if (t->password)
            werr_set(e, WISP_ERUNTIME, _("ssh login to %s as %s refused: wrong user or password"),
                     t->host, t->user);
        else if (rc == LIBSSH2_ERROR_FILE)
            werr_set(e, WISP_ERUNTIME, _("cannot use the key %s: %s"), t->key_path,
                     ssh_error(c->s));
        else
            werr_set(e, WISP_ERUNTIME, _("ssh login to %s as %s refused with the key %s"), t->host,
                     t->user, t->key_path);
        goto fail;
    }
    *why = SSH_OK;
    return c;
fail:
    ssh_close(c);
    return NULL;
}

enum ssh_fail
ssh_exec(struct ssh *c, const char *cmd, struct sbuf *out, int *status, struct werr *e)
{
    long long deadline = ssh_now_ms() + c->command_ms;
    LIBSSH2_CHANNEL *ch;
    char buf[16384];
    struct sbuf err = {0};
    int rc;

    *status = -1;
    while (!(ch = libssh2_channel_open_session(c->s)))
        if (libssh2_session_last_errno(c->s) != LIBSSH2_ERROR_EAGAIN ||
            wait_socket(c, deadline) < 0)
            goto broken;
    while ((rc = libssh2_channel_exec(ch, cmd)) == LIBSSH2_ERROR_EAGAIN)
        if (wait_socket(c, deadline) < 0)
            goto timeout;
    if (rc != 0)
        goto broken;
    for (;;) {
        ssize_t n = libssh2_channel_read(ch, buf, sizeof buf);
        if (n > 0) {
            sb_addn(out, buf, (size_t)n);
            continue;
        }
        n = libssh2_channel_read_stderr(ch, buf, sizeof buf);
        if (n > 0) {
            sb_addn(&err, buf, (size_t)n);
            continue;
        }
        if (libssh2_channel_eof(ch))
            break;
        if (n != LIBSSH2_ERROR_EAGAIN && n != 0)
            goto broken;
        if (wait_socket(c, deadline) < 0)
            goto timeout;
    }
    while (libssh2_channel_close(ch) == LIBSSH2_ERROR_EAGAIN)
        if (wait_socket(c, deadline) < 0)
            goto timeout;
    *status = libssh2_channel_get_exit_status(ch);
    libssh2_channel_free(ch);
    if (err.len)
        sb_addn(out, err.buf, err.len);
    sb_free(&err);
    return SSH_OK;
timeout:
    sb_free(&err);
    if (c->cancel && *c->cancel)
        werr_set(e, WISP_ERUNTIME, _("stopped while the router was answering"));
    else
        werr_set(e, WISP_ERUNTIME, _("the router did not finish a command within %d s"),
                 (c->command_ms + 999) / 1000);
    return SSH_ETIMEOUT;
broken:
    sb_free(&err);
    werr_set(e, WISP_ERUNTIME, _("the ssh session broke: %s"), ssh_error(c->s));
    return SSH_EBROKEN;
}

void
ssh_close(struct ssh *c)
{
    if (!c)
        return;
    if (c->s) {
        /* Best effort, without waiting: the peer may be gone. Then the
         * socket is shut so freeing the session (and a channel a deadline
         * left open) cannot wait on it, and is done in blocking mode, where
         * libssh2 frees everything instead of asking to be called again. */
        libssh2_session_disconnect(c->s, "bye");
        if (c->fd >= 0)
            shutdown(c->fd, SHUT_RDWR);
        libssh2_session_set_blocking(c->s, 1);
        libssh2_session_set_timeout(c->s, 500);
        libssh2_session_free(c->s);
    }
    if (c->fd >= 0)
        close(c->fd);
    free(c);
}
