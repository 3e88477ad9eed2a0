/*
 * radius_conf.c - the FreeRADIUS 3 configuration wisp writes (see
 * include/wisp/radius_conf.h and docs/radius.md).
 *
 * The directory is self-contained, so it never touches Debian's
 * /etc/freeradius: radiusd.conf, mods-available/{sql,chap,mschap,pap,expr} linked
 * from mods-enabled/, sites-available/wisp linked from sites-enabled/,
 * clients.conf, db.pass (the database password, libpq's password file), and
 * log/ and run/. The queries are wisp's own text; the
 * only values in them are numbers wisp formats. Every other value (the
 * database connection, router names, hosts, secrets, addresses) goes
 * through frad_quote.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "wisp/radius_conf.h"
#include "wisp/radius_nas.h"

#define MARK "# written by `wisp radius config`: changes here are lost when it runs again\n"

int
frad_quote(struct sbuf *sb, const char *s)
{
    size_t n = strlen(s);

    /* FreeRADIUS 3.2 reads \' as ' and every other backslash as itself
     * (tried on 3.2.1), so a backslash before a quote or at the end cannot
     * be written; nor can a control character */
    if (str_has_ctrl(s) || strstr(s, "\\'") || (n && s[n - 1] == '\\'))
        return -1;
    sb_addc(sb, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            sb_addc(sb, '\\');
        sb_addc(sb, *s);
    }
    sb_addc(sb, '\'');
    return 0;
}

/* A libpq conninfo value: single-quoted, \ and ' escaped. */
static void
pq_quote(struct sbuf *sb, const char *s)
{
    sb_addc(sb, '\'');
    for (; *s; s++) {
        if (*s == '\\' || *s == '\'')
            sb_addc(sb, '\\');
        sb_addc(sb, *s);
    }
    sb_addc(sb, '\'');
}

int
radius_listen_parse(const char *s, char *addr, size_t n, int *port, struct werr *e)
{
    const char *colon = strrchr(s, ':');
    char a[64], buf[16];
    int64_t p;
    size_t len;

    if (!colon || str_to_i64(colon + 1, 1, 65534, &p) < 0)
        return werr_set(e, WISP_EUSAGE, "bad --listen \"%s\": expected ADDR:PORT (port 1-65534)",
                        s);
    len = (size_t)(colon - s);
    if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
        s++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof a)
        return werr_set(e, WISP_EUSAGE, "bad --listen \"%s\": no address", s);
    memcpy(a, s, len);
    a[len] = '\0';
    if (str_eq(a, "*"))
        a[0] = '\0';
    else if (inet_pton(AF_INET, a, buf) != 1 && inet_pton(AF_INET6, a, buf) != 1)
        return werr_set(e, WISP_EUSAGE,
                        "bad --listen address \"%s\": an IPv4 or IPv6 address, or *", a);
    if (strlen(a) >= n)
        return werr_set(e, WISP_EUSAGE, "bad --listen address \"%s\"", a);
    snprintf(addr, n, "%s", a);
    *port = (int)p;
    return 0;
}

/* Write dir/rel whole: a new file renamed over the old one. */
static int
put_file(const char *dir, const char *rel, const char *text, mode_t mode, struct werr *e)
{
    char *path = xasprintf("%s/%s", dir, rel), *tmp = xasprintf("%s.wisp-new", path);
    size_t len = strlen(text);
    int fd, rc = 0;

    unlink(tmp);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0 || fchmod(fd, mode) != 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        rc = werr_set(e, WISP_ERUNTIME, "cannot write %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
    } else if (close(fd) != 0 || rename(tmp, path) != 0) {
        rc = werr_set(e, WISP_ERUNTIME, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    free(path);
    return rc;
}

static int
put_dir(const char *dir, const char *rel, struct werr *e)
{
    char *path = rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
    int rc = 0;

    if (mkdir(path, 0750) != 0 && errno != EEXIST)
        rc = werr_set(e, WISP_ERUNTIME, "cannot create %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* dir/link -> target (relative), replacing a link that is there. */
static int
put_link(const char *dir, const char *link, const char *target, struct werr *e)
{
    char *path = xasprintf("%s/%s", dir, link);
    int rc = 0;

    unlink(path);
    if (symlink(target, path) != 0)
        rc = werr_set(e, WISP_ERUNTIME, "cannot link %s: %s", path, strerror(errno));
    free(path);
    return rc;
}

/* A radiusd.conf there must be one wisp wrote. */
static int
dir_is_ours(const char *dir, struct werr *e)
{
    char *path = xasprintf("%s/radiusd.conf", dir), head[sizeof MARK] = "";
    FILE *f = fopen(path, "r");
    int rc = 0;

    if (f) {
        size_t n = fread(head, 1, sizeof head - 1, f);

        head[n] = '\0';
        fclose(f);
        if (!str_eq(head, MARK))
            rc = werr_set(e, WISP_ERUNTIME,
                          "%s was not written by wisp: give `wisp radius config` a directory of "
                          "its own",
                          path);
    }
    free(path);
    return rc;
}

static char *
radiusd_conf(void)
{
    return xstrdup(MARK "# FreeRADIUS 3 for wisp: run `freeradius -d DIR` (docs/radius.md).\n"
                        "prefix = /usr\n"
                        "localstatedir = /var\n"
                        "modconfdir = ${confdir}/mods-config\n"
                        "logdir = ${confdir}/log\n"
                        "run_dir = ${confdir}/run\n"
                        "libdir = /usr/lib/freeradius\n"
                        "pidfile = ${run_dir}/radiusd.pid\n"
                        "max_request_time = 30\n"
                        "cleanup_delay = 5\n"
                        "max_requests = 65536\n"
                        "hostname_lookups = no\n"
                        "log {\n"
                        "\tdestination = files\n"
                        "\tfile = ${logdir}/radius.log\n"
                        "\tauth = no\n"
                        "}\n"
                        "security {\n"
                        "\treject_delay = 1\n"
                        "\tstatus_server = yes\n"
                        "}\n"
                        "proxy_requests = no\n"
                        "thread pool {\n"
                        "\tstart_servers = 8\n"
                        "\tmax_servers = 32\n"
                        "\tmin_spare_servers = 4\n"
                        "\tmax_spare_servers = 16\n"
                        "\tmax_requests_per_server = 0\n"
                        "\tmax_queue_size = 65536\n"
                        "}\n"
                        "$INCLUDE clients.conf\n"
                        "modules {\n"
                        "\t$INCLUDE mods-enabled/\n"
                        "}\n"
                        "$INCLUDE sites-enabled/\n");
}

/* The sql module: wisp's database as the FreeRADIUS role, and the queries
 * that call migration 014's functions (rows: id, name, attribute, value, op). */
static char *
sql_module(struct db *db, const struct radius_conf_opts *o, const char *passfile, struct werr *e)
{
    struct sbuf conn = {0}, sb = {0};
    const char *host = PQhost(db->conn), *port = PQport(db->conn), *name = PQdb(db->conn);

    if (host && *host) {
        sb_add(&conn, "host=");
        pq_quote(&conn, host);
        sb_add(&conn, " ");
    }
    if (port && *port) {
        sb_add(&conn, "port=");
        pq_quote(&conn, port);
        sb_add(&conn, " ");
    }
    sb_add(&conn, "dbname=");
    pq_quote(&conn, name ? name : "");
    sb_add(&conn, " user=");
    pq_quote(&conn, o->db_user);
    if (passfile) {
        sb_add(&conn, " passfile=");
        pq_quote(&conn, passfile);
    }
    sb_add(&conn, " application_name='FreeRADIUS (wisp)'");

    sb_add(&sb, MARK "sql {\n"
                     "\tdialect = \"postgresql\"\n"
                     "\tdriver = \"rlm_sql_postgresql\"\n"
                     "\tradius_db = ");
    if (frad_quote(&sb, conn.buf) < 0) {
        werr_set(e, WISP_ERUNTIME,
                 "the database's host, name, --db-user or --dir cannot be written to "
                 "FreeRADIUS's configuration (a quote or backslash in it)");
        sb_free(&conn);
        sb_free(&sb);
        return NULL;
    }
    sb_free(&conn);
    sb_add(&sb, "\n"
                "\tpostgresql {\n"
                "\t\tsend_application_name = no\n"
                "\t}\n"
                "\tacct_table1 = \"sessions\"\n"
                "\tacct_table2 = \"sessions\"\n"
                "\tpostauth_table = \"\"\n"
                "\tauthcheck_table = \"\"\n"
                "\tauthreply_table = \"\"\n"
                "\tgroupcheck_table = \"\"\n"
                "\tgroupreply_table = \"\"\n"
                "\tusergroup_table = \"\"\n"
                "\tread_groups = no\n"
                "\tread_profiles = no\n"
                "\tdelete_stale_sessions = no\n"
                "\tread_clients = no\n"
                "\tgroup_attribute = \"SQL-Group\"\n"
                "\tpool {\n"
                "\t\tstart = 4\n"
                "\t\tmin = 4\n"
                "\t\tmax = 32\n"
                "\t\tspare = 16\n"
                "\t\tuses = 0\n"
                "\t\tretry_delay = 1\n"
                "\t\tlifetime = 0\n"
                "\t\tidle_timeout = 0\n"
                "\t}\n"
                "\tsql_user_name = \"%{User-Name}\"\n"
                "\t# Codes are made of these; anything else arrives =XX-encoded and matches\n"
                "\t# no voucher.\n"
                "\tsafe_characters = "
                "\"@abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_: /\"\n"
                "\tauthorize_check_query = \"SELECT id, username, attribute, value, op"
                " FROM wisp_radius_check('%{SQL-User-Name}', '%{Calling-Station-Id}')\"\n");
    sb_printf(&sb,
              "\tauthorize_reply_query = \"SELECT id, username, attribute, value, op"
              " FROM wisp_radius_reply('%%{SQL-User-Name}', '%%{Calling-Station-Id}', %d, %d)\"\n"
              "\tsimul_count_query = \"SELECT wisp_radius_simul('%%{SQL-User-Name}',"
              " '%%{Calling-Station-Id}', %d)\"\n",
              o->interim_s, o->idle_s, o->interim_s);
    /* One query for every Acct-Status-Type: it always returns a row, so
     * FreeRADIUS always sends the Accounting-Response (rlm_sql counts rows).
     * Gigawords * 2^32 + Octets in numeric, held to 2^50 (migration 018):
     * a 32-bit Gigawords shifted in bigint would overflow. */
    sb_add(&sb, "\taccounting {\n"
                "\t\treference = \"wisp.query\"\n"
                "\t\twisp {\n"
                "\t\t\tquery = \"SELECT wisp_radius_acct('%{Acct-Status-Type}',"
                " '%{Acct-Unique-Session-Id}', '%{client:shortname}', '%{NAS-IP-Address}',"
                " '%{Acct-Session-Id}', '%{SQL-User-Name}', '%{Calling-Station-Id}',"
                " '%{Framed-IP-Address}', '%{%{Acct-Session-Time}:-0}'::bigint,"
                " least('%{%{Acct-Input-Gigawords}:-0}'::numeric * 4294967296"
                " + '%{%{Acct-Input-Octets}:-0}'::numeric, 1125899906842624)::bigint,"
                " least('%{%{Acct-Output-Gigawords}:-0}'::numeric * 4294967296"
                " + '%{%{Acct-Output-Octets}:-0}'::numeric, 1125899906842624)::bigint)\"\n"
                "\t\t}\n"
                "\t}\n"
                "}\n");
    return sb_steal(&sb);
}

/* A field of a libpq password file: \ and : escaped. */
static void
pass_field(struct sbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == ':')
            sb_addc(sb, '\\');
        sb_addc(sb, *s);
    }
}

/* The database password, in a libpq password file the connection string
 * names (passfile=): rlm_sql_postgresql appends its own `password` item to
 * the connection string unquoted (a quote in it stopped FreeRADIUS
 * starting) and prints that string in its debug output. */
static char *
passfile_text(const struct radius_conf_opts *o, struct werr *e)
{
    struct sbuf sb = {0};

    if (str_has_ctrl(o->db_password)) {
        werr_set(e, WISP_EUSAGE,
                 "the password in --secret-file cannot be written to a password file: it has "
                 "a control character");
        return NULL;
    }
    sb_add(&sb, "*:*:*:");
    pass_field(&sb, o->db_user);
    sb_addc(&sb, ':');
    pass_field(&sb, o->db_password);
    sb_addc(&sb, '\n');
    return sb_steal(&sb);
}

/* The virtual server: authorize through the sql module (chap, mschap or pap set
 * Auth-Type; wisp's check items give Cleartext-Password or Reject),
 * accounting keyed like the stock acct_unique policy, Message-Authenticator
 * in every answer (radius.md 4.2), and a Reject with nothing but its
 * Reply-Message. */
static char *
site(const struct radius_conf_opts *o, struct werr *e)
{
    struct sbuf sb = {0};

    sb_add(&sb, MARK "server wisp {\n");
    for (size_t i = 0; i < o->nlisten; i++) {
        char addr[64];
        int port;

        if (radius_listen_parse(o->listen[i], addr, sizeof addr, &port, e) < 0) {
            sb_free(&sb);
            return NULL;
        }
        for (int k = 0; k < 2; k++) {
            sb_printf(&sb, "listen {\n\ttype = %s\n", k ? "acct" : "auth");
            if (!*addr) {
                sb_add(&sb, "\tipaddr = *\n");
            } else {
                sb_add(&sb, strchr(addr, ':') ? "\tipv6addr = " : "\tipaddr = ");
                frad_quote(&sb, addr); /* checked by radius_listen_parse */
                sb_add(&sb, "\n");
            }
            sb_printf(&sb, "\tport = %d\n}\n", port + k);
        }
    }
    sb_add(&sb, "authorize {\n"
                "\tchap\n"
                "\tmschap\n"
                "\tsql\n"
                "\tpap\n"
                "}\n"
                "authenticate {\n"
                "\tAuth-Type PAP {\n"
                "\t\tpap\n"
                "\t}\n"
                "\tAuth-Type CHAP {\n"
                "\t\tchap\n"
                "\t}\n"
                "\tAuth-Type MS-CHAP {\n"
                "\t\tmschap\n"
                "\t}\n"
                "}\n"
                "preacct {\n"
                "\tupdate request {\n"
                "\t\t&Acct-Unique-Session-Id := \"%{md5:%{User-Name},%{Acct-Session-ID},"
                "%{%{NAS-IPv6-Address}:-%{NAS-IP-Address}},%{NAS-Identifier},%{NAS-Port-ID},"
                "%{NAS-Port}}\"\n"
                "\t}\n"
                "}\n"
                "accounting {\n"
                "\tsql\n"
                "}\n"
                "session {\n"
                "\tsql\n"
                "}\n"
                "post-auth {\n"
                "\tupdate reply {\n"
                "\t\t&Message-Authenticator := 0x00\n"
                "\t}\n"
                "\tPost-Auth-Type REJECT {\n"
                "\t\tupdate reply {\n"
                "\t\t\t&Session-Timeout !* ANY\n"
                "\t\t\t&Idle-Timeout !* ANY\n"
                "\t\t\t&Acct-Interim-Interval !* ANY\n"
                "\t\t\t&Mikrotik-Rate-Limit !* ANY\n"
                "\t\t\t&Mikrotik-Total-Limit !* ANY\n"
                "\t\t\t&Mikrotik-Total-Limit-Gigawords !* ANY\n"
                "\t\t\t&Mikrotik-Group !* ANY\n"
                "\t\t}\n"
                "\t\tupdate reply {\n"
                "\t\t\t&Message-Authenticator := 0x00\n"
                "\t\t}\n"
                "\t}\n"
                "}\n"
                "}\n");
    return sb_steal(&sb);
}

/* clients.conf: each RADIUS router by its address, named by its wisp name
 * (accounting finds the router by %{client:shortname}). */
static char *
clients_conf(struct db *db, size_t *n, struct werr *e)
{
    struct radius_client *c = NULL;
    struct sbuf sb = {0};
    bool bad;

    if (radius_clients(db, &c, n, e) < 0)
        return NULL;
    sb_add(&sb, MARK);
    for (size_t i = 0; i < *n; i++) {
        for (size_t k = 0; k < i; k++)
            if (str_eq(c[k].host, c[i].host)) {
                werr_set(e, WISP_ERUNTIME,
                         "routers %s and %s have the same host %s: FreeRADIUS tells its "
                         "clients apart by address",
                         c[k].name, c[i].name, c[i].host);
                radius_clients_free(c, *n);
                sb_free(&sb);
                return NULL;
            }
        /* router names are [A-Za-z0-9._-] (routers' CHECK): a section name as it is */
        /* host, name and secret are held to quotable characters by their CHECKs */
        sb_printf(&sb, "client %s {\n\tipaddr = ", c[i].name);
        bad = frad_quote(&sb, c[i].host) < 0;
        sb_add(&sb, "\n\tsecret = ");
        bad |= frad_quote(&sb, c[i].secret) < 0;
        sb_add(&sb, "\n\tshortname = ");
        bad |= frad_quote(&sb, c[i].name) < 0;
        sb_add(&sb, "\n\tnas_type = 'other'\n\trequire_message_authenticator = no\n}\n");
        if (bad) {
            werr_set(e, WISP_ERUNTIME,
                     "router %s: its host or secret cannot be written to "
                     "clients.conf",
                     c[i].name);
            radius_clients_free(c, *n);
            explicit_bzero(sb.buf, sb.len);
            sb_free(&sb);
            return NULL;
        }
    }
    radius_clients_free(c, *n);
    return sb_steal(&sb);
}

int
radius_conf_write(struct db *db, const struct radius_conf_opts *o, size_t *nclients, struct werr *e)
{
    static const char *const mods[][2] = {
        {"chap", "chap {\n}\n"},
        /* MS-CHAPv2 (RouterOS's PPPoE server offers it first) from the
         * Cleartext-Password the check items give: no ntlm_auth, no winbind */
        {"mschap", "mschap {\n\tuse_mppe = yes\n\trequire_encryption = no\n"
                   "\trequire_strong = no\n}\n"},
        {"pap", "pap {\n\tnormalise = yes\n}\n"},
        {"expr", "expr {\n}\n"},
    };
    char *text[5] = {NULL, NULL, NULL, NULL, NULL};
    char *abs = NULL, *passfile = NULL;
    int rc = -1;

    *nclients = 0;
    if (put_dir(o->dir, NULL, e) < 0 || dir_is_ours(o->dir, e) < 0)
        return -1;
    /* the password file by its full name: FreeRADIUS may run elsewhere */
    if (o->db_password) {
        if ((abs = realpath(o->dir, NULL)) == NULL)
            return werr_set(e, WISP_ERUNTIME, "cannot resolve %s: %s", o->dir, strerror(errno));
        passfile = xasprintf("%s/db.pass", abs);
        free(abs);
        if ((text[4] = passfile_text(o, e)) == NULL)
            goto out;
    }
    /* everything is made before anything is written */
    text[0] = clients_conf(db, nclients, e);
    text[1] = text[0] ? sql_module(db, o, passfile, e) : NULL;
    text[2] = text[1] ? site(o, e) : NULL;
    text[3] = text[2] ? radiusd_conf() : NULL;
    if (!text[3])
        goto out;
    {
        static const char *const dirs[] = {"mods-available", "mods-enabled", "sites-available",
                                           "sites-enabled",  "log",          "run"};

        for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
            if (put_dir(o->dir, dirs[i], e) < 0)
                goto out;
    }
    for (size_t i = 0; i < sizeof mods / sizeof mods[0]; i++) {
        char *rel = xasprintf("mods-available/%s", mods[i][0]),
             *text_m = xasprintf(MARK "%s", mods[i][1]), *target = xasprintf("../%s", rel),
             *link = xasprintf("mods-enabled/%s", mods[i][0]);
        int bad =
            put_file(o->dir, rel, text_m, 0640, e) < 0 || put_link(o->dir, link, target, e) < 0;

        free(rel);
        free(text_m);
        free(target);
        free(link);
        if (bad)
            goto out;
    }
    if (text[4]) {
        if (put_file(o->dir, "db.pass", text[4], 0600, e) < 0)
            goto out;
    } else {
        /* no password now: none left from an earlier run */
        char *stale = xasprintf("%s/db.pass", o->dir);

        unlink(stale);
        free(stale);
    }
    if (put_file(o->dir, "clients.conf", text[0], 0600, e) < 0 ||
        put_file(o->dir, "mods-available/sql", text[1], 0600, e) < 0 ||
        put_link(o->dir, "mods-enabled/sql", "../mods-available/sql", e) < 0 ||
        put_file(o->dir, "sites-available/wisp", text[2], 0640, e) < 0 ||
        put_link(o->dir, "sites-enabled/wisp", "../sites-available/wisp", e) < 0 ||
        put_file(o->dir, "radiusd.conf", text[3], 0640, e) < 0)
        goto out;
    rc = 0;
out:
    for (int i = 0; i < 5; i++)
        if (text[i]) {
            explicit_bzero(text[i], strlen(text[i]));
            free(text[i]);
        }
    free(passfile);
    return rc;
}
