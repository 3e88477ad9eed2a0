/*
 * cmd_radius.c - `wisp radius config|client|role|disconnect`: FreeRADIUS on
 * wisp's database (docs/radius.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/cli.h"
#include "wisp/codegen.h"
#include "wisp/i18n.h"
#include "wisp/radius_conf.h"
#include "wisp/radius_nas.h"
#include "wisp/units.h"
#include "wisp/util.h"

static const struct cmd_flag config_flags[] = {{"dir", 0, FLAG_VALUE},
                                               {"db-user", 0, FLAG_VALUE},
                                               {"secret-file", 0, FLAG_VALUE},
                                               {"listen", 0, FLAG_MULTI},
                                               {"interim", 0, FLAG_VALUE},
                                               {"idle", 0, FLAG_VALUE},
                                               {NULL, 0, 0}};
static const struct cmd_flag client_flags[] = {
    {"secret-file", 0, FLAG_VALUE}, {"coa-port", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag role_flags[] = {
    {"password-stdin", 0, FLAG_BOOL}, {"secret-file", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag disconnect_flags[] = {
    {"timeout", 0, FLAG_VALUE}, {"tries", 0, FLAG_VALUE}, {NULL, 0, 0}};

/* The first line of a file only its owner can read: a secret. malloc'd. */
static char *
read_secret(const char *flag, const char *path, struct werr *e)
{
    FILE *f = fopen(path, "r");
    char *s;

    if (!f) {
        werr_set(e, WISP_ERUNTIME, _("--%s %s: %s"), flag, path, strerror(errno));
        return NULL;
    }
    if (file_read_secret(f, "secret file", path, 512, &s, e) < 0)
        return NULL;
    if (!*s || str_has_ctrl(s)) {
        explicit_bzero(s, strlen(s));
        free(s);
        werr_set(e, WISP_EUSAGE, _("--%s %s: the first line must be the secret"), flag, path);
        return NULL;
    }
    return s;
}

/* A duration flag in seconds, within lo..hi. */
static int
dur_flag(const struct cmd_args *a, const char *flag, int64_t lo, int64_t hi, int *out,
         struct werr *e)
{
    const char *v = args_get(a, flag);
    int64_t s;

    if (!v)
        return 0;
    if (units_parse_duration(v, &s, e) < 0 || s < lo || s > hi)
        return werr_set(e, WISP_EUSAGE, _("bad --%s \"%s\": a duration from %llds to %llds"), flag,
                        v, (long long)lo, (long long)hi);
    *out = (int)s;
    return 0;
}

static int
radius_config_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct radius_conf_opts o = {.dir = args_get(a, "dir"),
                                 .db_user = args_get(a, "db-user"),
                                 .interim_s = 300,
                                 .idle_s = 600};
    const char *def_listen[] = {"*:1812"}, *listen[16];
    const char *sf = args_get(a, "secret-file");
    char *password = NULL;
    struct db *db;
    size_t n = 0, nclients;
    int rc;

    if (!o.dir || !*o.dir)
        return werr_set(e, WISP_EUSAGE, _("radius config needs --dir DIR"));
    if (!o.db_user)
        o.db_user = "wisp_freeradius";
    if (text_check("--db-user", o.db_user, 63, e) < 0)
        return -1;
    for (const char *l; (l = args_nth(a, "listen", (int)n)) != NULL; n++) {
        char addr[64];
        int port;

        if (n == sizeof listen / sizeof listen[0])
            return werr_set(e, WISP_EUSAGE, _("at most 16 --listen"));
        if (radius_listen_parse(l, addr, sizeof addr, &port, e) < 0)
            return -1;
        listen[n] = l;
    }
    o.listen = n ? listen : def_listen;
    o.nlisten = n ? n : 1;
    /* RFC 2869 5.16: not below 60 s */
    if (dur_flag(a, "interim", 60, 86400, &o.interim_s, e) < 0 ||
        dur_flag(a, "idle", 0, 86400, &o.idle_s, e) < 0)
        return -1;
    if (sf && !(password = read_secret("secret-file", sf, e)))
        return -1;
    o.db_password = password;
    db = cmd_db(ctx, e);
    rc = db ? radius_conf_write(db, &o, &nclients, e) : -1;
    if (password) {
        explicit_bzero(password, strlen(password));
        free(password);
    }
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:I}", "dir", o.dir, "clients", (json_int_t)nclients),
             _("FreeRADIUS configuration for %zu router(s) written to %s; check it with "
               "`freeradius -XC -d %s`\n"),
             nclients, o.dir, o.dir);
    return 0;
}

static int
radius_client_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *router = a->pos[0], *sf = args_get(a, "secret-file"), *pv = args_get(a, "coa-port");
    char *secret = NULL;
    int64_t port = 3799;
    struct db *db;
    int rc;

    if (pv && str_to_i64(pv, 1, 65535, &port) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --coa-port \"%s\": a port from 1 to 65535"), pv);
    if (sf) {
        if (!(secret = read_secret("secret-file", sf, e)))
            return -1;
    } else {
        /* a secret nobody typed: 32 characters from the kernel's CSPRNG */
        static const char cs[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        struct rng r = {0};

        secret = xcalloc(1, 33);
        if (codegen_random(&r, cs, 32, secret, e) < 0) {
            free(secret);
            return -1;
        }
        explicit_bzero(&r, sizeof r);
    }
    db = cmd_db(ctx, e);
    rc = db ? radius_client_set(db, router, secret, (int)port, e) : -1;
    explicit_bzero(secret, strlen(secret));
    free(secret);
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:I}", "router", router, "coa_port", (json_int_t)port),
             _("router %s is a RADIUS client (Disconnect-Requests to port %d); run `wisp radius "
               "config` again to write it to clients.conf\n"),
             router, (int)port);
    return 0;
}

static int
radius_disconnect_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *tv = args_get(a, "timeout"), *nv = args_get(a, "tries");
    int64_t timeout = 2000, tries = 3;
    int sent, failed;
    struct db *db;

    if (tv && str_to_i64(tv, 10, 60000, &timeout) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --timeout \"%s\": milliseconds from 10 to 60000"),
                        tv);
    if (nv && str_to_i64(nv, 1, 10, &tries) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --tries \"%s\": from 1 to 10"), nv);
    db = cmd_db(ctx, e);
    if (!db || radius_kick_due(db, (int)timeout, (int)tries, &sent, &failed, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:i, s:i}", "disconnected", sent, "failed", failed),
             _("%d session(s) disconnected, %d refused or unanswered\n"), sent, failed);
    return 0;
}

/* `radius role NAME`: the login role FreeRADIUS connects as, with a
 * password from --secret-file, stdin or a prompt (never printed). */
static int
radius_role_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *file = args_get(a, "secret-file");
    struct db *db;
    bool created = false;
    char *pw;
    int rc;

    if (file && args_has(a, "password-stdin"))
        return werr_set(e, WISP_EUSAGE, _("give --secret-file or --password-stdin, not both"));
    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    pw = file ? read_secret("secret-file", file, e)
              : cmd_read_password(ctx, _("password for FreeRADIUS's role: "), true,
                                  args_has(a, "password-stdin"), e);
    if (pw == NULL)
        return -1;
    rc = radius_role_set(db, a->pos[0], pw, &created, e);
    explicit_bzero(pw, strlen(pw));
    free(pw);
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "role", a->pos[0], "created", created),
             created
                 ? _("role %s made for FreeRADIUS (IN ROLE wisp_radius); give it to `wisp radius "
                     "config --db-user`\n")
                 : _("password of FreeRADIUS's role %s changed\n"),
             a->pos[0]);
    return 0;
}

const struct cmd_entry cmd_radius_entries[] = {
    {.name = "radius config",
     .usage = "--dir DIR [--db-user ROLE] [--secret-file F] [--listen ADDR:PORT]... "
              "[--interim 5m] [--idle 10m]",
     .summary = N_("write FreeRADIUS's configuration for wisp's database (admin)"),
     .flags = config_flags,
     .exec = radius_config_exec,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "radius client",
     .usage = "ROUTER [--secret-file F] [--coa-port 3799]",
     .summary = N_("make a router a RADIUS client, with its secret (admin)"),
     .flags = client_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = radius_client_exec,
     .traits = CMD_MUTATES,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "radius role",
     .usage = "NAME [--password-stdin | --secret-file F]",
     .summary = N_("make (or change the password of) the login role FreeRADIUS connects as "
                   "(admin)"),
     .flags = role_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = radius_role_exec,
     .traits = CMD_MUTATES,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "radius disconnect",
     .usage = "[--timeout 2000] [--tries 3]",
     .summary = N_("send queued kicks and expired sessions' Disconnect-Requests to RADIUS "
                   "routers"),
     .flags = disconnect_flags,
     .exec = radius_disconnect_exec,
     .traits = CMD_MUTATES | CMD_LONG,
     .places = CMD_ANYWHERE},
    {0},
};
