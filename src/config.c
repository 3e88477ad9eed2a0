/*
 * config.c - settings declared once in an options table (see
 * include/wisp/config.h). Validation, `config show` and error messages all
 * come from the table, so a new key is one line here.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/util.h"

typedef int (*check_fn)(const char *value, char *why, size_t n);

struct option {
    const char *key;
    size_t offset; /* of the char * in struct config */
    const char *def;
    check_fn check;
    bool secret; /* may hold a password: masked by config show */
    const char *help;
};

static int
check_any(const char *v, char *why, size_t n)
{
    (void)v, (void)why, (void)n;
    return 0;
}

static int
check_redis(const char *v, char *why, size_t n)
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
check_text(const char *v, char *why, size_t n)
{
    if (*v == '\0' || strlen(v) > 64 || strpbrk(v, "\r\n\t")) {
        snprintf(why, n, "expected 1-64 characters on one line");
        return -1;
    }
    return 0;
}

static int
check_currency(const char *v, char *why, size_t n)
{
    if (*v == '\0' || strlen(v) > 8 || strpbrk(v, " \r\n\t")) {
        snprintf(why, n, "expected a currency code or symbol of 1-8 characters, e.g. USD");
        return -1;
    }
    return 0;
}

static int
check_login_url(const char *v, char *why, size_t n)
{
    if ((!str_starts(v, "http://") && !str_starts(v, "https://")) || !strstr(v, "{user}") ||
        strpbrk(v, " \r\n\t")) {
        snprintf(why, n, "expected an http:// or https:// URL containing {user} (and {pass})");
        return -1;
    }
    return 0;
}

static int
check_prefix(const char *v, char *why, size_t n)
{
    if (*v == '\0' || strlen(v) > 32 || strpbrk(v, " \r\n\t")) {
        snprintf(why, n, "expected 1-32 characters without spaces, e.g. wisp:");
        return -1;
    }
    return 0;
}

static int
check_name(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    if (len == 0 || len > 32 ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len) {
        snprintf(why, n, "expected a name of letters, digits, - and _");
        return -1;
    }
    return 0;
}

static int
check_ecc(const char *v, char *why, size_t n)
{
    if (strlen(v) != 1 || strchr("LMQH", v[0]) == NULL) {
        snprintf(why, n, "expected one of L, M, Q, H");
        return -1;
    }
    return 0;
}

#define OPT(k, field, d, c, s, h)                                                                  \
    {                                                                                              \
        k, offsetof(struct config, field), d, c, s, h                                              \
    }
static const struct option options[] = {
    OPT("db", db, NULL, check_any, true, "libpq conninfo or URI; unset = libpq defaults"),
    OPT("redis", redis, NULL, check_redis, true, "redis://[:pw@]host[:port][/db] or unix:///path"),
    OPT("shop.name", shop_name, "wisp hotspot", check_text, false, "printed on every voucher"),
    OPT("currency", currency, "USD", check_currency, false, "shown with prices"),
    OPT("login_url", login_url, "http://hotspot.lan/login?username={user}&password={pass}",
        check_login_url, false, "what a voucher's QR code opens"),
    OPT("redis.prefix", redis_prefix, "wisp:", check_prefix, false, "prefix of every Redis key"),
    OPT("theme", theme, "default", check_name, false, "console theme"),
    OPT("qr.ecc", qr_ecc, "M", check_ecc, false, "QR error correction: L, M, Q or H"),
};
#define NOPTIONS (sizeof options / sizeof options[0])

static char **
slot(struct config *cfg, const struct option *o)
{
    return (char **)((char *)cfg + o->offset);
}

static const struct option *
find_option(const char *key)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strcmp(options[i].key, key) == 0)
            return &options[i];
    return NULL;
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
        free(*slot(cfg, &options[i]));
    free(cfg->file);
    memset(cfg, 0, sizeof *cfg);
}

int
config_set(struct config *cfg, const char *key, const char *value, const char *origin,
           struct werr *e)
{
    const struct option *o = find_option(key);
    char why[400];

    if (o == NULL) {
        struct sbuf known = {0};

        for (size_t i = 0; i < NOPTIONS; i++)
            sb_printf(&known, "%s%s", i ? ", " : "", options[i].key);
        werr_set(e, WISP_EUSAGE, "%s: key \"%s\": unknown key (known: %s)", origin, key, known.buf);
        sb_free(&known);
        return -1;
    }
    if (o->check(value, why, sizeof why) < 0)
        return werr_set(e, WISP_EUSAGE, "%s: key \"%s\": %s, got \"%s\"", origin, key, why,
                        o->secret ? "****" : value);
    free(*slot(cfg, o));
    *slot(cfg, o) = xstrdup(value);
    return 0;
}

/* Walk a JSON object, dotted keys for nested objects. */
static int
load_object(struct config *cfg, json_t *obj, const char *prefix, const char *file, struct werr *e)
{
    const char *k;
    json_t *v;

    json_object_foreach(obj, k, v)
    {
        char key[128];

        snprintf(key, sizeof key, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v)) {
            if (load_object(cfg, v, key, file, e) < 0)
                return -1;
        } else if (json_is_string(v)) {
            if (config_set(cfg, key, json_string_value(v), file, e) < 0)
                return -1;
        } else if (json_is_null(v)) {
            const struct option *o = find_option(key);

            if (o == NULL)
                return config_set(cfg, key, "", file, e);
            free(*slot(cfg, o));
            *slot(cfg, o) = o->def ? xstrdup(o->def) : NULL;
        } else if (find_option(key) == NULL) {
            return config_set(cfg, key, "", file, e); /* reports the unknown key */
        } else {
            return werr_set(e, WISP_EUSAGE, "%s: key \"%s\": expected a string", file, key);
        }
    }
    return 0;
}

/* $XDG_CONFIG_HOME/wisp/config.json, or ~/.config/wisp/config.json. */
static char *
default_path(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    if (xdg && *xdg)
        return xasprintf("%s/wisp/config.json", xdg);
    if (home && *home)
        return xasprintf("%s/.config/wisp/config.json", home);
    return NULL;
}

int
config_load_file(struct config *cfg, const char *path, struct werr *e)
{
    char *file = path ? xstrdup(path) : default_path();
    json_error_t jerr;
    json_t *root;
    int rc;

    if (file == NULL)
        return 0;
    if (path == NULL && access(file, F_OK) != 0) {
        free(file);
        return 0;
    }
    root = json_load_file(file, 0, &jerr);
    if (root == NULL) {
        if (access(file, R_OK) != 0)
            werr_set(e, WISP_EUSAGE, "%s: cannot read the config file: %s", file, strerror(errno));
        else
            werr_set(e, WISP_EUSAGE, "%s: line %d, column %d: %s", file, jerr.line, jerr.column,
                     jerr.text);
        free(file);
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        werr_set(e, WISP_EUSAGE, "%s: expected a JSON object of settings", file);
        free(file);
        return -1;
    }
    rc = load_object(cfg, root, "", file, e);
    json_decref(root);
    free(cfg->file);
    cfg->file = file;
    return rc;
}

int
config_load_env(struct config *cfg, struct werr *e)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        char name[64], *p;
        const char *v;

        snprintf(name, sizeof name, "WISP_%s", options[i].key);
        for (p = name; *p; p++)
            *p = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
        v = getenv(name);
        if (v && *v && config_set(cfg, options[i].key, v, name, e) < 0)
            return -1;
    }
    return 0;
}

/* Mask the value after `key=` (plain or quoted) in a libpq keyword string. */
static void
mask_keyword(struct sbuf *out, const char *s, const char *key)
{
    size_t klen = strlen(key);
    const char *p = s;

    while (*p) {
        bool at_word = p == s || isspace((unsigned char)p[-1]);

        if (at_word && strncmp(p, key, klen) == 0) {
            const char *q = p + klen;

            while (*q == ' ')
                q++;
            if (*q == '=') {
                q++;
                while (*q == ' ')
                    q++;
                sb_addn(out, p, (size_t)(q - p));
                sb_add(out, "****");
                if (*q == '\'') {
                    for (q++; *q && *q != '\''; q++)
                        if (*q == '\\' && q[1])
                            q++;
                    if (*q)
                        q++;
                } else {
                    while (*q && !isspace((unsigned char)*q))
                        q++;
                }
                p = q;
                continue;
            }
        }
        sb_addc(out, *p++);
    }
}

char *
config_mask_secret(const char *s)
{
    struct sbuf out = {0};
    const char *scheme, *at, *colon, *q;

    if (s == NULL)
        return NULL;
    scheme = strstr(s, "://");
    if (scheme == NULL) {
        mask_keyword(&out, s, "password");
        return sb_steal(&out);
    }
    /* URI: scheme://[user[:password]@]host... and ?password=... */
    at = strchr(scheme + 3, '@');
    q = strchr(scheme + 3, '/');
    if (at && (q == NULL || at < q) &&
        (colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3)))) {
        sb_addn(&out, s, (size_t)(colon - s + 1));
        sb_add(&out, "****");
        s = at;
    }
    while (*s) {
        if ((*s == '?' || *s == '&') && strncmp(s + 1, "password=", 9) == 0) {
            sb_addn(&out, s, 10);
            sb_add(&out, "****");
            s += 10;
            while (*s && *s != '&')
                s++;
            continue;
        }
        sb_addc(&out, *s++);
    }
    return sb_steal(&out);
}

void
config_show(const struct config *cfg, FILE *out, bool json)
{
    json_t *obj = json ? json_object() : NULL;

    if (!json)
        fprintf(out, "%-13s = %s\n", "config file", cfg->file ? cfg->file : "(none)");
    for (size_t i = 0; i < NOPTIONS; i++) {
        const char *v = *(char *const *)((const char *)cfg + options[i].offset);
        char *shown = options[i].secret ? config_mask_secret(v) : (v ? xstrdup(v) : NULL);

        if (json)
            json_object_set_new(obj, options[i].key, shown ? json_string(shown) : json_null());
        else
            fprintf(out, "%-13s = %s\n", options[i].key,
                    shown                          ? shown
                    : str_eq(options[i].key, "db") ? "(unset: libpq defaults)"
                                                   : "(unset)");
        free(shown);
    }
    if (json) {
        json_dumpf(obj, out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
        fputc('\n', out);
        json_decref(obj);
    }
}

int
config_parse_redis_url(const char *url, struct redis_target *t, struct werr *e)
{
    const char *p, *host, *end;
    char *rest = NULL;
    int64_t n;

    memset(t, 0, sizeof *t);
    t->port = 6379;
    if (url && str_starts(url, "unix://")) {
        p = url + 7;
        end = strchr(p, '?');
        if (*p != '/' || (end ? end - p : (long)strlen(p)) < 2)
            goto bad;
        t->path = end ? xasprintf("%.*s", (int)(end - p), p) : xstrdup(p);
        if (end) {
            if (!str_starts(end, "?db=") || str_to_i64(end + 4, 0, 1000, &n) < 0)
                goto bad;
            t->db = (int)n;
        }
        return 0;
    }
    if (url == NULL || !str_starts(url, "redis://"))
        goto bad;
    p = url + 8;
    end = p + strcspn(p, "/");
    host = p;
    if ((rest = memchr(p, '@', (size_t)(end - p))) != NULL) {
        const char *colon = memchr(p, ':', (size_t)(rest - p));

        if (colon == NULL)
            goto bad;
        t->password = xasprintf("%.*s", (int)(rest - colon - 1), colon + 1);
        host = rest + 1;
    }
    {
        const char *colon = memchr(host, ':', (size_t)(end - host));
        const char *hend = colon ? colon : end;

        if (hend == host)
            goto bad;
        t->host = xasprintf("%.*s", (int)(hend - host), host);
        if (colon) {
            char port[16];

            snprintf(port, sizeof port, "%.*s", (int)(end - colon - 1), colon + 1);
            if (str_to_i64(port, 1, 65535, &n) < 0)
                goto bad;
            t->port = (int)n;
        }
    }
    if (*end == '/' && end[1] != '\0') {
        if (str_to_i64(end + 1, 0, 1000, &n) < 0)
            goto bad;
        t->db = (int)n;
    }
    return 0;
bad:
    config_redis_target_free(t);
    return werr_set(e, WISP_EUSAGE,
                    "bad Redis URL: expected redis://[:password@]host[:port][/db] or "
                    "unix:///path/to.sock[?db=N]");
}

void
config_redis_target_free(struct redis_target *t)
{
    free(t->host);
    free(t->path);
    if (t->password)
        explicit_bzero(t->password, strlen(t->password));
    free(t->password);
    memset(t, 0, sizeof *t);
}
