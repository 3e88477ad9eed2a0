/*
 * test_mpath.c - the metrics path against the test run's real Redis
 * (REDIS_SOCK, started by tests/run.sh): a batch sent twice counts once, the
 * same id twice in one batch counts once, the aggregates add up, windows
 * and ties read back as documented. Keys live under a prefix of their own,
 * deleted before and after.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/mpath.h"
#include "wisp/util.h"

#define P "unit-mpath:"

static redisContext *c;

static void
wipe(void)
{
    redisReply *r = redisCommand(c, "KEYS " P "*");

    for (size_t i = 0; r && i < r->elements; i++)
        freeReplyObject(redisCommand(c, "DEL %s", r->element[i]->str));
    freeReplyObject(r);
}

static long long
hget(const char *key, const char *field)
{
    redisReply *r = redisCommand(c, "HGET %s %s", key, field);
    long long v = r && r->type == REDIS_REPLY_STRING ? atoll(r->str) : -1;

    freeReplyObject(r);
    return v;
}

static long long
send(struct mpath *m)
{
    struct werr e = {0};
    long long n = -1;

    assert_int_equal(mpath_send(m, c, &n, &e), 0);
    return n;
}

static void
hour_key(time_t at, char *buf, size_t len)
{
    char h[16];
    struct tm tm;

    localtime_r(&at, &tm);
    strftime(h, sizeof h, "%Y%m%d%H", &tm);
    snprintf(buf, len, P "m:hour:%s", h);
}

static void
test_replay_counts_once(void **state)
{
    struct mpath_client cl[2] = {{"alice", "AA", 1000}, {"bob", "BB", 0}};
    time_t at = time(NULL);
    struct mpath *m = mpath_new(P);
    char hk[64], mk[64];

    (void)state;
    wipe();
    for (int round = 0; round < 2; round++) {
        mpath_sale(m, 7, at, "1h", 150);
        mpath_sale(m, 7, at, "1h", 150); /* the same id twice in one batch */
        mpath_activation(m, 7, at);
        mpath_sample(m, 1, "r1", (long long)at * 1000, 2, 8000, 16000, cl, 2);
        assert_int_equal(mpath_pending(m), 4);
        assert_int_equal(send(m), round == 0 ? 3 : 0); /* a replay adds nothing */
        assert_int_equal(mpath_pending(m), 0);
    }
    hour_key(at, hk, sizeof hk);
    assert_int_equal(hget(hk, "sold"), 1);
    assert_int_equal(hget(hk, "revenue"), 150);
    assert_int_equal(hget(hk, "activated"), 1);
    snprintf(mk, sizeof mk, P "m:min:%lld", (long long)at / 60);
    assert_int_equal(hget(mk, "s:r1"), 2);
    assert_int_equal(hget(mk, "tx:r1"), 16000);
    mpath_free(m);
}

static void
test_read_back(void **state)
{
    struct werr e = {0};
    time_t now = time(NULL);
    struct mpath *m = mpath_new(P);
    struct mpath_client a[1] = {{"zed", "Z1", 500}}, b[1] = {{"amy", "A1", 500}},
                        old[1] = {{"old", "O1", 999999}};
    json_t *j;

    (void)state;
    wipe();
    mpath_sample(m, 1, "r1", (long long)now * 1000, 3, 100, 200, a, 1);
    mpath_sample(m, 2, "r2", (long long)(now - 60) * 1000, 4, 10, 20, b, 1);   /* last minute */
    mpath_sample(m, 3, "r3", (long long)(now - 120) * 1000, 5, 1, 2, NULL, 0); /* too old */
    mpath_sample(m, 4, "r4", (long long)(now - 600) * 1000, 0, 0, 0, old, 1);  /* 10 min back */
    mpath_sale(m, 1, now, "day", 400);
    mpath_sale(m, 2, now, "1h", 150);
    mpath_sale(m, 3, now, "1h", 150);
    mpath_sale(m, 4, now, "day", 400);
    assert_int_equal(send(m), 8);
    j = mpath_read(c, P, now, 2, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "active_sessions")), 7);
    assert_int_equal(json_integer_value(json_object_get(j, "rx_bps")), 110);
    assert_null(json_object_get(json_object_get(j, "per_router"), "r3"));
    assert_int_equal(json_integer_value(json_object_get(j, "sold_today")), 4);
    assert_string_equal(json_string_value(json_object_get(j, "revenue_today")), "11.00");
    /* ties: the same bytes, by name; the 10-minute-old client is out */
    assert_int_equal(json_array_size(json_object_get(j, "top_clients")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "top_clients"), 0), "user")),
                        "amy");
    /* plans tied on sales: more revenue first */
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "top_plans"), 0), "plan")),
                        "day");
    json_decref(j);
    mpath_free(m);
    wipe();
}

static void
assert_json(json_t *j, const char *want)
{
    char *got = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

    assert_string_equal(got, want);
    free(got);
}

/* Cycles longer than a minute: a router's sample holds for the window. */
static void
test_series_window(void **state)
{
    struct werr e = {0};
    time_t now = time(NULL);
    struct mpath *m = mpath_new(P);
    json_t *j;

    (void)state;
    wipe();
    mpath_sample(m, 1, "r1", (long long)(now - 180) * 1000, 5, 0, 0, NULL, 0);
    mpath_sample(m, 2, "r2", (long long)now * 1000, 2, 0, 0, NULL, 0);
    assert_int_equal(send(m), 2);
    j = mpath_series(c, P, now, 4, 3, &e);
    assert_non_null(j);
    assert_json(json_object_get(j, "sessions"), "[5,5,5,2]");
    json_decref(j);
    j = mpath_series(c, P, now, 4, 1, &e);
    assert_non_null(j);
    assert_json(json_object_get(j, "sessions"), "[5,null,null,2]");
    json_decref(j);
    mpath_free(m);
    wipe();
}

/* The day clocks go back (America/New_York, 2027-11-07): 01:xx happens
 * twice and is one bucket; 23:xx is still hour 23; the next day is not
 * today. The day they go forward (2027-03-14): hour 2 does not exist. */
static void
test_hours_across_clock_changes(void **state)
{
    struct werr e = {0};
    struct mpath *m = mpath_new(P);
    char *tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
    time_t fall = 1825560000, spring = 1805000400; /* the two local midnights */
    json_t *j;

    (void)state;
    setenv("TZ", "America/New_York", 1);
    tzset();
    wipe();
    assert_int_equal(local_midnight(fall + 12 * 3600), fall);
    mpath_sale(m, 1, fall + 5400, "1h", 100);             /* 01:30 EDT */
    mpath_sale(m, 2, fall + 5400 + 3600, "1h", 100);      /* 01:30 EST */
    mpath_sale(m, 3, fall + 24 * 3600 + 1800, "1h", 100); /* 23:30 EST */
    mpath_sale(m, 4, fall + 25 * 3600 + 1800, "1h", 100); /* tomorrow 00:30 */
    assert_int_equal(send(m), 4);
    j = mpath_hours(c, P, fall + 25 * 3600 - 60, &e);
    assert_non_null(j);
    assert_json(json_object_get(j, "sold"), "[0,2,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1]");
    json_decref(j);
    j = mpath_read(c, P, fall + 25 * 3600 - 60, 2, &e);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "sold_today")), 3);
    json_decref(j);
    mpath_sale(m, 5, spring + 2 * 3600 - 60, "1h", 100); /* 01:59 EST */
    mpath_sale(m, 6, spring + 2 * 3600 + 60, "1h", 100); /* 03:01 EDT */
    assert_int_equal(send(m), 2);
    assert_int_equal(local_hour(spring, 2), spring + 2 * 3600); /* 02:00 is 03:00 EDT */
    j = mpath_hours(c, P, spring + 12 * 3600, &e);
    assert_non_null(j);
    assert_json(json_object_get(j, "sold"), "[0,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]");
    json_decref(j);
    mpath_free(m);
    wipe();
    if (tz)
        setenv("TZ", tz, 1);
    else
        unsetenv("TZ");
    free(tz);
    tzset();
}

/* Strict dates: what mktime would quietly move is refused. */
static void
test_local_date(void **state)
{
    (void)state;
    assert_int_equal(local_date("2026-02-30"), -1);
    assert_int_equal(local_date("2026-13-01"), -1);
    assert_int_equal(local_date("2026-1-01"), -1);
    assert_int_equal(local_date("2026-03-08x"), -1);
    assert_int_equal(local_date(NULL), -1);
    assert_true(local_date("2028-02-29") > 0);
    assert_int_equal(local_date("2026-11-26"), local_midnight(local_date("2026-11-26") + 50000));
}

int
main(void)
{
    const char *sock = getenv("REDIS_SOCK");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_replay_counts_once),
        cmocka_unit_test(test_read_back),
        cmocka_unit_test(test_series_window),
        cmocka_unit_test(test_hours_across_clock_changes),
        cmocka_unit_test(test_local_date),
    };
    int rc;

    if (!sock || (c = redisConnectUnix(sock)) == NULL || c->err) {
        fprintf(stderr, "test_mpath: needs the test Redis (REDIS_SOCK); run it with make check\n");
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    redisFree(c);
    return rc;
}
