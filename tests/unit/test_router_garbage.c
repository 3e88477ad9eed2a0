/*
 * test_router_garbage.c - what a broken or hostile router may answer, and
 * what wisp's parsers make of it: a parse error for that router (its last
 * error), never a crash or a wrapped number. Each case is a fault issue 11
 * found in the parsers: `cpu-load: %`, empty values, huge, negative, NaN
 * and inf numbers, float-to-int casts, overflowing durations and byte
 * counts, and a roll of 100,000 lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "wisp/driver.h"

/* /system resource print (v7) with cpu-load's value replaced. */
static int
health_with_cpu(const char *cpu, struct rt_health *h, struct werr *e)
{
    char *text = xasprintf("uptime: 29s\r\nversion: 7.11.2 (stable)\r\nfree-memory: 94.2MiB\r\n"
                           "total-memory: 224.0MiB\r\ncpu-load:%s\r\n",
                           cpu);
    struct sbuf sb = {0};
    int rc;

    sb_add(&sb, text);
    ros_clean(&sb);
    rc = ros_parse_health(sb.buf, "  name: hs\r\n", h, e);
    sb_free(&sb);
    free(text);
    return rc;
}

static void
test_cpu_load(void **state)
{
    static const char *const bad[] = {
        " %",    "",   " ",     " -1%", " 101%", " 99999999999999999999%", " nan%", " inf%",
        " 1e2%", " 2", " 2.5%", " %%",  NULL};
    struct rt_health h;
    struct werr e = {0};

    (void)state;
    assert_int_equal(health_with_cpu(" 36%", &h, &e), 0);
    assert_int_equal(h.cpu_load, 36);
    assert_int_equal(health_with_cpu(" 0%", &h, &e), 0);
    assert_int_equal(h.cpu_load, 0);
    assert_int_equal(health_with_cpu(" 100%", &h, &e), 0);
    assert_int_equal(h.cpu_load, 100);
    for (int i = 0; bad[i]; i++) {
        e.msg[0] = '\0';
        assert_int_equal(health_with_cpu(bad[i], &h, &e), -1);
        assert_non_null(strstr(e.msg, "cpu-load"));
        assert_non_null(strstr(e.msg, "not a percentage"));
    }
}

static void
test_memory_sizes(void **state)
{
    static const char *const bad[] = {"nanMiB",        "infGiB",  "1e308GiB", "-1MiB",
                                      "9000000000TiB", "1.5XiB",  "",         "MiB",
                                      " 1MiB",         "0x10MiB", NULL};
    struct rt_health h;
    struct werr e = {0};

    (void)state;
    assert_int_equal(ros_parse_size("3704.1MiB"), 3884030362);
    assert_int_equal(ros_parse_size("0B"), 0);
    assert_int_equal(ros_parse_size("512"), 512);
    assert_int_equal(ros_parse_size("1.0TiB"), 1LL << 40);
    for (int i = 0; bad[i]; i++)
        assert_int_equal(ros_parse_size(bad[i]), -1);
    assert_int_equal(ros_parse_health("uptime: 1s\ntotal-memory: 1.0000000000000000000000000000000"
                                      "00000000000000000000000000000000GiB\n",
                                      NULL, &h, &e),
                     -1); /* too long to read whole: refused, not cut to 1 byte */
    assert_non_null(strstr(e.msg, "total-memory"));
    assert_int_equal(ros_parse_health("uptime: 1s\nfree-memory: nanMiB\n", NULL, &h, &e), -1);
    assert_non_null(strstr(e.msg, "free-memory \"nanMiB\" is not a size"));
}

static void
test_durations_overflow(void **state)
{
    char many[20000] = "";
    struct rt_session *s;
    size_t n;
    struct werr e = {0};
    char *text;

    (void)state;
    assert_int_equal(ros_parse_time("15250284452471w"), 15250284452471LL * 604800);
    assert_int_equal(ros_parse_time("15250284452472w"), -1);
    assert_int_equal(ros_parse_time("9223372036854775807s"), INT64_MAX);
    assert_int_equal(ros_parse_time("9223372036854775808s"), -1);
    assert_int_equal(ros_parse_time("2562047788015216:00:00"), -1);
    assert_int_equal(ros_parse_time("99999999999999999999999999h"), -1);
    /* many terms, each in range, whose sum is not */
    for (int i = 0; i < 1530; i++)
        strcat(many, "9999999999w");
    assert_int_equal(ros_parse_time(many), -1);
    text = xasprintf("wisp-active;vc-1;AA:BB:CC:DD:EE:01;10.5.50.10;%s;1;1;\nwisp-end\n", many);
    assert_int_equal(ros_parse_sessions(text, &s, &n, &e), -1);
    assert_non_null(strstr(e.msg, "not what wisp asked for"));
    free(text);
    /* a session-time-left that is not a time is garbage, not "no limit" */
    assert_int_equal(
        ros_parse_sessions("wisp-active;vc-1;AA:BB:CC:DD:EE:01;10.5.50.10;1m;1;1;nan\nwisp-end\n",
                           &s, &n, &e),
        -1);
    /* and byte counts past int64 */
    assert_int_equal(ros_parse_sessions("wisp-active;vc-1;AA:BB:CC:DD:EE:01;10.5.50.10;1m;"
                                        "99999999999999999999;1;\nwisp-end\n",
                                        &s, &n, &e),
                     -1);
}

static void
test_user_limits(void **state)
{
    static const char *const bad[] = {
        "0    name=vc-1 profile=1H limit-uptime=nan limit-bytes-total=1\n",
        "0    name=vc-1 profile=1H limit-uptime=1h limit-bytes-total=-1\n",
        "0    name=vc-1 profile=1H limit-bytes-total=99 999 999 999 999 999 999\n",
        "0    name=vc-1 profile=1H limit-bytes-total=\n",
        "0    name=vc-1 profile=1H limit-uptime=\n",
        /* longer than wisp reads: refused, not cut to a smaller number */
        "0    name=vc-1 limit-bytes-total=1 000 000 000 000 000 000 000 000 000 000 000 000 000 "
        "000 000 000\n",
        NULL};
    struct rt_user *u;
    size_t n;
    struct werr e = {0};

    (void)state;
    assert_int_equal(ros_parse_users("0    name=vc-1 profile=1H limit-uptime=1h "
                                     "limit-bytes-total=524 288 000 uptime=12m4s\n",
                                     &u, &n, &e),
                     0);
    assert_int_equal(n, 1);
    assert_int_equal(u[0].bytes, 524288000);
    free(u);
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(ros_parse_users(bad[i], &u, &n, &e), -1);
        assert_null(u);
        assert_non_null(strstr(e.msg, "vc-1"));
    }
}

static const char client_fmt[] =
    "{\"client_list_length\":\"1\",\"clients\":{\"aa:bb:cc:dd:ee:01\":{"
    "\"ip\":\"192.168.1.120\",\"state\":\"Authenticated\","
    "\"session_start\":\"%s\",\"session_end\":\"%s\","
    "\"download_this_session\":\"%s\",\"upload_this_session\":\"%s\"}}}";

static int
clients(const char *start, const char *end, const char *down, const char *up, struct werr *e)
{
    char *json = xasprintf(client_fmt, start, end, down, up);
    struct rt_session *s;
    size_t n;
    int rc = nds_parse_clients(json, &s, &n, e);

    free(json);
    if (rc == 0)
        free(s);
    return rc;
}

static void
test_ndsctl_numbers(void **state)
{
    static const char *const bad[] = {"nan", "inf", "-inf", "1e400", "-1",
                                      "1.5", " 5",  "+5",   "0x10",  "9223372036854775808",
                                      NULL};
    struct werr e = {0};

    (void)state;
    assert_int_equal(clients("1718000000", "null", "3085", "334", &e), 0);
    assert_int_equal(clients("0", "null", "null", "null", &e), 0);
    /* kB as large as fit in bytes, and one more */
    assert_int_equal(clients("1", "2", "9007199254740991", "0", &e), 0);
    assert_int_equal(clients("1", "2", "9007199254740992", "0", &e), -1);
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(clients(bad[i], "null", "1", "1", &e), -1);
        assert_non_null(strstr(e.msg, "session_start"));
        assert_int_equal(clients("1", bad[i], "1", "1", &e), -1);
        assert_int_equal(clients("1", "null", bad[i], "1", &e), -1);
        assert_non_null(strstr(e.msg, "download_this_session"));
        assert_int_equal(clients("1", "null", "1", bad[i], &e), -1);
    }
}

static void
test_nds_health(void **state)
{
    static const char *const bad[] = {
        "nan\n0.08\nOpenWrt\nVersion: 10.3.1\nwisp-health\n",
        "1e300\n0.08\nOpenWrt\nVersion: 10.3.1\nwisp-health\n",
        "-5\n0.08\nOpenWrt\nVersion: 10.3.1\nwisp-health\n",
        "93784.52\ninf\nOpenWrt\nVersion: 10.3.1\nwisp-health\n",
        "93784.52\n-0.5\nOpenWrt\nVersion: 10.3.1\nwisp-health\n",
        "93784.52\n\nOpenWrt\nVersion: 10.3.1\nwisp-health\n",
        "93784.52\n0.08\nOpenWrt\nMemTotal: 99999999999999999999 kB\nVersion: 10.3.1\n"
        "wisp-health\n",
        "93784.52\n0.08\nOpenWrt\nMemAvailable: -1 kB\nVersion: 10.3.1\nwisp-health\n",
        NULL};
    struct rt_health h;
    struct werr e = {0};

    (void)state;
    assert_int_equal(nds_parse_health("93784.52\n0.08\nOpenWrt\nMemTotal:         124004 kB\n"
                                      "MemAvailable:      80312 kB\nVersion: 10.3.1\nwisp-health\n",
                                      &h, &e),
                     0);
    assert_int_equal(h.uptime_s, 93785);
    assert_int_equal(h.cpu_load, 8);
    assert_string_equal(h.identity, "OpenWrt");
    assert_int_equal(h.mem_total, 124004LL * 1024);
    assert_int_equal(h.mem_free, 80312LL * 1024);
    assert_string_equal(h.version, "openNDS 10.3.1");
    assert_int_equal(nds_parse_health("1\n12.50\nOpenWrt\nVersion: 10.3.1\nwisp-health\n", &h, &e),
                     0);
    assert_int_equal(h.cpu_load, 100); /* a load of 12.5 is a full CPU */
    assert_int_equal(h.mem_total, -1);
    for (int i = 0; bad[i]; i++)
        assert_int_equal(nds_parse_health(bad[i], &h, &e), -1);
}

static void
test_roll_numbers(void **state)
{
    static const char *const bad[] = {
        "ABC-12345,2048,512,9007199254740992,0,60,0\n",  /* quota kB past int64 bytes */
        "ABC-12345,2048,512,0,0,153722867280912931,0\n", /* validity minutes past seconds */
        "ABC-12345,-1,512,0,0,60,0\n",
        "ABC-12345,1e3,512,0,0,60,0\n",
        "ABC-12345,nan,512,0,0,60,0\n",
        "ABC-12345, 2048,512,0,0,60,0\n",
        "ABC-12345,2048,512,0,0,60,\n",
        "ABC-12345,2048,512,0,0,60,0,9\n",
        ",2048,512,0,0,60,0\n",
        "ABC-12345,99999999999999999999,512,0,0,60,0\n",
        NULL};
    struct rt_user *u;
    size_t n;
    struct werr e = {0};

    (void)state;
    assert_int_equal(
        nds_parse_roll("ABC-12345,2048,512,9007199254740991,0,153722867280912930,0\n", &u, &n, &e),
        0);
    assert_int_equal(u[0].bytes, 9007199254740991LL * 1024);
    assert_int_equal(u[0].uptime_s, 153722867280912930LL * 60);
    free(u);
    for (int i = 0; bad[i]; i++) {
        assert_int_equal(nds_parse_roll(bad[i], &u, &n, &e), -1);
        assert_null(u);
        assert_non_null(strstr(e.msg, "bad line"));
    }
}

/* 100,000 lines: each read once. (How long it takes is tests/bench/'s
 * bench_parse; here, that every line is read and read right.) */
static void
test_roll_100k(void **state)
{
    struct sbuf sb = {0};
    struct rt_user *u;
    size_t n;
    struct werr e = {0};

    (void)state;
    for (int i = 0; i < 100000; i++)
        sb_printf(&sb, "A%08d,2048,512,%d,0,60,%d\n", i, i, i % 7);
    sb_add(&sb, "wisp-end\n");
    assert_int_equal(nds_parse_roll(sb.buf, &u, &n, &e), 0);
    assert_int_equal(n, 100000);
    assert_string_equal(u[99999].name, "A00099999");
    assert_int_equal(u[99999].bytes, 99999LL * 1024);
    assert_int_equal(u[99998].first_use, 99998 % 7);
    free(u);
    sb_free(&sb);
}

static void
test_poll_outputs(void **state)
{
    struct rt_health h;
    struct rt_session *s;
    size_t n;
    struct werr e = {0}, se = {0};

    (void)state;
    /* RouterOS: health fine, a session line with a bad counter */
    assert_int_equal(ros_parse_poll("  name: hs\nuptime: 29s\ncpu-load: 3%\n"
                                    "wisp-active;vc-1;AA:BB:CC:DD:EE:01;10.5.50.10;1m;x;1;\n"
                                    "wisp-end\n",
                                    &h, &s, &n, &e, &se),
                     1);
    assert_int_equal(h.cpu_load, 3);
    assert_null(s);
    /* RouterOS: `cpu-load: %` is the router's error, not a crash */
    assert_int_equal(
        ros_parse_poll("  name: hs\nuptime: 29s\ncpu-load: %\nwisp-end\n", &h, &s, &n, &e, &se),
        -1);
    assert_non_null(strstr(e.msg, "cpu-load"));
    /* openNDS: the exit status of ndsctl json must be a number */
    assert_int_equal(nds_parse_poll("1\n0.08\nOpenWrt\nVersion: 10.3.1\nwisp-health\n{}\n"
                                    "wisp-ndsctl 99999999999999999999\nwisp-end\n",
                                    &h, &s, &n, &e, &se),
                     1);
    assert_non_null(strstr(se.msg, "exit status"));
    assert_int_equal(nds_parse_poll("1\n0.08\nOpenWrt\nVersion: 10.3.1\nwisp-health\n"
                                    "{\"clients\":{}}\nwisp-ndsctl 0\nwisp-end\n",
                                    &h, &s, &n, &e, &se),
                     0);
    assert_int_equal(n, 0);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpu_load),           cmocka_unit_test(test_memory_sizes),
        cmocka_unit_test(test_durations_overflow), cmocka_unit_test(test_user_limits),
        cmocka_unit_test(test_ndsctl_numbers),     cmocka_unit_test(test_nds_health),
        cmocka_unit_test(test_roll_numbers),       cmocka_unit_test(test_roll_100k),
        cmocka_unit_test(test_poll_outputs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
