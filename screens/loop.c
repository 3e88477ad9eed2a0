/*
 * loop.c - the console's loop (see include/wisp/loop.h): events in,
 * reactions gathered, one frame out. Keys go to whatever has the keyboard:
 * the command line, a dialog, the output popup, the filter, the help, or
 * the key table.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "wisp/colors.h"
#include "wisp/feed.h"
#include "wisp/frame.h"
#include "wisp/help.h"
#include "wisp/i18n.h"
#include "wisp/keys.h"
#include "wisp/loop.h"
#include "wisp/prompt.h"
#include "wisp/runner.h"
#include "wisp/util.h"

/* Tell the data thread what the pane on screen needs. A pane's window of
 * rows stays asked for while another pane shows (back on it, they are
 * there; and a view that changes is fetched at once, which while the
 * database is down would hasten the retries). */
static void
request_view(struct console *con)
{
    struct feed_view v = {0};

    for (int i = 0; i < P_COUNT; i++)
        if (con->panes[i]->cls->view)
            con->panes[i]->cls->view(con->panes[i], &v);
    v.want = console_pane(con)->cls->want;
    feed_set_view(con->feed, &v);
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

/* Take the newest snapshot from the data thread: what changed. */
static enum reaction
take_snapshot(struct console *con)
{
    struct feed_snapshot s, old;
    enum reaction r = R_PANE | R_HEADER;

    feed_snapshot(con->feed, &s);
    if (s.seq == con->snap.seq && s.db_up == con->snap.db_up) {
        bool countdown = con->snap.retry_in != s.retry_in;

        con->snap.retry_in = s.retry_in;
        feed_snapshot_free(&s);
        return countdown ? R_HEADER : R_NONE;
    }
    if (s.db_up != con->snap.db_up)
        r = R_SCREEN; /* the banner comes or goes */
    if (s.db_up && !con->snap.db_up)
        r = R_REPAINT; /* the database is back: repaint all, whatever the outage left */
    old = con->snap;
    con->snap = s;
    for (int i = 0; i < P_COUNT; i++)
        pane_update(con->panes[i]);
    /* only now: a table keeps its selection by looking its row up in the
     * rows it showed, which may be the old snapshot's */
    feed_snapshot_free(&old);
    if (con->snap.plans)
        complete_names(con->snap.plans, NULL, prompt_set_plans);
    if (con->snap.routers)
        complete_names(con->snap.routers, "name", prompt_set_routers);
    return r | R_VIEW;
}

/* A command has finished: every pane may care (a new batch to select, a
 * revealed PIN), its output shows in the popup. */
static enum reaction
take_result(struct console *con)
{
    struct runner_done d;
    enum reaction r = R_OVERLAY | R_FOOTER;

    if (!runner_take(con->runner, &d))
        return runner_busy(con->runner) ? R_FOOTER : R_NONE; /* progress */
    for (int i = 0; i < P_COUNT; i++)
        if (con->panes[i]->cls->finished)
            con->panes[i]->cls->finished(con->panes[i], &d);
    if (d.status == 0 && d.command && str_eq(d.command, "theme")) {
        /* `theme NAME` checked the theme on the command thread; the screen
         * takes it here */
        con->message[0] = '\0';
        console_load_theme(con, json_string_value(json_object_get(d.result, "theme")));
        colors_apply(&con->theme, con->no_color);
        if (con->message[0] == '\0')
            console_say(con, _("theme %s%s"), con->theme.name,
                        con->no_color ? " (NO_COLOR is set: no colours)" : "");
        free(d.output); /* the footer says it */
        d.output = NULL;
        r = R_REPAINT;
    } else if (d.output == NULL || *d.output == '\0') {
        console_say(con, "%s", d.status == 0 ? _("done") : _("failed"));
    }
    if (d.output)
        popup_set(&con->output, d.output);
    json_decref(d.result);
    feed_refresh(con->feed); /* show what the command changed */
    return r;
}

/* A finished command line runs on the command thread (`theme NAME` too:
 * the table says it runs only here; take_result applies it). */
static enum reaction
prompt_finished(struct console *con, char *line)
{
    con->prompting = false;
    curs_set(0);
    if (line && *line)
        console_run(con, line);
    free(line);
    return R_SCREEN;
}

static enum reaction
filter_key(struct console *con, int ch)
{
    struct pane *p = console_pane(con);
    size_t len = strlen(p->filter);

    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        con->filtering = false;
        return R_FOOTER;
    }
    if (ch == 27) {
        con->filtering = false;
        p->filter[0] = '\0';
    } else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
        if (len)
            p->filter[len - 1] = '\0';
    } else if (ch >= ' ' && ch < 127 && len + 1 < sizeof p->filter) {
        p->filter[len] = (char)ch;
        p->filter[len + 1] = '\0';
    } else {
        return R_NONE;
    }
    pane_update(p);
    return R_PANE | R_FOOTER | R_VIEW;
}

static enum reaction
mouse_click(struct console *con)
{
    struct pane *p = console_pane(con);
    MEVENT ev;
    int tab;

    if (getmouse(&ev) != OK || !(ev.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
        return R_NONE;
    if (ev.y == 1) {
        if ((tab = frame_tab_at(con, ev.x)) < 0)
            return R_NONE;
        p->detail = false;
        con->cur = (enum pane_id)tab;
        return R_SCREEN | R_VIEW;
    }
    if (p->cls->click)
        return p->cls->click(p, ev.y, ev.x);
    if (p->list && listpane_click(p->list, ev.y, ev.x))
        return p->cls->moved ? p->cls->moved(p) : R_ROW;
    return R_NONE;
}

static enum reaction
dialog_answer(struct console *con, int ch)
{
    enum dialog_result res =
        ch == KEY_RESIZE || ch == KEY_MOUSE ? DIALOG_OPEN : dialog_key(&con->dlg, ch);

    if (res == DIALOG_OPEN)
        return R_OVERLAY;
    con->dlg_open = false;
    if (res == DIALOG_DONE)
        return con->dlg_done(con->dlg_pane, &con->dlg) | R_SCREEN;
    return R_SCREEN;
}

static enum reaction
handle_key(struct console *con, int ch)
{
    char *line;

    if (con->prompting) {
        bool hinted = prompt_hint() != NULL;

        if (ch == KEY_RESIZE || ch == KEY_MOUSE)
            return ch == KEY_RESIZE ? R_SCREEN : R_NONE;
        if (prompt_key(ch, &line))
            return prompt_finished(con, line);
        /* Tab's candidates show on the pane's last row: it is drawn again
         * when they come or go */
        return hinted || prompt_hint() ? R_PANE | R_FOOTER : R_FOOTER;
    }
    if (con->dlg_open)
        return dialog_answer(con, ch);
    if (popup_open(&con->output))
        return popup_key(&con->output, ch) ? R_OVERLAY : R_SCREEN;
    if (con->filtering)
        return filter_key(con, ch);
    if (ch == KEY_MOUSE)
        return mouse_click(con);
    if (ch == KEY_RESIZE)
        return R_SCREEN;
    if (COLS < MIN_COLS || LINES < MIN_ROWS)
        return ch == 'q' || ch == KEY_F(10) ? R_QUIT : R_NONE;
    if (con->help)
        return help_key(con, ch);
    return keys_dispatch(con, ch);
}

/* The signals that arrived through the self-pipe. */
static enum reaction
take_signals(struct console *con)
{
    unsigned char sigs[16];
    ssize_t n = read(con->sig[0], sigs, sizeof sigs);
    enum reaction r = R_NONE;

    for (ssize_t i = 0; i < n; i++) {
        if (sigs[i] == SIGWINCH) {
            endwin();
            refresh();
            r |= R_SCREEN;
        } else {
            con->quit = true;
            con->hangup |= sigs[i] == SIGHUP;
        }
    }
    return r;
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

/* The keys waiting: each to whatever has the keyboard. *key_at is when the
 * first was read (for the frame log). */
static enum reaction
take_keys(struct console *con, double *key_at)
{
    enum reaction r = R_NONE;
    int ch;

    while (!con->quit && (ch = getch()) != ERR) {
        bool overlay = frame_overlay_open(con), prompting = con->prompting;

        if (*key_at == 0)
            *key_at = now_us();
        r |= handle_key(con, ch);
        if ((overlay && !frame_overlay_open(con)) || (prompting && !con->prompting))
            r |= R_SCREEN; /* what the box or the hint line covered */
        if (r & R_QUIT)
            con->quit = true;
    }
    return r;
}

/* Wait for the next event, at most until the clock's next second: what it
 * asks of the screen. */
static enum reaction
wait_event(struct console *con, double *key_at)
{
    struct pollfd fds[3] = {
        {STDIN_FILENO, POLLIN, 0}, {con->sig[0], POLLIN, 0}, {con->wake[0], POLLIN, 0}};
    struct timespec ts;
    enum reaction r = R_NONE;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (poll(fds, 3, 1000 - (int)(ts.tv_nsec / 1000000)) < 0 && errno != EINTR) {
        con->quit = true;
        return R_NONE;
    }
    if (fds[1].revents & POLLIN)
        r |= take_signals(con);
    if (fds[2].revents & POLLIN) {
        drain(con->wake[0]);
        r |= take_result(con) | R_HEADER; /* Redis up or down: the header says */
    }
    if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL))
        con->quit = con->hangup = true; /* the pane or the ssh session is gone */
    r |= take_keys(con, key_at);
    if (!(fds[0].revents & POLLIN) && !(fds[1].revents & POLLIN) && !(fds[2].revents & POLLIN))
        r |= R_HEADER | R_FOOTER; /* the clock's second; a message's 5 s */
    return r;
}

void
loop_run(struct console *con)
{
    const char *log_path = getenv("WISP_FRAME_LOG");
    FILE *frame_log = log_path ? fopen(log_path, "a") : NULL;
    double key_at = 0;
    enum reaction r = R_SCREEN | R_VIEW;

    while (!con->quit) {
        double t0 = now_us();

        r |= take_snapshot(con);
        if (r & R_REFRESH)
            feed_refresh(con->feed);
        if (r & R_VIEW)
            request_view(con);
        if (r & (R_ROW | R_PANE | R_HEADER | R_FOOTER | R_OVERLAY)) {
            frame_draw(con, r);
            if (frame_log) {
                double t1 = now_us();

                fprintf(frame_log, "draw %.0f key %.0f\n", t1 - t0, key_at ? t1 - key_at : -1.0);
                fflush(frame_log);
            }
        }
        key_at = 0;
        r = wait_event(con, &key_at);
    }
    if (frame_log)
        fclose(frame_log);
}
