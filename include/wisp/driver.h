/*
 * driver.h - one interface to every router family (routeros, opennds), over
 * an open SSH session, and the parsers for what the routers print. Parsers
 * are pure functions of text, so tests feed them real captures.
 *
 * Nothing here touches the database: the worker decides what to push or
 * kick, a driver says it to the router and reads back what happened.
 */
#ifndef WISP_DRIVER_H
#define WISP_DRIVER_H

#include <stdbool.h>
#include <stddef.h>

#include "wisp/err.h"
#include "wisp/quote.h"
#include "wisp/ssh.h"
#include "wisp/util.h"

struct rt_health {
    char identity[64];
    char version[64];
    int cpu_load;                  /* percent, -1 unknown */
    long long mem_total, mem_free; /* bytes, -1 unknown */
    long long uptime_s;            /* -1 unknown */
};

/* A hotspot user as wisp wants it on the router (push) or found it (list). */
struct rt_user {
    char name[64];
    char password[64];
    char profile[64];
    long long uptime_s; /* limit-uptime / validity, 0 = none */
    long long bytes;    /* limit-bytes-total / quota, 0 = none */
    char rate[48];      /* RouterOS rate-limit "up/down" ("512k/2M"), "" = none */
    int shared_users;   /* 0 = profile default */
    char mac[18];       /* bound device, "" = any */
    bool disabled;
    bool reset;          /* reset its counters (voucher reset) */
    long long first_use; /* opennds: epoch of first use, 0 = unused */
};

struct rt_session {
    char user[64];
    char mac[18]; /* upper case, colon separated */
    char ip[46];
    long long uptime_s, time_left_s; /* time_left_s -1: no limit known */
    long long bytes_in, bytes_out;   /* from the client's side: in = uploaded by it */
};

/* What a router lets through without a login, as wisp manages it
 * (garden.h): kind "garden" (a host; RouterOS walled-garden dst-host),
 * "bypass" or "block" (a device by MAC, "AA:BB:CC:00:11:22"; RouterOS
 * ip-binding type=bypassed / blocked, openNDS trusted MACs). */
struct rt_access {
    char kind[8];
    char value[254];
};

/* An SSH session to one router and what the driver needs to know of it. */
struct rconn {
    struct ssh *ssh;
    const char *hotspot_server; /* routeros: server=, NULL = all */
    struct sbuf out;            /* scratch for command output */
    bool broken;                /* a command timed out or the session died */
    /* When set, commands go here instead of c->ssh: the unit tests see
     * every script a driver writes and answer it. */
    int (*transport)(struct rconn *c, const char *cmd, struct sbuf *out, int *status);
};

struct driver {
    const char *name;
    int (*health)(struct rconn *c, struct rt_health *h, struct werr *e);
    /* Create or update each user; errs[i] is set to a message (xstrdup'd) for
     * a user the router refused, NULL when it is there as wanted. Returns -1
     * only when the whole push failed (session, garbage); errs are then unset. */
    int (*push_users)(struct rconn *c, const struct rt_user *u, size_t n, char **errs,
                      struct werr *e);
    int (*list_users)(struct rconn *c, struct rt_user **u, size_t *n, struct werr *e);
    /* The users that carry wisp's mark (RouterOS: comment "wisp"; openNDS:
     * the voucher roll, which is wisp's), names only: what a full resync
     * compares with the database. */
    int (*list_marked)(struct rconn *c, struct rt_user **u, size_t *n, struct werr *e);
    /* Remove users (missing ones count as removed) and kick their sessions. */
    int (*remove_users)(struct rconn *c, const char *const *names, size_t n, struct werr *e);
    int (*list_sessions)(struct rconn *c, struct rt_session **s, size_t *n, struct werr *e);
    int (*kick)(struct rconn *c, const struct rt_session *s, struct werr *e);
    /* Health and active sessions in one round trip (what a cycle needs when
     * nothing is to be pushed). -1: no health (e set); 1: health but the
     * sessions failed (se set); 0: both. */
    int (*poll)(struct rconn *c, struct rt_health *h, struct rt_session **s, size_t *n,
                struct werr *e, struct werr *se);
    /* Make the router's wisp-marked walled garden and bindings exactly a
     * (RouterOS: entries with comment "wisp"; openNDS: the trusted MACs wisp
     * added, remembered in /etc/wisp-trusted). Others' entries stay. */
    int (*access_sync)(struct rconn *c, const struct rt_access *a, size_t n, struct werr *e);
};

/* What `wisp router setup NAME --radius` writes for RouterOS (every value
 * through ros_quote). */
struct ros_radius_setup {
    const char *server;  /* the RADIUS server's address as the router reaches it */
    int auth_port;       /* accounting on auth_port + 1 */
    const char *secret;  /* the router's RADIUS secret, or a placeholder */
    int coa_port;        /* /radius incoming: Disconnect-Requests */
    const char *profile; /* the hotspot profile, NULL: every one */
    bool ppp;            /* PPP (PPPoE) through RADIUS too */
    const char *interim; /* PPP's interim-update ("5m") */
};
/* The commands, one per line ("\n"), into sb. */
void ros_radius_script(struct sbuf *sb, const struct ros_radius_setup *s);

extern const struct driver driver_routeros;
extern const struct driver driver_opennds;

/* The driver named name, or NULL. */
const struct driver *driver_find(const char *name);

/* Users per push script: many, so 1,000 vouchers are a few round trips, but
 * a script stays under DRIVER_SCRIPT_MAX bytes: an SSH exec request has to
 * fit one packet (OpenSSH takes up to 32 KiB). */
#define DRIVER_PUSH_CHUNK   250
#define DRIVER_REMOVE_CHUNK 100
#define DRIVER_SCRIPT_MAX   28000

/* Run cmd and leave its output in c->out with CRs and the log lines a router
 * echoes into sessions removed. Fails on an SSH error; the exit status is
 * returned in *status when status is not NULL. */
int driver_run(struct rconn *c, const char *cmd, int *status, struct werr *e);

/* --- RouterOS parsing ------------------------------------------------- */

/* "6w5d11h55m45s", "1d04:11:06", "04:11:06.5", "59s", "0s" -> seconds; -1 bad
 * or beyond int64. */
long long ros_parse_time(const char *s);
/* Seconds as RouterOS writes a duration: 1d2h3m4s; 0 -> "0s". */
void ros_format_time(long long s, char *out, size_t n);
/* "47 603" (v7 grouping), "524288000" -> the integer; -1 bad or too large. */
long long ros_parse_int(const char *s);
/* "40.2MiB", "1196.0KiB", "3704.1MiB" -> bytes; -1 bad or too large. */
long long ros_parse_size(const char *s);
/* Drop CRs and the log lines RouterOS echoes into a session ("17:20:06 echo: ..."). */
void ros_clean(struct sbuf *out);
/* `/system resource print` and `/system identity print` output into h. */
int ros_parse_health(const char *resource, const char *identity, struct rt_health *h,
                     struct werr *e);
/* A router's error text in output ("bad command name ...", "failure: ..."),
 * or NULL. The returned pointer is into text; *len is the line's length. */
const char *ros_find_error(const char *text, size_t *len);
/* One `print terse` line: the value of key, found by anchoring on the menu's
 * known keys (v7 does not quote values with spaces). Quotes are removed.
 * Returns false when key is absent. */
bool ros_terse_get(const char *line, const char *const *keys, const char *key, char *out, size_t n);
/* The flag letters of a terse line ("X" for a disabled user). */
void ros_terse_flags(const char *line, char *out, size_t n);
/* `/ip hotspot user print terse` into users. */
int ros_parse_users(const char *text, struct rt_user **u, size_t *n, struct werr *e);
/* The active-session lines of wisp's :foreach script into sessions. */
int ros_parse_sessions(const char *text, struct rt_session **s, size_t *n, struct werr *e);
/* The output of wisp's poll script (the two prints, then the session lines):
 * health into h and sessions into s, as driver.poll returns them. */
int ros_parse_poll(const char *text, struct rt_health *h, struct rt_session **s, size_t *n,
                   struct werr *e, struct werr *se);
/* A push or remove script's "wisp-ok NAME" / "wisp-err NAME" lines: errs[i]
 * NULL for a name confirmed, a message for one refused; -1 when a name got no
 * word at all (the router's error, if it printed one, in e). */
int ros_parse_answers(const char *text, const char *const *names, size_t n, char **errs,
                      const char *what, struct werr *e);
/* The "wisp-user;NAME" lines of wisp's marked-users script, up to its
 * "wisp-end", into users (names only). */
int ros_parse_marked(const char *text, struct rt_user **u, size_t *n, struct werr *e);

/* --- openNDS parsing --------------------------------------------------- */

/* `ndsctl json` (v9.6+ layout) into sessions, without voucher codes. */
int nds_parse_clients(const char *json, struct rt_session **s, size_t *n, struct werr *e);
/* theme_voucher lines of ndslog.log: the code each MAC last logged in with,
 * written into the sessions' user fields (left empty when unknown). */
void nds_match_log(const char *log, struct rt_session *s, size_t n);
/* The voucher roll (vouchers.txt) into users. */
int nds_parse_roll(const char *text, struct rt_user **u, size_t *n, struct werr *e);
/* The health script's output (uptime, load average, hostname, meminfo,
 * ndsctl status's version line, "wisp-health") into h. */
int nds_parse_health(const char *text, struct rt_health *h, struct werr *e);
/* The poll script's output: health, ndsctl json and its exit status, the
 * voucher log; returns as driver.poll does. */
int nds_parse_poll(const char *text, struct rt_health *h, struct rt_session **s, size_t *n,
                   struct werr *e, struct werr *se);
/* True when code is one the voucher theme accepts: 9 of [A-Za-z0-9-]. */
bool nds_code_ok(const char *code);

#endif
