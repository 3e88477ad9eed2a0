/*
 * pane.h - the console's one pane interface, and the console state panes
 * see (screens/). Each pane (Routers, Sessions, Vouchers, Orders, Metrics)
 * is one file under screens/ defining a `const struct pane_class`: its
 * name, the data it needs, its keys, and the functions that build, draw and
 * answer it (htop's Panel classes). console.c holds the list of panes and
 * nothing else of theirs.
 *
 * Actions return a reaction: what must happen next (htop's Htop_Reaction).
 * The loop redraws only what the reactions of a wake-up name.
 */
#ifndef WISP_PANE_H
#define WISP_PANE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "wisp/config.h"
#include "wisp/dialog.h"
#include "wisp/feed.h"
#include "wisp/listpane.h"
#include "wisp/popup.h"
#include "wisp/runner.h"
#include "wisp/theme.h"
#include "wisp/util.h"

/* What must happen after a key, a snapshot or a tick. */
enum reaction {
    R_NONE = 0,
    R_ROW = 1 << 0,     /* the selection moved: its old and new rows */
    R_PANE = 1 << 1,    /* the pane's box */
    R_HEADER = 1 << 2,  /* the header line and the tabs */
    R_FOOTER = 1 << 3,  /* the footer: hints, message, filter, progress */
    R_OVERLAY = 1 << 4, /* the open dialog, popup, help or details box */
    R_SCREEN = R_PANE | R_HEADER | R_FOOTER | R_OVERLAY | (1 << 5), /* all, erased first */
    R_REPAINT = R_SCREEN | (1 << 6), /* and the terminal too (Ctrl-L): curses forgets it */
    R_VIEW = 1 << 7,                 /* the pane wants other data: tell the data thread */
    R_REFRESH = 1 << 8,              /* fetch again now */
    R_QUIT = 1 << 9,
};

enum pane_id { P_ROUTERS, P_SESSIONS, P_VOUCHERS, P_ORDERS, P_METRICS, P_SUBSCRIBERS, P_COUNT };

/* The least role a key's action needs. */
enum need { ANYONE, OPERATOR, ADMIN };

struct pane;
struct console;

/* One key: the one source of dispatch, the footer and `?` help. */
struct binding {
    int key;
    const char *label; /* as shown in the footer and help; NULL: an alias, not shown */
    const char *help;
    const char *hint; /* short text for the footer, NULL = not shown there */
    enum reaction (*fn)(struct pane *p, int key); /* NULL: the key is `react` */
    enum need need;
    bool tables; /* only in panes that show a table */
    enum reaction react;
};

struct pane_class {
    const char *name;
    const char *purpose; /* what the pane is for */
    const char *fill;    /* how it gets data, honestly, while it has none */
    unsigned want;       /* the FEED_* parts it shows */
    const struct binding *keys;
    size_t nkeys;
    /* Its table's columns and the key that keeps the selection on its row:
     * with them, create may be NULL (a pane that is just the table). */
    const struct listpane_column *columns;
    int ncolumns;
    const char *id_key;
    struct pane *(*create)(struct console *con);
    void (*destroy)(struct pane *p); /* what it owns but its list; NULL for nothing */
    /* The snapshot's rows its table shows: with it, update and draw may be
     * NULL (the table of those rows, filtered, or the pane's state). */
    json_t *(*rows)(struct pane *p);
    /* A new snapshot or a new filter: rebuild what it shows. */
    void (*update)(struct pane *p);
    /* Draw in rows y .. y+h-1, the whole width; r & R_ROW alone: only the
     * selection moved. */
    void (*draw)(struct pane *p, int y, int h, enum reaction r);
    /* The details box of the selected row (Enter): its lines, and its
     * title; or a box of its own (details). */
    const struct detail_row *detail_rows;
    size_t ndetail_rows;
    void (*detail_title)(struct pane *p, json_t *row, char *buf, size_t n);
    /* The optional rest. */
    void (*details)(struct pane *p);                   /* the box Enter opens */
    enum reaction (*enter)(struct pane *p);            /* default: details of the row */
    enum reaction (*back)(struct pane *p);             /* Esc with nothing else to close */
    struct listpane *(*focused)(struct pane *p);       /* the table moves act on: p->list */
    enum reaction (*moved)(struct pane *p);            /* after a move: default R_ROW */
    void (*view)(struct pane *p, struct feed_view *v); /* a window of rows to fetch */
    /* A click at (y, x) in its box: default, a row of its table. */
    enum reaction (*click)(struct pane *p, int y, int x);
    /* A command has finished: its words, status and result (never its
     * printed text). */
    void (*finished)(struct pane *p, const struct runner_done *d);
};

/* What every pane has; a pane's own struct starts with it. */
struct pane {
    const struct pane_class *cls;
    struct console *con;
    struct listpane *list; /* its table (filter, sort, moves), NULL for none */
    char filter[64];
    bool detail; /* the details box is open */
};

/* A dialog's completion, given when it is opened: what its values do. */
typedef enum reaction (*dialog_done)(struct pane *p, const struct dialog *d);

/* A class's keys, details lines and columns, with their counts. */
#define PANE_KEYS(k)        .keys = (k), .nkeys = sizeof(k) / sizeof(k)[0]
#define PANE_DETAIL_ROWS(r) .detail_rows = (r), .ndetail_rows = sizeof(r) / sizeof(r)[0]
#define PANE_COLUMNS(c)     .columns = (c), .ncolumns = (int)(sizeof(c) / sizeof(c)[0])

/* The one console state (struct app in htop terms), passed explicitly. */
struct console {
    struct config *cfg;
    struct theme theme;
    bool no_color;
    struct feed *feed;
    struct runner *runner;
    struct events *events;
    int redis_state; /* 0 not configured, 1 down, 2 subscribed (set by the events thread) */
    struct feed_snapshot snap;
    struct pane *panes[P_COUNT];
    enum pane_id cur;
    bool prompting, filtering, help, quit;
    bool hangup; /* the terminal went away (SIGHUP, or hung up under poll) */
    int help_top;
    struct dialog dlg;
    bool dlg_open;
    dialog_done dlg_done;
    struct pane *dlg_pane;
    struct words dlg_cmd; /* what a confirmation runs */
    struct popup output;  /* the last command's output */
    char host[64];
    int wake[2], sig[2];
    pthread_t worker_thread; /* the console's own worker, when it runs one */
    bool worker_running;
    int tab_x[P_COUNT + 1]; /* where each tab was drawn, for the mouse */
    bool small;             /* below 80x24 at the last frame */
    char message[512];
    time_t message_at;
};

/* The panes, one file each. */
extern const struct pane_class routers_pane, sessions_pane, vouchers_pane, orders_pane,
    metrics_pane, subscribers_pane;

/* "3 pending  1 sent ..." on line y, w columns (the Orders and Metrics
 * panes). */
void orders_counts(json_t *counts, int y, int w);

/* A router's state in colour (the Routers pane's, the Metrics pane's). */
extern const struct listpane_state router_states[];

/* The pane on screen. */
struct pane *console_pane(struct console *con);

/* A one-line message in the footer for 5 s. */
void console_say(struct console *con, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* May the signed-in role do `what` now (role, connection, no command running)?
 * Says why not. */
bool console_may(struct console *con, enum need need, const char *what);
enum need console_role(const struct console *con);

/* Run a command line on the command thread (its output in the popup);
 * false (and says so) while another still runs. */
bool console_run(struct console *con, const char *line);

/* The same for a command a pane built as words (what a dialog holds goes
 * as it is, never through a command line's quoting), which it empties:
 * R_FOOTER. */
enum reaction console_call(struct console *con, struct words *w);

/* Open a form whose completion is done (fill it with dialog_text/choice). */
struct dialog *console_form(struct pane *p, const char *title, dialog_done done);
/* Ask `question`; yes runs the command w (taken over). */
enum reaction console_confirm(struct pane *p, const char *title, const char *question,
                              struct words *w);

/* Load theme `name` (a message when it is broken: the default theme then). */
void console_load_theme(struct console *con, const char *name);

/* The pane's table, or its "loading", "unreachable" or empty state when rows
 * is NULL or empty: true when it drew such a state. */
bool pane_state(struct pane *p, json_t *rows, int y, int h);

/* A pane's table over rows with its filter (update), drawn in y..y+h-1 or
 * only its selection for R_ROW, or its state when it has no rows (draw). */
void pane_set_rows(struct pane *p, json_t *rows);
void pane_draw_table(struct pane *p, json_t *rows, int y, int h, enum reaction r);

/* The selected row of the pane's table, or NULL after saying none (a
 * translated "no order selected") on the status line. */
json_t *pane_selected(struct pane *p, const char *none);

/* What pane_class.update, .draw and .details are when NULL. */
void pane_update(struct pane *p);
void pane_draw(struct pane *p, int y, int h, enum reaction r);
void pane_details(struct pane *p);

/* A form's print destination: "to" (file or lp) and "file/lp" (the file,
 * or the printer, lp's default when empty), and the same as arguments. */
void dialog_print_target(struct dialog *d, const char *file);
void add_print_target(struct words *w, const struct dialog *d);
/* A form's "template" field: none (the label for no --template), then every
 * template that parses, by name (wisp template list). */
void dialog_template_choice(struct dialog *d, const char *none);

/* What pane_class.create is when NULL: a pane and its table. */
struct pane *pane_create(const struct pane_class *cls, struct console *con);

/* A new pane of `size` bytes (its struct starts with struct pane). */
void *pane_alloc(size_t size, const struct pane_class *cls, struct console *con);

#endif
