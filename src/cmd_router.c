/*
 * cmd_router.c - `wisp router add|list|show|edit|remove|test|maintenance|sync`.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/radius_nas.h"
#include "wisp/router.h"
#include "wisp/units.h"
#include "wisp/util.h"
#include "wisp/voucher.h"

static const struct cmd_flag router_flags[] = {
    {"host", 0, FLAG_VALUE},
    {"port", 0, FLAG_VALUE},
    {"user", 0, FLAG_VALUE},
    {"key", 0, FLAG_VALUE},
    {"password-stdin", 0, FLAG_BOOL, .places = CMD_CLI | CMD_SHELL}, /* reads stdin */
    {"driver", 0, FLAG_VALUE},
    {"hotspot-server", 0, FLAG_VALUE},
    {"backup", 0, FLAG_VALUE},
    {"login-url", 0, FLAG_VALUE},
    {"hostkey", 0, FLAG_VALUE},
    {"accept-new-hostkey", 0, FLAG_BOOL},
    {"auth", 0, FLAG_VALUE},
    {NULL, 0, 0},
};
static const struct cmd_flag setup_flags[] = {
    {"radius", 0, FLAG_BOOL},      {"server", 0, FLAG_VALUE}, {"auth-port", 0, FLAG_VALUE},
    {"profile", 0, FLAG_VALUE},    {"ppp", 0, FLAG_BOOL},     {"interim", 0, FLAG_VALUE},
    {"show-secret", 0, FLAG_BOOL}, {"apply", 0, FLAG_BOOL},   {NULL, 0, 0}};
static const struct cmd_flag sync_flags[] = {
    {"full", 0, FLAG_BOOL}, {"dry-run", 0, FLAG_BOOL}, {NULL, 0, 0}};

static int
read_input(struct cmd_ctx *ctx, const struct cmd_args *a, struct router_input *in, char **pw,
           struct werr *e)
{
    memset(in, 0, sizeof *in);
    in->host = args_get(a, "host");
    in->port = args_get(a, "port");
    in->user = args_get(a, "user");
    in->key = args_get(a, "key");
    in->driver = args_get(a, "driver");
    in->hotspot_server = args_get(a, "hotspot-server");
    in->backup = args_get(a, "backup");
    in->login_url = args_get(a, "login-url");
    in->hostkey = args_get(a, "hostkey");
    in->accept_new = args_has(a, "accept-new-hostkey");
    *pw = NULL;
    if (args_has(a, "password-stdin")) {
        *pw = cmd_read_password(ctx, "router password: ", false, true, e);
        if (!*pw)
            return -1;
        in->password = *pw;
    }
    return 0;
}

/* A router's own words (identity, user names) as a JSON string: bytes that
 * are not UTF-8, and control characters, shown as str_safe shows them. */
static json_t *
router_text(const char *s)
{
    char *safe = str_safe(s);
    json_t *j = json_string(safe);

    free(safe);
    return j;
}

static void
free_pw(char *pw)
{
    if (pw) {
        explicit_bzero(pw, strlen(pw));
        free(pw);
    }
}

/* add and edit: the same flags, then one call. */
static int
router_write(struct cmd_ctx *ctx, const struct cmd_args *a, bool add, struct werr *e)
{
    struct router_input in;
    struct db *db;
    const char *auth = args_get(a, "auth");
    char *pw;
    int rc;

    if (auth && !str_eq(auth, "local") && !str_eq(auth, "radius"))
        return werr_set(e, WISP_EUSAGE, _("bad --auth \"%s\": expected local or radius"), auth);
    if (read_input(ctx, a, &in, &pw, e) < 0)
        return -1;
    db = cmd_db(ctx, e);
    /* the router and its auth mode (its RADIUS client row) in one transaction */
    rc = !db ? -1 : auth ? db_begin(db, e) : 0;
    if (rc == 0)
        rc = add ? router_add(db, a->pos[0], &in, e) : router_edit(db, a->pos[0], &in, e);
    if (rc == 0 && auth)
        rc = router_auth_set(db, a->pos[0], auth, 0, e);
    if (db && auth)
        rc = rc == 0 ? db_commit(db, e) : (db_rollback(db), -1);
    free_pw(pw);
    if (rc < 0)
        return -1;
    /* a new router's key is pinned now (--hostkey) or at its first connection */
    cmd_done(ctx,
             add ? json_pack("{s:s, s:b, s:b, s:s*}", "router", a->pos[0], "added", 1,
                             "hostkey_pinned", !in.accept_new, "auth", auth)
                 : json_pack("{s:s, s:b, s:s*}", "router", a->pos[0], "changed", 1, "auth", auth),
             !add            ? _("router %s changed\n")
             : in.accept_new ? _("router %s added; its host key is pinned at the first "
                                 "connection\n")
                             : _("router %s added\n"),
             a->pos[0]);
    return 0;
}

static int
router_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return router_write(ctx, a, true, e);
}

static int
router_edit_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return router_write(ctx, a, false, e);
}

static int
router_remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = cmd_db(ctx, e);

    if (!db || router_remove(db, a->pos[0], e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "router", a->pos[0], "removed", 1),
             _("router %s removed\n"), a->pos[0]);
    return 0;
}

static int
router_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {
        N_("NAME"), N_("DRIVER"),   N_("AUTH"),     N_("HOST"),    N_("PORT"),       N_("STATE"),
        N_("CPU"),  N_("SESSIONS"), N_("REMOVALS"), N_("VERSION"), N_("LAST ERROR"), NULL};
    static const char *const keys[] = {"name",
                                       "driver",
                                       "auth",
                                       "host",
                                       "port",
                                       "state",
                                       "cpu_load",
                                       "active_sessions",
                                       "removals_pending",
                                       "version",
                                       "last_error",
                                       NULL};
    struct db *db = cmd_db(ctx, e);
    json_t *list = db ? router_list(db, e) : NULL;

    if (!list)
        return -1;
    (void)a;
    { /* the documented fields, nothing secret */
        static const char *const drop[] = {
            "user",     "hotspot_server",  "backup",          "login_url", "key_path",
            "hostkey",  "has_password",    "next_try_at",     "mem_total", "mem_free",
            "identity", "vouchers_synced", "vouchers_failed", NULL};
        size_t i;
        json_t *r;

        json_array_foreach(list, i, r) for (int k = 0; drop[k]; k++) json_object_del(r, drop[k]);
    }
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static void
show_line(FILE *out, const char *label, json_t *v)
{
    cmd_label(out, label, 17);
    if (json_is_null(v) || !v)
        fputs("-\n", out);
    else if (json_is_string(v)) {
        fput_safe(json_string_value(v), out); /* identity, last error: the router's words */
        fputc('\n', out);
    } else if (json_is_integer(v))
        fprintf(out, "%lld\n", (long long)json_integer_value(v));
    else if (json_is_boolean(v))
        fprintf(out, "%s\n", json_is_true(v) ? _("yes") : _("no"));
}

static int
router_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const fields[][2] = {
        {N_("name"), "name"},
        {N_("driver"), "driver"},
        {N_("host"), "host"},
        {N_("port"), "port"},
        {N_("user"), "user"},
        {N_("password"), "has_password"},
        {N_("key"), "key_path"},
        {N_("host key"), "hostkey"},
        {N_("hotspot server"), "hotspot_server"},
        {N_("backup"), "backup"},
        {N_("login url"), "login_url"},
        {N_("auth"), "auth"},
        {N_("state"), "state"},
        {N_("last seen"), "last_seen"},
        {N_("last error"), "last_error"},
        {N_("identity"), "identity"},
        {N_("version"), "version"},
        {N_("cpu load %"), "cpu_load"},
        {N_("uptime"), "uptime_s"},
        {N_("sessions"), "active_sessions"},
        {N_("vouchers synced"), "vouchers_synced"},
        {N_("vouchers failed"), "vouchers_failed"},
        {N_("removals pending"), "removals_pending"},
    };
    struct db *db = cmd_db(ctx, e);
    json_t *r = db ? router_show(db, a->pos[0], e) : NULL;

    if (!r)
        return -1;
    cmd_result(ctx, r);
    if (ctx->json)
        return 0;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        json_t *v = json_object_get(r, fields[i][1]);

        if (str_eq(fields[i][1], "uptime_s") && json_is_integer(v)) {
            char b[32];

            units_format_duration(json_integer_value(v), b, sizeof b);
            cmd_label(ctx->out, fields[i][0], 17);
            fprintf(ctx->out, "%s\n", b);
        } else if (str_eq(fields[i][1], "has_password")) {
            cmd_label(ctx->out, fields[i][0], 17);
            fprintf(ctx->out, "%s\n", json_is_true(v) ? _("(set, hidden)") : "-");
        } else
            show_line(ctx->out, fields[i][0], v);
    }
    return 0;
}

static int
router_test_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = cmd_db(ctx, e);
    struct router_row row;
    struct ssh_target t;
    struct rconn c = {0};
    struct rt_health h;
    enum ssh_fail why;
    char fp[64], up[32];
    const struct driver *d;
    long long t0 = ssh_now_ms();
    long nusers = -1;
    size_t nu = 0;
    int rc;

    if (!db || router_load(db, a->pos[0], 0, &row, e) < 0)
        return -1;
    if (!row.key_path && !row.password) {
        router_row_free(&row);
        return werr_set(e, WISP_ERUNTIME, _("router %s has neither a key nor a password set"),
                        a->pos[0]);
    }
    d = driver_find(row.driver);
    router_target(&row, ctx->cfg, &t);
    c.ssh = ssh_open(&t, fp, &why, e);
    c.hotspot_server = row.hotspot_server;
    if (!c.ssh) {
        if (why == SSH_EHOSTKEY && row.hostkey[0]) { /* best effort: a viewer may not write */
            struct werr e2 = {0};

            router_hostkey_mismatch(db, row.id, e->msg, &e2);
        }
        router_row_free(&row);
        werr_prefix(e, "router %s", a->pos[0]);
        return -1;
    }
    if (!row.hostkey[0] && router_pin_hostkey(db, row.id, fp, e) < 0) {
        ssh_close(c.ssh);
        router_row_free(&row);
        return -1;
    }
    rc = d->health(&c, &h, e);
    if (rc == 0) { /* and what it holds: its hotspot users (openNDS: the voucher roll) */
        struct rt_user *u = NULL;

        nusers = d->list_users(&c, &u, &nu, e) == 0 ? (long)nu : -1;
        free(u);
        werr_clear(e);
    }
    ssh_close(c.ssh);
    sb_free(&c.out);
    if (rc < 0) {
        werr_prefix(e, "router %s", a->pos[0]);
        router_row_free(&row);
        return -1;
    }
    cmd_result(ctx, json_pack("{s:s, s:b, s:I, s:o, s:o, s:I, s:o, s:o, s:s, s:b}", "router",
                              row.name, "ok", 1, "ms", (json_int_t)(ssh_now_ms() - t0), "identity",
                              router_text(h.identity), "version", router_text(h.version),
                              "uptime_s", (json_int_t)(h.uptime_s > 0 ? h.uptime_s : 0), "cpu_load",
                              h.cpu_load >= 0 ? json_integer(h.cpu_load) : json_null(), "users",
                              nusers >= 0 ? json_integer(nusers) : json_null(), "hostkey", fp,
                              "pinned_now", !row.hostkey[0]));
    if (ctx->json) {
        router_row_free(&row);
        return 0;
    }
    units_format_duration(h.uptime_s > 0 ? h.uptime_s : 0, up, sizeof up);
    if (h.uptime_s <= 0)
        snprintf(up, sizeof up, "0s");
    fprintf(ctx->out, _("router %s: ok in %lld ms\n"), row.name, ssh_now_ms() - t0);
    cmd_label(ctx->out, N_("identity"), 10);
    fput_safe(h.identity, ctx->out);
    fputc('\n', ctx->out);
    cmd_label(ctx->out, N_("version"), 10);
    fput_safe(h.version, ctx->out);
    fputc('\n', ctx->out);
    cmd_label(ctx->out, N_("uptime"), 10);
    fprintf(ctx->out, "%s\n", up);
    if (h.cpu_load >= 0) {
        cmd_label(ctx->out, N_("cpu load"), 10);
        fprintf(ctx->out, "%d%%\n", h.cpu_load);
    }
    if (nusers >= 0) {
        cmd_label(ctx->out, N_("users"), 10);
        fprintf(ctx->out, "%ld\n", nusers);
    }
    cmd_label(ctx->out, N_("host key"), 10);
    fprintf(ctx->out, !row.hostkey[0] ? _("%s (pinned now)\n") : "%s\n", fp);
    router_row_free(&row);
    return 0;
}

static int
router_maint_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = cmd_db(ctx, e);
    const char *v = a->pos[1];
    bool on;

    if (str_eq(v, "on"))
        on = true;
    else if (str_eq(v, "off"))
        on = false;
    else
        return werr_set(e, WISP_EUSAGE, _("expected on or off, not \"%s\""), v);
    if (!db || router_maintenance(db, a->pos[0], on, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "router", a->pos[0], "maintenance", on),
             on ? _("router %s: maintenance on\n") : _("router %s: maintenance off\n"), a->pos[0]);
    return 0;
}

/* `sync --full --dry-run`: what a full resync would remove, read from the
 * router now (as `router test` does) and changing nothing. */
static int
router_strays_exec(struct cmd_ctx *ctx, struct db *db, const char *name, struct werr *e)
{
    struct router_row row;
    struct ssh_target t;
    struct rconn c = {0};
    struct rt_user *u = NULL;
    const char **names = NULL;
    bool *stray = NULL;
    enum ssh_fail why;
    char fp[64];
    size_t n = 0, ns = 0;
    int rc = -1;

    if (router_load(db, name, 0, &row, e) < 0)
        return -1;
    router_target(&row, ctx->cfg, &t);
    if (!row.hostkey[0])
        t.accept_new = false; /* a dry run pins nothing */
    c.hotspot_server = row.hotspot_server;
    if (!(c.ssh = ssh_open(&t, fp, &why, e)) ||
        driver_find(row.driver)->list_marked(&c, &u, &n, e) < 0)
        goto out;
    names = xcalloc(n + 1, sizeof *names);
    stray = xcalloc(n + 1, sizeof *stray);
    for (size_t i = 0; i < n; i++)
        names[i] = u[i].name;
    if (voucher_strays(db, names, n, stray, e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (stray[i])
            ns++;
    cmd_printf(ctx,
               _("router %s: %zu of %zu users with wisp's mark hold no live voucher; "
                 "`wisp router sync %s --full` removes them:\n"),
               row.name, ns, n, row.name);
    {
        json_t *list = json_array();

        for (size_t i = 0; i < n; i++)
            if (stray[i]) { /* the router's own text: shown, never run by the terminal */
                json_array_append_new(list, router_text(names[i]));
                if (!ctx->json) {
                    fput_safe(names[i], ctx->out);
                    fputc('\n', ctx->out);
                }
            }
        cmd_result(ctx, json_pack("{s:s, s:b, s:b, s:I, s:o}", "router", row.name, "full", 1,
                                  "dry_run", 1, "marked", (json_int_t)n, "strays", list));
    }
    rc = 0;
out:
    if (rc < 0)
        werr_prefix(e, "router %s: ", name);
    ssh_close(c.ssh);
    sb_free(&c.out);
    free(u);
    free(names);
    free(stray);
    router_row_free(&row);
    return rc;
}

static int
router_sync_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;

    if (args_has(a, "dry-run") && !args_has(a, "full"))
        return werr_set(e, WISP_EUSAGE,
                        _("--dry-run goes with --full (it lists what --full removes)"));
    db = cmd_db(ctx, e);
    if (db && args_has(a, "dry-run"))
        return router_strays_exec(ctx, db, a->pos[0], e);
    if (!db || router_request_sync(db, a->pos[0], args_has(a, "full"), e) < 0)
        return -1;
    cmd_done(ctx,
             json_pack("{s:s, s:b, s:b}", "router", a->pos[0], "full", args_has(a, "full"),
                       "dry_run", 0),
             args_has(a, "full") ? _("router %s: full resync asked of the worker\n")
                                 : _("router %s: sync asked of the worker\n"),
             a->pos[0]);
    return 0;
}

/* What stands for the secret in the printed commands unless --show-secret. */
#define SECRET_PLACEHOLDER "PASTE-THE-SECRET-HERE"

/* The router's RADIUS client row (secret, DM port): 1, 0 not a RADIUS
 * router, -1 error (a role that may not read secrets). */
static int
radius_row(struct db *db, const char *name, char **secret, int *coa_port, struct werr *e)
{
    struct radius_client *c = NULL;
    size_t n = 0;
    int found = 0;

    if (radius_clients(db, &c, &n, e) < 0)
        return -1;
    for (size_t i = 0; i < n && !found; i++)
        if (str_eq(c[i].name, name)) {
            *secret = xstrdup(c[i].secret);
            *coa_port = c[i].coa_port;
            found = 1;
        }
    radius_clients_free(c, n);
    return found;
}

/* `router setup NAME --radius`: the RouterOS commands that make the router
 * ask wisp's FreeRADIUS, printed (the secret only with --show-secret) or,
 * with --apply, run over SSH with the real secret. */
static int
router_setup_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *server = args_get(a, "server"), *pv = args_get(a, "auth-port"),
               *profile = args_get(a, "profile"), *interim = args_get(a, "interim");
    struct ros_radius_setup rs = {.server = server,
                                  .auth_port = 1812,
                                  .profile = profile,
                                  .ppp = args_has(a, "ppp"),
                                  .interim = interim ? interim : "5m"};
    unsigned char buf[16];
    int64_t port;
    char driver[16], *secret = NULL;
    struct sbuf sb = {0};
    struct db *db;
    int rc;

    if (!args_has(a, "radius"))
        return werr_set(e, WISP_EUSAGE, _("router setup needs --radius (what it sets up)"));
    if (!server || (inet_pton(AF_INET, server, buf) != 1 && inet_pton(AF_INET6, server, buf) != 1))
        return werr_set(e, WISP_EUSAGE,
                        _("router setup --radius needs --server ADDR: the RADIUS server's IPv4 or "
                          "IPv6 address as the router reaches it"));
    if (pv && str_to_i64(pv, 1, 65534, &port) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --auth-port \"%s\": a port from 1 to 65534"), pv);
    if (pv)
        rs.auth_port = (int)port;
    if ((profile && text_check("--profile", profile, 64, e) < 0) ||
        (interim && text_check("--interim", interim, 16, e) < 0))
        return -1;
    if (interim && ros_parse_time(interim) < 60)
        return werr_set(e, WISP_EUSAGE, _("bad --interim \"%s\": a RouterOS time of 1m or more"),
                        interim);
    if (!(db = cmd_db(ctx, e)))
        return -1;
    if ((rc = router_driver(db, a->pos[0], driver, sizeof driver, e)) <= 0)
        return rc < 0 ? -1
                      : werr_set(e, WISP_ERUNTIME,
                                 _("no router named \"%s\" (see `wisp router list`)"), a->pos[0]);
    if (!str_eq(driver, "routeros"))
        return werr_set(e, WISP_EUSAGE,
                        _("router %s runs %s: `router setup --radius` writes RouterOS commands"),
                        a->pos[0], driver);
    if ((rc = radius_row(db, a->pos[0], &secret, &rs.coa_port, e)) <= 0)
        return rc < 0 ? -1
                      : werr_set(e, WISP_EUSAGE,
                                 _("router %s is not a RADIUS router: `wisp router edit %s --auth "
                                   "radius` first"),
                                 a->pos[0], a->pos[0]);
    rs.secret = args_has(a, "show-secret") || args_has(a, "apply") ? secret : SECRET_PLACEHOLDER;
    ros_radius_script(&sb, &rs);
    rc = 0;
    if (args_has(a, "apply")) {
        struct router_row row;
        struct ssh_target t;
        struct rconn c = {0};
        enum ssh_fail why;
        char fp[64];

        sb_add(&sb, ":put \"wisp-radius-ok\"");
        rc = router_load(db, a->pos[0], 0, &row, e);
        if (rc == 0) {
            router_target(&row, ctx->cfg, &t);
            if (!row.hostkey[0])
                t.accept_new = false; /* setup pins nothing: `router test` does */
            c.ssh = ssh_open(&t, fp, &why, e);
            rc = c.ssh ? driver_run(&c, sb.buf, NULL, e) : -1;
            if (rc == 0) {
                size_t len;
                const char *out = c.out.buf ? c.out.buf : "", *err = ros_find_error(out, &len);

                if (err)
                    rc = werr_set(e, WISP_ERUNTIME, _("the router said: %.*s"), (int)len, err);
                else if (!strstr(out, "wisp-radius-ok"))
                    rc = werr_set(e, WISP_ERUNTIME, _("the router did not confirm the setup"));
            }
            ssh_close(c.ssh);
            sb_free(&c.out);
            router_row_free(&row);
        }
        if (rc < 0)
            werr_prefix(e, "router %s", a->pos[0]);
        else
            cmd_done(ctx, json_pack("{s:s, s:b}", "router", a->pos[0], "applied", 1),
                     _("router %s now asks RADIUS at %s\n"), a->pos[0], server);
    } else {
        /* the commands are the result: for the operator to paste */
        cmd_result(ctx, json_pack("{s:s, s:s, s:b}", "router", a->pos[0], "commands", sb.buf,
                                  "secret_shown", args_has(a, "show-secret")));
        if (!ctx->json) {
            fputs(sb.buf, ctx->out);
            if (!args_has(a, "show-secret"))
                fprintf(ctx->out,
                        _("# replace %s with the router's secret (--show-secret prints it)\n"),
                        SECRET_PLACEHOLDER);
        }
    }
    explicit_bzero(sb.buf, sb.len);
    sb_free(&sb);
    explicit_bzero(secret, strlen(secret));
    free(secret);
    return rc;
}

#define ROUTER_FLAGS_USAGE                                                                         \
    "[--port 22] [--key PATH | --password-stdin] [--hotspot-server S] [--backup NAME] "            \
    "[--login-url URL]"

const struct cmd_entry cmd_router_entries[] = {
    {.name = "router add",
     .usage = "NAME --host H --user U --driver routeros|opennds (--key PATH | --password-stdin) "
              "(--hostkey SHA256:... | --accept-new-hostkey) [--port 22] [--hotspot-server S] "
              "[--backup NAME] [--login-url URL] [--auth local|radius]",
     .summary = N_("register a router (admin)"),
     .flags = router_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = router_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "router list",
     .summary = N_("list routers and their state"),
     .exec = router_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "router show",
     .usage = "NAME",
     .summary = N_("one router in full (never its password)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = router_show_exec,
     .places = CMD_ANYWHERE},
    {.name = "router edit",
     .usage = "NAME [--host H] [--user U] [--driver D] [--hostkey "
              "SHA256:...|none] [--auth local|radius] " ROUTER_FLAGS_USAGE,
     .summary = N_("change a router (admin)"),
     .flags = router_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = router_edit_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "router remove",
     .usage = "NAME",
     .summary = N_("forget a router (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = router_remove_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "router test",
     .usage = "NAME",
     .summary = N_("connect and print identity, version and uptime"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = router_test_exec,
     .traits = CMD_LONG,
     .places = CMD_ANYWHERE},
    {.name = "router maintenance",
     .usage = "NAME on|off",
     .summary = N_("stop or resume polling a router"),
     .min_pos = 2,
     .max_pos = 2,
     .exec = router_maint_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "router setup",
     .usage = "NAME --radius --server ADDR [--auth-port 1812] [--profile P] [--ppp [--interim 5m]] "
              "[--show-secret | --apply]",
     .summary = N_("the RouterOS commands that make a RADIUS router ask wisp's FreeRADIUS "
                   "(--apply: run them over SSH) (admin)"),
     .flags = setup_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = router_setup_exec,
     .traits = CMD_LONG,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "router sync",
     .usage = "NAME [--full [--dry-run]]",
     .summary = N_("ask the worker to sync a router now (--full: remove users with wisp's mark "
                   "and no live voucher, then push every voucher again; --dry-run: list those "
                   "users, change nothing)"),
     .flags = sync_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = router_sync_exec,
     .traits = CMD_MUTATES | CMD_LONG,
     .places = CMD_ANYWHERE},
    {0},
};
