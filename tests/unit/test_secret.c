/*
 * test_secret.c - passwords in conninfo strings, URIs and Redis URLs found
 * and masked (src/secret.c), and error text scrubbed of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/secret.h"

static void
test_masking(void **state)
{
    static const char *const cases[][2] = {
        {"host=/run dbname=shop password=hunter2", "host=/run dbname=shop password=****"},
        {"password='a b c' user=x", "password=**** user=x"},
        {"password = 'it\\'s' user=x", "password = **** user=x"},
        {"user=x\tpassword=hunter2\tport=5", "user=x\tpassword=****\tport=5"},
        {"sslpassword=k3y sslmode=require", "sslpassword=**** sslmode=require"},
        {"user=mypassword dbname=password", "user=mypassword dbname=password"},
        {"postgresql://ana:hunter2@db/shop", "postgresql://ana:****@db/shop"},
        {"postgres://ana:hunter2@h1:5432,h2:5433/shop", "postgres://ana:****@h1:5432,h2:5433/shop"},
        {"postgresql://ana@db/shop", "postgresql://ana@db/shop"},
        {"postgresql://ana:p@ss/w?rd@db/shop", "postgresql://ana:****@db/shop"},
        {"postgresql://db/shop?user=a&password=hunter2",
         "postgresql://db/shop?user=a&password=****"},
        {"postgresql://db/shop?password=hunter2&sslmode=require",
         "postgresql://db/shop?password=****&sslmode=require"},
        {"postgresql://ana:x@db/shop?application_name=a@b",
         "postgresql://ana:****@db/shop?application_name=a@b"},
        {"dbname='postgresql://ana:hunter2@db/shop' user='bo' password='pw'",
         "dbname='postgresql://ana:****@db/shop' user='bo' password=****"},
        {"redis://:hunter2@h:6379/1", "redis://:****@h:6379/1"},
        {"redis://ana:hunter2@h", "redis://ana:****@h"},
        {"redis://hunter2@h", "redis://****@h"},
        {"unix:///run/redis.sock?db=1&password=hunter2",
         "unix:///run/redis.sock?db=1&password=****"},
        {"redis://h:6379/0", "redis://h:6379/0"},
        {"dbname=shop", "dbname=shop"},
        {"", ""},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *m = secret_mask(cases[i][0]);

        if (strcmp(m, cases[i][1]) != 0)
            fail_msg("mask(%s) = %s, want %s", cases[i][0], m, cases[i][1]);
        free(m);
    }
    assert_null(secret_mask(NULL));
}

/* A message quoting a piece of the value loses the value's passwords. */
static void
test_scrub(void **state)
{
    char *m;

    (void)state;
    m = secret_scrub("bad token \"hunter2@db\" in \"ana:hunter2\"",
                     "postgresql://ana:hunter2@db/shop");
    assert_string_equal(m, "bad token \"****@db\" in \"ana:****\"");
    free(m);
    m = secret_scrub("nothing to hide", "dbname=shop");
    assert_string_equal(m, "nothing to hide");
    free(m);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_masking),
        cmocka_unit_test(test_scrub),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
