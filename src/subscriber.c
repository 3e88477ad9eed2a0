/*
 * subscriber.c - PPPoE subscribers, their plans and payments (see
 * include/wisp/subscriber.h). Input is checked and converted here, with a
 * one-line usage error; the database functions of migration 016 check the
 * caller's role, write the audit row and keep usernames unique across
 * vouchers and subscribers.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/subscriber.h"
#include "wisp/units.h"
#include "wisp/util.h"

static bool
is_none(const char *s)
{
    return str_eq(s, "none") || str_eq(s, "");
}

/* A name as plans have them (1-32 letters, digits, . _ -) or a pool or
 * profile name (1-64). */
static bool
name_ok(const char *s, size_t max)
{
    size_t len = strlen(s);

    return len > 0 && len <= max &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len &&
           strchr("._-", s[0]) == NULL;
}

bool
subscriber_username_ok(const char *user)
{
    size_t len = strlen(user);

    return len >= 3 && len <= 64 &&
           strspn(user, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._@-") ==
               len &&
           strchr("._@-", user[0]) == NULL;
}

/* A password FreeRADIUS can hold as Cleartext-Password and the SQL row
 * carries unchanged: 6-64 printable ASCII, no space, quote or backslash. */
static int
password_check(const char *pw, struct werr *e)
{
    size_t len = strlen(pw);

    for (const char *c = pw; *c; c++)
        if (*c <= ' ' || *c > '~' || *c == '"' || *c == '\'' || *c == '\\')
            len = 0;
    if (len < 6 || len > 64)
        return werr_set(e, WISP_EUSAGE,
                        _("bad password: 6 to 64 printable ASCII characters, no spaces, quotes "
                          "or backslashes"));
    return 0;
}

static int
date_check(const char *what, const char *s, struct werr *e)
{
    int y, m, d, n = 0;

    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || y < 2000 ||
        y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return werr_set(e, WISP_EUSAGE, _("bad %s \"%s\": expected a date YYYY-MM-DD"), what, s);
    return 0;
}

static int
ip_check(const char *s, struct werr *e)
{
    struct in_addr a;

    if (inet_pton(AF_INET, s, &a) != 1)
        return werr_set(e, WISP_EUSAGE, _("bad --ip \"%s\": expected an IPv4 address"), s);
    return 0;
}

/* A subscriber plan's fields checked and converted: values as SQL text
 * (NULL: not given), clear[i] when "none" was given while editing. */
struct subplan_values {
    char price[32], rate[64], slow[64], data[24], grace[16];
    const char *v[8]; /* price, rate_limit, data_bytes, overdue, slow_rate, grace_days, pool,
                         profile */
    bool clear[8];
};

static int
subplan_convert(const struct subplan_input *in, bool editing, struct subplan_values *sv,
                struct werr *e)
{
    const char *raw[8] = {in->price,     in->rate,  in->data, in->overdue,
                          in->slow_rate, in->grace, in->pool, in->profile};
    int64_t n;

    memset(sv, 0, sizeof *sv);
    for (int i = 0; i < 8; i++) {
        if (raw[i] == NULL)
            continue;
        if (editing && (i == 1 || i == 2 || i == 4 || i == 6 || i == 7) && is_none(raw[i])) {
            sv->clear[i] = true;
            continue;
        }
        switch (i) {
        case 0:
            if (units_parse_money(raw[i], sv->price, sizeof sv->price, e) < 0)
                return -1;
            sv->v[i] = sv->price;
            break;
        case 1:
        case 4:
            if (units_parse_rate(raw[i], i == 1 ? sv->rate : sv->slow, sizeof sv->rate, e) < 0)
                return -1;
            sv->v[i] = i == 1 ? sv->rate : sv->slow;
            break;
        case 2:
            if (units_parse_size(raw[i], &n, e) < 0)
                return -1;
            snprintf(sv->data, sizeof sv->data, "%" PRId64, n);
            sv->v[i] = sv->data;
            break;
        case 3:
            if (!str_eq(raw[i], "reject") && !str_eq(raw[i], "slow"))
                return werr_set(e, WISP_EUSAGE, _("bad --overdue \"%s\": expected reject or slow"),
                                raw[i]);
            sv->v[i] = raw[i];
            break;
        case 5:
            if (str_to_i64(raw[i], 0, 60, &n) < 0)
                return werr_set(e, WISP_EUSAGE, _("bad --grace \"%s\": expected 0..60 days"),
                                raw[i]);
            snprintf(sv->grace, sizeof sv->grace, "%" PRId64, n);
            sv->v[i] = sv->grace;
            break;
        default:
            if (!name_ok(raw[i], 64))
                return werr_set(e, WISP_EUSAGE,
                                _("bad --pool or --profile \"%s\": 1-64 letters, digits, . _ - "
                                  "(a RouterOS name)"),
                                raw[i]);
            sv->v[i] = raw[i];
        }
    }
    return 0;
}

int
subplan_add(struct db *db, const char *name, const struct subplan_input *in, struct werr *e)
{
    struct subplan_values sv;

    if (!name_ok(name, 32))
        return werr_set(e, WISP_EUSAGE,
                        _("bad plan name \"%s\": 1-32 letters, digits, . _ - (starting with a "
                          "letter or digit)"),
                        name);
    if (in->price == NULL)
        return werr_set(e, WISP_EUSAGE, _("a subscriber plan needs --price (per month)"));
    if (subplan_convert(in, false, &sv, e) < 0)
        return -1;
    if (sv.v[3] && str_eq(sv.v[3], "slow") && !sv.v[4])
        return werr_set(e, WISP_EUSAGE, _("--overdue slow needs --slow-rate"));
    return db_execv(db, e,
                    "SELECT wisp_subplan_add($1, $2::numeric, $3, $4::bigint, $5, $6,"
                    " $7::integer, $8, $9)",
                    9, name, sv.v[0], sv.v[1], sv.v[2], sv.v[3], sv.v[4], sv.v[5], sv.v[6],
                    sv.v[7]);
}

int
subplan_edit(struct db *db, const char *name, const struct subplan_input *in, const char *active,
             struct werr *e)
{
    static const char *const cols[8] = {"price",     "rate_limit", "data_bytes", "overdue",
                                        "slow_rate", "grace_days", "pool",       "profile"};
    struct subplan_values sv;
    json_t *changes;
    char *text;
    int rc;

    if (subplan_convert(in, true, &sv, e) < 0)
        return -1;
    changes = json_object();
    for (int i = 0; i < 8; i++) {
        if (sv.clear[i])
            json_object_set_new(changes, cols[i], json_null());
        else if (sv.v[i])
            json_object_set_new(changes, cols[i], json_string(sv.v[i]));
    }
    if (active)
        json_object_set_new(changes, "active", json_boolean(str_eq(active, "true")));
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        return werr_set(e, WISP_EUSAGE,
                        _("nothing to change: give at least one of --price, --rate, --data, "
                          "--overdue, --slow-rate, --grace, --pool, --profile"));
    }
    text = json_dumps(changes, JSON_COMPACT);
    json_decref(changes);
    rc = db_execv(db, e, "SELECT wisp_subplan_edit($1, $2::jsonb)", 2, name, text);
    free(text);
    return rc;
}

json_t *
subplan_list(struct db *db, struct werr *e)
{
    return db_json_rowsv(db, e,
                         "SELECT p.name, p.price, p.rate_limit, p.data_bytes, p.overdue,"
                         " p.slow_rate, p.grace_days, p.pool, p.profile, p.active,"
                         " (SELECT count(*) FROM subscribers s WHERE s.plan_id = p.id"
                         "   AND s.status <> 'cancelled') AS subscribers"
                         " FROM subscriber_plans p ORDER BY p.price, p.name",
                         0);
}

/* Check every given field (ip, phone may be cleared when editing). */
static int
check_input(const struct subscriber_input *in, bool editing, struct werr *e)
{
    if (in->password && password_check(in->password, e) < 0)
        return -1;
    if (in->name && (text_check("--name", in->name, 100, e) < 0))
        return -1;
    if (in->name && !*in->name)
        return werr_set(e, WISP_EUSAGE, _("bad --name: the customer's name is needed"));
    if (in->phone && !(editing && is_none(in->phone)) &&
        text_check("--phone", in->phone, 32, e) < 0)
        return -1;
    if (in->plan && !name_ok(in->plan, 32))
        return werr_set(e, WISP_EUSAGE, _("bad --plan \"%s\""), in->plan);
    if (in->due && date_check("--due", in->due, e) < 0)
        return -1;
    if (in->ip && !(editing && is_none(in->ip)) && ip_check(in->ip, e) < 0)
        return -1;
    return 0;
}

int
subscriber_add(struct db *db, const char *user, const struct subscriber_input *in, struct werr *e)
{
    if (!subscriber_username_ok(user))
        return werr_set(e, WISP_EUSAGE,
                        _("bad username \"%s\": 3-64 letters, digits, . _ @ - (starting with a "
                          "letter or digit)"),
                        user);
    if (in->password == NULL || in->name == NULL || in->plan == NULL)
        return werr_set(e, WISP_EUSAGE, _("a subscriber needs a password, --name and --plan"));
    if (check_input(in, false, e) < 0)
        return -1;
    return db_execv(db, e, "SELECT wisp_subscriber_add($1, $2, $3, $4, $5, $6::date, $7)", 7, user,
                    in->password, in->name, in->phone, in->plan, in->due, in->ip);
}

int
subscriber_edit(struct db *db, const char *user, const struct subscriber_input *in, struct werr *e)
{
    const char *keys[] = {"password", "name", "phone", "plan", "due_on", "framed_ip"};
    const char *vals[] = {in->password, in->name, in->phone, in->plan, in->due, in->ip};
    json_t *changes;
    char *text;
    int rc;

    if (check_input(in, true, e) < 0)
        return -1;
    changes = json_object();
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (vals[i] == NULL)
            continue;
        if ((i == 2 || i == 5) && is_none(vals[i]))
            json_object_set_new(changes, keys[i], json_null());
        else
            json_object_set_new(changes, keys[i], json_string(vals[i]));
    }
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        return werr_set(e, WISP_EUSAGE,
                        _("nothing to change: give at least one of --password-stdin, --name, "
                          "--phone, --plan, --due, --ip"));
    }
    text = json_dumps(changes, JSON_COMPACT);
    json_decref(changes);
    rc = db_execv(db, e, "SELECT wisp_subscriber_edit($1, $2::jsonb)", 2, user, text);
    free(text);
    return rc;
}

json_t *
subscriber_list(struct db *db, bool overdue, struct werr *e)
{
    return db_json_rowsv(db, e,
                         "SELECT username, name, phone, plan, price, rate_limit, data_bytes,"
                         " status, due_on::text AS due_on, framed_ip, unpaid, used_bytes,"
                         " online, paid_at FROM subscriber_list"
                         " WHERE NOT $1::boolean OR unpaid ORDER BY username",
                         1, overdue ? "true" : "false");
}

json_t *
subscriber_show(struct db *db, const char *user, struct werr *e)
{
    json_t *s = db_json_firstv(db, e,
                               "SELECT username, name, phone, plan, price, rate_limit, data_bytes,"
                               " overdue, status, due_on::text AS due_on, framed_ip, unpaid,"
                               " used_bytes, online, paid_at, created_at, created_by"
                               " FROM subscriber_list WHERE username = $1",
                               1, user);
    json_t *pay;

    if (s == NULL) {
        if (e->status == 0)
            werr_set(e, WISP_ERUNTIME, _("no subscriber \"%s\""), user);
        return NULL;
    }
    pay = db_json_rowsv(db, e,
                        "SELECT y.amount, y.months, y.period_from::text AS period_from,"
                        " y.period_to::text AS period_to, y.created_at, y.created_by"
                        " FROM subscriber_payments y JOIN subscribers s ON s.id = y.subscriber_id"
                        " WHERE s.username = $1 ORDER BY y.id DESC LIMIT 12",
                        1, user);
    if (pay == NULL) {
        json_decref(s);
        return NULL;
    }
    json_object_set_new(s, "payments", pay);
    return s;
}

int
subscriber_set_status(struct db *db, const char *user, const char *status, int *kicks,
                      struct werr *e)
{
    int64_t n = 0;

    if (db_i64v(db, e, &n, "SELECT wisp_subscriber_set_status($1, $2)", 2, user, status) < 0)
        return -1;
    *kicks = (int)n;
    return 0;
}

int
subscriber_pay(struct db *db, const char *user, const char *amount, const char *months, char *due,
               size_t n, struct werr *e)
{
    char money[32], m[8];
    int64_t k = 1;
    char **rows;

    if (units_parse_money(amount, money, sizeof money, e) < 0)
        return -1;
    if (strtod(money, NULL) <= 0)
        return werr_set(e, WISP_EUSAGE, _("bad --amount \"%s\": more than 0"), amount);
    if (months && str_to_i64(months, 1, 24, &k) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad --months \"%s\": expected 1..24"), months);
    snprintf(m, sizeof m, "%" PRId64, k);
    rows = db_stringsv(db, e, "SELECT wisp_subscriber_pay($1, $2::numeric, $3::integer)::text", 3,
                       user, money, m);
    if (rows == NULL)
        return -1;
    snprintf(due, n, "%s", rows[0] ? rows[0] : "");
    for (int i = 0; rows[i]; i++)
        free(rows[i]);
    free(rows);
    return 0;
}
