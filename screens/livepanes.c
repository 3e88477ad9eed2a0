/*
 * livepanes.c - the Routers and Sessions panes: their columns, state
 * colours and details boxes. The console (console.c) owns the keys and
 * turns them into commands; the data comes from the feed thread.
 */
#include <curses.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/graph.h"
#include "wisp/livepanes.h"
#include "wisp/units.h"
#include "wisp/util.h"

static const struct listpane_column router_cols[] = {
    {{"NAME", 14, false}, "name", LF_TEXT},
    {{"DRIVER", 9, false}, "driver", LF_TEXT},
    {{"HOST", 16, false}, "host", LF_TEXT},
    {{"STATE", 17, false}, "state", LF_TEXT},
    {{"CPU", 5, true}, "cpu_load", LF_PERCENT},
    {{"MEM FREE", 9, true}, "mem_free", LF_BYTES},
    {{"UPTIME", 11, true}, "uptime_s", LF_DURATION},
    {{"SESS", 5, true}, "active_sessions", LF_INT},
    {{"TO REMOVE", 9, true}, "removals_pending", LF_INT}, /* deleted vouchers still on it */
    {{"LAST SEEN", 10, true}, "last_seen", LF_AGO},
    {{"LAST ERROR", 0, false}, "last_error", LF_TEXT},
};

static const struct listpane_column session_cols[] = {
    {{"USER", 12, false}, "user", LF_TEXT},
    {{"PLAN", 8, false}, "plan", LF_TEXT},
    {{"ROUTER", 10, false}, "router", LF_TEXT},
    {{"IP", 15, false}, "ip", LF_TEXT},
    {{"MAC", 17, false}, "mac", LF_TEXT},
    {{"UPTIME", 9, true}, "uptime_s", LF_DURATION},
    {{"LEFT", 12, true}, "time_left_s", LF_DURATION},
    {{"IN", 8, true}, "bytes_in", LF_BYTES},
    {{"OUT", 8, true}, "bytes_out", LF_BYTES},
    {{"RATE", 10, true}, "rate_out", LF_RATE},
};

static void detail_box(const char *title, const char *const (*rows)[2], int n, json_t *obj,
                       const enum listpane_format *fmts);

static const struct listpane_column order_cols[] = {
    {{"ID", 7, true}, "id", LF_INT},
    {{"AGE", 9, true}, "created_at", LF_AGO},
    {{"CUSTOMER", 14, false}, "customer", LF_TEXT},
    {{"PRODUCT", 12, false}, "product", LF_TEXT},
    {{"AMOUNT", 8, true}, "amount", LF_TEXT},
    {{"STATUS", 11, false}, "status", LF_TEXT},
    {{"PROVIDER REF", 13, false}, "provider_ref", LF_TEXT},
    {{"TRIES", 5, true}, "attempts", LF_INT},
    {{"NEXT CHECK", 10, true}, "next_check_at", LF_IN},
    {{"PIN", 14, false}, "pin", LF_CUSTOM},
    {{"LAST ERROR", 0, false}, "last_error", LF_TEXT},
};

static enum theme_element
order_colour(json_t *o, int col)
{
    const char *st = json_string_value(json_object_get(o, "status"));

    if (col == 5)
        return str_eq(st, "completed")                          ? TH_OK
               : str_eq(st, "failed")                           ? TH_BAD
               : str_eq(st, "cancelled")                        ? TH_DIM
               : str_eq(st, "sent") || str_eq(st, "processing") ? TH_WARN
                                                                : TH_NORMAL;
    if (col == 10)
        return TH_BAD;
    return TH_NORMAL;
}

static enum theme_element
router_colour(json_t *r, int col)
{
    const char *state = json_string_value(json_object_get(r, "state"));
    json_t *cpu = json_object_get(r, "cpu_load");

    if (col == 3)
        return str_eq(state, "up")            ? TH_OK
               : str_eq(state, "maintenance") ? TH_WARN
               : str_eq(state, "unknown")     ? TH_DIM
                                              : TH_BAD; /* down, hostkey-mismatch */
    if (col == 4 && json_is_integer(cpu))
        return json_integer_value(cpu) >= 90   ? TH_BAD
               : json_integer_value(cpu) >= 70 ? TH_WARN
                                               : TH_NORMAL;
    if (col == 9)
        return TH_BAD;
    return TH_NORMAL;
}

static enum theme_element
session_colour(json_t *s, int col)
{
    json_t *left = json_object_get(s, "time_left_s");

    if (col == 6 && json_is_integer(left))
        return json_integer_value(left) < 300 ? TH_WARN : TH_OK;
    return TH_NORMAL;
}

void
livepanes_init_orders(struct listpane *orders,
                      void (*pin_text)(void *, json_t *, int, char *, size_t), void *ctx)
{
    listpane_init(orders, order_cols, (int)(sizeof order_cols / sizeof order_cols[0]), "id",
                  order_colour);
    orders->text = pin_text;
    orders->text_ctx = ctx;
    orders->sort_rev = true; /* newest first */
}

void
livepanes_order_counts(json_t *counts, int y, int w)
{
    static const char *const order[] = {"pending",   "sent",   "processing",
                                        "completed", "failed", "cancelled"};
    static const enum theme_element el[] = {TH_NORMAL, TH_WARN, TH_WARN, TH_OK, TH_BAD, TH_DIM};

    move(y, 1);
    for (int i = 0; i < 6 && getcurx(stdscr) < w - 16; i++) {
        json_t *v = json_object_get(counts, order[i]);

        attrset(colors_attr(el[i]) | A_BOLD);
        printw("%lld", json_is_integer(v) ? (long long)json_integer_value(v) : 0LL);
        attrset(colors_attr(TH_DIM));
        printw(" %s   ", order[i]);
    }
    attrset(A_NORMAL);
}

void
livepanes_order_detail(json_t *o, const char *pin)
{
    static const char *const rows[][2] = {
        {"status", "status"},         {"channel", "channel"},
        {"product", "product"},       {"customer", "customer"},
        {"extra", "extra"},           {"amount", "amount"},
        {"provider", "provider"},     {"provider ref", "provider_ref"},
        {"voucher id", "voucher_id"}, {"attempts", "attempts"},
        {"checks", "checks"},         {"next check", "next_check_at"},
        {"last error", "last_error"}, {"created", "created_at"},
        {"sent", "sent_at"},          {"completed", "completed_at"},
        {"created by", "created_by"},
    };
    static const enum listpane_format fmts[] = {
        LF_TEXT, LF_TEXT, LF_TEXT, LF_TEXT, LF_TEXT, LF_TEXT, LF_TEXT, LF_TEXT, LF_INT,
        LF_INT,  LF_INT,  LF_IN,   LF_TEXT, LF_AGO,  LF_AGO,  LF_AGO,  LF_TEXT,
    };
    char title[128];

    snprintf(title, sizeof title, "order %lld   PIN %s   (v reveals, Esc closes)",
             (long long)json_integer_value(json_object_get(o, "id")), pin);
    detail_box(title, rows, (int)(sizeof rows / sizeof rows[0]), o, fmts);
}

void
livepanes_init(struct listpane *routers, struct listpane *sessions)
{
    listpane_init(routers, router_cols, (int)(sizeof router_cols / sizeof router_cols[0]), "name",
                  router_colour);
    listpane_init(sessions, session_cols, (int)(sizeof session_cols / sizeof session_cols[0]), "id",
                  session_colour);
}

/* A box of label/value lines over the middle of the screen. */
static void
detail_box(const char *title, const char *const (*rows)[2], int n, json_t *obj,
           const enum listpane_format *fmts)
{
    int w = COLS - 8 < 76 ? COLS - 8 : 76, h = n + 4, y = (LINES - h) / 2, x = (COLS - w) / 2;

    if (y < 1)
        y = 1;
    attrset(colors_attr(TH_DIALOG));
    for (int i = 0; i < h; i++)
        mvprintw(y + i, x, "%*s", w, "");
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    mvaddnstr(y + 1, x + 2, title, w - 4);
    attrset(colors_attr(TH_DIALOG));
    for (int i = 0; i < n; i++) {
        char v[256];

        listpane_format(json_object_get(obj, rows[i][1]), fmts[i], v, sizeof v);
        mvprintw(y + 3 + i, x + 2, "%-16s ", rows[i][0]);
        addnstr(v, w - 21);
    }
    attrset(A_NORMAL);
}

void
livepanes_router_detail(json_t *r)
{
    static const char *const rows[][2] = {
        {"driver", "driver"},
        {"host", "host"},
        {"port", "port"},
        {"user", "user"},
        {"state", "state"},
        {"last seen", "last_seen"},
        {"last error", "last_error"},
        {"identity", "identity"},
        {"version", "version"},
        {"cpu load", "cpu_load"},
        {"memory free", "mem_free"},
        {"uptime", "uptime_s"},
        {"sessions", "active_sessions"},
        {"vouchers synced", "vouchers_synced"},
        {"vouchers failed", "vouchers_failed"},
        {"backup", "backup"},
        {"host key", "hostkey"},
    };
    static const enum listpane_format fmts[] = {
        LF_TEXT,    LF_TEXT,  LF_INT,      LF_TEXT, LF_TEXT, LF_AGO, LF_TEXT, LF_TEXT, LF_TEXT,
        LF_PERCENT, LF_BYTES, LF_DURATION, LF_INT,  LF_INT,  LF_INT, LF_TEXT, LF_TEXT,
    };
    char title[96];

    snprintf(title, sizeof title, "router %s   (Esc closes)",
             json_string_value(json_object_get(r, "name")));
    detail_box(title, rows, (int)(sizeof rows / sizeof rows[0]), r, fmts);
}

void
livepanes_session_detail(json_t *s)
{
    static const char *const rows[][2] = {
        {"user", "user"},
        {"voucher", "voucher"},
        {"plan", "plan"},
        {"router", "router"},
        {"ip", "ip"},
        {"mac", "mac"},
        {"started", "started_at"},
        {"uptime", "uptime_s"},
        {"time left", "time_left_s"},
        {"bytes in", "bytes_in"},
        {"bytes out", "bytes_out"},
        {"rate in", "rate_in"},
        {"rate out", "rate_out"},
    };
    static const enum listpane_format fmts[] = {
        LF_TEXT,     LF_TEXT,     LF_TEXT,  LF_TEXT,  LF_TEXT, LF_TEXT, LF_AGO,
        LF_DURATION, LF_DURATION, LF_BYTES, LF_BYTES, LF_RATE, LF_RATE,
    };
    char title[96];

    snprintf(title, sizeof title, "session %lld   (Esc closes)",
             (long long)json_integer_value(json_object_get(s, "id")));
    detail_box(title, rows, (int)(sizeof rows / sizeof rows[0]), s, fmts);
}

static const char *
bps(long long v, char *b, size_t n)
{
    units_format_bps(v, b, n);
    return b;
}

static long long
jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);

    return json_is_integer(v)  ? (long long)json_integer_value(v)
           : json_is_string(v) ? atoll(json_string_value(v))
                               : 0;
}

/* The axis labels: a count, a rate. */
static void
fmt_count(double v, char *b, size_t n)
{
    snprintf(b, n, "%.0f", v);
}

static void
fmt_bps(double v, char *b, size_t n)
{
    units_format_bps((long long)v, b, n);
}

/* A JSON array of numbers (null for no sample) as doubles (NAN). */
static size_t
values(json_t *a, double *v, size_t max)
{
    size_t i, n = 0;
    json_t *x;

    json_array_foreach(a, i, x) if (n < max) v[n++] =
        json_is_number(x) ? json_number_value(x) : NAN;
    return n;
}

/* The last hour: online sessions, traffic in, traffic out, side by side.
 * Each graph gets as many minutes as its width shows, stretched to fill
 * it, and its time axis says how many. */
static void
hour_graphs(json_t *last, int y, int h)
{
    static const char *const keys[] = {"sessions", "rx_bps", "tx_bps"};
    static const char *const titles[] = {"ONLINE", "IN (from clients)", "OUT (to clients)"};
    int w = (COLS - 4) / 3;

    for (int k = 0; k < 3; k++) {
        void (*fmt)(double, char *, size_t) = k ? fmt_bps : fmt_count;
        double v[64], fit[512];
        size_t n = values(json_object_get(last, keys[k]), v, 64), cols, shown;
        int cells = graph_cells(h, w, v, n, fmt);
        char title[64], left[16], mid[16];

        if (cells == 0 || n == 0)
            continue;
        cols = 2 * (size_t)cells < sizeof fit / sizeof fit[0] ? 2 * (size_t)cells
                                                              : sizeof fit / sizeof fit[0];
        shown = n < cols ? n : cols;
        for (size_t j = 0; j < cols; j++) /* the newest `shown`, spread over the width */
            fit[j] = v[n - shown + j * shown / cols];
        if (shown == 60)
            snprintf(title, sizeof title, "%s  last hour", titles[k]);
        else
            snprintf(title, sizeof title, "%s  last %zu min", titles[k], shown);
        snprintf(left, sizeof left, "-%zum", shown);
        snprintf(mid, sizeof mid, "-%zum", shown / 2);
        graph_draw(y, 2 + k * (w + 1), h, w, fit, cols, title, fmt, left, mid,
                   colors_attr(TH_TABLE_HEADER), colors_attr(k ? TH_WARN : TH_OK));
    }
}

/* Today's sales and revenue by hour: two columns an hour on a wide
 * terminal, one on a narrow one, the revenue only where it fits. */
static void
hour_bars(json_t *hours, const char *currency, int y, int h)
{
    static const char *const keys[] = {"sold", "revenue"};
    int per = COLS >= 110 ? 2 : 1, width = 24 * per, gap = 4;
    char title[64];

    for (int k = 0; k < 2; k++) {
        const char *labels[48] = {0};
        double v[24], wide[48];
        size_t n = values(json_object_get(hours, keys[k]), v, 24);
        int x = 2 + k * (width + gap);

        if (x + width + 2 > COLS)
            break;
        for (int i = 0; i < 24; i += 6)
            labels[i * per] = (const char *[]){"0", "6", "12", "18"}[i / 6];
        for (int i = 0; i < width; i++)
            wide[i] = (size_t)(i / per) < n ? v[i / per] : NAN;
        if (k == 0)
            snprintf(title, sizeof title, "SOLD TODAY by hour");
        else
            snprintf(title, sizeof title, "REVENUE (%s) by hour", currency);
        graph_draw_bars(y, x, h, wide, (size_t)width, title, labels, colors_attr(TH_TABLE_HEADER),
                        colors_attr(TH_OK));
    }
}

void
livepanes_metrics(json_t *m, json_t *routers, const char *currency, int y, int h)
{
    char a[32], b[32];
    int line = y + 1, x, gh, bh;
    size_t i;
    json_t *r;

    /* the rows the graphs get: what the tables and the grid leave */
    gh = h >= 40 ? 9 : h >= 32 ? 7 : h >= 26 ? 5 : 0;
    bh = h >= 36 ? 6 : h >= 30 ? 4 : 0;
    attrset(colors_attr(TH_TABLE_HEADER));
    mvprintw(line, 2, "NOW");
    attrset(colors_attr(TH_DIM));
    printw("   from %s", str_eq(json_string_value(json_object_get(m, "source")), "redis")
                             ? "the live metrics (Redis)"
                             : "PostgreSQL");
    attrset(A_NORMAL);
    mvprintw(line + 1, 2, "online ");
    attrset(colors_attr(TH_OK) | A_BOLD);
    printw("%lld", jnum(m, "active_sessions"));
    attrset(A_NORMAL);
    printw(" sessions    in %s    out %s", bps(jnum(m, "rx_bps"), a, sizeof a),
           bps(jnum(m, "tx_bps"), b, sizeof b));
    mvprintw(line + 2, 2, "sold today ");
    attrset(colors_attr(TH_OK) | A_BOLD);
    printw("%lld", jnum(m, "sold_today"));
    attrset(A_NORMAL);
    printw(" vouchers, %s %s    first logins %lld", currency,
           json_string_value(json_object_get(m, "revenue_today")) ?: "0",
           jnum(m, "activated_today"));
    line += 4;
    if (gh) {
        hour_graphs(json_object_get(m, "last_hour"), line, gh);
        line += gh + 1;
    }
    if (bh) {
        hour_bars(json_object_get(m, "today_hours"), currency, line, bh);
        line += bh + 1;
    }
    attrset(colors_attr(TH_TABLE_HEADER));
    mvprintw(line++, 2, "ORDER PIPELINE (today and in flight)");
    attrset(A_NORMAL);
    livepanes_order_counts(json_object_get(m, "orders"), line++, COLS);
    line++;
    attrset(colors_attr(TH_TABLE_HEADER));
    mvprintw(line++, 2, "ROUTERS");
    attrset(A_NORMAL);
    move(line, 2);
    json_array_foreach(routers, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "state"));
        json_t *load = json_object_get(r, "cpu_load");
        /* a router that is up but loaded past 80% is a warning too */
        enum theme_element el = str_eq(st, "up") && json_integer_value(load) >= 80 ? TH_WARN
                                : str_eq(st, "up")                                 ? TH_OK
                                : str_eq(st, "maintenance")                        ? TH_WARN
                                : str_eq(st, "unknown")                            ? TH_DIM
                                                                                   : TH_BAD;
        char rs[160];

        if (getcurx(stdscr) > COLS - 30) {
            line++;
            move(line, 2);
        }
        attrset(colors_attr(el) | A_BOLD);
        addstr("\u25a0 ");
        attrset(A_NORMAL);
        snprintf(rs, sizeof rs, "%s %s", json_string_value(json_object_get(r, "name")), st);
        addnstr(rs, (int)str_fit(rs, COLS - 12 - getcurx(stdscr), NULL));
        if (json_is_integer(json_object_get(r, "cpu_load")))
            printw(" %lld%%", (long long)json_integer_value(json_object_get(r, "cpu_load")));
        addstr("    ");
    }
    if (json_array_size(routers) == 0)
        addstr("-");
    line += 2;
    x = COLS / 2;
    attrset(colors_attr(TH_TABLE_HEADER));
    mvprintw(line, 2, "TOP PLANS TODAY");
    mvprintw(line, x, "TOP CLIENTS (last 10 min)");
    attrset(A_NORMAL);
    json_array_foreach(json_object_get(m, "top_plans"), i, r) if (line + 1 + (int)i < y + h - 2)
        mvprintw(line + 1 + (int)i, 2, "%-12s %5lld  %s",
                 json_string_value(json_object_get(r, "plan")), jnum(r, "sold"),
                 json_string_value(json_object_get(r, "revenue")) ?: "");
    json_array_foreach(json_object_get(m, "top_clients"), i, r) if (line + 1 + (int)i < y + h - 2)
    {
        char top[160];

        listpane_format(json_object_get(r, "bytes"), LF_BYTES, a, sizeof a);
        snprintf(top, sizeof top, "%-14s %-10s %s", json_string_value(json_object_get(r, "user")),
                 json_string_value(json_object_get(r, "router")), a);
        mvaddnstr(line + 1 + (int)i, x, top, (int)str_fit(top, COLS - x - 1, NULL));
    }
    attrset(colors_attr(TH_DIM));
    mvaddnstr(y + h - 1, 2, "R: sales reports (today, this week, this month)", COLS - 4);
    attrset(A_NORMAL);
}
