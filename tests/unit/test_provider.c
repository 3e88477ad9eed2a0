/*
 * test_provider.c - the schedule of status checks after a dispatch, on a
 * clock the test owns: the first check 60 s after dispatch, then 30 s,
 * 60 s, 120 s ... capped at 600 s, at most 20 scheduled checks, failed 24 h
 * after dispatch; and the same numbers taken from a provider's settings.
 * An answer wisp cannot take never carries its PIN into the error (which
 * is stored as the order's last_error, and viewers read that).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/err.h"
#include "wisp/provider.h"

static struct provider
defaults(void)
{
    struct provider p = {.first_check_s = 60,
                         .backoff_base_s = 30,
                         .backoff_max_s = 600,
                         .max_checks = 20,
                         .timeout_s = 86400,
                         .http_timeout_s = 10};
    return p;
}

static void
test_default_schedule(void **state)
{
    struct provider p = defaults();
    int64_t sent = 1000000, now = sent, want[] = {60, 30, 60, 120, 240, 480, 600, 600};

    (void)state;
    /* check k happens at the time the schedule gave after check k-1 */
    for (int k = 0; k < 8; k++) {
        int64_t next = provider_next_check(&p, sent, k, now);

        assert_int_equal(next - now, want[k]);
        now = next;
    }
    /* capped at 600 s from then on */
    for (int k = 8; k < 20; k++) {
        int64_t next = provider_next_check(&p, sent, k, now);

        assert_int_equal(next - now, 600);
        now = next;
    }
    /* after 20 checks: nothing scheduled but the timeout (the sweep looks in) */
    assert_int_equal(provider_next_check(&p, sent, 20, now), sent + 86400);
    /* 24 h after dispatch: fail */
    assert_int_equal(provider_next_check(&p, sent, 20, sent + 86400), -1);
    assert_int_equal(provider_next_check(&p, sent, 3, sent + 90000), -1);
    /* never past the timeout */
    assert_int_equal(provider_next_check(&p, sent, 5, sent + 86400 - 10), sent + 86400);
}

static void
test_settings_change_it(void **state)
{
    struct provider p = defaults();

    (void)state;
    p.first_check_s = 2;
    p.backoff_base_s = 1;
    p.backoff_max_s = 4;
    p.max_checks = 5;
    p.timeout_s = 100;
    assert_int_equal(provider_next_check(&p, 0, 0, 0), 2);
    assert_int_equal(provider_next_check(&p, 0, 1, 2), 3);
    assert_int_equal(provider_next_check(&p, 0, 2, 3), 5);
    assert_int_equal(provider_next_check(&p, 0, 3, 5), 9);
    assert_int_equal(provider_next_check(&p, 0, 4, 9), 13);
    assert_int_equal(provider_next_check(&p, 0, 5, 13), 100);
    assert_int_equal(provider_next_check(&p, 0, 5, 100), -1);
}

static void
test_retry_delay(void **state)
{
    struct provider p = defaults();

    (void)state;
    assert_int_equal(provider_retry_delay(&p, 0), 30);
    assert_int_equal(provider_retry_delay(&p, 1), 30);
    assert_int_equal(provider_retry_delay(&p, 2), 60);
    assert_int_equal(provider_retry_delay(&p, 5), 480);
    assert_int_equal(provider_retry_delay(&p, 6), 600);
    assert_int_equal(provider_retry_delay(&p, 40), 600);
}

/* A PIN in an answer refused as a whole stays out of the error. */
static void
test_refused_answer_hides_pin(void **state)
{
    static const char *const bodies[] = {
        "{\"status\": \"done\", \"reference\": \"r1\", \"pin\": \"SECRET4242\"}",
        "{\"status\": \"completed\", \"reference\": \"r1\", \"pin\": \"SECRET4242\\u001b\"}",
        "{\"status\": \"completed\", \"reference\": \"r1\\n\", \"pin\": \"SECRET4242\"}",
        "{\"pin\": \"SECRET4242\", \"message\": \"no\"}",
        "{\"status\": \"completed\", \"reference\": \"r1\", \"pin\": \"SECRET4242\"",
    };
    struct provider p = defaults();
    struct provider_reply r;

    (void)state;
    snprintf(p.name, sizeof p.name, "t");
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        struct werr e = {0};
        enum provider_outcome o = provider_parse_reply(&p, "dispatch", i == 3 ? 400 : 200,
                                                       bodies[i], strlen(bodies[i]), true, &r, &e);

        assert_int_not_equal(o, PROV_OK);
        assert_non_null(strstr(e.msg, "provider t"));
        assert_null(strstr(e.msg, "SECRET4242"));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_schedule),
        cmocka_unit_test(test_settings_change_it),
        cmocka_unit_test(test_retry_delay),
        cmocka_unit_test(test_refused_answer_hides_pin),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
