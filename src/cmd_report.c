/*
 * cmd_report.c - `wisp report sales`: a table, JSON, CSV, or a printed
 * end-of-day report (text or PostScript) for a cashier's shift close.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wisp/cli.h"
#include "wisp/report.h"
#include "wisp/sink.h"
#include "wisp/texttable.h"
#include "wisp/util.h"

static const struct cmd_flag sales_flags[] = {
    {"from", 0, FLAG_VALUE},     {"to", 0, FLAG_VALUE},    {"by", 0, FLAG_VALUE},
    {"json", 0, FLAG_BOOL},      {"csv", 0, FLAG_BOOL},    {"format", 0, FLAG_VALUE},
    {"output", 'o', FLAG_VALUE}, {"lp", 0, FLAG_OPTIONAL}, {NULL, 0, 0},
};

static const char *const head[] = {"", "SOLD", "REVENUE", "ACTIVATED", "ORDERS", NULL};
static const char *const keys[] = {"group", "sold", "revenue", "activated", "orders_completed"};

/* The table with a total row; its header names the grouping. */
static void
fill(struct texttable *t, json_t *rows, const char *by)
{
    const char *h[6];
    long long sold = 0, act = 0, orders = 0;
    double revenue = 0;
    char s[24], r[32], a[24], o[24];
    size_t i;
    json_t *row;

    memcpy(h, head, sizeof h);
    h[0] = str_eq(by, "day")        ? "DAY"
           : str_eq(by, "month")    ? "MONTH"
           : str_eq(by, "plan")     ? "PLAN"
           : str_eq(by, "operator") ? "OPERATOR"
                                    : "ROUTER";
    texttable_init(t, h);
    json_array_foreach(rows, i, row)
    {
        texttable_add_json(t, row, keys);
        sold += json_integer_value(json_object_get(row, "sold"));
        act += json_integer_value(json_object_get(row, "activated"));
        orders += json_integer_value(json_object_get(row, "orders_completed"));
        revenue += atof(json_string_value(json_object_get(row, "revenue")) ?: "0");
    }
    snprintf(s, sizeof s, "%lld", sold);
    snprintf(r, sizeof r, "%.2f", revenue);
    snprintf(a, sizeof a, "%lld", act);
    snprintf(o, sizeof o, "%lld", orders);
    texttable_add(t, (const char *const[]){"TOTAL", s, r, a, o});
}

/* A printable page: the shop, the range, the table, a signature line. */
static int
print_report(struct cmd_ctx *ctx, const char *fmt, const char *out, const char *lp, json_t *rows,
             const char *from, const char *to, const char *by, struct werr *e)
{
    struct texttable t;
    struct sink sink;
    char *text = NULL, when[32];
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    time_t now = time(NULL);
    int rc;

    strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&now));
    fprintf(m, "%s - sales report\n%s to %s, by %s (printed %s)\n\n", ctx->cfg->shop_name, from, to,
            by, when);
    fill(&t, rows, by);
    texttable_print(&t, m);
    fprintf(m, "\nCurrency: %s\n\nCashier: ____________________   Signature: ______________\n",
            ctx->cfg->currency);
    fclose(m);
    if (sink_open(&sink, ctx->out, out, lp, false, e) < 0) {
        free(text);
        return -1;
    }
    if (str_eq(fmt, "ps")) { /* a page of Courier lines */
        int y = 800;

        fputs("%!PS-Adobe-3.0\n%%Pages: 1\n%%EndComments\n/Courier findfont 9 scalefont setfont\n",
              sink.f);
        for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n"), y -= 12) {
            fputs("40 ", sink.f);
            fprintf(sink.f, "%d moveto (", y);
            for (const char *c = line; *c; c++) {
                if (*c == '(' || *c == ')' || *c == '\\')
                    fputc('\\', sink.f);
                fputc(*c, sink.f);
            }
            fputs(") show\n", sink.f);
        }
        fputs("showpage\n%%EOF\n", sink.f);
    } else {
        fputs(text, sink.f);
    }
    free(text);
    rc = sink_close(&sink, ctx->out, true, e);
    if (rc == 0 && (out || lp))
        fprintf(ctx->out, "report %s\n", out ? out : "sent to lp");
    return rc;
}

static int
sales_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *by = args_get(a, "by") ? args_get(a, "by") : "day", *fmt = args_get(a, "format");
    const char *from = args_get(a, "from"), *to = args_get(a, "to");
    const char *lp = args_has(a, "lp") ? (args_get(a, "lp") ? args_get(a, "lp") : "") : NULL;
    char today[16];
    time_t now = time(NULL);
    struct db *db;
    json_t *rows;

    if (args_has(a, "json") + args_has(a, "csv") + (fmt != NULL) > 1)
        return werr_set(e, WISP_EUSAGE, "give one of --json, --csv, --format");
    if (fmt && !str_eq(fmt, "text") && !str_eq(fmt, "ps"))
        return werr_set(e, WISP_EUSAGE, "bad --format \"%s\": expected text or ps", fmt);
    if ((args_get(a, "output") || lp) && !fmt)
        fmt = "text";
    if ((db = cmd_db(ctx, e)) == NULL || (rows = report_sales(db, from, to, by, e)) == NULL)
        return -1;
    strftime(today, sizeof today, "%Y-%m-%d", localtime(&now));
    if (args_has(a, "json")) {
        cmd_print_json(ctx, rows);
        return 0;
    }
    if (fmt) {
        int rc = print_report(ctx, fmt, args_get(a, "output"), lp, rows, from ? from : today,
                              to     ? to
                              : from ? from
                                     : today,
                              by, e);

        json_decref(rows);
        return rc;
    }
    {
        struct texttable t;

        fill(&t, rows, by);
        if (args_has(a, "csv"))
            texttable_print_csv(&t, ctx->out);
        else
            texttable_print(&t, ctx->out);
    }
    json_decref(rows);
    return 0;
}

/* Today, this week, this month, and this month by plan and by operator: the
 * console's Reports view (Metrics pane, R) and a quick look from the shell. */
static int
summary_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const titles[] = {"Today", "This week", "This month"};
    char today[16], from[3][16];
    time_t now = time(NULL);
    struct tm tm;
    struct db *db;

    (void)a;
    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    snprintf(from[0], sizeof from[0], "%s", today);
    {
        struct tm w = tm;

        w.tm_mday -= (tm.tm_wday + 6) % 7; /* back to Monday */
        mktime(&w);
        strftime(from[1], sizeof from[1], "%Y-%m-%d", &w);
    }
    strftime(from[2], sizeof from[2], "%Y-%m-01", &tm);
    fprintf(ctx->out, "%s - sales (%s)\n", ctx->cfg->shop_name, ctx->cfg->currency);
    for (int i = 0; i < 3; i++) {
        json_t *rows = report_sales(db, from[i], today, "month", e);
        struct texttable t;

        if (!rows)
            return -1;
        fprintf(ctx->out, "\n%s (%s to %s)\n", titles[i], from[i], today);
        fill(&t, rows, "month");
        texttable_print(&t, ctx->out);
        json_decref(rows);
    }
    for (int i = 0; i < 2; i++) {
        const char *by = i ? "operator" : "plan";
        json_t *rows = report_sales(db, from[2], today, by, e);
        struct texttable t;

        if (!rows)
            return -1;
        fprintf(ctx->out, "\nThis month by %s\n", by);
        fill(&t, rows, by);
        texttable_print(&t, ctx->out);
        json_decref(rows);
    }
    return 0;
}

const struct cmd_entry cmd_report_entries[] = {
    {"report summary", "", "today, this week, this month, and the month by plan and operator", NULL,
     0, 0, false, summary_exec, false},
    {"report sales",
     "[--from DATE] [--to DATE] [--by day|month|plan|operator|router] "
     "[--json|--csv|--format text|ps [-o FILE | --lp [PRINTER]]]",
     "sales, first logins and orders from PostgreSQL (default: today, by day)", sales_flags, 0, 0,
     false, sales_exec, false},
    {NULL, NULL, NULL, NULL, 0, 0, false, NULL, false},
};
