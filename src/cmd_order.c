/*
 * cmd_order.c - `wisp order add|list|show|retry|cancel`.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/cli.h"
#include "wisp/events.h"
#include "wisp/i18n.h"
#include "wisp/locfmt.h"
#include "wisp/order.h"
#include "wisp/plan.h"
#include "wisp/qr.h"
#include "wisp/router.h"
#include "wisp/sheet.h"
#include "wisp/sink.h"
#include "wisp/template.h"
#include "wisp/util.h"
#include "wisp/voucher.h"

static const struct cmd_flag add_flags[] = {
    {"product", 0, FLAG_VALUE},
    {"customer", 0, FLAG_VALUE},
    {"provider", 0, FLAG_VALUE},
    {"extra", 0, FLAG_VALUE},
    {"amount", 0, FLAG_VALUE},
    {"channel", 0, FLAG_VALUE},
    {NULL, 0, 0},
};
static const struct cmd_flag list_flags[] = {
    {"status", 0, FLAG_VALUE}, {"limit", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag paid_flags[] = {{"ref", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag receipt_flags[] = {{"format", 0, FLAG_VALUE},
                                                {"output", 'o', FLAG_VALUE},
                                                {"lp", 0, FLAG_OPTIONAL},
                                                {"template", 0, FLAG_VALUE},
                                                {NULL, 0, 0}};

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
        return werr_set(e, WISP_EUSAGE, _("bad order id \"%s\""), s);
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
        return werr_set(e, WISP_EUSAGE, _("an order needs --product and --customer"));
    if ((db = cmd_db(ctx, e)) == NULL || order_add(db, &in, &id, e) < 0)
        return -1;
    announce(ctx, "order.created", id, "pending");
    cmd_done(ctx, json_pack("{s:I}", "order_id", (json_int_t)id),
             _("order %" PRId64 " taken: %s for %s\n"), id, in.product, in.customer);
    return 0;
}

static int
order_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {
        N_("ID"),       N_("STATUS"), N_("PRODUCT"), N_("CUSTOMER"),   N_("AMOUNT"), N_("PIN"),
        N_("PROVIDER"), N_("REF"),    N_("TRIES"),   N_("LAST ERROR"), NULL};
    static const char *const keys[] = {"id",       "status",     "product",  "customer",
                                       "amount",   "has_pin",    "provider", "provider_ref",
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
            _("bad --status \"%s\": expected pending, sent, processing, completed, failed "
              "or cancelled"),
            status);
    if (args_get(a, "limit") && str_to_i64(args_get(a, "limit"), 1, 1000000, &limit) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --limit \"%s\": expected 1 to 1000000"),
                        args_get(a, "limit"));
    if ((db = cmd_db(ctx, e)) == NULL || (list = order_list(db, status, limit, e)) == NULL)
        return -1;
    { /* the documented fields */
        static const char *const keep[] = {
            "id",         "status",       "product",      "customer", "amount",
            "provider",   "provider_ref", "has_pin",      "attempts", "next_check_at",
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
    cmd_print_list(ctx, list, head, keys);
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
    cmd_result(ctx, o);
    if (ctx->json)
        return 0;
    json_object_foreach(o, k, v)
    {
        char *text = json_is_string(v) ? xstrdup(json_string_value(v))
                     : json_is_null(v) ? xstrdup("-")
                                       : json_dumps(v, JSON_ENCODE_ANY);

        fprintf(ctx->out, "%-14s ", k);
        fput_safe(text, ctx->out);
        fputc('\n', ctx->out);
        free(text);
    }
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
    cmd_done(ctx,
             json_pack("{s:I, s:s}", "order_id", (json_int_t)id, "status",
                       retry ? "pending" : "cancelled"),
             retry ? _("order %" PRId64 " back to pending\n") : _("order %" PRId64 " cancelled\n"),
             id);
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

static int
order_paid_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    int64_t id;

    if (order_id_arg(a->pos[0], &id, e) < 0)
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL || order_mark_paid(db, id, args_get(a, "ref"), e) < 0)
        return -1;
    cmd_done(ctx,
             json_pack("{s:I, s:b, s:s?}", "order_id", (json_int_t)id, "paid", 1, "ref",
                       args_get(a, "ref")),
             _("order %" PRId64 " paid\n"), id);
    return 0;
}

static int
order_reveal_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    int64_t id;
    char pin[256];

    if (order_id_arg(a->pos[0], &id, e) < 0)
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL || order_reveal(db, id, pin, sizeof pin, e) < 0)
        return -1;
    /* the console keeps the PIN from here, never from the text */
    cmd_done(ctx, json_pack("{s:I, s:s}", "order_id", (json_int_t)id, "pin", pin),
             _("order %" PRId64 " PIN: %s\n"), id, pin);
    explicit_bzero(pin, sizeof pin);
    return 0;
}

static const char *
jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    return json_is_string(v) ? json_string_value(v) : "";
}

/* The receipt: one card with the PIN and its QR (for a voucher, the login
 * URL it opens; for a provider's PIN, the PIN itself). */
static int
order_receipt_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *fmt = args_get(a, "format"), *out = args_get(a, "output");
    const char *lp = args_has(a, "lp") ? (args_get(a, "lp") ? args_get(a, "lp") : "") : NULL;
    struct sheet_opts o = {0};
    struct sheet_card card = {0};
    struct sink sink;
    struct db *db;
    int64_t id;
    json_t *ord;
    char *url = NULL, *what = NULL, *title = NULL, serial[64], pin[256], price[96];
    struct template tpl = {0};
    bool have_tpl = false;
    int rc;

    if (fmt == NULL && sheet_format_for_file(out, &o.format) == 0) /* -o r.pdf */
        fmt = sheet_format_name(o.format);
    if (order_id_arg(a->pos[0], &id, e) < 0 ||
        sheet_parse_format(fmt ? fmt : "text", &o.format, e) < 0)
        return -1;
    if (out && lp)
        return werr_set(e, WISP_EUSAGE, _("give -o FILE or --lp, not both"));
    if (o.format == SHEET_ESCPOS && !out && !lp && ctx->tty)
        return werr_set(e, WISP_EUSAGE, _("escpos is printer bytes: use -o FILE or --lp"));
    if (ctx->json && !out && !lp)
        return werr_set(e, WISP_EUSAGE,
                        _("--json goes with -o FILE or --lp (the receipt is the output)"));
    o.paper = o.format == SHEET_ESCPOS ? PAPER_80MM : PAPER_A4;
    o.columns = 1;
    o.shop_name = ctx->cfg->shop_name;
    o.currency = NULL; /* in the card's price, as money.format writes it */
    o.ecc = (char)ctx->cfg->qr_ecc;
    /* --template: a bad one stops here, before the PIN is read */
    if (template_for_print(&tpl, args_get(a, "template"), NULL, o.format, o.paper, 0, &have_tpl,
                           e) < 0)
        return -1;
    o.layout = have_tpl ? &tpl.layout : NULL;
    if ((db = cmd_db(ctx, e)) == NULL || (ord = order_get(db, id, e)) == NULL) {
        template_free(&tpl);
        return -1;
    }
    if (!str_eq(jstr(ord, "status"), "completed")) {
        werr_set(e, WISP_ERUNTIME, _("order %" PRId64 " is %s: no PIN to print yet"), id,
                 jstr(ord, "status"));
        json_decref(ord);
        template_free(&tpl);
        return -1;
    }
    if (order_reveal(db, id, pin, sizeof pin, e) < 0) { /* printing it is reading it: audited */
        json_decref(ord);
        template_free(&tpl);
        return -1;
    }
    if (json_is_integer(json_object_get(ord, "voucher_id"))) { /* the QR logs the customer in */
        json_t *v = voucher_get(db, pin, e);

        if (!v) {
            json_decref(ord);
            template_free(&tpl);
            return -1;
        }
        url = qr_login_url(
            router_login_template(json_string_value(json_object_get(v, "router_driver")),
                                  json_string_value(json_object_get(v, "router_login_url")))
                ?: ctx->cfg->login_url,
            pin, json_string_value(json_object_get(v, "password")));
        json_decref(v);
    } else {
        url = xstrdup(pin);
    }
    snprintf(serial, sizeof serial, _("order %" PRId64), id);
    what = xasprintf(_("for %s"), jstr(ord, "customer"));
    card.code = pin;
    title = plan_title(db, jstr(ord, "product")); /* a plan's title, in any script */
    card.plan = title ? title : jstr(ord, "product");
    card.price = *jstr(ord, "amount")
                     ? locfmt_money(ctx->cfg, jstr(ord, "amount"), price, sizeof price)
                     : "-";
    card.validity = what;
    card.serial = serial;
    card.url = url;
    rc = sink_open(&sink, ctx->out, out, lp, o.format == SHEET_ESCPOS, e);
    if (rc == 0) {
        rc = sheet_write(sink.f, &o, &card, 1, e);
        if (sink_close(&sink, ctx->out, rc == 0, e) < 0)
            rc = -1;
    }
    if (rc == 0) /* not the PIN: that is `order reveal`'s, audited there */
        cmd_result(ctx, json_pack("{s:I, s:s, s:s?, s:s?}", "order_id", (json_int_t)id, "format",
                                  fmt ? fmt : "text", "output", out, "lp", lp));
    if (rc == 0 && out)
        cmd_printf(ctx, _("receipt for order %" PRId64 " written to %s\n"), id, out);
    else if (rc == 0 && lp)
        cmd_printf(ctx, _("receipt for order %" PRId64 " sent to lp\n"), id);
    free(url);
    free(what);
    free(title);
    template_free(&tpl);
    explicit_bzero(pin, sizeof pin);
    json_decref(ord);
    return rc;
}

const struct cmd_entry cmd_order_entries[] = {
    {.name = "order add",
     .usage = "--product P --customer C [--provider NAME] [--extra X] [--amount A] "
              "[--channel counter|web|api]",
     .summary = N_("take an order (a plan, or a provider's product with --provider)"),
     .flags = add_flags,
     .exec = order_add_exec,
     .places = CMD_ANYWHERE},
    {.name = "order list",
     .usage = "[--status S] [--limit N]",
     .summary = N_("orders, newest first"),
     .flags = list_flags,
     .exec = order_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "order show",
     .usage = "ID",
     .summary = N_("one order in full"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = order_show_exec,
     .places = CMD_ANYWHERE},
    {.name = "order retry",
     .usage = "ID",
     .summary = N_("send a failed order again"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = order_retry_exec,
     .places = CMD_ANYWHERE},
    {.name = "order cancel",
     .usage = "ID",
     .summary = N_("cancel an order that is not completed"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = order_cancel_exec,
     .places = CMD_ANYWHERE},
    {.name = "order paid",
     .usage = "ID [--ref PAYMENT-REF]",
     .summary = N_("record an order's payment (once, audited)"),
     .flags = paid_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = order_paid_exec,
     .places = CMD_ANYWHERE},
    {.name = "order reveal",
     .usage = "ID",
     .summary = N_("show an order's PIN (audited)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = order_reveal_exec,
     .places = CMD_ANYWHERE},
    {.name = "order receipt",
     .usage = "ID [--format text|escpos|pdf|ps] [--template NAME] [-o FILE | --lp [PRINTER]]",
     .summary = N_("print a completed order's receipt: the PIN and its QR"),
     .flags = receipt_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = order_receipt_exec,
     .places = CMD_ANYWHERE},
    {0},
};
