/*
 * pane_metrics.c - the Metrics pane: the shop now (online sessions and
 * throughput, sold today), braille graphs of the last hour, today's sales by
 * hour, the order pipeline, every router as a coloured square, top plans and
 * clients; R shows the sales reports in the output popup. The figures are
 * metrics_now()'s, fetched by the data thread while the pane is on screen.
 *
 * Rows are shared out from the top: the figures, then the graphs (at least
 * one row of them from 80x24 on), the bars where room is left, then the
 * pipeline, routers and top lists, cut to what fits; nothing below the box.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/draw.h"
#include "wisp/graph.h"
#include "wisp/i18n.h"
#include "wisp/metrics.h"
#include "wisp/pane.h"
#include "wisp/units.h"
#include "wisp/util.h"

static const char *
bps(long long v, char *b, size_t n)
{
    units_format_bps(v, b, n);
    return b;
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
    static const char *const titles[] = {N_("ONLINE"), N_("IN (from clients)"),
                                         N_("OUT (to clients)")};
    static const char *const shorts[] = {N_("ONLINE"), N_("IN"), N_("OUT")};
    int w = (COLS - 4) / 3;

    for (int k = 0; k < 3; k++) {
        void (*fmt)(double, char *, size_t) = k ? fmt_bps : fmt_count;
        double v[64], fit[512];
        size_t n = values(json_object_get(last, keys[k]), v, 64), cols, shown;
        int cells = graph_cells(h, w, v, n, fmt);
        char title[192], left[16], mid[16];

        if (cells == 0 || n == 0)
            continue;
        cols = 2 * (size_t)cells < sizeof fit / sizeof fit[0] ? 2 * (size_t)cells
                                                              : sizeof fit / sizeof fit[0];
        shown = n < cols ? n : cols;
        for (size_t j = 0; j < cols; j++) /* the newest `shown`, spread over the width */
            fit[j] = v[n - shown + j * shown / cols];
        if (shown == 60)
            snprintf(title, sizeof title, _("%s  last hour"), _(titles[k]));
        else
            snprintf(title, sizeof title, _("%s  last %zu min"), _(titles[k]), shown);
        if (str_width(title) > w) /* a narrow graph: its short title */
            snprintf(title, sizeof title, _("%s  last %zu min"), _(shorts[k]), shown);
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
    char title[192];

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
            snprintf(title, sizeof title, "%s", _("SOLD TODAY by hour"));
        else
            snprintf(title, sizeof title, _("REVENUE (%s) by hour"), currency);
        graph_draw_bars(y, x, h, wide, (size_t)width, title, labels, colors_attr(TH_TABLE_HEADER),
                        colors_attr(TH_OK));
    }
}

/* "label value" pieces on one line, each cut to what is left of the width:
 * bold pieces in the ok colour. */
static void
figures(int y, const char *const *parts, int n)
{
    move(y, 2);
    for (int i = 0; i < n; i++) {
        attrset(i % 2 ? colors_attr(TH_OK) | A_BOLD : A_NORMAL);
        draw_fit(parts[i], COLS - 1 - getcurx(stdscr));
    }
    attrset(A_NORMAL);
}

static void
heading(int y, int x, const char *text)
{
    attrset(colors_attr(TH_TABLE_HEADER));
    draw_at(y, x, text, COLS - x - 1);
    attrset(A_NORMAL);
}

/* Every router as a square in its state's colour, in at most `lines` rows. */
static void
router_squares(json_t *routers, int y, int lines)
{
    int line = y;
    size_t i;
    json_t *r;

    move(line, 2);
    json_array_foreach(routers, i, r)
    {
        const char *st = json_string_value(json_object_get(r, "state"));
        json_t *load = json_object_get(r, "cpu_load");
        /* a router that is up but loaded past 80% is a warning too */
        enum theme_element el = str_eq(st, "up") && json_integer_value(load) >= 80
                                    ? TH_WARN
                                    : listpane_state(router_states, st);
        char rs[192];

        if (getcurx(stdscr) > COLS - 30) {
            if (++line >= y + lines)
                break;
            move(line, 2);
        }
        attrset(colors_attr(el) | A_BOLD);
        addstr("\u25a0 ");
        attrset(A_NORMAL);
        snprintf(rs, sizeof rs, "%s %s", json_string_value(json_object_get(r, "name")), st);
        if (json_is_integer(load))
            snprintf(rs + strlen(rs), sizeof rs - strlen(rs), " %lld%%",
                     (long long)json_integer_value(load));
        draw_fit(rs, COLS - 8 - getcurx(stdscr));
        draw_fit("    ", COLS - 1 - getcurx(stdscr));
    }
    if (json_array_size(routers) == 0)
        addstr("-");
}

/* Top plans at the left, top clients at the right, `rows` rows of each. */
static void
top_lists(json_t *m, int y, int rows)
{
    int x = COLS / 2;
    size_t i;
    json_t *r;
    char line[192], a[32];

    heading(y, 2, _("TOP PLANS TODAY"));
    heading(y, x, _("TOP CLIENTS (last 10 min)"));
    json_array_foreach(json_object_get(m, "top_plans"), i, r)
    {
        if ((int)i >= rows)
            break;
        snprintf(line, sizeof line, "%-12s %5lld  %s",
                 json_string_value(json_object_get(r, "plan")), metrics_num(r, "sold"),
                 json_string_value(json_object_get(r, "revenue")) ?: "");
        draw_at(y + 1 + (int)i, 2, line, x - 3);
    }
    json_array_foreach(json_object_get(m, "top_clients"), i, r)
    {
        if ((int)i >= rows)
            break;
        listpane_format(json_object_get(r, "bytes"), LF_BYTES, a, sizeof a);
        snprintf(line, sizeof line, "%-14s %-10s %s", json_string_value(json_object_get(r, "user")),
                 json_string_value(json_object_get(r, "router")), a);
        draw_at(y + 1 + (int)i, x, line, COLS - x - 1);
    }
}

/* NOW: online sessions and throughput, sold today, on rows y .. y+2. */
static void
draw_now(json_t *m, const char *currency, int y)
{
    char a[32], b[32], online[32], sold[32], rest[192], money[192];

    heading(y, 2, _("NOW"));
    attrset(colors_attr(TH_DIM));
    move(y, 2 + str_width(_("NOW")));
    draw_fit(str_eq(json_string_value(json_object_get(m, "source")), "redis")
                 ? _("   from the live metrics (Redis)")
                 : _("   from PostgreSQL"),
             COLS - 6);
    snprintf(online, sizeof online, "%lld", metrics_num(m, "active_sessions"));
    snprintf(rest, sizeof rest,
             ngettext(" session    in %s    out %s", " sessions    in %s    out %s",
                      (unsigned long)metrics_num(m, "active_sessions")),
             bps(metrics_num(m, "rx_bps"), a, sizeof a),
             bps(metrics_num(m, "tx_bps"), b, sizeof b));
    figures(y + 1, (const char *const[]){_("online "), online, rest}, 3);
    snprintf(sold, sizeof sold, "%lld", metrics_num(m, "sold_today"));
    snprintf(money, sizeof money,
             ngettext(" voucher, %s %s    first logins %lld",
                      " vouchers, %s %s    first logins %lld",
                      (unsigned long)metrics_num(m, "sold_today")),
             currency, json_string_value(json_object_get(m, "revenue_today")) ?: "0",
             metrics_num(m, "activated_today"));
    figures(y + 2, (const char *const[]){_("sold today "), sold, money}, 3);
}

static void
draw(struct pane *p, int y, int h, enum reaction r)
{
    json_t *m = p->con->snap.metrics;
    const char *currency = p->con->cfg->currency;
    int line = y, avail, gh, bh, rl;

    (void)r;
    if (!m) {
        pane_state(p, NULL, y, h);
        return;
    }
    /* the rows left for graphs once the figures (4), the pipeline (3), the
     * routers (3), the top lists (3) and the hint (1) have theirs */
    avail = h - 14;
    gh = avail >= 5 ? (avail - 1 < 9 ? avail - 1 : 9) : 0;
    bh = avail - gh - 2 >= 4 ? (avail - gh - 2 < 6 ? avail - gh - 2 : 6) : 0;
    /* the routers' rows: as many as their squares take (about 30 columns
     * each), within half of what is left; the top lists get the rest */
    rl = (int)(json_array_size(p->con->snap.routers) / (size_t)(COLS > 32 ? (COLS - 2) / 30 : 1)) +
         1;
    if (rl > 1 + (avail - gh - bh - 2) / 2)
        rl = 1 + (avail - gh - bh - 2 > 0 ? (avail - gh - bh - 2) / 2 : 0);
    draw_now(m, currency, line);
    line += 4;
    if (gh) {
        hour_graphs(json_object_get(m, "last_hour"), line, gh);
        line += gh + 1;
    }
    if (bh) {
        hour_bars(json_object_get(m, "today_hours"), currency, line, bh);
        line += bh + 1;
    }
    heading(line++, 2, _("ORDER PIPELINE (today and in flight)"));
    orders_counts(json_object_get(m, "orders"), line++, COLS);
    line++;
    heading(line++, 2, _("ROUTERS"));
    router_squares(p->con->snap.routers, line, rl);
    line += rl + 1;
    top_lists(m, line, y + h - 2 - line);
    attrset(colors_attr(TH_DIM));
    draw_at(y + h - 1, 2, _("R: sales reports (today, this week, this month)"), COLS - 4);
    attrset(A_NORMAL);
}

/* R: the sales reports in the output popup. */
static enum reaction
act_reports(struct pane *p, int key)
{
    struct words w = {0};

    (void)key;
    words_add(&w, "report");
    words_add(&w, "summary");
    return console_call(p->con, &w);
}

static const struct binding keys[] = {
    {'R', "R", N_("sales reports: today, this week, this month, by plan and by operator"),
     N_("reports"), act_reports, ANYONE, false},
};

static struct pane *
create(struct console *con)
{
    return pane_alloc(sizeof(struct pane), &metrics_pane, con);
}

const struct pane_class metrics_pane = {
    .name = N_("Metrics"),
    .purpose = N_("Live dashboards: sessions, throughput, sales, order pipeline, router health."),
    .fill = N_("The figures appear once the database answers. R shows the sales reports (today, "
               "this week, this month, by plan and by operator)."),
    .want = FEED_METRICS,
    PANE_KEYS(keys),
    .create = create,
    .draw = draw,
};
