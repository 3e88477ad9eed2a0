/*
 * config.c - wisp's settings (see include/wisp/config.h).
 *
 * Every key is one row of options[] below (every key of a provider one row
 * of provider_options[]): its type, default, range or check, whether it may
 * hold a secret, help text and where it lives in its struct. Loading,
 * parsing, error messages, `config show` and the key list all read those
 * tables, so a new key is one row and a field, and its default is written
 * nowhere else.
 *
 * A value is parsed into its type (text, a whole number, a duration in
 * seconds, one of an enum's names) when its source is read. A source (the
 * file, the environment) is applied to a scratch copy and committed only
 * when all of it is valid: a failed load leaves cfg as it was.
 */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "wisp/config.h"
#include "wisp/i18n.h"
#include "wisp/redis_url.h"
#include "wisp/secret.h"
#include "wisp/units.h"
#include "wisp/util.h"

/* What a value is, and the C type of its field: char * for OPT_STRING, int
 * for the rest. A string key takes a JSON string; a number or duration key
 * also takes a JSON number; all of them take text from the environment. */
enum opt_type { OPT_STRING, OPT_INT, OPT_DURATION, OPT_ENUM };

static const char *const type_expected[] = {
    [OPT_STRING] = N_("a string"),
    [OPT_INT] = N_("a whole number"),
    [OPT_DURATION] = N_("a whole number of seconds or text such as \"90s\" or \"1m30s\""),
    [OPT_ENUM] = N_("a string"),
};

/* Accept or reject v; on rejection write "expected ..." into why. */
typedef int (*check_fn)(const char *v, char *why, size_t n);

/* One name an enum key accepts (any case) and the value its field gets. */
struct opt_name {
    const char *name;
    int value;
};

struct option {
    const char *key;
    enum opt_type type;
    const char *def; /* as a person writes it; NULL: unset by default, and "" unsets it */
    check_fn check;  /* OPT_STRING: what text it accepts */
    int min, max;    /* OPT_INT, OPT_DURATION: the range, in seconds for a duration */
    const struct opt_name *names; /* OPT_ENUM: what it accepts, ending with {NULL} */
    bool secret;                  /* may hold a password: masked wherever shown */
    const char *unset;            /* what `config show` prints while unset */
    const char *help;
    size_t offset; /* of the field in its struct */
};

/* an enum's field is an int to the table */
_Static_assert(sizeof(enum config_embedded) == sizeof(int), "enum config_embedded is an int");

#define TEXT_MAX  64 /* characters in a shop name or a Redis prefix */
#define THEME_MAX 32 /* characters in a theme name */

/* ---- checks of text ---------------------------------------------------- */

/* 1 to max characters of UTF-8 on one line, without control characters. */
static bool
is_text(const char *v, size_t max)
{
    return *v != '\0' && text_check("text", v, max, NULL) == 0;
}

static int
check_conninfo(const char *v, char *why, size_t n)
{
    char *err = NULL, *detail;
    PQconninfoOption *opts = PQconninfoParse(v, &err);

    if (opts) {
        PQconninfoFree(opts);
        return 0;
    }
    detail = secret_scrub(err ? err : "out of memory", v);
    detail[strcspn(detail, "\r\n")] = '\0';
    snprintf(why, n, _("expected a libpq conninfo (host=... dbname=...) or postgresql:// URI (%s)"),
             detail);
    free(detail);
    PQfreemem(err);
    return -1;
}

static int
check_redis(const char *v, char *why, size_t n)
{
    struct redis_target t;
    struct werr e = {0};

    if (redis_url_parse(v, &t, &e) < 0) {
        snprintf(why, n, "%s", e.msg);
        return -1;
    }
    redis_url_free(&t);
    return 0;
}

static int
check_text(const char *v, char *why, size_t n)
{
    if (!is_text(v, TEXT_MAX)) {
        snprintf(why, n, _("expected 1 to %d characters of UTF-8 text on one line"), TEXT_MAX);
        return -1;
    }
    return 0;
}

static int
check_currency(const char *v, char *why, size_t n)
{
    if (!is_text(v, 8) || strchr(v, ' ')) {
        snprintf(why, n,
                 _("expected a currency code or symbol of 1 to 8 characters without spaces, "
                   "e.g. USD, KES or €"));
        return -1;
    }
    return 0;
}

/* Where the amount and the currency go in a price (locfmt.h). */
static int
check_money_format(const char *v, char *why, size_t n)
{
    const char *a = strstr(v, "{amount}");

    if (!is_text(v, 32) || !a || strstr(a + 1, "{amount}")) {
        snprintf(why, n,
                 _("expected {amount} once, and {currency} where the currency goes, e.g. "
                   "\"{currency} {amount}\" or \"{amount} {currency}\" (at most 32 characters)"));
        return -1;
    }
    return 0;
}

static int
check_login_url(const char *v, char *why, size_t n)
{
    const char *host = str_starts(v, "https://") ? v + 8 : str_starts(v, "http://") ? v + 7 : NULL;

    if (host == NULL || *host == '\0' || *host == '/' || strstr(v, "{user}") == NULL ||
        strchr(v, ' ') || str_has_ctrl(v)) {
        snprintf(why, n,
                 _("expected an http:// or https:// URL containing {user} (and usually {pass}), "
                   "without spaces"));
        return -1;
    }
    /* a typo such as {password} would otherwise go onto every card as is */
    for (const char *p = strchr(v, '{'); p; p = strchr(p + 1, '{'))
        if (!str_starts(p, "{user}") && !str_starts(p, "{pass}")) {
            int len = (int)strcspn(p, "}");

            snprintf(why, n, _("expected only the placeholders {user} and {pass}, found %.*s%s"),
                     len > 20 ? 20 : len, p, len <= 20 && p[len] == '}' ? "}" : "...");
            return -1;
        }
    return 0;
}

static int
check_prefix(const char *v, char *why, size_t n)
{
    if (!is_text(v, TEXT_MAX) || strchr(v, ' ')) {
        snprintf(why, n, _("expected 1 to %d characters without spaces, e.g. wisp: or shop2:"),
                 TEXT_MAX);
        return -1;
    }
    return 0;
}

static int
check_name(const char *v, char *why, size_t n)
{
    size_t len = strlen(v);

    if (len == 0 || len > THEME_MAX ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len) {
        snprintf(why, n, _("expected a name of 1 to %d letters, digits, - and _"), THEME_MAX);
        return -1;
    }
    return 0;
}

static int
check_http_url(const char *v, char *why, size_t n)
{
    if (!(str_starts(v, "http://") || str_starts(v, "https://")) || str_has_ctrl(v)) {
        snprintf(why, n, _("expected an http:// or https:// URL"));
        return -1;
    }
    return 0;
}

static int
check_nonempty(const char *v, char *why, size_t n)
{
    if (*v == '\0' || str_has_ctrl(v)) {
        snprintf(why, n, _("expected a non-empty string on one line"));
        return -1;
    }
    return 0;
}

/* ---- the tables -------------------------------------------------------- */

static const struct opt_name ecc_names[] = {
    {"L", 'L'}, {"M", 'M'}, {"Q", 'Q'}, {"H", 'H'}, {NULL, 0}};
static const struct opt_name embedded_names[] = {
    {"auto", EMBEDDED_AUTO}, {"on", EMBEDDED_ON}, {"off", EMBEDDED_OFF}, {NULL, 0}};

#define AT(field) offsetof(struct config, field)
static const struct option options[] = {
    {.key = "db",
     .type = OPT_STRING,
     .check = check_conninfo,
     .secret = true,
     .unset = N_("(libpq defaults)"),
     .help =
         "PostgreSQL: libpq conninfo or postgresql:// URI; unset = PG* variables, service files",
     .offset = AT(db)},
    {.key = "redis",
     .type = OPT_STRING,
     .check = check_redis,
     .secret = true,
     .unset = N_("(unset: live metrics off)"),
     .help = "Redis for events and live metrics: " REDIS_URL_FORMS,
     .offset = AT(redis)},
    {.key = "shop.name",
     .type = OPT_STRING,
     .def = "wisp hotspot",
     .check = check_text,
     .help = N_("shop name printed on voucher sheets and the console header"),
     .offset = AT(shop_name)},
    {.key = "currency",
     .type = OPT_STRING,
     .def = "USD",
     .check = check_currency,
     .help = N_("currency code or symbol shown with prices"),
     .offset = AT(currency)},
    {.key = "money.format",
     .type = OPT_STRING,
     .def = "{currency} {amount}",
     .check = check_money_format,
     .help = N_("how a price is written on sheets, tickets and reports: {currency} and {amount}"),
     .offset = AT(money_format)},
    {.key = "money.decimals",
     .type = OPT_INT,
     .def = "2",
     .min = 0,
     .max = 3,
     .help = N_("digits after the decimal point of a price on sheets, tickets and reports"),
     .offset = AT(money_decimals)},
    {.key = "login_url",
     .type = OPT_STRING,
     .def = "http://hotspot.lan/login?username={user}&password={pass}",
     .check = check_login_url,
     .help = N_("hotspot login URL a voucher's QR code opens; {user} and {pass} are filled in"),
     .offset = AT(login_url)},
    {.key = "redis.prefix",
     .type = OPT_STRING,
     .def = "wisp:",
     .check = check_prefix,
     .help = N_("prefix of every Redis key and channel, so shops can share one Redis"),
     .offset = AT(redis_prefix)},
    {.key = "theme",
     .type = OPT_STRING,
     .def = "default",
     .check = check_name,
     .help = N_("console colour theme (a file in the themes directory)"),
     .offset = AT(theme)},
    {.key = "qr.ecc",
     .type = OPT_ENUM,
     .def = "M",
     .names = ecc_names,
     .help = N_("QR error correction level: L, M, Q or H"),
     .offset = AT(qr_ecc)},
    {.key = "worker.interval",
     .type = OPT_DURATION,
     .def = "10s",
     .min = 0,
     .max = 86400,
     .help = N_("between a router's polls and the worker's ticks; 0 = back to back"),
     .offset = AT(worker_interval)},
    {.key = "worker.embedded",
     .type = OPT_ENUM,
     .def = "auto",
     .names = embedded_names,
     .help = N_("console runs a worker thread: auto (when no worker is seen), on or off"),
     .offset = AT(worker_embedded)},
    {.key = "ssh.connect_timeout",
     .type = OPT_DURATION,
     .def = "5s",
     .min = 1,
     .max = 600,
     .help = N_("time allowed to connect and log in to a router"),
     .offset = AT(ssh_connect_timeout)},
    {.key = "ssh.command_timeout",
     .type = OPT_DURATION,
     .def = "15s",
     .min = 1,
     .max = 600,
     .help = N_("time allowed to one command on a router"),
     .offset = AT(ssh_command_timeout)},
    {.key = "backup.dir",
     .type = OPT_STRING,
     .check = check_nonempty,
     .unset = "($STATE_DIRECTORY/backups, else $XDG_STATE_HOME/wisp/backups)",
     .help = "where `wisp backup` keeps backups (docs/backup.md)",
     .offset = AT(backup_dir)},
    {.key = "backup.max_age",
     .type = OPT_DURATION,
     .def = "2d",
     .min = 3600,
     .max = 366 * 86400,
     .help = "`wisp doctor` fails when the newest backup is older than this",
     .offset = AT(backup_max_age)},
    {.key = "webhooks.timeout",
     .type = OPT_DURATION,
     .def = "10s",
     .min = 1,
     .max = 120,
     .help = N_("time allowed to one webhook delivery's request (docs/webhooks.md)"),
     .offset = AT(webhook_timeout)},
    {.key = "webhooks.backoff",
     .type = OPT_DURATION,
     .def = "30s",
     .min = 1,
     .max = 86400,
     .help = N_("wait after a webhook delivery's first failed try; doubles after each"),
     .offset = AT(webhook_backoff)},
    {.key = "webhooks.max_wait",
     .type = OPT_DURATION,
     .def = "1h",
     .min = 1,
     .max = 7 * 86400,
     .help = N_("longest wait between a webhook delivery's tries"),
     .offset = AT(webhook_backoff_max)},
    {.key = "webhooks.attempts",
     .type = OPT_INT,
     .def = "15",
     .min = 1,
     .max = 100,
     .help = N_("tries of a webhook delivery before it is given up"),
     .offset = AT(webhook_max_attempts)},
    {.key = "webhooks.disable_at",
     .type = OPT_INT,
     .def = "5",
     .min = 1,
     .max = 10000,
     .help = N_("webhook deliveries given up in a row that disable the webhook"),
     .offset = AT(webhook_disable_after)},
    {.key = "shop.language",
     .type = OPT_STRING,
     .def = "en",
     .check = check_name,
     .help = N_("language of the customers' messages and the owner's alerts (ar, id, en ...)"),
     .offset = AT(shop_language)},
    {.key = "notify.summary_hour",
     .type = OPT_INT,
     .def = "21",
     .min = 0,
     .max = 23,
     .help = N_("hour of the day the daily sales summary is sent (docs/notifications.md)"),
     .offset = AT(notify_summary_hour)},
    {.key = "notify.token_dir",
     .type = OPT_STRING,
     .def = "/etc/wisp/notify",
     .check = check_nonempty,
     .help = N_("the only directory notification channels' token and password files are read from"),
     .offset = AT(notify_token_dir)},
    {.key = "outbox.keep",
     .type = OPT_DURATION,
     .def = "30d",
     .min = 60,
     .max = 3650 * 86400,
     .help = N_("how long the worker keeps delivered events, webhook deliveries and sent "
                "messages (docs/webhooks.md)"),
     .offset = AT(outbox_keep)},
};
#undef AT
#define NOPTIONS (sizeof options / sizeof options[0])

/* "providers": {"NAME": {KEY: ...}}: the keys of one provider (what they
 * mean: include/wisp/config.h, docs/providers.md). */
#define AT(field) offsetof(struct config_provider, field)
#define NUMBER(k, d, lo)                                                                           \
    {                                                                                              \
        .key = #k, .type = OPT_INT, .def = #d, .min = lo, .max = 10000000,                         \
        .offset = offsetof(struct config_provider, k)                                              \
    }
static const struct option provider_options[] = {
    {.key = "url", .type = OPT_STRING, .check = check_http_url, .offset = AT(url)},
    {.key = "token_env", .type = OPT_STRING, .check = check_nonempty, .offset = AT(token_env)},
    {.key = "token_file", .type = OPT_STRING, .check = check_nonempty, .offset = AT(token_file)},
    NUMBER(http_timeout_s, 10, 1),
    NUMBER(first_check_s, 60, 0),
    NUMBER(backoff_base_s, 30, 0),
    NUMBER(backoff_max_s, 600, 0),
    NUMBER(max_checks, 20, 0),
    NUMBER(timeout_s, 86400, 0),
    NUMBER(sweep_s, 300, 0),
};
#undef NUMBER
#undef AT
#define NPROVIDER_OPTIONS (sizeof provider_options / sizeof provider_options[0])

#define SHOW_KEY 19 /* key column of `config show`, wide enough for every key */

/* A table and its length. */
struct table {
    const struct option *o;
    size_t n;
};

static const struct table main_table = {options, NOPTIONS};
static const struct table provider_table = {provider_options, NPROVIDER_OPTIONS};

static char **
text_slot(void *base, const struct option *o)
{
    return (char **)((char *)base + o->offset);
}

static int *
int_slot(void *base, const struct option *o)
{
    return (int *)((char *)base + o->offset);
}

static const char *
text_of(const void *base, const struct option *o)
{
    return *(char *const *)((const char *)base + o->offset);
}

static int
int_of(const void *base, const struct option *o)
{
    return *(const int *)((const char *)base + o->offset);
}

static const struct option *
find_option(const struct table *t, const char *key)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->o[i].key, key) == 0)
            return &t->o[i];
    return NULL;
}

/* WISP_ + the key upper-cased, dots as underscores: "worker.interval" is
 * WISP_WORKER_INTERVAL. */
static void
env_name(const struct option *o, char *buf, size_t n)
{
    size_t i = (size_t)snprintf(buf, n, "WISP_");

    for (const char *k = o->key; *k && i + 1 < n; k++)
        buf[i++] = *k == '.' ? '_' : (char)toupper((unsigned char)*k);
    buf[i] = '\0';
}

/* Free a value, wiping it first when it may hold a password. */
static void
release(char *v, bool secret)
{
    if (v && secret)
        explicit_bzero(v, strlen(v));
    free(v);
}

/* ---- errors ------------------------------------------------------------ */

/* Fill e with `ORIGIN: key "KEY": TEXT` and return -1. */
static int
key_error(struct werr *e, const char *origin, const char *key, const char *text)
{
    char quoted[200];

    return werr_set(e, WISP_EUSAGE, _("%s: key \"%s\": %s"), origin ? origin : "config",
                    str_quote(key, 80, quoted, sizeof quoted), text);
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

/* key is unknown: say which keys of t are known, and the nearest one when
 * name (key, or its last part for a provider's key) is a typo of it. */
static int
unknown_key(struct werr *e, const char *origin, const char *key, const char *name,
            const struct table *t)
{
    struct sbuf text = {0};
    const struct option *near = NULL;
    size_t best = 3; /* suggest only what is at most two edits away */

    for (size_t i = 0; i < t->n; i++) {
        size_t d = distance(name, t->o[i].key);

        if (d < best && d < strlen(name))
            best = d, near = &t->o[i];
    }
    sb_add(&text, _("unknown key ("));
    if (near)
        sb_printf(&text, _("did you mean \"%s\"? "), near->key);
    sb_add(&text, _("known:"));
    for (size_t i = 0; i < t->n; i++)
        sb_printf(&text, "%s %s", i ? "," : "", t->o[i].key);
    sb_addc(&text, ')');
    key_error(e, origin, key, text.buf);
    sb_free(&text);
    return -1;
}

/* What a bad value of o got: `WHY, got "VALUE"` (a secret masked) into e. */
static int
bad_value(struct werr *e, const char *origin, const char *key, const struct option *o,
          const char *why, const char *value)
{
    char *shown = o->secret ? secret_mask(value) : xstrdup(value), quoted[200];
    char *text = xasprintf(_("%s, got \"%s\""), why, str_quote(shown, 80, quoted, sizeof quoted));

    key_error(e, origin, key, text);
    free(text);
    release(shown, o->secret);
    return -1;
}

/* ---- parsing a value --------------------------------------------------- */

/* The text of "expected ..." for a number or duration key out of range. */
static void
range_expected(const struct option *o, char *why, size_t n)
{
    char lo[32], hi[32];

    if (o->type == OPT_INT) {
        snprintf(why, n, _("expected a whole number from %d to %d"), o->min, o->max);
        return;
    }
    units_format_duration(o->min, lo, sizeof lo);
    units_format_duration(o->max, hi, sizeof hi);
    snprintf(why, n, _("expected a duration from %s to %s (e.g. 30, 30s, 1m30s)"), lo, hi);
}

/* Parse text for an int-valued key into *out; -1 with "expected ..." in why. */
static int
parse_int(const struct option *o, const char *v, int *out, char *why, size_t n)
{
    int64_t x;

    if (o->type == OPT_ENUM) {
        struct sbuf names = {0};

        for (const struct opt_name *k = o->names; k->name; k++)
            if (strcasecmp(k->name, v) == 0) {
                *out = k->value;
                return 0;
            }
        for (const struct opt_name *k = o->names; k->name; k++)
            sb_printf(&names, "%s%s", k == o->names ? "" : ", ", k->name);
        snprintf(why, n, _("expected one of %s"), names.buf);
        sb_free(&names);
        return -1;
    }
    /* a bare number is seconds; a duration may also be "90s", "1h30m" ... */
    if (str_to_i64(v, o->min, o->max, &x) == 0 ||
        (o->type == OPT_DURATION && strspn(v, "0123456789") != strlen(v) &&
         units_parse_duration(v, &x, NULL) == 0 && x >= o->min && x <= o->max)) {
        *out = (int)x;
        return 0;
    }
    range_expected(o, why, n);
    return -1;
}

/* Set o in base from text; NULL restores the default, and "" unsets a key
 * whose default is unset. */
static int
set_text(void *base, const struct option *o, const char *key, const char *value, const char *origin,
         struct werr *e)
{
    char why[400], *copy;

    if (value == NULL && o->def == NULL)
        value = "";
    else if (value == NULL)
        value = o->def;
    if (o->type != OPT_STRING) {
        int x;

        if (parse_int(o, value, &x, why, sizeof why) < 0)
            return bad_value(e, origin, key, o, why, value);
        *int_slot(base, o) = x;
        return 0;
    }
    if (*value == '\0' && o->def == NULL) {
        release(*text_slot(base, o), o->secret);
        *text_slot(base, o) = NULL;
        return 0;
    }
    if (o->check(value, why, sizeof why) < 0)
        return bad_value(e, origin, key, o, why, value);
    copy = xstrdup(value); /* before the old value goes: value may be it */
    release(*text_slot(base, o), o->secret);
    *text_slot(base, o) = copy;
    return 0;
}

/* Every key of t in base to its default. */
static void
set_defaults(void *base, const struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (set_text(base, &t->o[i], t->o[i].key, NULL, "default", NULL) < 0)
            abort(); /* a default the table's own check refuses: a bug in the table */
}

/* A copy of the strings of base's keys of t (the ints come with *dst = *src). */
static void
copy_strings(void *dst, const void *src, const struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->o[i].type == OPT_STRING) {
            const char *v = text_of(src, &t->o[i]);

            *text_slot(dst, &t->o[i]) = v ? xstrdup(v) : NULL;
        }
}

static void
free_strings(void *base, const struct table *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->o[i].type == OPT_STRING) {
            release(*text_slot(base, &t->o[i]), t->o[i].secret);
            *text_slot(base, &t->o[i]) = NULL;
        }
}

/* The name of an enum key's value (its first, if several had it). */
static const char *
enum_name(const struct option *o, int value)
{
    for (const struct opt_name *k = o->names; k->name; k++)
        if (k->value == value)
            return k->name;
    return "?"; /* only its names ever set it */
}

/* The value of o in base as JSON (see config_get), unmasked. */
static json_t *
value_json(const void *base, const struct option *o)
{
    const char *v;

    switch (o->type) {
    case OPT_INT:
    case OPT_DURATION:
        return json_integer(int_of(base, o));
    case OPT_ENUM:
        return json_string(enum_name(o, int_of(base, o)));
    case OPT_STRING:
        break;
    }
    v = text_of(base, o);
    /* jansson refuses text that is not UTF-8 (a conninfo might hold it) */
    return v == NULL ? json_null() : json_string(v) ?: json_string("(not valid UTF-8)");
}

/* The value of o in base as `config show` prints it (a secret masked). */
static char *
value_text(const void *base, const struct option *o)
{
    char buf[32];

    if (o->type == OPT_STRING) {
        const char *v = text_of(base, o);

        if (v == NULL)
            return xstrdup(o->unset ? _(o->unset) : _("(unset)"));
        return o->secret ? secret_mask(v) : xstrdup(v);
    }
    if (o->type == OPT_ENUM)
        return xstrdup(enum_name(o, int_of(base, o)));
    if (o->type == OPT_INT)
        return xasprintf("%d", int_of(base, o));
    units_format_duration(int_of(base, o), buf, sizeof buf);
    return xstrdup(buf);
}

/* ---- the struct -------------------------------------------------------- */

void
config_init(struct config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    set_defaults(cfg, &main_table);
}

static void
free_providers(struct config *cfg)
{
    for (size_t i = 0; i < cfg->nproviders; i++) {
        free_strings(&cfg->providers[i], &provider_table);
        free(cfg->providers[i].name);
    }
    free(cfg->providers);
    cfg->providers = NULL;
    cfg->nproviders = 0;
}

void
config_free(struct config *cfg)
{
    free_strings(cfg, &main_table);
    free(cfg->file);
    free_providers(cfg);
    memset(cfg, 0, sizeof *cfg);
}

/* A deep copy of src, to load into before committing. */
static void
config_copy(struct config *dst, const struct config *src)
{
    *dst = *src;
    copy_strings(dst, src, &main_table);
    dst->file = src->file ? xstrdup(src->file) : NULL;
    dst->providers = src->nproviders ? xcalloc(src->nproviders, sizeof *dst->providers) : NULL;
    for (size_t i = 0; i < src->nproviders; i++) {
        dst->providers[i] = src->providers[i];
        dst->providers[i].name = xstrdup(src->providers[i].name);
        copy_strings(&dst->providers[i], &src->providers[i], &provider_table);
    }
}

/* Replace cfg by the scratch copy that loaded without error. */
static void
config_commit(struct config *cfg, struct config *scratch)
{
    config_free(cfg);
    *cfg = *scratch;
}

json_t *
config_get(const struct config *cfg, const char *key)
{
    const struct option *o = find_option(&main_table, key);

    return o ? value_json(cfg, o) : NULL;
}

const struct config_provider *
config_provider(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nproviders; i++)
        if (str_eq(cfg->providers[i].name, name))
            return &cfg->providers[i];
    return NULL;
}

int
config_set(struct config *cfg, const char *key, const char *value, const char *origin,
           struct werr *e)
{
    const struct option *o = find_option(&main_table, key);

    if (o == NULL)
        return unknown_key(e, origin, key, key, &main_table);
    return set_text(cfg, o, key, value, origin, e);
}

/* ---- the file ---------------------------------------------------------- */

struct load {
    struct config *cfg; /* the scratch copy */
    const char *file;
    const char *text;    /* the file's bytes, to find a key's line in */
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

/* A walk over JSON text that jansson has accepted, to find where a value
 * is: jansson keeps no positions. */
struct scan {
    const char *p;
    int line;
};

static void
scan_space(struct scan *s)
{
    for (; *s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'; s->p++)
        if (*s->p == '\n')
            s->line++;
}

/* Past a string at s->p (a '"'); its raw bytes, escapes as written, in out. */
static void
scan_string(struct scan *s, struct sbuf *out)
{
    for (s->p++; *s->p && *s->p != '"'; s->p++) {
        if (*s->p == '\\' && s->p[1])
            sb_addc(out, *s->p++);
        sb_addc(out, *s->p);
    }
    if (*s->p)
        s->p++;
}

/* Past the value at s->p; the line of the value of the dotted key want
 * (inside objects whose keys make path), or 0 when it is not in there. */
static int
scan_value(struct scan *s, const char *path, const char *want)
{
    struct sbuf key = {0};
    char close;
    int found = 0;

    scan_space(s);
    if (*s->p == '"') {
        scan_string(s, &key);
        sb_free(&key);
        return 0;
    }
    if (*s->p != '{' && *s->p != '[') { /* a number, true, false or null */
        s->p += strcspn(s->p, ",]} \t\r\n");
        return 0;
    }
    close = *s->p++ == '{' ? '}' : ']';
    for (scan_space(s); *s->p && *s->p != close && !found; scan_space(s)) {
        if (close == '}') {
            char *dotted;

            sb_reset(&key);
            scan_string(s, &key);
            scan_space(s);
            s->p += *s->p == ':';
            scan_space(s);
            dotted = path ? xasprintf("%s.%s", path, key.buf ? key.buf : "")
                          : xstrdup(key.buf ? key.buf : "");
            if (str_eq(dotted, want))
                found = s->line;
            else
                found = scan_value(s, dotted, want);
            free(dotted);
        } else {
            found = scan_value(s, "[]", want); /* nothing in an array is a key */
        }
        scan_space(s);
        s->p += *s->p == ',';
    }
    s->p += !found && *s->p == close;
    sb_free(&key);
    return found;
}

/* rc, and when it is an error, e holding `FILE: key ...` about key becomes
 * `FILE:LINE: key ...`, LINE where key's value is (e stays as it is when a
 * key spelt with escapes is not found). The file is scanned only for an
 * error. */
static int
at_line(const struct load *l, const char *key, struct werr *e, int rc)
{
    struct scan s = {l->text, 1};
    int line = rc < 0 ? scan_value(&s, NULL, key) : 0;
    size_t n = strlen(l->file);

    if (line > 0 && strncmp(e->msg, l->file, n) == 0 && e->msg[n] == ':') {
        char rest[sizeof e->msg];

        snprintf(rest, sizeof rest, "%s", e->msg + n);
        werr_set(e, e->status, "%s:%d%s", l->file, line, rest);
    }
    return rc;
}

/* Set o in base from the file's JSON value v. */
static int
set_json(void *base, const struct option *o, const char *key, json_t *v, const char *origin,
         struct werr *e)
{
    char why[200];

    switch (json_typeof(v)) {
    case JSON_NULL:
        return set_text(base, o, key, NULL, origin, e);
    case JSON_STRING:
        return set_text(base, o, key, json_string_value(v), origin, e);
    case JSON_INTEGER:
        if (o->type != OPT_INT && o->type != OPT_DURATION)
            break;
        if (json_integer_value(v) < o->min || json_integer_value(v) > o->max) {
            range_expected(o, why, sizeof why);
            snprintf(why + strlen(why), sizeof why - strlen(why), _(", got %lld"),
                     (long long)json_integer_value(v));
            return key_error(e, origin, key, why);
        }
        *int_slot(base, o) = (int)json_integer_value(v);
        return 0;
    default:
        break;
    }
    snprintf(why, sizeof why, _("expected %s, got %s"), _(type_expected[o->type]), json_kind(v));
    return key_error(e, origin, key, why);
}

static int load_object(struct load *l, json_t *obj, const char *prefix, struct werr *e);
static int load_providers(struct load *l, json_t *v, struct werr *e);

static int
load_value(struct load *l, const char *key, json_t *v, struct werr *e)
{
    const struct option *o = find_option(&main_table, key);
    int rc;

    if (str_eq(key, "providers"))
        return load_providers(l, v, e);
    /* An object always holds more keys: {"redis": {"prefix": ..}} is
     * redis.prefix, although "redis" is a key of its own too. */
    if (json_is_object(v) && (o == NULL || json_object_size(v) > 0))
        return load_object(l, v, key, e);
    if (o == NULL)
        rc = unknown_key(e, l->file, key, key, &main_table);
    else if (l->seen[o - options])
        rc = key_error(e, l->file, key, _("given twice (nested and dotted?)"));
    else
        rc = set_json(l->cfg, o, key, v, l->file, e);
    if (o)
        l->seen[o - options] = true;
    return at_line(l, key, e, rc);
}

/* One provider's object into p (its defaults first). */
static int
load_provider(struct load *l, const char *name, json_t *obj, struct config_provider *p,
              struct werr *e)
{
    char *key = xasprintf("providers.%s", name), *url = xasprintf("%s.url", key);
    const char *k;
    json_t *x;
    int rc = 0;

    p->name = xstrdup(name);
    set_defaults(p, &provider_table);
    if (!*name || strlen(name) > 32 ||
        strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") !=
            strlen(name)) {
        rc = at_line(
            l, key, e,
            key_error(e, l->file, key, _("a provider name is 1-32 letters, digits, _ or -")));
    } else if (!json_is_object(obj)) {
        rc = at_line(l, key, e, key_error(e, l->file, key, _("expected an object")));
    } else {
        json_object_foreach(obj, k, x)
        {
            const struct option *o = find_option(&provider_table, k);
            char *pkey = xasprintf("%s.%s", key, k);

            rc = o ? set_json(p, o, pkey, x, l->file, e)
                   : unknown_key(e, l->file, pkey, k, &provider_table);
            rc = at_line(l, pkey, e, rc);
            free(pkey);
            if (rc < 0)
                break;
        }
        if (rc == 0 && p->url == NULL)
            rc = at_line(l, key, e,
                         key_error(e, l->file, url, _("missing: every provider needs its url")));
    }
    free(url);
    free(key);
    return rc;
}

/* "providers": {"NAME": {"url": ..., ...}}: the order providers, replacing
 * any an earlier source gave. */
static int
load_providers(struct load *l, json_t *v, struct werr *e)
{
    const char *name;
    json_t *p;

    if (!json_is_object(v))
        return at_line(
            l, "providers", e,
            key_error(e, l->file, "providers", _("expected an object of providers by name")));
    free_providers(l->cfg);
    l->cfg->providers = xcalloc(json_object_size(v) + 1, sizeof *l->cfg->providers);
    json_object_foreach(v, name, p)
    {
        struct config_provider *one = &l->cfg->providers[l->cfg->nproviders++];

        if (load_provider(l, name, p, one, e) < 0)
            return -1;
    }
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

/* The bytes of file (NUL-terminated, in text) parsed into a JSON object;
 * NULL with e filled, or NULL with e clear when the default file is simply
 * absent. */
static json_t *
read_json(const char *file, bool must_exist, struct sbuf *text, struct werr *e)
{
    FILE *f = fopen(file, "r");
    struct stat st;
    json_error_t jerr;
    json_t *root;
    char buf[4096];
    size_t n;

    if (f == NULL) {
        if (!must_exist && (errno == ENOENT || errno == ENOTDIR))
            return NULL;
        werr_set(e, WISP_EUSAGE, _("%s: cannot open the config file: %s"), file, strerror(errno));
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        werr_set(e, WISP_EUSAGE, _("%s: is a directory, expected a JSON config file"), file);
        return NULL;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_addn(text, buf, n);
    fclose(f);
    root = json_loadb(text->buf ? text->buf : "", text->len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        werr_set(e, WISP_EUSAGE, _("%s: invalid JSON at line %d, column %d: %s"), file, jerr.line,
                 jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(root)) {
        werr_set(e, WISP_EUSAGE, _("%s: expected a JSON object of settings, got %s"), file,
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
        const char *v = options[i].secret ? text_of(after, &options[i]) : NULL;
        char *masked;
        bool secret;

        if (!v || str_eq(v, text_of(before, &options[i])))
            continue;
        masked = secret_mask(v);
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
    struct sbuf text = {0};
    struct config scratch;
    struct load l = {.cfg = &scratch};
    struct werr why = {0};
    json_t *root;
    int rc = -1;

    if (file == NULL)
        return 0;
    root = read_json(file, path != NULL, &text, &why);
    if (root == NULL) {
        rc = why.status == 0 ? 0 : -1;
        if (rc < 0)
            *e = why;
        goto done;
    }
    config_copy(&scratch, cfg);
    l.file = file;
    l.text = text.buf;
    if (load_object(&l, root, NULL, e) < 0 ||
        (file_holds_secret(&scratch, cfg) && file_check_private("config file", file, -1, e) < 0)) {
        config_free(&scratch);
        goto done;
    }
    free(scratch.file);
    scratch.file = file;
    file = NULL;
    config_commit(cfg, &scratch);
    rc = 0;
done:
    json_decref(root);
    if (text.buf)
        explicit_bzero(text.buf, text.len); /* it may hold a password */
    sb_free(&text);
    free(file);
    return rc;
}

int
config_load_env(struct config *cfg, struct werr *e)
{
    struct config scratch;

    config_copy(&scratch, cfg);
    for (size_t i = 0; i < NOPTIONS; i++) {
        char env[64];
        const char *v;

        env_name(&options[i], env, sizeof env);
        v = getenv(env);
        /* empty means unset, so WISP_X= on a command line hides nothing */
        if (v == NULL || *v == '\0')
            continue;
        if (set_text(&scratch, &options[i], options[i].key, v, env, e) < 0) {
            config_free(&scratch);
            return -1;
        }
    }
    config_commit(cfg, &scratch);
    return 0;
}

/* ---- showing ----------------------------------------------------------- */

json_t *
config_json(const struct config *cfg)
{
    json_t *obj = json_object();

    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        json_t *v;

        if (o->secret && text_of(cfg, o)) {
            char *masked = secret_mask(text_of(cfg, o));

            v = json_string(masked) ?: json_string("(not valid UTF-8)");
            free(masked);
        } else {
            v = value_json(cfg, o);
        }
        json_object_set_new(obj, o->key, v);
    }
    return obj;
}

static void
show_json(const struct config *cfg, FILE *out)
{
    json_t *obj = config_json(cfg);

    json_dumpf(obj, out, JSON_PRESERVE_ORDER | JSON_INDENT(2));
    fputc('\n', out);
    json_decref(obj);
}

void
config_show(const struct config *cfg, FILE *out, bool json)
{
    if (json) {
        show_json(cfg, out);
        return;
    }
    fprintf(out, "%-*s = ", SHOW_KEY, "config file");
    if (cfg->file) {
        fput_safe(cfg->file, out);
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
        char *v = value_text(cfg, &options[i]);

        /* control characters (possible in a conninfo) escaped: one line a key */
        fprintf(out, "%-*s = ", SHOW_KEY, options[i].key);
        fput_safe(v, out);
        fputc('\n', out);
        free(v);
    }
    /* order providers: where they are and where their token comes from */
    for (size_t i = 0; i < cfg->nproviders; i++) {
        const struct config_provider *p = &cfg->providers[i];

        fprintf(out, "providers.%s = ", p->name);
        fput_safe(p->url, out);
        if (p->token_env)
            fprintf(out, " (token from $%s)", p->token_env);
        else if (p->token_file)
            fprintf(out, " (token from %s)", p->token_file);
        fputc('\n', out);
    }
}

void
config_help(FILE *out)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        const struct option *o = &options[i];
        char env[64];

        env_name(o, env, sizeof env);
        fprintf(out, "%-*s %-24s ", SHOW_KEY, o->key, env);
        if (o->def)
            fprintf(out, _("default \"%s\""), o->def);
        else
            fprintf(out, _("default %s"), o->unset ? _(o->unset) : _("(unset)"));
        fprintf(out, "%s\n%-*s %s\n", o->secret ? _(", secret (shown masked)") : "", SHOW_KEY, "",
                _(o->help));
    }
}
