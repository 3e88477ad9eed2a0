/*
 * cmd_doctor.c - `wisp doctor`: one line per check (src/doctor.c), exit 1
 * when any fails. CLI and `wisp shell` only: it may wait seconds on routers,
 * and the console shows their state in its own panes.
 */
#include <stdlib.h>
#include <string.h>

#include "wisp/cli.h"
#include "wisp/doctor.h"
#include "wisp/i18n.h"
#include "wisp/util.h"

static int
doctor_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    json_t *list = doctor_run(ctx->cfg), *c, *result;
    size_t i, failed = 0, warned = 0, n = json_array_size(list);

    (void)a;
    json_array_foreach(list, i, c)
    {
        const char *status = json_string_value(json_object_get(c, "status"));

        failed += str_eq(status, "fail");
        warned += str_eq(status, "warn");
        cmd_printf(ctx, "%-4s  %-22s ", status, json_string_value(json_object_get(c, "check")));
        if (!ctx->json)
            fput_safe(json_string_value(json_object_get(c, "detail")), ctx->out);
        cmd_printf(ctx, "\n");
    }
    result = json_pack("{s:b, s:I, s:I, s:o}", "ok", failed == 0, "failed", (json_int_t)failed,
                       "warnings", (json_int_t)warned, "checks", list);
    if (failed == 0) {
        cmd_result(ctx, result);
        return 0;
    }
    if (ctx->json) /* the result is printed only on success: this one matters most on failure */
        cmd_print_json(ctx, result);
    else
        json_decref(result);
    return werr_set(e, WISP_ERUNTIME, _("doctor: %zu of %zu checks failed"), failed, n);
}

const struct cmd_entry cmd_doctor_entries[] = {
    {.name = "doctor",
     .summary = N_("check the configuration, database, roles, Redis, routers, tokens, file "
                   "permissions and the last backup"),
     .exec = doctor_exec,
     .traits = CMD_LONG,
     .places = CMD_CLI | CMD_SHELL},
    {0},
};
