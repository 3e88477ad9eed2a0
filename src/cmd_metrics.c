/*
 * cmd_metrics.c - `wisp metrics [--watch]`, `metrics backfill`, `metrics export`.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wisp/cli.h"
#include "wisp/events.h"
#include "wisp/i18n.h"
#include "wisp/metrics.h"
#include "wisp/mpath.h"
#include "wisp/units.h"
#include "wisp/util.h"

static const struct cmd_flag flags[] = {{"watch", 0, FLAG_BOOL, .places = CMD_CLI | CMD_SHELL},
                                        {NULL, 0, 0}};

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

    cmd_label(out, label, 16);
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

    long long online = (long long)json_integer_value(json_object_get(m, "active_sessions"));
    long long sold = (long long)json_integer_value(json_object_get(m, "sold_today"));

    /* TRANSLATORS: the labels of `wisp metrics`, before each figure */
    cmd_label(out, N_("online"), 16);
    fprintf(out, ngettext("%lld session\n", "%lld sessions\n", (unsigned long)online), online);
    counts(out, N_("  per router"), json_object_get(m, "per_router"));
    cmd_label(out, N_("throughput"), 16);
    fprintf(out, _("in %s, out %s\n"),
            rate(json_integer_value(json_object_get(m, "rx_bps")), a, sizeof a),
            rate(json_integer_value(json_object_get(m, "tx_bps")), b, sizeof b));
    cmd_label(out, N_("sold today"), 16);
    fprintf(out, ngettext("%lld voucher, %s %s\n", "%lld vouchers, %s %s\n", (unsigned long)sold),
            sold, ctx->cfg->currency, json_string_value(json_object_get(m, "revenue_today")));
    counts(out, N_("orders"), json_object_get(m, "orders"));
    counts(out, N_("routers"), json_object_get(m, "routers"));
    cmd_label(out, N_("top plans today"), 16);
    json_array_foreach(json_object_get(m, "top_plans"), i, r)
        fprintf(out, "%s %lld  ", json_string_value(json_object_get(r, "plan")),
                (long long)json_integer_value(json_object_get(r, "sold")));
    fputs(json_array_size(json_object_get(m, "top_plans")) ? "\n" : "-\n", out);
    cmd_label(out, N_("top clients"), 16);
    json_array_foreach(json_object_get(m, "top_clients"), i, r)
    {
        units_format_size(json_integer_value(json_object_get(r, "bytes")), a, sizeof a);
        /* a user name is what a router reported: shown, never run */
        fputs(i ? "\n                " : "", out);
        fput_safe(json_string_value(json_object_get(r, "user")), out);
        fprintf(out, " (%s) %s", json_string_value(json_object_get(r, "router")), a);
    }
    fputs(json_array_size(json_object_get(m, "top_clients")) ? "\n" : "-\n", out);
    cmd_label(out, N_("from"), 16);
    fprintf(out, "%s\n",
            str_eq(json_string_value(json_object_get(m, "source")), "redis")
                ? _("Redis (the live metrics the worker feeds)")
                : _("PostgreSQL (Redis is away or not caught up)"));
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
    void (*was)(int) = SIG_DFL;
    int rc = 0;

    if (!db)
        return -1;
    stop_watch = 0; /* `wisp shell` may watch again after a ^C */
    if (watch)
        was = signal(SIGINT, on_int);
    do {
        json_t *m = metrics_live(ctx->cfg, db, e);

        if (!m) {
            rc = -1;
            break;
        }
        if (watch && ctx->tty && !ctx->json)
            fputs("\033[H\033[2J", ctx->out); /* a fresh screen each time */
        if (!ctx->json)
            show(ctx, m);
        if (watch && ctx->json) /* one object a round, written here: no result */
            cmd_print_json(ctx, m);
        else
            cmd_result(ctx, m);
        fflush(ctx->out);
        for (int i = 0; watch && i < 20 && !stop_watch; i++)
            usleep(100000);
    } while (watch && !stop_watch);
    if (watch)
        signal(SIGINT, was);
    return rc;
}

static const struct cmd_flag export_flags[] = {{"prometheus", 0, FLAG_VALUE}, {NULL, 0, 0}};

static int
export_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *file = args_get(a, "prometheus");
    struct db *db;

    if (!file)
        return werr_set(e, WISP_EUSAGE, _("`metrics export` needs --prometheus FILE"));
    if ((db = cmd_db(ctx, e)) == NULL || metrics_export(ctx->cfg, db, file, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s}", "prometheus", file), _("metrics written to %s\n"), file);
    return 0;
}

static const struct cmd_flag backfill_flags[] = {
    {"from", 0, FLAG_VALUE}, {"to", 0, FLAG_VALUE}, {NULL, 0, 0}};

/* what Redis still keeps of an hour, less the hour under way */
#define KEEP_S (MPATH_HOUR_TTL - 3600)

static int
backfill_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *from = args_get(a, "from"), *to = args_get(a, "to");
    time_t lo, hi, now = time(NULL);
    long long counted, minutes;
    struct db *db;

    lo = from ? local_date(from) : local_midnight(now);
    hi = to ? local_date(to) : from ? lo : local_midnight(now);
    if (lo < 0 || hi < 0)
        return werr_set(e, WISP_EUSAGE, _("bad date \"%s\": expected YYYY-MM-DD"),
                        from && lo < 0 ? from : to);
    if (hi < lo)
        return werr_set(e, WISP_EUSAGE, _("--to %s is before --from %s"), to,
                        from ? from : "(today)");
    hi = local_midnight(hi + 36 * 3600); /* the end of the last day */
    if (hi > now + 1)
        hi = now + 1;
    /* Redis keeps hours for 2 days: older keys would expire at once */
    if (hi <= now - KEEP_S)
        return werr_set(e, WISP_EUSAGE,
                        _("Redis keeps the last 2 days only: nothing to rebuild before %s "
                          "(`wisp report sales` has any day)"),
                        to ? to : from);
    if (lo < now - KEEP_S) {
        char at[32];
        struct tm tm;

        lo = now - KEEP_S;
        localtime_r(&lo, &tm);
        strftime(at, sizeof at, "%Y-%m-%d %H:%M", &tm);
        cmd_printf(ctx, _("Redis keeps the last 2 days only: from %s\n"), at);
    }
    if (!events_enabled(ctx->cfg))
        return werr_set(e, WISP_EUSAGE, _("no Redis configured (redis.url): nothing to backfill"));
    if ((db = cmd_db(ctx, e)) == NULL ||
        metrics_backfill(ctx->cfg, db, lo, hi, &counted, &minutes, e) < 0)
        return -1;
    cmd_done(ctx,
             json_pack("{s:I, s:I, s:I, s:I}", "from_unix", (json_int_t)lo, "to_unix",
                       (json_int_t)hi, "events", (json_int_t)counted, "router_minutes",
                       (json_int_t)minutes),
             _("metrics backfilled from PostgreSQL: %lld events Redis did not have, %lld router "
               "minutes of history\n"),
             counted, minutes);
    return 0;
}

const struct cmd_entry cmd_metrics_entries[] = {
    {.name = "metrics backfill",
     .usage = "[--from DATE] [--to DATE]",
     .summary =
         N_("rebuild Redis's metrics from PostgreSQL (after a Redis restart; default today)"),
     .flags = backfill_flags,
     .exec = backfill_exec,
     .traits = CMD_LONG,
     .places = CMD_ANYWHERE},
    {.name = "metrics export",
     .usage = "--prometheus FILE",
     .summary = N_("the figures for node_exporter's textfile collector (Prometheus text format)"),
     .flags = export_flags,
     .exec = export_exec,
     .places = CMD_ANYWHERE},
    {.name = "metrics",
     .usage = "[--watch]",
     .summary =
         N_("the shop now: online, throughput, sold today, orders, routers (--watch: every 2 s)"),
     .flags = flags,
     .exec = metrics_exec,
     .places = CMD_ANYWHERE},
    {0},
};
