/*
 * bench_mpath.c - the metrics path's throughput into Redis (issue 6): a
 * day's worth of events (sales over 5 plans and 24 hours, first logins,
 * finished orders, and a router sample with 20 clients every 50th event)
 * sent the way the worker sends them, pipelined, MPATH_CHUNK per script
 * call. Each run uses keys of its own, so every event is new and counted.
 * Prints the median of RUNS runs (default 7) in events per second and checks
 * that Redis counted every sale once. Target: 50,000 events/s.
 *
 *   REDIS_SOCK=/path/redis.sock EVENTS=200000 build/bench/bench_mpath
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <hiredis.h>

#include "wisp/mpath.h"
#include "wisp/util.h"

#include "bench.h"

/* Fill m with n events of the day starting at day0; returns the sales. */
static long long
fill(struct mpath *m, long n, time_t day0)
{
    static const char *const plans[] = {"1h", "3h", "day", "week", "month"};
    struct mpath_client clients[20];
    char users[20][16];
    long long sales = 0;

    for (int c = 0; c < 20; c++) {
        snprintf(users[c], sizeof users[c], "user%02d", c);
        clients[c] = (struct mpath_client){users[c], "AA:BB:CC:00:00:01", 1000 + c};
    }
    for (long i = 0; i < n; i++) {
        time_t at = day0 + (time_t)(i * 86400 / n);

        switch (i % 50) {
        case 49:
            mpath_sample(m, (int)(i % 7), "router", (long long)at * 1000 + i % 1000, 20, 1000000,
                         5000000, clients, 20);
            break;
        case 48:
            mpath_order(m, i, "completed", at, 0);
            break;
        default:
            if (i % 3 == 0) {
                mpath_activation(m, i, at);
            } else {
                mpath_sale(m, i, at, plans[i % 5], 150);
                sales++;
            }
        }
    }
    return sales;
}

int
main(void)
{
    const char *sock = getenv("REDIS_SOCK");
    long n = getenv("EVENTS") ? atol(getenv("EVENTS")) : 200000;
    int runs = getenv("RUNS") ? atoi(getenv("RUNS")) : 7;
    double *t = xcalloc((size_t)runs, sizeof *t), *b = xcalloc((size_t)runs, sizeof *b);
    time_t day0 = time(NULL) - 86400;
    redisContext *c;

    if (!sock || (c = redisConnectUnix(sock)) == NULL || c->err) {
        fprintf(stderr, "bench_mpath: set REDIS_SOCK to a Redis socket\n");
        return 2;
    }
    for (int r = 0; r < runs; r++) {
        char prefix[32];
        struct mpath *m;
        struct werr e = {0};
        long long counted = 0, sales, sold = 0;
        double t0;

        snprintf(prefix, sizeof prefix, "bench%d:", r);
        m = mpath_new(prefix);
        t0 = bench_now_ms();
        sales = fill(m, n, day0);
        b[r] = (double)n * 1e3 / (bench_now_ms() - t0);
        t0 = bench_now_ms();
        if (mpath_send(m, c, &counted, &e) < 0) {
            fprintf(stderr, "bench_mpath: %s\n", e.msg);
            return 1;
        }
        t[r] = (double)n * 1e3 / (bench_now_ms() - t0);
        mpath_free(m);
        /* every sale counted once: the hour buckets add up */
        for (int h = 0; h < 25; h++) {
            time_t at = day0 + h * 3600;
            char key[16];
            struct tm tm;
            redisReply *x;

            localtime_r(&at, &tm);
            strftime(key, sizeof key, "%Y%m%d%H", &tm);
            x = redisCommand(c, "HGET %sm:hour:%s sold", prefix, key);
            if (x && x->type == REDIS_REPLY_STRING)
                sold += atoll(x->str);
            freeReplyObject(x);
        }
        if (counted != n || sold != sales) {
            fprintf(stderr, "bench_mpath: counted %lld of %ld events, %lld of %lld sales\n",
                    counted, n, sold, sales);
            return 1;
        }
        freeReplyObject(redisCommand(c, "FLUSHALL"));
    }
    qsort(t, (size_t)runs, sizeof *t, bench_cmp_double);
    qsort(b, (size_t)runs, sizeof *b, bench_cmp_double);
    printf("bench: metrics path into Redis (pipelined, counted once): median %.0f events/s over "
           "%ld events a run (target >= 50000)\n",
           runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2, n);
    printf("bench: ... building those events in the worker: median %.0f events/s\n",
           runs % 2 ? b[runs / 2] : (b[runs / 2 - 1] + b[runs / 2]) / 2);
    free(t);
    free(b);
    redisFree(c);
    return 0;
}
