/*
 * frame.c - the header, tabs, banner, footer and overlays around the pane,
 * drawn part by part as reactions ask (see include/wisp/frame.h). Curses
 * sends the terminal only what changed; what is not named is not drawn.
 */
#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wisp/colors.h"
#include "wisp/dialog.h"
#include "wisp/draw.h"
#include "wisp/frame.h"
#include "wisp/help.h"
#include "wisp/i18n.h"
#include "wisp/keys.h"
#include "wisp/prompt.h"
#include "wisp/runner.h"
#include "wisp/util.h"

static void
draw_header(struct console *con)
{
    char clock[16], left[256];
    time_t now = time(NULL);
    struct tm tm;
    int redis = __atomic_load_n(&con->redis_state, __ATOMIC_RELAXED);
    const char *redis_text = redis == 2   ? _("\u25cf redis live")
                             : redis == 1 ? _("\u25cf redis down, polling 2s")
                                          : _("\u25cb redis off, polling 2s");
    const char *worker_text = _("\u25cb no worker");
    long long failed = json_integer_value(json_object_get(con->snap.failure_counts, "total"));
    char failed_text[48] = "";
    int x;

    localtime_r(&now, &tm);
    strftime(clock, sizeof clock, "%H:%M:%S", &tm);
    if (con->snap.workers > 0) {
        worker_text = con->worker_running && con->snap.workers == 1 ? _("\u25cf worker (console)")
                                                                    : _("\u25cf worker");
    }
    if (failed > 0) /* TRANSLATORS: webhook deliveries and messages that failed (Orders, d) */
        snprintf(failed_text, sizeof failed_text, _("%lld failed"), failed);
    /* the status at the right, as wide as it is; the shop and who at the
     * left, cut to what is left */
    x = COLS - 1 -
        ((failed_text[0] ? str_width(failed_text) + 2 : 0) + str_width(clock) + 2 +
         str_width("\u25cf db") + 2 + str_width(redis_text) + 2 + str_width(worker_text));
    draw_fill_line(0, colors_attr(TH_HEADER));
    snprintf(left, sizeof left, "%s  %s@%s  %s", con->cfg->shop_name,
             con->snap.role[0] ? con->snap.role : "?", con->host,
             con->snap.group[0] ? con->snap.group : "");
    move(0, 1);
    draw_fit(left, x - 3);
    if (x < 1)
        x = 1;
    move(0, x);
    if (failed_text[0]) { /* what did not reach its receiver: the Orders pane's d lists it */
        attrset(colors_attr(TH_BAD) | A_BOLD);
        addstr(failed_text);
        attrset(colors_attr(TH_HEADER));
        addstr("  ");
    }
    attrset(colors_attr(TH_HEADER));
    printw("%s  ", clock);
    attrset(colors_attr(con->snap.db_up ? TH_OK : TH_BAD) | A_BOLD);
    printw("\u25cf db");
    attrset(colors_attr(TH_HEADER));
    printw("  ");
    attrset(redis == 2   ? colors_attr(TH_OK) | A_BOLD
            : redis == 1 ? colors_attr(TH_BAD) | A_BOLD
                         : colors_attr(TH_DIM));
    draw_fit(redis_text, COLS - getcurx(stdscr) - 1);
    attrset(colors_attr(TH_HEADER));
    draw_fit("  ", COLS - getcurx(stdscr) - 1);
    attrset(con->snap.workers > 0 ? colors_attr(TH_OK) | A_BOLD : colors_attr(TH_DIM));
    draw_fit(worker_text, COLS - getcurx(stdscr) - 1);
    attrset(A_NORMAL);
}

/* The tab bar; remembers where each tab is for mouse clicks. */
static void
draw_tabs(struct console *con)
{
    draw_fill_line(1, colors_attr(TH_TAB));
    move(1, 1);
    for (int i = 0; i < P_COUNT; i++) {
        con->tab_x[i] = getcurx(stdscr);
        attrset(colors_attr(i == (int)con->cur ? TH_TAB_ACTIVE : TH_TAB));
        printw(" %d %s ", i + 1, _(con->panes[i]->cls->name));
        attrset(colors_attr(TH_TAB));
        addstr(" ");
    }
    con->tab_x[P_COUNT] = getcurx(stdscr);
    attrset(A_NORMAL);
}

int
frame_tab_at(struct console *con, int x)
{
    for (int i = 0; i < P_COUNT; i++)
        if (x >= con->tab_x[i] && x < con->tab_x[i + 1])
            return i;
    return -1;
}

static bool
banner_shown(const struct console *con)
{
    return !con->snap.db_up && con->snap.db_error[0];
}

static void
draw_banner(struct console *con)
{
    char banner[700];

    snprintf(banner, sizeof banner, _(" database unreachable, retrying in %ds: %s "),
             con->snap.retry_in, con->snap.db_error);
    draw_fill_line(2, colors_attr(TH_BANNER));
    draw_at(2, 0, banner, COLS);
}

/* The progress of a running command at the footer's right: a bar for big
 * batches and sheets. */
static void
draw_progress(struct console *con)
{
    int64_t done, total;

    runner_progress(con->runner, &done, &total);
    attrset(colors_attr(TH_WARN));
    if (total > 0) {
        int bar = 30, full = (int)(done * bar / total);

        mvprintw(LINES - 1, COLS - bar - 26, " [");
        for (int i = 0; i < bar; i++)
            addstr(i < full ? "\u2588" : "\u00b7");
        printw("] %lld/%lld ", (long long)done, (long long)total);
    } else {
        const char *running = _(" running... ");

        mvaddstr(LINES - 1, COLS - str_width(running), running);
    }
    attrset(A_NORMAL);
}

static void
draw_footer(struct console *con)
{
    struct pane *p = console_pane(con);
    int y = LINES - 1;

    draw_fill_line(y, colors_attr(TH_FOOTER));
    if (con->prompting) {
        const char *hint = prompt_hint();

        if (hint) {
            attrset(colors_attr(TH_DIM));
            draw_at(LINES - 2, 0, hint, COLS);
        }
        attrset(colors_attr(TH_NORMAL));
        prompt_draw(y);
        return;
    }
    if (con->filtering || p->filter[0]) {
        char text[96];

        move(y, 0);
        attrset(colors_attr(TH_KEY));
        addstr(" / ");
        attrset(colors_attr(TH_FOOTER));
        snprintf(text, sizeof text, " %s%s", p->filter, con->filtering ? "_" : "");
        draw_fit(text, COLS - 4);
    } else if (con->message[0] && time(NULL) - con->message_at < 5) { /* a message wins for 5 s */
        attrset(colors_attr(TH_WARN));
        draw_at(y, 1, con->message, COLS - 2);
    } else {
        keys_footer(con);
    }
    attrset(A_NORMAL);
    if (runner_busy(con->runner))
        draw_progress(con);
}

bool
frame_overlay_open(struct console *con)
{
    return console_pane(con)->detail || popup_open(&con->output) || con->dlg_open || con->help;
}

static void
draw_overlays(struct console *con)
{
    struct pane *p = console_pane(con);

    if (p->detail)
        pane_details(p);
    if (popup_open(&con->output))
        popup_draw(&con->output);
    if (con->dlg_open)
        dialog_draw(&con->dlg);
    if (con->help)
        help_draw(con);
}

void
frame_draw(struct console *con, enum reaction r)
{
    struct pane *p = console_pane(con);
    bool overlay = frame_overlay_open(con);
    int y, h;

    if (COLS < MIN_COLS || LINES < MIN_ROWS) {
        erase();
        mvprintw(LINES / 2, 0, _("terminal too small (%dx%d): wisp needs %dx%d"), COLS, LINES,
                 MIN_COLS, MIN_ROWS);
        mvaddstr(LINES / 2 + 1, 0, _("q quits"));
        refresh();
        con->small = true;
        return;
    }
    if (con->small)
        r |= R_SCREEN, con->small = false;
    if ((r & R_REPAINT) == R_REPAINT)
        clearok(curscr, TRUE);
    if ((r & R_SCREEN) == R_SCREEN)
        erase();
    if (r & R_PANE) /* what lies over the pane, and the prompt's hint line */
        r |= (overlay ? R_OVERLAY : 0) | R_FOOTER;
    if ((r & R_ROW) && overlay) /* rows under a box: the box again */
        r |= R_PANE | R_OVERLAY | R_FOOTER;
    y = banner_shown(con) ? 3 : 2;
    h = LINES - 1 - y;
    if (r & R_HEADER) {
        draw_header(con);
        draw_tabs(con);
        if (y == 3)
            draw_banner(con);
    }
    if (r & R_PANE) {
        if ((r & R_SCREEN) != R_SCREEN)
            draw_clear_rows(y, h);
        pane_draw(p, y, h, R_PANE);
    } else if (r & R_ROW) {
        pane_draw(p, y, h, R_ROW);
    }
    if (r & R_OVERLAY)
        draw_overlays(con);
    if (r & R_FOOTER)
        draw_footer(con);
    refresh();
}
