/*
 * webhook.c - webhooks (see include/wisp/webhook.h, docs/webhooks.md).
 *
 * The database decides who gets what (the fan-out trigger of migration
 * 019) and keeps every delivery's state; this file signs and sends, and
 * says what each answer means. A round claims the due deliveries under a
 * lease and sends them all at once through one libcurl multi handle, so a
 * slow receiver costs a round at most webhooks.timeout, whatever the number
 * of webhooks; then each try is recorded in its own statement.
 *
 * Secrets: a webhook's secret comes from the claim, signs, and is wiped; it
 * is never logged, and a reply or an error that quotes it is stored with
 * "****" in its place.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wisp/i18n.h"
#include "wisp/quote.h"
#include "wisp/ssh.h"
#include "wisp/util.h"
#include "wisp/webhook.h"

#ifndef WISP_VERSION
#define WISP_VERSION "dev"
#endif

/* ---- the schedule ------------------------------------------------------- */

void
webhook_policy_from_config(const struct config *cfg, struct webhook_policy *p)
{
    p->timeout_s = cfg->webhook_timeout;
    p->backoff_s = cfg->webhook_backoff;
    p->backoff_max_s = cfg->webhook_backoff_max;
    p->max_attempts = cfg->webhook_max_attempts;
    p->disable_after = cfg->webhook_disable_after;
}

int64_t
webhook_backoff_ms(int64_t base_ms, int64_t max_ms, int attempt)
{
    int64_t d = base_ms > 0 ? base_ms : 1;

    for (int i = 1; i < attempt && d < max_ms; i++)
        d *= 2;
    return d < max_ms ? d : max_ms;
}

enum webhook_outcome
webhook_judge(long http_status, int attempt, const struct webhook_policy *p)
{
    bool again;

    if (http_status >= 200 && http_status <= 299)
        return WH_DELIVERED;
    if (http_status == 410)
        return WH_GONE;
    /* no answer, the receiver's own trouble, or "not now": worth another try */
    again = http_status == 0 || http_status >= 500 || http_status == 408 || http_status == 429;
    return again && attempt < p->max_attempts ? WH_RETRY : WH_DEAD;
}

const char *
webhook_outcome_name(enum webhook_outcome o)
{
    switch (o) {
    case WH_DELIVERED:
        return "delivered";
    case WH_RETRY:
        return "retry";
    case WH_GONE:
        return "gone";
    case WH_DEAD:
        break;
    }
    return "dead";
}

/* ---- signing and secrets ------------------------------------------------ */

void
webhook_sign(const char *secret, long long t, const char *body, size_t len, char *out, size_t n)
{
    struct sbuf msg = {0};
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int maclen = 0;
    char hex[2 * EVP_MAX_MD_SIZE + 1];

    sb_printf(&msg, "%lld.", t);
    sb_addn(&msg, body, len);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg.buf, msg.len, mac,
         &maclen);
    for (unsigned int i = 0; i < maclen; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    hex[2 * maclen] = '\0';
    snprintf(out, n, "t=%lld,v1=%s", t, hex);
    explicit_bzero(mac, sizeof mac);
    sb_free(&msg);
}

int
webhook_secret_new(char *out, size_t n, struct werr *e)
{
    unsigned char raw[32];

    if (n < 2 * sizeof raw + 1)
        return werr_set(e, WISP_ERUNTIME, "webhook secret: buffer too small");
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
        return werr_set(e, WISP_ERUNTIME, _("cannot draw a secret from the kernel: %s"),
                        strerror(errno));
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    explicit_bzero(raw, sizeof raw);
    return 0;
}

static bool
secret_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < WEBHOOK_SECRET_MIN || n > WEBHOOK_SECRET_MAX)
        return false;
    for (const char *c = s; *c; c++)
        if (*c < '!' || *c > '~')
            return false;
    return true;
}

int
webhook_secret_read(const char *path, char **secret, struct werr *e)
{
    FILE *f = fopen(path, "r");
    char *s;

    *secret = NULL;
    if (!f)
        return werr_set(e, WISP_ERUNTIME, _("cannot read the secret file %s: %s"), path,
                        strerror(errno));
    if (file_read_secret(f, "secret file", path, WEBHOOK_SECRET_MAX + 8, &s, e) < 0)
        return -1;
    if (!secret_ok(s)) {
        explicit_bzero(s, strlen(s));
        free(s);
        return werr_set(e, WISP_EUSAGE,
                        _("the secret in %s must be %d to %d printable characters, no space, on "
                          "its first line"),
                        path, WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX);
    }
    *secret = s;
    return 0;
}

/* ---- the admin's verbs and the lists ------------------------------------ */

/* An http(s) URL on one line, no credentials in it (they belong in the secret). */
static int
check_url(const char *url, struct werr *e)
{
    const char *host = str_starts(url, "https://")  ? url + 8
                       : str_starts(url, "http://") ? url + 7
                                                    : NULL;
    size_t hl = host ? strcspn(host, "/?#") : 0;
    char q[120];

    if (!host || hl == 0 || strlen(url) > 2000 || str_has_ctrl(url) || strpbrk(url, " \t"))
        return werr_set(e, WISP_EUSAGE, _("bad URL %s: an http:// or https:// URL on one line"),
                        str_quote(url, 80, q, sizeof q));
    if (memchr(host, '@', hl))
        return werr_set(e, WISP_EUSAGE,
                        _("URL %s carries a user or password: the receiver checks the signature "
                          "made with the webhook's secret instead"),
                        str_quote(url, 80, q, sizeof q));
    return 0;
}

int
webhook_add(struct db *db, const char *url, const char *events, const char *secret, int *id,
            struct werr *e)
{
    char **kinds = NULL, *copy, *save = NULL, *arr;
    size_t n = 0;
    int64_t v = 0;
    int rc;

    if (check_url(url, e) < 0)
        return -1;
    if (!secret_ok(secret))
        return werr_set(e, WISP_EUSAGE,
                        _("a webhook's secret must be %d to %d printable "
                          "characters, no space"),
                        WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX);
    copy = xstrdup(events);
    for (char *k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save)) {
        while (*k == ' ')
            k++;
        k[strcspn(k, " ")] = '\0';
        if (!*k)
            continue;
        kinds = xrealloc(kinds, (n + 1) * sizeof *kinds);
        kinds[n++] = k;
    }
    if (n == 0) {
        free(copy);
        free(kinds);
        return werr_set(e, WISP_EUSAGE,
                        _("--events: one or more event kinds, comma-separated, or *"));
    }
    arr = db_text_array((const char *const *)kinds, n);
    rc = db_i64v(db, e, &v, "SELECT wisp_webhook_add($1, $2::text[], $3)", 3, url, arr, secret);
    free(arr);
    free(copy);
    free(kinds);
    if (rc < 0)
        return -1;
    *id = (int)v;
    return 0;
}

int
webhook_set_active(struct db *db, int id, bool active, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e, "SELECT wisp_webhook_set_active($1::integer, $2::boolean)", 2, ids,
                    active ? "true" : "false");
}

int
webhook_remove(struct db *db, int id, struct werr *e)
{
    char ids[16];

    snprintf(ids, sizeof ids, "%d", id);
    return db_execv(db, e, "SELECT wisp_webhook_remove($1::integer)", 1, ids);
}

int
webhook_redeliver(struct db *db, int64_t delivery, struct werr *e)
{
    char ids[24];

    snprintf(ids, sizeof ids, "%lld", (long long)delivery);
    return db_execv(db, e, "SELECT wisp_webhook_redeliver($1::bigint)", 1, ids);
}

json_t *
webhook_list(struct db *db, struct werr *e)
{
    return db_json_rowsv(db, e,
                         "SELECT id, url, events, status, disabled_reason, failures, waiting,"
                         " retrying, dead, overdue, last_delivered, created_at, created_by"
                         " FROM webhook_list ORDER BY id",
                         0);
}

json_t *
webhook_deliveries(struct db *db, int webhook, bool failed_only, int limit, struct werr *e)
{
    char wid[16], lim[16];

    snprintf(wid, sizeof wid, "%d", webhook);
    snprintf(lim, sizeof lim, "%d", limit > 0 ? limit : 100);
    return db_json_rowsv(db, e,
                         "SELECT id, webhook_id, url, event_id, kind, state, attempts, last_status,"
                         " last_error, next_at, created_at, delivered_at, idempotency_id"
                         " FROM webhook_delivery_list"
                         " WHERE ($1::integer = 0 OR webhook_id = $1::integer)"
                         "   AND (NOT $2::boolean OR state IN ('failed', 'dead'))"
                         " ORDER BY id DESC LIMIT $3::integer",
                         3, wid, failed_only ? "true" : "false", lim);
}

json_t *
webhook_attempts(struct db *db, int64_t delivery, struct werr *e)
{
    char ids[24];
    int64_t may = 0;

    /* the replies are admins' (019's column grants): PostgreSQL refuses a
     * query naming the column, so ask first */
    if (db_i64v(db, e, &may,
                "SELECT has_column_privilege('webhook_attempts', 'reply', 'SELECT')::int", 0) < 0)
        return NULL;
    snprintf(ids, sizeof ids, "%lld", (long long)delivery);
    return db_json_rowsv(
        db, e,
        may ? "SELECT at, http_status, duration_ms, error, reply FROM webhook_attempts"
              " WHERE delivery_id = $1::bigint ORDER BY id"
            : "SELECT at, http_status, duration_ms, error, NULL::text AS reply"
              " FROM webhook_attempts WHERE delivery_id = $1::bigint ORDER BY id",
        1, ids);
}

struct counts_row {
    int64_t failed, dead, disabled;
};
static const struct db_field counts_fields[] = {
    DB_COL(struct counts_row, failed, DB_I64),
    DB_COL(struct counts_row, dead, DB_I64),
    DB_COL(struct counts_row, disabled, DB_I64),
};
static const struct db_map counts_map = DB_MAP(struct counts_row, counts_fields);

int
webhook_counts(struct db *db, struct webhook_counts *c, struct werr *e)
{
    struct counts_row r;

    memset(c, 0, sizeof *c);
    if (db_fetch1v(
            db, e, &counts_map, &r,
            "SELECT (SELECT count(*) FROM webhook_deliveries WHERE state = 'failed') AS failed,"
            " (SELECT count(*) FROM webhook_deliveries WHERE state = 'dead') AS dead,"
            " (SELECT count(*) FROM webhooks WHERE status = 'disabled') AS disabled",
            0) < 0)
        return -1;
    c->failed = r.failed;
    c->dead = r.dead;
    c->disabled = r.disabled;
    return 0;
}

/* ---- delivery ------------------------------------------------------------ */

struct claim_row {
    int64_t delivery_id;
    int webhook_id;
    char *url;
    char *secret;
    char kind[48];
    char *body;
    char idempotency_id[64];
    int attempts;
};
static const struct db_field claim_fields[] = {
    DB_COL(struct claim_row, delivery_id, DB_I64),
    DB_COL(struct claim_row, webhook_id, DB_INT),
    DB_COL(struct claim_row, url, DB_STR),
    DB_COL(struct claim_row, secret, DB_STR),
    DB_COL(struct claim_row, kind, DB_BUF),
    DB_COL(struct claim_row, body, DB_STR),
    DB_COL(struct claim_row, idempotency_id, DB_BUF),
    DB_COL(struct claim_row, attempts, DB_INT),
};
static const struct db_map claim_map = DB_MAP(struct claim_row, claim_fields);

/* One send in flight. */
struct send {
    struct claim_row *row;
    CURL *h;
    struct curl_slist *hdrs;
    struct sbuf reply; /* the start of the reply: enough for its excerpt */
    char errbuf[CURL_ERROR_SIZE];
    CURLcode rc;
    bool done;
    long long t0;
    int ms;
};

static size_t
keep_start(char *data, size_t size, size_t n, void *arg)
{
    struct sbuf *sb = arg;
    size_t have = sb->len, want = size * n;

    if (have < 2 * WEBHOOK_REPLY_MAX)
        sb_addn(sb, data,
                want < 2 * WEBHOOK_REPLY_MAX - have ? want : 2 * WEBHOOK_REPLY_MAX - have);
    return want; /* the rest is read and dropped */
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void
send_setup(struct send *s, const struct webhook_policy *p)
{
    char sig[160], *h;

    s->h = curl_easy_init();
    if (!s->h)
        return;
    webhook_sign(s->row->secret, (long long)time(NULL), s->row->body, strlen(s->row->body), sig,
                 sizeof sig);
    s->hdrs = curl_slist_append(s->hdrs, "Content-Type: application/json");
    s->hdrs = curl_slist_append(s->hdrs, "User-Agent: wisp/" WISP_VERSION);
    s->hdrs = curl_slist_append(s->hdrs, "Expect:"); /* no 100-continue round trip */
    h = xasprintf("Wisp-Event: %s", s->row->kind);
    s->hdrs = curl_slist_append(s->hdrs, h);
    free(h);
    h = xasprintf("Wisp-Delivery: %s", s->row->idempotency_id);
    s->hdrs = curl_slist_append(s->hdrs, h);
    free(h);
    h = xasprintf("Wisp-Signature: %s", sig);
    s->hdrs = curl_slist_append(s->hdrs, h);
    free(h);
    curl_easy_setopt(s->h, CURLOPT_URL, s->row->url);
    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(s->h, CURLOPT_POSTFIELDS, s->row->body);
    curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT, (long)p->timeout_s);
    curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT, (long)(p->timeout_s < 5 ? p->timeout_s : 5));
    curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, keep_start);
    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, &s->reply);
    curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
    s->t0 = ssh_now_ms();
}

/* Every occurrence of secret in text (malloc'd) made "****". */
static char *
redact(const char *text, const char *secret)
{
    struct sbuf out = {0};
    const char *p = text, *hit;
    size_t n = strlen(secret);

    while (n && (hit = strstr(p, secret))) {
        sb_addn(&out, p, (size_t)(hit - p));
        sb_add(&out, "****");
        p = hit + n;
    }
    sb_add(&out, p);
    return sb_steal(&out);
}

/* What is stored of a reply: at most WEBHOOK_REPLY_MAX bytes of valid
 * UTF-8 on one line, control characters shown, the secret hidden. */
static char *
excerpt(const struct sbuf *reply, const char *secret)
{
    char *raw = xmalloc(reply->len + 1), *hidden, *safe;
    size_t n;

    memcpy(raw, reply->len ? reply->buf : "", reply->len);
    raw[reply->len] = '\0';
    hidden = redact(raw, secret);
    safe = str_safe(hidden);
    n = strlen(safe);
    if (n > WEBHOOK_REPLY_MAX) {
        n = WEBHOOK_REPLY_MAX;
        while (n > 0 && ((unsigned char)safe[n] & 0xC0) == 0x80)
            n--; /* never half a character */
        safe[n] = '\0';
    }
    explicit_bzero(raw, reply->len);
    free(raw);
    free(hidden);
    return safe;
}

struct recorded_row {
    char outcome[16];
};
static const struct db_field recorded_fields[] = {
    DB_COL_AS(struct recorded_row, outcome, "wisp_webhook_record", DB_BUF),
};
static const struct db_map recorded_map = DB_MAP(struct recorded_row, recorded_fields);

/* Record one try; log what was given up or disabled. */
static int
record(struct db *db, const struct webhook_policy *p, const char *owner, struct send *s,
       struct logger *log, struct werr *e)
{
    long code = 0;
    enum webhook_outcome o;
    char *err = NULL, *reply, *err_hidden, status[16], ms[16], next[24], after[16], id[24];
    struct recorded_row result = {""};
    int rc;

    if (s->rc == CURLE_OK)
        curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &code);
    o = webhook_judge(s->rc == CURLE_OK ? code : 0, s->row->attempts + 1, p);
    if (s->rc != CURLE_OK)
        err = xstrdup(s->errbuf[0] ? s->errbuf : curl_easy_strerror(s->rc));
    else if (o != WH_DELIVERED)
        err = xasprintf("HTTP %ld", code);
    err_hidden = err ? redact(err, s->row->secret) : NULL;
    free(err);
    if (err_hidden) {
        char *safe = str_safe(err_hidden);

        free(err_hidden);
        err_hidden = safe;
    }
    reply = excerpt(&s->reply, s->row->secret);
    snprintf(status, sizeof status, "%ld", code);
    snprintf(ms, sizeof ms, "%d", s->ms);
    snprintf(next, sizeof next, "%lld",
             (long long)webhook_backoff_ms(1000LL * p->backoff_s, 1000LL * p->backoff_max_s,
                                           s->row->attempts + 1));
    snprintf(after, sizeof after, "%d", p->disable_after);
    snprintf(id, sizeof id, "%lld", (long long)s->row->delivery_id);
    rc = db_fetch1v(db, e, &recorded_map, &result,
                    "SELECT wisp_webhook_record($1::bigint, $2, $3, $4::integer, $5::integer, $6,"
                    " $7, $8::bigint, $9::integer)",
                    9, id, owner, webhook_outcome_name(o), status, ms, err_hidden, reply, next,
                    after);
    if (rc >= 0 && log) {
        if (str_eq(result.outcome, "disabled"))
            log_msg(log, WLOG_WARNING, "webhook %d disabled: delivery %lld %s (%s)",
                    s->row->webhook_id, (long long)s->row->delivery_id,
                    o == WH_GONE ? "answered 410 Gone" : "given up, too many in a row",
                    err_hidden ? err_hidden : "");
        else if (str_eq(result.outcome, "dead"))
            log_msg(log, WLOG_WARNING, "webhook %d: delivery %lld given up after %d tries: %s",
                    s->row->webhook_id, (long long)s->row->delivery_id, s->row->attempts + 1,
                    err_hidden ? err_hidden : "");
    }
    free(err_hidden);
    free(reply);
    return rc < 0 ? -1 : 0;
}

static void
send_free(struct send *s)
{
    if (s->h)
        curl_easy_cleanup(s->h);
    curl_slist_free_all(s->hdrs);
    sb_free(&s->reply);
}

static void
rows_free(struct claim_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (rows[i].secret)
            explicit_bzero(rows[i].secret, strlen(rows[i].secret));
    db_rows_free(&claim_map, rows, n);
}

int
webhook_deliver_round(struct db *db, const struct webhook_policy *p, const char *owner,
                      volatile sig_atomic_t *stop, struct logger *log, int *sent, struct werr *e)
{
    struct claim_row *rows = NULL;
    struct send *s;
    size_t n = 0;
    char lim[16], lease[16];
    CURLM *m;
    int running = 0, rc = 0;
    CURLMsg *msg;

    *sent = 0;
    pthread_once(&curl_once, curl_init);
    snprintf(lim, sizeof lim, "%d", WEBHOOK_BATCH);
    /* the whole round's sends run at once: a lease of one timeout and a margin */
    snprintf(lease, sizeof lease, "%d", p->timeout_s + 10);
    if (db_fetchv(db, e, &claim_map, &rows, &n,
                  "SELECT * FROM wisp_webhook_claim($1, $2::integer, $3::integer)", 3, owner, lim,
                  lease) < 0)
        return -1;
    if (n == 0)
        return 0;
    s = xcalloc(n, sizeof *s);
    m = curl_multi_init();
    for (size_t i = 0; i < n; i++) {
        s[i].row = &rows[i];
        send_setup(&s[i], p);
        if (s[i].h)
            curl_multi_add_handle(m, s[i].h);
        else {
            s[i].rc = CURLE_FAILED_INIT;
            s[i].done = true;
        }
    }
    do {
        curl_multi_perform(m, &running);
        while ((msg = curl_multi_info_read(m, &(int){0}))) {
            struct send *d = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&d);
            d->rc = msg->data.result;
            d->done = true;
            d->ms = (int)(ssh_now_ms() - d->t0);
        }
        if (running)
            curl_multi_poll(m, NULL, 0, 100, NULL);
    } while (running && !(stop && *stop));
    for (size_t i = 0; i < n; i++) {
        /* a send abandoned by a stop is not recorded: its lease runs out */
        if (s[i].done && rc == 0) {
            if (record(db, p, owner, &s[i], log, e) < 0)
                rc = -1;
            else
                (*sent)++;
        }
        if (s[i].h)
            curl_multi_remove_handle(m, s[i].h);
        send_free(&s[i]);
    }
    curl_multi_cleanup(m);
    free(s);
    rows_free(rows, n);
    return rc;
}

/* ---- the worker's thread ---------------------------------------------------- */

static bool
quit(const struct webhook_runner *r)
{
    return r->halt || (r->stop && *r->stop);
}

/* Up to ms, in slices that look at the stop flag; back early on a NOTIFY. */
static void
nap(struct webhook_runner *r, struct db *db, int ms)
{
    long long until = ssh_now_ms() + ms;

    while (!quit(r)) {
        long long left = until - ssh_now_ms();

        if (left <= 0)
            return;
        if (db && db_connected(db)) {
            if (db_wait_notify(db, left < 250 ? (int)left : 250) != 0)
                return;
        } else {
            struct timespec ts = {0, (left < 250 ? left : 250) * 1000000L};

            nanosleep(&ts, NULL);
        }
    }
}

static void *
runner_main(void *arg)
{
    struct webhook_runner *r = arg;
    struct webhook_policy p;
    struct db db = {0};
    bool up = false;

    i18n_thread_english(); /* its log lines */
    webhook_policy_from_config(r->cfg, &p);
    while (!quit(r)) {
        struct werr e = {0};
        int sent = 0;
        int64_t ms = 1000;

        if (!up) {
            if (db_open(&db, r->cfg->db, &e) < 0 ||
                db_execv(&db, &e, "LISTEN wisp_webhooks", 0) < 0) {
                log_msg(r->log, WLOG_ERR, "webhooks: database: %s", e.msg);
                if (db.conn)
                    db_close(&db);
                nap(r, NULL, 5000);
                continue;
            }
            up = true;
        }
        if (webhook_deliver_round(&db, &p, r->owner, &r->halt, r->log, &sent, &e) < 0) {
            if (str_eq(db.sqlstate, "42501")) { /* not this role's to deliver */
                log_msg(r->log, WLOG_NOTICE,
                        "webhooks: not delivered by this worker (%s): the wisp_worker role "
                        "delivers them",
                        e.msg);
                break;
            }
            log_msg(r->log, WLOG_ERR, "webhooks: %s", e.msg);
            db_close(&db);
            up = false;
            nap(r, NULL, 2000);
            continue;
        }
        if (sent == WEBHOOK_BATCH)
            continue; /* more may be due at once */
        werr_clear(&e);
        if (db_i64v(&db, &e, &ms, "SELECT wisp_webhook_next_ms(1000)", 0) < 0) {
            db_close(&db);
            up = false;
            continue;
        }
        if (ms > 0)
            nap(r, &db, (int)ms);
    }
    if (up)
        db_close(&db);
    return NULL;
}

void
webhook_runner_start(struct webhook_runner *r)
{
    r->halt = 0;
    r->started = pthread_create(&r->th, NULL, runner_main, r) == 0;
    if (!r->started)
        log_msg(r->log, WLOG_ERR, "webhooks: cannot start the delivery thread");
}

void
webhook_runner_join(struct webhook_runner *r)
{
    r->halt = 1; /* sends in flight are abandoned within 100 ms */
    if (r->started)
        pthread_join(r->th, NULL);
    r->started = false;
}
