/*
 * router_opennds.c - OpenWrt with openNDS and its voucher ThemeSpec
 * (community/themespec/theme_voucher), over SSH to the router's shell.
 *
 * The theme keeps its vouchers as lines of a roll, /tmp/ndslog/vouchers.txt:
 *   code,rate down kb/s,rate up kb/s,quota down kB,quota up kB,validity min,first use
 * and accepts only 9-character codes of letters, digits and '-'. At a first
 * login it punches the epoch into the 7th column and logs
 *   <date>, theme_voucher - CODE, status=..., mac=..., ip=..., ...
 * to /tmp/ndslog/ndslog.log. wisp writes the roll, reads `ndsctl json`
 * (v9.6+ layout: every value a string, counters in kB) for the clients, and
 * ties each client to its voucher through that log. Kicks are
 * `ndsctl deauth MAC`.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "wisp/driver.h"
#include "wisp/i18n.h"

#define ROLL "/tmp/ndslog/vouchers.txt"
#define LOG  "/tmp/ndslog/ndslog.log"

bool
nds_code_ok(const char *code)
{
    size_t n = 0;

    for (; code[n]; n++)
        if (!isalnum((unsigned char)code[n]) && code[n] != '-')
            return false;
    return n == 9;
}

/* A client's value: ndsctl json writes every number as a string, "null"
 * when unset. Absent or "null" -> dflt; a whole number in [0, max] -> it;
 * anything else -> -1. */
static int
num(json_t *o, const char *key, long long max, long long dflt, long long *out)
{
    json_t *j = json_object_get(o, key);
    const char *v = json_string_value(j);
    int64_t x;

    if (!j || json_is_null(j) || (v && (!*v || str_eq(v, "null")))) {
        *out = dflt;
        return 0;
    }
    if (!v || str_to_i64(v, 0, max, &x) < 0)
        return -1;
    *out = x;
    return 0;
}

int
nds_parse_clients(const char *text, struct rt_session **ss, size_t *n, struct werr *e)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_DISABLE_EOF_CHECK, &je), *clients, *c;
    const char *mac;
    size_t cap = 0;
    long long now = (long long)time(NULL);

    *ss = NULL;
    *n = 0;
    if (!root)
        return werr_set(e, WISP_ERUNTIME, _("cannot read ndsctl json: %s (line %d)"), je.text,
                        je.line);
    clients = json_object_get(root, "clients");
    if (!json_is_object(clients)) {
        json_decref(root);
        return werr_set(e, WISP_ERUNTIME, _("cannot read ndsctl json: no \"clients\" object"));
    }
    json_object_foreach(clients, mac, c)
    {
        struct rt_session *s;
        const char *state = json_string_value(json_object_get(c, "state")), *bad;
        long long start, end;

        if (!json_object_get(c, "download_this_session") || !json_object_get(c, "session_start")) {
            json_decref(root);
            free(*ss);
            *ss = NULL;
            *n = 0;
            return werr_set(
                e, WISP_ERUNTIME,
                _("this router's openNDS is older than 9.6 (its ndsctl json has no "
                  "session_start/download_this_session); wisp needs openNDS 9.6 or later"));
        }
        if (!state || !str_eq(state, "Authenticated"))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *ss = xrealloc(*ss, cap * sizeof **ss);
        }
        s = &(*ss)[(*n)++];
        memset(s, 0, sizeof *s);
        snprintf(s->mac, sizeof s->mac, "%s", mac);
        for (char *m = s->mac; *m; m++)
            *m = (char)toupper((unsigned char)*m);
        snprintf(s->ip, sizeof s->ip, "%s", json_string_value(json_object_get(c, "ip")) ?: "");
        /* times are epoch seconds, counters kB: in range, nothing wraps */
        if (num(c, bad = "session_start", INT64_MAX, 0, &start) < 0 ||
            num(c, bad = "session_end", INT64_MAX, -1, &end) < 0 ||
            num(c, bad = "upload_this_session", INT64_MAX / 1024, 0, &s->bytes_in) < 0 ||
            num(c, bad = "download_this_session", INT64_MAX / 1024, 0, &s->bytes_out) < 0) {
            char q[80];
            int rc =
                werr_set(e, WISP_ERUNTIME,
                         _("cannot read ndsctl json: client %s: %s \"%s\" is not a number "
                           "wisp can use"),
                         s->mac, bad,
                         str_quote(json_string_value(json_object_get(c, bad)), 40, q, sizeof q));

            json_decref(root);
            free(*ss);
            *ss = NULL;
            *n = 0;
            return rc;
        }
        s->uptime_s = start > 0 && now > start ? now - start : 0;
        s->time_left_s = end > 0 ? (end > now ? end - now : 0) : -1;
        s->bytes_in *= 1024;
        s->bytes_out *= 1024;
    }
    json_decref(root);
    return 0;
}

void
nds_match_log(const char *log, struct rt_session *s, size_t n)
{
    for (const char *line = log; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        /* searched within the line only: a search past it would make a long
         * log quadratic */
        const char *t = memmem(line, len, "theme_voucher - ", 16);
        char code[64] = "", mac[18] = "";

        if (t) {
            const char *m = memmem(t, len - (size_t)(t - line), "mac=", 4);
            size_t cl = strcspn(t + 16, ",\n");

            if (cl < sizeof code)
                snprintf(code, sizeof code, "%.*s", (int)cl, t + 16);
            if (m)
                snprintf(mac, sizeof mac, "%.*s", (int)strcspn(m + 4, ",\n "), m + 4);
            for (size_t i = 0; i < n && code[0]; i++)
                if (strcasecmp(s[i].mac, mac) == 0) /* later lines win */
                    snprintf(s[i].user, sizeof s[i].user, "%s", code);
        }
        line = nl ? nl + 1 : NULL;
    }
}

/* One line of the roll, code,rate down,rate up,quota down,quota up,validity,
 * first use (rates kb/s, quotas kB, validity minutes, first use epoch), into u.
 * Ranges keep validity * 60 and quota * 1024 inside int64. */
static bool
roll_line(const char *line, size_t len, struct rt_user *u)
{
    static const int64_t max[6] = {INT64_MAX,        INT64_MAX,      INT64_MAX / 1024,
                                   INT64_MAX / 1024, INT64_MAX / 60, INT64_MAX};
    const char *end = line + len, *p = memchr(line, ',', len);
    int64_t f[6];

    if (!p || p == line || (size_t)(p - line) >= sizeof u->name)
        return false;
    memset(u, 0, sizeof *u);
    memcpy(u->name, line, (size_t)(p - line));
    for (int i = 0; i < 6; i++) {
        const char *q = ++p, *comma = memchr(q, ',', (size_t)(end - q));

        p = comma ? comma : end;
        if ((i < 5) != (comma != NULL) || str_n_to_i64(q, (size_t)(p - q), 0, max[i], &f[i]) < 0)
            return false;
    }
    u->uptime_s = f[4] * 60;
    u->bytes = f[2] * 1024;
    if (f[0] || f[1])
        snprintf(u->rate, sizeof u->rate, "%lldk/%lldk", (long long)f[1], (long long)f[0]);
    u->first_use = f[5];
    return true;
}

int
nds_parse_roll(const char *text, struct rt_user **users, size_t *n, struct werr *e)
{
    size_t cap = 0;

    *users = NULL;
    *n = 0;
    for (const char *line = text; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);

        if (len == 0 || str_starts(line, "wisp-end")) {
            line = nl ? nl + 1 : NULL;
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *users = xrealloc(*users, cap * sizeof **users);
        }
        if (!roll_line(line, len, &(*users)[*n])) {
            free(*users);
            *users = NULL;
            *n = 0;
            return werr_set(e, WISP_ERUNTIME, _("cannot read the voucher roll: bad line \"%.*s\""),
                            (int)(len > 60 ? 60 : len), line);
        }
        (*n)++;
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* "512k", "2M", "1.5M" (bits/s) -> kb/s, rounded; 0 when empty, -1 when bad
 * or too large. */
static long long
kbps(const char *s, size_t len)
{
    size_t digits = strspn(s, "0123456789.");
    int64_t v, mult = 1; /* v in thousandths of the unit */

    if (len == 0)
        return 0;
    if (digits > len || str_n_to_fixed(s, digits, 3, 0, INT64_MAX, &v) < 0 || digits + 1 < len)
        return -1;
    if (digits < len) {
        switch (s[digits]) {
        case 'k':
        case 'K':
            break;
        case 'M':
        case 'm':
            mult = 1000;
            break;
        case 'G':
        case 'g':
            mult = 1000000;
            break;
        default:
            return -1;
        }
    } else {
        mult = 0; /* plain bits/s */
    }
    if (mult == 0)
        return (v / 1000 + 500) / 1000;
    if (i64_mul(v, mult, &v) < 0)
        return -1;
    return v / 1000 + (v % 1000 >= 500);
}

#define HEALTH_SCRIPT                                                                              \
    "cut -d' ' -f1 /proc/uptime; cut -d' ' -f1 /proc/loadavg; cat /proc/sys/kernel/hostname; "     \
    "grep -E '^(MemTotal|MemAvailable):' /proc/meminfo; "                                          \
    "ndsctl status 2>&1 | grep -m1 '^Version:'; echo wisp-health"

/* The next line of *p (without its newline), advancing *p past it. */
static const char *
next_line(const char **p, size_t *len)
{
    const char *line = *p, *nl = strchr(line, '\n');

    *len = nl ? (size_t)(nl - line) : strlen(line);
    *p = nl ? nl + 1 : line + *len;
    return line;
}

/* "MemTotal:       123456 kB" in t: the kB, -1 when absent, -2 when bad. */
static long long
meminfo(const char *t, const char *key)
{
    const char *p = strstr(t, key);
    size_t len;
    int64_t kb;

    if (!p)
        return -1;
    p += strlen(key);
    p += strspn(p, " ");
    len = strspn(p, "0123456789");
    if (!str_starts(p + len, " kB") || str_n_to_i64(p, len, 0, INT64_MAX / 1024, &kb) < 0)
        return -2;
    return kb;
}

int
nds_parse_health(const char *t, struct rt_health *h, struct werr *e)
{
    const char *p = t, *up, *load, *name;
    size_t ul, ll, nl;
    int64_t upv, loadv;
    long long total, avail;

    memset(h, 0, sizeof *h);
    h->cpu_load = -1;
    h->mem_total = h->mem_free = h->uptime_s = -1;
    up = next_line(&p, &ul);
    load = next_line(&p, &ll);
    name = next_line(&p, &nl);
    if (!strstr(t, "wisp-health") || nl == 0 || nl >= sizeof h->identity || memchr(name, ' ', nl) ||
        str_n_to_fixed(up, ul, 0, 0, INT64_MAX, &upv) < 0 ||
        str_n_to_fixed(load, ll, 2, 0, INT64_MAX, &loadv) < 0)
        return werr_set(e, WISP_ERUNTIME, _("cannot read the router's health: unexpected output"));
    memcpy(h->identity, name, nl);
    h->uptime_s = upv;
    h->cpu_load = loadv > 100 ? 100 : (int)loadv; /* load average 1.00 = 100 % */
    if ((total = meminfo(t, "MemTotal:")) < -1 || (avail = meminfo(t, "MemAvailable:")) < -1)
        return werr_set(e, WISP_ERUNTIME, _("cannot read the router's health: bad /proc/meminfo"));
    h->mem_total = total >= 0 ? total * 1024 : -1;
    h->mem_free = avail >= 0 ? avail * 1024 : -1;
    if (!(p = strstr(t, "Version: ")))
        return werr_set(e, WISP_ERUNTIME,
                        _("openNDS is not running on this router (ndsctl status said no version)"));
    snprintf(h->version, sizeof h->version, "openNDS %.*s", (int)strcspn(p + 9, "\n"), p + 9);
    return 0;
}

static int
nds_health(struct rconn *c, struct rt_health *h, struct werr *e)
{
    if (driver_run(c, HEALTH_SCRIPT, NULL, e) < 0)
        return -1;
    return nds_parse_health(c->out.buf, h, e);
}

/* ndsctl json's output and exit status, then the voucher log: sessions. */
static int
parse_sessions(const char *json, int status, const char *log, struct rt_session **s, size_t *n,
               struct werr *e)
{
    if (status != 0)
        return werr_set(e, WISP_ERUNTIME, _("ndsctl json failed (exit %d): %.*s"), status,
                        (int)strcspn(json, "\n"), json);
    if (nds_parse_clients(json, s, n, e) < 0)
        return -1;
    nds_match_log(log, *s, *n);
    return 0;
}

/* Health, clients and the voucher log in one exec, split at marker lines. */
static int
nds_poll(struct rconn *c, struct rt_health *h, struct rt_session **s, size_t *n, struct werr *e,
         struct werr *se)
{
    *s = NULL;
    *n = 0;
    if (driver_run(c,
                   HEALTH_SCRIPT "; ndsctl json 2>&1; printf '\\nwisp-ndsctl %s\\n' $?; "
                                 "grep 'theme_voucher - ' " LOG " 2>/dev/null | tail -n 2000; "
                                 "echo wisp-end",
                   NULL, e) < 0)
        return -1;
    return nds_parse_poll(c->out.buf, h, s, n, e, se);
}

int
nds_parse_poll(const char *text, struct rt_health *h, struct rt_session **s, size_t *n,
               struct werr *e, struct werr *se)
{
    const char *json, *st, *log;
    int64_t status;
    char *copy;
    int rc;

    *s = NULL;
    *n = 0;
    if (nds_parse_health(text, h, e) < 0)
        return -1;
    json = strstr(text, "wisp-health\n");
    st = json ? strstr(json, "\nwisp-ndsctl ") : NULL;
    if (!json || !st || !strstr(st, "wisp-end")) {
        werr_set(se, WISP_ERUNTIME,
                 _("cannot read the sessions: the router's answer was cut short"));
        return 1;
    }
    json += strlen("wisp-health\n");
    log = strchr(st + 1, '\n');
    if (str_n_to_i64(st + strlen("\nwisp-ndsctl "),
                     (size_t)((log ? log : st + strlen(st)) - (st + strlen("\nwisp-ndsctl "))), 0,
                     255, &status) < 0) {
        werr_set(se, WISP_ERUNTIME, _("cannot read the sessions: no exit status of ndsctl json"));
        return 1;
    }
    copy = xasprintf("%.*s", (int)(st - json), json);
    rc = parse_sessions(copy, (int)status, log ? log : "", s, n, se) < 0 ? 1 : 0;
    free(copy);
    return rc;
}

static int
answers(struct rconn *c, const struct rt_user *u, const char *const *names, size_t n, char **errs,
        struct werr *e)
{
    const char *t = c->out.buf ? c->out.buf : "";

    for (size_t i = 0; i < n; i++) {
        char ok[96];

        /* names is given whenever u is not (the callers' contract) */
        // cppcheck-suppress nullPointer
        snprintf(ok, sizeof ok, "wisp-ok %s\n", u ? u[i].name : names[i]);
        if (errs)
            errs[i] = NULL;
        if (!strstr(t, ok)) {
            if (errs)
                for (size_t j = 0; j < i; j++) {
                    free(errs[j]);
                    errs[j] = NULL;
                }
            return werr_set(e, WISP_ERUNTIME, _("the router did not confirm %s: %.80s"),
                            u ? u[i].name : names[i], t);
        }
    }
    return 0;
}

static int
nds_push(struct rconn *c, const struct rt_user *u, size_t n, char **errs, struct werr *e)
{
    for (size_t at = 0; at < n; at += DRIVER_PUSH_CHUNK) {
        size_t m = n - at < DRIVER_PUSH_CHUNK ? n - at : DRIVER_PUSH_CHUNK, sent = 0;
        struct sbuf sb = {0};
        struct rt_user *ok = xcalloc(m, sizeof *ok);
        int rc = 0;

        sb_add(&sb,
               "f=" ROLL "; mkdir -p /tmp/ndslog && touch $f || exit 1\n"
               "while IFS=, read -r c rd ru qd qu v x; do\n"
               "  if [ \"$x\" = off ]; then sed -i \"/^$c,/d\" $f\n"
               "  elif grep -q \"^$c,\" $f; then\n"
               "    sed -i -r "
               "\"s/^$c,[^,]*,[^,]*,[^,]*,[^,]*,[^,]*,([0-9]+)$/$c,$rd,$ru,$qd,$qu,$v,\\1/\" $f\n"
               "    [ \"$x\" = reset ] && sed -i -r \"s/^($c,.*,)[0-9]+$/\\10/\" $f\n"
               "  else echo \"$c,$rd,$ru,$qd,$qu,$v,0\" >> $f; fi\n"
               "  echo \"wisp-ok $c\"\n"
               "done <<'WISP'\n");
        for (size_t i = 0; i < m; i++) {
            const struct rt_user *x = &u[at + i];
            const char *slash = strchr(x->rate, '/');
            size_t ul = slash ? (size_t)(slash - x->rate) : strlen(x->rate);
            long long up = kbps(x->rate, ul),
                      down = slash ? kbps(slash + 1, strlen(slash + 1)) : up;

            /* The lines below the quoted 'WISP' are data, never run: a code
             * the theme accepts ([A-Za-z0-9-]{9}) and numbers wisp formats. */
            if (!nds_code_ok(x->name)) {
                errs[at + i] = xstrdup("openNDS's voucher theme takes only 9-character codes of "
                                       "letters, digits and -");
                continue;
            }
            if (up < 0 || down < 0) {
                errs[at + i] = xasprintf("rate \"%s\" is not one openNDS can take", x->rate);
                continue;
            }
            errs[at + i] = NULL;
            ok[sent++] = *x;
            sb_printf(&sb, "%s,%lld,%lld,%lld,%lld,%lld,%s\n", x->name, down, up, x->bytes / 1024,
                      0LL, x->uptime_s / 60 + (x->uptime_s % 60 > 0),
                      x->disabled ? "off"
                      : x->reset  ? "reset"
                                  : "keep");
        }
        sb_add(&sb, "WISP\n");
        if (sent)
            rc = driver_run(c, sb.buf, NULL, e);
        sb_free(&sb);
        if (sent && rc == 0)
            rc = answers(c, ok, NULL, sent, NULL, e);
        free(ok);
        if (rc < 0) {
            for (size_t j = 0; j < at + m; j++) {
                free(errs[j]);
                errs[j] = NULL;
            }
            return -1;
        }
    }
    return 0;
}

static int
nds_list_users(struct rconn *c, struct rt_user **u, size_t *n, struct werr *e)
{
    if (driver_run(c, "cat " ROLL " 2>/dev/null; echo wisp-end", NULL, e) < 0)
        return -1;
    if (!c->out.buf || !strstr(c->out.buf, "wisp-end"))
        return werr_set(e, WISP_ERUNTIME, _("cannot read the voucher roll: unexpected output"));
    return nds_parse_roll(c->out.buf, u, n, e);
}

static int
nds_remove(struct rconn *c, const char *const *names, size_t n, struct werr *e)
{
    for (size_t at = 0; at < n; at += DRIVER_PUSH_CHUNK) {
        size_t m = n - at < DRIVER_PUSH_CHUNK ? n - at : DRIVER_PUSH_CHUNK;
        struct sbuf sb = {0};
        int rc;

        sb_add(&sb, "f=" ROLL "; for c in");
        for (size_t i = 0; i < m; i++) {
            if (!nds_code_ok(names[at + i])) { /* never on the roll, so removed */
                continue;
            }
            sb_addc(&sb, ' ');
            sh_quote(&sb, names[at + i]);
        }
        sb_add(&sb, "; do [ -f $f ] && sed -i \"/^$c,/d\" $f; echo \"wisp-ok $c\"; done");
        rc = driver_run(c, sb.buf, NULL, e);
        sb_free(&sb);
        for (size_t i = 0; rc == 0 && i < m; i++)
            if (nds_code_ok(names[at + i]))
                rc = answers(c, NULL, names + at + i, 1, NULL, e);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int
nds_sessions(struct rconn *c, struct rt_session **s, size_t *n, struct werr *e)
{
    struct rt_health h;
    struct werr he = {0};
    int rc = nds_poll(c, &h, s, n, &he, e);

    if (rc < 0)
        *e = he;
    return rc == 0 ? 0 : -1;
}

static int
nds_kick(struct rconn *c, const struct rt_session *s, struct werr *e)
{
    struct sbuf cmd = {0};
    char mac[18], q[100];
    int status, rc;

    if (!mac_normalize(s->mac, mac))
        return werr_set(e, WISP_EUSAGE, _("bad MAC address \"%s\""),
                        str_quote(s->mac, 40, q, sizeof q));
    for (char *m = mac; *m; m++) /* as openNDS prints its clients */
        *m = (char)tolower((unsigned char)*m);
    sb_add(&cmd, "ndsctl deauth ");
    sh_quote(&cmd, mac);
    rc = driver_run(c, cmd.buf, &status, e);
    sb_free(&cmd);
    if (rc < 0)
        return -1;
    /* "Client %s deauthenticated." (0) or "Client %s not found." (1): both done */
    if (c->out.buf && (strstr(c->out.buf, "deauthenticated.") || strstr(c->out.buf, "not found.")))
        return 0;
    return werr_set(e, WISP_ERUNTIME, _("ndsctl deauth failed (exit %d): %.*s"), status,
                    (int)strcspn(c->out.buf ? c->out.buf : "", "\n"), c->out.buf ? c->out.buf : "");
}

/* The trusted MACs wisp added (remembered in /etc/wisp-trusted, which
 * only wisp writes) replaced by a's bypassed ones: in uci, so openNDS
 * keeps them across restarts, and through ndsctl, so they hold at once
 * (a daemon not running fails its ndsctl; uci still has them). Garden
 * hosts and blocked MACs are RouterOS's only: skipped here. */
static int
nds_access_sync(struct rconn *c, const struct rt_access *a, size_t n, struct werr *e)
{
    struct sbuf sb = {0};
    int rc;

    sb_add(&sb, "f=/etc/wisp-trusted; touch $f || exit 1\n"
                "for m in $(cat $f); do uci -q del_list \"opennds.@opennds[0].trustedmac=$m\";"
                " ndsctl untrust $m >/dev/null 2>&1; done\n"
                ": > $f\n"
                "for m in");
    for (size_t i = 0; i < n; i++) {
        char mac[18];

        if (!str_eq(a[i].kind, "bypass") || !mac_normalize(a[i].value, mac))
            continue;
        for (char *m = mac; *m; m++) /* as openNDS prints MACs */
            *m = (char)tolower((unsigned char)*m);
        sb_addc(&sb, ' ');
        sh_quote(&sb, mac);
    }
    sb_add(&sb, "; do uci add_list \"opennds.@opennds[0].trustedmac=$m\" || exit 1;"
                " ndsctl trust $m >/dev/null 2>&1; echo $m >> $f; done\n"
                "uci commit opennds && echo wisp-access-ok");
    rc = driver_run(c, sb.buf, NULL, e);
    sb_free(&sb);
    if (rc < 0)
        return -1;
    if (!c->out.buf || !strstr(c->out.buf, "wisp-access-ok"))
        return werr_set(e, WISP_ERUNTIME, _("the router did not confirm its trusted MACs: %.80s"),
                        c->out.buf ? c->out.buf : "");
    return 0;
}

const struct driver driver_opennds = {
    .name = "opennds",
    .health = nds_health,
    .push_users = nds_push,
    .list_users = nds_list_users,
    .list_marked = nds_list_users, /* wisp writes the roll: every line is its own */
    .remove_users = nds_remove,
    .list_sessions = nds_sessions,
    .kick = nds_kick,
    .poll = nds_poll,
    .access_sync = nds_access_sync,
};
