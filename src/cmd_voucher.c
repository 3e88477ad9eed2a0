/*
 * cmd_voucher.c - `wisp voucher create|list|show|sell|correct|disable|enable|
 * print` and `wisp batch list|delete`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/locfmt.h"
#include "wisp/plan.h"
#include "wisp/qr.h"
#include "wisp/router.h"
#include "wisp/sheet.h"
#include "wisp/sink.h"
#include "wisp/template.h"
#include "wisp/texttable.h"
#include "wisp/units.h"
#include "wisp/util.h"
#include "wisp/voucher.h"

static const struct cmd_flag extend_flags[] = {
    {"by", 0, FLAG_VALUE}, {"data", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag create_flags[] = {
    {"plan", 0, FLAG_VALUE},    {"count", 0, FLAG_VALUE},  {"length", 0, FLAG_VALUE},
    {"charset", 0, FLAG_VALUE}, {"prefix", 0, FLAG_VALUE}, {"mode", 0, FLAG_VALUE},
    {"router", 0, FLAG_VALUE},  {"note", 0, FLAG_VALUE},   {NULL, 0, 0},
};
static const struct cmd_flag list_flags[] = {
    {"batch", 0, FLAG_VALUE}, {"status", 0, FLAG_VALUE}, {"plan", 0, FLAG_VALUE},
    {"limit", 0, FLAG_VALUE}, {"csv", 0, FLAG_BOOL},     {NULL, 0, 0},
};
static const struct cmd_flag show_flags[] = {{"reveal", 0, FLAG_BOOL}, {NULL, 0, 0}};
static const struct cmd_flag correct_flags[] = {
    {"price", 0, FLAG_VALUE}, {"reason", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag batch_flags[] = {{"batch", 0, FLAG_VALUE}, {NULL, 0, 0}};
static const struct cmd_flag print_flags[] = {
    {"batch", 0, FLAG_VALUE},   {"code", 0, FLAG_MULTI},     {"format", 0, FLAG_VALUE},
    {"columns", 0, FLAG_VALUE}, {"paper", 0, FLAG_VALUE},    {"output", 'o', FLAG_VALUE},
    {"lp", 0, FLAG_OPTIONAL},   {"template", 0, FLAG_VALUE}, {NULL, 0, 0},
};

/* A whole number flag in [min, max], or def when absent. */
static int
int_flag(const struct cmd_args *a, const char *name, int64_t min, int64_t max, int64_t def,
         int64_t *out, struct werr *e)
{
    const char *v = args_get(a, name);

    if (v == NULL) {
        *out = def;
        return 0;
    }
    if (str_to_i64(v, min, max, out) < 0)
        return werr_set(e, WISP_EUSAGE,
                        _("bad --%s \"%s\": expected a whole number %" PRId64 "..%" PRId64), name,
                        v, min, max);
    return 0;
}

static int
create_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct voucher_spec s = {0};
    const char *mode = args_get(a, "mode");
    int64_t len, batch;
    struct db *db;

    s.plan = args_get(a, "plan");
    if (s.plan == NULL || !args_has(a, "count"))
        return werr_set(e, WISP_EUSAGE, _("`voucher create` needs --plan NAME and --count N"));
    if (int_flag(a, "count", 1, VOUCHER_MAX_BATCH, 0, &s.count, e) < 0 ||
        int_flag(a, "length", 4, 32, VOUCHER_DEFAULT_LENGTH, &len, e) < 0)
        return -1;
    if (mode && !str_eq(mode, "code") && !str_eq(mode, "userpass"))
        return werr_set(e, WISP_EUSAGE, _("bad --mode \"%s\": expected code or userpass"), mode);
    s.length = (int)len;
    s.charset = args_get(a, "charset");
    s.prefix = args_get(a, "prefix");
    s.userpass = str_eq(mode, "userpass");
    s.router = args_get(a, "router");
    s.note = args_get(a, "note");
    s.progress = ctx->progress; /* the console's bar, or cli.c's line on a terminal */
    s.progress_arg = ctx->progress_arg;
    if (voucher_check_spec(&s, e) < 0)
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL || voucher_create(db, &s, &batch, e) < 0)
        return -1;
    cmd_done(
        ctx, json_pack("{s:I, s:I}", "batch_id", (json_int_t)batch, "count", (json_int_t)s.count),
        ngettext("batch %" PRId64 ": %" PRId64 " voucher of plan %s\n",
                 "batch %" PRId64 ": %" PRId64 " vouchers of plan %s\n", (unsigned long)s.count),
        batch, s.count, s.plan);
    return 0;
}

/* How `voucher list` writes rows. */
struct list_out {
    FILE *out;
    int mode; /* 0 text, 1 json, 2 csv */
    int64_t n;
    struct texttable t;
};

static const char *const list_keys[] = {"code",          "password",   "plan",       "price",
                                        "status",        "batch_id",   "created_at", "sold_at",
                                        "first_used_at", "expires_at", NULL};

static void
list_row(json_t *row, void *arg)
{
    struct list_out *lo = arg;

    if (lo->mode == 1) {
        fputs(lo->n ? ",\n  " : "[\n  ", lo->out);
        json_dumpf(row, lo->out, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENSURE_ASCII);
    } else if (lo->mode == 2) {
        for (int k = 0; list_keys[k]; k++) {
            json_t *v = json_object_get(row, list_keys[k]);
            char num[32];

            if (k)
                fputc(',', lo->out);
            if (json_is_string(v)) {
                texttable_csv_cell(lo->out, json_string_value(v));
            } else if (json_is_integer(v)) {
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
                fputs(num, lo->out);
            }
        }
        fputs("\r\n", lo->out);
    } else {
        static const char *const keys[] = {"code",   "password", "plan",       "price",
                                           "status", "batch_id", "created_at", "sold_at"};
        texttable_add_json(&lo->t, row, keys);
    }
    lo->n++;
}

static int
list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("CODE"),    N_("PASSWORD"), N_("PLAN"),
                                       N_("PRICE"),   N_("STATUS"),   N_("BATCH"),
                                       N_("CREATED"), N_("SOLD"),     NULL};
    struct voucher_filter f = {0};
    struct list_out lo = {.out = ctx->out};
    struct db *db;

    if (int_flag(a, "batch", 1, INT64_MAX, 0, &f.batch, e) < 0 ||
        int_flag(a, "limit", 1, INT64_MAX, 0, &f.limit, e) < 0)
        return -1;
    if (ctx->json && args_has(a, "csv"))
        return werr_set(e, WISP_EUSAGE, _("give --json or --csv, not both"));
    f.status = args_get(a, "status");
    f.plan = args_get(a, "plan");
    /* rows are written as they are read (a batch may hold 100,000): --json
     * streams the array itself and leaves no result */
    lo.mode = ctx->json ? 1 : args_has(a, "csv") ? 2 : 0;
    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    if (lo.mode == 0)
        texttable_init(&lo.t, head);
    if (lo.mode == 2)
        for (int k = 0; list_keys[k]; k++)
            fprintf(ctx->out, "%s%s", k ? "," : "", list_keys[k]);
    if (lo.mode == 2)
        fputs("\r\n", ctx->out);
    if (voucher_list(db, &f, list_row, &lo, e) < 0) {
        if (lo.mode == 0)
            texttable_free(&lo.t);
        return -1;
    }
    if (lo.mode == 1)
        fputs(lo.n ? "\n]\n" : "[]\n", ctx->out);
    if (lo.mode == 0)
        texttable_print(&lo.t, ctx->out);
    return 0;
}

/* The voucher's QR on the terminal: explicit black-on-white colours so it
 * scans on dark and light terminals alike; plain ink-style text when piped. */
static void
print_qr(FILE *out, const char *url, char ecc, bool colour, struct werr *e)
{
    struct qr q;
    struct sbuf line = {0};

    if (qr_encode(url, ecc, &q, e) < 0) {
        fprintf(out, "(no QR: %s)\n", e->msg);
        werr_clear(e);
        return;
    }
    for (int row = 0; row < qr_text_rows(&q, 2); row++) {
        sb_reset(&line);
        qr_text_row(&q, 2, true, row, &line);
        if (colour)
            fprintf(out, "\033[0;30;47m%s\033[0m\n", line.buf);
        else
            fprintf(out, "%s\n", line.buf);
    }
    sb_free(&line);
    qr_free(&q);
}

static const char *
jstr(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A JSON integer field as text ("" when null), for plan_describe. */
static const char *
jnum(json_t *o, const char *key, char *buf, size_t n)
{
    json_t *v = json_object_get(o, key);

    if (!json_is_integer(v))
        return "";
    snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    return buf;
}

static int
show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    char b1[24], b2[24], b3[24];
    const char *code = a->pos[0];
    bool userpass, hidden;
    struct db *db;
    char *url, *desc;
    json_t *v;

    if ((db = cmd_db(ctx, e)) == NULL || (v = voucher_get(db, code, e)) == NULL)
        return -1;
    userpass = str_eq(jstr(v, "mode"), "userpass");
    /* A userpass voucher's password (and so its login URL) only through the
     * audited reveal: PostgreSQL refuses it to viewers. */
    if (userpass && args_has(a, "reveal")) {
        char pw[256];

        if (voucher_reveal(db, code, pw, sizeof pw, e) < 0) {
            json_decref(v);
            return -1;
        }
        json_object_set_new(v, "password", json_string(pw));
        explicit_bzero(pw, sizeof pw);
    }
    hidden = userpass && !jstr(v, "password");
    url = hidden ? NULL
                 : qr_login_url(
                       router_login_template(jstr(v, "router_driver"), jstr(v, "router_login_url"))
                           ?: ctx->cfg->login_url,
                       code, jstr(v, "password"));
    json_object_set_new(v, "url", url ? json_string(url) : json_null());
    cmd_result(ctx, v);
    if (ctx->json) {
        free(url);
        return 0;
    }
    desc = plan_describe(jnum(v, "duration_s", b1, sizeof b1), jnum(v, "data_bytes", b2, sizeof b2),
                         jstr(v, "rate_limit"), jnum(v, "validity_s", b3, sizeof b3));
    /* TRANSLATORS: the labels of `voucher show`, before each value */
    cmd_label(ctx->out, N_("code"), 12);
    fprintf(ctx->out, "%s\n", code);
    cmd_label(ctx->out, N_("password"), 12);
    fprintf(ctx->out, "%s\n",
            hidden     ? _("(hidden: --reveal shows it, audited)")
            : userpass ? jstr(v, "password")
                       : _("(same as code)"));
    cmd_label(ctx->out, N_("plan"), 12);
    fprintf(ctx->out, "%s (%s)\n", jstr(v, "plan"), desc);
    cmd_label(ctx->out, N_("price"), 12);
    fprintf(ctx->out, "%s %s\n", jstr(v, "price"), ctx->cfg->currency);
    cmd_label(ctx->out, N_("status"), 12);
    fprintf(ctx->out, "%s\n", jstr(v, "status"));
    cmd_label(ctx->out, N_("batch"), 12);
    fprintf(ctx->out, _("%s, serial %s\n"), jnum(v, "batch_id", b1, sizeof b1),
            jnum(v, "serial", b2, sizeof b2));
    cmd_label(ctx->out, N_("created"), 12);
    fprintf(ctx->out, "%s\n", jstr(v, "created_at"));
    if (jstr(v, "sold_at")) {
        cmd_label(ctx->out, N_("sold"), 12);
        fprintf(ctx->out, _("%s by %s\n"), jstr(v, "sold_at"), jstr(v, "sold_by"));
    }
    if (jstr(v, "first_used_at")) {
        cmd_label(ctx->out, N_("first used"), 12);
        fprintf(ctx->out, "%s\n", jstr(v, "first_used_at"));
    }
    if (jstr(v, "expires_at")) {
        cmd_label(ctx->out, N_("expires"), 12);
        fprintf(ctx->out, "%s\n", jstr(v, "expires_at"));
    }
    if (jstr(v, "disabled_at")) {
        cmd_label(ctx->out, N_("disabled"), 12);
        fprintf(ctx->out, "%s\n", jstr(v, "disabled_at"));
    }
    cmd_label(ctx->out, N_("login URL"), 12);
    if (hidden) {
        fputs(_("(holds the password: --reveal shows it)\n"), ctx->out);
    } else {
        fprintf(ctx->out, "%s\n\n", url);
        print_qr(ctx->out, url, (char)ctx->cfg->qr_ecc, ctx->tty, e);
    }
    free(desc);
    free(url);
    return 0;
}

static int
sell_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;
    json_t *row;

    if ((db = cmd_db(ctx, e)) == NULL || (row = voucher_sell(db, a->pos[0], e)) == NULL)
        return -1;
    cmd_done(ctx, row, _("sold %s for %s %s\n"), a->pos[0], jstr(row, "price"), ctx->cfg->currency);
    return 0;
}

static int
correct_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *price = args_get(a, "price"), *reason = args_get(a, "reason");
    char money[32];
    struct db *db;

    if (!price || !reason || !*reason)
        return werr_set(
            e, WISP_EUSAGE,
            _("`voucher correct` needs --price AMOUNT (0 for a refund) and --reason TEXT"));
    if (units_parse_money(price, money, sizeof money, e) < 0)
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL || voucher_correct(db, a->pos[0], money, reason, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:s, s:s}", "code", a->pos[0], "price", money, "reason", reason),
             _("sale of %s corrected to %s %s\n"), a->pos[0], money, ctx->cfg->currency);
    return 0;
}

static int
extend_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *by = args_get(a, "by"), *data = args_get(a, "data");
    int64_t secs = 0, bytes = 0;
    struct db *db;

    if (!by && !data)
        return werr_set(e, WISP_EUSAGE, _("`voucher extend` needs --by DURATION or --data SIZE"));
    if ((by && units_parse_duration(by, &secs, e) < 0) ||
        (data && units_parse_size(data, &bytes, e) < 0))
        return -1;
    if ((db = cmd_db(ctx, e)) == NULL || voucher_extend(db, a->pos[0], secs, bytes, e) < 0)
        return -1;
    cmd_done(ctx,
             json_pack("{s:s, s:I, s:I}", "code", a->pos[0], "added_s", (json_int_t)secs,
                       "added_bytes", (json_int_t)bytes),
             "voucher %s extended%s%s%s%s; routers follow at the next worker cycle\n", a->pos[0],
             by ? " by " : "", by ? by : "", data ? " with " : "", data ? data : "");
    return 0;
}

static int
reset_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct db *db;

    if ((db = cmd_db(ctx, e)) == NULL || voucher_reset(db, a->pos[0], e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:s, s:b}", "code", a->pos[0], "reset", 1),
             _("voucher %s reset; routers follow at the next worker cycle\n"), a->pos[0]);
    return 0;
}

/* disable and enable take CODE or --batch ID. */
static int
toggle(struct cmd_ctx *ctx, const struct cmd_args *a, bool disable, struct werr *e)
{
    const char *code = a->npos ? a->pos[0] : NULL;
    int64_t batch, n;
    struct db *db;

    if (int_flag(a, "batch", 1, INT64_MAX, 0, &batch, e) < 0)
        return -1;
    if ((code == NULL) == (batch == 0))
        return werr_set(e, WISP_EUSAGE, _("give a voucher CODE or --batch ID"));
    if ((db = cmd_db(ctx, e)) == NULL)
        return -1;
    if ((disable ? voucher_disable : voucher_enable)(db, code, batch, &n, e) < 0)
        return -1;
    cmd_result(ctx, code ? json_pack("{s:s, s:I, s:b}", "code", code, "count", (json_int_t)n,
                                     "disabled", disable)
                         : json_pack("{s:I, s:I, s:b}", "batch_id", (json_int_t)batch, "count",
                                     (json_int_t)n, "disabled", disable));
    if (code)
        cmd_printf(ctx, disable ? _("voucher %s disabled\n") : _("voucher %s enabled\n"), code);
    else
        cmd_printf(
            ctx,
            disable
                ? ngettext("batch %" PRId64 ": %" PRId64 " voucher disabled\n",
                           "batch %" PRId64 ": %" PRId64 " vouchers disabled\n", (unsigned long)n)
                : ngettext("batch %" PRId64 ": %" PRId64 " voucher enabled\n",
                           "batch %" PRId64 ": %" PRId64 " vouchers enabled\n", (unsigned long)n),
            batch, n);
    return 0;
}

static int
disable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return toggle(ctx, a, true, e);
}

static int
enable_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    return toggle(ctx, a, false, e);
}

/* The sheet writer's progress, passed on to the command's (the console's
 * bar, or cli.c's line on a terminal). */
static void
print_progress(size_t done, size_t total, void *arg)
{
    struct cmd_ctx *ctx = arg;

    ctx->progress((int64_t)done, (int64_t)total, ctx->progress_arg);
}

static int
print_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    struct sheet_opts o = {0};
    const char *fmt = args_get(a, "format"), *paper = args_get(a, "paper");
    const char *out = args_get(a, "output"), *lp = args_get(a, "lp");
    const char *tname = args_get(a, "template");
    struct template tpl = {0};
    bool have_tpl = false;
    char *plan_tpl = NULL;
    const char **codes = NULL;
    int ncodes = 0, rc = -1;
    int64_t batch, columns;
    struct card_query q = {.login_url = ctx->cfg->login_url};
    struct sheet_card *cards = NULL;
    size_t n = 0;
    struct sink sink;
    struct db *db;

    if (int_flag(a, "batch", 1, INT64_MAX, 0, &batch, e) < 0 ||
        int_flag(a, "columns", 1, 8, 0, &columns, e) < 0)
        return -1;
    while (args_nth(a, "code", ncodes))
        ncodes++;
    if ((batch == 0) == (ncodes == 0))
        return werr_set(e, WISP_EUSAGE, _("give --batch ID or one or more --code CODE"));
    if (out && lp)
        return werr_set(e, WISP_EUSAGE, _("give -o FILE or --lp, not both"));
    if (sheet_parse_paper(paper                          ? paper
                          : fmt && str_eq(fmt, "escpos") ? "80mm"
                                                         : "a4",
                          &o.paper, e) < 0)
        return -1;
    /* Without --format: what -o's extension names, tickets for a thermal
     * roll, the text sheet when it would land on the terminal, else PDF. */
    if (fmt == NULL && sheet_format_for_file(out, &o.format) == 0)
        fmt = sheet_format_name(o.format);
    if (sheet_parse_format(fmt                                              ? fmt
                           : o.paper == PAPER_58MM || o.paper == PAPER_80MM ? "escpos"
                           : !out && !lp && ctx->tty                        ? "text"
                                                                            : "pdf",
                           &o.format, e) < 0)
        return -1;
    if (o.format == SHEET_ESCPOS && o.paper != PAPER_58MM && o.paper != PAPER_80MM)
        return werr_set(e, WISP_EUSAGE, _("escpos prints on 58mm or 80mm paper (--paper)"));
    if (o.format != SHEET_ESCPOS && (o.paper == PAPER_58MM || o.paper == PAPER_80MM))
        return werr_set(e, WISP_EUSAGE, _("--paper 58mm/80mm is for --format escpos"));
    if (o.format == SHEET_ESCPOS && !out && !lp && ctx->tty)
        return werr_set(e, WISP_EUSAGE, _("escpos is printer bytes: use -o FILE or --lp"));
    if (ctx->json && !out && !lp)
        return werr_set(e, WISP_EUSAGE,
                        _("--json goes with -o FILE or --lp (the sheet is the output)"));
    o.columns = (int)columns;
    o.shop_name = ctx->cfg->shop_name;
    o.currency = NULL; /* in each card's price, as money.format writes it */
    o.ecc = (char)ctx->cfg->qr_ecc;
    if (ctx->progress && (out || lp || !ctx->tty)) { /* not between a sheet's lines */
        o.progress = print_progress;
        o.progress_arg = ctx;
    }
    if (ncodes) {
        codes = xcalloc((size_t)ncodes, sizeof *codes);
        for (int i = 0; i < ncodes; i++)
            codes[i] = args_nth(a, "code", i);
    }
    q.batch = batch;
    q.codes = codes;
    q.ncodes = ncodes;
    /* the layout: --template, else the plan's, else the built-in; a bad
     * template stops the print before any voucher is read or written */
    if (tname &&
        template_for_print(&tpl, tname, NULL, o.format, o.paper, o.columns, &have_tpl, e) < 0)
        goto out;
    if ((db = cmd_db(ctx, e)) == NULL)
        goto out;
    if (!tname &&
        ((plan_tpl = plan_print_template(db, batch, ncodes ? codes[0] : NULL, e)) == NULL ||
         template_for_print(&tpl, NULL, plan_tpl, o.format, o.paper, o.columns, &have_tpl, e) < 0))
        goto out;
    o.layout = have_tpl ? &tpl.layout : NULL;
    if (voucher_cards(db, &q, &cards, &n, e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++) { /* the price as the shop writes it, in every format */
        char buf[96], *price = xstrdup(locfmt_money(ctx->cfg, cards[i].price, buf, sizeof buf));

        free((char *)cards[i].price);
        cards[i].price = price;
    }
    if (sink_open(&sink, ctx->out, out, lp, o.format == SHEET_ESCPOS, e) < 0)
        goto out;
    rc = sheet_write(sink.f, &o, cards, n, e);
    if (sink_close(&sink, ctx->out, rc == 0, e) < 0)
        rc = -1;
    if (rc == 0)
        rc = voucher_mark_printed(db, batch, codes, ncodes, sheet_format_name(o.format), e);
    if (rc == 0) {
        json_t *res = json_pack("{s:I, s:o, s:s, s:s?, s:s?}", "count", (json_int_t)n, "batch_id",
                                batch ? json_integer(batch) : json_null(), "format",
                                sheet_format_name(o.format), "output", out, "lp", lp);

        if (have_tpl) /* the built-in layout adds nothing */
            json_object_set_new(res, "template", json_string(tpl.name));
        cmd_result(ctx, res);
    }
    if (rc == 0 && out)
        cmd_printf(ctx, ngettext("printed %zu voucher to %s\n", "printed %zu vouchers to %s\n", n),
                   n, out);
    else if (rc == 0 && lp)
        cmd_printf(
            ctx, ngettext("printed %zu voucher with lp\n", "printed %zu vouchers with lp\n", n), n);
out:
    voucher_cards_free(cards, n);
    free(codes);
    free(plan_tpl);
    if (have_tpl)
        template_free(&tpl);
    return rc;
}

static int
batch_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {N_("ID"),      N_("PLAN"),   N_("COUNT"),   N_("NEW"),
                                       N_("SOLD"),    N_("ACTIVE"), N_("EXPIRED"), N_("DISABLED"),
                                       N_("CREATED"), N_("BY"),     N_("PRINTED"), NULL};
    static const char *const keys[] = {"id",         "plan",       "count",     "new",
                                       "sold",       "active",     "expired",   "disabled",
                                       "created_at", "created_by", "printed_at"};
    struct db *db;
    json_t *list;

    if ((db = cmd_db(ctx, e)) == NULL || (list = batch_list(db, e)) == NULL)
        return -1;
    (void)a;
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

static int
batch_delete_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    int64_t id;
    struct db *db;

    if (str_to_i64(a->pos[0], 1, INT64_MAX, &id) < 0)
        return werr_set(e, WISP_EUSAGE, _("bad batch id \"%s\""), a->pos[0]);
    if ((db = cmd_db(ctx, e)) == NULL || batch_delete(db, id, e) < 0)
        return -1;
    cmd_done(ctx, json_pack("{s:I, s:b}", "batch_id", (json_int_t)id, "deleted", 1),
             _("batch %" PRId64 " deleted\n"), id);
    return 0;
}

const struct cmd_entry cmd_voucher_entries[] = {
    {.name = "voucher create",
     .usage = "--plan NAME --count N [--length 8] [--charset digits|lower|upper|alnum|CHARS] "
              "[--prefix P] [--mode code|userpass] [--router NAME] [--note TEXT]",
     .summary = N_("create a batch of vouchers"),
     .flags = create_flags,
     .exec = create_exec,
     .traits = CMD_MUTATES | CMD_LONG,
     .places = CMD_ANYWHERE},
    {.name = "voucher list",
     .usage = "[--batch ID] [--status new|sold|active|expired|disabled] [--plan NAME] [--limit N] "
              "[--json|--csv]",
     .summary = N_("list vouchers"),
     .flags = list_flags,
     .exec = list_exec,
     .places = CMD_ANYWHERE},
    {.name = "voucher show",
     .usage = "CODE [--reveal]",
     .summary = N_("a voucher's details and its QR code (--reveal: a userpass password, audited)"),
     .flags = show_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = show_exec,
     .places = CMD_ANYWHERE},
    {.name = "voucher sell",
     .usage = "CODE",
     .summary = N_("mark a new voucher sold at its plan's price"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = sell_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "voucher correct",
     .usage = "CODE --price AMOUNT --reason TEXT",
     .summary = N_("correct a sale's price (0 for a refund), audited; admins"),
     .flags = correct_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = correct_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "voucher extend",
     .usage = "CODE (--by 1h | --data 1G)",
     .summary = N_("add time or data to a voucher"),
     .flags = extend_flags,
     .min_pos = 1,
     .max_pos = 1,
     .exec = extend_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "voucher reset",
     .usage = "CODE",
     .summary = N_("restart a voucher's counters and its time"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = reset_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "voucher disable",
     .usage = "CODE | --batch ID",
     .summary = N_("disable a voucher or a whole batch"),
     .flags = batch_flags,
     .max_pos = 1,
     .exec = disable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "voucher enable",
     .usage = "CODE | --batch ID",
     .summary = N_("enable disabled vouchers again"),
     .flags = batch_flags,
     .max_pos = 1,
     .exec = enable_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {.name = "voucher print",
     .usage = "--batch ID | --code CODE... [--format pdf|ps|text|ansi|escpos] [--columns N] "
              "[--paper a4|letter|58mm|80mm] [--template NAME] [-o FILE | --lp [PRINTER]]",
     .summary = N_("print a voucher sheet or reprint single vouchers"),
     .flags = print_flags,
     .exec = print_exec,
     .traits = CMD_MUTATES | CMD_LONG,
     .places = CMD_ANYWHERE},
    {0},
};

const struct cmd_entry cmd_batch_entries[] = {
    {.name = "batch list",
     .summary = N_("list batches with per-status counts"),
     .exec = batch_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "batch delete",
     .usage = "ID",
     .summary = N_("delete a batch none of whose vouchers was sold or used"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = batch_delete_exec,
     .traits = CMD_MUTATES,
     .places = CMD_ANYWHERE},
    {0},
};
