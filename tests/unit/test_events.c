/*
 * test_events.c - the process's one Redis connection (src/events.c): taken
 * twice it is the same connection; a Redis that hung up is noticed before
 * the next command and reconnected at once; a Redis that is down fails at
 * once, is reported once to callers that only log, and is not connected to
 * again before the back-off has passed (connects counted on a socket of
 * the test's own that never answers). Needs the test run's Redis
 * (REDIS_SOCK) for the first two.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/events.h"
#include "wisp/util.h"

static const char *sock;

static long long
ms_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
use(struct config *cfg, const char *url)
{
    struct werr e = {0};

    config_init(cfg);
    assert_int_equal(config_set(cfg, "redis", url, "test", &e), 0);
}

static void
test_one_connection(void **state)
{
    struct config cfg;
    struct werr e = {0};
    redisContext *a, *b;
    char *url = xasprintf("unix://%s", sock);

    (void)state;
    use(&cfg, url);
    assert_int_equal(events_acquire(&cfg, false, &a, &e), 1);
    events_release(a, NULL);
    assert_int_equal(events_acquire(&cfg, false, &b, &e), 1);
    assert_ptr_equal(a, b);
    events_release(b, NULL);
    events_close();
    config_free(&cfg);
    free(url);
}

/* Redis's id for connection c. */
static long long
client_id(redisContext *c)
{
    redisReply *r = redisCommand(c, "CLIENT ID");
    long long id = r->integer;

    freeReplyObject(r);
    return id;
}

/* Redis hangs up on client id (asked through killer), and time for it. */
static void
hang_up(redisContext *killer, long long id)
{
    redisReply *r = redisCommand(killer, "CLIENT KILL ID %lld", id);

    assert_int_equal(r->integer, 1);
    freeReplyObject(r);
    usleep(50000);
}

/* A connection that breaks under its holder: the holder's error becomes the
 * outage's one line, and the next once-caller has nothing more to say. */
static void
test_broken_under_holder_told_once(void **state)
{
    struct config cfg;
    struct werr e = {0};
    redisContext *c, *killer = redisConnectUnix(sock);
    redisReply *r;
    char *url = xasprintf("unix://%s", sock);

    (void)state;
    use(&cfg, url);
    assert_int_equal(events_acquire(&cfg, true, &c, &e), 1);
    hang_up(killer, client_id(c));
    r = redisCommand(c, "PING"); /* the holder's command meets the hang-up */
    assert_null(r);
    werr_set(&e, WISP_ERUNTIME, "cannot ping: %s", c->errstr);
    events_release(c, &e);
    assert_non_null(strstr(e.msg, "Redis is down"));
    memset(&e, 0, sizeof e);
    assert_int_equal(events_acquire(&cfg, true, &c, &e), 0);
    assert_string_equal(e.msg, "");
    events_close();
    redisFree(killer);
    config_free(&cfg);
    free(url);
}

static void
test_hangup_reconnects_at_once(void **state)
{
    struct config cfg;
    struct werr e = {0};
    redisContext *c, *killer = redisConnectUnix(sock);
    redisReply *r;
    char *url = xasprintf("unix://%s", sock);
    long long id;

    (void)state;
    use(&cfg, url);
    assert_int_equal(events_acquire(&cfg, false, &c, &e), 1);
    id = client_id(c);
    events_release(c, NULL);
    /* Redis drops the idle connection, as a restart does */
    hang_up(killer, id);
    assert_int_equal(events_acquire(&cfg, true, &c, &e), 1);
    r = redisCommand(c, "PING");
    assert_non_null(r);
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    events_release(c, NULL);
    events_close();
    redisFree(killer);
    config_free(&cfg);
    free(url);
}

/* Connections waiting on fd (never accepted before: nothing answers). */
static int
pending(int fd)
{
    int n = 0, c;

    while ((c = accept(fd, NULL, NULL)) >= 0) {
        close(c);
        n++;
    }
    return n;
}

static void
test_down_fails_fast_and_backs_off(void **state)
{
    struct config cfg;
    struct werr e = {0};
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char dir[] = "/tmp/test_events.XXXXXX", *url;
    redisContext *c;
    long long t0;
    int fd;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/r.sock", dir);
    url = xasprintf("unix://%s", sa.sun_path);
    use(&cfg, url);

    /* no socket at all: down, told once to a caller that only logs */
    assert_int_equal(events_acquire(&cfg, true, &c, &e), -1);
    assert_null(c);
    assert_non_null(strstr(e.msg, "Redis is down"));
    assert_non_null(strstr(e.msg, "next try in 1 s"));
    werr_clear(&e);
    assert_int_equal(events_acquire(&cfg, true, &c, &e), 0);
    assert_int_equal(e.status, 0);

    /* a socket that never answers: within the back-off nobody knocks */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 64), 0);
    t0 = ms_now();
    for (int i = 0; i < 200; i++) {
        assert_int_equal(events_acquire(&cfg, false, &c, &e), -1);
        assert_int_equal(events_publish(&cfg, "test.down", NULL, &e), -1);
    }
    assert_true(ms_now() - t0 < 200); /* failing at once, no timeout waited */
    assert_int_equal(pending(fd), 0);

    /* the back-off passed: one connect, which times out, then 2 s more */
    usleep(1100000);
    t0 = ms_now();
    assert_int_equal(events_acquire(&cfg, false, &c, &e), -1);
    assert_true(ms_now() - t0 >= 400);
    assert_int_equal(pending(fd), 1);
    assert_non_null(strstr(e.msg, "next try in 2 s"));
    for (int i = 0; i < 200; i++)
        assert_int_equal(events_acquire(&cfg, true, &c, &e), 0); /* still the same outage */
    assert_int_equal(pending(fd), 0);

    events_close();
    close(fd);
    unlink(sa.sun_path);
    rmdir(dir);
    config_free(&cfg);
    free(url);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_connection),
        cmocka_unit_test(test_hangup_reconnects_at_once),
        cmocka_unit_test(test_broken_under_holder_told_once),
        cmocka_unit_test(test_down_fails_fast_and_backs_off),
    };

    if ((sock = getenv("REDIS_SOCK")) == NULL) {
        fprintf(stderr, "test_events: needs the test Redis (REDIS_SOCK); run it with make check\n");
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
