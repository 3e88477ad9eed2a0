/*
 * prompt.c - readline in the console's footer (see include/wisp/prompt.h).
 *
 * Readline's own terminal handling is switched off: it reads characters from
 * rl_getc_function (our queue of fed bytes), draws through
 * rl_redisplay_function (a no-op: the console draws rl_line_buffer itself),
 * and never catches signals. Curses key codes become the escape sequences
 * readline's default key map knows.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "wisp/cli.h"
#include "wisp/prompt.h"
#include "wisp/util.h"

static struct {
    unsigned char queue[16];
    int head, tail;
    bool finished;
    char *line;
    char *history;
    char **plans, **routers;
    char hint[256];
} pr;

static int
queued_getc(FILE *f)
{
    (void)f;
    return pr.head < pr.tail ? pr.queue[pr.head++] : EOF;
}

static int
queued_available(void)
{
    return pr.head < pr.tail;
}

static void
redisplay(void)
{
    /* the console draws rl_line_buffer on its next frame */
}

static void
on_line(char *line)
{
    pr.finished = true;
    pr.line = line;
    rl_callback_handler_remove();
}

static char **
complete(const char *text, int start, int end)
{
    pr.hint[0] = '\0';
    return cli_complete(rl_line_buffer, start, end, text, CMD_CONSOLE,
                        (const char *const *)pr.plans, (const char *const *)pr.routers);
}

/* Several matches: show them in the footer instead of readline's own list. */
static void
show_matches(char **matches, int n, int longest)
{
    struct sbuf sb = {0};

    (void)longest;
    for (int i = 1; i <= n && sb.len < sizeof pr.hint - 32; i++)
        sb_printf(&sb, "%s%s", i > 1 ? "  " : "", matches[i]);
    snprintf(pr.hint, sizeof pr.hint, "%s", sb.buf ? sb.buf : "");
    sb_free(&sb);
}

void
prompt_init(void)
{
    rl_catch_signals = 0;
    rl_catch_sigwinch = 0;
    rl_change_environment = 0;
    rl_prep_term_function = NULL;
    rl_deprep_term_function = NULL;
    rl_getc_function = queued_getc;
    rl_input_available_hook = queued_available;
    rl_redisplay_function = redisplay;
    rl_attempted_completion_function = complete;
    rl_completion_display_matches_hook = show_matches;
    rl_readline_name = "wisp";
    rl_outstream = fopen("/dev/null", "w"); /* readline must never write to the screen */
    rl_bind_key('\t', rl_complete);
    using_history();
    pr.history = cli_history_path();
    if (pr.history)
        read_history(pr.history);
}

void
prompt_start(void)
{
    pr.finished = false;
    pr.line = NULL;
    pr.hint[0] = '\0';
    rl_callback_handler_install(":", on_line);
}

/* The bytes a terminal sends for a key, as readline expects them. */
static const char *
key_bytes(int ch, char *one)
{
    switch (ch) {
    case KEY_UP:
        return "\033[A";
    case KEY_DOWN:
        return "\033[B";
    case KEY_RIGHT:
        return "\033[C";
    case KEY_LEFT:
        return "\033[D";
    case KEY_HOME:
        return "\033[H";
    case KEY_END:
        return "\033[F";
    case KEY_DC:
        return "\033[3~";
    case KEY_BACKSPACE:
        return "\177";
    case KEY_ENTER:
        return "\r";
    default:
        if (ch < 0 || ch > 255)
            return "";
        one[0] = (char)ch;
        one[1] = '\0';
        return one;
    }
}

bool
prompt_key(int ch, char **line)
{
    char one[2];
    const char *bytes;

    if (ch == 27) { /* Esc cancels */
        rl_callback_handler_remove();
        *line = NULL;
        return true;
    }
    bytes = key_bytes(ch, one);
    pr.head = 0;
    pr.tail = 0;
    for (; *bytes && pr.tail < (int)sizeof pr.queue; bytes++)
        pr.queue[pr.tail++] = (unsigned char)*bytes;
    if (ch == 0) /* Ctrl-Space etc.: a NUL byte */
        pr.queue[pr.tail++] = 0;
    while (pr.head < pr.tail && !pr.finished)
        rl_callback_read_char();
    if (!pr.finished)
        return false;
    if (pr.line && *pr.line)
        add_history(pr.line);
    *line = pr.line;
    pr.finished = false;
    return true;
}

void
prompt_draw(int y)
{
    int cursor;

    move(y, 0);
    clrtoeol();
    mvaddstr(y, 0, ":");
    addnstr(rl_line_buffer ? rl_line_buffer : "", COLS - 2);
    cursor =
        1 + (rl_line_buffer ? str_width(rl_line_buffer) - str_width(rl_line_buffer + rl_point) : 0);
    move(y, cursor < COLS ? cursor : COLS - 1);
}

/* Replace a NULL-terminated list with a copy of words[0..n). */
static void
set_words(char ***list, const char *const *words, int n)
{
    for (char **p = *list; p && *p; p++)
        free(*p);
    free(*list);
    *list = xcalloc((size_t)n + 1, sizeof **list);
    for (int i = 0; i < n; i++)
        (*list)[i] = xstrdup(words[i]);
}

void
prompt_set_plans(const char *const *plans, int n)
{
    set_words(&pr.plans, plans, n);
}

void
prompt_set_routers(const char *const *routers, int n)
{
    set_words(&pr.routers, routers, n);
}

const char *
prompt_hint(void)
{
    return pr.hint[0] ? pr.hint : NULL;
}

void
prompt_done(void)
{
    if (pr.history) {
        write_history(pr.history);
        history_truncate_file(pr.history, 1000);
    }
    free(pr.history);
    set_words(&pr.plans, NULL, 0);
    set_words(&pr.routers, NULL, 0);
    free(pr.plans);
    free(pr.routers);
    pr.plans = pr.routers = NULL;
    if (rl_outstream && rl_outstream != stdout)
        fclose(rl_outstream);
    rl_outstream = NULL;
    clear_history();
    memset(&pr, 0, sizeof pr);
}
