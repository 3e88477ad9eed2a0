/*
 * radius.h - RADIUS packets on the wire, as far as wisp sends them itself:
 * the Disconnect-Request of RFC 5176 to a router (a kick without SSH), and
 * checking the router's ACK or NAK. FreeRADIUS answers the routers'
 * Access- and Accounting-Requests; wisp only builds its configuration
 * (radius_conf.h).
 *
 * A packet is built into a fixed buffer (attributes appended in order),
 * then signed: Message-Authenticator (HMAC-MD5, RFC 3579/5176 3.4) first
 * when asked for, then the Request Authenticator, MD5 over code, id,
 * length, 16 zero octets, the attributes and the secret (RFC 2866 3,
 * RFC 5176 3.5).
 */
#ifndef WISP_RADIUS_H
#define WISP_RADIUS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wisp/err.h"

enum {
    RAD_ACCESS_REQUEST = 1,
    RAD_ACCESS_ACCEPT = 2,
    RAD_ACCOUNTING_REQUEST = 4,
    RAD_DISCONNECT_REQUEST = 40,
    RAD_DISCONNECT_ACK = 41,
    RAD_DISCONNECT_NAK = 42,
};

enum {
    RAD_USER_NAME = 1,
    RAD_NAS_IP_ADDRESS = 4,
    RAD_FRAMED_IP_ADDRESS = 8,
    RAD_CALLING_STATION_ID = 31,
    RAD_NAS_IDENTIFIER = 32,
    RAD_ACCT_SESSION_ID = 44,
    RAD_EVENT_TIMESTAMP = 55,
    RAD_MESSAGE_AUTHENTICATOR = 80,
    RAD_ERROR_CAUSE = 101,
};

#define RAD_MAX     4096
#define RAD_DM_PORT 3799

struct rad_pkt {
    uint8_t b[RAD_MAX];
    size_t len; /* header and the attributes so far */
};

/* An empty packet: code, identifier, length 20, a zero authenticator. */
void rad_init(struct rad_pkt *p, uint8_t code, uint8_t id);

/* Append attribute type with n bytes of value (1..253); -1 when it does not fit. */
int rad_add(struct rad_pkt *p, uint8_t type, const void *val, size_t n);
int rad_add_str(struct rad_pkt *p, uint8_t type, const char *s);
int rad_add_u32(struct rad_pkt *p, uint8_t type, uint32_t v);
/* A dotted IPv4 address; -1 for anything else. */
int rad_add_ipv4(struct rad_pkt *p, uint8_t type, const char *dotted);

/* Sign a request the accounting way (Accounting-, Disconnect-, CoA-Request):
 * with_ma adds a Message-Authenticator first. -1 when it does not fit. */
int rad_sign_request(struct rad_pkt *p, const char *secret, bool with_ma);

/* A reply buf[0..n) to the request req, checked: its length field, its
 * identifier, its Response Authenticator (MD5 over code, id, length, the
 * request's authenticator, attributes and secret) and, when it carries one,
 * its Message-Authenticator. False for anything wrong. */
bool rad_reply_ok(const uint8_t *buf, size_t n, const struct rad_pkt *req, const char *secret);

/* The first attribute type in a well-formed packet: its value and length
 * in *vlen, or NULL. */
const uint8_t *rad_attr(const uint8_t *buf, size_t n, uint8_t type, size_t *vlen);

/* What a Disconnect-Request names: the session on the router. */
struct rad_disconnect {
    const char *host; /* the router: name or address */
    int port;         /* its DM/CoA port (RAD_DM_PORT) */
    const char *secret;
    const char *user;       /* User-Name */
    const char *ip;         /* Framed-IP-Address (dotted), or NULL */
    const char *session_id; /* Acct-Session-Id, or NULL */
    const char *nas_ip;     /* NAS-IP-Address (dotted), or NULL */
    int timeout_ms;         /* per try */
    int tries;
};

/* Send it over UDP and wait for the answer, retransmitting the same packet
 * (RFC 5176 2.3) up to tries times. 1 for Disconnect-ACK, 0 for a NAK (its
 * Error-Cause in *cause, 0 if none), -1 with e on no valid answer. Replies
 * that do not check out (rad_reply_ok) are dropped, as a lost packet. */
int rad_disconnect_send(const struct rad_disconnect *d, uint32_t *cause, struct werr *e);

/* What became of one Disconnect-Request of rad_disconnect_send_all. */
struct rad_dm_result {
    int answer;     /* 1 Disconnect-ACK, 0 NAK, -1 no valid answer (why in e) */
    uint32_t cause; /* a NAK's Error-Cause, 0 if none */
    bool stopped;   /* *stop came first: not answered, perhaps not sent */
    struct werr e;
};

/* Send the n requests d[] at once, each on a socket of its own with its
 * own tries and timeout, and wait for their answers together: a router
 * that never answers holds up no other. When *stop (if given) is set, the
 * ones still waiting end at once (stopped). */
void rad_disconnect_send_all(const struct rad_disconnect *d, size_t n, struct rad_dm_result *r,
                             volatile sig_atomic_t *stop);

#endif
