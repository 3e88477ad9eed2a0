/*
 * test_webhook.c - the pure parts of webhooks: the retry schedule (30 s
 * doubling to a 1 h cap by default), what each answer means (2xx delivered;
 * a network error, 5xx, 408, 429 tried again until the tries are used up;
 * 410 gone; any other status given up at once), and the signature against
 * a value computed independently (python's hmac).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/webhook.h"

static const struct webhook_policy policy = {.timeout_s = 10,
                                             .backoff_s = 30,
                                             .backoff_max_s = 3600,
                                             .max_attempts = 15,
                                             .disable_after = 5};

static void
test_backoff(void **state)
{
    int64_t want[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600};

    (void)state;
    for (int k = 1; k <= 10; k++)
        assert_int_equal(webhook_backoff_ms(30000, 3600000, k), want[k - 1] * 1000);
    /* a wait that would overflow stays at the cap */
    assert_int_equal(webhook_backoff_ms(1000, 4000, 200), 4000);
    assert_int_equal(webhook_backoff_ms(0, 4000, 1), 1);
}

static void
test_judge(void **state)
{
    (void)state;
    assert_int_equal(webhook_judge(200, 1, &policy), WH_DELIVERED);
    assert_int_equal(webhook_judge(204, 15, &policy), WH_DELIVERED);
    assert_int_equal(webhook_judge(299, 3, &policy), WH_DELIVERED);
    /* worth another try, until the last */
    for (long s = 0; s < 600; s++) {
        bool again = s == 0 || s == 408 || s == 429 || s >= 500;

        if (s >= 200 && s <= 299)
            continue;
        if (s == 410) {
            assert_int_equal(webhook_judge(s, 1, &policy), WH_GONE);
            continue;
        }
        if (s > 0 && s < 100)
            continue;
        assert_int_equal(webhook_judge(s, 1, &policy), again ? WH_RETRY : WH_DEAD);
        assert_int_equal(webhook_judge(s, 14, &policy), again ? WH_RETRY : WH_DEAD);
        assert_int_equal(webhook_judge(s, 15, &policy), WH_DEAD);
    }
    assert_int_equal(webhook_judge(410, 15, &policy), WH_GONE);
    assert_string_equal(webhook_outcome_name(WH_DELIVERED), "delivered");
    assert_string_equal(webhook_outcome_name(WH_RETRY), "retry");
    assert_string_equal(webhook_outcome_name(WH_DEAD), "dead");
    assert_string_equal(webhook_outcome_name(WH_GONE), "gone");
}

static void
test_sign(void **state)
{
    char sig[160];

    (void)state;
    /* python3: hmac.new(b"whsec-test-secret-123", b'1700000000.{"a":1}', sha256) */
    webhook_sign("whsec-test-secret-123", 1700000000LL, "{\"a\":1}", 7, sig, sizeof sig);
    assert_string_equal(sig, "t=1700000000,v1="
                             "84e038d7cd080e118e027f050c7be4c667bd2078475f9786cd9a695f9f6519ce");
    /* the body's bytes, not its C string: the length counts */
    webhook_sign("whsec-test-secret-123", 1700000000LL, "{\"a\":1}xyz", 7, sig, sizeof sig);
    assert_non_null(strstr(sig, "84e038d7"));
    webhook_sign("whsec-test-secret-124", 1700000000LL, "{\"a\":1}", 7, sig, sizeof sig);
    assert_null(strstr(sig, "84e038d7"));
}

static void
test_secret_new(void **state)
{
    char a[80], b[80];
    struct werr e = {0};

    (void)state;
    assert_int_equal(webhook_secret_new(a, sizeof a, &e), 0);
    assert_int_equal(webhook_secret_new(b, sizeof b, &e), 0);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    assert_string_not_equal(a, b);
    assert_int_equal(webhook_secret_new(a, 10, &e), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_sign),
        cmocka_unit_test(test_secret_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
