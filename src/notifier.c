/*
 * notifier.c - the worker's notification thread and the messages' text
 * (see include/wisp/notifier.h).
 *
 * One pass: the daily summary when its hour has come, then up to a batch of
 * due messages, claimed with a lease (FOR UPDATE SKIP LOCKED: two workers
 * never send one message), each composed at send time - an order's PIN is
 * read then, through wisp_notify_code (audited), and is in no row - sent,
 * and its attempt recorded with the next try's delay from the shared retry
 * schedule (or none: sent, refused for good, or out of tries). Between
 * passes it waits on NOTIFY wisp_notify, so a customer's message leaves
 * the moment the order's transaction commits.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wisp/db.h"
#include "wisp/i18n.h"
#include "wisp/notifier.h"
#include "wisp/notify.h"
#include "wisp/qr.h"
#include "wisp/router.h"
#include "wisp/ssh.h" /* ssh_now_ms: the monotonic clock */
#include "wisp/webhook.h"

#define BATCH 16

struct notifier {
    const struct config *cfg;
    volatile sig_atomic_t *stop;
    atomic_bool quit;
    struct logger *log;
    struct msgcat *cat;
    pthread_t th;
    struct db db;
    bool db_up;
    char owner[64];    /* this worker, in its leases */
    time_t summary_at; /* the last time the summary was asked for */
};

/* --- the text ------------------------------------------------------------- */

/* fmt (a catalog's text) with each %s in turn replaced by args[i]; never
 * printf, so a damaged translation cannot read what is not there. */
static void
fill(struct sbuf *out, const char *fmt, const char *const *args, int nargs)
{
    int i = 0;

    for (const char *p = fmt; *p; p++) {
        if (p[0] == '%' && p[1] == 's') {
            sb_add(out, i < nargs && args[i] ? args[i] : "");
            i++;
            p++;
        } else {
            sb_addc(out, *p);
        }
    }
}

/* A payload value as text ("" when absent or null). */
static const char *
pval(const json_t *payload, const char *key, char *buf, size_t n)
{
    json_t *v = json_object_get(payload, key);

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v))
        snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, n, "%.2f", json_real_value(v));
    else
        snprintf(buf, n, "%s", json_is_true(v) ? "true" : json_is_false(v) ? "false" : "");
    return buf;
}

/* A rule's own text: {key} of the payload, {code}, {url}, {shop}. */
static void
own_template(struct sbuf *out, const char *tpl, const json_t *payload, const char *shop,
             const char *code, const char *url)
{
    const char *p = tpl;

    while (*p) {
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        char key[64], buf[64];

        if (!end || (size_t)(end - p - 1) >= sizeof key || end == p + 1) {
            sb_addc(out, *p++);
            continue;
        }
        memcpy(key, p + 1, (size_t)(end - p - 1));
        key[end - p - 1] = '\0';
        if (str_eq(key, "code"))
            sb_add(out, code ? code : "");
        else if (str_eq(key, "url"))
            sb_add(out, url ? url : "");
        else if (str_eq(key, "shop"))
            sb_add(out, shop);
        else if (json_object_get(payload, key))
            sb_add(out, pval(payload, key, buf, sizeof buf));
        else {
            sb_addc(out, *p++); /* not a placeholder: kept */
            continue;
        }
        p = end + 1;
    }
}

void
notifier_compose(const struct msgcat *cat, const char *shop, const char *kind,
                 const json_t *payload, const char *template, const char *code, const char *url,
                 struct sbuf *subject, struct sbuf *text)
{
    char b[4][64];
#define T(msgid)  msgcat_get(cat, msgid)
#define P(key, i) pval(payload, key, b[i], sizeof b[i])

    if (str_eq(kind, "order.completed")) {
        const char *a[] = {P("product", 0), code};

        fill(subject, T(N_("Your code from %s")), &shop, 1);
        fill(text, T(N_("Your code for %s: %s")), a, 2);
        if (url) {
            sb_addc(text, '\n');
            fill(text, T(N_("Log in: %s")), &url, 1);
        }
    } else if (str_eq(kind, "order.failed")) {
        const char *a[] = {P("order_id", 0), P("product", 1), P("customer", 2), P("error", 3)};

        fill(subject, T(N_("Order %s failed")), a, 1);
        fill(text, T(N_("Order %s (%s for %s) failed: %s")), a, 4);
    } else if (str_eq(kind, "router.down")) {
        const char *a[] = {P("router", 0), P("error", 1)};

        fill(subject, T(N_("Router %s is down")), a, 1);
        fill(text, T(N_("Router %s is down: %s")), a, 2);
    } else if (str_eq(kind, "router.up")) {
        const char *a[] = {P("router", 0)};

        fill(subject, T(N_("Router %s is back up")), a, 1);
        fill(text, T(N_("Router %s is back up")), a, 1);
    } else if (str_eq(kind, "stock.low")) {
        const char *a[] = {P("plan", 0), P("unsold", 1), P("low_stock", 2)};

        fill(subject, T(N_("Plan %s is running low")), a, 1);
        fill(text, T(N_("Plan %s is running low: %s vouchers left (alert below %s)")), a, 3);
    } else if (str_eq(kind, "voucher.sold")) {
        const char *a[] = {P("plan", 0), P("price", 1), P("sold_by", 2)};

        fill(subject, T(N_("Voucher sold: %s")), a, 1);
        fill(text, T(N_("Voucher sold: %s for %s by %s")), a, 3);
    } else if (str_eq(kind, "sales.daily")) {
        const char *a[] = {P("day", 0), P("vouchers", 1), P("total", 2), P("orders", 3)};

        fill(subject, T(N_("Sales on %s")), a, 1);
        fill(text, T(N_("Sales on %s: %s vouchers for %s, %s orders completed")), a, 4);
    } else { /* notify test */
        const char *a[] = {shop};

        fill(subject, T(N_("Test message from %s")), a, 1);
        fill(text, T(N_("Test message from %s: this channel works.")), a, 1);
    }
    if (template) { /* the rule's own words replace the text, not the subject */
        sb_reset(text);
        own_template(text, template, payload, shop, code, url);
    }
#undef T
#undef P
}

/* --- the thread ----------------------------------------------------------- */

struct claimed {
    int64_t id;
    char *kind, *recipient, *template, *channel, *channel_kind;
    json_t *payload, *channel_config;
    int64_t order_id;
    int attempts;
};

static const struct db_field claimed_fields[] = {
    DB_COL(struct claimed, id, DB_I64),           DB_COL(struct claimed, kind, DB_STR),
    DB_COL(struct claimed, recipient, DB_STR),    DB_COL(struct claimed, template, DB_STR),
    DB_COL(struct claimed, payload, DB_JSON),     DB_COL_NULL(struct claimed, order_id, DB_I64, 0),
    DB_COL(struct claimed, attempts, DB_INT),     DB_COL(struct claimed, channel, DB_STR),
    DB_COL(struct claimed, channel_kind, DB_STR), DB_COL(struct claimed, channel_config, DB_JSON),
};
static const struct db_map claimed_map = DB_MAP(struct claimed, claimed_fields);

struct order_code {
    char *pin, *password, *router_driver, *router_login_url;
    bool voucher;
};

static const struct db_field code_fields[] = {
    DB_COL(struct order_code, pin, DB_STR),
    DB_COL(struct order_code, password, DB_STR),
    DB_COL(struct order_code, router_driver, DB_STR),
    DB_COL(struct order_code, router_login_url, DB_STR),
    DB_COL(struct order_code, voucher, DB_BOOL),
};
static const struct db_map code_map = DB_MAP(struct order_code, code_fields);

static bool
stopped(struct notifier *n)
{
    return atomic_load(&n->quit) || (n->stop && *n->stop);
}

static void
wipe_code(struct order_code *c)
{
    if (c->pin)
        explicit_bzero(c->pin, strlen(c->pin));
    if (c->password)
        explicit_bzero(c->password, strlen(c->password));
    db_row_free(&code_map, c);
}

/* The attempt into the database: the next try in next_s seconds, or none
 * (next_s < 0). */
static void
record(struct notifier *n, const struct claimed *m, const struct notify_result *r, int next_s)
{
    struct werr e = {0};
    char id[24], st[16], ms[16], nx[16];
    int64_t held = 0;

    snprintf(id, sizeof id, "%" PRId64, m->id);
    snprintf(st, sizeof st, "%ld", r->status);
    snprintf(ms, sizeof ms, "%d", r->ms);
    snprintf(nx, sizeof nx, "%d", next_s);
    if (db_i64v(&n->db, &e, &held,
                "SELECT wisp_notify_record($1::bigint, $2, $3::boolean, $4::integer, $5::integer,"
                " $6, $7, $8::integer)::int",
                8, id, n->owner, r->ok ? "t" : "f", st, ms, r->error, r->reply,
                next_s >= 0 ? nx : NULL) < 0)
        log_msg(n->log, WLOG_ERR, "notify: message %" PRId64 ": recording: %s", m->id, e.msg);
    else if (!held)
        log_msg(n->log, WLOG_WARNING,
                "notify: message %" PRId64 ": its lease ran out before the attempt was recorded",
                m->id);
}

static void
deliver(struct notifier *n, const struct claimed *m)
{
    struct notify_channel ch;
    struct notify_result r = {0};
    struct order_code code = {0};
    struct sbuf subject = {0}, text = {0};
    struct werr e = {0};
    char *url = NULL;
    int next = -1;
    bool sent;

    if (notify_channel_parse(m->channel, m->channel_kind, m->channel_config, &ch, &e) < 0) {
        snprintf(r.error, sizeof r.error, "%s", e.msg);
        goto done;
    }
    ch.token_dir = n->cfg->notify_token_dir;
    if (str_eq(m->kind, "order.completed") && m->order_id > 0) {
        char oid[24], mid[24];
        int got;

        snprintf(oid, sizeof oid, "%" PRId64, m->order_id);
        snprintf(mid, sizeof mid, "%" PRId64, m->id);
        got = db_fetch1v(&n->db, &e, &code_map, &code,
                         "SELECT * FROM wisp_notify_code($1::bigint, $2::bigint)", 2, oid, mid);
        if (got <= 0) {
            snprintf(r.error, sizeof r.error, "%s",
                     got < 0 ? e.msg : "the order has no PIN to send");
            r.retry = got < 0;
            goto done;
        }
        if (code.voucher && ch.link)
            url = qr_login_url(router_login_template(code.router_driver, code.router_login_url)
                                   ?: n->cfg->login_url,
                               code.pin, code.password);
    }
    notifier_compose(n->cat, n->cfg->shop_name, m->kind, m->payload, m->template, code.pin, url,
                     &subject, &text);
    {
        /* what a provider echoing the request must not leave in the record */
        const char *hide[] = {text.buf, url, code.pin, code.password, NULL}; /* longest first */
        size_t k = 0;

        for (size_t i = 0; i < 4; i++) /* drop the NULLs: the list ends at the first */
            if (hide[i])
                hide[k++] = hide[i];
        hide[k] = NULL;
        sent = notify_send(&ch, m->recipient, subject.buf ? subject.buf : "",
                           text.buf ? text.buf : "", hide, &r, &e) == 0;
    }
    if (sent)
        log_msg(n->log, WLOG_INFO, "notify: message %" PRId64 " (%s) sent on %s in %d ms", m->id,
                m->kind, m->channel, r.ms);
    else
        log_msg(n->log, WLOG_WARNING, "notify: message %" PRId64 " (%s): %s", m->id, m->kind,
                r.error);
done:
    if (!r.ok && r.retry) { /* the webhooks' schedule and keys: one backoff for both */
        struct webhook_policy p;

        webhook_policy_from_config(n->cfg, &p);
        if (m->attempts + 1 < p.max_attempts)
            next = (int)((webhook_backoff_ms(p.backoff_s * 1000LL, p.backoff_max_s * 1000LL,
                                             m->attempts + 1) +
                          999) /
                         1000);
    }
    record(n, m, &r, next);
    notify_channel_free(&ch);
    wipe_code(&code);
    if (url) {
        explicit_bzero(url, strlen(url));
        free(url);
    }
    if (text.buf)
        explicit_bzero(text.buf, text.len);
    sb_free(&text);
    sb_free(&subject);
}

/* Retention: finished events, deliveries and messages older than
 * outbox.keep go, in batches of PRUNE_BATCH a table (short transactions),
 * at most PRUNE_ROUNDS batches a minute. */
#define PRUNE_BATCH  500
#define PRUNE_ROUNDS 20

static void
prune(struct notifier *n)
{
    char keep[16], batch[16];
    int64_t gone = PRUNE_BATCH;

    snprintf(keep, sizeof keep, "%d", n->cfg->outbox_keep);
    snprintf(batch, sizeof batch, "%d", PRUNE_BATCH);
    for (int i = 0; i < PRUNE_ROUNDS && gone >= PRUNE_BATCH && !stopped(n); i++) {
        struct werr e = {0};

        if (db_i64v(&n->db, &e, &gone, "SELECT wisp_outbox_prune($1::integer, $2::integer)", 2,
                    keep, batch) < 0) {
            log_msg(n->log, WLOG_ERR, "notify: pruning old events: %s", e.msg);
            return;
        }
    }
}

/* The daily summary: every whole day not summarised yet, once the hour
 * has come, in the shop's time zone (020's wisp_notify_daily decides,
 * once per day across restarts and workers). Asked once a minute. */
static int
summary(struct notifier *n)
{
    time_t now = time(NULL);
    struct werr e = {0};
    char hour[8];
    int64_t made = 0;

    if (now - n->summary_at < 60)
        return 0;
    snprintf(hour, sizeof hour, "%d", n->cfg->notify_summary_hour);
    if (db_i64v(&n->db, &e, &made, "SELECT wisp_notify_daily($1::integer)", 1, hour) < 0) {
        log_msg(n->log, WLOG_ERR, "notify: daily summary: %s", e.msg);
        return str_eq(n->db.sqlstate, "42501") ? -2 : -1;
    }
    n->summary_at = now;
    if (made > 0)
        log_msg(n->log, WLOG_INFO, "notify: daily summary of %" PRId64 " day(s) made", made);
    prune(n);
    return 0;
}

/* One pass: the number of messages claimed, -1 on a database error. */
static int
pass(struct notifier *n)
{
    struct claimed *rows = NULL;
    struct werr e = {0};
    size_t k = 0;
    char lim[8], lease[8];
    long long t0 = ssh_now_ms();

    if (summary(n) == -2)
        return -2;
    snprintf(lim, sizeof lim, "%d", BATCH);
    snprintf(lease, sizeof lease, "%d", NOTIFIER_LEASE_S);
    if (db_fetchv(&n->db, &e, &claimed_map, &rows, &k,
                  "SELECT * FROM wisp_notify_claim($1, $2::integer, $3::integer)", 3, n->owner, lim,
                  lease) < 0) {
        log_msg(n->log, WLOG_ERR, "notify: claiming messages: %s", e.msg);
        return str_eq(n->db.sqlstate, "42501") ? -2 : -1;
    }
    /* past NOTIFIER_SEND_BY_S, the rest are left to run out their lease and
     * be claimed again: a send begun then ends (timeout_s <= 120) before the
     * lease does, so no other worker sends it meanwhile */
    for (size_t i = 0; i < k && !stopped(n) && ssh_now_ms() - t0 < NOTIFIER_SEND_BY_S * 1000LL; i++)
        deliver(n, &rows[i]);
    db_rows_free(&claimed_map, rows, k);
    return (int)k;
}

static void
nap(struct notifier *n, int ms)
{
    for (int i = 0; i < ms / 100 && !stopped(n); i++) {
        struct timespec ts = {0, 100000000L};

        nanosleep(&ts, NULL);
    }
}

static void *
notifier_main(void *arg)
{
    struct notifier *n = arg;

    i18n_thread_english(); /* its log in English; customers' text from n->cat */
    while (!stopped(n)) {
        struct werr e = {0};
        int got;

        if (!n->db_up) {
            if (db_open(&n->db, n->cfg->db, &e) < 0 ||
                db_execv(&n->db, &e, "LISTEN wisp_notify", 0) < 0) {
                log_msg(n->log, WLOG_ERR, "notify: database: %s", e.msg);
                if (n->db.conn)
                    db_close(&n->db);
                nap(n, 2000);
                continue;
            }
            n->db_up = true;
        }
        got = pass(n);
        if (got == -2) { /* like the webhooks' runner: the worker role's work */
            log_msg(n->log, WLOG_NOTICE,
                    "notify: not sent by this worker: the wisp_worker role sends notifications");
            break;
        }
        if (got < 0 && !db_connected(&n->db)) {
            db_close(&n->db);
            n->db_up = false;
            continue;
        }
        if (got < BATCH) /* 100 ms slices: a stop is seen at once */
            for (int i = 0; i < 10 && !stopped(n); i++)
                if (db_wait_notify(&n->db, 100) != 0)
                    break;
    }
    if (n->db_up)
        db_close(&n->db);
    return NULL;
}

struct notifier *
notifier_start(const struct config *cfg, const char *owner, volatile sig_atomic_t *stop,
               struct logger *log)
{
    struct notifier *n = xcalloc(1, sizeof *n);

    snprintf(n->owner, sizeof n->owner, "%s", owner ? owner : "worker");
    n->cfg = cfg;
    n->stop = stop;
    n->log = log;
    atomic_init(&n->quit, false);
    n->cat = msgcat_open(i18n_localedir(), cfg->shop_language);
    if (pthread_create(&n->th, NULL, notifier_main, n) != 0) {
        log_msg(log, WLOG_ERR, "notify: cannot start its thread");
        msgcat_free(n->cat);
        free(n);
        return NULL;
    }
    return n;
}

void
notifier_stop(struct notifier *n)
{
    if (!n)
        return;
    atomic_store(&n->quit, true);
    pthread_join(n->th, NULL);
    msgcat_free(n->cat);
    free(n);
}
