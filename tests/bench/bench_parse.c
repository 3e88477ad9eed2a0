/*
 * bench_parse.c - the router parsers on long answers, 10,000 and 100,000
 * lines: the openNDS voucher roll (nds_parse_roll), its login log matched to
 * 100 sessions (nds_match_log), RouterOS `/ip hotspot user print terse`
 * (ros_parse_users) and the sessions script's lines (ros_parse_sessions).
 * In-process, one core, after one warm-up run; the median of RUNS runs
 * (default 7) per size.
 * Target (issue 11): linear - 10 times the lines within 30 times the time.
 * Linear work is 10 times, plus what leaving the CPU caches costs (100,000
 * parsed users are 29 MB, 10,000 fit in the cache: the openNDS roll's time
 * per line is about the same from 30,000 lines up); a quadratic parser
 * takes 100 times (the roll took 5.6 s for 100,000 lines before).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wisp/driver.h"

#include "bench.h"

enum { ROLL, LOG, USERS, SESSIONS, NKINDS };

static const char *const kind_names[NKINDS] = {"openNDS roll", "openNDS log", "RouterOS users",
                                               "RouterOS sessions"};

/* lines of kind, as the router prints them */
static char *
make_text(int kind, int lines)
{
    struct sbuf sb = {0};

    for (int i = 0; i < lines; i++)
        switch (kind) {
        case ROLL:
            sb_printf(&sb, "A%08d,2048,512,%d,0,60,%d\n", i, i, i % 7 ? 0 : 1718000000 + i);
            break;
        case LOG:
            sb_printf(&sb,
                      "Mon Jun 10 06:53:20 2024, theme_voucher - A%08d, status=Client "
                      "aa:bb:cc:dd:%02x:%02x authenticated., mac=aa:bb:cc:dd:%02x:%02x, "
                      "ip=192.168.1.120, client_type=cpd_can, cpi_query=, zone=LocalZone, ua=x\n",
                      i, (i / 256) % 256, i % 256, (i / 256) % 256, i % 256);
            break;
        case USERS:
            sb_printf(&sb,
                      "%d    comment=wisp name=vc-%07d profile=1H limit-uptime=1h "
                      "limit-bytes-total=524 288 000 uptime=12m4s bytes-in=1 024 bytes-out=4 096\n",
                      i, i);
            break;
        default:
            sb_printf(&sb, "wisp-active;vc-%07d;AA:BB:CC:DD:%02X:%02X;10.5.%d.%d;04:11:06;%d;%d;\n",
                      i, (i / 256) % 256, i % 256, (i / 256) % 256, i % 256, i, 2 * i);
        }
    if (kind == ROLL || kind == SESSIONS)
        sb_add(&sb, "wisp-end\n");
    return sb_steal(&sb);
}

/* One parse of text; returns the lines read (for a check). */
static size_t
parse(int kind, const char *text, struct rt_session *fixed)
{
    struct rt_user *u = NULL;
    struct rt_session *s = NULL;
    struct werr e = {0};
    size_t n = 0;

    switch (kind) {
    case ROLL:
        if (nds_parse_roll(text, &u, &n, &e) < 0)
            n = 0;
        break;
    case LOG:
        nds_match_log(text, fixed, 100);
        n = fixed[0].user[0] ? 1 : 0;
        break;
    case USERS:
        if (ros_parse_users(text, &u, &n, &e) < 0)
            n = 0;
        break;
    default:
        if (ros_parse_sessions(text, &s, &n, &e) < 0)
            n = 0;
    }
    free(u);
    free(s);
    return n;
}

int
main(void)
{
    static const int sizes[2] = {10000, 100000};
    const char *env = getenv("RUNS");
    int runs = env ? atoi(env) : 7;
    double *t = xcalloc((size_t)(runs > 0 ? runs : 1), sizeof *t);
    struct rt_session fixed[100];

    if (runs < 1)
        runs = 1;
    /* 100,000 users are 36 MB: keep them in the heap rather than in fresh
     * mmaps, so the runs time the parsing and not the kernel's page faults */
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1024 << 20);
    for (int i = 0; i < 100; i++)
        snprintf(fixed[i].mac, sizeof fixed[i].mac, "AA:BB:CC:DD:00:%02X", i);
    for (int kind = 0; kind < NKINDS; kind++) {
        double med[2];

        for (int z = 0; z < 2; z++) {
            char *text = make_text(kind, sizes[z]);

            parse(kind, text, fixed); /* warm-up: the heap holds the pages from now on */
            for (int r = 0; r < runs; r++) {
                double t0 = bench_now_ms();
                size_t n = parse(kind, text, fixed);

                t[r] = bench_now_ms() - t0;
                if (n == 0 || (kind != LOG && n != (size_t)sizes[z])) {
                    fprintf(stderr, "bench_parse: %s: read %zu of %d lines\n", kind_names[kind], n,
                            sizes[z]);
                    return 1;
                }
            }
            free(text);
            qsort(t, (size_t)runs, sizeof *t, bench_cmp_double);
            med[z] = t[runs / 2];
        }
        printf("bench: parse %s: 10,000 lines %.1f ms, 100,000 lines %.1f ms (%.0f ns a line), "
               "ratio %.1f (target <= 30)\n",
               kind_names[kind], med[0], med[1], med[1] * 1e6 / sizes[1], med[1] / med[0]);
    }
    free(t);
    return 0;
}
