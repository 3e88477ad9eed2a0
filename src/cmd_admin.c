/*
 * cmd_admin.c - the housekeeping commands: `wisp db migrate|status`,
 * `wisp config show`, `wisp operator add|list|passwd|remove`, `wisp audit`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/audit.h"
#include "wisp/cli.h"
#include "wisp/operator.h"
#include "wisp/util.h"

static const struct cmd_flag json_flags[] = {{"json", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag add_flags[] = {
    {"role", 0, FLAG_VALUE}, {"password-stdin", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag passwd_flags[] = {{"password-stdin", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag audit_flags[] = {
    {"limit", 0, FLAG_VALUE}, {"json", 0, FLAG_BOOL}, {NULL, 0, 0}};

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

static int
migrate_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = raw_db(ctx, e);

    (void)a;
    return db ? db_migrate(db, ctx->out, e) : -1;
}

static int
status_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = raw_db(ctx, e);

    return db ? db_migrate_status(db, ctx->out, args_has(a, "json"), e) : -1;
}

static int
config_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    (void)e;
    config_show(ctx->cfg, ctx->out, args_has(a, "json"));
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
        return werr_set(e, WISP_EUSAGE, "`operator add` needs --role admin|operator|viewer");
    if (!str_eq(role, "admin") && !str_eq(role, "operator") && !str_eq(role, "viewer"))
        return werr_set(e, WISP_EUSAGE, "bad --role \"%s\": expected admin, operator or viewer",
                        role);
    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    pw = cmd_read_password(ctx, "password for the new operator: ", true,
                           args_has(a, "password-stdin"), e);
    if (pw == NULL)
        return -1;
    rc = operator_add(db, a->pos[0], role, pw, e);
    explicit_bzero(pw, strlen(pw));
    free(pw);
    if (rc == 0)
        fprintf(ctx->out, "operator %s added as %s\n", a->pos[0], role);
    return rc;
}

static int
operator_passwd_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    char *pw;
    int rc;

    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    pw = cmd_read_password(ctx, "new password: ", true, args_has(a, "password-stdin"), e);
    if (pw == NULL)
        return -1;
    rc = operator_passwd(db, a->pos[0], pw, e);
    explicit_bzero(pw, strlen(pw));
    free(pw);
    if (rc == 0)
        fprintf(ctx->out, "password of %s changed\n", a->pos[0]);
    return rc;
}

static int
operator_remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;

    if ((db = cmd_db(ctx, e)) == NULL || operator_remove(db, a->pos[0], e) < 0)
        return -1;
    fprintf(ctx->out, "operator %s removed\n", a->pos[0]);
    return 0;
}

static int
operator_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {"NAME", "ROLE", "VALID UNTIL", NULL};
    static const char *const keys[] = {"name", "role", "valid_until"};
    struct db *db;
    json_t *list;

    if ((db = cmd_db(ctx, e)) == NULL || (list = operator_list(db, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, args_has(a, "json"), head, keys);
    return 0;
}

static int
audit_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {"ID", "AT", "WHO", "ACTION", "DETAILS", NULL};
    static const char *const keys[] = {"id", "at", "who", "action", "details"};
    const char *lim = args_get(a, "limit");
    int64_t limit = 50;
    struct db *db;
    json_t *list;

    if (lim && str_to_i64(lim, 1, 1000000, &limit) < 0)
        return werr_set(e, WISP_EUSAGE, "bad --limit \"%s\": expected 1..1000000", lim);
    if ((db = cmd_db(ctx, e)) == NULL || (list = audit_list(db, (int)limit, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, args_has(a, "json"), head, keys);
    return 0;
}

const struct cmd_entry cmd_db_entries[] = {
    {"db migrate", "", "create or upgrade the database schema and roles", NULL, 0, 0, true,
     migrate_exec, true},
    {"db status", "[--json]", "list applied and pending migrations", json_flags, 0, 0, true,
     status_exec, false},
    {NULL, NULL, NULL, NULL, 0, 0, false, NULL, false},
};

const struct cmd_entry cmd_config_entries[] = {
    {"config show", "[--json]", "print the effective settings, secrets masked", json_flags, 0, 0,
     true, config_show_exec, false},
    {NULL, NULL, NULL, NULL, 0, 0, false, NULL, false},
};

const struct cmd_entry cmd_operator_entries[] = {
    {"operator add", "NAME --role admin|operator|viewer [--password-stdin]",
     "create an operator login (admin)", add_flags, 1, 1, false, operator_add_exec, true,
     .places = CMD_CLI | CMD_SHELL}, /* asks for a password */
    {"operator list", "[--json]", "list operators and their roles", json_flags, 0, 0, false,
     operator_list_exec, false},
    {"operator passwd", "NAME [--password-stdin]", "change an operator's password", passwd_flags, 1,
     1, false, operator_passwd_exec, true, .places = CMD_CLI | CMD_SHELL},
    {"operator remove", "NAME", "remove an operator (admin)", NULL, 1, 1, false,
     operator_remove_exec, true},
    {NULL, NULL, NULL, NULL, 0, 0, false, NULL, false},
};

const struct cmd_entry cmd_audit_entries[] = {
    {"audit", "[--limit N] [--json]", "the audit log, newest first (default 50 rows)", audit_flags,
     0, 0, false, audit_exec, false},
    {NULL, NULL, NULL, NULL, 0, 0, false, NULL, false},
};
