/*
 * test_config.c - the options table: defaults, the file (nested and dotted),
 * environment and flags in that order, XDG path resolution, errors that name
 * the source (a file's line), key and expectation, typed values (numbers,
 * durations with units, enums), providers, and `config show`.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ftw.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "wisp/config.h"
#include "wisp/util.h"

#define DEFAULT_LOGIN "http://hotspot.lan/login?username={user}&password={pass}"
#define KNOWN                                                                                      \
    "known: db, redis, shop.name, currency, money.format, money.decimals, login_url, "             \
    "redis.prefix, "                                                                               \
    "theme, qr.ecc, worker.interval, worker.embedded, ssh.connect_timeout, ssh.command_timeout, "  \
    "backup.dir, backup.max_age, webhooks.timeout, webhooks.backoff, webhooks.max_wait, "          \
    "webhooks.attempts, webhooks.disable_at, shop.language, notify.summary_hour, "                 \
    "notify.token_dir, outbox.keep)"

/* Per-test scratch: a temporary directory used as XDG_CONFIG_HOME. */
struct fixture {
    char dir[64];
    char *home; /* HOME as it was, restored after */
};

static const char *const env_vars[] = {"WISP_DB",
                                       "WISP_REDIS",
                                       "WISP_THEME",
                                       "WISP_SHOP_NAME",
                                       "WISP_CURRENCY",
                                       "WISP_LOGIN_URL",
                                       "WISP_REDIS_PREFIX",
                                       "WISP_QR_ECC",
                                       "WISP_WORKER_INTERVAL",
                                       "WISP_WORKER_EMBEDDED",
                                       "WISP_SSH_CONNECT_TIMEOUT",
                                       "WISP_SSH_COMMAND_TIMEOUT"};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    const char *home = getenv("HOME");

    if (f == NULL)
        return -1;
    for (size_t i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++)
        unsetenv(env_vars[i]);
    snprintf(f->dir, sizeof f->dir, "/tmp/wisp-config-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    f->home = home ? strdup(home) : NULL;
    setenv("XDG_CONFIG_HOME", f->dir, 1);
    *state = f;
    return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int
teardown(void **state)
{
    struct fixture *f = *state;
    int rc = nftw(f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);

    for (size_t i = 0; i < sizeof env_vars / sizeof env_vars[0]; i++)
        unsetenv(env_vars[i]);
    unsetenv("XDG_CONFIG_HOME");
    if (f->home)
        setenv("HOME", f->home, 1);
    free(f->home);
    free(f);
    return rc;
}

/* Write text to DIR/name, creating parent directories; returns the path. */
static char *
write_file(struct fixture *f, const char *name, const char *text)
{
    char *path = NULL, *slash;
    FILE *fp;

    assert_true(asprintf(&path, "%s/%s", f->dir, name) > 0);
    for (slash = strchr(path + strlen(f->dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(path, 0700);
        *slash = '/';
    }
    fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* key's value as JSON text ("\"M\"", "10", "null"), or "(no key)". */
static char *
get(const struct config *c, const char *key)
{
    json_t *v = config_get(c, key);
    char *text = v ? json_dumps(v, JSON_ENCODE_ANY) : strdup("(no key)");

    json_decref(v);
    assert_non_null(text);
    return text;
}

/* Assert key's value is want (as JSON text). */
#define assert_get(c, key, want)                                                                   \
    do {                                                                                           \
        char *got_ = get(c, key);                                                                  \
        assert_string_equal(got_, want);                                                           \
        free(got_);                                                                                \
    } while (0)

/* What config_show printed. */
static char *
show(const struct config *c, bool json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    assert_non_null(out);
    config_show(c, out, json);
    fclose(out);
    return buf;
}

static void
test_defaults(void **state)
{
    struct config c;
    struct werr e = {0};

    (void)state;
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0); /* absent default file is fine */
    assert_int_equal(config_load_env(&c, &e), 0);
    assert_null(c.file);
    assert_null(c.db);
    assert_null(c.redis);
    assert_string_equal(c.shop_name, "wisp hotspot");
    assert_string_equal(c.currency, "USD");
    assert_string_equal(c.login_url, DEFAULT_LOGIN);
    assert_string_equal(c.redis_prefix, "wisp:");
    assert_string_equal(c.theme, "default");
    assert_int_equal(c.qr_ecc, 'M');
    assert_int_equal(c.worker_interval, 10);
    assert_int_equal(c.worker_embedded, EMBEDDED_AUTO);
    assert_int_equal(c.ssh_connect_timeout, 5);
    assert_int_equal(c.ssh_command_timeout, 15);
    assert_int_equal(c.nproviders, 0);
    assert_get(&c, "shop.name", "\"wisp hotspot\"");
    assert_get(&c, "db", "null");
    assert_get(&c, "qr.ecc", "\"M\"");
    assert_get(&c, "worker.interval", "10");
    assert_get(&c, "worker.embedded", "\"auto\"");
    assert_null(config_get(&c, "no.such.key"));
    config_free(&c);
}

/* Nested objects and dotted keys mean the same; null restores a default. */
static void
test_file_nested_and_dotted(void **state)
{
    struct fixture *f = *state;
    struct config a, b;
    struct werr e = {0};
    char *nested = write_file(
        f, "nested.json",
        "{\"shop\": {\"name\": \"Cafe Net\"}, \"redis\": {\"prefix\": \"cafe:\"},\n"
        " \"qr\": {\"ecc\": \"h\"}, \"db\": \"dbname=shop\", \"currency\": \"KSh\",\n"
        " \"login_url\": \"https://portal.example/l?u={user}&p={pass}\", \"theme\": null}");
    char *dotted = write_file(
        f, "dotted.json",
        "{\"shop.name\": \"Cafe Net\", \"redis.prefix\": \"cafe:\", \"qr.ecc\": \"h\",\n"
        " \"db\": \"dbname=shop\", \"currency\": \"KSh\",\n"
        " \"login_url\": \"https://portal.example/l?u={user}&p={pass}\", \"theme\": null}");

    config_init(&a);
    config_init(&b);
    assert_int_equal(config_load_file(&a, nested, &e), 0);
    assert_int_equal(config_load_file(&b, dotted, &e), 0);
    assert_string_equal(a.file, nested);
    assert_string_equal(b.file, dotted);
    assert_string_equal(a.shop_name, "Cafe Net");
    assert_string_equal(a.redis_prefix, "cafe:");
    assert_int_equal(a.qr_ecc, 'H'); /* any case */
    assert_string_equal(a.db, "dbname=shop");
    assert_string_equal(a.currency, "KSh");
    assert_string_equal(a.login_url, "https://portal.example/l?u={user}&p={pass}");
    assert_string_equal(a.theme, "default");
    assert_null(a.redis);
    /* "redis" is a key and "redis.prefix" another: both spellings load the same */
    for (const char *const *k =
             (const char *const[]){"db", "redis", "shop.name", "currency", "login_url",
                                   "redis.prefix", "theme", "qr.ecc", NULL};
         *k; k++) {
        char *va = get(&a, *k), *vb = get(&b, *k);

        assert_string_equal(va, vb);
        free(va);
        free(vb);
    }
    config_free(&a);
    config_free(&b);
    free(nested);
    free(dotted);
}

/* default < file < environment < flag, key by key. */
static void
test_precedence(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *file = write_file(f, "wisp/config.json",
                            "{\"shop\": {\"name\": \"Cafe Net\"}, \"currency\": \"KES\","
                            " \"theme\": \"dark\", \"qr.ecc\": \"Q\"}");

    setenv("WISP_CURRENCY", "TZS", 1);
    setenv("WISP_THEME", "light", 1);
    setenv("WISP_QR_ECC", "", 1); /* empty = unset: the file's value stays */
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_string_equal(c.file, file);
    assert_string_equal(c.theme, "dark");
    assert_int_equal(config_load_env(&c, &e), 0);
    assert_int_equal(config_set(&c, "theme", "mono", "--theme", &e), 0);

    assert_string_equal(c.redis_prefix, "wisp:"); /* default only */
    assert_string_equal(c.shop_name, "Cafe Net"); /* file over default */
    assert_int_equal(c.qr_ecc, 'Q');              /* file, empty env ignored */
    assert_string_equal(c.currency, "TZS");       /* env over file */
    assert_string_equal(c.theme, "mono");         /* flag over env */

    /* "" unsets a key unset by default; NULL restores any default */
    assert_int_equal(config_set(&c, "db", "dbname=x", "--db", &e), 0);
    assert_int_equal(config_set(&c, "db", "", "--db", &e), 0);
    assert_null(c.db);
    assert_int_equal(config_set(&c, "theme", NULL, "--theme", &e), 0);
    assert_string_equal(c.theme, "default");
    config_free(&c);
    free(file);
}

/* Each key reads WISP_ + its name upper-cased with dots as underscores. */
static void
test_env_names(void **state)
{
    static const struct {
        const char *var, *key, *value;
    } cases[] = {
        {"WISP_DB", "db", "host=/run/postgresql dbname=shop"},
        {"WISP_REDIS", "redis", "redis://127.0.0.1:6390/2"},
        {"WISP_SHOP_NAME", "shop.name", "Kiosk 7"},
        {"WISP_CURRENCY", "currency", "€"},
        {"WISP_LOGIN_URL", "login_url", "https://x.example/?{user}"},
        {"WISP_REDIS_PREFIX", "redis.prefix", "shop7:"},
        {"WISP_THEME", "theme", "high-contrast_2"},
        {"WISP_QR_ECC", "qr.ecc", "L"},
    };
    struct config c;
    struct werr e = {0};

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        setenv(cases[i].var, cases[i].value, 1);
    config_init(&c);
    assert_int_equal(config_load_env(&c, &e), 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = config_get(&c, cases[i].key);

        assert_string_equal(json_string_value(v), cases[i].value);
        json_decref(v);
    }
    config_free(&c);
}

static void
test_unknown_key(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *p = write_file(f, "a.json", "{\"shop\": {\"nam\": \"x\"}}"), *want;

    config_init(&c);
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_true(asprintf(&want,
                         "%s:1: key \"shop.nam\": unknown key (did you mean \"shop.name\"? %s", p,
                         KNOWN) > 0);
    assert_string_equal(e.msg, want);
    free(want);
    free(p);

    /* from a flag: the flag is named, and nothing close is not suggested */
    assert_int_equal(config_set(&c, "colour", "x", "--set", &e), -1);
    assert_string_equal(e.msg, "--set: key \"colour\": unknown key (" KNOWN);

    /* an unknown key's value is never the problem, whatever its type */
    p = write_file(f, "b.json", "{\"printer\": [1, 2]}");
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_non_null(strstr(e.msg, "key \"printer\": unknown key"));
    assert_null(c.file); /* nothing was committed */
    config_free(&c);
    free(p);
}

/* Every check rejects what it should, naming origin, key, expectation and value. */
static void
test_bad_values(void **state)
{
    static const struct {
        const char *key, *value, *expected;
    } cases[] = {
        {"qr.ecc", "X", "expected one of L, M, Q, H"},
        {"qr.ecc", "LM", "expected one of L, M, Q, H"},
        {"qr.ecc", "", "expected one of L, M, Q, H"},
        {"theme", "my theme", "expected a name of 1 to 32 letters, digits, - and _"},
        {"theme", "../etc", "expected a name"},
        {"theme", "", "expected a name"},
        {"theme", "abcdefghijabcdefghijabcdefghijabc", "expected a name"},
        {"currency", "", "expected a currency code or symbol of 1 to 8 characters"},
        {"currency", "US D", "expected a currency code"},
        {"currency", "DOLLARS!!", "expected a currency code"},
        {"shop.name", "", "expected 1 to 64 characters of UTF-8 text on one line"},
        {"shop.name", "two\nlines", "expected 1 to 64 characters"},
        {"shop.name", "bad \xff byte", "expected 1 to 64 characters"},
        {"shop.name", "12345678901234567890123456789012345678901234567890123456789012345",
         "expected 1 to 64 characters"},
        {"login_url", "ftp://x/{user}", "expected an http:// or https:// URL containing {user}"},
        {"login_url", "http://x/login", "expected an http:// or https:// URL containing {user}"},
        {"login_url", "http:///{user}", "expected an http:// or https:// URL"},
        {"login_url", "http://x/?u={user} &", "without spaces"},
        {"login_url", "http://x/?u={user}&p={password}",
         "expected only the placeholders {user} and {pass}, found {password}"},
        {"redis.prefix", "", "expected 1 to 64 characters without spaces"},
        {"redis.prefix", "my shop:", "expected 1 to 64 characters without spaces"},
        {"redis", "localhost", "expected redis://[[user]:password@]host[:port][/db] or unix://"},
        {"redis", "redis://h:0", "port must be 1-65535"},
        {"db", "shop", "expected a libpq conninfo (host=... dbname=...) or postgresql:// URI"},
        {"db", "host=x colour=red", "invalid connection option \"colour\""},
        {"db", "dbname='unterminated", "expected a libpq conninfo"},
    };
    struct config c;

    (void)state;
    config_init(&c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct werr e = {0};
        char *head;

        assert_int_equal(config_set(&c, cases[i].key, cases[i].value, "--flag", &e), -1);
        assert_int_equal(e.status, WISP_EUSAGE);
        assert_true(asprintf(&head, "--flag: key \"%s\": ", cases[i].key) > 0);
        if (!str_starts(e.msg, head) || strstr(e.msg, cases[i].expected) == NULL ||
            strstr(e.msg, ", got \"") == NULL || strchr(e.msg, '\n') != NULL)
            fail_msg("case %zu (%s=%s): \"%s\"", i, cases[i].key, cases[i].value, e.msg);
        free(head);
    }
    /* nothing was stored */
    assert_int_equal(c.qr_ecc, 'M');
    assert_string_equal(c.theme, "default");
    assert_null(c.db);
    assert_null(c.redis);
    config_free(&c);
}

/* The exact shape of a bad-value message, and control characters escaped in it. */
static void
test_bad_value_message(void **state)
{
    struct config c;
    struct werr e = {0};

    (void)state;
    config_init(&c);
    setenv("WISP_QR_ECC", "X", 1);
    assert_int_equal(config_load_env(&c, &e), -1);
    assert_string_equal(e.msg,
                        "WISP_QR_ECC: key \"qr.ecc\": expected one of L, M, Q, H, got \"X\"");
    assert_int_equal(config_set(&c, "shop.name", "a\nb\"c", "--shop-name", &e), -1);
    assert_non_null(strstr(e.msg, "got \"a\\x0ab\\\"c\""));
    config_free(&c);
}

/* A password never reaches an error message, even through libpq's. */
static void
test_errors_hide_secrets(void **state)
{
    static const char *const bad[][2] = {
        {"db", "user=ana password=hunter2 colour=red"},
        {"db", "postgresql://ana:hun%zzter2@db/shop"}, /* libpq quotes the bad token */
        {"db", "password='hunter2"},
        {"redis", "redis://:hunter2@h:0"},
        {"redis", "redis://:hunter2@h/x"},
        {"redis", "redis://ana:hunter2@h?x"},
    };
    struct config c;

    (void)state;
    config_init(&c);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct werr e = {0};

        assert_int_equal(config_set(&c, bad[i][0], bad[i][1], "--x", &e), -1);
        if (strstr(e.msg, "hunter") || strstr(e.msg, "hun%zz") || !strstr(e.msg, "****"))
            fail_msg("case %zu leaks or hides nothing: %s", i, e.msg);
    }
    config_free(&c);
}

/* A value of the wrong JSON type or a bad typed value in the file: one line
 * naming the file, the line of the value, the key, what was expected and
 * what was there; nothing stored. */
static void
test_file_value_types(void **state)
{
    static const struct {
        const char *json, *expected;
    } cases[] = {
        {"{\"shop.name\": 5}", "key \"shop.name\": expected a string, got a number"},
        {"{\"shop\": {\"name\": true}}", "key \"shop.name\": expected a string, got true"},
        {"{\"qr\": {\"ecc\": [\"M\"]}}", "key \"qr.ecc\": expected a string, got an array"},
        {"{\"theme\": {\"name\": \"x\"}}", "key \"theme.name\": unknown key"},
        {"{\"theme\": {}}", "key \"theme\": expected a string, got an object"},
        {"{\"db\": 1.5}", "key \"db\": expected a string, got a number"},
        {"{\"shop\": {\"name\": \"a\"}, \"shop.name\": \"b\"}", "key \"shop.name\": given twice"},
        {"[\"theme\", \"dark\"]", "expected a JSON object of settings, got an array"},
        {"{\"theme\": \"a\", \"theme\": \"b\"}", "duplicate object key"},
        /* typed values; a want starting ':' is all that follows the file's name */
        {"{\n  \"shop\": {\"name\": \"x\"},\n  \"worker\": {\n    \"interval\": \"ten\"\n  }\n}",
         ":4: key \"worker.interval\": expected a duration from 0s to 1d (e.g. 30, 30s, 1m30s), "
         "got \"ten\""},
        {"{\"ssh\": {\n  \"command_timeout\": -5}}",
         ":2: key \"ssh.command_timeout\": expected a duration from 1s to 10m (e.g. 30, 30s, "
         "1m30s), got -5"},
        {"{\"ssh.connect_timeout\": \"-5\"}", ":1: key \"ssh.connect_timeout\": expected a "
                                              "duration from 1s to 10m"},
        {"{\n\n\"worker.embedded\": \"sometimes\"}",
         ":3: key \"worker.embedded\": expected one of auto, on, off, got \"sometimes\""},
        {"{\"qr\":\n {\"ecc\": \"Z\"}}",
         ":2: key \"qr.ecc\": expected one of L, M, Q, H, got \"Z\""},
        {"{\"worker\": {\"interval\": \"10x\"}}",
         ":1: key \"worker.interval\": expected a duration"},
        {"{\"worker\": {\"interval\": \"1H\"}}",
         ":1: key \"worker.interval\": expected a duration"},
        {"{\"worker\": {\"interval\": \"2d\"}}", "expected a duration from 0s to 1d"},
        {"{\"worker\": {\"interval\": 86401}}", "expected a duration from 0s to 1d"},
        {"{\"worker\": {\"interval\": 1.5}}",
         ":1: key \"worker.interval\": expected a whole number of seconds or text such as "
         "\"90s\" or \"1m30s\", got a number"},
        {"{\"worker\": {\"interval\": true}}", "got true"},
        {"{\"worker\": {\"embedded\": 1}}", ":1: key \"worker.embedded\": expected a string, got "
                                            "a number"},
        {"{\"theme\": \"dark\",\n\"colour\": \"red\"}", ":2: key \"colour\": unknown key"},
    };
    struct fixture *f = *state;
    struct config c;

    config_init(&c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct werr e = {0};
        char *p = write_file(f, "t.json", cases[i].json);

        assert_int_equal(config_load_file(&c, p, &e), -1);
        assert_int_equal(e.status, WISP_EUSAGE);
        if (!str_starts(e.msg, p) || e.msg[strlen(p)] != ':' ||
            strstr(e.msg, cases[i].expected) == NULL || strchr(e.msg, '\n') ||
            (cases[i].expected[0] == ':' && !str_starts(e.msg + strlen(p), cases[i].expected)))
            fail_msg("case %zu: \"%s\"", i, e.msg);
        free(p);
    }
    /* nothing was stored */
    assert_string_equal(c.shop_name, "wisp hotspot");
    assert_int_equal(c.worker_interval, 10);
    assert_int_equal(c.ssh_command_timeout, 15);
    assert_int_equal(c.worker_embedded, EMBEDDED_AUTO);
    assert_null(c.file);
    config_free(&c);
}

static void
test_json_syntax_error(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *p = write_file(f, "bad.json", "{\"currency\": \"USD\",\n  oops}"), *want;

    config_init(&c);
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_true(asprintf(&want, "%s: invalid JSON at line 2, column 6: ", p) > 0);
    assert_true(str_starts(e.msg, want));
    free(want);
    free(p);

    p = write_file(f, "empty.json", "");
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_non_null(strstr(e.msg, "invalid JSON at line"));
    free(p);
    config_free(&c);
}

static void
test_missing_explicit_file(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char path[128];

    config_init(&c);
    assert_int_equal(config_load_file(&c, "/nonexistent/wisp.json", &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_string_equal(e.msg, "/nonexistent/wisp.json: cannot open the config file: "
                               "No such file or directory");
    /* a directory is not a config file, given or found */
    assert_int_equal(config_load_file(&c, f->dir, &e), -1);
    assert_non_null(strstr(e.msg, "is a directory"));
    snprintf(path, sizeof path, "%s/wisp", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/wisp/config.json", f->dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(config_load_file(&c, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "/wisp/config.json: is a directory"));
    config_free(&c);
}

/* A source that fails part-way changes nothing. */
static void
test_failed_source_changes_nothing(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *p = write_file(f, "half.json", "{\"theme\": \"dark\", \"qr.ecc\": \"Z\"}");

    config_init(&c);
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_string_equal(c.theme, "default");
    assert_null(c.file);
    setenv("WISP_THEME", "dark", 1);
    setenv("WISP_REDIS", "http://nope", 1);
    assert_int_equal(config_load_env(&c, &e), -1);
    assert_true(str_starts(e.msg, "WISP_REDIS: key \"redis\": expected redis://"));
    assert_string_equal(c.theme, "default");
    assert_null(c.redis);
    config_free(&c);
    free(p);
}

/* Durations take a number of seconds (text or JSON) or RouterOS units; enums
 * any case; each lands in its field as a number. */
static void
test_typed_values(void **state)
{
    static const struct {
        const char *key, *value;
        int want;
    } cases[] = {
        {"worker.interval", "0", 0},
        {"worker.interval", "90", 90},
        {"worker.interval", "1m30s", 90},
        {"worker.interval", "1d", 86400},
        {"worker.interval", "2h", 7200},
        {"ssh.connect_timeout", "1", 1},
        {"ssh.command_timeout", "10m", 600},
        {"ssh.command_timeout", "45s", 45},
        {"worker.embedded", "on", EMBEDDED_ON},
        {"worker.embedded", "OFF", EMBEDDED_OFF},
        {"qr.ecc", "q", 'Q'},
    };
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *p = write_file(f, "typed.json",
                         "{\"worker\": {\"interval\": 30, \"embedded\": \"off\"},\n"
                         " \"ssh.connect_timeout\": \"2m\", \"ssh.command_timeout\": null}");

    config_init(&c);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got;

        if (config_set(&c, cases[i].key, cases[i].value, "--x", &e) < 0)
            fail_msg("%s=%s: %s", cases[i].key, cases[i].value, e.msg);
        got = str_eq(cases[i].key, "worker.interval")       ? c.worker_interval
              : str_eq(cases[i].key, "ssh.connect_timeout") ? c.ssh_connect_timeout
              : str_eq(cases[i].key, "ssh.command_timeout") ? c.ssh_command_timeout
              : str_eq(cases[i].key, "worker.embedded")     ? (int)c.worker_embedded
                                                            : c.qr_ecc;
        if (got != cases[i].want)
            fail_msg("%s=%s gave %d, want %d", cases[i].key, cases[i].value, got, cases[i].want);
    }
    assert_int_equal(config_load_file(&c, p, &e), 0);
    assert_int_equal(c.worker_interval, 30);
    assert_int_equal(c.worker_embedded, EMBEDDED_OFF);
    assert_int_equal(c.ssh_connect_timeout, 120);
    assert_int_equal(c.ssh_command_timeout, 15); /* null: the default */
    assert_get(&c, "ssh.connect_timeout", "120");
    config_free(&c);
    free(p);
}

/* From the environment and flags: the variable or flag named instead. */
static void
test_typed_errors_elsewhere(void **state)
{
    struct config c;
    struct werr e = {0};

    (void)state;
    config_init(&c);
    setenv("WISP_SSH_CONNECT_TIMEOUT", "-1", 1);
    assert_int_equal(config_load_env(&c, &e), -1);
    assert_string_equal(e.msg, "WISP_SSH_CONNECT_TIMEOUT: key \"ssh.connect_timeout\": expected a "
                               "duration from 1s to 10m (e.g. 30, 30s, 1m30s), got \"-1\"");
    unsetenv("WISP_SSH_CONNECT_TIMEOUT");
    setenv("WISP_WORKER_EMBEDDED", "maybe", 1);
    assert_int_equal(config_load_env(&c, &e), -1);
    assert_string_equal(e.msg, "WISP_WORKER_EMBEDDED: key \"worker.embedded\": expected one of "
                               "auto, on, off, got \"maybe\"");
    unsetenv("WISP_WORKER_EMBEDDED");
    assert_int_equal(config_set(&c, "worker.interval", "ten", "--interval", &e), -1);
    assert_true(str_starts(e.msg, "--interval: key \"worker.interval\": expected a duration"));
    assert_int_equal(config_set(&c, "worker.interval", "", "--interval", &e), -1);
    assert_int_equal(c.worker_interval, 10);
    assert_int_equal(c.ssh_connect_timeout, 5);
    assert_int_equal(c.worker_embedded, EMBEDDED_AUTO);
    config_free(&c);
}

/* Providers are typed too: defaults from the table, errors with the line. */
static void
test_providers(void **state)
{
    static const struct {
        const char *json, *want;
    } bad[] = {
        {"{\"providers\": {\n\"acme\": {\"url\": \"http://x\",\n \"http_timeout_s\": 0}}}",
         ":3: key \"providers.acme.http_timeout_s\": expected a whole number from 1 to 10000000, "
         "got 0"},
        {"{\"providers\": {\"acme\": {\"url\": \"http://x\", \"max_checks\": \"many\"}}}",
         ":1: key \"providers.acme.max_checks\": expected a whole number from 0 to 10000000, got "
         "\"many\""},
        {"{\"providers\": {\"acme\": {\n\"urll\": \"http://x\"}}}",
         ":2: key \"providers.acme.urll\": unknown key (did you mean \"url\"? known: url, "
         "token_env, token_file, http_timeout_s, first_check_s, backoff_base_s, backoff_max_s, "
         "max_checks, timeout_s, sweep_s)"},
        {"{\"providers\": {\"acme\": {\"url\": \"ftp://x\"}}}",
         ":1: key \"providers.acme.url\": expected an http:// or https:// URL, got \"ftp://x\""},
        {"{\"providers\": {\"acme\": {\"token_env\": \"T\"}}}",
         ":1: key \"providers.acme.url\": missing: every provider needs its url"},
        {"{\"providers\": {\"a b\": {\"url\": \"http://x\"}}}",
         ":1: key \"providers.a b\": a provider name is 1-32 letters, digits, _ or -"},
        {"{\"providers\": [1]}", ":1: key \"providers\": expected an object of providers by name"},
    };
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *p =
        write_file(f, "p.json",
                   "{\"providers\": {\"acme\": {\"url\": \"https://a.example/v1\",\n"
                   " \"token_env\": \"ACME_TOKEN\", \"http_timeout_s\": 3, \"sweep_s\": \"45\"},\n"
                   " \"zed\": {\"url\": \"http://z\"}}}");
    const struct config_provider *acme, *zed;

    config_init(&c);
    assert_int_equal(config_load_file(&c, p, &e), 0);
    assert_int_equal(c.nproviders, 2);
    acme = config_provider(&c, "acme");
    zed = config_provider(&c, "zed");
    assert_non_null(acme);
    assert_non_null(zed);
    assert_null(config_provider(&c, "nobody"));
    assert_string_equal(acme->url, "https://a.example/v1");
    assert_string_equal(acme->token_env, "ACME_TOKEN");
    assert_null(acme->token_file);
    assert_int_equal(acme->http_timeout_s, 3);
    assert_int_equal(acme->sweep_s, 45);
    assert_int_equal(acme->first_check_s, 60); /* the table's defaults */
    assert_int_equal(zed->http_timeout_s, 10);
    assert_int_equal(zed->backoff_base_s, 30);
    assert_int_equal(zed->backoff_max_s, 600);
    assert_int_equal(zed->max_checks, 20);
    assert_int_equal(zed->timeout_s, 86400);
    assert_int_equal(zed->sweep_s, 300);
    free(p);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = write_file(f, "bad.json", bad[i].json);
        assert_int_equal(config_load_file(&c, p, &e), -1);
        if (!str_starts(e.msg, p) || !str_starts(e.msg + strlen(p), bad[i].want))
            fail_msg("case %zu: \"%s\"", i, e.msg);
        free(p);
    }
    assert_int_equal(c.nproviders, 2); /* a failed file changes nothing */
    /* the environment loads into a copy and commits it: the providers come along */
    assert_int_equal(config_load_env(&c, &e), 0);
    assert_string_equal(config_provider(&c, "acme")->url, "https://a.example/v1");
    assert_int_equal(config_provider(&c, "acme")->sweep_s, 45);
    config_free(&c);
}

/* $XDG_CONFIG_HOME/wisp/config.json, else $HOME/.config/wisp/config.json. */
static void
test_xdg_paths(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *xdg = write_file(f, "xdg/wisp/config.json", "{\"theme\": \"xdg\"}");
    char *home = write_file(f, "home/.config/wisp/config.json", "{\"theme\": \"home\"}");
    char path[256], *out;

    snprintf(path, sizeof path, "%s/xdg", f->dir);
    setenv("XDG_CONFIG_HOME", path, 1);
    snprintf(path, sizeof path, "%s/home", f->dir);
    setenv("HOME", path, 1);
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_string_equal(c.theme, "xdg");
    assert_string_equal(c.file, xdg);
    config_free(&c);

    unsetenv("XDG_CONFIG_HOME");
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_string_equal(c.theme, "home");
    assert_string_equal(c.file, home);
    config_free(&c);

    setenv("XDG_CONFIG_HOME", "relative/dir", 1); /* ignored, as the XDG spec says */
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_string_equal(c.file, home);
    config_free(&c);

    /* an empty XDG dir: no file, and show says where it looked */
    snprintf(path, sizeof path, "%s/empty", f->dir);
    setenv("XDG_CONFIG_HOME", path, 1);
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_null(c.file);
    out = show(&c, false);
    snprintf(path, sizeof path,
             "config file         = (none; looked for %s/empty/wisp/config.json)\n", f->dir);
    assert_true(str_starts(out, path));
    free(out);
    config_free(&c);

    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_null(c.file);
    config_free(&c);
    free(xdg);
    free(home);
}

static void
test_show_text(void **state)
{
    struct fixture *f = *state;
    struct config c;
    struct werr e = {0};
    char *out, *want,
        *p = write_file(f, "wisp/config.json", "{\"shop\": {\"name\": \"Cafe Net\"}}");

    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_int_equal(config_set(&c, "db", "user=ana password='hunter 2'", "--db", &e), 0);
    out = show(&c, false);
    assert_true(asprintf(&want,
                         "config file         = %s\n"
                         "db                  = user=ana password=****\n"
                         "redis               = (unset: live metrics off)\n"
                         "shop.name           = Cafe Net\n"
                         "currency            = USD\n"
                         "money.format        = {currency} {amount}\n"
                         "money.decimals      = 2\n"
                         "login_url           = " DEFAULT_LOGIN "\n"
                         "redis.prefix        = wisp:\n"
                         "theme               = default\n"
                         "qr.ecc              = M\n"
                         "worker.interval     = 10s\n"
                         "worker.embedded     = auto\n"
                         "ssh.connect_timeout = 5s\n"
                         "ssh.command_timeout = 15s\n"
                         "backup.dir          = ($STATE_DIRECTORY/backups, else "
                         "$XDG_STATE_HOME/wisp/backups)\n"
                         "backup.max_age      = 2d\n"
                         "webhooks.timeout    = 10s\n"
                         "webhooks.backoff    = 30s\n"
                         "webhooks.max_wait   = 1h\n"
                         "webhooks.attempts   = 15\n"
                         "webhooks.disable_at = 5\n"
                         "shop.language       = en\n"
                         "notify.summary_hour = 21\n"
                         "notify.token_dir    = /etc/wisp/notify\n"
                         "outbox.keep         = 4w2d\n",
                         p) > 0);
    assert_string_equal(out, want);
    free(want);
    free(out);

    assert_int_equal(config_set(&c, "db", "", "--db", &e), 0);
    assert_int_equal(config_set(&c, "redis", "redis://ana:hunter3@h:6390/1", "--redis", &e), 0);
    out = show(&c, false);
    assert_non_null(strstr(out, "\ndb                  = (libpq defaults)\n"));
    assert_non_null(strstr(out, "\nredis               = redis://ana:****@h:6390/1\n"));
    assert_null(strstr(out, "hunter"));
    free(out);

    /* a conninfo may hold a newline; show keeps one line per key */
    assert_int_equal(config_set(&c, "db", "user=ana\npassword=hunter4", "--db", &e), 0);
    out = show(&c, false);
    assert_non_null(strstr(out, "\ndb                  = user=ana\\x0apassword=****\n"));
    assert_null(strstr(out, "hunter"));
    free(out);
    config_free(&c);
    free(p);
}

static void
test_show_json(void **state)
{
    struct config c;
    struct werr e = {0};
    json_error_t jerr;
    json_t *root;
    char *out;
    const char *k;
    json_t *v;
    size_t n = 0;
    static const char *const order[] = {"db",
                                        "redis",
                                        "shop.name",
                                        "currency",
                                        "money.format",
                                        "money.decimals",
                                        "login_url",
                                        "redis.prefix",
                                        "theme",
                                        "qr.ecc",
                                        "worker.interval",
                                        "worker.embedded",
                                        "ssh.connect_timeout",
                                        "ssh.command_timeout",
                                        "backup.dir",
                                        "backup.max_age",
                                        "webhooks.timeout",
                                        "webhooks.backoff",
                                        "webhooks.max_wait",
                                        "webhooks.attempts",
                                        "webhooks.disable_at",
                                        "shop.language",
                                        "notify.summary_hour",
                                        "notify.token_dir",
                                        "outbox.keep"};

    (void)state;
    config_init(&c);
    assert_int_equal(
        config_set(&c, "db", "postgresql://ana:hunter2@db/shop?sslpassword=k3y", "--db", &e), 0);
    out = show(&c, true);
    assert_null(strstr(out, "hunter"));
    assert_null(strstr(out, "k3y"));
    root = json_loads(out, 0, &jerr);
    assert_non_null(root);
    assert_true(json_is_object(root));
    json_object_foreach(root, k, v)
    {
        assert_true(n < 25);
        assert_string_equal(k, order[n]); /* table order */
        n++;
    }
    assert_int_equal(n, 25);
    assert_string_equal(json_string_value(json_object_get(root, "db")),
                        "postgresql://ana:****@db/shop?sslpassword=****");
    assert_true(json_is_null(json_object_get(root, "redis")));
    assert_string_equal(json_string_value(json_object_get(root, "shop.name")), "wisp hotspot");
    assert_string_equal(json_string_value(json_object_get(root, "qr.ecc")), "M");
    /* typed: numbers and durations (in seconds) are JSON numbers */
    assert_true(json_is_integer(json_object_get(root, "worker.interval")));
    assert_int_equal(json_integer_value(json_object_get(root, "worker.interval")), 10);
    assert_int_equal(json_integer_value(json_object_get(root, "ssh.command_timeout")), 15);
    assert_string_equal(json_string_value(json_object_get(root, "worker.embedded")), "auto");
    assert_null(strstr(out, "config file")); /* the object holds keys only */
    json_decref(root);
    free(out);
    config_free(&c);
}

static void
test_help(void **state)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    (void)state;
    config_help(out);
    fclose(out);
    assert_true(str_starts(buf,
                           "db                  WISP_DB                  default (libpq "
                           "defaults), secret (shown masked)\n                    PostgreSQL"));
    assert_non_null(strstr(buf, "\nqr.ecc              WISP_QR_ECC              default \"M\"\n"));
    assert_non_null(
        strstr(buf, "\nredis.prefix        WISP_REDIS_PREFIX        default \"wisp:\"\n"));
    assert_non_null(
        strstr(buf, "\nshop.name           WISP_SHOP_NAME           default \"wisp hotspot\"\n"));
    assert_non_null(
        strstr(buf, "\nworker.interval     WISP_WORKER_INTERVAL     default \"10s\"\n"));
    free(buf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_nested_and_dotted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_value_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_hide_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_value_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_syntax_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_explicit_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_source_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_typed_errors_elsewhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_providers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_xdg_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show_json, setup, teardown),
        cmocka_unit_test(test_help),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
