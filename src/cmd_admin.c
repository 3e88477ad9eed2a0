/*
 * cmd_admin.c - the housekeeping commands: `wisp db migrate|status`,
 * `wisp config show`, `wisp operator add|list|passwd|remove`, `wisp audit`,
 * and the console's `theme NAME`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/audit.h"
#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/operator.h"
#include "wisp/theme.h"
#include "wisp/util.h"

static const struct cmd_flag add_flags[] = {
    {"role", 0, FLAG_VALUE}, {"password-stdin", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag passwd_flags[] = {{"password-stdin", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag audit_flags[] = {{"limit", 0, FLAG_VALUE}, {NULL, 0, 0}};

/* Connect without the schema check: migrate is what makes the schema. */
static struct db *
raw_db(struct cmd_ctx *ctx, struct werr *e)
{
    if (ctx->db_open)
        return &ctx->db;
    if (db_open(&ctx->db, ctx->cfg->db, e) < 0)
        return NULL;
    ctx->db_open = true;
    return &ctx->db;
}

static const struct cmd_flag migrate_flags[] = {{"to", 0, FLAG_VALUE}, {NULL, 0, 0}};

static int
migrate_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *to = args_get(a, "to");
    int64_t upto = 0;
    struct db *db;
    FILE *out;
    int rc;

    if (to && str_to_i64(to, 1, db_schema_version(), &upto) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --to \"%s\": a migration's number, 1 to %d"), to,
                        db_schema_version());
    if ((db = raw_db(ctx, e)) == NULL)
        return -1;
    out = ctx->json ? fopen("/dev/null", "w") : ctx->out; /* its lines are for people */
    if (out == NULL)
        return werr_set(e, WISP_ERUNTIME, _("cannot open /dev/null"));
    rc = db_migrate(db, out, (int)upto, e);
    if (out != ctx->out)
        fclose(out);
    if (rc == 0)
        cmd_result(ctx, json_pack("{s:b}", "migrated", 1));
    return rc;
}

static int
status_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = raw_db(ctx, e);
    json_t *list = NULL;

    (void)a;
    if (!db || db_migrate_status(db, ctx->json ? NULL : ctx->out, &list, e) < 0)
        return -1;
    cmd_result(ctx, list); /* what --json prints */
    return 0;
}

static int
config_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    (void)e;
    (void)a;
    cmd_result(ctx, config_json(ctx->cfg)); /* what --json prints */
    if (!ctx->json)
        config_show(ctx->cfg, ctx->out, false);
    return 0;
}

static int
operator_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *role = args_get(a, "role");
    struct db *db;
    char *pw;
    int rc;

    if (role == NULL)
        return werr_set(e, WISP_EUSAGE, _("`operator add` needs --role admin|operator|viewer"));
    if (!str_eq(role, "admin") && !str_eq(role, "operator") && !str_eq(role, "viewer"))
        return werr_set(e, WISP_EUSAGE, _("bad --role \"%s\": expected admin, operator or viewer"),
                        role);
    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    pw = cmd_read_password(ctx, _("password for the new operator: "), true,
                           args_has(a, "password-stdin"), e);
    if (pw == NULL)
        return -1;
    rc = operator_add(db, a->pos[0], role, pw, e);
    explicit_bzero(pw, strlen(pw));
    free(pw);
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:s}", "operator", a->pos[0], "role", role),
             _("operator %s added as %s\n"), a->pos[0], role);
    return 0;
}

static int
operator_passwd_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    char *pw;
    int rc;

    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    pw = cmd_read_password(ctx, _("new password: "), true, args_has(a, "password-stdin"), e);
    if (pw == NULL)
        return -1;
    rc = operator_passwd(db, a->pos[0], pw, e);
    explicit_bzero(pw, strlen(pw));
    free(pw);
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "operator", a->pos[0], "password_changed", 1),
             _("password of %s changed\n"), a->pos[0]);
    return 0;
}

static int
operator_remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;

    if ((db = cmd_db(ctx, e)) == NULL || operator_remove(db, a->pos[0], e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "operator", a->pos[0], "removed", 1),
             _("operator %s removed\n"), a->pos[0]);
    return 0;
}

static int
operator_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("NAME"), N_("ROLE"), N_("VALID UNTIL"), NULL};
    static const char *const keys[] = {"name", "role", "valid_until"};
    struct db *db;
    json_t *list;

    (void)a;
    if ((db = cmd_db(ctx, e)) == NULL || (list = operator_list(db, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
audit_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("ID"),     N_("AT"),      N_("WHO"),
                                       N_("ACTION"), N_("DETAILS"), NULL};
    static const char *const keys[] = {"id", "at", "who", "action", "details"};
    const char *lim = args_get(a, "limit");
    int64_t limit = 50;
    struct db *db;
    json_t *list;

    if (lim && str_to_i64(lim, 1, 1000000, &limit) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --limit \"%s\": expected 1..1000000"), lim);
    if ((db = cmd_db(ctx, e)) == NULL || (list = audit_list(db, (int)limit, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

/* `theme NAME` on the console's `:` line: the theme must load; the console
 * applies the result, {"theme": NAME}, to its screen. */
static int
theme_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct theme t;

    if (theme_load_installed(&t, a->pos[0], e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s}", "theme", a->pos[0]), "theme %s\n", a->pos[0]);
    return 0;
}

const struct cmd_entry cmd_db_entries[] = {
    {.name = "db migrate",
     .usage = "[--to VERSION]",
     .summary = N_("create or upgrade the database schema and roles"),
     .flags = migrate_flags,
     .exec = migrate_exec,
     .traits = CMD_MUTATES | CMD_LONG,
     .places = CMD_ANYWHERE},
    {.name = "db status",
     .summary = N_("list applied and pending migrations"),
     .exec = status_exec,
     .places = CMD_ANYWHERE},
    {0},
};

const struct cmd_entry cmd_config_entries[] = {
    {.name = "config show",
     .summary = N_("print the effective settings, secrets masked"),
     .exec = config_show_exec,
     .places = CMD_ANYWHERE},
    {0},
};

const struct cmd_entry cmd_operator_entries[] = {
    {
        .name = "operator add",
        .usage = "NAME --role admin|operator|viewer [--password-stdin]",
        .summary = N_("create an operator login (admin)"),
        .flags = add_flags,
        .min_pos = 1,
        .max_pos = 1,
        .exec = operator_add_exec,
        .traits = CMD_MUTATES,
        .places = CMD_CLI | CMD_SHELL /* asks for a password */
    },
    {.name = "operator list",
     .summary = N_("list operators and their roles"),
     .exec = operator_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "operator passwd",
     .usage = "NAME [--password-stdin]",
     .summary = N_("change an operator's password"),
     .flags = passwd_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = operator_passwd_exec,
     .traits = CMD_MUTATES,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "operator remove",
     .usage = "NAME",
     .summary = N_("remove an operator (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = operator_remove_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {0},
};

const struct cmd_entry cmd_audit_entries[] = {
    {.name = "audit",
     .usage = "[--limit N]",
     .summary = N_("the audit log, newest first (default 50 rows)"),
     .flags = audit_flags,
     .exec = audit_exec,
     .places = CMD_ANYWHERE},
    {0},
};

const struct cmd_entry cmd_theme_entries[] = {
    {
        .name = "theme",
        .usage = "NAME",
        .summary = N_("the console's colour theme (themes/NAME.json), until it quits"),
        .min_pos = 1,
        .max_pos = 1,
        .exec = theme_exec,
        .places = CMD_CONSOLE /* elsewhere: --theme NAME or the theme setting */
    },
    {0},
};
