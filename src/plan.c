/*
 * plan.c - plans (see include/wisp/plan.h). Input is checked and converted
 * here; every write is one call of a database function (wisp_plan_add,
 * wisp_plan_edit, wisp_plan_set_active: migrations 006 and 012), which checks the
 * caller is an admin and writes the audit row in the same transaction.
 * This is the one file with SQL for the plans table.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/plan.h"
#include "wisp/template.h"
#include "wisp/units.h"
#include "wisp/util.h"

/* A plan's columns as SQL parameter text, NULL where not given. */
struct plan_values {
    char price[32], duration[24], data[24], rate[64], validity[24], shared[16], low[16];
    const char *v[11]; /* price, duration_s, data_bytes, rate_limit, validity_s, shared, profile,
                          lock_mac, low_stock, title, template */
    bool clear[11];    /* "none" given: set the column to NULL */
};

static bool
is_none(const char *s)
{
    return str_eq(s, "none") || str_eq(s, "");
}

/* Check and convert every given field; clearing is allowed when editing. */
static int
convert(const struct plan_input *in, bool editing, struct plan_values *pv, struct werr *e)
{
    const char *raw[11] = {in->price,     in->duration,     in->data,         in->rate,
                           in->validity,  in->shared_users, in->profile,      in->lock_mac,
                           in->low_stock, in->title,        in->template_name};
    int64_t n;

    memset(pv, 0, sizeof *pv);
    for (int i = 0; i < 11; i++) {
        if (raw[i] == NULL)
            continue;
        if (i == 8 && !(editing && is_none(raw[i]))) {
            if (str_to_i64(raw[i], 0, 1000000, &n) < 0)
                return werr_set(e, WISP_EUSAGE,
                                _("bad --low-stock \"%s\": expected a whole number 0..1000000"),
                                raw[i]);
            snprintf(pv->low, sizeof pv->low, "%" PRId64, n);
            pv->v[i] = pv->low;
            continue;
        }
        if (i == 7) {
            if (str_eq(raw[i], "yes") || str_eq(raw[i], "on") || str_eq(raw[i], "true"))
                pv->v[i] = "true";
            else if (str_eq(raw[i], "no") || str_eq(raw[i], "off") || str_eq(raw[i], "false"))
                pv->v[i] = "false";
            else
                return werr_set(e, WISP_EUSAGE, _("bad --lock-mac \"%s\": expected yes or no"),
                                raw[i]);
            continue;
        }
        if (i > 0 && editing && is_none(raw[i])) {
            pv->clear[i] = true;
            continue;
        }
        switch (i) {
        case 0:
            if (units_parse_money(raw[i], pv->price, sizeof pv->price, e) < 0)
                return -1;
            pv->v[i] = pv->price;
            break;
        case 1:
        case 4:
            if (units_parse_duration(raw[i], &n, e) < 0)
                return -1;
            snprintf(i == 1 ? pv->duration : pv->validity, sizeof pv->duration, "%" PRId64, n);
            pv->v[i] = i == 1 ? pv->duration : pv->validity;
            break;
        case 2:
            if (units_parse_size(raw[i], &n, e) < 0)
                return -1;
            snprintf(pv->data, sizeof pv->data, "%" PRId64, n);
            pv->v[i] = pv->data;
            break;
        case 3:
            if (units_parse_rate(raw[i], pv->rate, sizeof pv->rate, e) < 0)
                return -1;
            pv->v[i] = pv->rate;
            break;
        case 5:
            if (str_to_i64(raw[i], 1, 1000, &n) < 0)
                return werr_set(e, WISP_EUSAGE,
                                _("bad --shared-users \"%s\": expected a whole number 1..1000"),
                                raw[i]);
            snprintf(pv->shared, sizeof pv->shared, "%" PRId64, n);
            pv->v[i] = pv->shared;
            break;
        case 6:
            if (text_check("--profile", raw[i], 64, e) < 0)
                return -1;
            if (strpbrk(raw[i], "\"\\") != NULL)
                return werr_set(e, WISP_EUSAGE,
                                _("bad --profile \"%s\": at most 64 characters, no quotes"),
                                raw[i]);
            pv->v[i] = raw[i];
            break;
        case 9: /* any script, one line: the name stays ASCII for routers */
            if (text_check("--title", raw[i], 64, e) < 0)
                return -1;
            pv->v[i] = raw[i];
            break;
        case 10:
            if (!template_name_ok(raw[i]))
                return werr_set(e, WISP_EUSAGE,
                                _("bad --template \"%s\": a template's name (letters, digits, - "
                                  "and _; see `wisp template list`)"),
                                raw[i]);
            pv->v[i] = raw[i];
            break;
        }
    }
    return 0;
}

static int
check_name(const char *name, struct werr *e)
{
    size_t len = strlen(name);

    if (len == 0 || len > 32 ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                     "0123456789._-") != len ||
        strchr("._-", name[0]) != NULL)
        return werr_set(e, WISP_EUSAGE,
                        _("bad plan name \"%s\": 1-32 letters, digits, . _ - (starting with a "
                          "letter or digit)"),
                        name);
    return 0;
}

int
plan_add(struct db *db, const char *name, const struct plan_input *in, struct werr *e)
{
    struct plan_values pv;

    if (check_name(name, e) < 0 || convert(in, false, &pv, e) < 0)
        return -1;
    if (pv.v[0] == NULL)
        return werr_set(e, WISP_EUSAGE, _("a plan needs --price"));
    return db_execv(db, e,
                    "SELECT wisp_plan_add($1, $2::numeric, $3::bigint, $4::bigint, $5,"
                    " $6::bigint, $7::integer, $8, $9::boolean, $10::integer, $11, $12)",
                    12, name, pv.v[0], pv.v[1], pv.v[2], pv.v[3], pv.v[4], pv.v[5], pv.v[6],
                    pv.v[7], pv.v[8], pv.v[9], pv.v[10]);
}

int
plan_edit(struct db *db, const char *name, const struct plan_input *in, struct werr *e)
{
    static const char *const cols[11] = {"price",      "duration_s",   "data_bytes", "rate_limit",
                                         "validity_s", "shared_users", "profile",    "lock_mac",
                                         "low_stock",  "title",        "template"};
    struct plan_values pv;
    json_t *changes;
    char *text;
    int rc;

    if (convert(in, true, &pv, e) < 0)
        return -1;
    changes = json_object();
    for (int i = 0; i < 11; i++) {
        if (pv.clear[i])
            json_object_set_new(changes, cols[i], json_null());
        else if (pv.v[i])
            json_object_set_new(changes, cols[i], json_string(pv.v[i]));
    }
    if (json_object_size(changes) == 0) {
        json_decref(changes);
        return werr_set(e, WISP_EUSAGE,
                        _("nothing to change: give at least one of --price, "
                          "--duration, --data, --rate, --validity, --shared-users, "
                          "--profile, --lock-mac, --low-stock, --title, --template"));
    }
    text = json_dumps(changes, JSON_COMPACT);
    json_decref(changes);
    rc = db_execv(db, e, "SELECT wisp_plan_edit($1, $2::jsonb)", 2, name, text);
    free(text);
    return rc;
}

int
plan_set_active(struct db *db, const char *name, bool active, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_plan_set_active($1, $2::boolean)", 2, name,
                    active ? "true" : "false");
}

json_t *
plan_list(struct db *db, struct werr *e)
{
    return db_json_rowsv(
        db, e,
        "SELECT name, price, duration_s, data_bytes, rate_limit, validity_s,"
        " shared_users, profile, lock_mac, low_stock, active, title, template FROM plans"
        " ORDER BY price, name",
        0);
}

/* A plan's name and whether it sells. */
struct plan_state_row {
    char *name;
    bool active;
};
static const struct db_field plan_state_fields[] = {
    DB_COL(struct plan_state_row, name, DB_STR),
    DB_COL(struct plan_state_row, active, DB_BOOL),
};
static const struct db_map plan_state_map = DB_MAP(struct plan_state_row, plan_state_fields);

char *
plan_print_template(struct db *db, int64_t batch, const char *code, struct werr *e)
{
    char bid[24], **names, *name;

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    names = db_stringsv(db, e,
                        "SELECT coalesce(p.template, '') FROM vouchers v"
                        " JOIN plans p ON p.id = v.plan_id"
                        " WHERE ($2::text IS NULL AND v.batch_id = $1::bigint) OR v.code = $2"
                        " LIMIT 1",
                        2, bid, code);
    if (names == NULL)
        return NULL;
    name = xstrdup(names[0] ? names[0] : "");
    for (int i = 0; names[i]; i++)
        free(names[i]);
    free(names);
    return name;
}

char *
plan_title(struct db *db, const char *name)
{
    struct werr e = {0};
    char **titles = db_stringsv(
        db, &e, "SELECT title FROM plans WHERE name = $1 AND title IS NOT NULL", 1, name);
    char *title;

    if (titles == NULL) /* the name prints instead */
        return NULL;
    title = titles[0]; /* NULL when there is none */
    for (int i = 1; title && titles[i]; i++)
        free(titles[i]);
    free(titles);
    return title;
}

char **
plan_names(struct db *db, struct werr *e)
{
    return db_stringsv(db, e, "SELECT name FROM plans WHERE active ORDER BY name", 0);
}

int
plan_active(struct db *db, const char *name, bool *active, struct werr *e)
{
    struct plan_state_row row;
    int found = db_fetch1v(db, e, &plan_state_map, &row,
                           "SELECT name, active FROM plans WHERE name = $1", 1, name);

    if (found == 1) {
        *active = row.active;
        db_row_free(&plan_state_map, &row);
    }
    return found;
}

char *
plan_describe(const char *duration_s, const char *data_bytes, const char *rate,
              const char *validity_s)
{
    struct sbuf sb = {0};
    char buf[32];

    if (duration_s && *duration_s) {
        units_format_duration(strtoll(duration_s, NULL, 10), buf, sizeof buf);
        sb_add(&sb, buf);
    }
    if (data_bytes && *data_bytes) {
        units_format_size(strtoll(data_bytes, NULL, 10), buf, sizeof buf);
        sb_printf(&sb, "%s%s", sb.len ? ", " : "", buf);
    }
    if (rate && *rate)
        sb_printf(&sb, "%s%s", sb.len ? ", " : "", rate);
    if (validity_s && *validity_s) {
        units_format_duration(strtoll(validity_s, NULL, 10), buf, sizeof buf);
        sb_printf(&sb, "%svalid %s", sb.len ? ", " : "", buf);
    }
    if (sb.len == 0)
        sb_add(&sb, "unlimited");
    return sb_steal(&sb);
}
