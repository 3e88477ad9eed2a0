/*
 * router_routeros.c - MikroTik RouterOS over the CLI on an SSH exec channel.
 *
 * What RouterOS prints is not made for machines (see
 * ../shared/reference/routeros_opennds.md): tables truncate without a
 * terminal, v7 terse leaves values with spaces unquoted and groups digits
 * with spaces, errors come as text with exit status 0, lines end in CRLF and
 * log lines may be echoed in between. So wisp reads:
 *   health    `/system identity print`, `/system resource print` (key: value)
 *   users     `/ip hotspot user print terse`, parsed by anchoring on known keys
 *   sessions  a :foreach script that :puts one "wisp-active;..." line per
 *             session with `get`, then "wisp-end" (a missing end = garbage)
 * and writes with scripts of many users per exec, each user in its own
 * `:do {...} on-error={...}` so one refusal does not stop the rest, and each
 * answering "wisp-ok NAME" or "wisp-err NAME".
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/driver.h"
#include "wisp/i18n.h"

/* *total += n * unit, refusing what does not fit. */
static bool
add_units(int64_t *total, int64_t n, int64_t unit)
{
    return i64_mul(n, unit, &n) == 0 && i64_add(*total, n, total) == 0;
}

long long
ros_parse_time(const char *s)
{
    int64_t total = 0, n = 0;
    bool digits = false, any = false;

    if (!s || !*s)
        return -1;
    /* [Nw][Nd]HH:MM:SS[.frac] (script time) or [Nw][Nd][Nh][Nm][Ns] */
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (i64_mul(n, 10, &n) < 0 || i64_add(n, *p - '0', &n) < 0)
                return -1;
            digits = true;
            continue;
        }
        if (!digits)
            return -1;
        switch (*p) {
        case 'w':
            if (!add_units(&total, n, 604800))
                return -1;
            break;
        case 'd':
            if (!add_units(&total, n, 86400))
                return -1;
            break;
        case 'h':
            if (!add_units(&total, n, 3600))
                return -1;
            break;
        case 'm':
            if (p[1] == 's') /* "60ms": below a second */
                return total;
            if (!add_units(&total, n, 60))
                return -1;
            break;
        case 's':
            if (!add_units(&total, n, 1))
                return -1;
            break;
        case ':': { /* n was the hours of HH:MM:SS[.frac] */
            int mm, ss;

            if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
                !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]))
                return -1;
            mm = (p[1] - '0') * 10 + (p[2] - '0');
            ss = (p[4] - '0') * 10 + (p[5] - '0');
            if (mm > 59 || ss > 59 || !add_units(&total, n, 3600) ||
                !add_units(&total, mm * 60 + ss, 1))
                return -1;
            p += 5;
            if (p[1] == '.') /* a fraction of a second */
                for (p++; isdigit((unsigned char)p[1]);)
                    p++;
            break;
        }
        default:
            return -1;
        }
        n = 0;
        digits = false;
        any = true;
    }
    if (digits)
        return -1; /* a number without a unit */
    return any ? total : -1;
}

void
ros_format_time(long long s, char *out, size_t n)
{
    static const struct {
        char unit;
        long long secs;
    } parts[] = {{'w', 604800}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    size_t len = 0;

    out[0] = '\0';
    if (s <= 0) {
        snprintf(out, n, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && len < n; i++)
        if (s >= parts[i].secs) {
            len += (size_t)snprintf(out + len, n - len, "%lld%c", s / parts[i].secs, parts[i].unit);
            s %= parts[i].secs;
        }
}

long long
ros_parse_int(const char *s)
{
    long long v = 0;
    bool any = false;

    for (; *s; s++) {
        if (*s == ' ' && any && isdigit((unsigned char)s[1]))
            continue;
        if (!isdigit((unsigned char)*s) || v > 922337203685477LL)
            return -1;
        v = v * 10 + (*s - '0');
        any = true;
    }
    return any ? v : -1;
}

long long
ros_parse_size(const char *s)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t len = strspn(s, "0123456789.");
    int64_t v, unit = 1;
    int k = 0;

    /* RouterOS prints one decimal; thousandths keep "0.001KiB" exact enough */
    if (str_n_to_fixed(s, len, 3, 0, INT64_MAX, &v) < 0)
        return -1;
    if (s[len]) {
        for (k = 0; k < 5 && !str_eq(s + len, units[k]); k++)
            ;
        if (k == 5)
            return -1;
    }
    for (int i = 0; i < k; i++)
        unit *= 1024;
    if (i64_mul(v, unit, &v) < 0 || i64_add(v, 500, &v) < 0)
        return -1;
    return v / 1000;
}

/* "17:20:06 echo: system,error,critical ..." */
static bool
is_log_line(const char *p, size_t len)
{
    return len > 15 && isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
           p[2] == ':' && isdigit((unsigned char)p[3]) && p[5] == ':' && p[8] == ' ' &&
           strncmp(p + 9, "echo: ", 6) == 0;
}

void
ros_clean(struct sbuf *out)
{
    size_t w = 0;

    for (size_t r = 0; r < out->len;) {
        const char *nl = memchr(out->buf + r, '\n', out->len - r);
        size_t len = nl ? (size_t)(nl - (out->buf + r)) : out->len - r;

        if (!is_log_line(out->buf + r, len))
            for (size_t i = 0; i < len + (nl ? 1 : 0); i++)
                if (out->buf[r + i] != '\r')
                    out->buf[w++] = out->buf[r + i];
        r += len + (nl ? 1 : 0);
    }
    out->len = w;
    if (out->buf)
        out->buf[w] = '\0';
}

static const char *const ros_errors[] = {
    "bad command name", "syntax error",     "expected end of command",
    "no such item",     "expected item id", "input does not match",
    "invalid value",    "failure:",         "bad parameter",
    "value of ",        "action cancelled", NULL,
};

const char *
ros_find_error(const char *text, size_t *len)
{
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);

        while (n && isspace((unsigned char)*line)) {
            line++;
            n--;
        }
        for (int i = 0; ros_errors[i]; i++)
            if (n >= strlen(ros_errors[i]) &&
                strncmp(line, ros_errors[i], strlen(ros_errors[i])) == 0) {
                *len = n;
                return line;
            }
        line = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/* "  key: value" lines: the value of key, trimmed, into out. 1: found; 0: no
 * such line; -1: found but longer than out holds (cut: no number then). */
static int
kv_get(const char *text, const char *key, char *out, size_t n)
{
    size_t klen = strlen(key);

    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        const char *p = line;

        while (*p == ' ')
            p++;
        if (strncmp(p, key, klen) == 0 && p[klen] == ':') {
            size_t len;

            p += klen + 1;
            while (*p == ' ')
                p++;
            len = nl ? (size_t)(nl - p) : strlen(p);
            while (len && isspace((unsigned char)p[len - 1]))
                len--;
            if (len >= n) {
                memcpy(out, p, n - 1);
                out[n - 1] = '\0';
                return -1;
            }
            memcpy(out, p, len);
            out[len] = '\0';
            return 1;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* A value out of its range or form: the router's answer is garbage. */
static int
bad_value(struct werr *e, const char *what, const char *key, const char *v, const char *expected)
{
    char q[80];

    return werr_set(e, WISP_ERUNTIME, _("cannot read %s: %s \"%s\" is not %s"), what, key,
                    str_quote(v, 40, q, sizeof q), expected);
}

int
ros_parse_health(const char *resource, const char *identity, struct rt_health *h, struct werr *e)
{
    static const char *const what = "/system resource print";
    char v[64];
    size_t elen;
    const char *err = ros_find_error(resource, &elen);
    int rc;

    memset(h, 0, sizeof *h);
    h->cpu_load = -1;
    h->mem_total = h->mem_free = h->uptime_s = -1;
    if (err)
        return werr_set(e, WISP_ERUNTIME, _("the router said: %.*s"), (int)elen, err);
    if (!(rc = kv_get(resource, "uptime", v, sizeof v)))
        return werr_set(e, WISP_ERUNTIME, _("cannot read %s: no uptime line in its output"), what);
    if (rc < 0 || (h->uptime_s = ros_parse_time(v)) < 0)
        return bad_value(e, what, "uptime", v, "a time");
    if (kv_get(resource, "version", h->version, sizeof h->version) && !h->version[0])
        return werr_set(e, WISP_ERUNTIME, _("cannot read %s: empty version"), what);
    if ((rc = kv_get(resource, "cpu-load", v, sizeof v))) {
        size_t len = strlen(v);
        int64_t l;

        if (rc < 0 || len < 2 || v[len - 1] != '%' || str_n_to_i64(v, len - 1, 0, 100, &l) < 0)
            return bad_value(e, what, "cpu-load", v, "a percentage");
        h->cpu_load = (int)l;
    }
    if ((rc = kv_get(resource, "total-memory", v, sizeof v)) &&
        (rc < 0 || (h->mem_total = ros_parse_size(v)) < 0))
        return bad_value(e, what, "total-memory", v, "a size");
    if ((rc = kv_get(resource, "free-memory", v, sizeof v)) &&
        (rc < 0 || (h->mem_free = ros_parse_size(v)) < 0))
        return bad_value(e, what, "free-memory", v, "a size");
    if (identity && !kv_get(identity, "name", h->identity, sizeof h->identity))
        return werr_set(e, WISP_ERUNTIME, _("cannot read /system identity print: no name line"));
    return 0;
}

/* Where " key=" (or key= at from) starts in line at or after from, for any
 * of keys; NULL when none. *which receives the key. */
static const char *
next_anchor(const char *line, const char *from, const char *const *keys, const char **which)
{
    const char *best = NULL;

    for (int i = 0; keys[i]; i++) {
        size_t kl = strlen(keys[i]);

        for (const char *p = from; (p = strstr(p, keys[i])); p++)
            if (p[kl] == '=' && (p == line || p[-1] == ' ')) {
                if (!best || p < best) {
                    best = p;
                    *which = keys[i];
                }
                break;
            }
    }
    return best;
}

bool
ros_terse_get(const char *line, const char *const *keys, const char *key, char *out, size_t n)
{
    const char *const only[] = {key, NULL};
    const char *which = NULL, *p, *v, *end, *next_key = NULL;
    size_t len;

    out[0] = '\0';
    /* key's first anchor, then the next anchor of any key after its value:
     * one pass each, not one per anchor before it */
    if (!(p = next_anchor(line, line, only, &which)))
        return false;
    v = p + strlen(key) + 1;
    end = next_anchor(line, v, keys, &next_key);
    if (!end)
        end = v + strlen(v);
    else
        end--; /* the space before the next key */
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    if (end - v >= 2 && *v == '"' && end[-1] == '"') {
        v++;
        end--;
    }
    len = (size_t)(end - v) < n - 1 ? (size_t)(end - v) : n - 1;
    memcpy(out, v, len);
    out[len] = '\0';
    return true;
}

void
ros_terse_flags(const char *line, char *out, size_t n)
{
    const char *p = line;
    size_t k = 0;

    while (*p == ' ')
        p++;
    while (isdigit((unsigned char)*p))
        p++;
    for (; *p && !(islower((unsigned char)*p)) && k + 1 < n; p++)
        if (isupper((unsigned char)*p))
            out[k++] = *p;
    out[k] = '\0';
}

static const char *const user_keys[] = {
    "comment",           "server",  "name",     "password",     "profile",        "address",
    "mac-address",       "email",   "routes",   "limit-uptime", "limit-bytes-in", "limit-bytes-out",
    "limit-bytes-total", "uptime",  "bytes-in", "bytes-out",    "packets-in",     "packets-out",
    "disabled",          "default", NULL,
};

int
ros_parse_users(const char *text, struct rt_user **users, size_t *n, struct werr *e)
{
    size_t cap = 0, elen;
    const char *err = ros_find_error(text, &elen);

    *users = NULL;
    *n = 0;
    if (err)
        return werr_set(e, WISP_ERUNTIME, _("the router said: %.*s"), (int)elen, err);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *l = xasprintf("%.*s", (int)len, line), v[64], flags[8];
        struct rt_user *u;

        line = nl ? nl + 1 : NULL;
        if (!ros_terse_get(l, user_keys, "name", v, sizeof v)) {
            bool skip = strspn(l, " \t") == len || str_starts(l, "Flags:");

            free(l);
            if (skip)
                continue;
            free(*users);
            *users = NULL;
            *n = 0;
            return werr_set(e, WISP_ERUNTIME,
                            _("cannot read /ip hotspot user print terse: a line without name="));
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *users = xrealloc(*users, cap * sizeof **users);
        }
        u = &(*users)[(*n)++];
        memset(u, 0, sizeof *u);
        snprintf(u->name, sizeof u->name, "%s", v);
        ros_terse_get(l, user_keys, "password", u->password, sizeof u->password);
        ros_terse_get(l, user_keys, "profile", u->profile, sizeof u->profile);
        /* a value filling v may have been cut: refused, as a bad one */
        if ((ros_terse_get(l, user_keys, "limit-uptime", v, sizeof v) &&
             (strlen(v) + 1 == sizeof v || (u->uptime_s = ros_parse_time(v)) < 0)) ||
            (ros_terse_get(l, user_keys, "limit-bytes-total", v, sizeof v) &&
             (strlen(v) + 1 == sizeof v || (u->bytes = ros_parse_int(v)) < 0))) {
            int rc = bad_value(e, "/ip hotspot user print terse", u->name, v, "a limit");

            free(l);
            free(*users);
            *users = NULL;
            *n = 0;
            return rc;
        }
        ros_terse_get(l, user_keys, "mac-address", u->mac, sizeof u->mac);
        ros_terse_flags(l, flags, sizeof flags);
        u->disabled =
            strchr(flags, 'X') != NULL || (ros_terse_get(l, user_keys, "disabled", v, sizeof v) &&
                                           (str_eq(v, "yes") || str_eq(v, "true")));
        free(l);
    }
    return 0;
}

int
ros_parse_sessions(const char *text, struct rt_session **ss, size_t *n, struct werr *e)
{
    size_t cap = 0, elen;
    bool ended = false;
    const char *err = ros_find_error(text, &elen);

    *ss = NULL;
    *n = 0;
    if (err)
        return werr_set(e, WISP_ERUNTIME, _("the router said: %.*s"), (int)elen, err);
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *l = xasprintf("%.*s", (int)len, line), *f[8], *p = l;
        int k = 0;

        line = nl ? nl + 1 : NULL;
        if (str_eq(l, "wisp-end")) {
            ended = true;
            free(l);
            continue;
        }
        if (!str_starts(l, "wisp-active;")) {
            bool blank = strspn(l, " \t") == len;

            free(l);
            if (blank)
                continue;
            goto garbage;
        }
        p += strlen("wisp-active;");
        /* strsep keeps empty fields (session-time-left may be empty) */
        while (k < 7 && (f[k] = strsep(&p, ";")))
            k++;
        if (k != 7 || p) {
            free(l);
            goto garbage;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *ss = xrealloc(*ss, cap * sizeof **ss);
        }
        {
            struct rt_session *s = &(*ss)[*n];

            memset(s, 0, sizeof *s);
            snprintf(s->user, sizeof s->user, "%s", f[0]);
            snprintf(s->mac, sizeof s->mac, "%s", f[1]);
            for (char *m = s->mac; *m; m++)
                *m = (char)toupper((unsigned char)*m);
            snprintf(s->ip, sizeof s->ip, "%s", f[2]);
            s->uptime_s = ros_parse_time(f[3]);
            s->bytes_in = ros_parse_int(f[4]);
            s->bytes_out = ros_parse_int(f[5]);
            s->time_left_s = *f[6] ? ros_parse_time(f[6]) : -1;
            if (!s->user[0] || s->uptime_s < 0 || s->bytes_in < 0 || s->bytes_out < 0 ||
                (*f[6] && s->time_left_s < 0)) {
                free(l);
                goto garbage;
            }
            (*n)++;
        }
        free(l);
    }
    if (!ended)
        goto garbage;
    return 0;
garbage:
    free(*ss);
    *ss = NULL;
    *n = 0;
    return werr_set(
        e, WISP_ERUNTIME,
        _("cannot read the active sessions: the router's answer is not what wisp asked for"));
}

/* --- the driver ------------------------------------------------------- */

static int
ros_health(struct rconn *c, struct rt_health *h, struct werr *e)
{
    if (driver_run(c, "/system identity print; /system resource print without-paging", NULL, e) < 0)
        return -1;
    return ros_parse_health(c->out.buf, c->out.buf, h, e);
}

int
ros_parse_answers(const char *text, const char *const *names, size_t n, char **errs,
                  const char *what, struct werr *e)
{
    size_t elen;

    for (size_t i = 0; i < n; i++) {
        char ok[96], bad[96];

        snprintf(ok, sizeof ok, "wisp-ok %s\n", names[i]);
        snprintf(bad, sizeof bad, "wisp-err %s\n", names[i]);
        if (strstr(text, ok))
            errs[i] = NULL;
        else if (strstr(text, bad))
            errs[i] = xasprintf("the router refused to %s it", what);
        else {
            const char *err = ros_find_error(text, &elen);

            for (size_t j = 0; j < i; j++) {
                free(errs[j]);
                errs[j] = NULL;
            }
            if (err)
                return werr_set(e, WISP_ERUNTIME, _("the router said: %.*s"), (int)elen, err);
            return werr_set(e, WISP_ERUNTIME,
                            _("the router's answer is not what wisp asked for (no word on %s)"),
                            names[i]);
        }
    }
    return 0;
}

/* `:put "WORD NAME"`: the name inside the one literal, never bare. */
static void
put_marker(struct sbuf *sb, const char *word, const char *name)
{
    char *text = xasprintf("%s %s", word, name);

    sb_add(sb, ":put ");
    ros_quote(sb, text);
    free(text);
}

/* The end of a `:do {...` for name: "wisp-ok NAME" when its body ran,
 * "wisp-err NAME" when the router refused something in it. */
static void
end_do(struct sbuf *sb, const char *name)
{
    put_marker(sb, "wisp-ok", name);
    sb_add(sb, "} on-error={");
    put_marker(sb, "wisp-err", name);
    sb_add(sb, "}");
}

/* The answers "wisp-ok NAME" / "wisp-err NAME" for names, into errs. */
static int
read_answers(struct rconn *c, const char *const *names, size_t n, char **errs, const char *what,
             struct werr *e)
{
    return ros_parse_answers(c->out.buf ? c->out.buf : "", names, n, errs, what, e);
}

static void
add_profile(struct sbuf *sb, const struct rt_user *u)
{
    sb_add(sb, ":if ([:len [/ip hotspot user profile find name=");
    ros_quote(sb, u->profile);
    sb_add(sb, "]] = 0) do={/ip hotspot user profile add name=");
    ros_quote(sb, u->profile);
    if (u->rate[0]) {
        sb_add(sb, " rate-limit=");
        ros_quote(sb, u->rate);
    }
    if (u->shared_users > 0)
        sb_printf(sb, " shared-users=%d", u->shared_users);
    sb_add(sb, "}; ");
}

/* One user's statement of a push script. */
static void
user_stmt(struct sbuf *sb, const struct rconn *c, const struct rt_user *x)
{
    char t[32];

    sb_add(sb, ":do {:if ([:len [/ip hotspot user find name=");
    ros_quote(sb, x->name);
    sb_add(sb, "]] = 0) do={/ip hotspot user add name=");
    ros_quote(sb, x->name);
    if (c->hotspot_server && *c->hotspot_server) {
        sb_add(sb, " server=");
        ros_quote(sb, c->hotspot_server);
    }
    sb_add(sb, "}; /ip hotspot user set [find name=");
    ros_quote(sb, x->name);
    sb_add(sb, "] password=");
    ros_quote(sb, x->password);
    if (x->profile[0]) {
        sb_add(sb, " profile=");
        ros_quote(sb, x->profile);
    }
    ros_format_time(x->uptime_s, t, sizeof t);
    sb_printf(sb, " limit-uptime=%s limit-bytes-total=%lld", t, x->bytes);
    sb_add(sb, " mac-address=");
    ros_quote(sb, x->mac[0] ? x->mac : "00:00:00:00:00:00");
    sb_printf(sb, " comment=\"wisp\" disabled=%s; ", x->disabled ? "yes" : "no");
    if (x->reset) {
        sb_add(sb, "/ip hotspot user reset-counters [find name=");
        ros_quote(sb, x->name);
        sb_add(sb, "]; ");
    }
    if (x->disabled) {
        sb_add(sb, "/ip hotspot active remove [find user=");
        ros_quote(sb, x->name);
        sb_add(sb, "]; ");
    }
    end_do(sb, x->name);
    sb_add(sb, "; ");
}

/* Users in scripts of at most DRIVER_SCRIPT_MAX bytes (an SSH exec request
 * must fit one packet), each script creating the profiles it uses first. */
static int
ros_push(struct rconn *c, const struct rt_user *u, size_t n, char **errs, struct werr *e)
{
    size_t at = 0;

    while (at < n) {
        struct sbuf head = {0}, body = {0};
        const char **names;
        size_t m = 0;
        int rc;

        while (at + m < n && m < DRIVER_PUSH_CHUNK) {
            const struct rt_user *x = &u[at + m];
            size_t before = body.len, hbefore = head.len;
            bool seen = false;

            for (size_t j = 0; j < m && !seen; j++)
                seen = str_eq(u[at + j].profile, x->profile);
            if (!seen && x->profile[0])
                add_profile(&head, x);
            user_stmt(&body, c, x);
            if (m > 0 && head.len + body.len > DRIVER_SCRIPT_MAX) {
                body.len = before;
                body.buf[before] = '\0';
                head.len = hbefore;
                if (head.buf)
                    head.buf[hbefore] = '\0';
                break;
            }
            m++;
        }
        names = xcalloc(m, sizeof *names);
        for (size_t i = 0; i < m; i++)
            names[i] = u[at + i].name;
        sb_addn(&head, body.buf, body.len);
        sb_free(&body);
        rc = driver_run(c, head.buf, NULL, e);
        sb_free(&head);
        if (rc == 0)
            rc = read_answers(c, names, m, errs + at, "add or update", e);
        free(names);
        if (rc < 0) {
            for (size_t j = 0; j < at; j++) {
                free(errs[j]);
                errs[j] = NULL;
            }
            return -1;
        }
        at += m;
    }
    return 0;
}

static int
ros_list_users(struct rconn *c, struct rt_user **u, size_t *n, struct werr *e)
{
    if (driver_run(c, "/ip hotspot user print terse without-paging", NULL, e) < 0)
        return -1;
    return ros_parse_users(c->out.buf ? c->out.buf : "", u, n, e);
}

static int
ros_remove(struct rconn *c, const char *const *names, size_t n, struct werr *e)
{
    for (size_t at = 0; at < n; at += DRIVER_REMOVE_CHUNK) {
        size_t m = n - at < DRIVER_REMOVE_CHUNK ? n - at : DRIVER_REMOVE_CHUNK;
        char **errs = xcalloc(m, sizeof *errs);
        struct sbuf sb = {0};
        int rc;

        for (size_t i = 0; i < m; i++) {
            sb_add(&sb, ":do {/ip hotspot active remove [find user=");
            ros_quote(&sb, names[at + i]);
            sb_add(&sb, "]; /ip hotspot user remove [find name=");
            ros_quote(&sb, names[at + i]);
            sb_add(&sb, "]; ");
            end_do(&sb, names[at + i]);
            sb_add(&sb, "; ");
        }
        rc = driver_run(c, sb.buf, NULL, e);
        sb_free(&sb);
        if (rc == 0)
            rc = read_answers(c, names + at, m, errs, "remove", e);
        for (size_t i = 0; i < m; i++) {
            if (errs[i] && rc == 0)
                rc = werr_set(e, WISP_ERUNTIME, "%s: %s", names[at + i], errs[i]);
            free(errs[i]);
        }
        free(errs);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int
ros_parse_marked(const char *text, struct rt_user **users, size_t *n, struct werr *e)
{
    size_t cap = 0, elen;
    bool ended = false;
    const char *err = ros_find_error(text, &elen);

    *users = NULL;
    *n = 0;
    if (err)
        return werr_set(e, WISP_ERUNTIME, _("the router said: %.*s"), (int)elen, err);
    for (const char *line = text; line && *line && !ended;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        const char *name = line + strlen("wisp-user;");
        size_t nlen = len - strlen("wisp-user;");

        if (len == strlen("wisp-end") && strncmp(line, "wisp-end", len) == 0) {
            ended = true;
        } else if (len > strlen("wisp-user;") && strncmp(line, "wisp-user;", 10) == 0 &&
                   nlen < sizeof(*users)->name) {
            if (*n == cap) {
                cap = cap ? cap * 2 : 64;
                *users = xrealloc(*users, cap * sizeof **users);
            }
            memset(&(*users)[*n], 0, sizeof **users);
            memcpy((*users)[*n].name, name, nlen);
            (*n)++;
        } else if (strspn(line, " \t") != len) {
            break; /* garbage */
        }
        line = nl ? nl + 1 : NULL;
    }
    if (ended)
        return 0;
    free(*users);
    *users = NULL;
    *n = 0;
    return werr_set(e, WISP_ERUNTIME,
                    _("cannot read the router's users: the answer is not what wisp asked for"));
}

/* Users with wisp's mark: one "wisp-user;NAME" line each, then "wisp-end". */
static int
ros_list_marked(struct rconn *c, struct rt_user **u, size_t *n, struct werr *e)
{
    struct sbuf sb = {0};
    int rc;

    sb_add(&sb, ":foreach i in=[/ip hotspot user find comment=");
    ros_quote(&sb, "wisp");
    sb_add(&sb, "] do={:put (\"wisp-user;\" . [/ip hotspot user get $i name])}; :put \"wisp-end\"");
    rc = driver_run(c, sb.buf, NULL, e);
    sb_free(&sb);
    if (rc < 0)
        return -1;
    return ros_parse_marked(c->out.buf ? c->out.buf : "", u, n, e);
}

/* The :foreach script that :puts one "wisp-active;..." line per session. */
static void
sessions_script(struct sbuf *sb, const char *server)
{
    static const char *const fields[] = {"user",     "mac-address", "address",          "uptime",
                                         "bytes-in", "bytes-out",   "session-time-left"};

    sb_add(sb, ":foreach i in=[/ip hotspot active find");
    if (server && *server) {
        sb_add(sb, " server=");
        ros_quote(sb, server);
    }
    sb_add(sb, "] do={:put (\"wisp-active\"");
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        sb_printf(sb, " . \";\" . [/ip hotspot active get $i %s]", fields[i]);
    sb_add(sb, ")}; :put \"wisp-end\"");
}

static int
ros_sessions(struct rconn *c, struct rt_session **s, size_t *n, struct werr *e)
{
    struct sbuf sb = {0};
    int rc;

    sessions_script(&sb, c->hotspot_server);
    rc = driver_run(c, sb.buf, NULL, e);
    sb_free(&sb);
    if (rc < 0)
        return -1;
    return ros_parse_sessions(c->out.buf ? c->out.buf : "", s, n, e);
}

/* Health and sessions in one exec: a cycle's only round trip when there is
 * nothing to push. The "wisp-" lines are the sessions, the rest the two
 * prints. */
static int
ros_poll(struct rconn *c, struct rt_health *h, struct rt_session **s, size_t *n, struct werr *e,
         struct werr *se)
{
    struct sbuf sb = {0};
    int rc;

    *s = NULL;
    *n = 0;
    sb_add(&sb, "/system identity print; /system resource print without-paging; ");
    sessions_script(&sb, c->hotspot_server);
    rc = driver_run(c, sb.buf, NULL, e);
    sb_free(&sb);
    if (rc < 0)
        return -1;
    return ros_parse_poll(c->out.buf, h, s, n, e, se);
}

int
ros_parse_poll(const char *text, struct rt_health *h, struct rt_session **s, size_t *n,
               struct werr *e, struct werr *se)
{
    struct sbuf rest = {0}, mine = {0};
    int rc;

    *s = NULL;
    *n = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);

        sb_addn(str_starts(line, "wisp-") ? &mine : &rest, line, len);
        line += len;
    }
    rc = ros_parse_health(rest.buf ? rest.buf : "", rest.buf ? rest.buf : "", h, e);
    if (rc == 0 && ros_parse_sessions(mine.buf ? mine.buf : "", s, n, se) < 0)
        rc = 1; /* healthy, but the sessions were garbage */
    sb_free(&rest);
    sb_free(&mine);
    return rc;
}

static int
ros_kick(struct rconn *c, const struct rt_session *s, struct werr *e)
{
    struct sbuf sb = {0};
    const char *name = s->user;
    char *errs[1] = {NULL};
    int rc;

    sb_add(&sb, ":do {/ip hotspot active remove [find user=");
    ros_quote(&sb, s->user);
    if (s->mac[0]) {
        sb_add(&sb, " mac-address=");
        ros_quote(&sb, s->mac);
    }
    sb_add(&sb, "]; ");
    end_do(&sb, s->user);
    rc = driver_run(c, sb.buf, NULL, e);
    sb_free(&sb);
    if (rc == 0)
        rc = read_answers(c, &name, 1, errs, "kick", e);
    if (rc == 0 && errs[0])
        rc = werr_set(e, WISP_ERUNTIME, "%s", errs[0]);
    free(errs[0]);
    return rc;
}

/* The end of an access script: its word, or the router's error. */
static int
access_answer(struct rconn *c, struct werr *e)
{
    const char *t = c->out.buf ? c->out.buf : "";
    size_t len;
    const char *err = ros_find_error(t, &len);

    if (err)
        return werr_set(e, WISP_ERUNTIME, _("the router said: %.*s"), (int)len, err);
    if (!strstr(t, "wisp-access-ok"))
        return werr_set(e, WISP_ERUNTIME, _("the router did not confirm the walled garden: %.80s"),
                        t);
    return 0;
}

/* wisp's walled-garden hosts and ip-bindings (comment "wisp") replaced by
 * a: all of them removed, then each added, in scripts under
 * DRIVER_SCRIPT_MAX. A failure leaves the marks for the next round, which
 * starts over. */
static int
ros_access_sync(struct rconn *c, const struct rt_access *a, size_t n, struct werr *e)
{
    size_t at = 0;

    do {
        struct sbuf sb = {0};
        int rc;

        if (at == 0)
            sb_add(&sb, "/ip hotspot walled-garden remove [find comment=\"wisp\"]; "
                        "/ip hotspot ip-binding remove [find comment=\"wisp\"]; ");
        for (; at < n && sb.len < DRIVER_SCRIPT_MAX - 600; at++) {
            bool garden = str_eq(a[at].kind, "garden");

            sb_add(&sb, garden ? "/ip hotspot walled-garden add dst-host="
                               : "/ip hotspot ip-binding add mac-address=");
            ros_quote(&sb, a[at].value);
            if (!garden)
                sb_add(&sb, str_eq(a[at].kind, "block") ? " type=blocked" : " type=bypassed");
            if (c->hotspot_server && *c->hotspot_server) {
                sb_add(&sb, " server=");
                ros_quote(&sb, c->hotspot_server);
            }
            sb_add(&sb, " comment=\"wisp\"; ");
        }
        sb_add(&sb, ":put \"wisp-access-ok\"");
        rc = driver_run(c, sb.buf, NULL, e);
        sb_free(&sb);
        if (rc == 0)
            rc = access_answer(c, e);
        if (rc < 0)
            return -1;
    } while (at < n);
    return 0;
}

void
ros_radius_script(struct sbuf *sb, const struct ros_radius_setup *s)
{
    /* service=login is left out on purpose: it would let RADIUS users (a
     * voucher) log in to the router itself */
    sb_add(sb, "/radius remove [find comment=\"wisp\"]\n/radius add service=");
    ros_quote(sb, s->ppp ? "hotspot,ppp" : "hotspot");
    sb_add(sb, " address=");
    ros_quote(sb, s->server);
    sb_add(sb, " secret=");
    ros_quote(sb, s->secret);
    sb_printf(sb, " authentication-port=%d accounting-port=%d timeout=", s->auth_port,
              s->auth_port + 1);
    ros_quote(sb, "3s");
    sb_add(sb, " comment=\"wisp\"\n");
    sb_printf(sb, "/radius incoming set accept=yes port=%d\n", s->coa_port);
    sb_add(sb, "/ip hotspot profile set ");
    if (s->profile) {
        sb_add(sb, "[find name=");
        ros_quote(sb, s->profile);
        sb_add(sb, "]");
    } else {
        sb_add(sb, "[find]");
    }
    sb_add(sb, " use-radius=yes radius-accounting=yes radius-interim-update=");
    ros_quote(sb, "received");
    sb_add(sb, "\n");
    if (s->ppp) {
        sb_add(sb, "/ppp aaa set use-radius=yes accounting=yes interim-update=");
        ros_quote(sb, s->interim ? s->interim : "5m");
        sb_add(sb, "\n");
    }
}

const struct driver driver_routeros = {
    .name = "routeros",
    .health = ros_health,
    .push_users = ros_push,
    .list_users = ros_list_users,
    .list_marked = ros_list_marked,
    .remove_users = ros_remove,
    .list_sessions = ros_sessions,
    .kick = ros_kick,
    .poll = ros_poll,
    .access_sync = ros_access_sync,
};
