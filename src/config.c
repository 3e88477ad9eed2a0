/*
 * config.c - wisp's settings (see include/wisp/config.h).
 *
 * Every key is one row of options[] below: its type, check, default,
 * environment variable, whether it may hold a secret, help text and where it
 * lives in struct config. Loading, validation, error messages, `config show`
 * and the key list all read that table, so a new key is one row and a field.
 *
 * Values are kept as text (NULL = unset) and a check may normalise the text
 * it accepts. A source (the file, the environment) is applied to a scratch
 * copy and committed only when all of it is valid: a failed load leaves cfg
 * as it was.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "wisp/config.h"
#include "wisp/util.h"

/* How the file may spell a value. Everything is stored as text; an int or
 * bool key would also take a JSON number or boolean, a string key only a
 * JSON string. */
enum opt_type { OPT_STRING, OPT_INT, OPT_BOOL };

static const char *const type_expected[] = {
    [OPT_STRING] = "a string",
    [OPT_INT] = "an integer",
    [OPT_BOOL] = "true or false",
};

/* Accept or reject v, which the check may rewrite in place to normalise it;
 * on rejection write "expected ..." into why. */
typedef int (*check_fn)(char *v, char *why, size_t n);

struct option {
    const char *key;
    enum opt_type type;
    check_fn check;
    const char *def;   /* NULL: unset by default, and "" unsets it */
    const char *env;   /* WISP_ + key upper-cased, dots as underscores */
    bool secret;       /* may hold a password: masked wherever shown */
    const char *unset; /* what `config show` prints while unset */
    const char *help;
    size_t offset; /* of the char * in struct config */
};

#define REDIS_FORMS "redis://[[user]:password@]host[:port][/db] or unix:///path/to.sock[?db=N]"
#define TEXT_MAX    64 /* characters in a shop name or a Redis prefix */
#define THEME_MAX   32 /* characters in a theme name */

/* True when v holds a control character (newline, tab, escape...). */
static bool
has_control(const char *v)
{
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return true;
    return false;
}

/* Number of characters in UTF-8 text, or -1 when it is not valid UTF-8. */
static int
utf8_len(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    int n = 0;

    while (*p) {
        int more;

        if (*p < 0x80)
            more = 0;
        else if (*p >= 0xc2 && *p <= 0xdf)
            more = 1;
        else if ((*p & 0xf0) == 0xe0)
            more = 2;
        else if (*p >= 0xf0 && *p <= 0xf4)
            more = 3;
        else
            return -1;
        for (p++; more > 0; more--, p++)
            if ((*p & 0xc0) != 0x80)
                return -1;
        n++;
    }
    return n;
}

/* ---- secrets ---------------------------------------------------------- */

struct span {
    size_t off, len;
};

static void
add_span(struct span **sp, size_t *n, size_t off, size_t len)
{
    if (len == 0)
        return;
    *sp = xrealloc(*sp, (*n + 1) * sizeof **sp);
    (*sp)[(*n)++] = (struct span){off, len};
}

/* The password in the userinfo of a URI whose authority starts at s[start]
 * (just after "://"); a redis URL's userinfo without a colon is a password
 * too. Returns where the caller's scan should go on. */
static size_t
uri_secret(const char *s, size_t start, bool redis, struct span **sp, size_t *n)
{
    const char *p = s + start, *at = NULL, *colon;
    size_t end = strcspn(p, " \t\r\n\f\v'");
    const char *query = memchr(p, '?', end);

    /* The last '@' ends the userinfo, so a raw '@', '/' or '?' in a password
     * is still hidden; an '@' inside a query value (after "?k=") is not it. */
    for (const char *q = p; q < p + end; q++)
        if (*q == '@' && (query == NULL || q < query || !memchr(query, '=', (size_t)(q - query))))
            at = q;
    if (at == NULL)
        return start;
    colon = memchr(p, ':', (size_t)(at - p));
    if (colon)
        add_span(sp, n, (size_t)(colon + 1 - s), (size_t)(at - colon - 1));
    else if (redis)
        add_span(sp, n, start, (size_t)(at - p));
    return (size_t)(at - s);
}

/* If s[i] starts "password=" or "sslpassword=" as a libpq keyword (after
 * whitespace or a quote) or a URI query parameter (after ? or &), record the
 * value and return the index after it; otherwise return i. */
static size_t
keyword_secret(const char *s, size_t i, struct span **sp, size_t *n)
{
    char prev = i ? s[i - 1] : ' ';
    bool query = prev == '?' || prev == '&';
    size_t j = i, v;

    if (!query && !isspace((unsigned char)prev) && prev != '\'')
        return i;
    if (str_starts(s + i, "password"))
        j += 8;
    else if (str_starts(s + i, "sslpassword"))
        j += 11;
    else
        return i;
    while (!query && isspace((unsigned char)s[j]))
        j++;
    if (s[j] != '=')
        return i;
    j++;
    while (!query && isspace((unsigned char)s[j]))
        j++;
    v = j;
    if (query) {
        j += strcspn(s + j, "&#");
    } else if (s[j] == '\'') {
        for (j++; s[j] && s[j] != '\''; j++)
            if (s[j] == '\\' && s[j + 1])
                j++;
        if (s[j])
            j++;
    } else {
        /* libpq ends a bare value at whitespace only */
        while (s[j] && !isspace((unsigned char)s[j]))
            j++;
    }
    add_span(sp, n, v, j - v);
    return j;
}

/* Where the secrets in s are, in order: passwords in libpq keyword strings
 * (also nested, as dbname='...'), in URIs' userinfo and query. Leaning to
 * hide too much rather than too little. */
static size_t
find_secrets(const char *s, struct span **sp)
{
    size_t n = 0, i = 0, next;

    *sp = NULL;
    while (s[i]) {
        if (strncmp(s + i, "://", 3) == 0) {
            size_t b = i;

            while (b > 0 && (isalnum((unsigned char)s[b - 1]) || strchr("+-.", s[b - 1])))
                b--;
            next = uri_secret(s, i + 3,
                              (i - b == 5 && strncmp(s + b, "redis", 5) == 0) ||
                                  (i - b == 6 && strncmp(s + b, "rediss", 6) == 0),
                              sp, &n);
            i = next > i + 3 ? next : i + 3;
            continue;
        }
        next = keyword_secret(s, i, sp, &n);
        i = next > i ? next : i + 1;
    }
    return n;
}

char *
config_mask_secret(const char *s)
{
    struct sbuf out = {0};
    struct span *sp;
    size_t n, at = 0;

    if (s == NULL)
        return NULL;
    n = find_secrets(s, &sp);
    for (size_t k = 0; k < n; k++) {
        if (sp[k].off < at)
            continue; /* never overlap, never reveal */
        sb_addn(&out, s + at, sp[k].off - at);
        sb_add(&out, "****");
        at = sp[k].off + sp[k].len;
    }
    sb_add(&out, s + at);
    free(sp);
    return sb_steal(&out);
}

/* msg with every secret of value in it replaced by "****": libpq's parse
 * errors may quote a piece of the string they reject. */
static char *
scrub(const char *msg, const char *value)
{
    struct span *sp;
    size_t n = find_secrets(value, &sp);
    char *text = xstrdup(msg);

    for (size_t k = 0; k < n; k++) {
        char *secret = xasprintf("%.*s", (int)sp[k].len, value + sp[k].off);
        struct sbuf out = {0};
        const char *p = text, *hit;

        while ((hit = strstr(p, secret)) != NULL) {
            sb_addn(&out, p, (size_t)(hit - p));
            sb_add(&out, "****");
            p = hit + sp[k].len;
        }
        sb_add(&out, p);
        explicit_bzero(secret, sp[k].len);
        free(secret);
        free(text);
        text = sb_steal(&out);
    }
    free(sp);
    return text;
}

/* ---- checks ----------------------------------------------------------- */

static int
check_conninfo(char *v, char *why, size_t n)
{
    char *err = NULL, *detail;
    PQconninfoOption *opts = PQconninfoParse(v, &err);

    if (opts) {
        PQconninfoFree(opts);
        return 0;
    }
    detail = scrub(err ? err : "out of memory", v);
    detail[strcspn(detail, "\r\n")] = '\0';
    snprintf(why, n, "expected a libpq conninfo (host=... dbname=...) or postgresql:// URI (%s)",
             detail);
    free(detail);
    PQfreemem(err);
    return -1;
}

static int
check_redis(char *v, char *why, size_t n)
{
    struct redis_target t;
    struct werr e = {0};

    if (config_parse_redis_url(v, &t, &e) < 0) {
        snprintf(why, n, "%s", e.msg);
        return -1;
    }
    config_redis_target_free(&t);
    return 0;
}

static int
check_text(char *v, char *why, size_t n)
{
    int len = utf8_len(v);

    if (len < 1 || len > TEXT_MAX || has_control(v)) {
        snprintf(why, n, "expected 1 to %d characters of UTF-8 text on one line", TEXT_MAX);
        return -1;
    }
    return 0;
}

static int
check_currency(char *v, char *why, size_t n)
{
    int len = utf8_len(v);

    if (len < 1 || len > 8 || has_control(v) || strchr(v, ' ')) {
        snprintf(why, n,
                 "expected a currency code or symbol of 1 to 8 characters without spaces, "
                 "e.g. USD, KES or €");
        return -1;
    }
    return 0;
}

static int
check_login_url(char *v, char *why, size_t n)
{
    const char *host = str_starts(v, "https://") ? v + 8 : str_starts(v, "http://") ? v + 7 : NULL;

    if (host == NULL || *host == '\0' || *host == '/' || strstr(v, "{user}") == NULL ||
        strchr(v, ' ') || has_control(v) || utf8_len(v) < 0) {
        snprintf(why, n,
                 "expected an http:// or https:// URL containing {user} (and usually {pass}), "
                 "without spaces");
        return -1;
    }
    /* a typo such as {password} would otherwise go onto every card as is */
    for (const char *p = strchr(v, '{'); p; p = strchr(p + 1, '{'))
        if (!str_starts(p, "{user}") && !str_starts(p, "{pass}")) {
            int len = (int)strcspn(p, "}");

            snprintf(why, n, "expected only the placeholders {user} and {pass}, found %.*s%s",
                     len > 20 ? 20 : len, p, p[len] == '}' && len <= 20 ? "}" : "...");
            return -1;
        }
    return 0;
}

static int
check_prefix(char *v, char *why, size_t n)
{
    int len = utf8_len(v);

    if (len < 1 || len > TEXT_MAX || has_control(v) || strchr(v, ' ')) {
        snprintf(why, n,
                 "expected 1 to %d characters without spaces, e.g. wisp: or shop2:", TEXT_MAX);
        return -1;
    }
    return 0;
}

static int
check_name(char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    if (len == 0 || len > THEME_MAX ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len) {
        snprintf(why, n, "expected a name of 1 to %d letters, digits, - and _", THEME_MAX);
        return -1;
    }
    return 0;
}

static int
check_ecc(char *v, char *why, size_t n)
{
    if (strlen(v) != 1 || strchr("LMQH", toupper((unsigned char)v[0])) == NULL) {
        snprintf(why, n, "expected one of L, M, Q, H");
        return -1;
    }
    v[0] = (char)toupper((unsigned char)v[0]);
    return 0;
}

/* A whole number of seconds in [0, 86400]. */
static int
check_seconds(char *v, char *why, size_t n)
{
    int64_t x;

    if (str_to_i64(v, 0, 86400, &x) < 0) {
        snprintf(why, n, "expected a whole number of seconds, 0 to 86400");
        return -1;
    }
    return 0;
}

/* A deadline in seconds, 1 to 600. */
static int
check_deadline(char *v, char *why, size_t n)
{
    int64_t x;

    if (str_to_i64(v, 1, 600, &x) < 0) {
        snprintf(why, n, "expected a whole number of seconds, 1 to 600");
        return -1;
    }
    return 0;
}

static int
check_embedded(char *v, char *why, size_t n)
{
    if (str_eq(v, "auto") || str_eq(v, "on") || str_eq(v, "off"))
        return 0;
    snprintf(why, n, "expected auto, on or off");
    return -1;
}

/* ---- the table -------------------------------------------------------- */

#define AT(field) offsetof(struct config, field)
static const struct option options[] = {
    {"db", OPT_STRING, check_conninfo, NULL, "WISP_DB", true, "(libpq defaults)",
     "PostgreSQL: libpq conninfo or postgresql:// URI; unset = PG* variables, service files",
     AT(db)},
    {"redis", OPT_STRING, check_redis, NULL, "WISP_REDIS", true, "(unset: live metrics off)",
     "Redis for events and live metrics: " REDIS_FORMS, AT(redis)},
    {"shop.name", OPT_STRING, check_text, "wisp hotspot", "WISP_SHOP_NAME", false, NULL,
     "shop name printed on voucher sheets and the console header", AT(shop_name)},
    {"currency", OPT_STRING, check_currency, "USD", "WISP_CURRENCY", false, NULL,
     "currency code or symbol shown with prices", AT(currency)},
    {"login_url", OPT_STRING, check_login_url,
     "http://hotspot.lan/login?username={user}&password={pass}", "WISP_LOGIN_URL", false, NULL,
     "hotspot login URL a voucher's QR code opens; {user} and {pass} are filled in", AT(login_url)},
    {"redis.prefix", OPT_STRING, check_prefix, "wisp:", "WISP_REDIS_PREFIX", false, NULL,
     "prefix of every Redis key and channel, so shops can share one Redis", AT(redis_prefix)},
    {"theme", OPT_STRING, check_name, "default", "WISP_THEME", false, NULL,
     "console colour theme (a file in the themes directory)", AT(theme)},
    {"qr.ecc", OPT_STRING, check_ecc, "M", "WISP_QR_ECC", false, NULL,
     "QR error correction level: L, M, Q or H", AT(qr_ecc)},
    {"worker.interval", OPT_INT, check_seconds, "10", "WISP_WORKER_INTERVAL", false, NULL,
     "seconds between worker cycles; 0 = back to back", AT(worker_interval)},
    {"worker.embedded", OPT_STRING, check_embedded, "auto", "WISP_WORKER_EMBEDDED", false, NULL,
     "console runs a worker thread: auto (when no worker is seen), on or off", AT(worker_embedded)},
    {"ssh.connect_timeout", OPT_INT, check_deadline, "5", "WISP_SSH_CONNECT_TIMEOUT", false, NULL,
     "seconds allowed to connect and log in to a router", AT(ssh_connect_timeout)},
    {"ssh.command_timeout", OPT_INT, check_deadline, "15", "WISP_SSH_COMMAND_TIMEOUT", false, NULL,
     "seconds allowed to one command on a router", AT(ssh_command_timeout)},
};
#define NOPTIONS (sizeof options / sizeof options[0])
#define SHOW_KEY 19 /* key column of `config show`, wide enough for every key */

static char **
slot(struct config *cfg, const struct option *o)
{
    return (char **)((char *)cfg + o->offset);
}

static const char *
value_of(const struct config *cfg, const struct option *o)
{
    return *(char *const *)((const char *)cfg + o->offset);
}

static const struct option *
find_option(const char *key)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(options[i].key, key) == 0)
            return &options[i];
    return NULL;
}

/* Free a value, wiping it first when it may hold a password. */
static void
release(char *v, bool secret)
{
    if (v && secret)
        explicit_bzero(v, strlen(v));
    free(v);
}

void
config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    for (size_t i = 0; i < NOPTIONS; i++)
        *slot(cfg, &options[i]) = options[i].def ? xstrdup(options[i].def) : NULL;
}

void
config_free(struct config *cfg)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        release(*slot(cfg, &options[i]), options[i].secret);
    free(cfg->file);
    json_decref(cfg->providers);
    memset(cfg, 0, sizeof *cfg);
}

/* A deep copy of src, to load into before committing. */
static void
config_copy(struct config *dst, const struct config *src)
{
    *dst = *src;
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *v = value_of(src, &options[i]);

        *slot(dst, &options[i]) = v ? xstrdup(v) : NULL;
    }
    dst->file = src->file ? xstrdup(src->file) : NULL;
    dst->providers = src->providers ? json_deep_copy(src->providers) : NULL;
}

/* Replace cfg by the scratch copy that loaded without error. */
static void
config_commit(struct config *cfg, struct config *scratch)
{
    config_free(cfg);
    *cfg = *scratch;
}

const char *
config_get(const struct config *cfg, const char *key)
{
    const struct option *o = find_option(key);

    return o ? value_of(cfg, o) : NULL;
}

/* ---- errors ----------------------------------------------------------- */

/* s in double quotes for a one-line message: control characters escaped,
 * cut after 80 bytes (on a character boundary). */
static void
sb_quoted(struct sbuf *sb, const char *s)
{
    size_t i;

    sb_addc(sb, '"');
    for (i = 0; s[i] && (i < 80 || ((unsigned char)s[i] & 0xc0) == 0x80); i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '"' || c == '\\') {
            sb_addc(sb, '\\');
            sb_addc(sb, (char)c);
        } else if (c < 0x20 || c == 0x7f) {
            sb_printf(sb, "\\x%02x", c);
        } else {
            sb_addc(sb, (char)c);
        }
    }
    if (s[i])
        sb_add(sb, "...");
    sb_addc(sb, '"');
}

/* Fill e with `ORIGIN: key "KEY": TEXT` and return -1. */
static int
key_error(struct werr *e, const char *origin, const char *key, const char *text)
{
    struct sbuf sb = {0};

    sb_printf(&sb, "%s: key ", origin ? origin : "config");
    sb_quoted(&sb, key);
    sb_printf(&sb, ": %s", text);
    werr_set(e, WISP_EUSAGE, "%s", sb.buf);
    sb_free(&sb);
    return -1;
}

/* Edit distance between a and b ignoring case, to suggest what a typo meant. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[65];

    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j],
                   cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;

            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int
unknown_key(struct werr *e, const char *origin, const char *key)
{
    struct sbuf text = {0};
    const struct option *near = NULL;
    size_t best = 3; /* suggest only what is at most two edits away */

    for (size_t i = 0; i < NOPTIONS; i++) {
        size_t d = distance(key, options[i].key);

        if (d < best && d < strlen(key))
            best = d, near = &options[i];
    }
    sb_add(&text, "unknown key (");
    if (near)
        sb_printf(&text, "did you mean \"%s\"? ", near->key);
    sb_add(&text, "known:");
    for (size_t i = 0; i < NOPTIONS; i++)
        sb_printf(&text, "%s %s", i ? "," : "", options[i].key);
    sb_addc(&text, ')');
    key_error(e, origin, key, text.buf);
    sb_free(&text);
    return -1;
}

/* Check value and store it; NULL restores the default, and "" unsets a key
 * whose default is unset. */
static int
set_option(struct config *cfg, const struct option *o, const char *value, const char *origin,
           struct werr *e)
{
    char why[400], *v;

    if (value == NULL || (*value == '\0' && o->def == NULL)) {
        v = value == NULL && o->def ? xstrdup(o->def) : NULL;
    } else {
        v = xstrdup(value);
        if (o->check(v, why, sizeof why) < 0) {
            struct sbuf text = {0};
            char *shown = o->secret ? config_mask_secret(value) : xstrdup(value);

            sb_printf(&text, "%s, got ", why);
            sb_quoted(&text, shown);
            key_error(e, origin, o->key, text.buf);
            sb_free(&text);
            free(shown);
            release(v, o->secret);
            return -1;
        }
    }
    release(*slot(cfg, o), o->secret);
    *slot(cfg, o) = v;
    return 0;
}

int
config_set(struct config *cfg, const char *key, const char *value, const char *origin,
           struct werr *e)
{
    const struct option *o = find_option(key);

    if (o == NULL)
        return unknown_key(e, origin, key);
    return set_option(cfg, o, value, origin, e);
}

/* ---- the file --------------------------------------------------------- */

struct load {
    struct config *cfg; /* the scratch copy */
    const char *file;
    bool seen[NOPTIONS]; /* {"shop": {"name": ..}} and "shop.name" both given is an error */
};

static const char *
json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        break;
    }
    return "null";
}

static int load_object(struct load *l, json_t *obj, const char *prefix, struct werr *e);
static int load_providers(struct load *l, json_t *v, struct werr *e);

static int
load_value(struct load *l, const char *key, json_t *v, struct werr *e)
{
    const struct option *o = find_option(key);
    char num[32], text[96];

    if (str_eq(key, "providers"))
        return load_providers(l, v, e);
    /* An object always holds more keys: {"redis": {"prefix": ..}} is
     * redis.prefix, although "redis" is a key of its own too. */
    if (json_is_object(v) && (o == NULL || json_object_size(v) > 0))
        return load_object(l, v, key, e);
    if (o == NULL)
        return unknown_key(e, l->file, key);
    if (l->seen[o - options])
        return key_error(e, l->file, key, "given twice (nested and dotted?)");
    l->seen[o - options] = true;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return set_option(l->cfg, o, NULL, l->file, e);
    case JSON_STRING:
        return set_option(l->cfg, o, json_string_value(v), l->file, e);
    case JSON_INTEGER:
        if (o->type != OPT_INT)
            break;
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return set_option(l->cfg, o, num, l->file, e);
    case JSON_TRUE:
    case JSON_FALSE:
        if (o->type != OPT_BOOL)
            break;
        return set_option(l->cfg, o, json_is_true(v) ? "true" : "false", l->file, e);
    default:
        break;
    }
    snprintf(text, sizeof text, "expected %s, got %s", type_expected[o->type], json_kind(v));
    return key_error(e, l->file, key, text);
}

/* "providers": {"NAME": {"url": ..., ...}}: order providers, checked here and
 * kept as JSON (see config_provider). */
static int
load_providers(struct load *l, json_t *v, struct werr *e)
{
    static const char *const ints[] = {
        "http_timeout_s", "first_check_s", "backoff_base_s", "backoff_max_s",
        "max_checks",     "timeout_s",     "sweep_s",        NULL};
    const char *name, *k;
    json_t *p, *x;

    if (!json_is_object(v))
        return key_error(e, l->file, "providers", "expected an object of providers by name");
    json_object_foreach(v, name, p)
    {
        char key[160];

        snprintf(key, sizeof key, "providers.%s", name);
        if (!*name || strlen(name) > 32 ||
            strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
                strlen(name))
            return key_error(e, l->file, key, "a provider name is 1-32 letters, digits, _ or -");
        if (!json_is_object(p))
            return key_error(e, l->file, key, "expected an object");
        json_object_foreach(p, k, x)
        {
            bool known = false;

            snprintf(key, sizeof key, "providers.%s.%s", name, k);
            for (int i = 0; ints[i] && !known; i++)
                if (str_eq(k, ints[i])) {
                    known = true;
                    if (!json_is_integer(x) || json_integer_value(x) < 0 ||
                        json_integer_value(x) > 10000000)
                        return key_error(e, l->file, key, "expected a whole number, 0 or more");
                }
            if (str_eq(k, "url")) {
                const char *u = json_string_value(x);

                known = true;
                if (!u || !(str_starts(u, "http://") || str_starts(u, "https://")) ||
                    has_control(u))
                    return key_error(e, l->file, key, "expected an http:// or https:// URL");
            } else if (str_eq(k, "token_env") || str_eq(k, "token_file")) {
                known = true;
                if (!json_is_string(x) || !*json_string_value(x))
                    return key_error(e, l->file, key, "expected a string");
            }
            if (!known)
                return key_error(e, l->file, key,
                                 "unknown key (known: url, token_env, token_file, http_timeout_s, "
                                 "first_check_s, backoff_base_s, backoff_max_s, max_checks, "
                                 "timeout_s, sweep_s)");
        }
        if (!json_is_string(json_object_get(p, "url"))) {
            snprintf(key, sizeof key, "providers.%s.url", name);
            return key_error(e, l->file, key, "missing: every provider needs its url");
        }
    }
    json_decref(l->cfg->providers);
    l->cfg->providers = json_deep_copy(v);
    return 0;
}

/* Walk a JSON object; nested objects become dotted keys. */
static int
load_object(struct load *l, json_t *obj, const char *prefix, struct werr *e)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        char *key = prefix ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
        int rc = load_value(l, key, v, e);

        free(key);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* $XDG_CONFIG_HOME/wisp/config.json, or ~/.config/wisp/config.json; NULL
 * without either. A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. */
static char *
default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (xdg && xdg[0] == '/')
        return xasprintf("%s/wisp/config.json", xdg);
    if (home && *home)
        return xasprintf("%s/.config/wisp/config.json", home);
    return NULL;
}

/* Parse file into a JSON object; NULL with e filled, or NULL with e clear
 * when the default file is simply absent. */
static json_t *
read_json(const char *file, bool must_exist, struct werr *e)
{
    FILE *f = fopen(file, "r");
    struct stat st;
    json_error_t jerr;
    json_t *root;

    if (f == NULL) {
        if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
            return NULL;
        werr_set(e, WISP_EUSAGE, "%s: cannot open the config file: %s", file, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        werr_set(e, WISP_EUSAGE, "%s: is a directory, expected a JSON config file", file);
        return NULL;
    }
    root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (root == NULL) {
        werr_set(e, WISP_EUSAGE, "%s: invalid JSON at line %d, column %d: %s", file, jerr.line,
                 jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        werr_set(e, WISP_EUSAGE, "%s: expected a JSON object of settings, got %s", file,
                 json_kind(root));
        json_decref(root);
        return NULL;
    }
    return root;
}

/* True when the file set a value holding a password (in db or redis): then
 * the file must be private, as OpenSSH wants of a key. */
static bool
file_holds_secret(const struct config *after, const struct config *before)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *v = value_of(after, &options[i]);
        char *masked;
        bool secret;

        if (!options[i].secret || !v || str_eq(v, value_of(before, &options[i])))
            continue;
        masked = config_mask_secret(v);
        secret = !str_eq(masked, v);
        free(masked);
        if (secret)
            return true;
    }
    return false;
}

int
config_load_file(struct config *cfg, const char *path, struct werr *e)
{
    char *file = path ? xstrdup(path) : default_path();
    struct config scratch;
    struct load l = {.cfg = &scratch};
    struct werr why = {0};
    json_t *root;

    if (file == NULL)
        return 0;
    root = read_json(file, path != NULL, &why);
    if (root == NULL) {
        free(file);
        if (why.status == 0)
            return 0;
        *e = why;
        return -1;
    }
    config_copy(&scratch, cfg);
    l.file = file;
    if (load_object(&l, root, NULL, e) < 0) {
        json_decref(root);
        config_free(&scratch);
        free(file);
        return -1;
    }
    json_decref(root);
    if (file_holds_secret(&scratch, cfg) && file_check_private("config file", file, -1, e) < 0) {
        config_free(&scratch);
        free(file);
        return -1;
    }
    free(scratch.file);
    scratch.file = file;
    config_commit(cfg, &scratch);
    return 0;
}

int
config_load_env(struct config *cfg, struct werr *e)
{
    struct config scratch;

    config_copy(&scratch, cfg);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *v = getenv(options[i].env);

        /* empty means unset, so WISP_X= on a command line hides nothing */
        if (v == NULL || *v == '\0')
            continue;
        if (set_option(&scratch, &options[i], v, options[i].env, e) < 0) {
            config_free(&scratch);
            return -1;
        }
    }
    config_commit(cfg, &scratch);
    return 0;
}

/* ---- showing ---------------------------------------------------------- */

/* s on one line: control characters (possible in a conninfo) escaped. */
static void
put_safe(FILE *out, const char *s)
{
    fput_safe(s, out);
}

static void
show_json(const struct config *cfg, FILE *out)
{
    json_t *obj = json_object();

    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *v = value_of(cfg, &options[i]);
        char *shown = options[i].secret ? config_mask_secret(v) : (v ? xstrdup(v) : NULL);
        json_t *js = shown ? json_string(shown) : json_null();

        if (js == NULL) /* not UTF-8: jansson refuses it, and so would a reader */
            js = json_string("(not valid UTF-8)");
        json_object_set_new(obj, options[i].key, js);
        free(shown);
    }
    json_dumpf(obj, out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    fputc('\n', out);
    json_decref(obj);
}

void
config_show(const struct config *cfg, FILE *out, bool json)
{
    int width = SHOW_KEY;

    if (json) {
        show_json(cfg, out);
        return;
    }
    for (size_t i = 0; i < NOPTIONS; i++)
        if ((int)strlen(options[i].key) > width)
            width = (int)strlen(options[i].key);
    fprintf(out, "%-*s = ", width, "config file");
    if (cfg->file) {
        put_safe(out, cfg->file);
    } else {
        char *def = default_path();

        if (def)
            fprintf(out, "(none; looked for %s)", def);
        else
            fputs("(none)", out);
        free(def);
    }
    fputc('\n', out);
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *v = value_of(cfg, &options[i]);

        fprintf(out, "%-*s = ", width, options[i].key);
        if (v == NULL) {
            fputs(options[i].unset ? options[i].unset : "(unset)", out);
        } else if (options[i].secret) {
            char *masked = config_mask_secret(v);

            put_safe(out, masked);
            free(masked);
        } else {
            put_safe(out, v);
        }
        fputc('\n', out);
    }
    if (cfg->providers) { /* order providers: where they are and where their token comes from */
        const char *name;
        json_t *p;

        json_object_foreach(cfg->providers, name, p)
        {
            const char *env = json_string_value(json_object_get(p, "token_env"));
            const char *file = json_string_value(json_object_get(p, "token_file"));

            fprintf(out, "providers.%s = ", name);
            put_safe(out, json_string_value(json_object_get(p, "url")));
            if (env)
                fprintf(out, " (token from $%s)", env);
            else if (file)
                fprintf(out, " (token from %s)", file);
            fputc('\n', out);
        }
    }
}

void
config_help(FILE *out)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];

        fprintf(out, "%-*s %-24s default ", SHOW_KEY, o->key, o->env);
        if (o->def)
            fprintf(out, "\"%s\"", o->def);
        else
            fputs(o->unset ? o->unset : "(unset)", out);
        fprintf(out, "%s\n%-*s %s\n", o->secret ? ", secret (shown masked)" : "", SHOW_KEY, "",
                o->help);
    }
}

/* ---- Redis URLs ------------------------------------------------------- */

static int
redis_bad(struct redis_target *t, struct werr *e, const char *why)
{
    config_redis_target_free(t);
    return werr_set(e, WISP_EUSAGE, "expected %s (%s)", REDIS_FORMS, why);
}

/* Percent-decode n bytes of s into a fresh string; NULL on a bad escape. */
static char *
pct_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1), *o = out;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
            !isxdigit((unsigned char)s[i + 2]) || (s[i + 1] == '0' && s[i + 2] == '0')) {
            explicit_bzero(out, n + 1);
            free(out);
            return NULL;
        }
        {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};

            *o++ = (char)strtol(hex, NULL, 16);
        }
        i += 2;
    }
    *o = '\0';
    return out;
}

static int
parse_db(const char *s, size_t n, int *db)
{
    char buf[16];
    int64_t v;

    if (n == 0 || n >= sizeof buf || strspn(s, "0123456789") < n)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (str_to_i64(buf, 0, INT_MAX, &v) < 0)
        return -1;
    *db = (int)v;
    return 0;
}

/* unix:///path/to.sock[?db=N][&password=PW] (s is after "unix://"). */
static int
parse_unix(const char *s, struct redis_target *t, struct werr *e)
{
    size_t plen = strcspn(s, "?#");
    const char *q;

    if (*s != '/')
        return redis_bad(t, e, "the socket path must be absolute, as in unix:///run/redis.sock");
    if (plen < 2)
        return redis_bad(t, e, "no socket path");
    if (s[plen] == '#')
        return redis_bad(t, e, "unexpected #");
    t->path = xasprintf("%.*s", (int)plen, s);
    for (q = s + plen; *q == '?' || *q == '&'; q += strcspn(q + 1, "&") + 1) {
        const char *v = q + 1;
        size_t vlen = strcspn(v, "&");

        if (str_starts(v, "db=")) {
            if (parse_db(v + 3, vlen - 3, &t->db) < 0)
                return redis_bad(t, e, "db must be a non-negative integer");
        } else if (str_starts(v, "password=") && t->password == NULL) {
            if ((t->password = pct_decode(v + 9, vlen - 9)) == NULL)
                return redis_bad(t, e, "bad %-escape in the password");
        } else {
            return redis_bad(t, e, "the only parameters are db= and password=");
        }
    }
    return 0;
}

/* host, [v6] or host:port in [p, end). */
static int
parse_host_port(const char *p, const char *end, struct redis_target *t, struct werr *e)
{
    const char *host = p, *hend, *after;
    const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";

    if (*p == '[') {
        host = p + 1;
        if ((hend = memchr(host, ']', (size_t)(end - host))) == NULL)
            return redis_bad(t, e, "no ] after an IPv6 address");
        after = hend + 1;
        ok = "0123456789abcdefABCDEF:.";
    } else {
        hend = memchr(p, ':', (size_t)(end - p));
        hend = hend ? hend : end;
        after = hend;
    }
    if (hend == host)
        return redis_bad(t, e, "no host");
    for (const char *c = host; c < hend; c++)
        if (strchr(ok, *c) == NULL)
            return redis_bad(t, e, "bad character in the host");
    t->host = xasprintf("%.*s", (int)(hend - host), host);
    if (after < end) {
        char port[8];
        int64_t v;
        size_t n = (size_t)(end - after - 1);

        if (*after != ':')
            return redis_bad(t, e, "bad character after the host");
        if (n == 0 || n >= sizeof port || strspn(after + 1, "0123456789") < n)
            return redis_bad(t, e, "port must be 1-65535");
        memcpy(port, after + 1, n);
        port[n] = '\0';
        if (str_to_i64(port, 1, 65535, &v) < 0)
            return redis_bad(t, e, "port must be 1-65535");
        t->port = (int)v;
    }
    return 0;
}

int
config_parse_redis_url(const char *url, struct redis_target *t, struct werr *e)
{
    const char *p, *end, *at = NULL;

    memset(t, 0, sizeof *t);
    t->port = 6379;
    if (url == NULL || *url == '\0')
        return redis_bad(t, e, "no URL");
    if (str_starts(url, "unix://"))
        return parse_unix(url + 7, t, e);
    if (!str_starts(url, "redis://"))
        return redis_bad(t, e, "the URL must start with redis:// or unix://");
    p = url + 8;
    end = p + strcspn(p, "/?#");
    for (const char *c = p; c < end; c++)
        if (*c == '@')
            at = c;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));

        if (colon == NULL)
            return redis_bad(t, e, "put a colon before the password, as in redis://:password@host");
        if (at > colon + 1 &&
            (t->password = pct_decode(colon + 1, (size_t)(at - colon - 1))) == NULL)
            return redis_bad(t, e, "bad %-escape in the password");
        p = at + 1;
    }
    if (parse_host_port(p, end, t, e) < 0)
        return -1;
    if (*end == '/' && end[1] != '\0' && parse_db(end + 1, strlen(end + 1), &t->db) < 0)
        return redis_bad(t, e, "db must be a non-negative integer");
    if (*end == '?' || *end == '#')
        return redis_bad(t, e, "unexpected ? or # after the host");
    return 0;
}

void
config_redis_target_free(struct redis_target *t)
{
    free(t->host);
    free(t->path);
    release(t->password, true);
    memset(t, 0, sizeof *t);
}
