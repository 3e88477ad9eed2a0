/*
 * provider.c - order providers over HTTP (see include/wisp/provider.h).
 *
 * Every request has a deadline (http_timeout_s) and its answer is judged in
 * one place, classify(): a 2xx with the JSON asked for is an answer; a 4xx is
 * the provider refusing (its message kept); anything else - 5xx, a timeout,
 * a refused connection, JSON that is not what the protocol says - is a reason
 * to try again later, never a crash. Tokens are sent, never logged.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "wisp/i18n.h"
#include "wisp/provider.h"
#include "wisp/util.h"

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
provider_load(const struct config *cfg, const char *name, struct provider *p, struct werr *e)
{
    const struct config_provider *c = config_provider(cfg, name);
    const char *env, *file;

    memset(p, 0, sizeof *p);
    if (!c)
        return werr_set(e, WISP_ERUNTIME,
                        _("no provider named \"%s\" in the config (providers.%s.url)"), name, name);
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->url, sizeof p->url, "%s", c->url);
    while (strlen(p->url) > 8 && p->url[strlen(p->url) - 1] == '/')
        p->url[strlen(p->url) - 1] = '\0';
    p->http_timeout_s = c->http_timeout_s;
    p->first_check_s = c->first_check_s;
    p->backoff_base_s = c->backoff_base_s;
    p->backoff_max_s = c->backoff_max_s;
    p->max_checks = c->max_checks;
    p->timeout_s = c->timeout_s;
    p->sweep_s = c->sweep_s;
    env = c->token_env;
    file = c->token_file;
    if (env) {
        const char *t = getenv(env);

        if (!t || !*t)
            return werr_set(e, WISP_ERUNTIME, _("provider %s: its token variable %s is not set"),
                            name, env);
        p->token = xstrdup(t);
    } else if (file) {
        FILE *f = fopen(file, "r");

        if (!f)
            return werr_set(e, WISP_ERUNTIME, _("provider %s: cannot read its token file %s: %s"),
                            name, file, strerror(errno));
        if (file_read_secret(f, "token file", file, 1024, &p->token, e) < 0) {
            werr_prefix(e, "provider %s", name);
            return -1;
        }
    }
    return 0;
}

void
provider_free(struct provider *p)
{
    if (p->token) {
        explicit_bzero(p->token, strlen(p->token));
        free(p->token);
    }
    p->token = NULL;
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
    struct sbuf *sb = arg;

    if (sb->len + size * n > 1 << 20) /* an answer is small: a megabyte is garbage */
        return 0;
    sb_addn(sb, data, size * n);
    return size * n;
}

/* One request; the HTTP status in *code (0 when none came). */
static CURLcode
request(const struct provider *p, const char *url, const char *body, const char *idem, long *code,
        struct sbuf *out)
{
    CURL *c;
    struct curl_slist *h = NULL;
    char *auth = NULL, *key = NULL;
    CURLcode rc;

    pthread_once(&curl_once, curl_init);
    *code = 0;
    c = curl_easy_init();
    if (!c)
        return CURLE_FAILED_INIT;
    h = curl_slist_append(h, "Accept: application/json");
    if (body)
        h = curl_slist_append(h, "Content-Type: application/json");
    if (idem) {
        key = xasprintf("Idempotency-Key: %s", idem);
        h = curl_slist_append(h, key);
    }
    if (p->token) {
        auth = xasprintf("Authorization: Bearer %s", p->token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)p->http_timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     (long)(p->http_timeout_s < 5 ? p->http_timeout_s : 5));
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    if (auth) {
        explicit_bzero(auth, strlen(auth));
        free(auth);
    }
    free(key);
    return rc;
}

static bool
copy_str(json_t *o, const char *key, char *out, size_t n)
{
    json_t *v = json_object_get(o, key);

    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, n, "%s", json_string_value(v));
        return true;
    }
    if (json_is_integer(v)) { /* a PIN sent as a number */
        snprintf(out, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return true;
    }
    return false;
}

static bool
known_status(const char *s)
{
    return str_eq(s, "pending") || str_eq(s, "processing") || str_eq(s, "completed") ||
           str_eq(s, "failed");
}

/* Judge an exchange: transport, then the answer. */
static enum provider_outcome
classify(const struct provider *p, const char *what, CURLcode rc, long code, struct sbuf *body,
         bool dispatch, struct provider_reply *r, struct werr *e)
{
    if (rc != CURLE_OK) {
        memset(r, 0, sizeof *r);
        werr_set(e, WISP_ERUNTIME, _("provider %s: %s: %s"), p->name, what, curl_easy_strerror(rc));
        return PROV_RETRY;
    }
    return provider_parse_reply(p, what, code, body->buf, body->len, dispatch, r, e);
}

enum provider_outcome
provider_parse_reply(const struct provider *p, const char *what, long code, const char *body,
                     size_t len, bool dispatch, struct provider_reply *r, struct werr *e)
{
    json_error_t je;
    json_t *j;
    char snippet[121];

    memset(r, 0, sizeof *r);
    j = len ? json_loadb(body, len, 0, &je) : NULL;
    snprintf(snippet, sizeof snippet, "%.*s", (int)(len < 120 ? len : 120), body ? body : "");
    /* The snippet goes into errors, stored as the order's last_error, which
     * viewers read: an answer refused as a whole never shows its PIN. */
    if (json_is_object(j) && json_object_get(j, "pin")) {
        json_t *c = json_deep_copy(j);
        char *text;

        json_object_set_new(c, "pin", json_string("(hidden)"));
        text = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
        snprintf(snippet, sizeof snippet, "%.120s", text ? text : "");
        free(text);
        json_decref(c);
    } else if (!j && strstr(snippet, "\"pin\"")) {
        snprintf(snippet, sizeof snippet, "(not JSON, and it names a \"pin\": not shown)");
    }
    for (char *c = snippet; *c; c++)
        if (*c == '\n' || *c == '\r' || *c == '\t')
            *c = ' ';
    if (code >= 400 && code < 500) {
        const char *m = json_string_value(json_object_get(j, "message"));

        werr_set(e, WISP_ERUNTIME, _("provider %s refused the order (HTTP %ld): %s"), p->name, code,
                 m            ? m
                 : snippet[0] ? snippet
                              : "no message");
        json_decref(j);
        return PROV_REJECTED;
    }
    if (code < 200 || code > 299) {
        werr_set(e, WISP_ERUNTIME, _("provider %s: %s: HTTP %ld"), p->name, what, code);
        json_decref(j);
        return PROV_RETRY;
    }
    if (!json_is_object(j) || !copy_str(j, "status", r->status, sizeof r->status) ||
        !known_status(r->status) ||
        (dispatch && !copy_str(j, "reference", r->reference, sizeof r->reference)) ||
        (dispatch && !r->reference[0])) {
        werr_set(e, WISP_ERUNTIME, _("provider %s: %s: not the answer the protocol says: %s"),
                 p->name, what, snippet[0] ? snippet : "(empty)");
        json_decref(j);
        return PROV_RETRY;
    }
    copy_str(j, "pin", r->pin, sizeof r->pin);
    copy_str(j, "message", r->message, sizeof r->message);
    json_decref(j);
    /* what is stored and shown at the counter is one line of text */
    if (str_has_ctrl(r->reference) || str_has_ctrl(r->pin) || str_has_ctrl(r->status)) {
        werr_set(e, WISP_ERUNTIME,
                 _("provider %s: %s: a control character in its reference or PIN: %s"), p->name,
                 what, snippet);
        return PROV_RETRY;
    }
    if (str_has_ctrl(r->message)) {
        char *safe = str_safe(r->message);

        snprintf(r->message, sizeof r->message, "%s", safe);
        free(safe);
    }
    if (str_eq(r->status, "completed") && !r->pin[0]) {
        werr_set(e, WISP_ERUNTIME, _("provider %s: %s: completed without a PIN"), p->name, what);
        return PROV_RETRY;
    }
    return PROV_OK;
}

enum provider_outcome
provider_dispatch(const struct provider *p, int64_t order_id, const char *product,
                  const char *customer, const char *extra, const char *idem,
                  struct provider_reply *r, struct werr *e)
{
    json_t *b = json_pack("{s:I, s:s, s:s, s:s?}", "order_id", (json_int_t)order_id, "product",
                          product, "customer", customer, "extra", extra);
    char *body = json_dumps(b, JSON_COMPACT), *url = xasprintf("%s/orders", p->url);
    struct sbuf out = {0};
    long code;
    CURLcode rc = request(p, url, body, idem, &code, &out);
    enum provider_outcome o = classify(p, "dispatch", rc, code, &out, true, r, e);

    json_decref(b);
    free(body);
    free(url);
    sb_free(&out);
    return o;
}

enum provider_outcome
provider_check(const struct provider *p, const char *reference, struct provider_reply *r,
               struct werr *e)
{
    CURL *esc = curl_easy_init();
    char *ref = esc ? curl_easy_escape(esc, reference, 0) : NULL;
    char *url = xasprintf("%s/orders/%s", p->url, ref ? ref : "");
    struct sbuf out = {0};
    long code;
    CURLcode rc;
    enum provider_outcome o;

    curl_free(ref);
    if (esc)
        curl_easy_cleanup(esc);
    rc = request(p, url, NULL, NULL, &code, &out);
    o = classify(p, "status check", rc, code, &out, false, r, e);
    free(url);
    sb_free(&out);
    return o;
}

static int64_t
backoff(const struct provider *p, int k)
{
    int64_t d = p->backoff_base_s;

    for (int i = 1; i < k && d < p->backoff_max_s; i++)
        d *= 2;
    return d < p->backoff_max_s ? d : p->backoff_max_s;
}

int64_t
provider_next_check(const struct provider *p, int64_t sent_at, int checks, int64_t now)
{
    int64_t deadline = sent_at + p->timeout_s, next;

    if (now >= deadline)
        return -1;
    if (checks >= p->max_checks)
        return deadline; /* no more scheduled checks: the sweep, then the timeout */
    next = checks == 0 ? sent_at + p->first_check_s : now + backoff(p, checks);
    return next < deadline ? next : deadline;
}

int64_t
provider_retry_delay(const struct provider *p, int attempts)
{
    return backoff(p, attempts < 1 ? 1 : attempts);
}
