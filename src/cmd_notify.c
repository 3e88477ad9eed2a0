/*
 * cmd_notify.c - `wisp notify channel|rule add|list|remove`, `notify test`,
 * `notify messages`, `notify resend` (docs/notifications.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/msgcat.h"
#include "wisp/notifier.h"
#include "wisp/notify.h"
#include "wisp/util.h"

static const struct cmd_flag channel_add_flags[] = {
    {"kind", 0, FLAG_VALUE}, {"spec", 0, FLAG_VALUE}, {"spec-file", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag rule_add_flags[] = {{"event", 0, FLAG_VALUE},
                                                 {"channel", 0, FLAG_VALUE},
                                                 {"to", 0, FLAG_VALUE},
                                                 {"template", 0, FLAG_VALUE},
                                                 {NULL, 0, 0}};
static const struct cmd_flag test_flags[] = {{"to", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag messages_flags[] = {
    {"failed", 0, FLAG_BOOL}, {"limit", 0, FLAG_VALUE}, {NULL, 0, 0}};

static int
id_arg(const char *what, const char *s, int64_t *id, struct werr *e)
{
    if (str_to_i64(s, 1, INT32_MAX, id) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad %s id \"%s\""), what, s);
    return 0;
}

/* The channel's settings (JSON) from --spec or the file --spec-file names
 * (--config is everyone's: the config file). */
static char *
config_text(const struct cmd_args *a, struct werr *e)
{
    const char *text = args_get(a, "spec"), *file = args_get(a, "spec-file");
    struct sbuf sb = {0};
    char buf[4096];
    size_t n;
    FILE *f;

    if (!text == !file) {
        werr_set(e, WISP_EUSAGE, _("give the channel's settings: --spec JSON or --spec-file F"));
        return NULL;
    }
    if (text)
        return xstrdup(text);
    if (!(f = fopen(file, "r"))) {
        werr_set(e, WISP_ERUNTIME, _("cannot read %s"), file);
        return NULL;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len < 65536)
        sb_addn(&sb, buf, n);
    fclose(f);
    if (!sb.buf)
        sb_add(&sb, "");
    return sb_steal(&sb);
}

/* A channel's token and password files are inside the token directory
 * (notify.token_dir): the worker reads no other (notify.c says it again
 * at each send). */
static int
secret_files_ok(const char *dir, const char *cfg, struct werr *e)
{
    static const char *const keys[] = {"token_file", "password_file"};
    json_t *j = json_loads(cfg, 0, NULL);
    char path[4096];
    int rc = 0;

    for (size_t i = 0; j && i < 2 && rc == 0; i++) {
        const char *f = json_string_value(json_object_get(j, keys[i]));

        if (f && *f)
            rc = notify_secret_path(dir, f, path, sizeof path, e);
    }
    json_decref(j);
    return rc;
}

static int
channel_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *name = a->pos[0], *kind = args_get(a, "kind");
    struct db *db;
    char *cfg;
    int rc;

    if (!kind)
        return werr_set(e, WISP_EUSAGE, _("a channel needs --kind smtp or --kind http"));
    if (!(cfg = config_text(a, e)))
        return -1;
    if (secret_files_ok(ctx->cfg->notify_token_dir, cfg, e) < 0) {
        free(cfg);
        return -1;
    }
    rc = (db = cmd_db(ctx, e)) == NULL ? -1 : notify_channel_add(db, name, kind, cfg, e);
    free(cfg);
    if (rc < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:s}", "channel", name, "kind", kind),
             _("channel %s added (%s)\n"), name, kind);
    return 0;
}

static int
channel_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("NAME"), N_("KIND"), N_("RULES"), N_("CONFIG"), NULL};
    static const char *const keys[] = {"name", "kind", "rules", "config", NULL};
    struct db *db;
    json_t *list;

    (void)a;
    if ((db = cmd_db(ctx, e)) == NULL || (list = notify_channel_list(db, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
channel_remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;

    if ((db = cmd_db(ctx, e)) == NULL || notify_channel_remove(db, a->pos[0], e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s}", "channel", a->pos[0]), _("channel %s removed\n"), a->pos[0]);
    return 0;
}

static int
rule_add_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *event = args_get(a, "event"), *channel = args_get(a, "channel");
    const char *to = args_get(a, "to");
    struct db *db;
    int64_t id = 0;

    if (!event || !channel || !to)
        return werr_set(e, WISP_EUSAGE, _("a rule needs --event, --channel and --to"));
    if ((db = cmd_db(ctx, e)) == NULL ||
        notify_rule_add(db, event, channel, to, args_get(a, "template"), &id, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:I}", "rule_id", (json_int_t)id),
             _("rule %" PRId64 ": %s to %s on %s\n"), id, event, to, channel);
    return 0;
}

static int
rule_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("ID"), N_("EVENT"),    N_("CHANNEL"),
                                       N_("TO"), N_("TEMPLATE"), NULL};
    static const char *const keys[] = {"id", "event", "channel", "to", "template", NULL};
    struct db *db;
    json_t *list;

    (void)a;
    if ((db = cmd_db(ctx, e)) == NULL || (list = notify_rule_list(db, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
rule_remove_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    int64_t id;

    if (id_arg(_("rule"), a->pos[0], &id, e) < 0 || (db = cmd_db(ctx, e)) == NULL ||
        notify_rule_remove(db, id, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:I}", "rule_id", (json_int_t)id), _("rule %" PRId64 " removed\n"),
             id);
    return 0;
}

/* One message now, in the shop's language; the result in one line. */
static int
test_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *to = args_get(a, "to");
    struct notify_channel ch;
    struct notify_result r;
    struct sbuf subject = {0}, text = {0};
    struct msgcat *cat;
    struct db *db;
    json_t *payload;
    int rc;

    if (!to)
        return werr_set(e, WISP_EUSAGE, _("give the address to send to: --to X"));
    if ((db = cmd_db(ctx, e)) == NULL || notify_channel_get(db, a->pos[0], &ch, e) < 0)
        return -1;
    cat = msgcat_open(i18n_localedir(), ctx->cfg->shop_language);
    payload = json_object();
    notifier_compose(cat, ctx->cfg->shop_name, "notify.test", payload, NULL, NULL, NULL, &subject,
                     &text);
    ch.token_dir = ctx->cfg->notify_token_dir;
    rc = notify_send(&ch, to, subject.buf, text.buf, NULL, &r, e);
    json_decref(payload);
    msgcat_free(cat);
    sb_free(&subject);
    sb_free(&text);
    notify_channel_free(&ch);
    if (rc < 0)
        return -1;
    cmd_done(ctx,
             json_pack("{s:s, s:s, s:I, s:i}", "channel", a->pos[0], "to", to, "status",
                       (json_int_t)r.status, "ms", r.ms),
             _("sent on %s to %s in %d ms (status %ld)\n"), a->pos[0], to, r.ms, r.status);
    return 0;
}

static int
messages_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("ID"),    N_("EVENT"),      N_("CHANNEL"),
                                       N_("TO"),    N_("STATE"),      N_("TRIES"),
                                       N_("ORDER"), N_("LAST ERROR"), NULL};
    static const char *const keys[] = {"id",       "kind",     "channel",    "recipient", "state",
                                       "attempts", "order_id", "last_error", NULL};
    int64_t limit = 100;
    struct db *db;
    json_t *list;

    if (args_get(a, "limit") && str_to_i64(args_get(a, "limit"), 1, 100000, &limit) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --limit \"%s\": expected 1 to 100000"),
                        args_get(a, "limit"));
    if ((db = cmd_db(ctx, e)) == NULL ||
        (list = notify_message_list(db, args_has(a, "failed"), limit, e)) == NULL)
        return -1;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
resend_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    int64_t id;

    if (str_to_i64(a->pos[0], 1, INT64_MAX, &id) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad message id \"%s\""), a->pos[0]);
    if ((db = cmd_db(ctx, e)) == NULL || notify_resend(db, id, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:I}", "message_id", (json_int_t)id),
             _("message %" PRId64 " will be sent again\n"), id);
    return 0;
}

const struct cmd_entry cmd_notify_entries[] = {
    {.name = "notify channel add",
     .usage = "NAME --kind smtp|http (--spec JSON | --spec-file F)",
     .summary = N_("add a notification channel (SMTP, or an HTTP request template)"),
     .flags = channel_add_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = channel_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "notify channel list",
     .summary = N_("notification channels"),
     .exec = channel_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "notify channel remove",
     .usage = "NAME",
     .summary = N_("remove a notification channel that no rule uses"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = channel_remove_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "notify rule add",
     .usage = "--event KIND --channel NAME --to customer|ADDRESS [--template TEXT]",
     .summary = N_("send a message on an event"),
     .flags = rule_add_flags,
     .exec = rule_add_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "notify rule list",
     .summary = N_("notification rules"),
     .exec = rule_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "notify rule remove",
     .usage = "ID",
     .summary = N_("remove a notification rule"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = rule_remove_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "notify test",
     .usage = "CHANNEL --to ADDRESS",
     .summary = N_("send a test message now"),
     .flags = test_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = test_exec,
     .traits = CMD_LONG,
     .places = CMD_ANYWHERE},
    {.name = "notify messages",
     .usage = "[--failed] [--limit N]",
     .summary = N_("notification messages, newest first"),
     .flags = messages_flags,
     .exec = messages_exec,
     .places = CMD_ANYWHERE},
    {.name = "notify resend",
     .usage = "ID",
     .summary = N_("send a failed message again (admin)"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = resend_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {0},
};
