/*
 * cmd_metrics.c - `wisp metrics [--json] [--watch]`.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wisp/cli.h"
#include "wisp/metrics.h"
#include "wisp/units.h"
#include "wisp/util.h"

static const struct cmd_flag flags[] = {
    {"json", 0, FLAG_BOOL}, {"watch", 0, FLAG_BOOL}, {NULL, 0, 0}};

static const char *
rate(long long bps, char *b, size_t n)
{
    units_format_bps(bps, b, n);
    return b;
}

static void
counts(FILE *out, const char *label, json_t *o)
{
    const char *k;
    json_t *v;

    fprintf(out, "%-16s", label);
    if (json_object_size(o) == 0)
        fputs("-", out);
    json_object_foreach(o, k, v) fprintf(out, "%s %lld  ", k, (long long)json_integer_value(v));
    fputc('\n', out);
}

static void
show(struct cmd_ctx *ctx, json_t *m)
{
    FILE *out = ctx->out;
    char a[32], b[32];
    size_t i;
    json_t *r;

    fprintf(out, "online          %lld sessions\n",
            (long long)json_integer_value(json_object_get(m, "active_sessions")));
    counts(out, "  per router", json_object_get(m, "per_router"));
    fprintf(out, "throughput      in %s, out %s\n",
            rate(json_integer_value(json_object_get(m, "rx_bps")), a, sizeof a),
            rate(json_integer_value(json_object_get(m, "tx_bps")), b, sizeof b));
    fprintf(out, "sold today      %lld vouchers, %s %s\n",
            (long long)json_integer_value(json_object_get(m, "sold_today")), ctx->cfg->currency,
            json_string_value(json_object_get(m, "revenue_today")));
    counts(out, "orders", json_object_get(m, "orders"));
    counts(out, "routers", json_object_get(m, "routers"));
    fputs("top plans today ", out);
    json_array_foreach(json_object_get(m, "top_plans"), i, r)
        fprintf(out, "%s %lld  ", json_string_value(json_object_get(r, "plan")),
                (long long)json_integer_value(json_object_get(r, "sold")));
    fputs(json_array_size(json_object_get(m, "top_plans")) ? "\n" : "-\n", out);
    fputs("top clients     ", out);
    json_array_foreach(json_object_get(m, "top_clients"), i, r)
    {
        units_format_size(json_integer_value(json_object_get(r, "bytes")), a, sizeof a);
        fprintf(out, "%s%s (%s) %s", i ? "\n                " : "",
                json_string_value(json_object_get(r, "user")),
                json_string_value(json_object_get(r, "router")), a);
    }
    fputs(json_array_size(json_object_get(m, "top_clients")) ? "\n" : "-\n", out);
}

static volatile sig_atomic_t stop_watch;

static void
on_int(int sig)
{
    (void)sig;
    stop_watch = 1;
}

static int
metrics_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = cmd_db(ctx, e);
    bool watch = args_has(a, "watch");

    if (!db)
        return -1;
    if (watch)
        signal(SIGINT, on_int);
    do {
        json_t *m = metrics_now(db, e);

        if (!m)
            return -1;
        if (watch && ctx->tty && !args_has(a, "json"))
            fputs("\033[H\033[2J", ctx->out); /* a fresh screen each time */
        if (args_has(a, "json"))
            cmd_print_json(ctx, m);
        else {
            show(ctx, m);
            json_decref(m);
        }
        fflush(ctx->out);
        for (int i = 0; watch && i < 20 && !stop_watch; i++)
            usleep(100000);
    } while (watch && !stop_watch);
    return 0;
}

static const struct cmd_flag export_flags[] = {{"prometheus", 0, FLAG_VALUE}, {NULL, 0, 0}};

static int
export_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *file = args_get(a, "prometheus");
    struct db *db;

    if (!file)
        return werr_set(e, WISP_EUSAGE, "`metrics export` needs --prometheus FILE");
    if ((db = cmd_db(ctx, e)) == NULL || metrics_export(db, ctx->cfg->currency, file, e) < 0)
        return -1;
    fprintf(ctx->out, "metrics written to %s\n", file);
    return 0;
}

const struct cmd_entry cmd_metrics_entries[] = {
    {"metrics export", "--prometheus FILE",
     "the figures for node_exporter's textfile collector (Prometheus text format)", export_flags, 0,
     0, false, export_exec, false},
    {"metrics", "[--json] [--watch]",
     "the shop now: online, throughput, sold today, orders, routers (--watch: every 2 s)", flags, 0,
     0, false, metrics_exec, false},
    {NULL, NULL, NULL, NULL, 0, 0, false, NULL, false},
};
