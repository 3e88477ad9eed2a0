/*
 * notify.c - a notification channel's transport (see include/wisp/notify.h):
 * SMTP and HTTP request templates through libcurl.
 *
 * A template is the shop's text with placeholders; every value put into it
 * goes through the one quoting function of the place it lands (a URL, a
 * header, a JSON string, a form), so a customer named `"}` or a line break
 * in a message can neither end a JSON string nor start a header. A JSON body
 * is parsed after it is filled in: a template that does not make JSON is
 * refused before anything is sent. The token is read from its file for each
 * send, put only where {token} is, wiped after, and scrubbed from whatever
 * the attempt records (an error, a reply that echoes it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "wisp/i18n.h"
#include "wisp/notify.h"
#include "wisp/quote.h"
#include "wisp/ssh.h" /* ssh_now_ms: the monotonic clock */

#define REPLY_MAX 512
/* what is read of a reply before it is masked and cut to REPLY_MAX: a
 * secret straddling the cut is whole when it is masked (a percent-encoded
 * form is at most three times its length; secrets are under 1 KiB) */
#define REPLY_READ (REPLY_MAX + 3 * 1024)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* --- quoting -------------------------------------------------------------- */

void
notify_quote_json(struct sbuf *sb, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            sb_add(sb, "\\\"");
            break;
        case '\\':
            sb_add(sb, "\\\\");
            break;
        case '\n':
            sb_add(sb, "\\n");
            break;
        case '\r':
            sb_add(sb, "\\r");
            break;
        case '\t':
            sb_add(sb, "\\t");
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                sb_printf(sb, "\\u%04x", *p);
            else
                sb_addc(sb, (char)*p);
        }
    }
}

/* s percent-encoded (RFC 3986's unreserved characters kept) with the hex
 * digits given: upper case is what wisp sends, lower case what some
 * servers echo (the masks look for both). */
static void
quote_url_hex(struct sbuf *sb, const char *s, const char *hex)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            sb_addc(sb, (char)*p);
        } else {
            sb_addc(sb, '%');
            sb_addc(sb, hex[*p >> 4]);
            sb_addc(sb, hex[*p & 15]);
        }
    }
}

void
notify_quote_url(struct sbuf *sb, const char *s)
{
    quote_url_hex(sb, s, "0123456789ABCDEF");
}

int
notify_quote_header(struct sbuf *sb, const char *s, struct werr *e)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
            return werr_set(e, WISP_ERUNTIME,
                            _("a header value may not hold a line break or control character"));
    sb_add(sb, s);
    return 0;
}

static const struct {
    const char *name;
    size_t off;
} placeholders[] = {
    {"to", offsetof(struct notify_vars, to)},
    {"text", offsetof(struct notify_vars, text)},
    {"subject", offsetof(struct notify_vars, subject)},
    {"token", offsetof(struct notify_vars, token)},
};

int
notify_render(const char *tpl, enum notify_ctx ctx, const struct notify_vars *v, struct sbuf *out,
              struct werr *e)
{
    const char *p = tpl;

    while (*p) {
        const char *val = NULL;
        size_t len = 0;
        bool found = false;

        if (*p == '{') {
            for (size_t i = 0; i < sizeof placeholders / sizeof placeholders[0]; i++) {
                len = strlen(placeholders[i].name);
                if (strncmp(p + 1, placeholders[i].name, len) == 0 && p[1 + len] == '}') {
                    val = *(const char *const *)((const char *)v + placeholders[i].off);
                    found = true;
                    if (!val)
                        return werr_set(e, WISP_ERUNTIME, _("template: {%s} has no value here"),
                                        placeholders[i].name);
                    break;
                }
            }
        }
        if (!found) {
            sb_addc(out, *p++);
            continue;
        }
        switch (ctx) {
        case NCTX_URL:
        case NCTX_FORM:
            notify_quote_url(out, val);
            break;
        case NCTX_JSON:
            notify_quote_json(out, val);
            break;
        case NCTX_HEADER:
            if (notify_quote_header(out, val, e) < 0)
                return -1;
            break;
        case NCTX_TEXT:
            sb_add(out, val);
            break;
        }
        p += len + 2;
    }
    return 0;
}

/* --- channels ------------------------------------------------------------- */

static const char *
cstr(const struct notify_channel *c, const char *key)
{
    return json_string_value(json_object_get(c->config, key));
}

/* An address for SMTP: one mailbox, nothing that could add a header or a
 * recipient. */
static bool
mail_address_ok(const char *s)
{
    const char *at = s ? strchr(s, '@') : NULL;

    return at && at != s && at[1] && strlen(s) < 255 && !strpbrk(s, " \t\r\n<>,;\"()\\") &&
           !str_has_ctrl(s);
}

/* A channel's name: as a plan's (020's CHECK says the same). */
static bool
name_ok(const char *s)
{
    size_t n = strlen(s);

    return n >= 1 && n <= 32 && s[0] != '.' && s[0] != '-' && strspn(s, SAFE_CHARS) == n;
}

static int
check_keys(const json_t *config, const char *const *allowed, struct werr *e)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)config, k, v)
    {
        bool ok = false;

        for (int i = 0; allowed[i] && !ok; i++)
            ok = str_eq(k, allowed[i]);
        if (!ok)
            return werr_set(e, WISP_EUSAGE,
                            _("channel config: unknown key \"%s\" (a token or password goes in a "
                              "file: token_file, password_file)"),
                            k);
        (void)v;
    }
    return 0;
}

static int
check_http(struct notify_channel *c, struct werr *e)
{
    static const char *const keys[] = {"url",        "method", "headers",   "body", "body_type",
                                       "token_file", "link",   "timeout_s", NULL};
    const char *url = cstr(c, "url"), *m = cstr(c, "method"), *bt = cstr(c, "body_type");
    json_t *h = json_object_get(c->config, "headers"), *body = json_object_get(c->config, "body");
    const char *k;
    json_t *v;

    if (check_keys(c->config, keys, e) < 0)
        return -1;
    if (!url || !(str_starts(url, "http://") || str_starts(url, "https://")))
        return werr_set(e, WISP_EUSAGE, _("an http channel needs \"url\": an http(s):// URL"));
    if (m && !str_eq(m, "POST") && !str_eq(m, "GET") && !str_eq(m, "PUT"))
        return werr_set(e, WISP_EUSAGE, _("channel config: \"method\" is POST, GET or PUT"));
    if (bt && !str_eq(bt, "json") && !str_eq(bt, "form") && !str_eq(bt, "text"))
        return werr_set(e, WISP_EUSAGE, _("channel config: \"body_type\" is json, form or text"));
    if (body && !json_is_string(body))
        return werr_set(e, WISP_EUSAGE, _("channel config: \"body\" is a string (a template)"));
    if (h && !json_is_object(h))
        return werr_set(e, WISP_EUSAGE, _("channel config: \"headers\" is an object of strings"));
    json_object_foreach(h, k, v)
    {
        if (!json_is_string(v) || !*k || strpbrk(k, ": \t\r\n") || str_has_ctrl(k))
            return werr_set(e, WISP_EUSAGE, _("channel config: bad header \"%s\""), k);
    }
    return 0;
}

static int
check_smtp(struct notify_channel *c, struct werr *e)
{
    static const char *const keys[] = {"url",           "from",      "starttls", "user",
                                       "password_file", "timeout_s", "link",     NULL};
    const char *url = cstr(c, "url");

    if (check_keys(c->config, keys, e) < 0)
        return -1;
    if (!url || !(str_starts(url, "smtp://") || str_starts(url, "smtps://")) || str_has_ctrl(url))
        return werr_set(e, WISP_EUSAGE,
                        _("an smtp channel needs \"url\": smtp://HOST:PORT or smtps://HOST:PORT"));
    if (!mail_address_ok(cstr(c, "from")))
        return werr_set(e, WISP_EUSAGE, _("an smtp channel needs \"from\": one email address"));
    return 0;
}

int
notify_channel_parse(const char *name, const char *kind, json_t *config, struct notify_channel *c,
                     struct werr *e)
{
    json_t *t, *l;
    const char *const files[] = {"token_file", "password_file"};

    memset(c, 0, sizeof *c);
    if (!name_ok(name))
        return werr_set(e, WISP_EUSAGE,
                        _("bad channel name \"%s\": 1 to 32 letters, digits, . _ -"), name);
    snprintf(c->name, sizeof c->name, "%s", name);
    if (!json_is_object(config))
        return werr_set(e, WISP_EUSAGE, _("a channel's config is a JSON object"));
    c->config = json_incref(config);
    if (str_eq(kind, "smtp"))
        c->kind = NOTIFY_SMTP;
    else if (str_eq(kind, "http"))
        c->kind = NOTIFY_HTTP;
    else
        return werr_set(e, WISP_EUSAGE, _("bad channel kind \"%s\": expected smtp or http"), kind);
    if ((c->kind == NOTIFY_SMTP ? check_smtp(c, e) : check_http(c, e)) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        json_t *f = json_object_get(config, files[i]);

        if (f && (!json_is_string(f) || !*json_string_value(f)))
            return werr_set(e, WISP_EUSAGE, _("channel config: \"%s\" is a file name"), files[i]);
    }
    t = json_object_get(config, "timeout_s");
    c->timeout_s = json_is_integer(t) ? (int)json_integer_value(t) : 10;
    if (c->timeout_s < 1 || c->timeout_s > 120)
        return werr_set(e, WISP_EUSAGE, _("channel config: \"timeout_s\" is 1 to 120"));
    l = json_object_get(config, "link");
    c->link = l ? json_is_true(l) : true;
    return 0;
}

void
notify_channel_free(struct notify_channel *c)
{
    json_decref(c->config);
    c->config = NULL;
}

int
notify_secret_path(const char *dir, const char *file, char *out, size_t n, struct werr *e)
{
    size_t dl;
    const char *p;

    if (!dir || !*dir)
        dir = NOTIFY_TOKEN_DIR;
    dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    if (file[0] == '/' && (strncmp(file, dir, dl) != 0 || file[dl] != '/'))
        return werr_set(e, WISP_EUSAGE,
                        _("token file %s is not in %.*s (the worker's notify.token_dir)"), file,
                        (int)dl, dir);
    if (file[0] == '/')
        snprintf(out, n, "%s", file);
    else if ((size_t)snprintf(out, n, "%.*s/%s", (int)dl, dir, file) >= n)
        return werr_set(e, WISP_EUSAGE, _("token file %s: name too long"), file);
    for (p = out; (p = strstr(p, "/..")) != NULL; p += 3)
        if (p[3] == '/' || p[3] == '\0')
            return werr_set(e, WISP_EUSAGE, _("token file %s: \"..\" is not allowed"), file);
    return 0;
}

/* The first line of the channel's token or password file (NULL when it
 * names none): only a file inside the token directory (notify.token_dir),
 * not a symbolic link, so an admin's channel cannot make the worker send
 * another of its files anywhere. */
static int
read_secret(const struct notify_channel *c, char **out, struct werr *e)
{
    const char *file = cstr(c, c->kind == NOTIFY_SMTP ? "password_file" : "token_file");
    const char *dir = c->token_dir && *c->token_dir ? c->token_dir : NOTIFY_TOKEN_DIR;
    char path[PATH_MAX], real[PATH_MAX], realdir[PATH_MAX];
    FILE *f;
    int fd;

    *out = NULL;
    if (!file)
        return 0;
    if (notify_secret_path(dir, file, path, sizeof path, e) < 0) {
        werr_prefix(e, "channel %s", c->name);
        e->status = WISP_ERUNTIME; /* at send time the channel is wrong, not the command */
        return -1;
    }
    if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return werr_set(e, WISP_ERUNTIME, _("channel %s: cannot read %s: %s"), c->name, file,
                        strerror(errno));
    if (!realpath(path, real) || !realpath(dir, realdir) ||
        strncmp(real, realdir, strlen(realdir)) != 0 || real[strlen(realdir)] != '/') {
        close(fd);
        return werr_set(e, WISP_ERUNTIME, _("channel %s: token file %s is not in %s"), c->name,
                        file, dir);
    }
    if (!(f = fdopen(fd, "r"))) {
        close(fd);
        return werr_set(e, WISP_ERUNTIME, _("channel %s: cannot read %s: %s"), c->name, file,
                        strerror(errno));
    }
    if (file_read_secret(f, "token file", file, 2048, out, e) < 0) {
        werr_prefix(e, "channel %s", c->name);
        return -1;
    }
    return 0;
}

static void
wipe(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

/* Every copy of needle in s replaced by "****" (in place; s shrinks). */
static void
scrub_one(char *s, const char *needle)
{
    size_t n = strlen(needle);
    char *p;

    if (n < 1 || strspn(needle, "*") == n) /* "****" would match itself */
        return;
    while ((p = strstr(s, needle)) != NULL) {
        if (n >= 4) {
            memcpy(p, "****", 4);
            memmove(p + 4, p + n, strlen(p + n) + 1);
        } else { /* a short secret is masked by its own length */
            memset(p, '*', n);
        }
    }
}

/* s percent-encoded with lower-case hex digits (what some servers echo). */
static void
quote_url_lower(struct sbuf *sb, const char *s)
{
    quote_url_hex(sb, s, "0123456789abcdef");
}

/* secret masked in s as it is, percent-encoded (either case, and a space
 * as +) and JSON-escaped (with "/" as "\/" too): the forms a provider
 * echoing a request puts it in. */
static void
scrub(char *s, const char *secret)
{
    struct sbuf f = {0};

    if (!secret || !*secret)
        return;
    scrub_one(s, secret);
    notify_quote_url(&f, secret);
    scrub_one(s, f.buf);
    sb_reset(&f);
    quote_url_lower(&f, secret);
    scrub_one(s, f.buf);
    if (strchr(secret, ' ')) { /* form encoding: a space as + */
        struct sbuf g = {0};

        for (const char *q = f.buf; *q; q++) {
            if (str_starts(q, "%20")) {
                sb_addc(&g, '+');
                q += 2;
            } else {
                sb_addc(&g, *q);
            }
        }
        scrub_one(s, g.buf);
        wipe(sb_steal(&g));
    }
    sb_reset(&f);
    notify_quote_json(&f, secret);
    scrub_one(s, f.buf);
    if (strchr(f.buf, '/')) {
        struct sbuf g = {0};

        for (size_t i = 0; i < f.len; i++) {
            if (f.buf[i] == '/')
                sb_addc(&g, '\\');
            sb_addc(&g, f.buf[i]);
        }
        scrub_one(s, g.buf);
        wipe(sb_steal(&g));
    }
    wipe(sb_steal(&f));
}

void
notify_mask(char *s, size_t max, const char *const *secrets)
{
    size_t n;

    for (size_t i = 0; secrets && secrets[i]; i++)
        scrub(s, secrets[i]);
    n = strlen(s);
    if (n <= max)
        return;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) /* not inside a character */
        max--;
    s[max] = '\0';
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
    struct sbuf *sb = arg;
    size_t len = size * n;

    if (sb->len < REPLY_READ) /* only the start is recorded; the rest is read and dropped */
        sb_addn(sb, data, sb->len + len > REPLY_READ ? REPLY_READ - sb->len : len);
    return len;
}

/* --- HTTP ----------------------------------------------------------------- */

static int
http_build(const struct notify_channel *c, const struct notify_vars *v, struct sbuf *url,
           struct curl_slist **hdrs, struct sbuf *body, bool *has_body, struct werr *e)
{
    const char *bt = cstr(c, "body_type"), *tpl = cstr(c, "body");
    enum notify_ctx bctx = str_eq(bt, "form")   ? NCTX_FORM
                           : str_eq(bt, "text") ? NCTX_TEXT
                                                : NCTX_JSON;
    json_t *h = json_object_get(c->config, "headers");
    bool ctype = false;
    const char *k;
    json_t *hv;

    if (notify_render(cstr(c, "url"), NCTX_URL, v, url, e) < 0)
        return -1;
    json_object_foreach(h, k, hv)
    {
        struct sbuf line = {0};

        sb_printf(&line, "%s: ", k);
        if (notify_render(json_string_value(hv), NCTX_HEADER, v, &line, e) < 0) {
            wipe(sb_steal(&line));
            return -1;
        }
        *hdrs = curl_slist_append(*hdrs, line.buf);
        ctype = ctype || strcasecmp(k, "Content-Type") == 0;
        wipe(sb_steal(&line));
    }
    *has_body = tpl != NULL;
    if (!tpl)
        return 0;
    if (notify_render(tpl, bctx, v, body, e) < 0)
        return -1;
    if (bctx == NCTX_JSON) { /* the second wall: what goes out is JSON */
        json_error_t je;
        json_t *j = json_loadb(body->buf, body->len, 0, &je);

        if (!j)
            return werr_set(e, WISP_ERUNTIME,
                            _("channel %s: its body template does not make JSON (%s)"), c->name,
                            je.text);
        json_decref(j);
    }
    if (!ctype)
        *hdrs = curl_slist_append(*hdrs, bctx == NCTX_JSON   ? "Content-Type: application/json"
                                         : bctx == NCTX_FORM ? "Content-Type: "
                                                               "application/x-www-form-urlencoded"
                                                             : "Content-Type: text/plain; "
                                                               "charset=utf-8");
    return 0;
}

static int
http_send(const struct notify_channel *c, const struct notify_vars *v, struct notify_result *r,
          char **raw, struct werr *e)
{
    struct sbuf url = {0}, body = {0}, reply = {0};
    struct curl_slist *hdrs = NULL;
    const char *m = cstr(c, "method");
    bool has_body = false;
    CURL *cu;
    CURLcode rc;
    int ret = -1;

    if (http_build(c, v, &url, &hdrs, &body, &has_body, e) < 0) {
        snprintf(r->error, sizeof r->error, "%s", e->msg);
        goto out;
    }
    if (!(cu = curl_easy_init())) {
        r->retry = true;
        werr_set(e, WISP_ERUNTIME, "%s", "curl_easy_init failed");
        goto out;
    }
    curl_easy_setopt(cu, CURLOPT_URL, url.buf);
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(cu, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT, (long)c->timeout_s);
    curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, (long)(c->timeout_s < 5 ? c->timeout_s : 5));
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, &reply);
    if (has_body) {
        curl_easy_setopt(cu, CURLOPT_POSTFIELDS, body.buf);
        curl_easy_setopt(cu, CURLOPT_POSTFIELDSIZE, (long)body.len);
    }
    if (m && !str_eq(m, "POST"))
        curl_easy_setopt(cu,
                         str_eq(m, "GET") && !has_body ? CURLOPT_HTTPGET : CURLOPT_CUSTOMREQUEST,
                         str_eq(m, "GET") && !has_body ? (void *)1L : (void *)m);
    else if (!has_body)
        curl_easy_setopt(cu, CURLOPT_POSTFIELDS, "");
    rc = curl_easy_perform(cu);
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(cu);
    if (reply.len) /* masked and cut by notify_send */
        *raw = xstrdup(reply.buf);
    if (rc != CURLE_OK) {
        r->retry = true;
        werr_set(e, WISP_ERUNTIME, _("channel %s: %s"), c->name, curl_easy_strerror(rc));
    } else if (r->status >= 200 && r->status < 300) {
        r->ok = true;
        ret = 0;
    } else {
        r->retry = r->status >= 500 || r->status == 429 || r->status == 408;
        werr_set(e, WISP_ERUNTIME, _("channel %s: HTTP %ld"), c->name, r->status);
    }
out:
    wipe(sb_steal(&url));
    wipe(sb_steal(&body));
    sb_free(&reply);
    curl_slist_free_all(hdrs);
    return ret;
}

/* --- SMTP ----------------------------------------------------------------- */

static void
base64(struct sbuf *sb, const char *s, size_t n, size_t line)
{
    /* 57 bytes of input make a 76-character line, as RFC 2045 asks */
    size_t step = line ? line / 4 * 3 : n;
    unsigned char out[128];

    for (size_t i = 0; i < n || i == 0; i += step) {
        size_t k = n - i < step ? n - i : step;
        unsigned char *buf = k * 4 / 3 + 4 > sizeof out ? xmalloc(k * 4 / 3 + 4) : out;

        EVP_EncodeBlock(buf, (const unsigned char *)s + i, (int)k);
        sb_add(sb, (char *)buf);
        if (line)
            sb_add(sb, "\r\n");
        if (buf != out)
            free(buf);
        if (n == 0)
            break;
    }
}

struct upload {
    const char *p;
    size_t left;
};

static size_t
feed(char *buf, size_t size, size_t n, void *arg)
{
    struct upload *u = arg;
    size_t len = size * n < u->left ? size * n : u->left;

    memcpy(buf, u->p, len);
    u->p += len;
    u->left -= len;
    return len;
}

/* The message as RFC 5322 text: headers in ASCII (the subject as an
 * RFC 2047 word), the body base64 (any script, any line length, no dot
 * stuffing to get wrong). */
static void
mail_build(struct sbuf *m, const char *from, const char *to, const char *subject, const char *text)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    unsigned char rnd[8] = {0};
    FILE *f = fopen("/dev/urandom", "rb");

    if (f) {
        if (fread(rnd, 1, sizeof rnd, f) != sizeof rnd)
            memset(rnd, 0, sizeof rnd);
        fclose(f);
    }
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    sb_printf(m, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nSubject: =?UTF-8?B?", date, from, to);
    base64(m, subject, strlen(subject), 0);
    sb_printf(m, "?=\r\nMessage-ID: <%lld.", (long long)now);
    for (size_t i = 0; i < sizeof rnd; i++)
        sb_printf(m, "%02x", rnd[i]);
    sb_printf(m, "@wisp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\n");
    base64(m, text, strlen(text), 76);
}

static int
smtp_send(const struct notify_channel *c, const char *to, const char *subject, const char *text,
          const char *password, struct notify_result *r, struct werr *e)
{
    const char *from = cstr(c, "from"), *user = cstr(c, "user");
    struct sbuf msg = {0}, reply = {0};
    struct curl_slist *rcpt = NULL;
    struct upload u;
    char *mfrom, *mto;
    CURL *cu;
    CURLcode rc;
    int ret = -1;

    if (!mail_address_ok(to)) {
        werr_set(e, WISP_ERUNTIME, _("channel %s: \"%s\" is no email address"), c->name, to);
        snprintf(r->error, sizeof r->error, "%s", e->msg);
        return -1;
    }
    if (str_has_ctrl(subject)) /* built by wisp; a line break here is a bug, not a header */
        subject = "wisp";
    mail_build(&msg, from, to, subject, text);
    mfrom = xasprintf("<%s>", from);
    mto = xasprintf("<%s>", to);
    rcpt = curl_slist_append(rcpt, mto);
    u = (struct upload){msg.buf, msg.len};
    if (!(cu = curl_easy_init())) {
        r->retry = true;
        werr_set(e, WISP_ERUNTIME, "%s", "curl_easy_init failed");
        goto out;
    }
    curl_easy_setopt(cu, CURLOPT_URL, cstr(c, "url"));
    curl_easy_setopt(cu, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(cu, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(cu, CURLOPT_TIMEOUT, (long)c->timeout_s);
    curl_easy_setopt(cu, CURLOPT_CONNECTTIMEOUT, (long)(c->timeout_s < 5 ? c->timeout_s : 5));
    curl_easy_setopt(cu, CURLOPT_MAIL_FROM, mfrom);
    curl_easy_setopt(cu, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(cu, CURLOPT_READFUNCTION, feed);
    curl_easy_setopt(cu, CURLOPT_READDATA, &u);
    curl_easy_setopt(cu, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(cu, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(cu, CURLOPT_WRITEDATA, &reply);
    if (json_is_true(json_object_get(c->config, "starttls")))
        curl_easy_setopt(cu, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (user)
        curl_easy_setopt(cu, CURLOPT_USERNAME, user);
    if (password)
        curl_easy_setopt(cu, CURLOPT_PASSWORD, password);
    rc = curl_easy_perform(cu);
    curl_easy_getinfo(cu, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_cleanup(cu);
    if (rc == CURLE_OK) {
        r->ok = true;
        snprintf(r->reply, sizeof r->reply, "%ld", r->status);
        ret = 0;
    } else {
        /* an SMTP 5xx is a refusal; 4xx, no answer or a dropped line: later */
        r->retry = !(r->status >= 500 && r->status < 600) || rc == CURLE_LOGIN_DENIED;
        if (rc == CURLE_LOGIN_DENIED)
            r->retry = false;
        if (r->status)
            werr_set(e, WISP_ERUNTIME, _("channel %s: %s (SMTP %ld)"), c->name,
                     curl_easy_strerror(rc), r->status);
        else
            werr_set(e, WISP_ERUNTIME, _("channel %s: %s"), c->name, curl_easy_strerror(rc));
    }
out:
    sb_free(&msg);
    sb_free(&reply);
    free(mfrom);
    free(mto);
    curl_slist_free_all(rcpt);
    return ret;
}

int
notify_send(const struct notify_channel *c, const char *to, const char *subject, const char *text,
            const char *const *hide, struct notify_result *r, struct werr *e)
{
    char *secret = NULL, *raw = NULL;
    const char *all[8] = {0};
    size_t k = 0;
    long long t0 = ssh_now_ms();
    int rc;

    memset(r, 0, sizeof *r);
    pthread_once(&curl_once, curl_init);
    if (read_secret(c, &secret, e) < 0) {
        r->retry = true; /* a file put right later sends it */
        snprintf(r->error, sizeof r->error, "%s", e->msg);
        return -1;
    }
    if (c->kind == NOTIFY_SMTP) {
        rc = smtp_send(c, to, subject, text, secret, r, e);
    } else {
        struct notify_vars v = {to, text, subject, secret};

        rc = http_send(c, &v, r, &raw, e);
    }
    r->ms = (int)(ssh_now_ms() - t0);
    if (rc < 0)
        snprintf(r->error, sizeof r->error, "%s", e->msg);
    /* the token, and what the caller names (the PIN, the voucher's
     * password, the message's text), masked before the reply is cut: a
     * secret straddling the cut would stay half readable */
    all[k++] = secret;
    for (size_t i = 0; hide && hide[i] && k < sizeof all / sizeof all[0] - 1; i++)
        all[k++] = hide[i];
    if (!secret)
        all[0] = "";
    if (raw) {
        notify_mask(raw, REPLY_MAX, all);
        snprintf(r->reply, sizeof r->reply, "%s", raw);
        wipe(raw);
    }
    notify_mask(r->error, sizeof r->error - 1, all);
    notify_mask(e->msg, sizeof e->msg - 1, all);
    wipe(secret);
    return rc;
}
