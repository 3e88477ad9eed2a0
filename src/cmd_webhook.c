/*
 * cmd_webhook.c - `wisp webhook add|list|disable|enable|remove|deliveries|
 * attempts|redeliver` (docs/webhooks.md). Admins change webhooks; operators
 * and admins read them (never their secrets) and their deliveries. The
 * database refuses everyone else.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/util.h"
#include "wisp/webhook.h"

static const struct cmd_flag add_flags[] = {
    {"events", 0, FLAG_VALUE}, {"secret-file", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag deliveries_flags[] = {
    {"webhook", 0, FLAG_VALUE}, {"failed", 0, FLAG_BOOL}, {"limit", 0, FLAG_VALUE}, {NULL, 0, 0}};

static int
id_arg(const char *what, const char *s, int64_t max, int64_t *id, struct werr *e)
{
    if (str_to_i64(s, 1, max, id) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad %s id \"%s\""), what, s);
    return 0;
}

static int
add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *events = args_get(a, "events"), *file = args_get(a, "secret-file");
    char made[80], *secret = NULL;
    struct db *db;
    int id = 0, rc;

    if (!events)
        return werr_set(e, WISP_EUSAGE,
                        _("a webhook needs --events: kinds, comma-separated, or *"));
    if (file ? webhook_secret_read(file, &secret, e) < 0
             : webhook_secret_new(made, sizeof made, e) < 0)
        return -1;
    rc = (db = cmd_db(ctx, e)) == NULL
             ? -1
             : webhook_add(db, a->pos[0], events, secret ? secret : made, &id, e);
    if (secret) {
        explicit_bzero(secret, strlen(secret));
        free(secret);
    }
    if (rc < 0) {
        explicit_bzero(made, sizeof made);
        return -1;
    }
    if (file) {
        cmd_done(ctx, json_pack("{s:i}", "webhook_id", id),
                 _("webhook %d added: %s gets %s, signed with the secret in %s\n"), id, a->pos[0],
                 events, file);
    } else {
        /* the one time it is shown: the receiver needs it to check signatures */
        cmd_done(ctx, json_pack("{s:i, s:s}", "webhook_id", id, "secret", made),
                 _("webhook %d added: %s gets %s\n"
                   "its secret (shown this once: give it to the receiver, it is never shown "
                   "again):\n%s\n"),
                 id, a->pos[0], events, made);
    }
    explicit_bzero(made, sizeof made);
    return 0;
}

static int
list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("ID"),      N_("URL"),  N_("EVENTS"),       N_("STATUS"),
                                       N_("WAITING"), N_("DEAD"), N_("WHY DISABLED"), NULL};
    static const char *const keys[] = {"id",      "url",  "events",          "status",
                                       "waiting", "dead", "disabled_reason", NULL};
    struct db *db = cmd_db(ctx, e);
    json_t *list = db ? webhook_list(db, e) : NULL;

    (void)a;
    if (!list)
        return -1;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
set_active(struct cmd_ctx *ctx, const struct cmd_args *a, bool active, struct werr *e)
{
    int64_t id;
    struct db *db;

    if (id_arg("webhook", a->pos[0], INT32_MAX, &id, e) < 0 || (db = cmd_db(ctx, e)) == NULL ||
        webhook_set_active(db, (int)id, active, e) < 0)
        return -1;
    cmd_done(
        ctx,
        json_pack("{s:i, s:s}", "webhook_id", (int)id, "status", active ? "active" : "disabled"),
        active ? _("webhook %d enabled: what waits for it is sent now\n")
               : _("webhook %d disabled: nothing is sent to it until it is enabled\n"),
        (int)id);
    return 0;
}

static int
disable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return set_active(ctx, a, false, e);
}

static int
enable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return set_active(ctx, a, true, e);
}

static int
remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    int64_t id;
    struct db *db;

    if (id_arg("webhook", a->pos[0], INT32_MAX, &id, e) < 0 || (db = cmd_db(ctx, e)) == NULL ||
        webhook_remove(db, (int)id, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:i, s:b}", "webhook_id", (int)id, "removed", 1),
             _("webhook %d removed, with its deliveries\n"), (int)id);
    return 0;
}

static int
deliveries_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("ID"),    N_("WEBHOOK"), N_("EVENT"), N_("KIND"),
                                       N_("STATE"), N_("TRIES"),   N_("HTTP"),  N_("LAST ERROR"),
                                       N_("NEXT"),  NULL};
    static const char *const keys[] = {"id",       "webhook_id",  "event_id",   "kind",    "state",
                                       "attempts", "last_status", "last_error", "next_at", NULL};
    int64_t hook = 0, limit = 100;
    struct db *db;
    json_t *list;

    if (args_get(a, "webhook") &&
        id_arg("webhook", args_get(a, "webhook"), INT32_MAX, &hook, e) < 0)
        return -1;
    if (args_get(a, "limit") && str_to_i64(args_get(a, "limit"), 1, 100000, &limit) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --limit \"%s\": expected 1 to 100000"),
                        args_get(a, "limit"));
    if ((db = cmd_db(ctx, e)) == NULL ||
        (list = webhook_deliveries(db, (int)hook, args_has(a, "failed"), (int)limit, e)) == NULL)
        return -1;
    if (!ctx->json) { /* the next try only means something for those that wait */
        size_t i;
        json_t *r;

        json_array_foreach(list, i, r)
        {
            const char *st = json_string_value(json_object_get(r, "state"));

            if (!str_eq(st, "pending") && !str_eq(st, "failed"))
                json_object_set_new(r, "next_at", json_null());
        }
    }
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
attempts_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("AT"),    N_("HTTP"),  N_("MS"),
                                       N_("ERROR"), N_("REPLY"), NULL};
    static const char *const keys[] = {"at", "http_status", "duration_ms", "error", "reply", NULL};
    int64_t id;
    struct db *db;
    json_t *list;

    if (id_arg("delivery", a->pos[0], INT64_MAX, &id, e) < 0 || (db = cmd_db(ctx, e)) == NULL ||
        (list = webhook_attempts(db, id, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
redeliver_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    int64_t id;
    struct db *db;

    if (id_arg("delivery", a->pos[0], INT64_MAX, &id, e) < 0 || (db = cmd_db(ctx, e)) == NULL ||
        webhook_redeliver(db, id, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:I}", "delivery_id", (json_int_t)id),
             _("delivery %" PRId64 " will be sent again now (same Wisp-Delivery id)\n"), id);
    return 0;
}

const struct cmd_entry cmd_webhook_entries[] = {
    {.name = "webhook add",
     .usage = "URL --events KIND,KIND...|* [--secret-file FILE]",
     .summary = N_("POST events to a URL, signed (admin; without --secret-file a secret is made "
                   "and shown once)"),
     .flags = add_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "webhook list",
     .summary = N_("the webhooks, their state and what waits for them (never their secrets)"),
     .exec = list_exec,
     .places = CMD_ANYWHERE},
    {.name = "webhook disable",
     .usage = "ID",
     .summary = N_("send a webhook nothing until it is enabled (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = disable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "webhook enable",
     .usage = "ID",
     .summary = N_("send a disabled webhook its events again (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = enable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "webhook remove",
     .usage = "ID",
     .summary = N_("remove a webhook and its deliveries (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = remove_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "webhook deliveries",
     .usage = "[--webhook ID] [--failed] [--limit N]",
     .summary = N_("webhook deliveries, newest first (--failed: those failing or given up)"),
     .flags = deliveries_flags,
     .exec = deliveries_exec,
     .places = CMD_ANYWHERE},
    {.name = "webhook attempts",
     .usage = "DELIVERY",
     .summary = N_("every try of one delivery: status, time, error, the reply's start"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = attempts_exec,
     .places = CMD_ANYWHERE},
    {.name = "webhook redeliver",
     .usage = "DELIVERY",
     .summary = N_("send a delivery again now, with the same idempotency id (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = redeliver_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {0},
};
