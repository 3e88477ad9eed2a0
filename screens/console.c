/*
 * console.c - the full-screen console's coordinator: the list of panes,
 * start-up and shut-down, and the services panes call on the console (a
 * message, the role check, running a command, opening a dialog).
 *
 * The parts live beside it: the panes (pane_*.c, one file each behind
 * pane.h), the key table (keys.c), the loop (loop.c), what is drawn around
 * and over the pane (frame.c, help.c, popup.c, dialog.c), signals
 * (sigpipe.c) and the console's own worker (ownworker.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <curses.h>

#include "wisp/colors.h"
#include "wisp/console.h"
#include "wisp/db.h"
#include "wisp/events.h"
#include "wisp/i18n.h"
#include "wisp/login.h"
#include "wisp/loop.h"
#include "wisp/ownworker.h"
#include "wisp/pane.h"
#include "wisp/prompt.h"
#include "wisp/template.h"
#include "wisp/runner.h"
#include "wisp/sigpipe.h"

/* The tabs, in order: 1 Routers ... 5 Metrics, 6 Subscribers. */
static const struct pane_class *const classes[P_COUNT] = {
    [P_ROUTERS] = &routers_pane, [P_SESSIONS] = &sessions_pane, [P_VOUCHERS] = &vouchers_pane,
    [P_ORDERS] = &orders_pane,   [P_METRICS] = &metrics_pane,
    [P_SUBSCRIBERS] = &subscribers_pane,
};

struct pane *
console_pane(struct console *con)
{
    return con->panes[con->cur];
}

void
console_say(struct console *con, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(con->message, sizeof con->message, fmt, ap);
    va_end(ap);
    con->message_at = time(NULL);
}

/* The role's level: viewer (or unknown), operator, admin. */
enum need
console_role(const struct console *con)
{
    return str_eq(con->snap.group, "admin")      ? ADMIN
           : str_eq(con->snap.group, "operator") ? OPERATOR
                                                 : ANYONE;
}

/* Operators and admins write; viewers only look (PostgreSQL enforces it
 * anyway - this keeps a viewer's keys honest). */
bool
console_may(struct console *con, enum need need, const char *what)
{
    if (con->snap.role[0] == '\0') { /* the first snapshot is not in yet */
        console_say(con, _("still connecting to the database"));
        return false;
    }
    if (console_role(con) < need) {
        console_say(con, _("your role (%s) cannot %s"),
                    con->snap.group[0] ? con->snap.group : "none", _(what));
        return false;
    }
    if (runner_busy(con->runner)) {
        console_say(con, _("a command is still running"));
        return false;
    }
    return true;
}

bool
console_run(struct console *con, const char *line)
{
    if (runner_submit(con->runner, line))
        return true;
    console_say(con, _("a command is still running"));
    return false;
}

enum reaction
console_call(struct console *con, struct words *w)
{
    if (!runner_call_words(con->runner, w))
        console_say(con, _("a command is still running"));
    words_free(w);
    return R_FOOTER;
}

void
dialog_print_target(struct dialog *d, const char *file)
{
    static const char *const dests[] = {"file", "printer (lp)"};

    dialog_choice(d, N_("to"), dests, 2);
    dialog_text(d, N_("file/lp"), file);
}

void
dialog_template_choice(struct dialog *d, const char *none)
{
    const char *names[DIALOG_CHOICES] = {none};
    json_t *list = template_list(), *t;
    int n = 1;
    size_t i;

    json_array_foreach(list, i,
                       t) if (n < DIALOG_CHOICES && json_is_string(json_object_get(t, "kind")))
        names[n++] = json_string_value(json_object_get(t, "name"));
    dialog_choice(d, N_("template"), names, n); /* the dialog keeps copies */
    json_decref(list);
}

void
add_print_target(struct words *w, const struct dialog *d)
{
    if (str_eq(dialog_value(d, "to"), "file"))
        words_flag(w, "-o", dialog_value(d, "file/lp"));
    else if (*dialog_value(d, "file/lp"))
        words_flag(w, "--lp", dialog_value(d, "file/lp"));
    else
        words_add(w, "--lp");
}

struct dialog *
console_form(struct pane *p, const char *title, dialog_done done)
{
    struct console *con = p->con;

    dialog_form(&con->dlg, title);
    con->dlg_open = true;
    con->dlg_done = done;
    con->dlg_pane = p;
    return &con->dlg;
}

/* A confirmation's yes: the command it was opened with. */
static enum reaction
confirmed(struct pane *p, const struct dialog *d)
{
    (void)d;
    return console_call(p->con, &p->con->dlg_cmd);
}

enum reaction
console_confirm(struct pane *p, const char *title, const char *question, struct words *w)
{
    console_form(p, title, confirmed);
    dialog_confirm(&p->con->dlg, title, question);
    words_free(&p->con->dlg_cmd); /* a confirmation dismissed before */
    p->con->dlg_cmd = *w;
    w->n = 0;
    return R_OVERLAY;
}

/* The theme from the user's directory or wisp's own (theme_load_installed);
 * NO_COLOR asks for mono. */
void
console_load_theme(struct console *con, const char *name)
{
    struct werr e = {0};

    if (theme_load_installed(&con->theme, con->no_color ? "mono" : name, &e) < 0)
        console_say(con, "%s", e.msg);
}

static void
start_curses(struct console *con)
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
    console_load_theme(con, con->cfg->theme);
    colors_apply(&con->theme, con->no_color);
}

/* Events arrive on the events thread: every one may change what is on
 * screen, so fetch again. */
static void
on_event(void *arg, const char *json)
{
    struct console *con = arg;

    (void)json;
    feed_refresh(con->feed);
}

static void
on_redis_state(void *arg, bool up)
{
    struct console *con = arg;
    ssize_t n;

    __atomic_store_n(&con->redis_state, up ? 2 : 1, __ATOMIC_RELAXED);
    feed_set_poll(con->feed, up ? 15 : 2);
    if (up)
        feed_refresh(con->feed); /* catch up on what happened while it was down */
    n = write(con->wake[1], "e", 1);
    (void)n;
}

/* Reach the database before taking the screen: a dead one is one line.
 * Only missing or refused credentials lead to the sign-in screen (1). */
static int
probe_database(struct config *cfg, struct werr *e)
{
    struct db probe = {0};
    int rc;

    if (db_open(&probe, cfg->db, e) < 0)
        return db_open_needs_login(e) ? 1 : -1;
    rc = db_check_schema(&probe, e);
    db_close(&probe);
    return rc < 0 ? -1 : 0;
}

/* Everything the console started, in the reverse order. */
static void
stop_all(struct console *con)
{
    prompt_done();
    events_stop(con->events);
    runner_stop(con->runner);
    popup_close(&con->output);
    words_free(&con->dlg_cmd);
    feed_stop(con->feed);
    feed_snapshot_free(&con->snap);
    for (int i = 0; i < P_COUNT; i++) {
        struct pane *p = con->panes[i];

        if (p->cls->destroy)
            p->cls->destroy(p);
        if (p->list)
            listpane_free(p->list);
        free(p);
    }
    for (int i = 0; i < 2; i++) {
        close(con->sig[i]);
        close(con->wake[i]);
    }
}

int
console_main(struct config *cfg, struct werr *e)
{
    struct console con = {.cfg = cfg, .cur = P_VOUCHERS};
    int login;

    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return werr_set(e, WISP_EUSAGE,
                        _("the console needs a terminal; for scripts use `wisp COMMAND` "
                          "(see wisp --help)"));
    if ((login = probe_database(cfg, e)) < 0)
        return -1;
    gethostname(con.host, sizeof con.host - 1);
    con.no_color = getenv("NO_COLOR") && *getenv("NO_COLOR");
    if (sigpipe_install(con.sig, con.wake, e) < 0)
        return -1;
    start_curses(&con);
    if (login && login_screen(cfg, e->msg, con.sig[0], e) < 0) {
        struct termios t;

        endwin();
        /* a hung-up terminal answers EIO: no one is left to read why */
        return tcgetattr(STDIN_FILENO, &t) < 0 && errno == EIO ? CONSOLE_HANGUP : -1;
    }
    werr_clear(e);
    con.feed = feed_start(cfg, con.wake[1], 2, e);
    if (con.feed == NULL) {
        endwin();
        return -1;
    }
    con.runner = runner_start(cfg, con.wake[1], e);
    if (con.runner == NULL) {
        endwin();
        feed_stop(con.feed);
        return -1;
    }
    prompt_init();
    con.events = events_subscribe(cfg, on_event, on_redis_state, &con);
    for (int i = 0; i < P_COUNT; i++)
        con.panes[i] = pane_create(classes[i], &con);
    ownworker_start(&con);
    loop_run(&con);
    ownworker_stop(&con); /* its leases go back to the other workers */
    endwin();
    sigpipe_ignore();
    if (con.hangup) /* no one to answer: a command still running is dropped (its
                       transaction rolls back), and main leaves with _exit */
        return CONSOLE_HANGUP;
    stop_all(&con);
    return 0;
}
