/*
 * console.c - the full-screen console: one loop, one struct app.
 *
 * The loop poll()s the keyboard, a self-pipe that signals write to, and the
 * data thread's wake pipe (src/feed.c), with a timeout that ticks the clock
 * once a second. Keys map to actions in one table (bindings[]); an action
 * changes state and the loop redraws. Nothing here waits on the network:
 * every row on screen comes from the data thread's latest snapshot.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "wisp/cli.h"
#include "wisp/colors.h"
#include "wisp/console.h"
#include "wisp/db.h"
#include "wisp/dialog.h"
#include "wisp/events.h"
#include "wisp/feed.h"
#include "wisp/listpane.h"
#include "wisp/livepanes.h"
#include "wisp/worker.h"
#include "wisp/login.h"
#include "wisp/prompt.h"
#include "wisp/qr.h"
#include "wisp/runner.h"
#include "wisp/table.h"
#include "wisp/theme.h"
#include "wisp/util.h"

#define MIN_COLS  80
#define MIN_ROWS  24
#define WIDE_COLS 140 /* details area to the right from here on */

enum pane_id { P_ROUTERS, P_SESSIONS, P_VOUCHERS, P_ORDERS, P_METRICS, P_COUNT };

struct pane {
    const char *name;
    const char *purpose; /* what the pane is for */
    const char *fill;    /* how it gets data, honestly, while it has none */
};

static const struct pane panes[P_COUNT] = {
    {"Routers",
     "The routers that sell the internet: MikroTik RouterOS and OpenWrt/openNDS, "
     "their state, load and sessions.",
     "No routers yet: an admin presses a here, or runs `wisp router add NAME --host H --user U "
     "--driver routeros|opennds --key PATH --accept-new-hostkey`."},
    {"Sessions",
     "Live hotspot sessions on every router: who is online, on which voucher, "
     "how long and how much.",
     "No one is online. A login on a router shows here within one worker cycle (`wisp worker`, "
     "or the console's own worker when none runs)."},
    {"Vouchers", "Voucher batches and their vouchers.",
     "`wisp voucher create --plan NAME "
     "--count N` makes a batch."},
    {"Orders", "Customer orders, from intake until the customer holds a PIN.",
     "No orders yet: `wisp order add --product PLAN --customer PHONE` takes one, and a web "
     "shop calls wisp_order_add (docs/orders.md)."},
    {"Metrics", "Live dashboards: sessions, throughput, sales, order pipeline, router health.",
     "The figures appear once the database answers. R shows the sales reports (today, this "
     "week, this month, by plan and by operator)."},
};

/* Columns of the batch table and of the voucher table. */
static const struct table_column batch_cols[] = {
    {"ID", 5, true},   {"PLAN", 10, false},   {"COUNT", 6, true},   {"NEW", 6, true},
    {"SOLD", 6, true}, {"ACTIVE", 6, true},   {"EXPIRED", 7, true}, {"CREATED", 16, false},
    {"BY", 10, false}, {"PRINTED", 0, false},
};
static const char *const batch_keys[] = {"id",         "plan",      "count",   "new",
                                         "sold",       "active",    "expired", "created_at",
                                         "created_by", "printed_at"};
#define NBATCH_COLS 10
static const struct table_column voucher_cols[] = {
    {"#", 6, true},      {"CODE", 12, false},      {"STATUS", 8, false},  {"PRICE", 8, true},
    {"SOLD", 16, false}, {"FIRST USE", 16, false}, {"EXPIRES", 0, false},
};

struct app {
    struct config *cfg;
    struct theme theme;
    bool no_color;
    struct feed *feed;
    struct runner *runner;
    struct events *events;
    int redis_state; /* 0 not configured, 1 down, 2 subscribed (set by the events thread) */
    struct feed_snapshot snap;
    bool prompting;
    struct dialog dlg;
    enum {
        DLG_NONE,
        DLG_NEW,
        DLG_PRINT,
        DLG_RUN,
        DLG_ROUTER_ADD,
        DLG_ROUTER_EDIT,
        DLG_RECEIPT
    } dlg_kind;
    char dlg_cmd[256];  /* what a confirmation runs */
    int64_t want_batch; /* select this batch when it shows up (a new batch) */
    char *output;       /* the last command's output, shown in a popup while set */
    int output_top;     /* its first line on screen */
    char host[64];
    int wake[2], sig[2];
    enum pane_id pane;
    bool quit, help, detail, filtering;
    bool hangup; /* the terminal went away (SIGHUP, or hung up under poll) */
    int focus;   /* vouchers pane: 0 batches, 1 vouchers */
    char filter[64];
    int sort_col;
    bool sort_rev;
    int *order; /* batch rows after filter and sort: indexes into snap.batches */
    int norder;
    struct table batches, vouchers;
    struct listpane routers, sessions, orders;
    int order_status;    /* Orders pane: 0 every order, else the status shown (order_statuses) */
    json_t *orders_view; /* the orders of that status, what the pane shows */
    int64_t revealed_id[32]; /* orders whose PIN was revealed (audited), and the PINs */
    char revealed_pin[32][128];
    int nrevealed;
    pthread_t worker_thread; /* the console's own worker, when it runs one */
    bool worker_running;
    int batches_y, vouchers_y, vouchers_h; /* where they were drawn, for the mouse */
    char message[512];
    time_t message_at;
};

static struct listpane *live_list(struct app *app);

/* ---- terminal and signals ------------------------------------------------ */

static int sig_fd = -1;              /* the write end of the self-pipe */
static struct termios saved_termios; /* restored by the crash handler */
static bool have_termios;

static void
on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;
    ssize_t n = write(sig_fd, &b, 1);

    (void)n;
    errno = saved;
}

/* A crash: put the terminal back (async-signal-safe calls only), then die
 * of the same signal. */
static void
on_crash(int sig)
{
    static const char reset[] = "\033[0m\033[?1000l\033[?25h\033[?1049l\r\n";
    ssize_t n = write(STDOUT_FILENO, reset, sizeof reset - 1);

    (void)n;
    if (have_termios)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The signals the loop takes as events through the self-pipe. */
static const int ordinary_signals[] = {SIGWINCH, SIGTERM, SIGINT, SIGHUP};

static int
install_signals(struct app *app, struct werr *e)
{
    static const int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;

    if (pipe(app->sig) < 0 || pipe(app->wake) < 0)
        return werr_set(e, WISP_ERUNTIME, "pipe: %s", strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(app->sig[i], F_SETFL, O_NONBLOCK);
        fcntl(app->wake[i], F_SETFL, O_NONBLOCK);
        fcntl(app->sig[i], F_SETFD, FD_CLOEXEC);
        fcntl(app->wake[i], F_SETFD, FD_CLOEXEC);
    }
    sig_fd = app->sig[1];
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof ordinary_signals / sizeof ordinary_signals[0]; i++)
        sigaction(ordinary_signals[i], &sa, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
        sigaction(crash[i], &sa, NULL);
    return 0;
}

/* Leaving, the terminal restored: the loop that read the self-pipe is gone,
 * so a hang-up, TERM or INT now has nothing to ask of us. Ignored, they no
 * longer write into the pipe's descriptor once it is closed (and perhaps
 * reused), nor land in the middle of the exit (a LeakSanitizer build's
 * exit-time leak check was seen spinning for good when tmux's SIGHUP came in
 * just as `q` was leaving). */
static void
ignore_signals(void)
{
    for (size_t i = 0; i < sizeof ordinary_signals / sizeof ordinary_signals[0]; i++)
        signal(ordinary_signals[i], SIG_IGN);
    sig_fd = -1;
}

static void
say(struct app *app, const char *msg)
{
    snprintf(app->message, sizeof app->message, "%s", msg);
    app->message_at = time(NULL);
}

/* ---- batches: filter and sort over the snapshot ------------------------- */

static const char *
jtext(json_t *row, const char *key, char *buf, size_t n)
{
    json_t *v = json_object_get(row, key);

    if (json_is_string(v)) {
        const char *s = json_string_value(v);

        /* times to the minute, as in the command-line tables */
        if (strlen(s) >= 16 && s[10] == 'T')
            snprintf(buf, n, "%.10s %.5s", s, s + 11);
        else
            snprintf(buf, n, "%s", s);
    } else if (json_is_integer(v)) {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
    } else {
        snprintf(buf, n, "-");
    }
    return buf;
}

static json_t *sort_rows;
static int sort_key;
static bool sort_desc;

static int
compare_batches(const void *a, const void *b)
{
    json_t *x =
        json_object_get(json_array_get(sort_rows, (size_t) * (const int *)a), batch_keys[sort_key]);
    json_t *y =
        json_object_get(json_array_get(sort_rows, (size_t) * (const int *)b), batch_keys[sort_key]);
    int r;

    if (json_is_integer(x) && json_is_integer(y))
        r = (json_integer_value(x) > json_integer_value(y)) -
            (json_integer_value(x) < json_integer_value(y));
    else
        r = strcmp(json_is_string(x) ? json_string_value(x) : "",
                   json_is_string(y) ? json_string_value(y) : "");
    return sort_desc ? -r : r;
}

/* Rebuild the visible batch order after new data, a filter or a sort. */
static void
rebuild_order(struct app *app)
{
    size_t n = json_array_size(app->snap.batches);
    int keep =
        app->batches.sel >= 0 && app->batches.sel < app->norder ? app->order[app->batches.sel] : -1;
    json_int_t keep_id = keep >= 0 ? json_integer_value(json_object_get(
                                         json_array_get(app->snap.batches, (size_t)keep), "id"))
                                   : -1;

    free(app->order);
    app->order = xcalloc(n ? n : 1, sizeof *app->order);
    app->norder = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *row = json_array_get(app->snap.batches, i);
        bool match = app->filter[0] == '\0';
        char buf[128];

        for (int c = 0; c < NBATCH_COLS && !match; c++)
            match = strstr(jtext(row, batch_keys[c], buf, sizeof buf), app->filter) != NULL;
        if (match)
            app->order[app->norder++] = (int)i;
    }
    sort_rows = app->snap.batches, sort_key = app->sort_col, sort_desc = app->sort_rev;
    qsort(app->order, (size_t)app->norder, sizeof *app->order, compare_batches);
    app->batches.nrows = app->norder;
    if (app->want_batch > 0)
        keep_id = app->want_batch;
    for (int i = 0; keep_id >= 0 && i < app->norder; i++)
        if (json_integer_value(json_object_get(
                json_array_get(app->snap.batches, (size_t)app->order[i]), "id")) == keep_id)
            app->batches.sel = i;
}

static json_t *
selected_batch(struct app *app)
{
    if (app->batches.sel < 0 || app->batches.sel >= app->norder)
        return NULL;
    return json_array_get(app->snap.batches, (size_t)app->order[app->batches.sel]);
}

static enum theme_element
batch_cell(void *ctx, int row, int col, char *buf, size_t n)
{
    struct app *app = ctx;
    json_t *b = json_array_get(app->snap.batches, (size_t)app->order[row]);

    jtext(b, batch_keys[col], buf, n);
    if (col == 1) { /* a plan low on stock stands out */
        size_t i;
        json_t *p;

        json_array_foreach(
            app->snap.low_stock, i,
            p) if (str_eq(json_string_value(json_object_get(p, "plan")), buf)) return TH_WARN;
    }
    if (col == 9 && strcmp(buf, "-") == 0)
        snprintf(buf, n, "not printed");
    return col == 9 && strcmp(buf, "not printed") == 0 ? TH_DIM : TH_NORMAL;
}

/* The voucher at table row `row` if the snapshot's window holds it. */
static json_t *
voucher_at(struct app *app, int row)
{
    json_t *sel = selected_batch(app);
    int64_t serial = row + 1, first = app->snap.vouchers_first;

    if (sel == NULL || app->snap.vouchers == NULL ||
        app->snap.vouchers_batch != json_integer_value(json_object_get(sel, "id")))
        return NULL;
    if (serial < first || serial >= first + (int64_t)json_array_size(app->snap.vouchers))
        return NULL;
    return json_array_get(app->snap.vouchers, (size_t)(serial - first));
}

static enum theme_element
voucher_cell(void *ctx, int row, int col, char *buf, size_t n)
{
    static const char *const keys[] = {"serial",  "code",          "status",    "price",
                                       "sold_at", "first_used_at", "expires_at"};
    json_t *v = voucher_at(ctx, row);
    const char *status;

    if (v == NULL) {
        snprintf(buf, n, col == 0 ? "%d" : col == 1 ? "\u2026" : "", row + 1);
        return TH_DIM;
    }
    jtext(v, keys[col], buf, n);
    if (col != 2)
        return TH_NORMAL;
    status = json_string_value(json_object_get(v, "status"));
    return str_eq(status, "active")     ? TH_OK
           : str_eq(status, "sold")     ? TH_WARN
           : str_eq(status, "disabled") ? TH_BAD
           : str_eq(status, "expired")  ? TH_DIM
                                        : TH_NORMAL;
}

/* Tell the data thread which vouchers are on screen (two screens' worth). */
static void
request_view(struct app *app)
{
    struct feed_view v = {0};
    json_t *sel = selected_batch(app);

    if (sel) {
        int h = app->vouchers_h > 2 ? app->vouchers_h : 20;

        v.batch = json_integer_value(json_object_get(sel, "id"));
        app->vouchers.nrows = (int)json_integer_value(json_object_get(sel, "count"));
        v.first = app->vouchers.top + 1 - h / 2 > 1 ? app->vouchers.top + 1 - h / 2 : 1;
        v.first -= (v.first - 1) % 16; /* move the window in steps, not every line */
        v.count = 2 * h + 32;
    } else {
        app->vouchers.nrows = 0;
    }
    v.want = app->pane == P_SESSIONS  ? FEED_SESSIONS
             : app->pane == P_ORDERS  ? FEED_ORDERS
             : app->pane == P_METRICS ? FEED_METRICS
                                      : 0;
    feed_set_view(app->feed, &v);
}

/* ---- drawing ------------------------------------------------------------- */

static void
fill_line(int y, attr_t a)
{
    attrset(a);
    move(y, 0);
    printw("%*s", COLS, "");
}

/* Text at the cursor, at most `cols` columns of it, never splitting a
 * character, an ellipsis where it was cut: what keeps a line inside its
 * pane, since curses wraps whatever passes the screen's right edge onto the
 * next row. Returns columns used. */
static int
put_fit(const char *s, int cols)
{
    int w = 0;

    if (cols <= 0)
        return 0;
    if (str_width(s) <= cols) {
        addstr(s);
        return str_width(s);
    }
    addnstr(s, (int)str_fit(s, cols - 1, &w));
    addstr("\u2026");
    return w + 1;
}

static void
draw_header(struct app *app)
{
    char clock[16], left[256], who[64];
    time_t now = time(NULL);
    struct tm tm;
    int redis = __atomic_load_n(&app->redis_state, __ATOMIC_RELAXED);
    const char *redis_text = redis == 2   ? "\u25cf redis live"
                             : redis == 1 ? "\u25cf redis down, polling 2s"
                                          : "\u25cb redis off, polling 2s";
    const char *worker_text = "\u25cb no worker";
    int x;

    localtime_r(&now, &tm);
    strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    if (app->snap.workers > 0) {
        snprintf(who, sizeof who, "\u25cf worker%s",
                 app->worker_running && app->snap.workers == 1 ? " (console)" : "");
        worker_text = who;
    }
    /* the status at the right, as wide as it is; the shop and who at the
     * left, cut to what is left */
    x = COLS - 1 -
        (str_width(clock) + 2 + str_width("\u25cf db") + 2 + str_width(redis_text) + 2 +
         str_width(worker_text));
    fill_line(0, colors_attr(TH_HEADER));
    snprintf(left, sizeof left, "%s  %s@%s  %s", app->cfg->shop_name,
             app->snap.role[0] ? app->snap.role : "?", app->host,
             app->snap.group[0] ? app->snap.group : "");
    move(0, 1);
    put_fit(left, x - 3);
    if (x < 1)
        x = 1;
    move(0, x);
    attrset(colors_attr(TH_HEADER));
    printw("%s  ", clock);
    attrset(colors_attr(app->snap.db_up ? TH_OK : TH_BAD) | A_BOLD);
    printw("\u25cf db");
    attrset(colors_attr(TH_HEADER));
    printw("  ");
    attrset(redis == 2   ? colors_attr(TH_OK) | A_BOLD
            : redis == 1 ? colors_attr(TH_BAD) | A_BOLD
                         : colors_attr(TH_DIM));
    put_fit(redis_text, COLS - getcurx(stdscr) - 1);
    attrset(colors_attr(TH_HEADER));
    put_fit("  ", COLS - getcurx(stdscr) - 1);
    attrset(app->snap.workers > 0 ? colors_attr(TH_OK) | A_BOLD : colors_attr(TH_DIM));
    put_fit(worker_text, COLS - getcurx(stdscr) - 1);
    attrset(A_NORMAL);
}

/* The tab bar; remembers where each tab is for mouse clicks. */
static int tab_x[P_COUNT + 1];

static void
draw_tabs(struct app *app)
{
    fill_line(1, colors_attr(TH_TAB));
    move(1, 1);
    for (int i = 0; i < P_COUNT; i++) {
        tab_x[i] = getcurx(stdscr);
        attrset(colors_attr(i == (int)app->pane ? TH_TAB_ACTIVE : TH_TAB));
        printw(" %d %s ", i + 1, panes[i].name);
        attrset(colors_attr(TH_TAB));
        addstr(" ");
    }
    tab_x[P_COUNT] = getcurx(stdscr);
    attrset(A_NORMAL);
}

/* What is on screen in `box`, word-wrapped. Returns lines used. */
static int
draw_wrapped(int y, int x, int w, const char *text, attr_t a)
{
    int line = 0;
    const char *p = text;

    attrset(a);
    while (*p) {
        int len = (int)strlen(p), cut = len;

        if (len > w) {
            cut = w;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = w;
        }
        mvprintw(y + line++, x, "%.*s", cut, p);
        p += cut;
        while (*p == ' ')
            p++;
    }
    attrset(A_NORMAL);
    return line;
}

static void
draw_empty(const struct pane *p, int y, int h)
{
    int w = COLS - 8 < 90 ? COLS - 8 : 90, x = (COLS - w) / 2, line = y + h / 3;

    attrset(colors_attr(TH_TABLE_HEADER));
    mvprintw(line++, x, "%s", p->name);
    line++;
    line += draw_wrapped(line, x, w, p->purpose, colors_attr(TH_NORMAL));
    line++;
    draw_wrapped(line, x, w, p->fill, colors_attr(TH_DIM));
}

static void
draw_vouchers_pane(struct app *app, int y, int h)
{
    bool wide = COLS >= WIDE_COLS;
    int bw = wide ? COLS * 55 / 100 : COLS, bh = wide ? h : h / 2;
    int vx = wide ? bw + 1 : 0, vy = wide ? y : y + bh + 1, vw = wide ? COLS - bw - 1 : COLS;
    int vh = wide ? h : h - bh - 1;
    json_t *sel;

    if (app->snap.batches == NULL) {
        draw_wrapped(y + 2, 2, COLS - 4,
                     app->snap.db_up ? "loading ..." : "no data yet: the database is unreachable",
                     colors_attr(TH_DIM));
        return;
    }
    if (app->norder == 0 && app->filter[0] == '\0') {
        draw_empty(&panes[P_VOUCHERS], y, h);
        return;
    }
    app->batches_y = y;
    table_draw(&app->batches, y, 0, bh, bw, app->focus == 0);
    sel = selected_batch(app);
    attrset(colors_attr(TH_DIM));
    if (wide) {
        for (int i = 0; i < h; i++)
            mvaddstr(y + i, bw, "\u2502");
    } else {
        move(vy - 1, 0);
        for (int i = 0; i < COLS; i++)
            addstr("\u2500");
    }
    if (sel) {
        char title[96];

        snprintf(title, sizeof title, " batch %lld: %s, %lld vouchers ",
                 (long long)json_integer_value(json_object_get(sel, "id")),
                 json_string_value(json_object_get(sel, "plan")),
                 (long long)json_integer_value(json_object_get(sel, "count")));
        move(wide ? y + h - 1 : vy - 1, wide ? vx : 2);
        put_fit(title, wide ? vw : COLS - 4);
    }
    attrset(A_NORMAL);
    if (wide)
        vh -= 1;
    app->vouchers_y = vy;
    app->vouchers_h = vh;
    table_draw(&app->vouchers, vy, vx, vh, vw, app->focus == 1);
}

/* Routers or Sessions: the table, or an honest empty state. */
static void
draw_live_pane(struct app *app, int y, int h)
{
    struct listpane *lp = live_list(app);
    json_t *rows = app->pane == P_ROUTERS    ? app->snap.routers
                   : app->pane == P_SESSIONS ? app->snap.sessions
                                             : app->snap.orders;

    if (rows == NULL) {
        draw_wrapped(y + 2, 2, COLS - 4,
                     app->snap.db_up ? "loading ..." : "no data yet: the database is unreachable",
                     colors_attr(TH_DIM));
        return;
    }
    if (json_array_size(rows) == 0) {
        draw_empty(&panes[app->pane], y, h);
        return;
    }
    if (app->pane == P_ORDERS) { /* counts per status above the table */
        livepanes_order_counts(app->snap.order_counts, y, COLS);
        y++;
        h--;
    }
    listpane_draw(lp, y, 0, h, COLS);
}

/* The selected voucher with its QR, drawn on screen with the theme's QR
 * colours (or reverse video in mono) so it scans on dark and light terminals. */
static void
draw_detail(struct app *app)
{
    json_t *v = voucher_at(app, app->vouchers.sel);
    struct qr q;
    struct werr e = {0};
    char *url;
    int w, h, y, x;

    if (v == NULL) { /* its window is still on the way from the data thread */
        say(app, "loading the voucher ...");
        return;
    }
    if (!json_is_string(json_object_get(v, "password"))) { /* userpass: PostgreSQL hides it */
        say(app, "its QR holds its password: :voucher show CODE --reveal (audited)");
        app->detail = false;
        return;
    }
    url = qr_login_url(app->cfg->login_url, json_string_value(json_object_get(v, "code")),
                       json_string_value(json_object_get(v, "password")));
    if (qr_encode(url, (char)app->cfg->qr_ecc, &q, &e) < 0) {
        say(app, e.msg);
        free(url);
        app->detail = false;
        return;
    }
    w = qr_text_cols(&q, 2) + 44;
    h = qr_text_rows(&q, 2) + 2;
    if (h < 12)
        h = 12;
    y = (LINES - h) / 2 > 2 ? (LINES - h) / 2 : 2;
    x = (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0;
    if (w > COLS - x)
        w = COLS - x; /* a long login URL's QR: the text at its right is cut */
    for (int i = 0; i < h; i++) {
        attrset(colors_attr(TH_DIALOG));
        mvprintw(y + i, x, "%*s", w, "");
    }
    for (int r = 0; r < qr_text_rows(&q, 2) && y + 1 + r < LINES - 1; r++) {
        struct sbuf line = {0};

        qr_text_row(&q, 2, true, r, &line);
        attrset(colors_attr(TH_QR));
        mvaddstr(y + 1 + r, x + 2, line.buf);
        sb_free(&line);
    }
    {
        static const char *const rows[][2] = {{"code", "code"},
                                              {"plan", "plan"},
                                              {"status", "status"},
                                              {"price", "price"},
                                              {"sold", "sold_at"},
                                              {"by", "sold_by"},
                                              {"first use", "first_used_at"},
                                              {"expires", "expires_at"}};
        int tx = x + qr_text_cols(&q, 2) + 4;
        char buf[96], line[128];

        attrset(colors_attr(TH_DIALOG) | A_BOLD);
        snprintf(line, sizeof line, "voucher %s", json_string_value(json_object_get(v, "code")));
        move(y + 1, tx);
        put_fit(line, x + w - tx - 1);
        for (size_t i = 1; i < sizeof rows / sizeof rows[0]; i++) {
            attrset(colors_attr(TH_DIALOG));
            snprintf(line, sizeof line, "%-10s %s", rows[i][0],
                     jtext(v, rows[i][1], buf, sizeof buf));
            move(y + 2 + (int)i, tx);
            put_fit(line, x + w - tx - 1);
        }
        move(y + h - 2, tx);
        put_fit("Esc closes", x + w - tx - 1);
    }
    attrset(A_NORMAL);
    qr_free(&q);
    free(url);
}

/* ---- keys ---------------------------------------------------------------- */

enum {
    ALL = (1 << P_COUNT) - 1,
    VOUCHERS = 1 << P_VOUCHERS,
    ROUTERS = 1 << P_ROUTERS,
    SESSIONS = 1 << P_SESSIONS,
    ORDERS = 1 << P_ORDERS,
    METRICS = 1 << P_METRICS,
    TABLES = VOUCHERS | ROUTERS | SESSIONS | ORDERS,
};
enum need { ANYONE, OPERATOR, ADMIN }; /* the least role a key's action needs */

struct binding {
    int key;
    const char *label; /* as shown in hints and help */
    const char *help;
    unsigned panes;
    const char *hint; /* short text for the footer, NULL = not shown there */
    void (*fn)(struct app *app, int key);
    enum need need;
};

/* The role's level: 0 viewer (or unknown), 1 operator, 2 admin. */
static enum need
role_level(const struct app *app)
{
    return str_eq(app->snap.group, "admin")      ? ADMIN
           : str_eq(app->snap.group, "operator") ? OPERATOR
                                                 : ANYONE;
}

/* The pane's list, for the Routers and Sessions panes. */
static struct listpane *
live_list(struct app *app)
{
    return app->pane == P_ROUTERS    ? &app->routers
           : app->pane == P_SESSIONS ? &app->sessions
           : app->pane == P_ORDERS   ? &app->orders
                                     : NULL;
}

static const char *const order_statuses[] = {"",          "pending", "sent",     "processing",
                                             "completed", "failed",  "cancelled"};

/* Rebuild what the current filter and sort show, in every pane. */
static void
rebuild_all(struct app *app)
{
    rebuild_order(app);
    listpane_set_rows(&app->routers, app->snap.routers,
                      app->pane == P_ROUTERS ? app->filter : NULL);
    listpane_set_rows(&app->sessions, app->snap.sessions,
                      app->pane == P_SESSIONS ? app->filter : NULL);
    json_decref(app->orders_view);
    app->orders_view = json_array();
    for (size_t i = 0; i < json_array_size(app->snap.orders); i++) {
        json_t *o = json_array_get(app->snap.orders, i);

        if (app->order_status == 0 || str_eq(json_string_value(json_object_get(o, "status")),
                                             order_statuses[app->order_status]))
            json_array_append(app->orders_view, o);
    }
    listpane_set_rows(&app->orders, app->snap.orders ? app->orders_view : NULL,
                      app->pane == P_ORDERS ? app->filter : NULL);
}

static void
act_pane(struct app *app, int key)
{
    if (key >= '1' && key <= '5')
        app->pane = (enum pane_id)(key - '1');
    else if (key == '\t')
        app->pane = (enum pane_id)((app->pane + 1) % P_COUNT);
    else
        app->pane = (enum pane_id)((app->pane + P_COUNT - 1) % P_COUNT);
    app->filter[0] = '\0'; /* a filter belongs to the pane it was typed in */
    app->detail = false;
    rebuild_all(app);
    request_view(app); /* the new pane's data, now */
}

static void
act_quit(struct app *app, int key)
{
    (void)key;
    app->quit = true;
}

static void
act_help(struct app *app, int key)
{
    (void)key;
    app->help = !app->help;
}

static void
act_refresh(struct app *app, int key)
{
    (void)key;
    feed_refresh(app->feed);
    say(app, "refreshing");
}

static void
act_redraw(struct app *app, int key)
{
    (void)key;
    (void)app;
    clearok(curscr, TRUE);
}

static void
act_filter(struct app *app, int key)
{
    (void)key;
    app->filtering = true;
}

static void
act_sort(struct app *app, int key)
{
    struct listpane *lp = live_list(app);

    if (lp) {
        const char *title = listpane_sort(lp, key == 'S', app->filter);

        snprintf(app->message, sizeof app->message, "sorted by %s, %s", title,
                 lp->sort_rev ? "descending" : "ascending");
        app->message_at = time(NULL);
        return;
    }
    if (key == 's') { /* the next column, ascending */
        app->sort_col = (app->sort_col + 1) % NBATCH_COLS;
        app->sort_rev = false;
    } else {
        app->sort_rev = !app->sort_rev;
    }
    rebuild_order(app);
    snprintf(app->message, sizeof app->message, "sorted by %s, %s", batch_cols[app->sort_col].title,
             app->sort_rev ? "descending" : "ascending");
    app->message_at = time(NULL);
}

static void
act_enter(struct app *app, int key)
{
    (void)key;
    if (live_list(app)) {
        app->detail = listpane_selected(live_list(app)) != NULL;
        return;
    }
    if (app->pane != P_VOUCHERS)
        return;
    if (app->focus == 0 && selected_batch(app)) {
        app->focus = 1;
        app->vouchers.sel = 0;
        app->vouchers.top = 0;
        request_view(app);
    } else if (app->focus == 1) {
        app->detail = true;
    }
}

static void
act_back(struct app *app, int key)
{
    (void)key;
    if (app->help)
        app->help = false;
    else if (app->detail)
        app->detail = false;
    else if (app->filter[0]) {
        app->filter[0] = '\0';
        rebuild_all(app);
    } else if (app->focus == 1)
        app->focus = 0;
}

static void
act_command(struct app *app, int key)
{
    (void)key;
    if (runner_busy(app->runner)) {
        say(app, "a command is still running");
        return;
    }
    app->prompting = true;
    prompt_start();
    curs_set(1);
}

/* Operators and admins write; viewers only look (PostgreSQL enforces it
 * anyway - this keeps a viewer's keys honest). */
static bool
may(struct app *app, enum need need, const char *what)
{
    if (app->snap.role[0] == '\0') { /* the first snapshot is not in yet */
        say(app, "still connecting to the database");
        return false;
    }
    if (role_level(app) < need) {
        char msg[128];

        snprintf(msg, sizeof msg, "your role (%s) cannot %s",
                 app->snap.group[0] ? app->snap.group : "none", what);
        say(app, msg);
        return false;
    }
    if (runner_busy(app->runner)) {
        say(app, "a command is still running");
        return false;
    }
    return true;
}

static bool
may_write(struct app *app, const char *what)
{
    return may(app, OPERATOR, what);
}

/* Append --flag 'value' to a command line, quoted for cli_split. */
static void
add_arg(struct sbuf *sb, const char *flag, const char *value)
{
    sb_printf(sb, " %s '", flag);
    for (const char *p = value; *p; p++) {
        if (*p == '\'')
            sb_add(sb, "'\\''");
        else
            sb_addc(sb, *p);
    }
    sb_addc(sb, '\'');
}

static void
act_new_batch(struct app *app, int key)
{
    static const char *const modes[] = {"code", "userpass"};
    const char *plans[DIALOG_CHOICES];
    int n = 0;

    (void)key;
    if (!may_write(app, "create vouchers"))
        return;
    for (size_t i = 0; i < json_array_size(app->snap.plans) && n < DIALOG_CHOICES; i++)
        plans[n++] = json_string_value(json_array_get(app->snap.plans, i));
    if (n == 0) {
        say(app, "no active plan: an admin adds one with `plan add`");
        return;
    }
    dialog_form(&app->dlg, "New voucher batch");
    dialog_choice(&app->dlg, "plan", plans, n);
    dialog_text(&app->dlg, "count", "100");
    dialog_choice(&app->dlg, "mode", modes, 2);
    dialog_text(&app->dlg, "length", "8");
    dialog_text(&app->dlg, "prefix", "");
    dialog_text(&app->dlg, "router", "");
    app->dlg_kind = DLG_NEW;
}

static void
act_print(struct app *app, int key)
{
    static const char *const formats[] = {"text", "ansi", "ps", "escpos"};
    static const char *const papers[] = {"a4", "letter", "58mm", "80mm"};
    static const char *const dests[] = {"file", "printer (lp)"};
    json_t *b = selected_batch(app);
    char file[64];

    (void)key;
    if (b == NULL || !may_write(app, "print vouchers"))
        return;
    snprintf(file, sizeof file, "batch-%lld.txt",
             (long long)json_integer_value(json_object_get(b, "id")));
    dialog_form(&app->dlg, "Print the selected batch");
    dialog_choice(&app->dlg, "format", formats, 4);
    dialog_text(&app->dlg, "columns", "2");
    dialog_choice(&app->dlg, "paper", papers, 4);
    dialog_choice(&app->dlg, "to", dests, 2);
    dialog_text(&app->dlg, "file/lp", file);
    app->dlg_kind = DLG_PRINT;
}

/* $ and d: a confirmation that runs one command. */
static void
act_sell_disable(struct app *app, int key)
{
    json_t *v = app->focus == 1 ? voucher_at(app, app->vouchers.sel) : NULL;
    json_t *b = selected_batch(app);
    char q[192];

    if (!may_write(app, key == '$' ? "sell vouchers" : "disable vouchers"))
        return;
    if (key == '$' && v == NULL) {
        say(app, "select a voucher first (Enter opens a batch)");
        return;
    }
    if (v) {
        const char *code = json_string_value(json_object_get(v, "code"));

        snprintf(q, sizeof q, key == '$' ? "Sell voucher %s for %s %s?" : "Disable voucher %s%s%s?",
                 code, key == '$' ? json_string_value(json_object_get(v, "price")) : "",
                 key == '$' ? app->cfg->currency : "");
        snprintf(app->dlg_cmd, sizeof app->dlg_cmd, "voucher %s %s",
                 key == '$' ? "sell" : "disable", code);
    } else if (b) {
        long long id = json_integer_value(json_object_get(b, "id"));

        snprintf(q, sizeof q, "Disable every voucher of batch %lld?", id);
        snprintf(app->dlg_cmd, sizeof app->dlg_cmd, "voucher disable --batch %lld", id);
    } else {
        return;
    }
    dialog_confirm(&app->dlg, key == '$' ? "Sell" : "Disable", q);
    app->dlg_kind = DLG_RUN;
}

/* ---- Routers and Sessions ---- */

static const char *
selected_router(struct app *app)
{
    json_t *r = app->pane == P_ROUTERS ? listpane_selected(&app->routers) : NULL;

    if (!r)
        say(app, "no router selected");
    return r ? json_string_value(json_object_get(r, "name")) : NULL;
}

/* t, y: run a router command now (its output shows in the popup). */
static void
act_router_run(struct app *app, int key)
{
    const char *name = selected_router(app);
    struct sbuf cmd = {0};

    if (!name ||
        !may(app, key == 't' ? ADMIN : OPERATOR, key == 't' ? "test routers" : "sync routers"))
        return;
    sb_add(&cmd, key == 't' ? "router test" : "router sync");
    add_arg(&cmd, "", name);
    if (!runner_submit(app->runner, cmd.buf))
        say(app, "a command is still running");
    else if (key == 't')
        say(app, "testing ...");
    sb_free(&cmd);
}

/* m: maintenance on or off, after asking. */
static void
act_router_maint(struct app *app, int key)
{
    const char *name = selected_router(app);
    json_t *r = listpane_selected(&app->routers);
    bool on;
    char q[160];

    (void)key;
    if (!name || !may(app, OPERATOR, "change maintenance"))
        return;
    on = !str_eq(json_string_value(json_object_get(r, "state")), "maintenance");
    snprintf(q, sizeof q, "%s maintenance for router %s?", on ? "Start" : "End", name);
    snprintf(app->dlg_cmd, sizeof app->dlg_cmd, "router maintenance '%s' %s", name,
             on ? "on" : "off");
    dialog_confirm(&app->dlg, "Maintenance", q);
    app->dlg_kind = DLG_RUN;
}

/* a, e: the router form (admin). A new router logs in with a key file and
 * pins the host key it is given, or the first one it sees. */
static void
act_router_form(struct app *app, int key)
{
    static const char *const drivers[] = {"routeros", "opennds"};
    json_t *r = key == 'e' ? listpane_selected(&app->routers) : NULL;
    char port[16] = "22";

    if (!may(app, ADMIN, key == 'a' ? "add routers" : "edit routers"))
        return;
    if (key == 'e' && !r) {
        say(app, "no router selected");
        return;
    }
    if (r)
        snprintf(port, sizeof port, "%lld",
                 (long long)json_integer_value(json_object_get(r, "port")));
#define RV(k)                                                                                      \
    (r && json_is_string(json_object_get(r, k)) ? json_string_value(json_object_get(r, k)) : "")
    dialog_form(&app->dlg, key == 'a' ? "Add a router" : "Edit the router");
    dialog_text(&app->dlg, "name", RV("name"));
    dialog_choice(&app->dlg, "driver", drivers, 2);
    if (r && str_eq(RV("driver"), "opennds"))
        app->dlg.field[1].choice = 1;
    dialog_text(&app->dlg, "host", RV("host"));
    dialog_text(&app->dlg, "port", port);
    dialog_text(&app->dlg, "user", RV("user"));
    dialog_text(&app->dlg, "key file", RV("key_path"));
    dialog_text(&app->dlg, "host key", RV("hostkey"));
    dialog_text(&app->dlg, "backup", RV("backup"));
#undef RV
    app->dlg_kind = key == 'a' ? DLG_ROUTER_ADD : DLG_ROUTER_EDIT;
}

/* k in Sessions: kick the selected session, after asking. */
static void
act_kick(struct app *app, int key)
{
    json_t *s = listpane_selected(&app->sessions);
    char q[160];

    (void)key;
    if (!s) {
        say(app, "no session selected");
        return;
    }
    if (!may(app, OPERATOR, "kick sessions"))
        return;
    snprintf(q, sizeof q, "Kick %s (%s) off router %s?",
             json_string_value(json_object_get(s, "user")),
             json_string_value(json_object_get(s, "mac")),
             json_string_value(json_object_get(s, "router")));
    snprintf(app->dlg_cmd, sizeof app->dlg_cmd, "session kick %lld",
             (long long)json_integer_value(json_object_get(s, "id")));
    dialog_confirm(&app->dlg, "Kick", q);
    app->dlg_kind = DLG_RUN;
}

/* ---- Orders ---- */

/* The PIN cell: masked until `v` revealed it (the reveal is audited). */
static void
order_pin_text(void *ctx, json_t *o, int col, char *buf, size_t n)
{
    struct app *app = ctx;
    json_int_t id = json_integer_value(json_object_get(o, "id"));

    (void)col;
    if (!json_is_true(json_object_get(o, "has_pin"))) { /* the list never holds a PIN */
        snprintf(buf, n, "-");
        return;
    }
    for (int i = 0; i < app->nrevealed; i++)
        if (app->revealed_id[i] == id) {
            snprintf(buf, n, "%s", app->revealed_pin[i]);
            return;
        }
    snprintf(buf, n, "\u2022\u2022\u2022\u2022\u2022\u2022");
}

static json_t *
selected_order(struct app *app)
{
    json_t *o = listpane_selected(&app->orders);

    if (!o)
        say(app, "no order selected");
    return o;
}

/* R retry, v reveal: one command now; c cancel after asking. */
static void
act_order(struct app *app, int key)
{
    json_t *o = selected_order(app);
    long long id;
    char q[128];

    if (!o || !may(app, OPERATOR, key == 'v' ? "reveal PINs" : "change orders"))
        return;
    id = (long long)json_integer_value(json_object_get(o, "id"));
    if (key == 'c') {
        snprintf(q, sizeof q, "Cancel order %lld (%s for %s)?", id,
                 json_string_value(json_object_get(o, "product")),
                 json_string_value(json_object_get(o, "customer")));
        snprintf(app->dlg_cmd, sizeof app->dlg_cmd, "order cancel %lld", id);
        dialog_confirm(&app->dlg, "Cancel", q);
        app->dlg_kind = DLG_RUN;
        return;
    }
    snprintf(q, sizeof q, "order %s %lld", key == 'R' ? "retry" : "reveal", id);
    if (!runner_submit(app->runner, q))
        say(app, "a command is still running");
}

/* R in Metrics: the sales reports in the output popup. */
static void
act_reports(struct app *app, int key)
{
    (void)key;
    if (!runner_submit(app->runner, "report summary"))
        say(app, "a command is still running");
}

/* f: show orders of one status, the next one at each press, then all again. */
static void
act_order_status(struct app *app, int key)
{
    char msg[64];

    (void)key;
    app->order_status = (app->order_status + 1) % 7;
    rebuild_all(app);
    snprintf(msg, sizeof msg, "showing %s orders",
             app->order_status ? order_statuses[app->order_status] : "all");
    say(app, msg);
}

/* P: the receipt dialog (format, file or lp). */
static void
act_receipt(struct app *app, int key)
{
    static const char *const formats[] = {"text", "escpos", "ps"};
    static const char *const dests[] = {"file", "printer (lp)"};
    json_t *o = selected_order(app);
    char file[64];

    (void)key;
    if (!o || !may(app, OPERATOR, "print receipts"))
        return;
    snprintf(file, sizeof file, "receipt-%lld.txt",
             (long long)json_integer_value(json_object_get(o, "id")));
    dialog_form(&app->dlg, "Print the order's receipt");
    dialog_choice(&app->dlg, "format", formats, 3);
    dialog_choice(&app->dlg, "to", dests, 2);
    dialog_text(&app->dlg, "file/lp", file);
    app->dlg_kind = DLG_RECEIPT;
}

/* A finished command: remember a revealed PIN ("order N PIN: X"). */
static void
note_reveal(struct app *app, const char *out)
{
    long long id;
    int at = 0;

    if (!out || sscanf(out, "order %lld PIN: %n", &id, &at) != 1 || at == 0)
        return;
    for (int i = 0; i < app->nrevealed; i++)
        if (app->revealed_id[i] == id)
            return;
    if (app->nrevealed == 32) { /* forget the oldest */
        memmove(app->revealed_id, app->revealed_id + 1, 31 * sizeof app->revealed_id[0]);
        memmove(app->revealed_pin, app->revealed_pin + 1, 31 * sizeof app->revealed_pin[0]);
        app->nrevealed = 31;
    }
    app->revealed_id[app->nrevealed] = id;
    snprintf(app->revealed_pin[app->nrevealed], sizeof app->revealed_pin[0], "%.*s",
             (int)strcspn(out + at, "\n"), out + at);
    app->nrevealed++;
}

/* The router form as a command line. */
static void
router_command(struct app *app, struct sbuf *cmd)
{
    const char *name = dialog_value(&app->dlg, 0), *hostkey = dialog_value(&app->dlg, 6);
    bool add = app->dlg_kind == DLG_ROUTER_ADD;

    sb_add(cmd, add ? "router add" : "router edit");
    add_arg(cmd, "",
            add ? name
                : json_string_value(json_object_get(listpane_selected(&app->routers), "name")));
    add_arg(cmd, "--driver", dialog_value(&app->dlg, 1));
    add_arg(cmd, "--host", dialog_value(&app->dlg, 2));
    add_arg(cmd, "--port", dialog_value(&app->dlg, 3));
    add_arg(cmd, "--user", dialog_value(&app->dlg, 4));
    if (*dialog_value(&app->dlg, 5))
        add_arg(cmd, "--key", dialog_value(&app->dlg, 5));
    if (*hostkey)
        add_arg(cmd, "--hostkey", hostkey);
    else if (add)
        sb_add(cmd, " --accept-new-hostkey");
    if (*dialog_value(&app->dlg, 7) || !add)
        add_arg(cmd, "--backup", *dialog_value(&app->dlg, 7) ? dialog_value(&app->dlg, 7) : "none");
}

/* A dialog was accepted: turn it into a command for the command thread. */
static void
dialog_accepted(struct app *app)
{
    struct sbuf cmd = {0};
    json_t *b = selected_batch(app);

    switch (app->dlg_kind) {
    case DLG_NEW:
        sb_add(&cmd, "voucher create");
        add_arg(&cmd, "--plan", dialog_value(&app->dlg, 0));
        add_arg(&cmd, "--count", dialog_value(&app->dlg, 1));
        add_arg(&cmd, "--mode", dialog_value(&app->dlg, 2));
        add_arg(&cmd, "--length", dialog_value(&app->dlg, 3));
        if (*dialog_value(&app->dlg, 4))
            add_arg(&cmd, "--prefix", dialog_value(&app->dlg, 4));
        if (*dialog_value(&app->dlg, 5))
            add_arg(&cmd, "--router", dialog_value(&app->dlg, 5));
        break;
    case DLG_PRINT:
        if (b == NULL)
            break;
        sb_printf(&cmd, "voucher print --batch %lld",
                  (long long)json_integer_value(json_object_get(b, "id")));
        add_arg(&cmd, "--format", dialog_value(&app->dlg, 0));
        add_arg(&cmd, "--columns", dialog_value(&app->dlg, 1));
        add_arg(&cmd, "--paper", dialog_value(&app->dlg, 2));
        if (str_eq(dialog_value(&app->dlg, 3), "file"))
            add_arg(&cmd, "-o", dialog_value(&app->dlg, 4));
        else if (*dialog_value(&app->dlg, 4))
            add_arg(&cmd, "--lp", dialog_value(&app->dlg, 4));
        else
            sb_add(&cmd, " --lp");
        break;
    case DLG_RUN:
        sb_add(&cmd, app->dlg_cmd);
        break;
    case DLG_ROUTER_ADD:
    case DLG_ROUTER_EDIT:
        router_command(app, &cmd);
        break;
    case DLG_RECEIPT:
        if (!listpane_selected(&app->orders))
            break;
        sb_printf(
            &cmd, "order receipt %lld",
            (long long)json_integer_value(json_object_get(listpane_selected(&app->orders), "id")));
        add_arg(&cmd, "--format", dialog_value(&app->dlg, 0));
        if (str_eq(dialog_value(&app->dlg, 1), "file"))
            add_arg(&cmd, "-o", dialog_value(&app->dlg, 2));
        else if (*dialog_value(&app->dlg, 2))
            add_arg(&cmd, "--lp", dialog_value(&app->dlg, 2));
        else
            sb_add(&cmd, " --lp");
        break;
    case DLG_NONE:
        break;
    }
    app->dlg_kind = DLG_NONE;
    if (cmd.len && !runner_submit(app->runner, cmd.buf))
        say(app, "a command is still running");
    sb_free(&cmd);
}

static void
act_move(struct app *app, int key)
{
    struct table *t = app->focus == 1 ? &app->vouchers : &app->batches;
    int h = app->focus == 1 ? app->vouchers_h : (LINES - 4) / 2;

    if (live_list(app)) {
        listpane_key(live_list(app), key, LINES - 5);
        return;
    }
    if (app->pane != P_VOUCHERS)
        return;
    table_key(t, key, h);
    request_view(app);
}

static const struct binding bindings[] = {
    {'1', "1-5", "switch pane", ALL, NULL, act_pane, ANYONE},
    {'2', NULL, NULL, ALL, NULL, act_pane, ANYONE},
    {'3', NULL, NULL, ALL, NULL, act_pane, ANYONE},
    {'4', NULL, NULL, ALL, NULL, act_pane, ANYONE},
    {'5', NULL, NULL, ALL, NULL, act_pane, ANYONE},
    {'\t', "Tab", "next pane (Shift-Tab: previous)", ALL, NULL, act_pane, ANYONE},
    {KEY_BTAB, NULL, NULL, ALL, NULL, act_pane, ANYONE},
    {'k', "k", "kick the selected session (asks first; \u2191 moves up here)", SESSIONS, "kick",
     act_kick, OPERATOR},
    {KEY_UP, "\u2191\u2193 j k", "move the selection", TABLES, "move", act_move, ANYONE},
    {KEY_DOWN, NULL, NULL, TABLES, NULL, act_move, ANYONE},
    {'j', NULL, NULL, TABLES, NULL, act_move, ANYONE},
    {'k', NULL, NULL, VOUCHERS | ROUTERS | ORDERS, NULL, act_move, ANYONE},
    {KEY_PPAGE, "PgUp PgDn", "a page up or down", TABLES, NULL, act_move, ANYONE},
    {KEY_NPAGE, NULL, NULL, TABLES, NULL, act_move, ANYONE},
    {'g', "g G Home End", "first or last row", TABLES, NULL, act_move, ANYONE},
    {'G', NULL, NULL, TABLES, NULL, act_move, ANYONE},
    {KEY_HOME, NULL, NULL, TABLES, NULL, act_move, ANYONE},
    {KEY_END, NULL, NULL, TABLES, NULL, act_move, ANYONE},
    {'\n', "Enter", "open: details (a batch's vouchers, a voucher's QR)", TABLES, "open", act_enter,
     ANYONE},
    {'\r', NULL, NULL, TABLES, NULL, act_enter, ANYONE},
    {KEY_ENTER, NULL, NULL, TABLES, NULL, act_enter, ANYONE},
    {27, "Esc", "back, close, clear the filter", ALL, "back", act_back, ANYONE},
    {'/', "/", "filter the table as you type", TABLES, "filter", act_filter, ANYONE},
    {'R', "R", "sales reports: today, this week, this month, by plan and by operator", METRICS,
     "reports", act_reports, ANYONE},
    {'f', "f", "show one status (pending, sent, ... cancelled), then all", ORDERS, "status",
     act_order_status, ANYONE},
    {'R', "R", "retry the selected order (a failed one)", ORDERS, "retry", act_order, OPERATOR},
    {'c', "c", "cancel the selected order (asks first)", ORDERS, "cancel", act_order, OPERATOR},
    {'P', "P", "print the selected order's receipt (format, file or lp)", ORDERS, "receipt",
     act_receipt, OPERATOR},
    {'v', "v", "reveal the selected order's PIN (audited)", ORDERS, "reveal", act_order, OPERATOR},
    {'t', "t", "test the selected router (connect, identity, version)", ROUTERS, "test",
     act_router_run, ADMIN},
    {'a', "a", "add a router", ROUTERS, "add", act_router_form, ADMIN},
    {'e', "e", "edit the selected router", ROUTERS, "edit", act_router_form, ADMIN},
    {'m', "m", "maintenance on or off (asks first)", ROUTERS, "maint", act_router_maint, OPERATOR},
    {'y', "y", "sync the selected router now", ROUTERS, "sync", act_router_run, OPERATOR},
    {'n', "n", "new batch (plan, count, mode, length, prefix, router)", VOUCHERS, "new",
     act_new_batch, OPERATOR},
    {'p', "p", "print the selected batch (format, columns, paper, file or lp)", VOUCHERS, "print",
     act_print, OPERATOR},
    {'$', "$", "sell the selected voucher (asks first)", VOUCHERS, "sell", act_sell_disable,
     OPERATOR},
    {'d', "d", "disable the selected voucher, or the whole batch (asks first)", VOUCHERS, "disable",
     act_sell_disable, OPERATOR},
    {'s', "s S", "sort by the next column, reverse", TABLES, "sort", act_sort, ANYONE},
    {'S', NULL, NULL, TABLES, NULL, act_sort, ANYONE},
    {':', ":", "command line: any wisp command, or theme NAME (Tab completes, \u2191 history)", ALL,
     "command", act_command, ANYONE},
    {'r', "r", "refresh now", ALL, NULL, act_refresh, ANYONE},
    {12, "Ctrl-L", "redraw the screen", ALL, NULL, act_redraw, ANYONE},
    {'?', "?", "this help", ALL, "help", act_help, ANYONE},
    {'q', "q", "quit (also F10)", ALL, "quit", act_quit, ANYONE},
    {KEY_F(10), NULL, NULL, ALL, NULL, act_quit, ANYONE},
};
#define NBINDINGS (sizeof bindings / sizeof bindings[0])

static void
draw_footer(struct app *app)
{
    int y = LINES - 1;

    fill_line(y, colors_attr(TH_FOOTER));
    move(y, 0);
    if (app->filtering || app->filter[0]) {
        attrset(colors_attr(TH_KEY));
        addstr(" / ");
        attrset(colors_attr(TH_FOOTER));
        printw(" %s%s", app->filter, app->filtering ? "_" : "");
        return;
    }
    if (app->message[0] && time(NULL) - app->message_at < 5) { /* a message wins for 5 s */
        attrset(colors_attr(TH_WARN));
        mvaddnstr(y, 1, app->message, COLS - 2);
        attrset(A_NORMAL);
        return;
    }
    for (size_t i = 0; i < NBINDINGS; i++) {
        const struct binding *b = &bindings[i];

        if (b->hint == NULL || !(b->panes & (1u << app->pane)) || b->key == '?' || b->key == 'q' ||
            getcurx(stdscr) + str_width(b->label) + strlen(b->hint) > (size_t)COLS - 22)
            continue;
        if (b->need > role_level(app))
            continue; /* actions the role lacks are left out */
        attrset(colors_attr(TH_KEY));
        printw(" %s ", b->label);
        attrset(colors_attr(TH_FOOTER));
        printw(" %s ", b->hint);
    }
    /* help and quit always show, at the right */
    move(y, COLS - 18);
    attrset(colors_attr(TH_KEY));
    addstr(" ? ");
    attrset(colors_attr(TH_FOOTER));
    addstr(" help ");
    attrset(colors_attr(TH_KEY));
    addstr(" q ");
    attrset(colors_attr(TH_FOOTER));
    addstr(" quit");
    attrset(A_NORMAL);
}

/* The last command's output, scrollable. */
static void
draw_output(struct app *app)
{
    int h = LINES - 6, w = COLS - 6, y = 3, x = 3, nlines = 0, line = 0;
    const char *p;

    for (p = app->output; *p; p++)
        nlines += *p == '\n';
    if (app->output_top > nlines - (h - 3))
        app->output_top = nlines - (h - 3) > 0 ? nlines - (h - 3) : 0;
    if (app->output_top < 0)
        app->output_top = 0;
    for (int i = 0; i < h; i++) {
        attrset(colors_attr(TH_DIALOG));
        mvprintw(y + i, x, "%*s", w, "");
    }
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    mvprintw(y, x + 1, "output (%d lines)  j k PgUp PgDn to scroll, Esc closes", nlines);
    attrset(colors_attr(TH_DIALOG));
    for (p = app->output; *p && line < app->output_top + h - 2; line++) {
        const char *end = strchr(p, '\n');
        int len = end ? (int)(end - p) : (int)strlen(p);

        if (line >= app->output_top) {
            char *one = xasprintf("%.*s", len, p);

            move(y + 2 + line - app->output_top, x + 1);
            put_fit(one, w - 2);
            free(one);
        }
        p += len + (end ? 1 : 0);
    }
    attrset(A_NORMAL);
}

static void
output_key(struct app *app, int ch)
{
    int page = LINES - 9 > 1 ? LINES - 9 : 1;

    switch (ch) {
    case 'j':
    case KEY_DOWN:
        app->output_top++;
        break;
    case 'k':
    case KEY_UP:
        app->output_top--;
        break;
    case KEY_NPAGE:
    case ' ':
        app->output_top += page;
        break;
    case KEY_PPAGE:
        app->output_top -= page;
        break;
    case 'g':
    case KEY_HOME:
        app->output_top = 0;
        break;
    case 'G':
    case KEY_END:
        app->output_top = INT_MAX / 2;
        break;
    case 27:
    case 'q':
    case '\r':
    case '\n':
        free(app->output);
        app->output = NULL;
        break;
    default:
        break;
    }
}

/* `?`: every key of the current pane, from the same table the keys use. In
 * two columns when one is too long for the screen, every line cut to its
 * column: the box stays inside the screen from 80x24 up. */
static void
draw_help(struct app *app)
{
    const struct binding *shown[NBINDINGS];
    int n = 0, lw = 0, need = 0, cols, per, w, h, y, x, colw, gap;
    char title[64];

    for (size_t i = 0; i < NBINDINGS; i++)
        if (bindings[i].label && (bindings[i].panes & (1u << app->pane))) {
            shown[n++] = &bindings[i];
            if (str_width(bindings[i].label) > lw)
                lw = str_width(bindings[i].label);
            if (str_width(bindings[i].help) > need)
                need = str_width(bindings[i].help);
        }
    /* the box has a title, a blank line (where there is room), the keys and
     * a margin, between the header and the footer */
    cols = n + 3 <= LINES - 2 ? 1 : 2;
    per = (n + cols - 1) / cols;
    gap = per + 4 <= LINES - 2 ? 1 : 0;
    need = cols * (lw + 1 + need) + (cols - 1) * 3 + 4;
    w = need < COLS - 4 ? need : COLS - 4;
    colw = (w - 4 - (cols - 1) * 3) / cols;
    h = per + 3 + gap;
    y = (LINES - h) / 2 > 1 ? (LINES - h) / 2 : 1;
    x = (COLS - w) / 2;
    for (int i = 0; i < h; i++) {
        attrset(colors_attr(TH_DIALOG));
        mvprintw(y + i, x, "%*s", w, "");
    }
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    snprintf(title, sizeof title, "Keys: %s pane", panes[app->pane].name);
    move(y + 1, x + 2);
    put_fit(title, w - 4);
    attrset(colors_attr(TH_DIALOG));
    for (int i = 0; i < n; i++) {
        int lx = x + 2 + (i / per) * (colw + 3);

        move(y + 2 + gap + i % per, lx);
        put_fit(shown[i]->label, colw);
        move(y + 2 + gap + i % per, lx + lw + 1);
        put_fit(shown[i]->help, colw - lw - 1);
    }
    attrset(A_NORMAL);
}

static void
draw(struct app *app)
{
    int y = 2, h;

    erase();
    if (COLS < MIN_COLS || LINES < MIN_ROWS) {
        mvprintw(LINES / 2, 0, "terminal too small (%dx%d): wisp needs %dx%d", COLS, LINES,
                 MIN_COLS, MIN_ROWS);
        mvprintw(LINES / 2 + 1, 0, "q quits");
        refresh();
        return;
    }
    draw_header(app);
    draw_tabs(app);
    if (!app->snap.db_up && app->snap.db_error[0]) {
        char banner[700];

        snprintf(banner, sizeof banner, " database unreachable, retrying in %ds: %s ",
                 app->snap.retry_in, app->snap.db_error);
        fill_line(y, colors_attr(TH_BANNER));
        mvaddnstr(y, 0, banner, COLS);
        y++;
    }
    h = LINES - 1 - y;
    if (app->pane == P_VOUCHERS)
        draw_vouchers_pane(app, y, h);
    else if (live_list(app))
        draw_live_pane(app, y, h);
    else if (app->pane == P_METRICS && app->snap.metrics)
        livepanes_metrics(app->snap.metrics, app->snap.routers, app->cfg->currency, y, h);
    else
        draw_empty(&panes[app->pane], y, h);
    draw_footer(app);
    if (app->detail && app->pane == P_VOUCHERS)
        draw_detail(app);
    else if (app->detail && app->pane == P_ROUTERS && listpane_selected(&app->routers))
        livepanes_router_detail(listpane_selected(&app->routers));
    else if (app->detail && app->pane == P_SESSIONS && listpane_selected(&app->sessions))
        livepanes_session_detail(listpane_selected(&app->sessions));
    else if (app->detail && app->pane == P_ORDERS && listpane_selected(&app->orders)) {
        char pin[128];

        order_pin_text(app, listpane_selected(&app->orders), 0, pin, sizeof pin);
        livepanes_order_detail(listpane_selected(&app->orders), pin);
    }
    if (app->output)
        draw_output(app);
    if (app->dlg_kind != DLG_NONE)
        dialog_draw(&app->dlg);
    if (app->help)
        draw_help(app);
    if (app->prompting) {
        const char *hint = prompt_hint();

        if (hint) {
            attrset(colors_attr(TH_DIM));
            mvaddnstr(LINES - 2, 0, hint, COLS);
            attrset(A_NORMAL);
        }
        attrset(colors_attr(TH_NORMAL));
        prompt_draw(LINES - 1);
    } else if (runner_busy(app->runner)) {
        int64_t done, total;

        runner_progress(app->runner, &done, &total);
        attrset(colors_attr(TH_WARN));
        if (total > 0) { /* a progress bar for big batches and sheets */
            int bar = 30, full = (int)(done * bar / total);

            mvprintw(LINES - 1, COLS - bar - 26, " [");
            for (int i = 0; i < bar; i++)
                addstr(i < full ? "\u2588" : "\u00b7");
            printw("] %lld/%lld ", (long long)done, (long long)total);
        } else {
            mvaddstr(LINES - 1, COLS - 12, " running... ");
        }
        attrset(A_NORMAL);
    }
    refresh();
}

/* ---- input ---------------------------------------------------------------- */

static void
filter_key(struct app *app, int ch)
{
    size_t len = strlen(app->filter);

    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        app->filtering = false;
    } else if (ch == 27) {
        app->filtering = false;
        app->filter[0] = '\0';
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (len)
            app->filter[len - 1] = '\0';
    } else if (ch >= ' ' && ch < 127 && len + 1 < sizeof app->filter) {
        app->filter[len] = (char)ch;
        app->filter[len + 1] = '\0';
    }
    app->batches.sel = 0;
    rebuild_all(app);
    request_view(app);
}

static void
mouse_click(struct app *app)
{
    MEVENT ev;

    if (getmouse(&ev) != OK || !(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
        return;
    if (ev.y == 1) {
        for (int i = 0; i < P_COUNT; i++)
            if (ev.x >= tab_x[i] && ev.x < tab_x[i + 1])
                app->pane = (enum pane_id)i;
        request_view(app);
        return;
    }
    if (live_list(app)) {
        listpane_click(live_list(app), ev.y);
        return;
    }
    if (app->pane != P_VOUCHERS)
        return;
    if (ev.y > app->batches_y && ev.y < app->vouchers_y - 1 && ev.x < COLS) {
        int row = table_row_at(&app->batches, app->batches_y, ev.y);

        if (row >= 0) {
            app->batches.sel = row;
            app->focus = 0;
            request_view(app);
        }
    } else if (ev.y > app->vouchers_y) {
        int row = table_row_at(&app->vouchers, app->vouchers_y, ev.y);

        if (row >= 0) {
            app->vouchers.sel = row;
            app->focus = 1;
        }
    }
}

static void load_theme(struct app *app, const char *name);

/* A finished command line: `theme NAME` is the console's own; everything
 * else runs on the command thread. */
static void
prompt_finished(struct app *app, char *line)
{
    char name[64];

    app->prompting = false;
    curs_set(0);
    if (line && sscanf(line, " theme %63s", name) == 1) {
        char msg[128];

        app->message[0] = '\0';
        load_theme(app, name);
        colors_apply(&app->theme, app->no_color);
        if (app->message[0] == '\0') {
            snprintf(msg, sizeof msg, "theme %s%s", app->theme.name,
                     app->no_color ? " (NO_COLOR is set: no colours)" : "");
            say(app, msg);
        }
        clearok(curscr, TRUE);
    } else if (line && *line) {
        if (!runner_submit(app->runner, line))
            say(app, "a command is still running");
    }
    free(line);
}

static void
handle_key(struct app *app, int ch)
{
    char *line;

    if (app->prompting) {
        if (ch == KEY_RESIZE || ch == KEY_MOUSE)
            return;
        if (prompt_key(ch, &line))
            prompt_finished(app, line);
        return;
    }
    if (app->dlg_kind != DLG_NONE) {
        enum dialog_result r =
            ch == KEY_RESIZE || ch == KEY_MOUSE ? DIALOG_OPEN : dialog_key(&app->dlg, ch);

        if (r == DIALOG_DONE)
            dialog_accepted(app);
        else if (r == DIALOG_CANCEL)
            app->dlg_kind = DLG_NONE;
        return;
    }
    if (app->output) {
        output_key(app, ch);
        return;
    }
    if (app->filtering) {
        filter_key(app, ch);
        return;
    }
    if (ch == KEY_MOUSE) {
        mouse_click(app);
        return;
    }
    if (ch == KEY_RESIZE)
        return;
    if (COLS < MIN_COLS || LINES < MIN_ROWS) {
        if (ch == 'q' || ch == KEY_F(10))
            app->quit = true;
        return;
    }
    if (app->help && ch != '?' && ch != 'q') {
        app->help = false; /* any key closes help */
        return;
    }
    for (size_t i = 0; i < NBINDINGS; i++)
        if (bindings[i].key == ch && (bindings[i].panes & (1u << app->pane))) {
            bindings[i].fn(app, ch);
            return;
        }
}

/* Names for the prompt's completion: rows are strings, or objects whose
 * `key` member is the name. */
static void
complete_names(json_t *rows, const char *key, void (*set)(const char *const *, int))
{
    size_t n = json_array_size(rows);
    const char **names = xcalloc(n + 1, sizeof *names);

    for (size_t i = 0; i < n; i++) {
        json_t *r = json_array_get(rows, i);

        names[i] = json_string_value(key ? json_object_get(r, key) : r);
    }
    set(names, (int)n);
    free(names);
}

/* Take the newest snapshot from the data thread. */
static void
take_snapshot(struct app *app)
{
    struct feed_snapshot s;

    feed_snapshot(app->feed, &s);
    if (s.seq == app->snap.seq && s.db_up == app->snap.db_up) {
        app->snap.retry_in = s.retry_in;
        feed_snapshot_free(&s);
        return;
    }
    if (s.db_up && !app->snap.db_up)
        clearok(curscr, TRUE); /* the database is back: repaint all, whatever the outage left */
    feed_snapshot_free(&app->snap);
    app->snap = s;
    rebuild_all(app);
    request_view(app);
    if (app->snap.plans)
        complete_names(app->snap.plans, NULL, prompt_set_plans);
    if (app->snap.routers)
        complete_names(app->snap.routers, "name", prompt_set_routers);
}

static void
drain(int fd)
{
    char buf[64];

    while (read(fd, buf, sizeof buf) > 0)
        ;
}

static double
now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* With WISP_FRAME_LOG=FILE the console appends one line per frame: how long
 * the frame took to draw and, when a key caused it, key-to-screen time (both
 * in microseconds). tests/bench/bench_console.sh reads it. */
static void
loop(struct app *app)
{
    const char *log_path = getenv("WISP_FRAME_LOG");
    FILE *frame_log = log_path ? fopen(log_path, "a") : NULL;
    double key_at = 0;

    while (!app->quit) {
        struct pollfd fds[3] = {
            {STDIN_FILENO, POLLIN, 0}, {app->sig[0], POLLIN, 0}, {app->wake[0], POLLIN, 0}};
        struct timespec ts;
        int ch, timeout;

        double t0 = now_us();

        take_snapshot(app);
        draw(app);
        if (frame_log) {
            double t1 = now_us();

            fprintf(frame_log, "draw %.0f key %.0f\n", t1 - t0, key_at ? t1 - key_at : -1.0);
            fflush(frame_log);
            key_at = 0;
        }
        clock_gettime(CLOCK_REALTIME, &ts);
        timeout = 1000 - (int)(ts.tv_nsec / 1000000); /* the next clock second */
        if (poll(fds, 3, timeout) < 0 && errno != EINTR)
            break;
        if (fds[1].revents & POLLIN) {
            unsigned char sigs[16];
            ssize_t n = read(app->sig[0], sigs, sizeof sigs);

            for (ssize_t i = 0; i < n; i++) {
                if (sigs[i] == SIGWINCH) {
                    endwin();
                    refresh();
                } else {
                    app->quit = true;
                    app->hangup |= sigs[i] == SIGHUP;
                }
            }
        }
        if (fds[2].revents & POLLIN) {
            char *out;
            int status;

            drain(app->wake[0]);
            if (runner_result(app->runner, &out, &status)) {
                if (out && strncmp(out, "batch ", 6) == 0 && strstr(out, " vouchers of plan "))
                    app->want_batch = strtoll(out + 6, NULL, 10); /* select the new batch */
                note_reveal(app, out);
                free(app->output);
                app->output = out && *out ? out : NULL;
                if (app->output == NULL) {
                    free(out);
                    say(app, status == 0 ? "done" : "failed");
                }
                app->output_top = 0;
                feed_refresh(app->feed); /* show what the command changed */
            }
        }
        if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
            app->quit = app->hangup = true; /* the pane or the ssh session is gone */
        while ((ch = getch()) != ERR && !app->quit) {
            if (key_at == 0)
                key_at = now_us();
            handle_key(app, ch);
        }
    }
    if (frame_log)
        fclose(frame_log);
}

/* ---- events (called on the events thread) ---------------------------------- */

static void
on_event(void *arg, const char *json)
{
    struct app *app = arg;

    (void)json; /* every event may change what is on screen: fetch again */
    feed_refresh(app->feed);
}

static void
on_redis_state(void *arg, bool up)
{
    struct app *app = arg;
    ssize_t n;

    __atomic_store_n(&app->redis_state, up ? 2 : 1, __ATOMIC_RELAXED);
    feed_set_poll(app->feed, up ? 15 : 2);
    if (up)
        feed_refresh(app->feed); /* catch up on what happened while it was down */
    n = write(app->wake[1], "e", 1);
    (void)n;
}

/* ---- start and end --------------------------------------------------------- */

/* Theme directories: the user's (theme_load adds it), the install prefix,
 * and the source tree beside the binary (bin/wisp -> themes/). */
static void
load_theme(struct app *app, const char *name)
{
    char exe[PATH_MAX], tree[PATH_MAX + 16];
    const char *dirs[3] = {WISP_DATADIR "/themes", NULL, NULL};
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    struct werr e = {0};

    if (n > 0) {
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        snprintf(tree, sizeof tree, "%s/../themes", exe);
        dirs[1] = tree;
    }
    if (theme_load(&app->theme, app->no_color ? "mono" : name, dirs, &e) < 0)
        say(app, e.msg);
}

static void
start_curses(struct app *app)
{
    initscr();
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED, NULL);
    load_theme(app, app->cfg->theme);
    colors_apply(&app->theme, app->no_color);
}

/* The console's own worker (config worker.embedded: auto runs it when no
 * worker has a heartbeat, on always, off never): a one-machine shop needs
 * no second command. Its log goes to $XDG_STATE_HOME/wisp/worker.log. */
static volatile sig_atomic_t worker_stop;
static struct worker_opts worker_opts;

static void *
worker_thread(void *arg)
{
    struct app *app = arg;
    struct werr e = {0};

    worker_run(app->cfg, &worker_opts, &e);
    return NULL;
}

static void
start_worker(struct app *app)
{
    enum config_embedded mode = app->cfg->worker_embedded;
    struct db db = {0};
    struct werr e = {0};
    char *log;
    int seen = 1;

    if (mode == EMBEDDED_OFF || db_open(&db, app->cfg->db, &e) < 0)
        return;
    /* only an admin's console may act as the worker (PostgreSQL would refuse
     * the rest of its writes anyway) */
    if (db_load_role(&db, &e) == 0 && str_eq(db.group, "admin"))
        seen = mode == EMBEDDED_ON ? 0 : worker_seen(&db, &e);
    db_close(&db);
    if (seen != 0)
        return;
    log = cli_state_path("worker.log");
    if (log)
        worker_opts.log = fopen(log, "a");
    free(log);
    worker_opts.interval_s = app->cfg->worker_interval;
    worker_opts.embedded = true;
    worker_opts.stop = &worker_stop;
    app->worker_running = pthread_create(&app->worker_thread, NULL, worker_thread, app) == 0;
}

static void
stop_worker(struct app *app)
{
    if (!app->worker_running)
        return;
    worker_stop = 1; /* it stops within moments (router waits are cancelled), records what
                      * the routers confirmed and gives its leases back */
    pthread_join(app->worker_thread, NULL);
    if (worker_opts.log)
        fclose(worker_opts.log);
}

int
console_main(struct config *cfg, struct werr *e)
{
    struct app app = {.cfg = cfg, .sort_rev = true};
    struct db probe = {0};
    bool login_needed = true;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return werr_set(e, WISP_EUSAGE,
                        "the console needs a terminal; for scripts use `wisp COMMAND` "
                        "(see wisp --help)");
    /* Reach the database before taking the screen: a dead one is one line.
     * Only missing or refused credentials lead to the sign-in screen. */
    if (db_open(&probe, cfg->db, e) < 0 && !db_open_needs_login(e))
        return -1;
    if (probe.conn) {
        int rc = db_check_schema(&probe, e);

        db_close(&probe);
        if (rc < 0)
            return -1;
        login_needed = false;
    }
    gethostname(app.host, sizeof app.host - 1);
    app.no_color = getenv("NO_COLOR") && *getenv("NO_COLOR");
    if (install_signals(&app, e) < 0)
        return -1;
    have_termios = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
    start_curses(&app);
    if (login_needed && login_screen(cfg, e->msg, app.sig[0], e) < 0) {
        struct termios t;

        endwin();
        /* a hung-up terminal answers EIO: no one is left to read why */
        return tcgetattr(STDIN_FILENO, &t) < 0 && errno == EIO ? CONSOLE_HANGUP : -1;
    }
    werr_clear(e);
    app.feed = feed_start(cfg, app.wake[1], 2, e);
    if (app.feed == NULL) {
        endwin();
        return -1;
    }
    app.runner = runner_start(cfg, app.wake[1], e);
    if (app.runner == NULL) {
        endwin();
        feed_stop(app.feed);
        return -1;
    }
    prompt_init();
    app.events = events_subscribe(cfg, on_event, on_redis_state, &app);
    app.batches = (struct table){batch_cols, NBATCH_COLS, 0, -1, 0, batch_cell, &app};
    app.vouchers = (struct table){voucher_cols, 7, 0, -1, 0, voucher_cell, &app};
    livepanes_init(&app.routers, &app.sessions);
    livepanes_init_orders(&app.orders, order_pin_text, &app);
    app.pane = P_VOUCHERS;
    start_worker(&app);
    loop(&app);
    stop_worker(&app); /* its leases go back to the other workers */
    endwin();
    ignore_signals();
    if (app.hangup) /* no one to answer: a command still running is dropped (its
                       transaction rolls back), and main leaves with _exit */
        return CONSOLE_HANGUP;
    prompt_done();
    events_stop(app.events);
    runner_stop(app.runner);
    free(app.output);
    feed_stop(app.feed);
    feed_snapshot_free(&app.snap);
    free(app.order);
    listpane_free(&app.routers);
    listpane_free(&app.sessions);
    listpane_free(&app.orders);
    json_decref(app.orders_view);
    for (int i = 0; i < 2; i++) {
        close(app.sig[i]);
        close(app.wake[i]);
    }
    return 0;
}
