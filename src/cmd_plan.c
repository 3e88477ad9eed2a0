/*
 * cmd_plan.c - `wisp plan add|list|edit|disable|enable`.
 */
#include <stdlib.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/plan.h"
#include "wisp/texttable.h"
#include "wisp/units.h"
#include "wisp/util.h"

static const struct cmd_flag plan_flags[] = {
    {"price", 0, FLAG_VALUE},   {"duration", 0, FLAG_VALUE},    {"data", 0, FLAG_VALUE},
    {"rate", 0, FLAG_VALUE},    {"validity", 0, FLAG_VALUE},    {"shared-users", 0, FLAG_VALUE},
    {"profile", 0, FLAG_VALUE}, {"lock-mac", 0, FLAG_OPTIONAL}, {"low-stock", 0, FLAG_VALUE},
    {"title", 0, FLAG_VALUE},   {"template", 0, FLAG_VALUE},    {NULL, 0, 0},
};

static void
read_input(const struct cmd_args *a, struct plan_input *in)
{
    in->price = args_get(a, "price");
    in->duration = args_get(a, "duration");
    in->data = args_get(a, "data");
    in->rate = args_get(a, "rate");
    in->validity = args_get(a, "validity");
    in->shared_users = args_get(a, "shared-users");
    in->profile = args_get(a, "profile");
    in->low_stock = args_get(a, "low-stock");
    in->title = args_get(a, "title");
    in->template_name = args_get(a, "template");
    in->lock_mac = args_has(a, "lock-mac") ? (args_get(a, "lock-mac") && *args_get(a, "lock-mac")
                                                  ? args_get(a, "lock-mac")
                                                  : "yes")
                                           : NULL;
}

static int
plan_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct plan_input in;
    struct db *db;

    read_input(a, &in);
    if (in.price == NULL)
        return werr_set(e, WISP_EUSAGE, _("a plan needs --price"));
    if ((db = cmd_db(ctx, e)) == NULL || plan_add(db, a->pos[0], &in, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "plan", a->pos[0], "added", 1), _("plan %s added\n"),
             a->pos[0]);
    return 0;
}

static int
plan_edit_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct plan_input in;
    struct db *db;

    read_input(a, &in);
    if ((db = cmd_db(ctx, e)) == NULL || plan_edit(db, a->pos[0], &in, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "plan", a->pos[0], "changed", 1), _("plan %s changed\n"),
             a->pos[0]);
    return 0;
}

static int
set_active(struct cmd_ctx *ctx, const struct cmd_args *a, bool active, struct werr *e)
{
    struct db *db;

    if ((db = cmd_db(ctx, e)) == NULL || plan_set_active(db, a->pos[0], active, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "plan", a->pos[0], "active", active),
             active ? _("plan %s enabled\n") : _("plan %s disabled\n"), a->pos[0]);
    return 0;
}

static int
plan_disable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return set_active(ctx, a, false, e);
}

static int
plan_enable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return set_active(ctx, a, true, e);
}

/* A JSON integer of seconds or bytes as operators write it, or NULL. */
static char *
fmt_field(json_t *v, bool size)
{
    char buf[32];

    if (!json_is_integer(v))
        return NULL;
    if (size)
        units_format_size(json_integer_value(v), buf, sizeof buf);
    else
        units_format_duration(json_integer_value(v), buf, sizeof buf);
    return xstrdup(buf);
}

static int
plan_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {
        N_("NAME"),     N_("PRICE"), N_("TIME"),    N_("DATA"),   N_("RATE"),     N_("VALIDITY"),
        N_("USERS"),    N_("PROFILE"), N_("ACTIVE"), N_("TITLE"), N_("TEMPLATE"), NULL};
    struct texttable t;
    struct db *db;
    json_t *list, *p;
    size_t i;

    if ((db = cmd_db(ctx, e)) == NULL || (list = plan_list(db, e)) == NULL)
        return -1;
    (void)a;
    cmd_result(ctx, list);
    if (ctx->json)
        return 0;
    texttable_init(&t, head);
    json_array_foreach(list, i, p)
    {
        char *dur = fmt_field(json_object_get(p, "duration_s"), false);
        char *data = fmt_field(json_object_get(p, "data_bytes"), true);
        char *val = fmt_field(json_object_get(p, "validity_s"), false);
        char *users =
            json_is_integer(json_object_get(p, "shared_users"))
                ? xasprintf("%lld",
                            (long long)json_integer_value(json_object_get(p, "shared_users")))
                : NULL;
        const char *row[] = {
            json_string_value(json_object_get(p, "name")),
            json_string_value(json_object_get(p, "price")),
            dur,
            data,
            json_string_value(json_object_get(p, "rate_limit")),
            val,
            users,
            json_string_value(json_object_get(p, "profile")),
            json_is_true(json_object_get(p, "active")) ? "yes" : "no",
            json_string_value(json_object_get(p, "title")),
            json_string_value(json_object_get(p, "template")),
        };
        texttable_add(&t, row);
        free(dur), free(data), free(val), free(users);
    }
    texttable_print(&t, ctx->out);
    return 0;
}

const struct cmd_entry cmd_plan_entries[] = {
    {.name = "plan add",
     .usage = "NAME --price AMOUNT [--duration 1h] [--data 5G] [--rate 2M/4M] [--validity 30d] "
              "[--shared-users 1] [--profile NAME] [--lock-mac] [--low-stock N] [--title TEXT] "
              "[--template NAME]",
     .summary = N_("create a plan (admin)"),
     .flags = plan_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = plan_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "plan list",
     .summary = N_("list plans"),
     .exec = plan_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "plan edit",
     .usage =
         "NAME [--price AMOUNT] [--duration D|none] [--data SIZE|none] [--rate R|none] "
         "[--validity D|none] [--shared-users N|none] [--profile NAME|none] [--lock-mac yes|no] "
         "[--low-stock N|none] [--title TEXT|none] [--template NAME|none]",
     .summary = N_("change a plan (admin)"),
     .flags = plan_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = plan_edit_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "plan disable",
     .usage = "NAME",
     .summary = N_("stop selling a plan (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = plan_disable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "plan enable",
     .usage = "NAME",
     .summary = N_("sell a disabled plan again (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = plan_enable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {0},
};
