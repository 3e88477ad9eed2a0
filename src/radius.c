/*
 * radius.c - RADIUS packets wisp sends itself (see include/wisp/radius.h):
 * building, signing and checking them, and the Disconnect-Requests' round
 * trips over UDP with retransmission, all of them at once (a router that
 * never answers delays no other).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "wisp/md5.h"
#include "wisp/radius.h"
#include "wisp/util.h"

static void
put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void
rad_init(struct rad_pkt *p, uint8_t code, uint8_t id)
{
    memset(p->b, 0, 20);
    p->b[0] = code;
    p->b[1] = id;
    p->len = 20;
    put16(p->b + 2, p->len);
}

int
rad_add(struct rad_pkt *p, uint8_t type, const void *val, size_t n)
{
    if (n < 1 || n > 253 || p->len + 2 + n > RAD_MAX)
        return -1;
    p->b[p->len] = type;
    p->b[p->len + 1] = (uint8_t)(n + 2);
    memcpy(p->b + p->len + 2, val, n);
    p->len += 2 + n;
    put16(p->b + 2, p->len);
    return 0;
}

int
rad_add_str(struct rad_pkt *p, uint8_t type, const char *s)
{
    return rad_add(p, type, s, strlen(s));
}

int
rad_add_u32(struct rad_pkt *p, uint8_t type, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

    return rad_add(p, type, b, 4);
}

int
rad_add_ipv4(struct rad_pkt *p, uint8_t type, const char *dotted)
{
    struct in_addr a;

    if (inet_pton(AF_INET, dotted, &a) != 1)
        return -1;
    return rad_add(p, type, &a.s_addr, 4);
}

int
rad_sign_request(struct rad_pkt *p, const char *secret, bool with_ma)
{
    struct md5 m;
    uint8_t zero[16] = {0};

    memset(p->b + 4, 0, 16);
    if (with_ma) {
        /* RFC 5176 3.4: the HMAC over the packet with the authenticator and
         * its own value zero, inserted before the authenticator is made */
        size_t at = p->len;

        if (rad_add(p, RAD_MESSAGE_AUTHENTICATOR, zero, 16) < 0)
            return -1;
        hmac_md5(secret, strlen(secret), p->b, p->len, p->b + at + 2);
    }
    md5_init(&m);
    md5_update(&m, p->b, p->len);
    md5_update(&m, secret, strlen(secret));
    md5_final(&m, p->b + 4);
    return 0;
}

/* The attributes of buf[0..n) are whole and end where the length says. */
static bool
well_formed(const uint8_t *buf, size_t n)
{
    size_t len, i;

    if (n < 20)
        return false;
    len = (size_t)buf[2] << 8 | buf[3];
    if (len < 20 || len > n || len > RAD_MAX)
        return false;
    for (i = 20; i < len; i += buf[i + 1])
        if (i + 2 > len || buf[i + 1] < 2 || i + buf[i + 1] > len)
            return false;
    return true;
}

const uint8_t *
rad_attr(const uint8_t *buf, size_t n, uint8_t type, size_t *vlen)
{
    size_t len;

    if (!well_formed(buf, n))
        return NULL;
    len = (size_t)buf[2] << 8 | buf[3];
    for (size_t i = 20; i < len; i += buf[i + 1])
        if (buf[i] == type) {
            *vlen = buf[i + 1] - 2u;
            return buf + i + 2;
        }
    return NULL;
}

bool
rad_reply_ok(const uint8_t *buf, size_t n, const struct rad_pkt *req, const char *secret)
{
    uint8_t copy[RAD_MAX], want[16], mac[16];
    struct md5 m;
    size_t len, vlen;
    const uint8_t *ma;

    if (!well_formed(buf, n) || buf[1] != req->b[1])
        return false;
    len = (size_t)buf[2] << 8 | buf[3];
    memcpy(copy, buf, len);
    memcpy(copy + 4, req->b + 4, 16);
    md5_init(&m);
    md5_update(&m, copy, len);
    md5_update(&m, secret, strlen(secret));
    md5_final(&m, want);
    if (memcmp(want, buf + 4, 16) != 0)
        return false;
    ma = rad_attr(copy, len, RAD_MESSAGE_AUTHENTICATOR, &vlen);
    if (!ma)
        return true;
    if (vlen != 16)
        return false;
    /* the reply's HMAC: over it with the request's authenticator, its own value zero */
    memcpy(mac, ma, 16);
    memset(copy + (ma - copy), 0, 16);
    hmac_md5(secret, strlen(secret), copy, len, want);
    return memcmp(want, mac, 16) == 0;
}

static int
udp_to(const char *host, int port, struct werr *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res, *ai;
    char ports[8];
    int fd = -1, rc;

    snprintf(ports, sizeof ports, "%d", port);
    rc = getaddrinfo(host, ports, &hints, &res);
    if (rc != 0)
        return werr_set(e, WISP_ERUNTIME, "%s: %s", host, gai_strerror(rc));
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return werr_set(e, WISP_ERUNTIME, "%s port %d: %s", host, port, strerror(errno));
    return fd;
}

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The Disconnect-Request for d, signed. */
static int
dm_build(const struct rad_disconnect *d, struct rad_pkt *p, struct werr *e)
{
    uint8_t id;

    if (getrandom(&id, 1, 0) != 1)
        id = (uint8_t)now_ms();
    rad_init(p, RAD_DISCONNECT_REQUEST, id);
    if (rad_add_str(p, RAD_USER_NAME, d->user) < 0 ||
        (d->session_id && *d->session_id &&
         rad_add_str(p, RAD_ACCT_SESSION_ID, d->session_id) < 0) ||
        (d->ip && *d->ip && rad_add_ipv4(p, RAD_FRAMED_IP_ADDRESS, d->ip) < 0) ||
        (d->nas_ip && *d->nas_ip && rad_add_ipv4(p, RAD_NAS_IP_ADDRESS, d->nas_ip) < 0) ||
        rad_add_u32(p, RAD_EVENT_TIMESTAMP, (uint32_t)time(NULL)) < 0 ||
        rad_sign_request(p, d->secret, true) < 0)
        return werr_set(e, WISP_ERUNTIME, "a Disconnect-Request for %s does not fit", d->user);
    return 0;
}

/* One Disconnect-Request in flight. */
struct dm_flight {
    struct rad_pkt req;
    int fd, tries_left, wait_ms;
    int64_t until; /* this try's answer is due (0: send now) */
    bool done;
};

/* f's answer in buf[0..n), if it is one: true when f is settled. */
static bool
dm_answer(struct dm_flight *f, const struct rad_disconnect *d, const uint8_t *buf, size_t n,
          struct rad_dm_result *r)
{
    size_t vlen;
    const uint8_t *v;

    if (!rad_reply_ok(buf, n, &f->req, d->secret))
        return false; /* not an answer to this request: as if lost */
    if (buf[0] != RAD_DISCONNECT_ACK && buf[0] != RAD_DISCONNECT_NAK)
        return false;
    r->answer = buf[0] == RAD_DISCONNECT_ACK;
    v = rad_attr(buf, n, RAD_ERROR_CAUSE, &vlen);
    if (!r->answer && v && vlen == 4)
        r->cause = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
    return true;
}

void
rad_disconnect_send_all(const struct rad_disconnect *d, size_t n, struct rad_dm_result *r,
                        volatile sig_atomic_t *stop)
{
    struct dm_flight *f = xcalloc(n ? n : 1, sizeof *f);
    struct pollfd *pfd = xcalloc(n ? n : 1, sizeof *pfd);
    size_t *at = xcalloc(n ? n : 1, sizeof *at);
    uint8_t buf[RAD_MAX];

    for (size_t i = 0; i < n; i++) {
        r[i] = (struct rad_dm_result){.answer = -1};
        f[i].fd = -1;
        f[i].tries_left = d[i].tries > 0 ? d[i].tries : 1;
        f[i].wait_ms = d[i].timeout_ms > 0 ? d[i].timeout_ms : 1000;
        if (dm_build(&d[i], &f[i].req, &r[i].e) < 0 ||
            (f[i].fd = udp_to(d[i].host, d[i].port, &r[i].e)) < 0)
            f[i].done = true;
    }
    for (;;) {
        int64_t now = now_ms(), next = now + 100; /* the stop flag is looked at that often */
        size_t k = 0;

        if (stop && *stop) {
            for (size_t i = 0; i < n; i++)
                if (!f[i].done) {
                    f[i].done = r[i].stopped = true;
                    werr_set(&r[i].e, WISP_ERUNTIME, "stopped before %s port %d answered",
                             d[i].host, d[i].port);
                }
            break;
        }
        for (size_t i = 0; i < n; i++) {
            if (f[i].done)
                continue;
            if (now >= f[i].until) {
                if (f[i].tries_left == 0) {
                    f[i].done = true;
                    werr_set(&r[i].e, WISP_ERUNTIME,
                             "no answer from %s port %d to the Disconnect-Request (%d tries)",
                             d[i].host, d[i].port, d[i].tries > 0 ? d[i].tries : 1);
                    continue;
                }
                /* a retransmission is the same packet: same id and authenticator */
                (void)send(f[i].fd, f[i].req.b, f[i].req.len, 0);
                f[i].tries_left--;
                f[i].until = now + f[i].wait_ms;
            }
            if (f[i].until < next)
                next = f[i].until;
            pfd[k] = (struct pollfd){.fd = f[i].fd, .events = POLLIN};
            at[k++] = i;
        }
        if (k == 0)
            break;
        if (poll(pfd, (nfds_t)k, (int)(next > now ? next - now : 0)) <= 0)
            continue;
        for (size_t j = 0; j < k; j++) {
            size_t i = at[j];
            ssize_t got;

            if (!(pfd[j].revents & (POLLIN | POLLERR)))
                continue;
            got = recv(f[i].fd, buf, sizeof buf, MSG_DONTWAIT);
            if (got > 0 && dm_answer(&f[i], &d[i], buf, (size_t)got, &r[i]))
                f[i].done = true; /* else refused, or not its answer */
        }
    }
    for (size_t i = 0; i < n; i++)
        if (f[i].fd >= 0)
            close(f[i].fd);
    free(at);
    free(pfd);
    free(f);
}

int
rad_disconnect_send(const struct rad_disconnect *d, uint32_t *cause, struct werr *e)
{
    struct rad_dm_result r;

    rad_disconnect_send_all(d, 1, &r, NULL);
    *cause = r.cause;
    if (r.answer < 0) {
        if (e)
            *e = r.e;
        return -1;
    }
    return r.answer;
}
