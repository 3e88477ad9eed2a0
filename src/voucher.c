/*
 * voucher.c - voucher batches and the voucher life cycle.
 *
 * Every write is one call of a database function (migration 006:
 * wisp_batch_create, wisp_voucher_sell, ...) that checks the caller's group
 * and the transition and writes the audit row itself, so wisp and psql take
 * the same path. Creating a batch passes all its codes (and passwords) as
 * two text[] parameters to wisp_batch_create, which inserts them with one
 * INSERT ... SELECT unnest (within 3x of COPY: `make bench`). Codes are drawn
 * from the kernel's CSPRNG (codegen.c); duplicates inside the batch are
 * redrawn with a hash set, and codes that already exist are found with one
 * indexed lookup and redrawn first. If another batch takes one of our codes
 * in the meantime, the unique index makes the call fail; we roll back to a
 * savepoint and draw again, so concurrent batches never share a code.
 *
 * Passwords of userpass vouchers are not readable by viewers and operators
 * (column privileges): reads show them only in code mode, where password =
 * code; printing and `voucher show --reveal` get them from the audited
 * wisp_voucher_reveal.
 *
 * This is the one file with SQL for vouchers and batches. The reads that
 * join a voucher's plan and its batch's router (voucher_get, the cards of a
 * sheet) live here with the vouchers they return; voucher_cards hands a sheet
 * complete cards, so printing is one call down and one across to sheet.c.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/codegen.h"
#include "wisp/i18n.h"
#include "wisp/plan.h"
#include "wisp/qr.h"
#include "wisp/quote.h"
#include "wisp/router.h"
#include "wisp/util.h"
#include "wisp/voucher.h"

#define INSERT_RETRIES 5

static const char *const statuses[] = {"new", "sold", "active", "expired", "disabled", NULL};

int
voucher_check_spec(const struct voucher_spec *s, struct werr *e)
{
    char *cs;
    size_t plen = s->prefix ? strlen(s->prefix) : 0;
    int rc;

    if (s->count < 1 || s->count > VOUCHER_MAX_BATCH)
        return werr_set(e, WISP_EUSAGE, _("--count must be 1..%d, got %" PRId64), VOUCHER_MAX_BATCH,
                        s->count);
    if (plen > 16 || (s->prefix && strspn(s->prefix, SAFE_CHARS) != plen)) {
        char q[100];

        return werr_set(e, WISP_EUSAGE,
                        _("bad --prefix \"%s\": at most 16 letters, digits, - _ or ."),
                        str_quote(s->prefix, 40, q, sizeof q));
    }
    if (s->note && text_check("--note", s->note, VOUCHER_NOTE_MAX, e) < 0)
        return -1;
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

/* The batch's codes (or passwords) as a PostgreSQL array literal. */
static char *
draw_array(const struct draw *d, bool passwords)
{
    struct sbuf arr = {0};

    sb_addc(&arr, '{');
    for (int64_t i = 0; i < d->count; i++) {
        if (i)
            sb_addc(&arr, ',');
        array_elem(&arr, (passwords ? d->passwords : d->codes) + (size_t)i * d->stride);
    }
    sb_addc(&arr, '}');
    return sb_steal(&arr);
}

/* A code some voucher already has. */
struct taken_row {
    char *code;
};
static const struct db_field taken_fields[] = {DB_COL(struct taken_row, code, DB_STR)};
static const struct db_map taken_map = DB_MAP(struct taken_row, taken_fields);

/* Redraw every code of the batch that some voucher already has. Loops until
 * none collides (the space check makes more than one round rare). */
static int
redraw_existing(struct db *db, struct draw *d, struct werr *e)
{
    for (int round = 0; round < 20; round++) {
        char *arr = draw_array(d, false);
        struct taken_row *taken;
        size_t hits;
        int rc;

        rc = db_fetchv(db, e, &taken_map, &taken, &hits,
                       "SELECT v.code FROM vouchers v WHERE v.code = ANY($1::text[])", 1, arr);
        free(arr);
        if (rc < 0)
            return -1;
        for (size_t h = 0; h < hits && rc == 0; h++)
            for (int64_t i = 0; i < d->count; i++)
                if (strcmp(code_at(d, i), taken[h].code) == 0) {
                    /* the set points at this slot: take it out before redrawing */
                    codeset_del(&d->set, code_at(d, i));
                    rc = draw_code(d, i, e);
                    break;
                }
        db_rows_free(&taken_map, taken, hits);
        if (rc < 0)
            return -1;
        if (hits == 0)
            return 0;
    }
    return werr_set(
        e, WISP_ERUNTIME,
        _("could not find unused codes: the code space is nearly full, raise --length"));
}

/* Call wisp_batch_create. Returns 0, -1 on error, or 1 when a code was taken
 * by a concurrent batch (the caller rolls back to its savepoint and retries). */
static int
insert_batch(struct db *db, struct draw *d, const struct voucher_spec *s, int64_t *bid,
             struct werr *e)
{
    char length[16];
    char *codes = draw_array(d, false), *pws = d->passwords ? draw_array(d, true) : NULL;
    int rc;

    snprintf(length, sizeof length, "%d", d->length);
    rc = db_i64v(db, e, bid,
                 "SELECT wisp_batch_create($1, $2, $3::integer, $4, $5, $6, $7, $8::text[],"
                 " $9::text[])",
                 9, s->plan, s->userpass ? "userpass" : "code", length, d->charset, d->prefix,
                 s->router, s->note, codes, pws);
    free(codes);
    free(pws);
    if (rc < 0 && strcmp(db->sqlstate, "23505") == 0) { /* unique_violation: a code was taken */
        werr_clear(e);
        return 1;
    }
    return rc < 0 ? -1 : 0;
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

/* A batch for a router must exist there, and an openNDS router's voucher
 * theme takes only 9-character codes of letters, digits and '-'. */
static int
check_router(struct db *db, const struct voucher_spec *s, const struct draw *d, struct werr *e)
{
    char driver[16];
    bool nds;
    size_t plen = strlen(d->prefix);
    int found;

    if (!s->router)
        return 0;
    if ((found = router_driver(db, s->router, driver, sizeof driver, e)) < 0)
        return -1;
    if (found == 0)
        return werr_set(e, WISP_ERUNTIME, _("no router named \"%s\" (see `wisp router list`)"),
                        s->router);
    nds = str_eq(driver, "opennds");
    if (!nds)
        return 0;
    if (s->userpass || plen + (size_t)s->length != 9 ||
        strspn(d->charset, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
            strlen(d->charset) ||
        strspn(d->prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") !=
            plen)
        return werr_set(
            e, WISP_EUSAGE,
            _("router %s runs openNDS, whose voucher theme takes only 9-character codes "
              "of letters, digits and -: use --mode code and --length %d%s"),
            s->router, plen < 9 ? 9 - (int)plen : 9, plen ? " (prefix included in the 9)" : "");
    return 0;
}

/* What voucher_create's transaction needs. */
struct create_arg {
    const struct voucher_spec *s;
    struct draw *d;
    int64_t bid;
};

/* The body of voucher_create's transaction: check the router, then insert,
 * drawing again when a concurrent batch took one of the codes. */
static int
create_body(struct db *db, void *arg, struct werr *e)
{
    struct create_arg *a = arg;
    int rc = 1;

    if (check_router(db, a->s, a->d, e) < 0)
        return -1;
    for (int attempt = 0; rc == 1 && attempt < INSERT_RETRIES; attempt++) {
        if (redraw_existing(db, a->d, e) < 0 || db_execv(db, e, "SAVEPOINT new_batch", 0) < 0)
            return -1;
        rc = insert_batch(db, a->d, a->s, &a->bid, e);
        if (rc < 0)
            return -1;
        if (rc == 1 && db_execv(db, e, "ROLLBACK TO SAVEPOINT new_batch", 0) < 0)
            return -1;
    }
    if (rc == 1)
        return werr_set(e, WISP_ERUNTIME,
                        _("codes kept colliding with concurrent batches; try again"));
    return 0;
}

int
voucher_create(struct db *db, const struct voucher_spec *s, int64_t *batch_id, struct werr *e)
{
    struct draw d;
    struct create_arg a = {.s = s, .d = &d};

    if (voucher_check_spec(s, e) < 0)
        return -1;
    if (draw_init(&d, s, e) < 0 || db_tx(db, e, create_body, &a) < 0) {
        draw_free(&d);
        return -1;
    }
    if (s->progress)
        s->progress(d.count, d.count, s->progress_arg);
    *batch_id = a.bid;
    draw_free(&d);
    return 0;
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
    json_t *rows, *row;
    size_t i;

    if (f->status && !valid_status(f->status))
        return werr_set(e, WISP_EUSAGE,
                        _("bad --status \"%s\": expected new, sold, active, expired or disabled"),
                        f->status);
    snprintf(batch, sizeof batch, "%" PRId64, f->batch);
    snprintf(limit, sizeof limit, "%" PRId64, f->limit);
    rows = db_json_rowsv(
        db, e,
        "SELECT v.code, CASE WHEN b.mode = 'code' THEN v.code END AS password,"
        " p.name AS plan, coalesce(v.price, p.price) AS price,"
        " v.status, v.batch_id, v.created_at, v.sold_at, v.first_used_at, v.expires_at"
        " FROM vouchers v JOIN plans p ON p.id = v.plan_id"
        " JOIN batches b ON b.id = v.batch_id"
        " WHERE ($1 = 0 OR v.batch_id = $1) AND ($2::text IS NULL OR v.status = $2)"
        "   AND ($3::text IS NULL OR p.name = $3)"
        " ORDER BY v.batch_id, v.serial LIMIT nullif($4::bigint, 0)",
        4, batch, f->status, f->plan, limit);
    if (rows == NULL)
        return -1;
    json_array_foreach(rows, i, row) fn(row, arg);
    json_decref(rows);
    return 0;
}

json_t *
voucher_window(struct db *db, int64_t batch, int64_t first, int count, struct werr *e)
{
    char b[24], lo[24], hi[24];

    snprintf(b, sizeof b, "%lld", (long long)batch);
    snprintf(lo, sizeof lo, "%lld", (long long)first);
    snprintf(hi, sizeof hi, "%lld", (long long)(first + count - 1));
    /* serials are dense 1..count within a batch: an index range scan however large the batch */
    return db_json_rowsv(
        db, e,
        "SELECT v.serial, v.code, (SELECT CASE WHEN b.mode = 'code' THEN v.code END"
        "  FROM batches b WHERE b.id = v.batch_id) AS password, p.name AS plan, v.status,"
        " coalesce(v.price, p.price) AS price, v.sold_by,"
        " v.sold_at, v.first_used_at, v.expires_at FROM vouchers v JOIN plans p ON p.id = v.plan_id"
        " WHERE v.batch_id = $1 AND v.serial BETWEEN $2 AND $3 ORDER BY v.serial",
        3, b, lo, hi);
}

json_t *
voucher_get(struct db *db, const char *code, struct werr *e)
{
    json_t *j;

    werr_clear(e); /* no row leaves e clear */
    j = db_json_firstv(
        db, e,
        "SELECT v.code, CASE WHEN b.mode = 'code' THEN v.code END AS password, b.mode,"
        " p.name AS plan, coalesce(v.price, p.price) AS price,"
        " v.status, v.batch_id, v.serial, p.duration_s, p.data_bytes, p.rate_limit, p.validity_s,"
        " v.created_at, v.sold_at, v.sold_by, v.first_used_at, v.expires_at, v.disabled_at,"
        " b.router, b.note, rt.driver AS router_driver, rt.login_url AS router_login_url"
        " FROM vouchers v JOIN plans p ON p.id = v.plan_id JOIN batches b ON b.id = v.batch_id"
        " LEFT JOIN routers rt ON rt.name = b.router"
        " WHERE v.code = $1",
        1, code);
    if (j == NULL && e->status == 0)
        werr_set(e, WISP_ERUNTIME, _("no voucher with code \"%s\""), code);
    return j;
}

int
voucher_extend(struct db *db, const char *code, int64_t secs, int64_t bytes, struct werr *e)
{
    char sec[24], b[24];

    snprintf(sec, sizeof sec, "%" PRId64, secs);
    snprintf(b, sizeof b, "%" PRId64, bytes);
    return db_execv(db, e, "SELECT wisp_voucher_extend($1, $2::bigint, $3::bigint)", 3, code, sec,
                    b);
}

int
voucher_reset(struct db *db, const char *code, struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_voucher_reset($1)", 1, code);
}

json_t *
voucher_sell(struct db *db, const char *code, struct werr *e)
{
    return db_json_firstv(db, e, "SELECT code, price, sold_by, sold_at FROM wisp_voucher_sell($1)",
                          1, code);
}

/* Shared by disable and enable: one function call by code or by batch. */
static int
set_disabled(struct db *db, const char *code, int64_t batch, bool disable, int64_t *n,
             struct werr *e)
{
    char bid[24];

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    return db_i64v(db, e, n,
                   disable ? "SELECT wisp_voucher_disable($1, nullif($2::bigint, 0))"
                           : "SELECT wisp_voucher_enable($1, nullif($2::bigint, 0))",
                   2, code, bid) < 0
               ? -1
               : 0;
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
    return db_json_rowsv(db, e,
                         "SELECT b.id, p.name AS plan, b.count, b.mode,"
                         " count(*) FILTER (WHERE v.status = 'new') AS new,"
                         " count(*) FILTER (WHERE v.status = 'sold') AS sold,"
                         " count(*) FILTER (WHERE v.status = 'active') AS active,"
                         " count(*) FILTER (WHERE v.status = 'expired') AS expired,"
                         " count(*) FILTER (WHERE v.status = 'disabled') AS disabled,"
                         " b.router, b.note, b.created_at, b.created_by, b.printed_at, b.printed_by"
                         " , p.title AS plan_title" /* the console shows it for the name */
                         " FROM batches b JOIN plans p ON p.id = b.plan_id"
                         " LEFT JOIN vouchers v ON v.batch_id = b.id"
                         " GROUP BY b.id, p.name, p.title ORDER BY b.id DESC",
                         0);
}

int
batch_delete(struct db *db, int64_t batch, struct werr *e)
{
    char bid[24];

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    return db_execv(db, e, "SELECT wisp_batch_delete($1::bigint)", 1, bid);
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

/* A voucher as its card needs it: the voucher, its plan, its batch's router. */
struct card_row {
    char *code, *password, *mode, *plan, *price;
    char *duration_s, *data_bytes, *rate_limit, *validity_s; /* as plan_describe takes them */
    int64_t batch_id;
    int serial;
    char *driver, *login_url; /* the batch's router, NULL when it has none */
};

static const struct db_field card_fields[] = {
    DB_COL(struct card_row, code, DB_STR),       DB_COL(struct card_row, password, DB_STR),
    DB_COL(struct card_row, mode, DB_STR),       DB_COL(struct card_row, plan, DB_STR),
    DB_COL(struct card_row, price, DB_STR),      DB_COL(struct card_row, duration_s, DB_STR),
    DB_COL(struct card_row, data_bytes, DB_STR), DB_COL(struct card_row, rate_limit, DB_STR),
    DB_COL(struct card_row, validity_s, DB_STR), DB_COL(struct card_row, batch_id, DB_I64),
    DB_COL(struct card_row, serial, DB_INT),     DB_COL(struct card_row, driver, DB_STR),
    DB_COL(struct card_row, login_url, DB_STR),
};
static const struct db_map card_map = DB_MAP(struct card_row, card_fields);

/* The card printed for row: the strings move from row to the card. */
static void
card_from_row(struct card_row *row, const char *login_url, struct sheet_card *c)
{
    c->code = row->code;
    c->password = str_eq(row->mode, "userpass") ? xstrdup(row->password) : NULL;
    c->plan = row->plan;
    c->price = row->price;
    c->validity = plan_describe(row->duration_s, row->data_bytes, row->rate_limit, row->validity_s);
    c->serial = xasprintf("%" PRId64 "-%04d", row->batch_id, row->serial);
    c->url = qr_login_url(router_login_template(row->driver, row->login_url) ?: login_url,
                          row->code, row->password);
    row->code = row->plan = row->price = NULL;
}

int
voucher_cards(struct db *db, const struct card_query *q, struct sheet_card **cards, size_t *n,
              struct werr *e)
{
    char bid[24], *arr = q->ncodes ? codes_array(q->codes, q->ncodes) : NULL;
    struct card_row *rows;
    size_t nr;
    int rc;

    *cards = NULL;
    *n = 0;
    snprintf(bid, sizeof bid, "%" PRId64, q->batch);
    rc = db_fetchv(db, e, &card_map, &rows, &nr,
                   "SELECT v.code, coalesce(rv.password, v.code) AS password, b.mode,"
                   " coalesce(p.title, p.name) AS plan, p.price, p.duration_s,"
                   " p.data_bytes, p.rate_limit, p.validity_s, v.batch_id, v.serial,"
                   " rt.driver, rt.login_url"
                   " FROM vouchers v JOIN plans p ON p.id = v.plan_id"
                   " JOIN batches b ON b.id = v.batch_id LEFT JOIN routers rt ON rt.name = b.router"
                   /* userpass passwords: the audited reveal, as printing needs them */
                   " LEFT JOIN wisp_voucher_reveal($1::bigint, $2::text[], 'print') rv"
                   "   ON rv.code = v.code"
                   " WHERE ($2::text[] IS NULL AND v.batch_id = $1)"
                   "    OR v.code = ANY($2::text[])"
                   " ORDER BY v.batch_id, v.serial",
                   2, bid, arr);
    free(arr);
    if (rc < 0)
        return -1;
    if (nr == 0) {
        if (q->ncodes)
            return werr_set(e, WISP_ERUNTIME, _("no voucher with code \"%s\""), q->codes[0]);
        return werr_set(e, WISP_ERUNTIME, _("no batch %" PRId64 " (see `wisp batch list`)"),
                        q->batch);
    }
    if (q->ncodes && nr < (size_t)q->ncodes) {
        bool told = false;

        for (int i = 0; i < q->ncodes && !told; i++) {
            bool found = false;

            for (size_t j = 0; j < nr && !found; j++)
                found = str_eq(rows[j].code, q->codes[i]);
            if (!found) {
                werr_set(e, WISP_ERUNTIME, _("no voucher with code \"%s\""), q->codes[i]);
                told = true;
            }
            for (int k = 0; k < i && !told; k++) /* all there: one was named twice */
                if (str_eq(q->codes[k], q->codes[i])) {
                    werr_set(e, WISP_EUSAGE, _("voucher %s is named twice"), q->codes[i]);
                    told = true;
                }
        }
        db_rows_free(&card_map, rows, nr);
        return -1;
    }
    *cards = xcalloc(nr, sizeof **cards);
    for (size_t i = 0; i < nr; i++)
        card_from_row(&rows[i], q->login_url, &(*cards)[i]);
    db_rows_free(&card_map, rows, nr);
    *n = nr;
    return 0;
}

void
voucher_cards_free(struct sheet_card *cards, size_t n)
{
    for (size_t i = 0; cards && i < n; i++) {
        struct sheet_card *c = &cards[i];

        /* every string of a card was allocated for it by voucher_cards */
        free((char *)c->code);
        free((char *)c->password);
        free((char *)c->plan);
        free((char *)c->price);
        free((char *)c->validity);
        free((char *)c->serial);
        free((char *)c->url);
    }
    free(cards);
}

int
voucher_mark_printed(struct db *db, int64_t batch, const char *const *codes, int ncodes,
                     const char *format, struct werr *e)
{
    char bid[24], *arr = ncodes ? codes_array(codes, ncodes) : NULL;
    int rc;

    snprintf(bid, sizeof bid, "%" PRId64, batch);
    rc = db_execv(db, e, "SELECT wisp_voucher_printed($1::bigint, $2::text[], $3)", 3, bid, arr,
                  format);
    free(arr);
    return rc;
}

/* A password from wisp_voucher_reveal. */
struct password_row {
    char *password;
};
static const struct db_field password_fields[] = {DB_COL(struct password_row, password, DB_STR)};
static const struct db_map password_map = DB_MAP(struct password_row, password_fields);

int
voucher_reveal(struct db *db, const char *code, char *password, size_t n, struct werr *e)
{
    const char *const codes[1] = {code};
    char *arr = codes_array(codes, 1);
    struct password_row row;
    int found =
        db_fetch1v(db, e, &password_map, &row,
                   "SELECT password FROM wisp_voucher_reveal(NULL, $1::text[], 'show')", 1, arr);

    free(arr);
    if (found < 0)
        return -1;
    if (found == 0)
        return werr_set(e, WISP_ERUNTIME, _("voucher %s has no password apart from its code"),
                        code);
    snprintf(password, n, "%s", row.password ? row.password : "");
    if (row.password)
        explicit_bzero(row.password, strlen(row.password));
    db_row_free(&password_map, &row);
    return 0;
}

int
voucher_correct(struct db *db, const char *code, const char *price, const char *reason,
                struct werr *e)
{
    return db_execv(db, e, "SELECT wisp_sale_correct($1, $2::numeric, $3)", 3, code, price, reason);
}

int
voucher_strays(struct db *db, const char *const *names, size_t n, bool *stray, struct werr *e)
{
    struct sbuf arr = {0};
    struct stray_row {
        bool stray;
    } * rows;
    static const struct db_field fields[] = {DB_COL(struct stray_row, stray, DB_BOOL)};
    static const struct db_map map = DB_MAP(struct stray_row, fields);
    size_t nr;
    int rc;

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
    rc = db_fetchv(db, e, &map, &rows, &nr,
                   "SELECT NOT EXISTS (SELECT 1 FROM vouchers v WHERE v.code = u.name"
                   "   AND v.status <> 'expired') AS stray"
                   " FROM unnest($1::text[]) WITH ORDINALITY AS u (name, i) ORDER BY u.i",
                   1, arr.buf);
    sb_free(&arr);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < n && i < nr; i++)
        stray[i] = rows[i].stray;
    db_rows_free(&map, rows, nr);
    return 0;
}

/* --- for the worker --- */

/* The batches router $1 holds vouchers of: its own, unassigned stock, and
 * those of a router that is down and has $1 as its backup. Computed once,
 * so the vouchers are reached through their batches (vouchers_batch). */
#define PUSH_BATCHES                                                                               \
    "mine AS MATERIALIZED (SELECT b.id, b.router FROM batches b"                                   \
    "   WHERE b.router IS NULL OR b.router IN (SELECT name FROM routers WHERE id = $1"             \
    "     UNION ALL SELECT name FROM routers WHERE backup_id = $1"                                 \
    "       AND state IN ('down', 'hostkey-mismatch')))"

/* A voucher of those batches router $1 does not hold yet, or must update
 * (aliases v, vr: the voucher, its copy on $1, LEFT JOINed): no copy and
 * live, a copy pending, or failed and due for another try.
 * Rounds only ask when $1 has a push mark due: every change that can make a
 * voucher match must leave one (src/schema/011_push_marks.sql). */
#define PUSH_DUE                                                                                   \
    "((vr.state IS NULL AND v.status IN ('new', 'sold', 'active'))"                                \
    "   OR (vr.state = 'pending' AND v.status <> 'expired')"                                       \
    "   OR (vr.state = 'failed' AND v.status <> 'expired'"                                         \
    "       AND vr.updated_at < now() - make_interval(secs => 60 * least(vr.attempts, 30))))"

static const struct db_field push_fields[] = {
    DB_COL_AS(struct voucher_push, id, "id", DB_I64),
    DB_COL_AS(struct voucher_push, code, "code", DB_BUF),
    DB_COL_AS(struct voucher_push, password, "password", DB_BUF),
    DB_COL_AS(struct voucher_push, status, "status", DB_BUF),
    DB_COL_AS(struct voucher_push, profile, "profile", DB_BUF),
    DB_COL_AS(struct voucher_push, uptime_s, "uptime_s", DB_I64),
    DB_COL_AS(struct voucher_push, bytes, "bytes", DB_I64),
    DB_COL_AS(struct voucher_push, rate, "rate", DB_BUF),
    DB_COL_AS(struct voucher_push, shared_users, "shared_users", DB_INT),
    DB_COL_AS(struct voucher_push, mac, "mac", DB_BUF),
    DB_COL_AS(struct voucher_push, reset, "reset", DB_BOOL),
};
static const struct db_map push_map = DB_MAP(struct voucher_push, push_fields);

int
voucher_push_list(struct db *db, int router_id, int limit, struct voucher_push **rows, size_t *n,
                  struct werr *e)
{
    char ids[16], lim[16];

    snprintf(ids, sizeof ids, "%d", router_id);
    snprintf(lim, sizeof lim, "%d", limit);
    return db_fetchv(
        db, e, &push_map, rows, n,
        "WITH " PUSH_BATCHES
        " SELECT v.id, v.code, v.password, v.status, coalesce(p.profile, p.name) AS profile,"
        " coalesce(p.duration_s, 0) + v.extra_s AS uptime_s,"
        " coalesce(p.data_bytes, 0) + v.extra_bytes AS bytes, coalesce(p.rate_limit, '') AS rate,"
        " coalesce(p.shared_users, 0) AS shared_users, coalesce(v.mac, '') AS mac,"
        " coalesce(vr.reset, false) AS reset"
        " FROM mine b JOIN vouchers v ON v.batch_id = b.id JOIN plans p ON p.id = v.plan_id"
        " LEFT JOIN voucher_routers vr ON vr.voucher_id = v.id AND vr.router_id = $1::int"
        " WHERE " PUSH_DUE
        /* fair: changes to what the router holds first (a voucher disabled),
         * then the router's own batches, then unassigned stock */
        " ORDER BY (vr.state IS NULL), (b.router IS NULL), v.id LIMIT $2::int",
        2, ids, lim);
}

static const struct db_field code_fields[] = {
    DB_COL_AS(struct voucher_code, code, "code", DB_STR),
};
static const struct db_map code_map = DB_MAP(struct voucher_code, code_fields);

void
voucher_codes_free(struct voucher_code *rows, size_t n)
{
    db_rows_free(&code_map, rows, n);
}

int
voucher_push_record(struct db *db, int router_id, const struct voucher_push *rows, size_t n,
                    char *const *errs, const char ***gone, size_t *ngone, struct werr *e)
{
    int64_t *ids = xcalloc(n + 1, sizeof *ids);
    const char **codes = xcalloc(n + 1, sizeof *codes);
    char rid[16], *aid, *acode, *aerr;
    struct voucher_code *g = NULL;
    size_t ng = 0;
    int rc;

    *gone = NULL;
    *ngone = 0;
    for (size_t i = 0; i < n; i++) {
        ids[i] = rows[i].id;
        codes[i] = rows[i].code;
    }
    snprintf(rid, sizeof rid, "%d", router_id);
    aid = db_i64_array(ids, n);
    acode = db_text_array(codes, n);
    aerr = db_text_array((const char *const *)errs, n);
    rc = db_fetchv(
        db, e, &code_map, &g, &ng,
        "WITH c AS (SELECT * FROM unnest($2::bigint[], $3::text[], $4::text[]) AS u (vid, code, "
        "err)),"
        " w AS (INSERT INTO voucher_routers AS vr (voucher_id, router_id, state, error, attempts)"
        "   SELECT c.vid, $1::int, CASE WHEN c.err IS NULL THEN 'synced' ELSE 'failed' END, c.err, "
        "1"
        "   FROM c JOIN vouchers v ON v.id = c.vid"
        "   ON CONFLICT (router_id, voucher_id) DO UPDATE SET state = EXCLUDED.state,"
        "   error = EXCLUDED.error, reset = false, updated_at = now(),"
        "   attempts = CASE WHEN EXCLUDED.state = 'failed' THEN vr.attempts + 1 ELSE 0 END"
        "   RETURNING vr.voucher_id)"
        " SELECT c.code FROM c WHERE NOT EXISTS (SELECT FROM w WHERE w.voucher_id = c.vid)",
        4, rid, aid, acode, aerr);
    free(aid);
    free(acode);
    free(aerr);
    if (rc == 0 && ng > 0) { /* pointers into rows, which outlive the answer */
        *gone = xcalloc(ng, sizeof **gone);
        for (size_t k = 0; k < ng; k++)
            for (size_t i = 0; i < n; i++)
                if (str_eq(codes[i], g[k].code)) {
                    (*gone)[(*ngone)++] = rows[i].code;
                    break;
                }
    }
    voucher_codes_free(g, ng);
    free(ids);
    free(codes);
    return rc;
}

int
voucher_expired_on(struct db *db, int router_id, int limit, struct voucher_code **rows, size_t *n,
                   struct werr *e)
{
    char ids[16], lim[16];

    snprintf(ids, sizeof ids, "%d", router_id);
    snprintf(lim, sizeof lim, "%d", limit);
    return db_fetchv(db, e, &code_map, rows, n,
                     "SELECT v.code FROM voucher_routers vr JOIN vouchers v ON v.id = vr.voucher_id"
                     " WHERE vr.router_id = $1 AND vr.state <> 'removed' AND v.status = 'expired'"
                     " ORDER BY v.id LIMIT $2::int",
                     2, ids, lim);
}

int
voucher_removed_from(struct db *db, int router_id, const char *const *codes, size_t n,
                     struct werr *e)
{
    char ids[16], *arr = db_text_array(codes, n);
    int rc;

    snprintf(ids, sizeof ids, "%d", router_id);
    rc =
        db_execv(db, e,
                 "UPDATE voucher_routers vr SET state = 'removed', updated_at = now(), error = NULL"
                 " FROM vouchers v WHERE v.id = vr.voucher_id AND vr.router_id = $1"
                 " AND vr.state <> 'removed' AND v.code = ANY ($2::text[])",
                 2, ids, arr);
    free(arr);
    return rc;
}

int
voucher_resync(struct db *db, int router_id, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", router_id);
    return db_execv(db, e,
                    "UPDATE voucher_routers SET state = 'pending' WHERE router_id = $1"
                    " AND state IN ('synced', 'failed')",
                    1, ids);
}

static const struct db_field activated_fields[] = {
    DB_COL_AS(struct voucher_activated, code, "code", DB_BUF),
    DB_COL_AS(struct voucher_activated, expires_at, "expires_at", DB_BUF),
};
static const struct db_map activated_map = DB_MAP(struct voucher_activated, activated_fields);

int
voucher_activate_first(struct db *db, const char *const *codes, const int64_t *uptime_s,
                       const char *const *macs, size_t n, struct voucher_activated **rows,
                       size_t *nrows, struct werr *e)
{
    char *ac = db_text_array(codes, n), *au = db_i64_array(uptime_s, n),
         *am = db_text_array(macs, n);
    int rc;

    /* only vouchers still unused reach the function (MATERIALIZED: the
     * filter runs first), each once */
    rc = db_fetchv(db, e, &activated_map, rows, nrows,
                   "WITH first AS MATERIALIZED (SELECT DISTINCT ON (u.code) u.code, u.up, u.mac"
                   "   FROM unnest($1::text[], $2::bigint[], $3::text[]) AS u (code, up, mac)"
                   "   JOIN vouchers v ON v.code = u.code"
                   "   WHERE v.status IN ('new', 'sold') AND v.first_used_at IS NULL"
                   "   ORDER BY u.code, u.up DESC)"
                   " SELECT a.code, a.expires_at::text AS expires_at FROM first,"
                   " LATERAL wisp_voucher_activate(first.code, first.up, first.mac) a",
                   3, ac, au, am);
    free(ac);
    free(au);
    free(am);
    return rc;
}

int
voucher_expire_due(struct db *db, struct voucher_code **rows, size_t *n, struct werr *e)
{
    return db_fetchv(db, e, &code_map, rows, n, "SELECT code FROM wisp_voucher_expire()", 0);
}
