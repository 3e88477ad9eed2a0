/*
 * test_redis_url.c - the Redis URLs wisp accepts (src/redis_url.c): what each
 * form gives, and a one-line error naming the expected form for the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/redis_url.h"

static void
test_redis_urls(void **state)
{
    static const struct {
        const char *url, *host, *path, *password;
        int port, db;
    } good[] = {
        {"redis://localhost", "localhost", NULL, NULL, 6379, 0},
        {"redis://localhost/", "localhost", NULL, NULL, 6379, 0},
        {"redis://:s3cret@10.0.0.5:6380/2", "10.0.0.5", NULL, "s3cret", 6380, 2},
        {"redis://ana:s3cret@cache.lan:1/15", "cache.lan", NULL, "s3cret", 1, 15},
        {"redis://:p%40ss%3Aword@h:65535", "h", NULL, "p@ss:word", 65535, 0},
        {"redis://:@h", "h", NULL, NULL, 6379, 0},
        {"redis://[::1]:6390/3", "::1", NULL, NULL, 6390, 3},
        {"redis://[fe80::1]", "fe80::1", NULL, NULL, 6379, 0},
        {"unix:///run/redis.sock", NULL, "/run/redis.sock", NULL, 6379, 0},
        {"unix:///run/redis.sock?db=3", NULL, "/run/redis.sock", NULL, 6379, 3},
        {"unix:///s?db=4&password=pw%21", NULL, "/s", "pw!", 6379, 4},
    };
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"", "no URL"},
        {"localhost:6379", "must start with redis:// or unix://"},
        {"http://host", "must start with redis:// or unix://"},
        {"rediss://host", "must start with redis:// or unix://"},
        {"redis://", "no host"},
        {"redis://:pw@", "no host"},
        {"redis://host:0", "port must be 1-65535"},
        {"redis://host:65536", "port must be 1-65535"},
        {"redis://host:", "port must be 1-65535"},
        {"redis://host:-1", "port must be 1-65535"},
        {"redis://host:63x9", "port must be 1-65535"},
        {"redis://host/x", "db must be a non-negative integer"},
        {"redis://host/-1", "db must be a non-negative integer"},
        {"redis://host/1/2", "db must be a non-negative integer"},
        {"redis://host?db=1", "unexpected ? or #"},
        {"redis://pw@host", "put a colon before the password"},
        {"redis://:p%zz@host", "bad %-escape in the password"},
        {"redis://ho st", "bad character in the host"},
        {"redis://[::1", "no ] after an IPv6 address"},
        {"redis://[::1]x", "bad character after the host"},
        {"unix://", "must be absolute"},
        {"unix://relative.sock", "must be absolute"},
        {"unix:///", "no socket path"},
        {"unix:///s?db=x", "db must be a non-negative integer"},
        {"unix:///s?timeout=1", "the only parameters are db= and password="},
    };
    struct redis_target t;

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct werr e = {0};

        if (redis_url_parse(good[i].url, &t, &e) < 0)
            fail_msg("%s: %s", good[i].url, e.msg);
        if (good[i].host)
            assert_string_equal(t.host, good[i].host);
        else
            assert_null(t.host);
        if (good[i].path)
            assert_string_equal(t.path, good[i].path);
        else
            assert_null(t.path);
        if (good[i].password)
            assert_string_equal(t.password, good[i].password);
        else
            assert_null(t.password);
        assert_int_equal(t.port, good[i].port);
        assert_int_equal(t.db, good[i].db);
        redis_url_free(&t);
        assert_null(t.host); /* freeing leaves it empty, safe to free again */
        redis_url_free(&t);
    }
    assert_int_equal(redis_url_parse(NULL, &t, NULL), -1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct werr e = {0};

        assert_int_equal(redis_url_parse(bad[i].url, &t, &e), -1);
        assert_int_equal(e.status, WISP_EUSAGE);
        if (strstr(e.msg, "expected redis://[[user]:password@]host[:port][/db] or "
                          "unix:///path/to.sock[?db=N] (") != e.msg ||
            strstr(e.msg, bad[i].why) == NULL)
            fail_msg("%s: \"%s\"", bad[i].url, e.msg);
        assert_null(t.host);
        assert_null(t.path);
        assert_null(t.password);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_redis_urls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
