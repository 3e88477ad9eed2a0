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
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "wisp/driver.h"

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

/* A string value of a client object as a number; "null" and bad -> dflt. */
static long long
num(json_t *o, const char *key, long long dflt)
{
    const char *v = json_string_value(json_object_get(o, key));
    char *end;
    double d;

    if (!v || str_eq(v, "null") || !*v)
        return dflt;
    d = strtod(v, &end);
    return *end ? dflt : (long long)d;
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
        return werr_set(e, WISP_ERUNTIME, "cannot read ndsctl json: %s (line %d)", je.text,
                        je.line);
    clients = json_object_get(root, "clients");
    if (!json_is_object(clients)) {
        json_decref(root);
        return werr_set(e, WISP_ERUNTIME, "cannot read ndsctl json: no \"clients\" object");
    }
    json_object_foreach(clients, mac, c)
    {
        struct rt_session *s;
        const char *state = json_string_value(json_object_get(c, "state"));
        long long start, end;

        if (!json_object_get(c, "download_this_session") || !json_object_get(c, "session_start")) {
            json_decref(root);
            free(*ss);
            *ss = NULL;
            *n = 0;
            return werr_set(
                e, WISP_ERUNTIME,
                "this router's openNDS is older than 9.6 (its ndsctl json has no "
                "session_start/download_this_session); wisp needs openNDS 9.6 or later");
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
        start = num(c, "session_start", 0);
        end = num(c, "session_end", -1);
        s->uptime_s = start > 0 && now > start ? now - start : 0;
        s->time_left_s = end > 0 ? (end > now ? end - now : 0) : -1;
        s->bytes_in = num(c, "upload_this_session", 0) * 1024;
        s->bytes_out = num(c, "download_this_session", 0) * 1024;
    }
    json_decref(root);
    return 0;
}

void
nds_match_log(const char *log, struct rt_session *s, size_t n)
{
    for (const char *line = log; line && *line;) {
        const char *nl = strchr(line, '\n');
        const char *t = strstr(line, "theme_voucher - ");
        char code[64] = "", mac[18] = "";

        if (t && (!nl || t < nl)) {
            const char *m = strstr(t, "mac=");
            size_t cl = strcspn(t + 16, ",\n");

            if (cl < sizeof code)
                snprintf(code, sizeof code, "%.*s", (int)cl, t + 16);
            if (m && (!nl || m < nl))
                snprintf(mac, sizeof mac, "%.*s", (int)strcspn(m + 4, ",\n "), m + 4);
            for (size_t i = 0; i < n && code[0]; i++)
                if (strcasecmp(s[i].mac, mac) == 0) /* later lines win */
                    snprintf(s[i].user, sizeof s[i].user, "%s", code);
        }
        line = nl ? nl + 1 : NULL;
    }
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
        char code[64];
        long long rd, ru, qd, qu, val, first;
        int used = 0;

        if (len == 0 || str_starts(line, "wisp-end")) {
            line = nl ? nl + 1 : NULL;
            continue;
        }
        if (sscanf(line, "%63[^,],%lld,%lld,%lld,%lld,%lld,%lld%n", code, &rd, &ru, &qd, &qu, &val,
                   &first, &used) != 7 ||
            (size_t)used != len) {
            free(*users);
            *users = NULL;
            *n = 0;
            return werr_set(e, WISP_ERUNTIME, "cannot read the voucher roll: bad line \"%.*s\"",
                            (int)(len > 60 ? 60 : len), line);
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *users = xrealloc(*users, cap * sizeof **users);
        }
        {
            struct rt_user *u = &(*users)[(*n)++];

            memset(u, 0, sizeof *u);
            snprintf(u->name, sizeof u->name, "%s", code);
            u->uptime_s = val * 60;
            u->bytes = qd * 1024;
            if (rd || ru)
                snprintf(u->rate, sizeof u->rate, "%lldk/%lldk", ru, rd);
            u->first_use = first;
        }
        line = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* "512k", "2M", "1.5M" (bits/s) -> kb/s; 0 when empty or bad. */
static long long
kbps(const char *s, size_t len)
{
    char buf[24], *end;
    double v;

    if (len == 0 || len >= sizeof buf)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    v = strtod(buf, &end);
    if (end == buf)
        return 0;
    if (*end == 'k' || *end == 'K')
        ;
    else if (*end == 'M' || *end == 'm')
        v *= 1000;
    else if (*end == 'G' || *end == 'g')
        v *= 1000000;
    else
        v /= 1000;
    return (long long)(v + 0.5);
}

#define HEALTH_SCRIPT                                                                              \
    "cut -d' ' -f1 /proc/uptime; cut -d' ' -f1 /proc/loadavg; cat /proc/sys/kernel/hostname; "     \
    "grep -E '^(MemTotal|MemAvailable):' /proc/meminfo; "                                          \
    "ndsctl status 2>&1 | grep -m1 '^Version:'; echo wisp-health"

/* The health script's output, up to its "wisp-health" line. */
static int
parse_health(const char *t, struct rt_health *h, struct werr *e)
{
    const char *p;
    double up = -1, load = -1;
    long long total = -1, avail = -1;

    memset(h, 0, sizeof *h);
    h->cpu_load = -1;
    h->mem_total = h->mem_free = h->uptime_s = -1;
    if (!strstr(t, "wisp-health") || sscanf(t, "%lf\n%lf\n%63s", &up, &load, h->identity) != 3)
        return werr_set(e, WISP_ERUNTIME, "cannot read the router's health: unexpected output");
    h->uptime_s = (long long)up;
    h->cpu_load = load * 100 > 100 ? 100 : (int)(load * 100 + 0.5);
    if ((p = strstr(t, "MemTotal:")))
        total = strtoll(p + 9, NULL, 10);
    if ((p = strstr(t, "MemAvailable:")))
        avail = strtoll(p + 13, NULL, 10);
    h->mem_total = total >= 0 ? total * 1024 : -1;
    h->mem_free = avail >= 0 ? avail * 1024 : -1;
    if (!(p = strstr(t, "Version: ")))
        return werr_set(e, WISP_ERUNTIME,
                        "openNDS is not running on this router (ndsctl status said no version)");
    snprintf(h->version, sizeof h->version, "openNDS %.*s", (int)strcspn(p + 9, "\n"), p + 9);
    return 0;
}

static int
nds_health(struct rconn *c, struct rt_health *h, struct werr *e)
{
    if (driver_run(c, HEALTH_SCRIPT, NULL, e) < 0)
        return -1;
    return parse_health(c->out.buf, h, e);
}

/* ndsctl json's output and exit status, then the voucher log: sessions. */
static int
parse_sessions(const char *json, int status, const char *log, struct rt_session **s, size_t *n,
               struct werr *e)
{
    if (status != 0)
        return werr_set(e, WISP_ERUNTIME, "ndsctl json failed (exit %d): %.*s", status,
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
    char *json, *st, *log;
    int status = -1;

    *s = NULL;
    *n = 0;
    if (driver_run(c,
                   HEALTH_SCRIPT "; ndsctl json 2>&1; printf '\\nwisp-ndsctl %s\\n' $?; "
                                 "grep 'theme_voucher - ' " LOG " 2>/dev/null | tail -n 2000; "
                                 "echo wisp-end",
                   NULL, e) < 0)
        return -1;
    if (parse_health(c->out.buf, h, e) < 0)
        return -1;
    json = strstr(c->out.buf, "wisp-health\n");
    st = json ? strstr(json, "\nwisp-ndsctl ") : NULL;
    if (!json || !st || !strstr(st, "wisp-end")) {
        werr_set(se, WISP_ERUNTIME, "cannot read the sessions: the router's answer was cut short");
        return 1;
    }
    json += strlen("wisp-health\n");
    *st = '\0';
    status = atoi(st + strlen("\nwisp-ndsctl "));
    log = strchr(st + 1, '\n');
    return parse_sessions(json, status, log ? log : "", s, n, se) < 0 ? 1 : 0;
}

static int
answers(struct rconn *c, const struct rt_user *u, const char *const *names, size_t n, char **errs,
        struct werr *e)
{
    const char *t = c->out.buf ? c->out.buf : "";

    for (size_t i = 0; i < n; i++) {
        char ok[96];

        snprintf(ok, sizeof ok, "wisp-ok %s\n", u ? u[i].name : names[i]);
        if (errs)
            errs[i] = NULL;
        if (!strstr(t, ok)) {
            if (errs)
                for (size_t j = 0; j < i; j++) {
                    free(errs[j]);
                    errs[j] = NULL;
                }
            return werr_set(e, WISP_ERUNTIME, "the router did not confirm %s: %.80s",
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

            if (!nds_code_ok(x->name)) {
                errs[at + i] = xstrdup("openNDS's voucher theme takes only 9-character codes of "
                                       "letters, digits and -");
                continue;
            }
            errs[at + i] = NULL;
            ok[sent++] = *x;
            sb_printf(&sb, "%s,%lld,%lld,%lld,%lld,%lld,%s\n", x->name, down, up, x->bytes / 1024,
                      0LL, (x->uptime_s + 59) / 60,
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
        return werr_set(e, WISP_ERUNTIME, "cannot read the voucher roll: unexpected output");
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
            sb_printf(&sb, " %s", names[at + i]);
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
    char cmd[64];
    int status;

    for (const char *m = s->mac; *m; m++)
        if (!isxdigit((unsigned char)*m) && *m != ':')
            return werr_set(e, WISP_EUSAGE, "bad MAC address \"%s\"", s->mac);
    snprintf(cmd, sizeof cmd, "ndsctl deauth %s", s->mac);
    if (driver_run(c, cmd, &status, e) < 0)
        return -1;
    /* "Client %s deauthenticated." (0) or "Client %s not found." (1): both done */
    if (c->out.buf && (strstr(c->out.buf, "deauthenticated.") || strstr(c->out.buf, "not found.")))
        return 0;
    return werr_set(e, WISP_ERUNTIME, "ndsctl deauth failed (exit %d): %.*s", status,
                    (int)strcspn(c->out.buf ? c->out.buf : "", "\n"), c->out.buf ? c->out.buf : "");
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
};
