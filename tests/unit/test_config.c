/*
 * test_config.c - the options table: defaults, file, environment and flags in
 * that order, errors that name file/key/expectation, Redis URLs, masking.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/config.h"

static char dir[64];

static int
setup(void **state)
{
    static const char *vars[] = {"WISP_DB",           "WISP_REDIS",    "WISP_THEME",
                                 "WISP_SHOP_NAME",    "WISP_CURRENCY", "WISP_LOGIN_URL",
                                 "WISP_REDIS_PREFIX", "WISP_QR_ECC"};

    (void)state;
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    snprintf(dir, sizeof dir, "/tmp/wisp-config-XXXXXX");
    assert_non_null(mkdtemp(dir));
    setenv("XDG_CONFIG_HOME", dir, 1);
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Write text to DIR/name (creating DIR/wisp for the default file). */
static char *
write_file(const char *name, const char *text)
{
    static char path[256];
    char sub[128];
    FILE *f;

    snprintf(sub, sizeof sub, "%s/wisp", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void
test_defaults(void **state)
{
    struct config c;
    struct werr e = {0};

    (void)state;
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0); /* absent default file is fine */
    assert_null(c.db);
    assert_null(c.redis);
    assert_string_equal(c.shop_name, "wisp hotspot");
    assert_string_equal(c.login_url, "http://hotspot.lan/login?username={user}&password={pass}");
    assert_string_equal(c.redis_prefix, "wisp:");
    assert_string_equal(c.theme, "default");
    assert_string_equal(c.qr_ecc, "M");
    config_free(&c);
}

static void
test_precedence(void **state)
{
    struct config c;
    struct werr e = {0};

    (void)state;
    write_file("wisp/config.json",
               "{\"shop\": {\"name\": \"Cafe Net\"}, \"currency\": \"KES\", \"theme\": \"dark\","
               " \"redis.prefix\": \"cafe:\"}");
    setenv("WISP_CURRENCY", "TZS", 1);
    setenv("WISP_THEME", "light", 1);
    config_init(&c);
    assert_int_equal(config_load_file(&c, NULL, &e), 0);
    assert_string_equal(c.shop_name, "Cafe Net");
    assert_string_equal(c.redis_prefix, "cafe:");
    assert_non_null(strstr(c.file, "wisp/config.json"));
    assert_int_equal(config_load_env(&c, &e), 0);
    assert_string_equal(c.currency, "TZS");
    assert_int_equal(config_set(&c, "theme", "mono", "--theme", &e), 0);
    assert_string_equal(c.theme, "mono");
    config_free(&c);
    unsetenv("WISP_CURRENCY");
    unsetenv("WISP_THEME");
}

static void
test_file_errors(void **state)
{
    struct config c;
    struct werr e = {0};
    char *p;

    (void)state;
    config_init(&c);
    p = write_file("a.json", "{\"shop\": {\"nam\": \"x\"}}");
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_non_null(strstr(e.msg, p));
    assert_non_null(strstr(e.msg, "\"shop.nam\""));
    assert_non_null(strstr(e.msg, "unknown key"));
    assert_non_null(strstr(e.msg, "shop.name")); /* lists the known keys */

    p = write_file("b.json", "{\"qr\": {\"ecc\": \"X\"}}");
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_non_null(strstr(e.msg, "\"qr.ecc\""));
    assert_non_null(strstr(e.msg, "one of L, M, Q, H"));

    p = write_file("c.json", "{\"shop.name\": 5}");
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_non_null(strstr(e.msg, "expected a string"));

    p = write_file("d.json", "{\"currency\": \"USD\",\n  oops}");
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_non_null(strstr(e.msg, "line 2"));

    p = write_file("e.json", "{\"login_url\": \"ftp://x/{user}\"}");
    assert_int_equal(config_load_file(&c, p, &e), -1);
    assert_non_null(strstr(e.msg, "login_url"));

    assert_int_equal(config_load_file(&c, "/nonexistent/wisp.json", &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/wisp.json"));
    config_free(&c);

    setenv("WISP_REDIS", "http://nope", 1);
    config_init(&c);
    assert_int_equal(config_load_env(&c, &e), -1);
    assert_non_null(strstr(e.msg, "WISP_REDIS"));
    config_free(&c);
    unsetenv("WISP_REDIS");
}

static void
test_redis_urls(void **state)
{
    struct redis_target t;
    struct werr e = {0};
    const char *bad[] = {"redis://",        "redis://host:0", "redis://host:99999",
                         "redis://host/x",  "http://host",    "unix://",
                         "unix://relative", "unix:///s?db=x", "redis://pw@host"};

    (void)state;
    assert_int_equal(config_parse_redis_url("redis://localhost", &t, &e), 0);
    assert_string_equal(t.host, "localhost");
    assert_int_equal(t.port, 6379);
    assert_int_equal(t.db, 0);
    assert_null(t.password);
    config_redis_target_free(&t);
    assert_int_equal(config_parse_redis_url("redis://:s3cret@10.0.0.5:6380/2", &t, &e), 0);
    assert_string_equal(t.host, "10.0.0.5");
    assert_int_equal(t.port, 6380);
    assert_int_equal(t.db, 2);
    assert_string_equal(t.password, "s3cret");
    config_redis_target_free(&t);
    assert_int_equal(config_parse_redis_url("unix:///run/redis.sock?db=3", &t, &e), 0);
    assert_string_equal(t.path, "/run/redis.sock");
    assert_int_equal(t.db, 3);
    config_redis_target_free(&t);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(config_parse_redis_url(bad[i], &t, &e), -1);
        assert_non_null(strstr(e.msg, "redis://"));
    }
}

static void
test_masking(void **state)
{
    const char *cases[][2] = {
        {"host=/run dbname=shop password=hunter2", "host=/run dbname=shop password=****"},
        {"password='a b c' user=x", "password=**** user=x"},
        {"postgresql://ana:hunter2@db/shop", "postgresql://ana:****@db/shop"},
        {"postgresql://db/shop?user=a&password=hunter2",
         "postgresql://db/shop?user=a&password=****"},
        {"redis://:hunter2@h:6379/1", "redis://:****@h:6379/1"},
        {"dbname=shop", "dbname=shop"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = config_mask_secret(cases[i][0]);

        assert_string_equal(m, cases[i][1]);
        free(m);
    }
}

static void
test_show_masks(void **state)
{
    struct config c;
    struct werr e = {0};
    char out[4096] = {0};
    FILE *f = fmemopen(out, sizeof out - 1, "w");

    (void)state;
    config_init(&c);
    assert_int_equal(config_set(&c, "db", "user=x password=hunter2", "--db", &e), 0);
    assert_int_equal(config_set(&c, "redis", "redis://:hunter3@h", "--redis", &e), 0);
    config_show(&c, f, false);
    config_show(&c, f, true);
    fclose(f);
    assert_null(strstr(out, "hunter"));
    assert_non_null(strstr(out, "password=****"));
    assert_non_null(strstr(out, "\"shop.name\": \"wisp hotspot\""));
    assert_non_null(strstr(out, "qr.ecc"));
    config_free(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_precedence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test(test_redis_urls),
        cmocka_unit_test(test_masking),
        cmocka_unit_test_setup_teardown(test_show_masks, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
