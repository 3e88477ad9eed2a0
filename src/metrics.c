/*
 * metrics.c - the current figures (see include/wisp/metrics.h): one read-only
 * transaction, so the figures agree with each other. The figures are counts
 * over sessions, vouchers, orders and routers, so their reads live here with
 * the figures they return; metric_rollups is this module's own table. Rows
 * are read by column name (db_fetch), never by number.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "wisp/events.h"
#include "wisp/i18n.h"
#include "wisp/metrics.h"
#include "wisp/mpath.h"
#include "wisp/util.h"

/* How far back each sweep looks again, for sales whose transaction
 * committed after the previous sweep with an earlier timestamp. */
#define SWEEP_OVERLAP 600

/* {key: value} from two-column rows. */
static json_t *
pairs(struct db *db, const char *sql, const char *arg, struct werr *e)
{
    return arg ? db_json_pairsv(db, e, sql, 1, arg) : db_json_pairsv(db, e, sql, 0);
}

/* Orders taken since day0 or still in flight, {status: n}. */
static json_t *
orders_now(struct db *db, time_t day0, struct werr *e)
{
    char a[24];

    snprintf(a, sizeof a, "%lld", (long long)day0);
    return pairs(db,
                 "SELECT status, count(*) FROM orders WHERE created_at >= to_timestamp($1)"
                 " OR status IN ('pending', 'sent', 'processing') GROUP BY status",
                 a, e);
}

json_t *
metrics_now(struct db *db, struct werr *e)
{
    json_t *m = NULL, *one, *v;
    time_t today = local_midnight(time(NULL));
    char day0[24];

    snprintf(day0, sizeof day0, "%lld", (long long)today);
    if (db_execv(db, e, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0) < 0)
        return NULL;
    one = db_json_firstv(
        db, e,
        "SELECT (SELECT count(*) FROM sessions WHERE state = 'active') AS active_sessions,"
        " (SELECT coalesce(sum(rate_in), 0)::bigint FROM sessions WHERE state = 'active') AS "
        "rx_bps,"
        " (SELECT coalesce(sum(rate_out), 0)::bigint FROM sessions WHERE state = 'active') AS "
        "tx_bps,"
        " (SELECT count(*) FROM vouchers WHERE sold_at >= to_timestamp($1)) AS sold_today,"
        " ((SELECT coalesce(sum(price), 0) FROM vouchers WHERE sold_at >= to_timestamp($1))"
        "  + (SELECT coalesce(sum(amount), 0) FROM orders WHERE provider IS NOT NULL"
        "     AND status = 'completed' AND completed_at >= to_timestamp($1)))::numeric(14, 2)"
        "   AS revenue_today,"
        " (SELECT count(*) FROM vouchers WHERE first_used_at >= to_timestamp($1))"
        "   AS activated_today, now() AS at",
        1, day0);
    if (!one)
        goto fail;
    m = one;
    if (!(v = pairs(db,
                    "SELECT r.name, count(s.id) FROM routers r"
                    " LEFT JOIN sessions s ON s.router_id = r.id AND s.state = 'active'"
                    " GROUP BY r.name ORDER BY r.name",
                    NULL, e)))
        goto fail;
    json_object_set_new(m, "per_router", v);
    if (!(v = orders_now(db, today, e)))
        goto fail;
    json_object_set_new(m, "orders", v);
    if (!(v = pairs(db, "SELECT state, count(*) FROM routers GROUP BY state", NULL, e)))
        goto fail;
    json_object_set_new(m, "routers", v);
    /* the heaviest users among the sessions seen in the last 10 minutes */
    if (!(v = db_json_rowsv(db, e,
                            "SELECT s.username AS user, s.mac, r.name AS router, "
                            "s.bytes_in + s.bytes_out AS bytes"
                            " FROM sessions s JOIN routers r ON r.id = s.router_id"
                            " WHERE s.last_seen > now() - interval '10 minutes'"
                            " ORDER BY bytes DESC, s.username, s.mac, r.name LIMIT 10",
                            0)))
        goto fail;
    json_object_set_new(m, "top_clients", v);
    if (!(v = db_json_rowsv(
              db, e,
              "SELECT p.name AS plan, count(*) AS sold, sum(v.price)::numeric(14, 2) AS revenue"
              " FROM vouchers v JOIN plans p ON p.id = v.plan_id WHERE v.sold_at >= "
              "to_timestamp($1)"
              " GROUP BY p.name ORDER BY sold DESC, revenue DESC, p.name LIMIT 10",
              1, day0)))
        goto fail;
    json_object_set_new(m, "top_plans", v);
    db_rollback(db); /* read only: nothing to keep */
    return m;
fail:
    json_decref(m);
    db_rollback(db);
    return NULL;
}

/* A label value as the text format wants it: \\, \" and \n escaped. */
static void
label(FILE *out, const char *v)
{
    for (; v && *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', out);
        if (*v == '\n') {
            fputs("\\n", out);
            continue;
        }
        fputc(*v, out);
    }
}

static void
head(FILE *out, const char *name, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A gauge per member of a {key: n} object, the key as the label lname. */
static void
by_label(FILE *out, const char *name, const char *help, const char *lname, json_t *o)
{
    const char *k;
    json_t *v;

    head(out, name, help);
    json_object_foreach(o, k, v)
    {
        fprintf(out, "%s{%s=\"", name, lname);
        label(out, k);
        fprintf(out, "\"} %lld\n", (long long)json_integer_value(v));
    }
}

long long
metrics_num(json_t *m, const char *k)
{
    json_t *v = json_object_get(m, k);

    return json_is_integer(v)  ? (long long)json_integer_value(v)
           : json_is_string(v) ? atoll(json_string_value(v))
                               : 0;
}

void
metrics_prometheus(json_t *m, const char *currency, FILE *out)
{
    static const char *const states[] = {"unknown", "up", "down", "hostkey-mismatch",
                                         "maintenance"};
    static const char *const statuses[] = {"pending",   "sent",   "processing",
                                           "completed", "failed", "cancelled"};
    json_t *o, *r;
    size_t i;

    head(out, "wisp_sessions_active", "Hotspot sessions online now.");
    fprintf(out, "wisp_sessions_active %lld\n", metrics_num(m, "active_sessions"));
    by_label(out, "wisp_router_sessions_active", "Hotspot sessions online now, per router.",
             "router", json_object_get(m, "per_router"));
    head(out, "wisp_receive_bytes_per_second",
         "Traffic from the clients, summed over the sessions' rates at the last worker cycle.");
    fprintf(out, "wisp_receive_bytes_per_second %lld\n", metrics_num(m, "rx_bps") / 8);
    head(out, "wisp_transmit_bytes_per_second",
         "Traffic to the clients, summed over the sessions' rates at the last worker cycle.");
    fprintf(out, "wisp_transmit_bytes_per_second %lld\n", metrics_num(m, "tx_bps") / 8);
    head(out, "wisp_vouchers_sold_today", "Vouchers sold since midnight.");
    fprintf(out, "wisp_vouchers_sold_today %lld\n", metrics_num(m, "sold_today"));
    head(out, "wisp_revenue_today",
         "Revenue from vouchers sold since midnight, in the currency label.");
    fputs("wisp_revenue_today{currency=\"", out);
    label(out, currency);
    fprintf(out, "\"} %s\n", json_string_value(json_object_get(m, "revenue_today")) ?: "0");
    /* every status and state, zeros included, so series do not come and go */
    o = json_object_get(m, "orders");
    head(out, "wisp_orders", "Orders taken today or still in flight, by status.");
    for (i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
        fprintf(out, "wisp_orders{status=\"%s\"} %lld\n", statuses[i],
                (long long)json_integer_value(json_object_get(o, statuses[i])));
    o = json_object_get(m, "routers");
    head(out, "wisp_routers", "Routers by state.");
    for (i = 0; i < sizeof states / sizeof states[0]; i++)
        fprintf(out, "wisp_routers{state=\"%s\"} %lld\n", states[i],
                (long long)json_integer_value(json_object_get(o, states[i])));
    head(out, "wisp_plan_vouchers_sold_today", "Vouchers sold since midnight, per plan (top 10).");
    json_array_foreach(json_object_get(m, "top_plans"), i, r)
    {
        fputs("wisp_plan_vouchers_sold_today{plan=\"", out);
        label(out, json_string_value(json_object_get(r, "plan")));
        fprintf(out, "\"} %lld\n", metrics_num(r, "sold"));
    }
}

int
metrics_export(const struct config *cfg, struct db *db, const char *file, struct werr *e)
{
    json_t *m = metrics_live(cfg, db, e);
    char *tmp;
    FILE *f;
    int rc = 0;

    if (!m)
        return -1;
    tmp = xasprintf("%s.tmp%d", file, (int)getpid());
    if ((f = fopen(tmp, "w")) == NULL) {
        rc = werr_set(e, WISP_ERUNTIME, _("cannot write %s: %s"), tmp, strerror(errno));
    } else {
        metrics_prometheus(m, cfg->currency, f);
        if (fclose(f) != 0 || rename(tmp, file) != 0) {
            rc = werr_set(e, WISP_ERUNTIME, _("cannot write %s: %s"), file, strerror(errno));
            unlink(tmp);
        }
    }
    free(tmp);
    json_decref(m);
    return rc;
}

/* A fact the sweep counts: a sale, a first login or a completed order. */
struct fact_row {
    int64_t id, at, cents; /* at: epoch seconds; cents: money (0 where none) */
    char *plan;            /* sales only */
};
static const struct db_field sale_fields[] = {
    DB_COL(struct fact_row, id, DB_I64),
    DB_COL(struct fact_row, at, DB_I64),
    DB_COL(struct fact_row, plan, DB_STR),
    DB_COL(struct fact_row, cents, DB_I64),
};
static const struct db_map sale_map = DB_MAP(struct fact_row, sale_fields);
static const struct db_field activation_fields[] = {
    DB_COL(struct fact_row, id, DB_I64),
    DB_COL(struct fact_row, at, DB_I64),
};
static const struct db_map activation_map = DB_MAP(struct fact_row, activation_fields);
static const struct db_field completion_fields[] = {
    DB_COL(struct fact_row, id, DB_I64),
    DB_COL(struct fact_row, at, DB_I64),
    DB_COL(struct fact_row, cents, DB_I64),
};
static const struct db_map completion_map = DB_MAP(struct fact_row, completion_fields);

/* The ids of one kind of fact, sorted: those the last sweep read. */
struct fact_ids {
    int64_t *id;
    size_t n;
};

enum { FACT_SALE, FACT_ACTIVATION, FACT_COMPLETION, FACTS };

struct metrics_sent {
    struct fact_ids sent[FACTS]; /* read by the last sweep that reached Redis */
    struct fact_ids read[FACTS]; /* read by the sweep in progress */
    long long swept;             /* the m:swept that sweep wrote */
};

struct metrics_sent *
metrics_sent_new(void)
{
    return xcalloc(1, sizeof(struct metrics_sent));
}

static void
facts_clear(struct fact_ids *f)
{
    for (int k = 0; k < FACTS; k++) {
        free(f[k].id);
        f[k].id = NULL;
        f[k].n = 0;
    }
}

void
metrics_sent_free(struct metrics_sent *s)
{
    if (!s)
        return;
    facts_clear(s->sent);
    facts_clear(s->read);
    free(s);
}

static int
cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/* What this sweep read of kind k (rows f[0..n-1]), sorted. */
static void
note_read(struct metrics_sent *s, int k, const struct fact_row *f, size_t n)
{
    if (!s)
        return;
    s->read[k].id = xcalloc(n + 1, sizeof(int64_t));
    for (size_t j = 0; j < n; j++)
        s->read[k].id[j] = f[j].id;
    s->read[k].n = n;
    qsort(s->read[k].id, n, sizeof(int64_t), cmp_id);
}

/* Did the last sweep that reached Redis send fact id of kind k? */
static bool
already_sent(const struct metrics_sent *s, int k, int64_t id)
{
    return s && s->sent[k].n &&
           bsearch(&id, s->sent[k].id, s->sent[k].n, sizeof(int64_t), cmp_id) != NULL;
}

/* The sweep's facts reached Redis: they are the ones sent now (the window
 * moves on, so older ids drop out by themselves). */
static void
sent_commit(struct metrics_sent *s)
{
    if (!s)
        return;
    facts_clear(s->sent);
    memcpy(s->sent, s->read, sizeof s->sent);
    memset(s->read, 0, sizeof s->read);
}

/* Sales, activations and completed orders of [from, to) into m, but those
 * sent has already sent. */
static int
sweep(struct db *db, struct mpath *m, time_t from, time_t to, struct metrics_sent *sent,
      struct werr *e)
{
    char a[24], b[24];
    struct fact_row *f;
    size_t n;

    if (sent) /* what a failed sweep read was never sent */
        facts_clear(sent->read);
    snprintf(a, sizeof a, "%lld", (long long)from);
    snprintf(b, sizeof b, "%lld", (long long)to);
    if (db_fetchv(db, e, &sale_map, &f, &n,
                  "SELECT v.id, floor(extract(epoch FROM v.sold_at))::bigint AS at, p.name AS plan,"
                  " round(coalesce(v.price, 0) * 100)::bigint AS cents"
                  " FROM vouchers v JOIN plans p ON p.id = v.plan_id"
                  " WHERE v.sold_at >= to_timestamp($1) AND v.sold_at < to_timestamp($2)",
                  2, a, b) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!already_sent(sent, FACT_SALE, f[i].id))
            mpath_sale(m, f[i].id, (time_t)f[i].at, f[i].plan, f[i].cents);
    note_read(sent, FACT_SALE, f, n);
    db_rows_free(&sale_map, f, n);
    if (db_fetchv(db, e, &activation_map, &f, &n,
                  "SELECT id, floor(extract(epoch FROM first_used_at))::bigint AS at FROM vouchers"
                  " WHERE first_used_at >= to_timestamp($1) AND first_used_at < "
                  "to_timestamp($2)",
                  2, a, b) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!already_sent(sent, FACT_ACTIVATION, f[i].id))
            mpath_activation(m, f[i].id, (time_t)f[i].at);
    note_read(sent, FACT_ACTIVATION, f, n);
    db_rows_free(&activation_map, f, n);
    if (db_fetchv(db, e, &completion_map, &f, &n,
                  "SELECT id, floor(extract(epoch FROM completed_at))::bigint AS at,"
                  " CASE WHEN provider IS NOT NULL THEN round(coalesce(amount, 0) * 100)::bigint"
                  " ELSE 0 END AS cents FROM orders"
                  " WHERE completed_at >= to_timestamp($1) AND completed_at < to_timestamp($2)",
                  2, a, b) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!already_sent(sent, FACT_COMPLETION, f[i].id))
            mpath_order(m, f[i].id, "completed", (time_t)f[i].at, f[i].cents);
    note_read(sent, FACT_COMPLETION, f, n);
    db_rows_free(&completion_map, f, n);
    return 0;
}

/* A router's (or, with router NULL, every router's) 5-minute averages. */
struct rollup_row {
    char *router;
    int64_t bucket; /* epoch seconds */
    int64_t sessions, rx_bps, tx_bps;
};
static const struct db_field rollup_fields[] = {
    DB_COL(struct rollup_row, router, DB_STR),   DB_COL(struct rollup_row, bucket, DB_I64),
    DB_COL(struct rollup_row, sessions, DB_I64), DB_COL(struct rollup_row, rx_bps, DB_I64),
    DB_COL(struct rollup_row, tx_bps, DB_I64),
};
static const struct db_map rollup_map = DB_MAP(struct rollup_row, rollup_fields);
/* The same without the router (series_from_history sums over them). */
static const struct db_map rollup_sum_map = {sizeof(struct rollup_row), rollup_fields + 1, 4};

/* The routers' 5-minute history of [from, to) into the minutes Redis still
 * keeps (2 hours), where no live sample is. */
static int
fill_history(struct db *db, struct mpath *m, time_t from, time_t to, struct werr *e)
{
    char a[24], b[24];
    time_t oldest = time(NULL) - MPATH_MINUTE_TTL + 60;
    struct rollup_row *r;
    size_t n;

    if (from < oldest)
        from = oldest;
    if (to <= from)
        return 0;
    snprintf(a, sizeof a, "%lld", (long long)from);
    snprintf(b, sizeof b, "%lld", (long long)to);
    if (db_fetchv(db, e, &rollup_map, &r, &n,
                  "SELECT r.name AS router, extract(epoch FROM m.bucket)::bigint AS bucket,"
                  " m.sessions_sum / m.samples AS sessions, m.rx_bps_sum / m.samples AS rx_bps,"
                  " m.tx_bps_sum / m.samples AS tx_bps"
                  " FROM metric_rollups m JOIN routers r ON r.id = m.router_id"
                  " WHERE m.bucket > to_timestamp($1) - interval '5 minutes'"
                  "   AND m.bucket < to_timestamp($2)",
                  2, a, b) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        time_t b0 = (time_t)r[i].bucket;

        for (time_t t = b0; t < b0 + 300; t += 60)
            if (t >= from - 59 && t < to)
                mpath_fill(m, r[i].router, t / 60, r[i].sessions, r[i].rx_bps, r[i].tx_bps);
    }
    db_rows_free(&rollup_map, r, n);
    return 0;
}

int
metrics_backfill(const struct config *cfg, struct db *db, time_t from, time_t to,
                 long long *counted, long long *minutes, struct werr *e)
{
    struct mpath *m;
    redisContext *c;
    time_t now = time(NULL);
    int rc = -1;

    *counted = *minutes = 0;
    if ((rc = events_acquire(cfg, false, &c, e)) <= 0)
        return rc < 0 ? -1 : werr_set(e, WISP_ERUNTIME, _("no Redis configured"));
    rc = -1;
    m = mpath_new(cfg->redis_prefix);
    if (sweep(db, m, from, to, NULL, e) == 0 && mpath_send(m, c, counted, e) == 0 &&
        fill_history(db, m, from, to, e) == 0 && mpath_send(m, c, minutes, e) == 0) {
        rc = 0;
        /* Redis now holds all of today: the figures may come from it */
        if (from <= local_midnight(now) && to >= now && mpath_swept(c, cfg->redis_prefix, e) == 0)
            rc = mpath_set_swept(c, cfg->redis_prefix, now, e);
    }
    mpath_free(m);
    events_release(c, e);
    return rc;
}

int
metrics_note(const struct config *cfg, struct db *db, struct werr *e)
{
    time_t now = time(NULL);
    struct mpath *m;
    redisContext *c;
    long long swept;
    int rc;

    if ((rc = events_acquire(cfg, true, &c, e)) <= 0)
        return rc;
    rc = 0;
    /* a Redis that is not caught up waits for the worker's catch-up */
    if ((swept = mpath_swept(c, cfg->redis_prefix, e)) > 0) {
        m = mpath_new(cfg->redis_prefix);
        rc = sweep(db, m, now - 120, now + 1, NULL, e) == 0 ? mpath_send(m, c, NULL, e) : -1;
        mpath_free(m);
    }
    events_release(c, e);
    return swept < 0 ? -1 : rc;
}

int
metrics_feed(const struct config *cfg, struct db *db, struct mpath *samples,
             struct metrics_sent *sent, struct werr *e)
{
    time_t now = time(NULL), from;
    long long swept, counted;
    struct mpath *m;
    redisContext *c;
    json_t *orders = NULL;
    int rc;

    /* Redis is shared by the process (events.h): held for the sends, not
     * across the database's sweep */
    if ((rc = events_acquire(cfg, true, &c, e)) <= 0) {
        mpath_clear(samples);
        return rc;
    }
    rc = mpath_send(samples, c, NULL, e);
    swept = rc < 0 ? -1 : mpath_swept(c, cfg->redis_prefix, e);
    mpath_clear(samples);
    events_release(c, e);
    if (swept < 0)
        return -1;
    m = mpath_new(cfg->redis_prefix);
    /* After a Redis restart: all of today's sales and the last hour's graphs,
     * none of them there any more. */
    from = swept > 0 ? (time_t)swept - SWEEP_OVERLAP : local_midnight(now);
    /* Redis lost what it had (restarted empty, or from an older snapshot, or
     * a replica behind): what was sent may be gone, so all of it again */
    if (sent && (swept == 0 || swept < sent->swept))
        facts_clear(sent->sent);
    if (sweep(db, m, from, now + 1, sent, e) < 0 ||
        (swept == 0 && fill_history(db, m, now - 3600, now, e) < 0) ||
        !(orders = orders_now(db, local_midnight(now), e)))
        rc = -1;
    else if ((rc = events_acquire(cfg, true, &c, e)) > 0) {
        rc = mpath_send(m, c, &counted, e);
        if (rc == 0)
            rc = mpath_orders(c, cfg->redis_prefix, orders, e);
        if (rc == 0)
            rc = mpath_set_swept(c, cfg->redis_prefix, now, e);
        if (rc == 0 && sent) {
            sent_commit(sent);
            sent->swept = now;
        }
        events_release(c, e);
    }
    json_decref(orders);
    mpath_free(m);
    return rc < 0 ? -1 : 0;
}

/* The last hour from the rollups (5-minute resolution) where series has
 * nulls; a new series when it is NULL. Best effort: no error. */
static json_t *
series_from_history(struct db *db, json_t *series, time_t now)
{
    struct werr e = {0};
    static const char *const names[] = {"sessions", "rx_bps", "tx_bps"};
    long long end = (long long)now / 60;
    char a[24];
    struct rollup_row *r;
    size_t n = 0;

    if (!series) {
        series = json_pack("{s:[], s:[], s:[], s:I}", "sessions", "rx_bps", "tx_bps", "end_minute",
                           (json_int_t)end);
        for (int k = 0; k < 3; k++)
            for (int i = 0; i < 60; i++)
                json_array_append_new(json_object_get(series, names[k]), json_null());
    }
    snprintf(a, sizeof a, "%lld", (end - 59) * 60);
    db_fetchv(db, &e, &rollup_sum_map, &r, &n,
              "SELECT extract(epoch FROM bucket)::bigint AS bucket,"
              " sum(sessions_sum / samples) AS sessions, sum(rx_bps_sum / samples) AS rx_bps,"
              " sum(tx_bps_sum / samples) AS tx_bps FROM metric_rollups"
              " WHERE bucket > to_timestamp($1) - interval '5 minutes' GROUP BY bucket",
              1, a);
    for (size_t i = 0; i < n; i++) {
        long long b0 = r[i].bucket / 60;
        const int64_t v[3] = {r[i].sessions, r[i].rx_bps, r[i].tx_bps};

        for (long long t = b0; t < b0 + 5; t++) {
            size_t at = (size_t)(t - (end - 59));

            if (t < end - 59 || t > end)
                continue;
            for (int k = 0; k < 3; k++) {
                json_t *arr = json_object_get(series, names[k]);

                if (json_is_null(json_array_get(arr, at)))
                    json_array_set_new(arr, at, json_integer(v[k]));
            }
        }
    }
    db_rows_free(&rollup_sum_map, r, n);
    return series;
}

/* Today's hourly sales from PostgreSQL, as mpath_hours has them: summed by
 * quarter hour (every time zone's offset is whole quarters), each quarter
 * put in its local hour. The history is best effort: no error. */
static json_t *
hours_from_db(struct db *db, time_t now)
{
    json_t *out = json_pack("{s:[], s:[]}", "sold", "revenue");
    long long sold[24] = {0}, rev[24] = {0};
    time_t day0 = local_midnight(now);
    struct werr e = {0};
    char a[24];
    struct quarter_row {
        int64_t at, sold, cents;
    } * r;
    static const struct db_field fields[] = {
        DB_COL(struct quarter_row, at, DB_I64),
        DB_COL(struct quarter_row, sold, DB_I64),
        DB_COL(struct quarter_row, cents, DB_I64),
    };
    static const struct db_map map = DB_MAP(struct quarter_row, fields);
    size_t n = 0;

    snprintf(a, sizeof a, "%lld", (long long)day0);
    db_fetchv(db, &e, &map, &r, &n,
              "SELECT floor(extract(epoch FROM at) / 900)::bigint * 900 AS at,"
              " sum(n)::bigint AS sold, round(sum(cash) * 100)::bigint AS cents FROM ("
              "  SELECT sold_at AS at, 1 AS n, coalesce(price, 0) AS cash FROM vouchers"
              "  UNION ALL SELECT completed_at, 0, coalesce(amount, 0) FROM orders"
              "   WHERE provider IS NOT NULL AND status = 'completed') s" /* top-ups */
              " WHERE at >= to_timestamp($1::bigint)"
              "   AND at < to_timestamp($1::bigint) + interval '25 hours' GROUP BY 1",
              1, a);
    for (size_t i = 0; i < n; i++) {
        time_t q = (time_t)r[i].at;
        struct tm tm;

        if (local_midnight(q) != day0)
            continue; /* tomorrow already */
        localtime_r(&q, &tm);
        sold[tm.tm_hour] += r[i].sold;
        rev[tm.tm_hour] += r[i].cents;
    }
    db_rows_free(&map, r, n);
    for (int h = 0; h < 24; h++) {
        json_array_append_new(json_object_get(out, "sold"), json_integer(sold[h]));
        json_array_append_new(json_object_get(out, "revenue"), json_integer(rev[h]));
    }
    return out;
}

json_t *
metrics_live(const struct config *cfg, struct db *db, struct werr *e)
{
    struct werr re = {0};
    time_t now = time(NULL);
    redisContext *c;
    json_t *m = NULL, *series = NULL, *hours = NULL, *v;
    char at[40];
    struct tm tm;

    int iv = cfg->worker_interval;
    long long swept =
        events_acquire(cfg, false, &c, &re) > 0 ? mpath_swept(c, cfg->redis_prefix, &re) : 0;

    /* Redis holds all of today, and a worker fed it lately: else its
     * figures have stopped, and PostgreSQL's are the better ones. */
    if (swept > 0 && now - swept <= 3 * (long long)(iv > 0 ? iv : 1) + 5 &&
        (m = mpath_read(c, cfg->redis_prefix, now, iv / 60 + 2, &re)) != NULL) {
        series = mpath_series(c, cfg->redis_prefix, now, 60, iv / 60 + 1, &re);
        hours = mpath_hours(c, cfg->redis_prefix, now, &re);
    }
    if (c)
        events_release(c, &re);
    if (m) { /* the routers themselves are PostgreSQL's */
        json_t *per = json_object_get(m, "per_router"), *names;
        const char *k;

        if (!(v = pairs(db, "SELECT state, count(*) FROM routers GROUP BY state", NULL, e)))
            goto fail;
        json_object_set_new(m, "routers", v);
        if (!(names = pairs(db, "SELECT name, 0 FROM routers", NULL, e)))
            goto fail;
        json_object_foreach(names, k, v) if (!json_object_get(per, k)) json_object_set(per, k, v);
        json_decref(names);
        localtime_r(&now, &tm);
        strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S%z", &tm);
        json_object_set_new(m, "at", json_string(at));
    } else {
        if (!(m = metrics_now(db, e)))
            goto fail;
        json_object_set_new(m, "source", json_string("postgresql"));
    }
    json_object_set_new(m, "last_hour", series_from_history(db, series, now));
    json_object_set_new(m, "today_hours", hours ? hours : hours_from_db(db, now));
    return m;
fail:
    json_decref(m);
    json_decref(series);
    json_decref(hours);
    return NULL;
}

/* --- for the worker --- */

int
metrics_sample_router(struct db *db, int router_id, long long sessions, long long rx_bps,
                      long long tx_bps, long long bytes_in, long long bytes_out, struct werr *e)
{
    char id[16], n[24], rx[24], tx[24], bi[24], bo[24];

    snprintf(id, sizeof id, "%d", router_id);
    snprintf(n, sizeof n, "%lld", sessions);
    snprintf(rx, sizeof rx, "%lld", rx_bps);
    snprintf(tx, sizeof tx, "%lld", tx_bps);
    snprintf(bi, sizeof bi, "%lld", bytes_in);
    snprintf(bo, sizeof bo, "%lld", bytes_out);
    return db_execv(
        db, e,
        "INSERT INTO metric_rollups AS m (bucket, router_id, samples, sessions_sum, sessions_max,"
        "  rx_bps_sum, tx_bps_sum, bytes_in, bytes_out, last_at)"
        " VALUES (date_bin('5 minutes', now(), timestamptz 'epoch'), $1::int, 1, $2::bigint,"
        "  $2::int, $3::bigint, $4::bigint, $5::bigint, $6::bigint, now())"
        " ON CONFLICT (bucket, router_id) DO UPDATE SET samples = m.samples + 1,"
        "  sessions_sum = m.sessions_sum + EXCLUDED.sessions_sum,"
        "  sessions_max = greatest(m.sessions_max, EXCLUDED.sessions_max),"
        "  rx_bps_sum = m.rx_bps_sum + EXCLUDED.rx_bps_sum,"
        "  tx_bps_sum = m.tx_bps_sum + EXCLUDED.tx_bps_sum,"
        "  bytes_in = m.bytes_in + EXCLUDED.bytes_in, bytes_out = m.bytes_out + EXCLUDED.bytes_out,"
        "  last_at = EXCLUDED.last_at WHERE m.last_at < EXCLUDED.last_at",
        6, id, n, rx, tx, bi, bo);
}

int
metrics_prune_history(struct db *db, struct werr *e)
{
    return db_execv(db, e, "DELETE FROM metric_rollups WHERE bucket < now() - interval '400 days'",
                    0);
}
