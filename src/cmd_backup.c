/*
 * cmd_backup.c - `wisp backup create|list|verify|restore|prune`
 * (src/backup.c does the work; docs/backup.md).
 *
 * They run from the command line and `wisp shell` only, never on the
 * console's `:` line: they start pg_dump or pg_restore and may take minutes
 * with the console's screen frozen behind them, and a restore or a prune is
 * something to type on purpose at a prompt, not between two panes.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/backup.h"
#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/util.h"

static const struct cmd_flag dir_flags[] = {{"dir", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag restore_flags[] = {
    {"into", 0, FLAG_VALUE}, {"force", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag prune_flags[] = {
    {"dir", 0, FLAG_VALUE},          {"keep-daily", 0, FLAG_VALUE}, {"keep-weekly", 0, FLAG_VALUE},
    {"keep-monthly", 0, FLAG_VALUE}, {"dry-run", 0, FLAG_BOOL},     {NULL, 0, 0}};

/* --dir, else the configured directory. */
static char *
dir_arg(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *dir = args_get(a, "dir");

    if (dir && *dir == '\0') {
        werr_set(e, WISP_EUSAGE, _("--dir needs a directory"));
        return NULL;
    }
    return dir ? xstrdup(dir) : backup_dir(ctx->cfg, e);
}

static int
create_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    char *dir = dir_arg(ctx, a, e);
    struct db *db;
    json_t *m;

    if (dir == NULL)
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL || (m = backup_create(db, dir, e)) == NULL) {
        free(dir);
        return -1;
    }
    free(dir);
    cmd_done(ctx, m, _("backup %s: %lld bytes, schema %lld, sha256 %.16s...\n"),
             json_string_value(json_object_get(m, "file")),
             (long long)json_integer_value(json_object_get(m, "size")),
             (long long)json_integer_value(json_object_get(m, "schema_version")),
             json_string_value(json_object_get(m, "sha256")));
    return 0;
}

static int
list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {"NAME", "TIME", "SIZE", "SCHEMA", "VERIFIED", NULL};
    static const char *const keys[] = {"name", "time", "size", "schema_version", "state"};
    char *dir = dir_arg(ctx, a, e);
    json_t *list, *m;
    size_t i;

    if (dir == NULL)
        return -1;
    list = backup_list(dir, e);
    free(dir);
    if (list == NULL)
        return -1;
    json_array_foreach(list, i, m)
    {
        json_t *v = json_object_get(m, "verified");
        const char *state = !json_is_true(json_object_get(m, "present")) ? "dump missing"
                            : !json_is_object(v)                         ? "no"
                            : json_is_true(json_object_get(v, "ok"))     ? "yes"
                                                                         : "FAILED";
        char *text = json_is_object(v)
                         ? xasprintf("%s %s", state, json_string_value(json_object_get(v, "at")))
                         : xstrdup(state);

        json_object_set_new(m, "state", json_string(text));
        free(text);
        json_object_del(m, "rows"); /* the list is the overview; the manifest has them */
        json_object_del(m, "operators");
    }
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
verify_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = cmd_db(ctx, e);
    json_t *r;

    if (db == NULL || (r = backup_verify(db, a->pos[0], e)) == NULL)
        return -1;
    cmd_done(ctx, r, _("backup %s verified: checksum, restore and %lld tables' rows\n"), a->pos[0],
             (long long)json_integer_value(json_object_get(r, "tables")));
    return 0;
}

static int
restore_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *into = args_get(a, "into");
    struct db *db;
    json_t *r, *op;
    size_t i;

    if (into == NULL || *into == '\0')
        return werr_set(e, WISP_EUSAGE, _("`backup restore` needs --into DB"));
    if ((db = cmd_db(ctx, e)) == NULL ||
        (r = backup_restore(db, a->pos[0], into, args_has(a, "force"), e)) == NULL)
        return -1;
    cmd_printf(ctx, _("restored %s into %s\n"), a->pos[0],
               json_string_value(json_object_get(r, "into")));
    /* a name is said again; a conninfo (it may hold a password) is not */
    if (json_is_true(json_object_get(r, "needs_migrate")) && !strchr(into, '=') &&
        !strstr(into, "://"))
        cmd_printf(ctx,
                   _("its schema is at version %lld, older than this wisp's %d: run `wisp --db %s "
                     "db migrate` before using it\n"),
                   (long long)json_integer_value(json_object_get(r, "schema_version")),
                   db_schema_version(), into);
    else if (json_is_true(json_object_get(r, "needs_migrate")))
        cmd_printf(ctx,
                   _("its schema is at version %lld, older than this wisp's %d: run `wisp db "
                     "migrate` on it (--db set to what --into said) before using it\n"),
                   (long long)json_integer_value(json_object_get(r, "schema_version")),
                   db_schema_version());
    json_array_foreach(json_object_get(r, "missing_operators"), i, op)
        cmd_printf(ctx,
                   _("operator %s (%s) has no login on this server: `wisp operator add %s "
                     "--role %s`\n"),
                   json_string_value(json_object_get(op, "name")),
                   json_string_value(json_object_get(op, "role")),
                   json_string_value(json_object_get(op, "name")),
                   json_string_value(json_object_get(op, "role")));
    cmd_printf(ctx,
               _("live figures: readers use PostgreSQL until Redis has today; to refill it now "
                 "(the worker also does when Redis is empty): wisp metrics backfill\n"));
    cmd_result(ctx, r);
    return 0;
}

/* --keep-NAME N, 0 when absent; -1 on a bad one. */
static int
keep_arg(const struct cmd_args *a, const char *name, int *out, struct werr *e)
{
    const char *v = args_get(a, name);
    int64_t n = 0;

    if (v && str_to_i64(v, 0, 10000, &n) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --%s \"%s\": expected 0..10000"), name, v);
    *out = (int)n;
    return 0;
}

static int
prune_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    int daily, weekly, monthly;
    char *dir;
    json_t *r, *x;
    size_t i;
    bool dry = args_has(a, "dry-run");

    if (keep_arg(a, "keep-daily", &daily, e) < 0 || keep_arg(a, "keep-weekly", &weekly, e) < 0 ||
        keep_arg(a, "keep-monthly", &monthly, e) < 0)
        return -1;
    if (!args_has(a, "keep-daily") && !args_has(a, "keep-weekly") && !args_has(a, "keep-monthly"))
        return werr_set(e, WISP_EUSAGE,
                        _("`backup prune` needs at least one of --keep-daily, --keep-weekly, "
                          "--keep-monthly"));
    if (daily + weekly + monthly == 0)
        return werr_set(e, WISP_EUSAGE,
                        _("`backup prune` keeping no day, week or month would remove every backup "
                          "but the newest verified: keep at least one"));
    if ((dir = dir_arg(ctx, a, e)) == NULL)
        return -1;
    r = backup_prune(dir, daily, weekly, monthly, dry, e);
    free(dir);
    if (r == NULL)
        return -1;
    json_array_foreach(json_object_get(r, "kept"), i, x)
        cmd_printf(ctx, _("kept     %s (%s)\n"), json_string_value(json_object_get(x, "name")),
                   json_string_value(json_object_get(x, "why")));
    json_array_foreach(json_object_get(r, "removed"), i, x)
        cmd_printf(ctx, dry ? _("would remove %s\n") : _("removed  %s\n"),
                   json_string_value(json_object_get(x, "name")));
    cmd_result(ctx, r);
    return 0;
}

const struct cmd_entry cmd_backup_entries[] = {
    {.name = "backup create",
     .usage = "[--dir DIR]",
     .summary = N_("dump the database with a manifest into the backup directory (admin)"),
     .flags = dir_flags,
     .exec = create_exec,
     .traits = CMD_LONG,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "backup list",
     .usage = "[--dir DIR]",
     .summary = N_("the backups, newest first, and whether each was verified"),
     .flags = dir_flags,
     .exec = list_exec,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "backup verify",
     .usage = "FILE",
     .summary = N_("checksum, restore into a scratch database and compare rows (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = verify_exec,
     .traits = CMD_LONG,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "backup restore",
     .usage = "FILE --into DB [--force]",
     .summary = N_("restore a backup into a database, empty unless --force (admin)"),
     .flags = restore_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = restore_exec,
     .traits = CMD_LONG,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "backup prune",
     .usage = "--keep-daily N --keep-weekly N --keep-monthly N [--dry-run] [--dir DIR]",
     .summary = N_("remove old backups, grandfather-father-son; the newest verified stays"),
     .flags = prune_flags,
     .exec = prune_exec,
     .places = CMD_CLI | CMD_SHELL},
    {0},
};
