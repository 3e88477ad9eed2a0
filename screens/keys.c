/*
 * keys.c - the keys every pane shares, and dispatch, footer and help order
 * over them and the pane's own (see include/wisp/keys.h). An action changes
 * state and returns what must be redrawn; it never draws.
 */
#include <curses.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/feed.h"
#include "wisp/i18n.h"
#include "wisp/keys.h"
#include "wisp/prompt.h"
#include "wisp/runner.h"
#include "wisp/util.h"

static enum reaction
act_pane(struct pane *p, int key)
{
    struct console *con = p->con;

    if (key >= '1' && key < '1' + P_COUNT)
        con->cur = (enum pane_id)(key - '1');
    else if (key == '\t')
        con->cur = (enum pane_id)((con->cur + 1) % P_COUNT);
    else
        con->cur = (enum pane_id)((con->cur + P_COUNT - 1) % P_COUNT);
    p->detail = false;
    return R_SCREEN | R_VIEW; /* the new pane's data, now */
}

static enum reaction
act_help(struct pane *p, int key)
{
    (void)key;
    p->con->help = !p->con->help;
    p->con->help_top = 0;
    return R_OVERLAY;
}

static enum reaction
act_refresh(struct pane *p, int key)
{
    (void)key;
    console_say(p->con, _("refreshing"));
    return R_REFRESH | R_FOOTER;
}

static enum reaction
act_filter(struct pane *p, int key)
{
    (void)key;
    p->con->filtering = true;
    return R_FOOTER;
}

static enum reaction
act_sort(struct pane *p, int key)
{
    const char *title;

    if (!p->list)
        return R_NONE;
    title = listpane_sort(p->list, key == 'S', p->filter);
    console_say(p->con,
                p->list->sort_rev ? _("sorted by %s, descending") : _("sorted by %s, ascending"),
                title);
    return R_PANE | R_FOOTER;
}

static enum reaction
act_enter(struct pane *p, int key)
{
    (void)key;
    if (p->cls->enter)
        return p->cls->enter(p);
    if ((!p->cls->details && !p->cls->detail_rows) || !p->list || !listpane_selected(p->list))
        return R_NONE;
    p->detail = true;
    return R_OVERLAY;
}

static enum reaction
act_back(struct pane *p, int key)
{
    (void)key;
    if (p->con->help)
        p->con->help = false;
    else if (p->detail)
        p->detail = false;
    else if (p->filter[0]) {
        p->filter[0] = '\0';
        pane_update(p);
        return R_PANE | R_FOOTER | R_VIEW;
    } else if (p->cls->back)
        return p->cls->back(p);
    return R_SCREEN;
}

static enum reaction
act_command(struct pane *p, int key)
{
    (void)key;
    if (runner_busy(p->con->runner)) {
        console_say(p->con, _("a command is still running"));
        return R_FOOTER;
    }
    p->con->prompting = true;
    prompt_start();
    curs_set(1);
    return R_FOOTER;
}

static enum reaction
act_move(struct pane *p, int key)
{
    struct listpane *lp = p->cls->focused ? p->cls->focused(p) : p->list;

    if (!lp || !listpane_key(lp, key))
        return R_NONE;
    return p->cls->moved ? p->cls->moved(p) : R_ROW;
}

/* Shown before the pane's own keys. */
static const struct binding nav[] = {
    {'1', "1-6", N_("switch pane"), NULL, act_pane, ANYONE, false},
    {'2', NULL, NULL, NULL, act_pane, ANYONE, false},
    {'3', NULL, NULL, NULL, act_pane, ANYONE, false},
    {'4', NULL, NULL, NULL, act_pane, ANYONE, false},
    {'5', NULL, NULL, NULL, act_pane, ANYONE, false},
    {'6', NULL, NULL, NULL, act_pane, ANYONE, false},
    {'\t', "Tab", N_("next pane (Shift-Tab: previous)"), NULL, act_pane, ANYONE, false},
    {KEY_BTAB, NULL, NULL, NULL, act_pane, ANYONE, false},
    {KEY_UP, "\u2191\u2193 j k", N_("move the selection"), N_("move"), act_move, ANYONE, true},
    {KEY_DOWN, NULL, NULL, NULL, act_move, ANYONE, true},
    {'j', NULL, NULL, NULL, act_move, ANYONE, true},
    {'k', NULL, NULL, NULL, act_move, ANYONE, true},
    {KEY_PPAGE, "PgUp PgDn", N_("a page up or down"), NULL, act_move, ANYONE, true},
    {KEY_NPAGE, NULL, NULL, NULL, act_move, ANYONE, true},
    {'g', "g G Home End", N_("first or last row"), NULL, act_move, ANYONE, true},
    {'G', NULL, NULL, NULL, act_move, ANYONE, true},
    {KEY_HOME, NULL, NULL, NULL, act_move, ANYONE, true},
    {KEY_END, NULL, NULL, NULL, act_move, ANYONE, true},
    {'\n', "Enter", N_("open: details (a batch's vouchers, a voucher's QR)"), N_("open"), act_enter,
     ANYONE, true},
    {'\r', NULL, NULL, NULL, act_enter, ANYONE, true},
    {KEY_ENTER, NULL, NULL, NULL, act_enter, ANYONE, true},
    {27, "Esc", N_("back, close, clear the filter"), N_("back"), act_back, ANYONE, false},
    {'/', "/", N_("filter the table as you type"), N_("filter"), act_filter, ANYONE, true},
};

/* Shown after the pane's own keys. */
static const struct binding tail[] = {
    {'s', "s S", N_("sort by the next column, reverse"), N_("sort"), act_sort, ANYONE, true},
    {'S', NULL, NULL, NULL, act_sort, ANYONE, true},
    {':', ":", N_("command line: any wisp command, or theme NAME (Tab completes, \u2191 history)"),
     N_("command"), act_command, ANYONE, false},
    {'r', "r", N_("refresh now"), NULL, act_refresh, ANYONE, false},
    {12, "Ctrl-L", N_("redraw the screen"), NULL, NULL, ANYONE, false, R_REPAINT},
    {'?', "?", N_("this help"), N_("help"), act_help, ANYONE, false},
    {'q', "q", N_("quit (also F10)"), N_("quit"), NULL, ANYONE, false, R_QUIT},
    {KEY_F(10), NULL, NULL, NULL, NULL, ANYONE, false, R_QUIT},
};

#define NNAV  (sizeof nav / sizeof nav[0])
#define NTAIL (sizeof tail / sizeof tail[0])

/* Does b apply in pane p? */
static bool
applies(const struct binding *b, const struct pane *p)
{
    return !b->tables || p->list != NULL;
}

/* Every binding of the pane in display order: the shared ones before it,
 * its own, the shared ones after. */
static const struct binding *
nth(const struct pane *p, size_t i)
{
    if (i < NNAV)
        return &nav[i];
    i -= NNAV;
    if (i < p->cls->nkeys)
        return &p->cls->keys[i];
    i -= p->cls->nkeys;
    return i < NTAIL ? &tail[i] : NULL;
}

enum reaction
keys_dispatch(struct console *con, int ch)
{
    struct pane *p = console_pane(con);
    const struct binding *b;

    for (size_t i = 0; i < p->cls->nkeys; i++) /* the pane's own first */
        if (p->cls->keys[i].key == ch)
            return p->cls->keys[i].fn(p, ch);
    for (size_t i = 0; (b = nth(p, i)) != NULL; i++)
        if (b->key == ch && applies(b, p))
            return b->fn ? b->fn(p, ch) : b->react;
    return R_NONE;
}

size_t
keys_shown(struct console *con, const struct binding **out, size_t max)
{
    struct pane *p = console_pane(con);
    const struct binding *b;
    size_t n = 0;

    for (size_t i = 0; (b = nth(p, i)) != NULL && n < max; i++)
        if (b->label && applies(b, p))
            out[n++] = b;
    return n;
}

void
keys_footer(struct console *con)
{
    const struct binding *shown[64];
    size_t n = keys_shown(con, shown, 64);
    const char *help = _("help"), *quit = _("quit");
    /* " ? " help " q " quit, as wide as the language makes them ("help  q  quit": 18) */
    int y = LINES - 1, right = 10 + str_width(help) + str_width(quit);

    move(y, 0);
    for (size_t i = 0; i < n; i++) {
        const struct binding *b = shown[i];

        if (b->hint == NULL || b->key == '?' || b->key == 'q' ||
            getcurx(stdscr) + str_width(b->label) + str_width(_(b->hint)) + 4 > COLS - right)
            continue;
        if (b->need > console_role(con))
            continue; /* actions the role lacks are left out */
        attrset(colors_attr(TH_KEY));
        printw(" %s ", b->label);
        attrset(colors_attr(TH_FOOTER));
        printw(" %s ", _(b->hint));
    }
    /* help and quit always show, at the right */
    move(y, COLS - right);
    attrset(colors_attr(TH_KEY));
    addstr(" ? ");
    attrset(colors_attr(TH_FOOTER));
    printw(" %s ", help);
    attrset(colors_attr(TH_KEY));
    addstr(" q ");
    attrset(colors_attr(TH_FOOTER));
    printw(" %s", quit);
    attrset(A_NORMAL);
}
