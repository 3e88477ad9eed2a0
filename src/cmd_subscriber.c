/*
 * cmd_subscriber.c - `wisp subplan add|list` and `wisp subscriber
 * add|list|show|edit|suspend|resume|cancel|pay`: PPPoE subscribers
 * (docs/subscribers.md). A password is read from stdin or the terminal,
 * never taken as an argument, and never printed.
 */
#include <stdlib.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/radius_nas.h"
#include "wisp/subscriber.h"
#include "wisp/texttable.h"
#include "wisp/units.h"
#include "wisp/util.h"

static const struct cmd_flag subplan_flags[] = {
    {"price", 0, FLAG_VALUE},   {"rate", 0, FLAG_VALUE},      {"data", 0, FLAG_VALUE},
    {"overdue", 0, FLAG_VALUE}, {"slow-rate", 0, FLAG_VALUE}, {"grace", 0, FLAG_VALUE},
    {"pool", 0, FLAG_VALUE},    {"profile", 0, FLAG_VALUE},   {NULL, 0, 0},
};

static void
subplan_read(const struct cmd_args *a, struct subplan_input *in)
{
    in->price = args_get(a, "price");
    in->rate = args_get(a, "rate");
    in->data = args_get(a, "data");
    in->overdue = args_get(a, "overdue");
    in->slow_rate = args_get(a, "slow-rate");
    in->grace = args_get(a, "grace");
    in->pool = args_get(a, "pool");
    in->profile = args_get(a, "profile");
}

static int
subplan_edit_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct subplan_input in;
    struct db *db;

    subplan_read(a, &in);
    if ((db = cmd_db(ctx, e)) == NULL || subplan_edit(db, a->pos[0], &in, NULL, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "plan", a->pos[0], "changed", 1),
             _("subscriber plan %s changed\n"), a->pos[0]);
    return 0;
}

static int
subplan_active(struct cmd_ctx *ctx, const struct cmd_args *a, bool active, struct werr *e)
{
    struct subplan_input in = {0};
    struct db *db;

    if ((db = cmd_db(ctx, e)) == NULL ||
        subplan_edit(db, a->pos[0], &in, active ? "true" : "false", e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "plan", a->pos[0], "active", active),
             active ? _("subscriber plan %s enabled\n") : _("subscriber plan %s disabled\n"),
             a->pos[0]);
    return 0;
}

static int
subplan_disable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return subplan_active(ctx, a, false, e);
}

static int
subplan_enable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return subplan_active(ctx, a, true, e);
}

static int
subplan_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct subplan_input in;
    struct db *db;

    subplan_read(a, &in);
    if ((db = cmd_db(ctx, e)) == NULL || subplan_add(db, a->pos[0], &in, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "plan", a->pos[0], "added", 1),
             _("subscriber plan %s added\n"), a->pos[0]);
    return 0;
}

/* Sizes as people write them ("100G"), for the text tables. */
static json_t *
shown_sizes(json_t *list, const char *key)
{
    json_t *shown = json_deep_copy(list), *r;
    size_t i;

    json_array_foreach(shown, i, r)
    {
        json_t *v = json_object_get(r, key);
        char b[32];

        if (json_is_integer(v)) {
            units_format_size(json_integer_value(v), b, sizeof b);
            json_object_set_new(r, key, json_string(b));
        }
    }
    return shown;
}

static int
subplan_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("NAME"),        N_("PRICE"), N_("RATE"),  N_("DATA"),
                                       N_("UNPAID"),      N_("SLOW"),  N_("GRACE"), N_("POOL"),
                                       N_("SUBSCRIBERS"), NULL};
    static const char *const keys[] = {"name",        "price",     "rate_limit", "data_bytes",
                                       "overdue",     "slow_rate", "grace_days", "pool",
                                       "subscribers", NULL};
    struct db *db;
    json_t *list, *shown;

    (void)a;
    if ((db = cmd_db(ctx, e)) == NULL || (list = subplan_list(db, e)) == NULL)
        return -1;
    shown = shown_sizes(list, "data_bytes");
    cmd_print_list(ctx, shown, head, keys);
    cmd_result(ctx, list);
    return 0;
}

static const struct cmd_flag sub_flags[] = {
    {"plan", 0, FLAG_VALUE},
    {"name", 0, FLAG_VALUE},
    {"phone", 0, FLAG_VALUE},
    {"due", 0, FLAG_VALUE},
    {"ip", 0, FLAG_VALUE},
    {"password-stdin", 0, FLAG_BOOL, .places = CMD_CLI | CMD_SHELL}, /* reads stdin */
    {NULL, 0, 0},
};

/* The fields given; the password read when asked for (or, adding, from the
 * terminal). *pw is what to free. */
static int
read_input(struct cmd_ctx *ctx, const struct cmd_args *a, bool adding, struct subscriber_input *in,
           char **pw, struct werr *e)
{
    in->plan = args_get(a, "plan");
    in->name = args_get(a, "name");
    in->phone = args_get(a, "phone");
    in->due = args_get(a, "due");
    in->ip = args_get(a, "ip");
    in->password = NULL;
    *pw = NULL;
    if (args_has(a, "password-stdin") || (adding && ctx->interactive)) {
        *pw = cmd_read_password(ctx, _("subscriber password: "), true,
                                args_has(a, "password-stdin"), e);
        if (*pw == NULL)
            return -1;
        in->password = *pw;
    } else if (adding) {
        return werr_set(e, WISP_EUSAGE, _("a subscriber needs a password: give --password-stdin"));
    }
    return 0;
}

static int
subscriber_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct subscriber_input in;
    struct db *db;
    char *pw;
    int rc;

    if (!args_get(a, "plan") || !args_get(a, "name"))
        return werr_set(e, WISP_EUSAGE, _("a subscriber needs --plan and --name"));
    if (read_input(ctx, a, true, &in, &pw, e) < 0)
        return -1;
    rc = (db = cmd_db(ctx, e)) == NULL ? -1 : subscriber_add(db, a->pos[0], &in, e);
    free(pw);
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "username", a->pos[0], "added", 1),
             _("subscriber %s added\n"), a->pos[0]);
    return 0;
}

static int
subscriber_edit_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct subscriber_input in;
    struct db *db;
    char *pw;
    int rc;

    if (read_input(ctx, a, false, &in, &pw, e) < 0)
        return -1;
    rc = (db = cmd_db(ctx, e)) == NULL ? -1 : subscriber_edit(db, a->pos[0], &in, e);
    free(pw);
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "username", a->pos[0], "changed", 1),
             _("subscriber %s changed\n"), a->pos[0]);
    return 0;
}

static const struct cmd_flag list_flags[] = {{"overdue", 0, FLAG_BOOL}, {NULL, 0, 0}};

static int
subscriber_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("USERNAME"), N_("NAME"), N_("PHONE"),  N_("PLAN"),
                                       N_("STATUS"),   N_("DUE"),  N_("UNPAID"), N_("USED"),
                                       N_("ONLINE"),   NULL};
    static const char *const keys[] = {"username", "name",   "phone",      "plan",   "status",
                                       "due_on",   "unpaid", "used_bytes", "online", NULL};
    struct db *db;
    json_t *list, *shown;

    if ((db = cmd_db(ctx, e)) == NULL ||
        (list = subscriber_list(db, args_has(a, "overdue"), e)) == NULL)
        return -1;
    shown = shown_sizes(list, "used_bytes");
    cmd_print_list(ctx, shown, head, keys);
    cmd_result(ctx, list);
    return 0;
}

static int
subscriber_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const labels[][2] = {
        {N_("username"), "username"},
        {N_("name"), "name"},
        {N_("phone"), "phone"},
        {N_("plan"), "plan"},
        {N_("price"), "price"},
        {N_("rate"), "rate_limit"},
        {N_("when unpaid"), "overdue"},
        {N_("status"), "status"},
        {N_("due"), "due_on"},
        {N_("unpaid"), "unpaid"},
        {N_("static IP"), "framed_ip"},
        {N_("online"), "online"},
        {N_("last paid"), "paid_at"},
        {N_("created"), "created_at"},
        {N_("created by"), "created_by"},
    };
    struct db *db;
    json_t *s, *pay, *p;
    size_t i;
    char b[32];

    if ((db = cmd_db(ctx, e)) == NULL || (s = subscriber_show(db, a->pos[0], e)) == NULL)
        return -1;
    if (!ctx->json) {
        for (i = 0; i < sizeof labels / sizeof labels[0]; i++) {
            json_t *v = json_object_get(s, labels[i][1]);
            char *text = json_is_string(v)    ? xstrdup(json_string_value(v))
                         : json_is_integer(v) ? xasprintf("%lld", (long long)json_integer_value(v))
                         : json_is_boolean(v) ? xstrdup(json_is_true(v) ? "yes" : "no")
                                              : xstrdup("-");

            cmd_label(ctx->out, labels[i][0], 14);
            fput_safe(text, ctx->out); /* names in any script, never a control character */
            fputc('\n', ctx->out);
            free(text);
        }
        cmd_label(ctx->out, N_("data used"), 14);
        units_format_size(json_integer_value(json_object_get(s, "used_bytes")), b, sizeof b);
        fprintf(ctx->out, "%s", b);
        if (json_is_integer(json_object_get(s, "data_bytes"))) {
            units_format_size(json_integer_value(json_object_get(s, "data_bytes")), b, sizeof b);
            fprintf(ctx->out, _(" of %s this month"), b);
        }
        fputc('\n', ctx->out);
        pay = json_object_get(s, "payments");
        json_array_foreach(pay, i, p)
        {
            if (i == 0)
                cmd_label(ctx->out, N_("payments"), 14);
            else
                fprintf(ctx->out, "%14s", ""); /* _("") would be the catalogue's header */
            fprintf(ctx->out, "%s  %s .. %s  %s\n", json_string_value(json_object_get(p, "amount")),
                    json_string_value(json_object_get(p, "period_from")),
                    json_string_value(json_object_get(p, "period_to")),
                    json_string_value(json_object_get(p, "created_by")));
        }
    }
    cmd_result(ctx, s);
    return 0;
}

/* Send the kicks queued now at once when the caller may read routers'
 * secrets (as `wisp session kick` does); else `wisp radius disconnect`. */
static int
send_kicks(struct db *db)
{
    struct werr later = {0};
    int sent = 0, failed = 0;

    if (str_eq(db->group, "admin") || str_eq(db->group, "worker"))
        (void)radius_kick_due(db, 2000, 3, &sent, &failed, &later);
    return sent;
}

static int
set_status(struct cmd_ctx *ctx, const struct cmd_args *a, const char *status, struct werr *e)
{
    struct db *db;
    int kicks = 0, sent = 0;

    if ((db = cmd_db(ctx, e)) == NULL ||
        subscriber_set_status(db, a->pos[0], status, &kicks, e) < 0)
        return -1;
    if (kicks > 0)
        sent = send_kicks(db);
    cmd_result(ctx, json_pack("{s:s, s:s, s:i, s:i}", "username", a->pos[0], "status", status,
                              "kicks", kicks, "sent", sent));
    if (str_eq(status, "active"))
        cmd_printf(ctx, _("subscriber %s resumed\n"), a->pos[0]);
    else if (str_eq(status, "suspended"))
        cmd_printf(ctx, _("subscriber %s suspended\n"), a->pos[0]);
    else
        cmd_printf(ctx, _("subscriber %s cancelled\n"), a->pos[0]);
    if (kicks > 0)
        cmd_printf(ctx,
                   _("%d session(s) to disconnect: %d sent now, the rest by `wisp radius "
                     "disconnect`\n"),
                   kicks, sent);
    return 0;
}

static int
subscriber_suspend_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return set_status(ctx, a, "suspended", e);
}

static int
subscriber_resume_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return set_status(ctx, a, "active", e);
}

static int
subscriber_cancel_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return set_status(ctx, a, "cancelled", e);
}

static const struct cmd_flag pay_flags[] = {
    {"amount", 0, FLAG_VALUE}, {"months", 0, FLAG_VALUE}, {NULL, 0, 0}};

static int
subscriber_pay_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    char due[32];

    if (!args_get(a, "amount"))
        return werr_set(e, WISP_EUSAGE, _("a payment needs --amount"));
    if ((db = cmd_db(ctx, e)) == NULL ||
        subscriber_pay(db, a->pos[0], args_get(a, "amount"), args_get(a, "months"), due, sizeof due,
                       e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:s}", "username", a->pos[0], "due_on", due),
             _("payment recorded: %s is paid until %s\n"), a->pos[0], due);
    return 0;
}

const struct cmd_entry cmd_subscriber_entries[] = {
    {.name = "subplan add",
     .usage = "NAME --price AMOUNT [--rate 10M/20M] [--data 200G] [--overdue reject|slow] "
              "[--slow-rate 256k/512k] [--grace DAYS] [--pool NAME] [--profile NAME]",
     .summary = N_("create a monthly plan for subscribers (admin)"),
     .flags = subplan_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = subplan_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subplan edit",
     .usage = "NAME [--price AMOUNT] [--rate R|none] [--data SIZE|none] [--overdue reject|slow] "
              "[--slow-rate R|none] [--grace DAYS] [--pool NAME|none] [--profile NAME|none]",
     .summary = N_("change a subscriber plan (admin)"),
     .flags = subplan_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = subplan_edit_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subplan disable",
     .usage = "NAME",
     .summary = N_("take no new subscribers on a plan (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = subplan_disable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subplan enable",
     .usage = "NAME",
     .summary = N_("take subscribers on a disabled plan again (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = subplan_enable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subplan list",
     .summary = N_("list subscriber plans"),
     .exec = subplan_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "subscriber add",
     .usage = "USER --plan NAME --name TEXT [--phone TEXT] [--due YYYY-MM-DD] [--ip ADDRESS] "
              "[--password-stdin]",
     .summary = N_("add a PPPoE subscriber (operator)"),
     .flags = sub_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = subscriber_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_CLI | CMD_SHELL},
    {.name = "subscriber list",
     .usage = "[--overdue]",
     .summary = N_("list subscribers"),
     .flags = list_flags,
     .exec = subscriber_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "subscriber show",
     .usage = "USER",
     .summary = N_("show a subscriber and its payments"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = subscriber_show_exec,
     .places = CMD_ANYWHERE},
    {.name = "subscriber edit",
     .usage = "USER [--plan NAME] [--name TEXT] [--phone TEXT|none] [--due YYYY-MM-DD] "
              "[--ip ADDRESS|none] [--password-stdin]",
     .summary = N_("change a subscriber (operator; --plan, --due: admin)"),
     .flags = sub_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = subscriber_edit_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subscriber suspend",
     .usage = "USER",
     .summary = N_("suspend a subscriber and disconnect its sessions (operator)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = subscriber_suspend_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subscriber resume",
     .usage = "USER",
     .summary = N_("let a suspended subscriber in again (operator)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = subscriber_resume_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subscriber cancel",
     .usage = "USER",
     .summary = N_("end a subscription for good (operator)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = subscriber_cancel_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "subscriber pay",
     .usage = "USER --amount AMOUNT [--months N]",
     .summary = N_("record a payment and renew the due date (operator)"),
     .flags = pay_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = subscriber_pay_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {0},
};
