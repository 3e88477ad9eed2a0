/*
 * cmd_order.c - `wisp order add|list|show|retry|cancel`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/cli.h"
#include "wisp/events.h"
#include "wisp/order.h"
#include "wisp/util.h"

static const struct cmd_flag add_flags[] = {
    {"product", 0, FLAG_VALUE},  {"customer", 0, FLAG_VALUE},
    {"provider", 0, FLAG_VALUE}, {"extra", 0, FLAG_VALUE},
    {"amount", 0, FLAG_VALUE},   {"channel", 0, FLAG_VALUE},
    {"json", 0, FLAG_BOOL},      {NULL, 0, 0},
};
static const struct cmd_flag list_flags[] = {
    {"status", 0, FLAG_VALUE}, {"limit", 0, FLAG_VALUE}, {"json", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag json_flags[] = {{"json", 0, FLAG_BOOL}, {NULL, 0, 0}};

static const char *const statuses[] = {"pending", "sent",      "processing", "completed",
                                       "failed",  "cancelled", NULL};

/* Tell live consoles (and metrics) what changed. */
static void
announce(struct cmd_ctx *ctx, const char *type, int64_t id, const char *status)
{
    struct werr e = {0};

    events_publish(ctx->cfg, type,
                   json_pack("{s:I, s:s?}", "order", (json_int_t)id, "status", status), &e);
}

static int
order_id_arg(const char *s, int64_t *id, struct werr *e)
{
    if (str_to_i64(s, 1, INT64_MAX, id) < 0)
        return werr_set(e, WISP_EUSAGE, "bad order id \"%s\"", s);
    return 0;
}

static int
order_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct order_input in = {
        .product = args_get(a, "product"),
        .customer = args_get(a, "customer"),
        .provider = args_get(a, "provider"),
        .extra = args_get(a, "extra"),
        .amount = args_get(a, "amount"),
        .channel = args_get(a, "channel"),
        .currency = ctx->cfg->currency,
    };
    struct db *db;
    int64_t id;

    if (!in.product || !in.customer)
        return werr_set(e, WISP_EUSAGE, "an order needs --product and --customer");
    if ((db = cmd_db(ctx, e)) == NULL || order_add(db, &in, &id, e) < 0)
        return -1;
    announce(ctx, "order.created", id, "pending");
    if (args_has(a, "json"))
        cmd_print_json(ctx, json_pack("{s:I}", "order_id", (json_int_t)id));
    else
        fprintf(ctx->out, "order %" PRId64 " taken: %s for %s\n", id, in.product, in.customer);
    return 0;
}

static int
order_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {"ID",     "STATUS",     "PRODUCT",  "CUSTOMER",
                                       "AMOUNT", "PIN",        "PROVIDER", "REF",
                                       "TRIES",  "LAST ERROR", NULL};
    static const char *const keys[] = {"id",       "status",     "product",  "customer",
                                       "amount",   "pin",        "provider", "provider_ref",
                                       "attempts", "last_error", NULL};
    const char *status = args_get(a, "status");
    int64_t limit = 1000;
    struct db *db;
    json_t *list;
    bool ok = !status;

    for (int i = 0; statuses[i] && !ok; i++)
        ok = str_eq(status, statuses[i]);
    if (!ok)
        return werr_set(
            e, WISP_EUSAGE,
            "bad --status \"%s\": expected pending, sent, processing, completed, failed "
            "or cancelled",
            status);
    if (args_get(a, "limit") && str_to_i64(args_get(a, "limit"), 1, 1000000, &limit) < 0)
        return werr_set(e, WISP_EUSAGE, "bad --limit \"%s\": expected 1 to 1000000",
                        args_get(a, "limit"));
    if ((db = cmd_db(ctx, e)) == NULL || (list = order_list(db, status, limit, e)) == NULL)
        return -1;
    if (args_has(a, "json")) { /* the documented fields */
        static const char *const keep[] = {
            "id",         "status",       "product",      "customer", "amount",
            "provider",   "provider_ref", "pin",          "attempts", "next_check_at",
            "last_error", "created_at",   "completed_at", NULL};
        size_t i;
        json_t *r;

        json_array_foreach(list, i, r)
        {
            json_t *o = json_object();

            for (int k = 0; keep[k]; k++)
                json_object_set(o, keep[k], json_object_get(r, keep[k]));
            json_array_set_new(list, i, o);
        }
    }
    cmd_print_list(ctx, list, args_has(a, "json"), head, keys);
    return 0;
}

static int
order_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    int64_t id;
    json_t *o;
    const char *k;
    json_t *v;

    if (order_id_arg(a->pos[0], &id, e) < 0)
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL || (o = order_get(db, id, e)) == NULL)
        return -1;
    if (args_has(a, "json")) {
        cmd_print_json(ctx, o);
        return 0;
    }
    json_object_foreach(o, k, v)
    {
        char *text = json_is_string(v) ? xstrdup(json_string_value(v))
                     : json_is_null(v) ? xstrdup("-")
                                       : json_dumps(v, JSON_ENCODE_ANY);

        fprintf(ctx->out, "%-14s %s\n", k, text);
        free(text);
    }
    json_decref(o);
    return 0;
}

static int
order_change_exec(struct cmd_ctx *ctx, const struct cmd_args *a, bool retry, struct werr *e)
{
    struct db *db;
    int64_t id;

    if (order_id_arg(a->pos[0], &id, e) < 0)
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL ||
        (retry ? order_retry(db, id, e) : order_cancel(db, id, e)) < 0)
        return -1;
    announce(ctx, "order.updated", id, retry ? "pending" : "cancelled");
    fprintf(ctx->out, "order %" PRId64 " %s\n", id, retry ? "back to pending" : "cancelled");
    return 0;
}

static int
order_retry_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return order_change_exec(ctx, a, true, e);
}

static int
order_cancel_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return order_change_exec(ctx, a, false, e);
}

const struct cmd_entry cmd_order_entries[] = {
    {"order add",
     "--product P --customer C [--provider NAME] [--extra X] [--amount A] [--channel "
     "counter|web|api] "
     "[--json]",
     "take an order (a plan, or a provider's product with --provider)", add_flags, 0, 0, false,
     order_add_exec, false},
    {"order list", "[--status S] [--limit N] [--json]", "orders, newest first", list_flags, 0, 0,
     false, order_list_exec, false},
    {"order show", "ID [--json]", "one order in full", json_flags, 1, 1, false, order_show_exec,
     false},
    {"order retry", "ID", "send a failed order again", NULL, 1, 1, false, order_retry_exec, false},
    {"order cancel", "ID", "cancel an order that is not completed", NULL, 1, 1, false,
     order_cancel_exec, false},
    {NULL, NULL, NULL, NULL, 0, 0, false, NULL, false},
};
