/*
 * cmd_session.c - `wisp session list|kick` and `wisp worker`.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/radius_nas.h"
#include "wisp/session.h"
#include "wisp/units.h"
#include "wisp/util.h"
#include "wisp/worker.h"

static const struct cmd_flag list_flags[] = {
    {"router", 0, FLAG_VALUE}, {"all", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag kick_flags[] = {{"wait", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag worker_flags[] = {
    {"interval", 0, FLAG_VALUE},       {"once", 0, FLAG_BOOL},        {"cycles", 0, FLAG_VALUE},
    {"prometheus-dir", 0, FLAG_VALUE}, {"log-format", 0, FLAG_VALUE}, {NULL, 0, 0}};

static int
session_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("ID"), N_("ROUTER"), N_("USER"),   N_("PLAN"),
                                       N_("IP"), N_("MAC"),    N_("UPTIME"), N_("LEFT"),
                                       N_("IN"), N_("OUT"),    N_("STATE"),  NULL};
    static const char *const keys[] = {"id",       "router",    "user",     "plan",
                                       "ip",       "mac",       "uptime_s", "time_left_s",
                                       "bytes_in", "bytes_out", "state",    NULL};
    struct db *db = cmd_db(ctx, e);
    json_t *list = db ? session_list(db, args_get(a, "router"), args_has(a, "all"), e) : NULL;
    json_t *shown;

    if (!list)
        return -1;
    /* people read durations and sizes, programs seconds and bytes: the
     * table shows a copy, the result keeps the numbers */
    shown = ctx->json ? json_incref(list) : json_deep_copy(list);
    if (!ctx->json) {
        size_t i;
        json_t *r;

        json_array_foreach(shown, i, r)
        {
            static const char *const dur[] = {"uptime_s", "time_left_s"};
            static const char *const size[] = {"bytes_in", "bytes_out"};
            char b[32];

            for (int k = 0; k < 2; k++) {
                json_t *v = json_object_get(r, dur[k]);

                if (json_is_integer(v)) {
                    if (json_integer_value(v) > 0)
                        units_format_duration(json_integer_value(v), b, sizeof b);
                    else
                        snprintf(b, sizeof b, "0s");
                    json_object_set_new(r, dur[k], json_string(b));
                }
                v = json_object_get(r, size[k]);
                if (json_is_integer(v)) {
                    units_format_size(json_integer_value(v), b, sizeof b);
                    json_object_set_new(r, size[k], json_string(b));
                }
            }
        }
    }
    cmd_print_list(ctx, shown, head, keys);
    cmd_result(ctx, list);
    return 0;
}

static int
session_kick_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db = cmd_db(ctx, e);
    int64_t id, job;
    char state[16] = "queued", result[256] = "";

    if (str_to_i64(a->pos[0], 1, INT64_MAX, &id) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad session id \"%s\""), a->pos[0]);
    if (!db || session_kick(db, id, &job, e) < 0)
        return -1;
    /* a session RADIUS accounting opened goes at once by Disconnect-Request
     * when the caller may read the router's secret; else `wisp radius
     * disconnect` (or the worker, over SSH) carries the kick out */
    if (str_eq(db->group, "admin") || str_eq(db->group, "worker")) {
        struct werr later = {0};
        int sent, failed;

        (void)radius_kick_due(db, 2000, 3, &sent, &failed, &later);
    }
    cmd_result(ctx, json_pack("{s:I, s:I, s:s}", "session_id", (json_int_t)id, "job_id",
                              (json_int_t)job, "state", "queued"));
    if (!args_has(a, "wait")) {
        cmd_printf(ctx, _("kick of session %" PRId64 " queued for the worker (job %" PRId64 ")\n"),
                   id, job);
        return 0;
    }
    for (int i = 0; i < 600 && str_eq(state, "queued"); i++) {
        struct timespec ts = {0, 100000000L};

        if (i)
            nanosleep(&ts, NULL);
        if (session_job_state(db, job, state, sizeof state, result, sizeof result, e) < 0)
            return -1;
    }
    if (str_eq(state, "done")) {
        json_object_set_new(ctx->result, "state", json_string("done"));
        cmd_printf(ctx, _("session %" PRId64 " kicked\n"), id);
        return 0;
    }
    if (str_eq(state, "failed"))
        return werr_set(e, WISP_ERUNTIME, _("kick of session %" PRId64 " failed: %s"), id, result);
    return werr_set(
        e, WISP_ERUNTIME,
        _("kick of session %" PRId64 " still queued after 60 s: is `wisp worker` running?"), id);
}

static volatile sig_atomic_t worker_stop;

static void
on_stop(int sig)
{
    (void)sig;
    worker_stop = 1;
}

static int
worker_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct worker_opts o = {.log = stderr, .stop = &worker_stop};
    const char *iv = args_get(a, "interval");
    int64_t v;
    struct sigaction sa = {.sa_handler = on_stop};

    /* the flag is worker.interval's last source, parsed as the config parses it */
    if (iv && config_set(ctx->cfg, "worker.interval", iv, "--interval", e) < 0)
        return -1;
    o.interval_s = ctx->cfg->worker_interval;
    if (args_has(a, "once"))
        o.cycles = 1;
    if (args_get(a, "cycles")) {
        if (str_to_i64(args_get(a, "cycles"), 1, INT64_MAX, &v) < 0)
            return werr_set(e, WISP_EUSAGE,
                            _("bad --cycles \"%s\": expected a whole number above 0"),
                            args_get(a, "cycles"));
        o.cycles = (long)v;
    }
    if (args_get(a, "log-format") && log_format_parse(args_get(a, "log-format"), &o.log_format) < 0)
        return werr_set(e, WISP_EUSAGE,
                        _("bad --log-format \"%s\": expected auto, plain or journal"),
                        args_get(a, "log-format"));
    o.prometheus_dir = args_get(a, "prometheus-dir");
    if (o.prometheus_dir && access(o.prometheus_dir, W_OK) != 0)
        return werr_set(e, WISP_EUSAGE, _("--prometheus-dir %s: not a directory wisp can write"),
                        o.prometheus_dir);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return worker_run(ctx->cfg, &o, e);
}

const struct cmd_entry cmd_session_entries[] = {
    {.name = "session list",
     .usage = "[--router NAME] [--all]",
     .summary = N_("live sessions (--all: ended ones too)"),
     .flags = list_flags,
     .exec = session_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "session kick",
     .usage = "ID [--wait]",
     .summary = N_("ask the worker to kick a session"),
     .flags = kick_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = session_kick_exec,
     .traits = CMD_MUTATES | CMD_LONG,
     .places = CMD_ANYWHERE},
    {0},
};

const struct cmd_entry cmd_worker_entries[] = {
    {.name = "worker",
     .usage = "[--interval S] [--once] [--cycles N] [--prometheus-dir DIR] "
              "[--log-format auto|plain|journal]",
     .summary =
         N_("talk to the routers: sync vouchers, import sessions, expire (runs until SIGTERM)"),
     .flags = worker_flags,
     .exec = worker_exec,
     .traits = CMD_LONG | CMD_NO_JSON,
     .places = CMD_CLI},
    {0},
};
