/*
 * redis_url.c - the Redis URL wisp accepts (see include/wisp/redis_url.h):
 * parsed by the events code to connect, and by the config to check the
 * `redis` setting before anything connects. Errors say the expected form
 * and what was wrong, never quoting the URL (it may hold a password).
 */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/redis_url.h"
#include "wisp/util.h"

static int
redis_bad(struct redis_target *t, struct werr *e, const char *why)
{
    redis_url_free(t);
    return werr_set(e, WISP_EUSAGE, _("expected %s (%s)"), REDIS_URL_FORMS, why);
}

/* Percent-decode n bytes of s into a fresh string; NULL on a bad escape. */
static char *
pct_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
            !isxdigit((unsigned char)s[i + 2]) || (s[i + 1] == '0' && s[i + 2] == '0')) {
            explicit_bzero(out, n + 1);
            free(out);
            return NULL;
        }
        {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};

            *o++ = (char)strtol(hex, NULL, 16);
        }
        i += 2;
    }
    *o = '\0';
    return out;
}

static int
parse_db(const char *s, size_t n, int *db)
{
    char buf[16];
    int64_t v;

    if (n == 0 || n >= sizeof buf || strspn(s, "0123456789") < n)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (str_to_i64(buf, 0, INT_MAX, &v) < 0)
        return -1;
    *db = (int)v;
    return 0;
}

/* unix:///path/to.sock[?db=N][&password=PW] (s is after "unix://"). */
static int
parse_unix(const char *s, struct redis_target *t, struct werr *e)
{
    size_t plen = strcspn(s, "?#");
    const char *q;

    if (*s != '/')
        return redis_bad(t, e, "the socket path must be absolute, as in unix:///run/redis.sock");
    if (plen < 2)
        return redis_bad(t, e, "no socket path");
    if (s[plen] == '#')
        return redis_bad(t, e, "unexpected #");
    t->path = xasprintf("%.*s", (int)plen, s);
    for (q = s + plen; *q == '?' || *q == '&'; q += strcspn(q + 1, "&") + 1) {
        const char *v = q + 1;
        size_t vlen = strcspn(v, "&");

        if (str_starts(v, "db=")) {
            if (parse_db(v + 3, vlen - 3, &t->db) < 0)
                return redis_bad(t, e, "db must be a non-negative integer");
        } else if (str_starts(v, "password=") && t->password == NULL) {
            if ((t->password = pct_decode(v + 9, vlen - 9)) == NULL)
                return redis_bad(t, e, "bad %-escape in the password");
        } else {
            return redis_bad(t, e, "the only parameters are db= and password=");
        }
    }
    return 0;
}

/* host, [v6] or host:port in [p, end). */
static int
parse_host_port(const char *p, const char *end, struct redis_target *t, struct werr *e)
{
    const char *host = p, *hend, *after;
    const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";

    if (*p == '[') {
        host = p + 1;
        if ((hend = memchr(host, ']', (size_t)(end - host))) == NULL)
            return redis_bad(t, e, "no ] after an IPv6 address");
        after = hend + 1;
        ok = "0123456789abcdefABCDEF:.";
    } else {
        hend = memchr(p, ':', (size_t)(end - p));
        hend = hend ? hend : end;
        after = hend;
    }
    if (hend == host)
        return redis_bad(t, e, "no host");
    for (const char *c = host; c < hend; c++)
        if (strchr(ok, *c) == NULL)
            return redis_bad(t, e, "bad character in the host");
    t->host = xasprintf("%.*s", (int)(hend - host), host);
    if (after < end) {
        char port[8];
        int64_t v;
        size_t n = (size_t)(end - after - 1);

        if (*after != ':')
            return redis_bad(t, e, "bad character after the host");
        if (n == 0 || n >= sizeof port || strspn(after + 1, "0123456789") < n)
            return redis_bad(t, e, "port must be 1-65535");
        memcpy(port, after + 1, n);
        port[n] = '\0';
        if (str_to_i64(port, 1, 65535, &v) < 0)
            return redis_bad(t, e, "port must be 1-65535");
        t->port = (int)v;
    }
    return 0;
}

int
redis_url_parse(const char *url, struct redis_target *t, struct werr *e)
{
    const char *p, *end, *at = NULL;

    memset(t, 0, sizeof *t);
    t->port = 6379;
    if (url == NULL || *url == '\0')
        return redis_bad(t, e, "no URL");
    if (str_starts(url, "unix://"))
        return parse_unix(url + 7, t, e);
    if (!str_starts(url, "redis://"))
        return redis_bad(t, e, "the URL must start with redis:// or unix://");
    p = url + 8;
    end = p + strcspn(p, "/?#");
    for (const char *c = p; c < end; c++)
        if (*c == '@')
            at = c;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));

        if (colon == NULL)
            return redis_bad(t, e, "put a colon before the password, as in redis://:password@host");
        if (at > colon + 1 &&
            (t->password = pct_decode(colon + 1, (size_t)(at - colon - 1))) == NULL)
            return redis_bad(t, e, "bad %-escape in the password");
        p = at + 1;
    }
    if (parse_host_port(p, end, t, e) < 0)
        return -1;
    if (*end == '/' && end[1] != '\0' && parse_db(end + 1, strlen(end + 1), &t->db) < 0)
        return redis_bad(t, e, "db must be a non-negative integer");
    if (*end == '?' || *end == '#')
        return redis_bad(t, e, "unexpected ? or # after the host");
    return 0;
}

void
redis_url_free(struct redis_target *t)
{
    free(t->host);
    free(t->path);
    if (t->password)
        explicit_bzero(t->password, strlen(t->password));
    free(t->password);
    memset(t, 0, sizeof *t);
}
