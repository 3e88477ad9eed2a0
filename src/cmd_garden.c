/*
 * cmd_garden.c - `wisp garden add|list|remove` (walled-garden hosts) and
 * `wisp bypass add|list|remove` (devices let through or blocked by MAC),
 * for every router or one (--router). The worker brings them to the
 * routers within a round (docs/routers.md).
 */
#include <stdlib.h>

#include "wisp/cli.h"
#include "wisp/garden.h"
#include "wisp/i18n.h"
#include "wisp/util.h"

static const struct cmd_flag router_flag[] = {{"router", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag bypass_flags[] = {
    {"router", 0, FLAG_VALUE}, {"block", 0, FLAG_BOOL}, {NULL, 0, 0}};

static const char *
where(const char *router)
{
    return router ? router : _("every router");
}

static int
garden_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *router = args_get(a, "router");
    struct db *db = cmd_db(ctx, e);

    if (!db || garden_add(db, "garden", a->pos[0], router, e) < 0)
        return -1;
    cmd_done(
        ctx, json_pack("{s:s, s:s, s:s?}", "kind", "garden", "value", a->pos[0], "router", router),
        _("walled garden: %s let through on %s (the worker updates the routers within a round)\n"),
        a->pos[0], where(router));
    return 0;
}

static int
bypass_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *router = args_get(a, "router"), *kind = args_has(a, "block") ? "block" : "bypass";
    struct db *db = cmd_db(ctx, e);

    if (!db || garden_add(db, kind, a->pos[0], router, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:s, s:s?}", "kind", kind, "value", a->pos[0], "router", router),
             str_eq(kind, "block") ? _("device %s blocked on %s\n")
                                   : _("device %s let through without a login on %s\n"),
             a->pos[0], where(router));
    return 0;
}

static int
remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, bool garden, struct werr *e)
{
    const char *router = args_get(a, "router");
    struct db *db = cmd_db(ctx, e);

    if (!db || garden_remove(db, garden, a->pos[0], router, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:s?, s:b}", "value", a->pos[0], "router", router, "removed", 1),
             _("%s removed from %s\n"), a->pos[0], where(router));
    return 0;
}

static int
garden_remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return remove_exec(ctx, a, true, e);
}

static int
bypass_remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return remove_exec(ctx, a, false, e);
}

static int
list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, bool garden, struct werr *e)
{
    static const char *const head[] = {N_("KIND"), N_("VALUE"), N_("ROUTER"),
                                       N_("BY"),   N_("ADDED"), NULL};
    static const char *const keys[] = {"kind", "value", "router", "created_by", "created_at", NULL};
    struct db *db = cmd_db(ctx, e);
    json_t *list = db ? garden_list(db, garden, args_get(a, "router"), e) : NULL;
    size_t i;
    json_t *r;

    if (!list)
        return -1;
    json_array_foreach(list, i, r) if (json_is_null(json_object_get(r, "router")) && !ctx->json)
        json_object_set_new(r, "router", json_string(_("(all)")));
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
garden_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return list_exec(ctx, a, true, e);
}

static int
bypass_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return list_exec(ctx, a, false, e);
}

const struct cmd_entry cmd_garden_entries[] = {
    {.name = "garden add",
     .usage = "HOST [--router NAME]",
     .summary = N_("let a host through without a login (walled garden), on every router or one "
                   "(admin)"),
     .flags = router_flag,
     .min_pos = 1,
     .max_pos = 1,
     .exec = garden_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "garden list",
     .usage = "[--router NAME]",
     .summary = N_("the walled garden's hosts"),
     .flags = router_flag,
     .exec = garden_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "garden remove",
     .usage = "HOST [--router NAME]",
     .summary = N_("take a host out of the walled garden (admin)"),
     .flags = router_flag,
     .min_pos = 1,
     .max_pos = 1,
     .exec = garden_remove_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "bypass add",
     .usage = "MAC [--router NAME] [--block]",
     .summary = N_("let a device through without a login (--block: refuse it), on every router "
                   "or one (admin)"),
     .flags = bypass_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = bypass_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "bypass list",
     .usage = "[--router NAME]",
     .summary = N_("the devices let through or blocked"),
     .flags = router_flag,
     .exec = bypass_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "bypass remove",
     .usage = "MAC [--router NAME]",
     .summary = N_("forget a bypassed or blocked device (admin)"),
     .flags = router_flag,
     .min_pos = 1,
     .max_pos = 1,
     .exec = bypass_remove_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {0},
};
