/*
 * plan.c - plans (see include/wisp/plan.h). Every write is one transaction
 * with its audit row.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/audit.h"
#include "wisp/plan.h"
#include "wisp/units.h"
#include "wisp/util.h"

/* A plan's columns as SQL parameter text, NULL where not given. */
struct plan_values {
    char price[32], duration[24], data[24], rate[64], validity[24], shared[16], low[16];
    const char *v[9]; /* price, duration_s, data_bytes, rate_limit, validity_s, shared, profile,
                         lock_mac, low_stock */
    bool clear[9];    /* "none" given: set the column to NULL */
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
    const char *raw[9] = {in->price,        in->duration, in->data,     in->rate,     in->validity,
                          in->shared_users, in->profile,  in->lock_mac, in->low_stock};
    int64_t n;

    memset(pv, 0, sizeof *pv);
    for (int i = 0; i < 9; i++) {
        if (raw[i] == NULL)
            continue;
        if (i == 8 && !(editing && is_none(raw[i]))) {
            if (str_to_i64(raw[i], 0, 1000000, &n) < 0)
                return werr_set(e, WISP_EUSAGE,
                                "bad --low-stock \"%s\": expected a whole number 0..1000000",
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
                return werr_set(e, WISP_EUSAGE, "bad --lock-mac \"%s\": expected yes or no",
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
                                "bad --shared-users \"%s\": expected a whole number 1..1000",
                                raw[i]);
            snprintf(pv->shared, sizeof pv->shared, "%" PRId64, n);
            pv->v[i] = pv->shared;
            break;
        case 6:
            if (text_check("--profile", raw[i], 64, e) < 0)
                return -1;
            if (strpbrk(raw[i], "\"\\") != NULL)
                return werr_set(e, WISP_EUSAGE,
                                "bad --profile \"%s\": at most 64 characters, no quotes", raw[i]);
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
                        "bad plan name \"%s\": 1-32 letters, digits, . _ - (starting with a "
                        "letter or digit)",
                        name);
    return 0;
}

/* The plan's row as JSON, for audit details. */
static json_t *
plan_json(struct db *db, const char *name, struct werr *e)
{
    PGresult *r =
        db_queryv(db, e,
                  "SELECT name, price, duration_s, data_bytes, rate_limit, validity_s,"
                  " shared_users, profile, lock_mac, low_stock, active FROM plans WHERE name = $1",
                  1, name);
    json_t *j;

    if (r == NULL)
        return NULL;
    if (PQntuples(r) == 0) {
        PQclear(r);
        werr_set(e, WISP_ERUNTIME, "no plan named \"%s\" (see `wisp plan list`)", name);
        return NULL;
    }
    j = db_row_json(r, 0);
    PQclear(r);
    return j;
}

int
plan_add(struct db *db, const char *name, const struct plan_input *in, struct werr *e)
{
    struct plan_values pv;
    json_t *row;

    if (check_name(name, e) < 0 || convert(in, false, &pv, e) < 0)
        return -1;
    if (pv.v[0] == NULL)
        return werr_set(e, WISP_EUSAGE, "a plan needs --price");
    if (db_begin(db, e) < 0)
        return -1;
    if (db_execv(db, e,
                 "INSERT INTO plans (name, price, duration_s, data_bytes, rate_limit, validity_s,"
                 " shared_users, profile, lock_mac, low_stock)"
                 " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, coalesce($9::boolean, false), $10)",
                 10, name, pv.v[0], pv.v[1], pv.v[2], pv.v[3], pv.v[4], pv.v[5], pv.v[6], pv.v[7],
                 pv.v[8]) < 0) {
        if (strstr(e->msg, "duplicate key"))
            werr_set(e, WISP_ERUNTIME, "a plan named \"%s\" already exists", name);
        goto fail;
    }
    if ((row = plan_json(db, name, e)) == NULL || audit_log(db, "plan.add", row, e) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int
plan_edit(struct db *db, const char *name, const struct plan_input *in, struct werr *e)
{
    static const char *const cols[9] = {"price",      "duration_s", "data_bytes",
                                        "rate_limit", "validity_s", "shared_users",
                                        "profile",    "lock_mac",   "low_stock"};
    struct plan_values pv;
    struct sbuf sql = {0};
    const char *params[10];
    int n = 1, nset = 0;
    PGresult *r;
    json_t *before, *after;

    if (convert(in, true, &pv, e) < 0)
        return -1;
    params[0] = name;
    sb_add(&sql, "UPDATE plans SET ");
    for (int i = 0; i < 9; i++) {
        if (pv.v[i] == NULL && !pv.clear[i])
            continue;
        if (nset++ > 0)
            sb_add(&sql, ", ");
        if (pv.clear[i]) {
            sb_printf(&sql, "%s = NULL", cols[i]);
            continue;
        }
        params[n] = pv.v[i];
        sb_printf(&sql, "%s = $%d", cols[i], ++n);
    }
    if (nset == 0) {
        sb_free(&sql);
        return werr_set(e, WISP_EUSAGE,
                        "nothing to change: give at least one of --price, "
                        "--duration, --data, --rate, --validity, --shared-users, "
                        "--profile, --lock-mac, --low-stock");
    }
    sb_add(&sql, " WHERE name = $1");
    if (db_begin(db, e) < 0)
        goto out;
    if ((before = plan_json(db, name, e)) == NULL)
        goto fail;
    r = db_query(db, e, sql.buf, n, params);
    if (r == NULL) {
        json_decref(before);
        goto fail;
    }
    PQclear(r);
    if ((after = plan_json(db, name, e)) == NULL) {
        json_decref(before);
        goto fail;
    }
    if (audit_log(db, "plan.edit",
                  json_pack("{s:s, s:o, s:o}", "plan", name, "before", before, "after", after),
                  e) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    sb_free(&sql);
    return 0;
fail:
    db_rollback(db);
out:
    sb_free(&sql);
    return -1;
}

int
plan_set_active(struct db *db, const char *name, bool active, struct werr *e)
{
    PGresult *r;

    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e, "UPDATE plans SET active = $2 WHERE name = $1 RETURNING id", 2, name,
                  active ? "true" : "false");
    if (r == NULL)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        werr_set(e, WISP_ERUNTIME, "no plan named \"%s\" (see `wisp plan list`)", name);
        goto fail;
    }
    PQclear(r);
    if (audit_log(db, active ? "plan.enable" : "plan.disable", json_pack("{s:s}", "plan", name),
                  e) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

json_t *
plan_list(struct db *db, struct werr *e)
{
    PGresult *r = db_queryv(
        db, e,
        "SELECT name, price, duration_s, data_bytes, rate_limit, validity_s,"
        " shared_users, profile, lock_mac, low_stock, active FROM plans ORDER BY price, name",
        0);

    return db_rows_json(r);
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
