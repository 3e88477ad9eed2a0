/*
 * notify_store.c - the notification tables (see include/wisp/notify.h and
 * src/schema/020_notifications.sql): channels, rules and messages, written
 * only through 020's definer functions, which check the caller and audit.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/notify.h"

const char *const notify_events[] = {"order.completed", "order.failed", "router.down", "router.up",
                                     "stock.low",       "voucher.sold", "sales.daily", NULL};

int
notify_channel_add(struct db *db, const char *name, const char *kind, const char *config_json,
                   struct werr *e)
{
    struct notify_channel c;
    json_error_t je;
    json_t *cfg = json_loads(config_json, 0, &je);
    char *norm;
    int rc;

    if (!cfg)
        return werr_set(e, WISP_EUSAGE, _("the channel's config is not JSON: %s"), je.text);
    rc = notify_channel_parse(name, kind, cfg, &c, e);
    notify_channel_free(&c);
    if (rc < 0) {
        json_decref(cfg);
        return -1;
    }
    norm = json_dumps(cfg, JSON_COMPACT);
    json_decref(cfg);
    rc = db_execv(db, e, "SELECT wisp_notify_channel_add($1, $2, $3::jsonb)", 3, name, kind, norm);
    free(norm);
    return rc;
}

int
notify_channel_remove(struct db *db, const char *name, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_notify_channel_remove($1)", 1, name);
}

/* Operators and viewers list channels without their config (020's column
 * grants; PostgreSQL refuses a query naming the column, so ask first). */
json_t *
notify_channel_list(struct db *db, struct werr *e)
{
    int64_t may = 0;

    if (db_i64v(db, e, &may,
                "SELECT has_column_privilege('notify_channels', 'config', 'SELECT')::int", 0) < 0)
        return NULL;
    return db_json_rowsv(db, e,
                         may ? "SELECT c.name, c.kind, c.config, c.created_at,"
                               " (SELECT count(*) FROM notify_rules r WHERE r.channel_id = c.id)"
                               " AS rules FROM notify_channels c ORDER BY c.name"
                             : "SELECT c.name, c.kind, NULL::jsonb AS config, c.created_at,"
                               " (SELECT count(*) FROM notify_rules r WHERE r.channel_id = c.id)"
                               " AS rules FROM notify_channels c ORDER BY c.name",
                         0);
}

int
notify_channel_get(struct db *db, const char *name, struct notify_channel *c, struct werr *e)
{
    json_t *row;
    int rc;

    memset(c, 0, sizeof *c);
    werr_clear(e);
    row =
        db_json_firstv(db, e, "SELECT kind, config FROM notify_channels WHERE name = $1", 1, name);
    if (!row)
        return e->status ? -1
                         : werr_set(e, WISP_ERUNTIME,
                                    _("no channel \"%s\" (see `wisp notify channel list`)"), name);
    rc = notify_channel_parse(name, json_string_value(json_object_get(row, "kind")),
                              json_object_get(row, "config"), c, e);
    json_decref(row);
    return rc;
}

int
notify_rule_add(struct db *db, const char *event, const char *channel, const char *to,
                const char *template, int64_t *id, struct werr *e)
{
    bool known = false;

    for (int i = 0; notify_events[i] && !known; i++)
        known = str_eq(event, notify_events[i]);
    if (!known)
        return werr_set(e, WISP_EUSAGE,
                        _("bad event \"%s\": expected order.completed, order.failed, router.down, "
                          "router.up, stock.low, voucher.sold or sales.daily"),
                        event);
    if (str_eq(to, "customer") && !str_starts(event, "order."))
        return werr_set(e, WISP_EUSAGE,
                        _("only an order's events have a customer to send to: give an address"));
    if (text_check("--to", to, 254, e) < 0)
        return -1;
    if (template && (!*template || strlen(template) > 2000)) /* lines of its own are fine */
        return werr_set(e, WISP_EUSAGE, _("bad --template: 1 to 2000 characters"));
    return db_i64v(db, e, id, "SELECT wisp_notify_rule_add($1, $2, $3, $4)", 4, event, channel, to,
                   template) < 0
               ? -1
               : 0;
}

/* A function of one id: "SELECT f($1::type)". */
static int
call_id(struct db *db, const char *sql, int64_t id, struct werr *e)
{
    char s[24];

    snprintf(s, sizeof s, "%" PRId64, id);
    return db_execv(db, e, sql, 1, s);
}

int
notify_rule_remove(struct db *db, int64_t id, struct werr *e)
{
    return call_id(db, "SELECT wisp_notify_rule_remove($1::integer)", id, e);
}

json_t *
notify_rule_list(struct db *db, struct werr *e)
{
    return db_json_rowsv(db, e,
                         "SELECT r.id, r.event, c.name AS channel, r.recipient AS \"to\","
                         " r.template, r.created_at FROM notify_rules r"
                         " JOIN notify_channels c ON c.id = r.channel_id ORDER BY r.id",
                         0);
}

json_t *
notify_message_list(struct db *db, bool failed_only, int64_t limit, struct werr *e)
{
    char lim[24], sql[512];
    int64_t may = 0;

    /* 020's column grants: recipients for operators and up, errors for
     * admins; PostgreSQL refuses a query naming a column, so ask first */
    if (db_i64v(db, e, &may,
                "SELECT has_column_privilege('notify_messages', 'recipient', 'SELECT')::int"
                " + 2 * has_column_privilege('notify_messages', 'last_error', 'SELECT')::int",
                0) < 0)
        return NULL;
    snprintf(lim, sizeof lim, "%" PRId64, limit);
    snprintf(sql, sizeof sql,
             "SELECT m.id, m.kind, c.name AS channel, %s AS recipient, m.state, m.attempts,"
             " %s AS last_error, m.order_id, m.event_id, m.created_at, m.sent_at, m.next_at"
             " FROM notify_messages m JOIN notify_channels c ON c.id = m.channel_id"
             " WHERE NOT $1::boolean OR m.state = 'failed' ORDER BY m.id DESC LIMIT $2::bigint",
             may & 1 ? "m.recipient" : "'****'::text", may & 2 ? "m.last_error" : "NULL::text");
    return db_json_rowsv(db, e, sql, 2, failed_only ? "t" : "f", lim);
}

int
notify_failed_count(struct db *db, int64_t *n, struct werr *e)
{
    *n = 0;
    return db_i64v(db, e, n, "SELECT count(*) FROM notify_messages WHERE state = 'failed'", 0) < 0
               ? -1
               : 0;
}

int
notify_health(struct db *db, int64_t *failed, int64_t *overdue, struct werr *e)
{
    *overdue = 0;
    *failed = 0;
    /* failures since the channel's last successful send: a channel that
     * works again is healthy, whatever failed before */
    if (db_i64v(db, e, failed,
                "SELECT count(*) FROM notify_messages m WHERE m.state = 'failed'"
                " AND m.created_at > coalesce((SELECT max(s.sent_at) FROM notify_messages s"
                " WHERE s.channel_id = m.channel_id AND s.state = 'sent'), '-infinity')",
                0) < 0)
        return -1;
    return db_i64v(db, e, overdue,
                   "SELECT count(*) FROM notify_messages WHERE state = 'pending' "
                   "AND next_at < now() - interval '5 minutes'",
                   0) < 0
               ? -1
               : 0;
}

int
notify_resend(struct db *db, int64_t id, struct werr *e)
{
    return call_id(db, "SELECT wisp_notify_resend($1::bigint)", id, e);
}
