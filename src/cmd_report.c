/*
 * cmd_report.c - `wisp report sales`: a table, JSON, CSV, or a printed
 * end-of-day report (text or PostScript) for a cashier's shift close; and
 * `wisp report summary`. What revenue counts: see report.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/locfmt.h"
#include "wisp/render.h"
#include "wisp/report.h"
#include "wisp/sink.h"
#include "wisp/texttable.h"
#include "wisp/util.h"

static const struct cmd_flag sales_flags[] = {
    {"from", 0, FLAG_VALUE},   {"to", 0, FLAG_VALUE},
    {"by", 0, FLAG_VALUE},     {"csv", 0, FLAG_BOOL},
    {"format", 0, FLAG_VALUE}, {"output", 'o', FLAG_VALUE},
    {"lp", 0, FLAG_OPTIONAL},  {NULL, 0, 0},
};

static const char *const head[] = {
    "", N_("SOLD"), N_("TOPUPS"), N_("REVENUE"), N_("ACTIVATED"), N_("ORDERS"), NULL};
/* the columns that count things (grouped as the locale groups numbers) */
static const char *const counts[] = {"sold", "topups", "activated", "orders_completed"};
static const char *const keys[] = {"group",   "sold",      "topups",
                                   "revenue", "activated", "orders_completed"};

/* Whole cents of a numeric(14, 2) as PostgreSQL writes it ("12.50", "-3.00"):
 * totals are added exactly, never in floating point. */
static long long
cents(const char *s)
{
    long long whole = 0, frac = 0;
    int neg = s && *s == '-', digits = 0;

    for (s += s && (*s == '-'); s && *s >= '0' && *s <= '9'; s++)
        whole = whole * 10 + (*s - '0');
    if (s && *s == '.')
        for (s++; *s >= '0' && *s <= '9' && digits < 2; s++, digits++)
            frac = frac * 10 + (*s - '0');
    while (digits++ < 2)
        frac *= 10;
    return (neg ? -1 : 1) * (whole * 100 + frac);
}

static void
money(long long c, char *buf, size_t n)
{
    snprintf(buf, n, "%s%lld.%02lld", c < 0 ? "-" : "", (c < 0 ? -c : c) / 100,
             (c < 0 ? -c : c) % 100);
}

/* The sums of a report's rows, as one more row of the same keys. */
static json_t *
total_of(json_t *rows)
{
    static const char *const sums[] = {"revenue", "voucher_revenue", "topup_revenue"};
    json_t *t = json_object(), *row;
    size_t i;

    json_object_set_new(t, "group", json_string("TOTAL"));
    for (size_t k = 0; k < 4; k++) {
        long long n = 0;

        json_array_foreach(rows, i, row)
        {
            n += json_integer_value(json_object_get(row, counts[k]));
        }
        json_object_set_new(t, counts[k], json_integer(n));
    }
    for (size_t k = 0; k < 3; k++) {
        long long c = 0;
        char buf[32];

        json_array_foreach(rows, i, row)
        {
            c += cents(json_string_value(json_object_get(row, sums[k])));
        }
        money(c, buf, sizeof buf);
        json_object_set_new(t, sums[k], json_string(buf));
    }
    return t;
}

static const char *
group_title(const char *by)
{
    return str_eq(by, "day")        ? N_("DAY")
           : str_eq(by, "month")    ? N_("MONTH")
           : str_eq(by, "plan")     ? N_("PLAN")
           : str_eq(by, "operator") ? N_("OPERATOR")
                                    : N_("ROUTER");
}

/* A row as people read it (cfg not NULL): the money and a day as the
 * locale writes them (locfmt.h), TOTAL in their language. CSV keeps the
 * row as data. */
static void
add_row(struct texttable *t, json_t *row, const struct config *cfg, bool total)
{
    json_t *shown;
    char buf[64];
    const char *group = json_string_value(json_object_get(row, "group"));

    if (!cfg) {
        texttable_add_json(t, row, keys);
        return;
    }
    shown = json_deep_copy(row);
    json_object_set_new(
        shown, "revenue",
        json_string(locfmt_amount(cfg, json_string_value(json_object_get(row, "revenue")), buf,
                                  sizeof buf)));
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
        json_object_set_new(
            shown, counts[k],
            json_string(locfmt_count(json_integer_value(json_object_get(row, counts[k])), buf,
                                     sizeof buf)));
    if (total)
        json_object_set_new(shown, "group", json_string(_("TOTAL")));
    else if (group)
        json_object_set_new(shown, "group", json_string(locfmt_iso_date(group, buf, sizeof buf)));
    texttable_add_json(t, shown, keys);
    json_decref(shown);
}

/* The table with a total row, its first column headed first; detail false
 * leaves the rows out (a period's total). cfg: for people (add_row). */
static void
fill(struct texttable *t, json_t *rows, const char *first, bool detail, const struct config *cfg)
{
    const char *h[7];
    json_t *row, *total = total_of(rows);
    size_t i;

    memcpy(h, head, sizeof h);
    h[0] = first;
    texttable_init(t, h);
    if (detail)
        json_array_foreach(rows, i, row) add_row(t, row, cfg, false);
    add_row(t, total, cfg, true);
    json_decref(total);
}

/* "from to to" as the locale writes dates, one date when they are the same. */
static void
range_text(const char *from, const char *to, char *buf, size_t n)
{
    char a[40], b[40];

    locfmt_iso_date(from, a, sizeof a);
    locfmt_iso_date(to, b, sizeof b);
    if (str_eq(from, to))
        snprintf(buf, n, "%s", a);
    else
        /* TRANSLATORS: a range of dates in a report's heading */
        snprintf(buf, n, _("%s to %s"), a, b);
}

/* A --by value for people. */
static const char *
by_word(const char *by)
{
    return str_eq(by, "day")        ? N_("day")
           : str_eq(by, "month")    ? N_("month")
           : str_eq(by, "plan")     ? N_("plan")
           : str_eq(by, "operator") ? N_("operator")
                                    : N_("router");
}

/* A printable page: the shop, the range, the table, a signature line. */
static int
print_report(struct cmd_ctx *ctx, const char *fmt, const char *out, const char *lp, json_t *rows,
             const char *from, const char *to, const char *by, struct werr *e)
{
    struct texttable t;
    struct sink sink;
    char *text = NULL, when[64], range[96];
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    locfmt_datetime(localtime_r(&now, &tm), when, sizeof when);
    range_text(from, to, range, sizeof range);
    fprintf(m, _("%s - sales report\n"), ctx->cfg->shop_name);
    /* TRANSLATORS: the dates, what the rows are (a --by word), when it was printed */
    fprintf(m, _("%s, by %s (printed %s)\n\n"), range, _(by_word(by)), when);
    fill(&t, rows, group_title(by), true, ctx->cfg);
    texttable_print(&t, m);
    fprintf(m, _("\nCurrency: %s\n\nCashier: ____________________   Signature: ______________\n"),
            ctx->cfg->currency);
    fclose(m);
    if (sink_open(&sink, ctx->out, out, lp, false, e) < 0) {
        free(text);
        return -1;
    }
    if (str_eq(fmt, "ps") || str_eq(fmt, "pdf")) /* the same lines, monospace, any script */
        rc = render_text_pages(sink.f, str_eq(fmt, "ps") ? RENDER_PS : RENDER_PDF, PAPER_A4, text,
                               e);
    else
        rc = fputs(text, sink.f) < 0 ? werr_set(e, WISP_ERUNTIME, _("writing the report")) : 0;
    free(text);
    if (sink_close(&sink, ctx->out, rc == 0, e) < 0)
        rc = -1;
    if (rc == 0 && (out || lp)) {
        if (out)
            fprintf(ctx->out, _("report %s\n"), out);
        else
            fputs(_("report sent to lp\n"), ctx->out);
    }
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

    if (ctx->json + args_has(a, "csv") + (fmt != NULL) > 1)
        return werr_set(e, WISP_EUSAGE, _("give one of --json, --csv, --format"));
    if (fmt && !str_eq(fmt, "text") && !str_eq(fmt, "ps") && !str_eq(fmt, "pdf"))
        return werr_set(e, WISP_EUSAGE, _("bad --format \"%s\": expected text, pdf or ps"), fmt);
    if ((args_get(a, "output") || lp) && !fmt)
        fmt = "text";
    if ((db = cmd_db(ctx, e)) == NULL || (rows = report_sales(db, from, to, by, e)) == NULL)
        return -1;
    strftime(today, sizeof today, "%Y-%m-%d", localtime(&now));
    cmd_result(ctx, rows); /* the rows, whichever way they are shown */
    if (ctx->json)
        return 0;
    if (fmt)
        return print_report(ctx, fmt, args_get(a, "output"), lp, rows, from ? from : today,
                            to     ? to
                            : from ? from
                                   : today,
                            by, e);
    {
        struct texttable t;

        fill(&t, rows, group_title(by), true, args_has(a, "csv") ? NULL : ctx->cfg);
        if (args_has(a, "csv"))
            texttable_print_csv(&t, ctx->out);
        else
            texttable_print(&t, ctx->out);
    }
    return 0;
}

/* Today, this week, this month, and this month by plan and by operator: the
 * console's Reports view (Metrics pane, R) and a quick look from the shell.
 * A period is one total row (headed PERIOD: it is no month); --json gives
 * the same figures as one object. */
static int
summary_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const titles[] = {N_("Today"), N_("This week"), N_("This month")};
    static const char *const names[] = {"today", "this_week", "this_month"};
    char today[16], from[3][16];
    time_t now = time(NULL);
    struct tm tm;
    struct db *db;
    bool json = ctx->json;
    json_t *out = json_pack("{s:s, s:s, s:[], s:{}}", "shop", ctx->cfg->shop_name, "currency",
                            ctx->cfg->currency, "periods", "this_month_by");

    if ((db = cmd_db(ctx, e)) == NULL)
        goto fail;
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
    if (!json)
        fprintf(ctx->out, _("%s - sales (%s)\n"), ctx->cfg->shop_name, ctx->cfg->currency);
    for (int i = 0; i < 3; i++) {
        json_t *rows = report_sales(db, from[i], today, "day", e), *total;
        struct texttable t;

        if (!rows)
            goto fail;
        total = total_of(rows);
        json_object_del(total, "group");
        json_object_set_new(total, "period", json_string(names[i]));
        json_object_set_new(total, "from", json_string(from[i]));
        json_object_set_new(total, "to", json_string(today));
        json_array_append_new(json_object_get(out, "periods"), total);
        if (!json) {
            char range[96];

            range_text(from[i], today, range, sizeof range);
            fprintf(ctx->out, "\n%s (%s)\n", _(titles[i]), range);
            fill(&t, rows, N_("PERIOD"), false, ctx->cfg);
            texttable_print(&t, ctx->out);
        }
        json_decref(rows);
    }
    for (int i = 0; i < 2; i++) {
        const char *by = i ? "operator" : "plan";
        json_t *rows = report_sales(db, from[2], today, by, e);
        struct texttable t;

        if (!rows)
            goto fail;
        if (!json) {
            fputs(i ? _("\nThis month by operator\n") : _("\nThis month by plan\n"), ctx->out);
            fill(&t, rows, group_title(by), true, ctx->cfg);
            texttable_print(&t, ctx->out);
        }
        json_object_set_new(json_object_get(out, "this_month_by"), by, rows);
    }
    (void)a;
    cmd_result(ctx, out);
    return 0;
fail:
    json_decref(out);
    return -1;
}

const struct cmd_entry cmd_report_entries[] = {
    {.name = "report summary",
     .summary = N_("today, this week, this month, and the month by plan and operator"),
     .exec = summary_exec,
     .places = CMD_ANYWHERE},
    {.name = "report sales",
     .usage = "[--from DATE] [--to DATE] [--by day|month|plan|operator|router] "
              "[--json|--csv|--format text|pdf|ps [-o FILE | --lp [PRINTER]]]",
     .summary = N_("sales, first logins and orders from PostgreSQL (default: today, by day)"),
     .flags = sales_flags,
     .exec = sales_exec,
     .places = CMD_ANYWHERE},
    {0},
};
