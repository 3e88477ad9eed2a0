/*
 * voucher.c - voucher batches and the voucher life cycle.
 *
 * Creating a batch is one transaction: the batch row, then every voucher
 * through COPY (the fastest way into PostgreSQL), then the audit row. Codes
 * are drawn from the kernel's CSPRNG (codegen.c); duplicates inside the batch
 * are redrawn with a hash set, and codes that already exist are found with
 * one indexed lookup and redrawn before the COPY. If another batch takes one
 * of our codes in the meantime, the unique index makes the COPY fail; we roll
 * back to a savepoint and draw again, so concurrent batches never share a code.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/audit.h"
#include "wisp/codegen.h"
#include "wisp/util.h"
#include "wisp/voucher.h"

#define COPY_RETRIES 5

static const char *const statuses[] = {"new", "sold", "active", "expired", "disabled", NULL};

int
voucher_check_spec(const struct voucher_spec *s, struct werr *e)
{
    char *cs;
    size_t plen = s->prefix ? strlen(s->prefix) : 0;
    int rc;

    if (s->count < 1 || s->count > VOUCHER_MAX_BATCH)
        return werr_set(e, WISP_EUSAGE, "--count must be 1..%d, got %" PRId64, VOUCHER_MAX_BATCH,
                        s->count);
    if (plen > 16 || (s->prefix && strspn(s->prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
                                                     "qrstuvwxyz0123456789-_") != plen))
        return werr_set(e, WISP_EUSAGE, "bad --prefix \"%s\": at most 16 letters, digits, - or _",
                        s->prefix);
    if ((cs = codegen_charset(s->charset ? s->charset : CODEGEN_DEFAULT_CHARSET, e)) == NULL)
        return -1;
    rc = codegen_check_space(strlen(cs), s->length, s->count, e);
    free(cs);
    return rc;
}

/* An open-addressing set of the codes drawn for this batch. */
struct codeset {
    char **slot;
    size_t cap;
};

static uint64_t
hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

/* Insert s; false when it was already there. */
static bool
codeset_add(struct codeset *set, char *s)
{
    size_t i = hash_str(s) & (set->cap - 1);

    while (set->slot[i]) {
        if (strcmp(set->slot[i], s) == 0)
            return false;
        i = (i + 1) & (set->cap - 1);
    }
    set->slot[i] = s;
    return true;
}

static void
codeset_del(struct codeset *set, const char *s)
{
    size_t i = hash_str(s) & (set->cap - 1), j;

    while (set->slot[i] && strcmp(set->slot[i], s) != 0)
        i = (i + 1) & (set->cap - 1);
    if (set->slot[i] == NULL)
        return;
    set->slot[i] = NULL;
    /* re-seat the run after the hole so lookups still find everything */
    for (j = (i + 1) & (set->cap - 1); set->slot[j]; j = (j + 1) & (set->cap - 1)) {
        char *moved = set->slot[j];

        set->slot[j] = NULL;
        codeset_add(set, moved);
    }
}

/* The codes of one batch being made. */
struct draw {
    struct rng rng;
    char *charset;
    const char *prefix;
    size_t plen;
    int length;
    int64_t count;
    char *codes;     /* count * stride bytes */
    char *passwords; /* NULL in code mode */
    size_t stride;
    struct codeset set;
};

static char *
code_at(struct draw *d, int64_t i)
{
    return d->codes + (size_t)i * d->stride;
}

/* Draw a fresh code for slot i, unique within the batch. */
static int
draw_code(struct draw *d, int64_t i, struct werr *e)
{
    char *c = code_at(d, i);

    memcpy(c, d->prefix, d->plen);
    do {
        if (codegen_random(&d->rng, d->charset, (size_t)d->length, c + d->plen, e) < 0)
            return -1;
    } while (!codeset_add(&d->set, c));
    return 0;
}

/* Quote s as an element of a PostgreSQL array literal. */
static void
array_elem(struct sbuf *sb, const char *s)
{
    sb_addc(sb, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            sb_addc(sb, '\\');
        sb_addc(sb, *s);
    }
    sb_addc(sb, '"');
}

/* Redraw every code of the batch that some voucher already has. Loops until
 * none collides (the space check makes more than one round rare). */
static int
redraw_existing(struct db *db, struct draw *d, struct werr *e)
{
    for (int round = 0; round < 20; round++) {
        struct sbuf arr = {0};
        const char *param;
        PGresult *r;
        int64_t hits;

        sb_addc(&arr, '{');
        for (int64_t i = 0; i < d->count; i++) {
            if (i)
                sb_addc(&arr, ',');
            array_elem(&arr, code_at(d, i));
        }
        sb_addc(&arr, '}');
        param = arr.buf;
        r = db_query(db, e, "SELECT v.code FROM vouchers v WHERE v.code = ANY($1::text[])", 1,
                     &param);
        sb_free(&arr);
        if (r == NULL)
            return -1;
        hits = PQntuples(r);
        for (int64_t h = 0; h < hits; h++) {
            const char *taken = PQgetvalue(r, (int)h, 0);

            for (int64_t i = 0; i < d->count; i++)
                if (strcmp(code_at(d, i), taken) == 0) {
                    /* the set points at this slot: take it out before redrawing */
                    codeset_del(&d->set, code_at(d, i));
                    if (draw_code(d, i, e) < 0) {
                        PQclear(r);
                        return -1;
                    }
                    break;
                }
        }
        PQclear(r);
        if (hits == 0)
            return 0;
    }
    return werr_set(e, WISP_ERUNTIME,
                    "could not find unused codes: the code space is nearly full, raise --length");
}

/* Append s to a COPY text row, escaping what COPY treats specially. */
static void
copy_field(struct sbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '\t' || *s == '\n' || *s == '\r')
            sb_addc(sb, '\\');
        sb_addc(sb, *s);
    }
}

/* COPY the vouchers in. Returns 0, -1 on error, or 1 when a code was taken
 * by a concurrent batch (the caller rolls back to its savepoint and retries). */
static int
copy_vouchers(struct db *db, struct draw *d, const char *batch_id, const char *plan_id,
              const struct voucher_spec *s, struct werr *e)
{
    PGresult *r;
    struct sbuf sb = {0};
    const char *state;
    int rc = 0;

    r = db_queryv(db, e, "COPY vouchers (code, password, batch_id, serial, plan_id) FROM STDIN", 0);
    if (r == NULL)
        return -1;
    PQclear(r);
    for (int64_t i = 0; i < d->count; i++) {
        const char *code = code_at(d, i);

        copy_field(&sb, code);
        sb_addc(&sb, '\t');
        copy_field(&sb, d->passwords ? d->passwords + (size_t)i * d->stride : code);
        sb_printf(&sb, "\t%s\t%" PRId64 "\t%s\n", batch_id, i + 1, plan_id);
        if (sb.len > 65536 || i == d->count - 1) {
            if (PQputCopyData(db->conn, sb.buf, (int)sb.len) != 1)
                break;
            sb_reset(&sb);
        }
        if (s->progress && ((i + 1) % 2000 == 0 || i == d->count - 1))
            s->progress(i + 1, d->count, s->progress_arg);
    }
    sb_free(&sb);
    PQputCopyEnd(db->conn, NULL);
    while ((r = PQgetResult(db->conn)) != NULL) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && rc == 0) {
            state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
            if (state && strcmp(state, "23505") == 0) {
                rc = 1;
            } else {
                werr_set(e, WISP_ERUNTIME, "writing vouchers: %s", db_result_message(r));
                rc = -1;
            }
        }
        PQclear(r);
    }
    return rc;
}

static void
draw_free(struct draw *d)
{
    free(d->charset);
    free(d->codes);
    free(d->passwords);
    free(d->set.slot);
}

static int
draw_init(struct draw *d, const struct voucher_spec *s, struct werr *e)
{
    memset(d, 0, sizeof *d);
    d->charset = codegen_charset(s->charset ? s->charset : CODEGEN_DEFAULT_CHARSET, e);
    if (d->charset == NULL)
        return -1;
    d->prefix = s->prefix ? s->prefix : "";
    d->plen = strlen(d->prefix);
    d->length = s->length;
    d->count = s->count;
    d->stride = d->plen + (size_t)s->length + 1;
    d->codes = xcalloc((size_t)s->count, d->stride);
    d->set.cap = 16;
    while (d->set.cap < (size_t)s->count * 2)
        d->set.cap *= 2;
    d->set.slot = xcalloc(d->set.cap, sizeof *d->set.slot);
    for (int64_t i = 0; i < s->count; i++)
        if (draw_code(d, i, e) < 0)
            return -1;
    if (s->userpass) {
        d->passwords = xcalloc((size_t)s->count, d->stride);
        for (int64_t i = 0; i < s->count; i++)
            if (codegen_random(&d->rng, d->charset, (size_t)s->length,
                               d->passwords + (size_t)i * d->stride, e) < 0)
                return -1;
    }
    return 0;
}

/* Look up an active plan's id. */
static int
active_plan(struct db *db, const char *plan, char *id, size_t n, struct werr *e)
{
    PGresult *r = db_queryv(db, e, "SELECT id, active FROM plans WHERE name = $1", 1, plan);

    if (r == NULL)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return werr_set(e, WISP_ERUNTIME, "no plan named \"%s\" (see `wisp plan list`)", plan);
    }
    if (PQgetvalue(r, 0, 1)[0] != 't') {
        PQclear(r);
        return werr_set(e, WISP_ERUNTIME, "plan \"%s\" is disabled (`wisp plan enable %s`)", plan,
                        plan);
    }
    snprintf(id, n, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

/* A batch for a router must exist there, and an openNDS router's voucher
 * theme takes only 9-character codes of letters, digits and '-'. */
static int
check_router(struct db *db, const struct voucher_spec *s, const struct draw *d, struct werr *e)
{
    PGresult *r;
    bool nds;
    size_t plen = strlen(d->prefix);

    if (!s->router)
        return 0;
    r = db_queryv(db, e, "SELECT driver FROM routers WHERE name = $1", 1, s->router);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return werr_set(e, WISP_ERUNTIME, "no router named \"%s\" (see `wisp router list`)",
                        s->router);
    }
    nds = str_eq(PQgetvalue(r, 0, 0), "opennds");
    PQclear(r);
    if (!nds)
        return 0;
    if (s->userpass || plen + (size_t)s->length != 9 ||
        strspn(d->charset, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
            strlen(d->charset) ||
        strspn(d->prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
            plen)
        return werr_set(e, WISP_EUSAGE,
                        "router %s runs openNDS, whose voucher theme takes only 9-character codes "
                        "of letters, digits and -: use --mode code and --length %d%s",
                        s->router, plen < 9 ? 9 - (int)plen : 9,
                        plen ? " (prefix included in the 9)" : "");
    return 0;
}

int
voucher_create(struct db *db, const struct voucher_spec *s, int64_t *batch_id, struct werr *e)
{
    char plan_id[24], count[24], length[16], bid[24];
    struct draw d;
    PGresult *r;
    int rc = 1;

    if (voucher_check_spec(s, e) < 0)
        return -1;
    if (draw_init(&d, s, e) < 0)
        goto out;
    snprintf(count, sizeof count, "%" PRId64, s->count);
    snprintf(length, sizeof length, "%d", s->length);
    if (db_begin(db, e) < 0)
        goto out;
    if (active_plan(db, s->plan, plan_id, sizeof plan_id, e) < 0 || check_router(db, s, &d, e) < 0)
        goto fail;
    r = db_queryv(
        db, e,
        "INSERT INTO batches (plan_id, count, mode, length, charset, prefix, router, note)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        8, plan_id, count, s->userpass ? "userpass" : "code", length, d.charset, d.prefix,
        s->router, s->note);
    if (r == NULL)
        goto fail;
    snprintf(bid, sizeof bid, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    for (int attempt = 0; rc == 1 && attempt < COPY_RETRIES; attempt++) {
        if (redraw_existing(db, &d, e) < 0 || db_execv(db, e, "SAVEPOINT copy_vouchers", 0) < 0)
            goto fail;
        rc = copy_vouchers(db, &d, bid, plan_id, s, e);
        if (rc < 0)
            goto fail;
        if (rc == 1 && db_execv(db, e, "ROLLBACK TO SAVEPOINT copy_vouchers", 0) < 0)
            goto fail;
    }
    if (rc == 1) {
        werr_set(e, WISP_ERUNTIME, "codes kept colliding with concurrent batches; try again");
        goto fail;
    }
    if (audit_log(db, "voucher.create",
                  json_pack("{s:I, s:s, s:I, s:s}", "batch_id", (json_int_t)strtoll(bid, NULL, 10),
                            "plan", s->plan, "count", (json_int_t)s->count, "mode",
                            s->userpass ? "userpass" : "code"),
                  e) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    *batch_id = strtoll(bid, NULL, 10);
    draw_free(&d);
    return 0;
fail:
    db_rollback(db);
out:
    draw_free(&d);
    return -1;
}

static bool
valid_status(const char *s)
{
    for (int i = 0; statuses[i]; i++)
        if (strcmp(statuses[i], s) == 0)
            return true;
    return false;
}

int
voucher_list(struct db *db, const struct voucher_filter *f, void (*fn)(json_t *row, void *arg),
             void *arg, struct werr *e)
{
    char batch[24], limit[24];
    PGresult *r;

    if (f->status && !valid_status(f->status))
        return werr_set(e, WISP_EUSAGE,
                        "bad --status \"%s\": expected new, sold, active, expired or disabled",
                        f->status);
    snprintf(batch, sizeof batch, "%" PRId64, f->batch);
    snprintf(limit, sizeof limit, "%" PRId64, f->limit);
    r = db_queryv(db, e,
                  "SELECT v.code, v.password, p.name AS plan, coalesce(v.price, p.price) AS price,"
                  " v.status, v.batch_id, v.created_at, v.sold_at, v.first_used_at, v.expires_at"
                  " FROM vouchers v JOIN plans p ON p.id = v.plan_id"
                  " WHERE ($1 = 0 OR v.batch_id = $1) AND ($2::text IS NULL OR v.status = $2)"
                  "   AND ($3::text IS NULL OR p.name = $3)"
                  " ORDER BY v.batch_id, v.serial LIMIT nullif($4::bigint, 0)",
                  4, batch, f->status, f->plan, limit);
    if (r == NULL)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *row = db_row_json(r, i);

        fn(row, arg);
        json_decref(row);
    }
    PQclear(r);
    return 0;
}

json_t *
voucher_get(struct db *db, const char *code, struct werr *e)
{
    PGresult *r = db_queryv(
        db, e,
        "SELECT v.code, v.password, b.mode, p.name AS plan, coalesce(v.price, p.price) AS price,"
        " v.status, v.batch_id, v.serial, p.duration_s, p.data_bytes, p.rate_limit, p.validity_s,"
        " v.created_at, v.sold_at, v.sold_by, v.first_used_at, v.expires_at, v.disabled_at,"
        " b.router, b.note, rt.driver AS router_driver, rt.login_url AS router_login_url"
        " FROM vouchers v JOIN plans p ON p.id = v.plan_id JOIN batches b ON b.id = v.batch_id"
        " LEFT JOIN routers rt ON rt.name = b.router"
        " WHERE v.code = $1",
        1, code);
    json_t *j;

    if (r == NULL)
        return NULL;
    if (PQntuples(r) == 0) {
        PQclear(r);
        werr_set(e, WISP_ERUNTIME, "no voucher with code \"%s\"", code);
        return NULL;
    }
    j = db_row_json(r, 0);
    PQclear(r);
    return j;
}

/* After an UPDATE matched nothing: say why (absent, or in the wrong status). */
static int
explain_refusal(struct db *db, const char *code, const char *verb, const char *need, struct werr *e)
{
    PGresult *r = db_queryv(db, e, "SELECT status FROM vouchers WHERE code = $1", 1, code);

    if (r == NULL)
        return -1;
    if (PQntuples(r) == 0)
        werr_set(e, WISP_ERUNTIME, "no voucher with code \"%s\"", code);
    else
        werr_set(e, WISP_ERUNTIME, "voucher %s is %s: only %s vouchers can be %s", code,
                 PQgetvalue(r, 0, 0), need, verb);
    PQclear(r);
    return -1;
}

int
voucher_extend(struct db *db, const char *code, int64_t secs, int64_t bytes, struct werr *e)
{
    char s[24], b[24];
    PGresult *r;
    int n;

    snprintf(s, sizeof s, "%" PRId64, secs);
    snprintf(b, sizeof b, "%" PRId64, bytes);
    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e,
                  "UPDATE vouchers SET extra_s = extra_s + $2::bigint,"
                  " extra_bytes = extra_bytes + $3::bigint,"
                  " expires_at = expires_at + make_interval(secs => $2::bigint)"
                  " WHERE code = $1 AND status IN ('new', 'sold', 'active') RETURNING code",
                  3, code, s, b);
    if (!r)
        goto fail;
    n = PQntuples(r);
    PQclear(r);
    if (n == 0) {
        explain_refusal(db, code, "extended", "new, sold or active", e);
        goto fail;
    }
    if (audit_log(db, "voucher.extend",
                  json_pack("{s:s, s:I, s:I}", "code", code, "seconds", (json_int_t)secs, "bytes",
                            (json_int_t)bytes),
                  e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

int
voucher_reset(struct db *db, const char *code, struct werr *e)
{
    PGresult *r;
    int n;

    if (db_begin(db, e) < 0)
        return -1;
    r = db_queryv(db, e,
                  "UPDATE vouchers v SET expires_at = CASE WHEN v.first_used_at IS NULL THEN NULL"
                  "   ELSE now() + make_interval(secs => coalesce(p.validity_s, p.duration_s, 0)"
                  "   + v.extra_s) END"
                  " FROM plans p WHERE p.id = v.plan_id AND v.code = $1"
                  "   AND v.status IN ('new', 'sold', 'active') RETURNING v.id",
                  1, code);
    if (!r)
        goto fail;
    n = PQntuples(r);
    if (n == 1 && db_execv(db, e,
                           "UPDATE voucher_routers SET state = 'pending', reset = true,"
                           " updated_at = now() WHERE voucher_id = $1 AND state <> 'removed'",
                           1, PQgetvalue(r, 0, 0)) < 0) {
        PQclear(r);
        goto fail;
    }
    PQclear(r);
    if (n == 0) {
        explain_refusal(db, code, "reset", "new, sold or active", e);
        goto fail;
    }
    if (audit_log(db, "voucher.reset", json_pack("{s:s}", "code", code), e) < 0)
        goto fail;
    return db_commit(db, e);
fail:
    db_rollback(db);
    return -1;
}

json_t *
voucher_sell(struct db *db, const char *code, struct werr *e)
{
    PGresult *r;
    json_t *row;

    if (db_begin(db, e) < 0)
        return NULL;
    r = db_queryv(db, e,
                  "UPDATE vouchers SET status = 'sold' WHERE code = $1 AND status = 'new'"
                  " RETURNING code, price, sold_by, sold_at",
                  1, code);
    if (r == NULL)
        goto fail;
    if (PQntuples(r) == 0) {
        PQclear(r);
        explain_refusal(db, code, "sold", "new", e);
        goto fail;
    }
    row = db_row_json(r, 0);
    PQclear(r);
    if (audit_log(db, "voucher.sell", json_deep_copy(row), e) < 0 || db_commit(db, e) < 0) {
        json_decref(row);
        goto fail;
    }
    return row;
fail:
    db_rollback(db);
    return NULL;
}

/* -1 with "no batch N" unless the batch exists; lock holds its row until commit. */
static int
batch_exists(struct db *db, int64_t batch, bool lock, struct werr *e)
{
    char bid[24];
    PGresult *r;
    int found;

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    r = db_queryv(db, e,
                  lock ? "SELECT 1 FROM batches WHERE id = $1 FOR UPDATE"
                       : "SELECT 1 FROM batches WHERE id = $1",
                  1, bid);
    if (r == NULL)
        return -1;
    found = PQntuples(r) > 0;
    PQclear(r);
    if (!found)
        return werr_set(e, WISP_ERUNTIME, "no batch %" PRId64 " (see `wisp batch list`)", batch);
    return 0;
}

/* Shared by disable and enable: one UPDATE by code or by batch, audited. */
static int
set_disabled(struct db *db, const char *code, int64_t batch, bool disable, int64_t *n,
             struct werr *e)
{
    static const char *enable_to =
        "CASE WHEN expires_at IS NOT NULL AND expires_at <= now() THEN 'expired'"
        " WHEN first_used_at IS NOT NULL THEN 'active'"
        " WHEN sold_at IS NOT NULL THEN 'sold' ELSE 'new' END";
    char bid[24], *sql;
    PGresult *r;

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    sql = xasprintf("UPDATE vouchers SET status = %s WHERE (code = $1 OR batch_id = $2::bigint)"
                    " AND status %s 'disabled'",
                    disable ? "'disabled'" : enable_to, disable ? "<>" : "=");
    if (db_begin(db, e) < 0) {
        free(sql);
        return -1;
    }
    r = db_queryv(db, e, sql, 2, code, bid);
    free(sql);
    if (r == NULL)
        goto fail;
    *n = strtoll(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    if (*n == 0 && code) {
        explain_refusal(db, code, disable ? "disabled" : "enabled",
                        disable ? "not yet disabled" : "disabled", e);
        goto fail;
    }
    if (*n == 0 && batch > 0) {
        if (batch_exists(db, batch, false, e) < 0)
            goto fail;
    }
    if (audit_log(
            db, disable ? "voucher.disable" : "voucher.enable",
            code ? json_pack("{s:s}", "code", code)
                 : json_pack("{s:I, s:I}", "batch_id", (json_int_t)batch, "count", (json_int_t)*n),
            e) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int
voucher_disable(struct db *db, const char *code, int64_t batch, int64_t *n, struct werr *e)
{
    return set_disabled(db, code, batch, true, n, e);
}

int
voucher_enable(struct db *db, const char *code, int64_t batch, int64_t *n, struct werr *e)
{
    return set_disabled(db, code, batch, false, n, e);
}

json_t *
batch_list(struct db *db, struct werr *e)
{
    PGresult *r =
        db_queryv(db, e,
                  "SELECT b.id, p.name AS plan, b.count, b.mode,"
                  " count(*) FILTER (WHERE v.status = 'new') AS new,"
                  " count(*) FILTER (WHERE v.status = 'sold') AS sold,"
                  " count(*) FILTER (WHERE v.status = 'active') AS active,"
                  " count(*) FILTER (WHERE v.status = 'expired') AS expired,"
                  " count(*) FILTER (WHERE v.status = 'disabled') AS disabled,"
                  " b.router, b.note, b.created_at, b.created_by, b.printed_at, b.printed_by"
                  " FROM batches b JOIN plans p ON p.id = b.plan_id"
                  " LEFT JOIN vouchers v ON v.batch_id = b.id"
                  " GROUP BY b.id, p.name ORDER BY b.id DESC",
                  0);

    return db_rows_json(r);
}

int
batch_delete(struct db *db, int64_t batch, struct werr *e)
{
    char bid[24];
    PGresult *r;
    int64_t used;

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    if (db_begin(db, e) < 0)
        return -1;
    if (batch_exists(db, batch, true, e) < 0)
        goto fail;
    r = db_queryv(db, e,
                  "SELECT count(*) FROM vouchers WHERE batch_id = $1"
                  " AND (sold_at IS NOT NULL OR first_used_at IS NOT NULL)",
                  1, bid);
    if (r == NULL)
        goto fail;
    used = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    if (used > 0) {
        werr_set(e, WISP_ERUNTIME,
                 "batch %" PRId64 " has %" PRId64 " sold or used vouchers and stays on the books: "
                 "disable it instead (`wisp voucher disable --batch %" PRId64 "`)",
                 batch, used, batch);
        goto fail;
    }
    if (db_execv(db, e, "DELETE FROM batches WHERE id = $1", 1, bid) < 0 ||
        audit_log(db, "batch.delete", json_pack("{s:I}", "batch_id", (json_int_t)batch), e) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

/* {"a","b"} as a PostgreSQL array literal. */
static char *
codes_array(const char *const *codes, int n)
{
    struct sbuf sb = {0};

    sb_addc(&sb, '{');
    for (int i = 0; i < n; i++) {
        if (i)
            sb_addc(&sb, ',');
        array_elem(&sb, codes[i]);
    }
    sb_addc(&sb, '}');
    return sb_steal(&sb);
}

PGresult *
voucher_print_rows(struct db *db, int64_t batch, const char *const *codes, int ncodes,
                   struct werr *e)
{
    char bid[24], *arr = ncodes ? codes_array(codes, ncodes) : NULL;
    PGresult *r;

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    r = db_queryv(db, e,
                  "SELECT v.code, v.password, b.mode, p.name AS plan, p.price, p.duration_s,"
                  " p.data_bytes, p.rate_limit, p.validity_s, v.batch_id, v.serial,"
                  " rt.driver, rt.login_url"
                  " FROM vouchers v JOIN plans p ON p.id = v.plan_id"
                  " JOIN batches b ON b.id = v.batch_id LEFT JOIN routers rt ON rt.name = b.router"
                  " WHERE ($2::text[] IS NULL AND v.batch_id = $1)"
                  "    OR v.code = ANY($2::text[])"
                  " ORDER BY v.batch_id, v.serial",
                  2, bid, arr);
    free(arr);
    if (r == NULL)
        return NULL;
    if (PQntuples(r) == 0) {
        PQclear(r);
        if (ncodes)
            werr_set(e, WISP_ERUNTIME, "no voucher with code \"%s\"", codes[0]);
        else
            werr_set(e, WISP_ERUNTIME, "no batch %" PRId64 " (see `wisp batch list`)", batch);
        return NULL;
    }
    if (ncodes && PQntuples(r) < ncodes) {
        for (int i = 0; i < ncodes; i++) {
            bool found = false;

            for (int j = 0; j < PQntuples(r) && !found; j++)
                found = strcmp(PQgetvalue(r, j, 0), codes[i]) == 0;
            if (!found) {
                werr_set(e, WISP_ERUNTIME, "no voucher with code \"%s\"", codes[i]);
                break;
            }
        }
        PQclear(r);
        return NULL;
    }
    return r;
}

int
voucher_mark_printed(struct db *db, int64_t batch, const char *const *codes, int ncodes,
                     const char *format, struct werr *e)
{
    char bid[24];
    json_t *details;

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    if (db_begin(db, e) < 0)
        return -1;
    if (ncodes == 0) {
        if (db_execv(db, e,
                     "UPDATE batches SET printed_at = now(), printed_by = session_user"
                     " WHERE id = $1",
                     1, bid) < 0)
            goto fail;
        details = json_pack("{s:I, s:s}", "batch_id", (json_int_t)batch, "format", format);
    } else {
        json_t *list = json_array();

        for (int i = 0; i < ncodes; i++)
            json_array_append_new(list, json_string(codes[i]));
        details = json_pack("{s:o, s:s}", "codes", list, "format", format);
    }
    if (audit_log(db, ncodes ? "voucher.reprint" : "batch.print", details, e) < 0 ||
        db_commit(db, e) < 0)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    return -1;
}

int
voucher_strays(struct db *db, const char *const *names, size_t n, bool *stray, struct werr *e)
{
    struct sbuf arr = {0};
    PGresult *r;

    sb_addc(&arr, '{');
    for (size_t i = 0; i < n; i++) {
        sb_add(&arr, i ? ",\"" : "\"");
        for (const char *p = names[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                sb_addc(&arr, '\\');
            sb_addc(&arr, *p);
        }
        sb_addc(&arr, '"');
    }
    sb_addc(&arr, '}');
    /* one row per name, in order: true when no live voucher has that code */
    r = db_queryv(db, e,
                  "SELECT NOT EXISTS (SELECT 1 FROM vouchers v WHERE v.code = u.name"
                  "   AND v.status <> 'expired')"
                  " FROM unnest($1::text[]) WITH ORDINALITY AS u (name, i) ORDER BY u.i",
                  1, arr.buf);
    sb_free(&arr);
    if (!r)
        return -1;
    for (size_t i = 0; i < n && i < (size_t)PQntuples(r); i++)
        stray[i] = PQgetvalue(r, (int)i, 0)[0] == 't';
    PQclear(r);
    return 0;
}
