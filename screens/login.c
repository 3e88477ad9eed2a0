/*
 * login.c - the console's sign-in screen (see include/wisp/login.h).
 *
 * The password goes to libpq as a connection keyword and is never drawn,
 * logged or kept beyond the connection settings of this process.
 */
#include <curses.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/db.h"
#include "wisp/i18n.h"
#include "wisp/login.h"
#include "wisp/util.h"

#define ATTEMPTS 3

/* value quoted as a libpq conninfo value: '...' with \\ and \' escaped */
static void
add_quoted(struct sbuf *sb, const char *key, const char *value)
{
    sb_printf(sb, " %s='", key);
    for (const char *p = value; *p; p++) {
        if (*p == '\\' || *p == '\'')
            sb_addc(sb, '\\');
        sb_addc(sb, *p);
    }
    sb_addc(sb, '\'');
}

/* The settings with user and password added. A URI cannot take keywords
 * after it, so it is passed as dbname= of a keyword string, which libpq
 * expands, and the later keywords win. */
static char *
with_credentials(const char *conninfo, const char *user, const char *password)
{
    struct sbuf sb = {0};

    if (conninfo && strstr(conninfo, "://"))
        add_quoted(&sb, "dbname", conninfo);
    else if (conninfo)
        sb_add(&sb, conninfo);
    add_quoted(&sb, "user", user);
    add_quoted(&sb, "password", password);
    return sb_steal(&sb);
}

/* Only the server's reason: drop "cannot connect to ... database "x": " and
 * the advice meant for scripts. */
static void
reason_only(char *msg)
{
    /* db.c's message in the operator's language: what comes before its
     * "%s: %s" and after it are the parts to drop */
    const char *fmt = _("cannot connect to PostgreSQL at %s: %s (set --db, WISP_DB or "
                        "PGHOST/PGDATABASE)");
    const char *mid = strstr(fmt, "%s: %s");
    char *p = strstr(msg, "\": ");

    if (!mid)
        return;
    if (strncmp(msg, fmt, (size_t)(mid - fmt)) == 0 && p)
        memmove(msg, p + 3, strlen(p + 3) + 1);
    if (mid[6] && (p = strstr(msg, mid + 6)) != NULL)
        *p = '\0';
}

static void
draw(const char *user, size_t pwlen, int field, const char *message)
{
    const char *op = _("operator"), *pw = _("password");
    int w = 60, h = 9, y = (LINES - h) / 2, x = (COLS - w) / 2;
    /* the fields start after the wider label, whatever the language */
    int fx = x + 4 + (str_width(op) > str_width(pw) ? str_width(op) : str_width(pw));

    erase();
    for (int i = 0; i < h; i++) {
        attrset(colors_attr(TH_DIALOG));
        mvprintw(y + i, x, "%*s", w, "");
    }
    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    mvaddstr(y + 1, x + 2, _("wisp: sign in"));
    attrset(colors_attr(TH_DIALOG));
    mvaddstr(y + 3, x + 2, op);
    move(y + 3, fx);
    attrset(field == 0 ? colors_attr(TH_SELECTED) : colors_attr(TH_DIALOG));
    printw("%-30.30s", user);
    attrset(colors_attr(TH_DIALOG));
    mvaddstr(y + 4, x + 2, pw);
    move(y + 4, fx);
    attrset(field == 1 ? colors_attr(TH_SELECTED) : colors_attr(TH_DIALOG));
    printw("%-30s", "");
    (void)pwlen; /* not even the length shows */
    attrset(colors_attr(TH_BAD) | A_BOLD);
    if (message && *message)
        mvaddnstr(y + 6, x + 2, message, w - 4);
    attrset(colors_attr(TH_DIALOG) | A_DIM);
    mvaddstr(y + 7, x + 2, _("Enter: next   Esc: quit"));
    attrset(A_NORMAL);
    refresh();
}

int
login_screen(struct config *cfg, const char *first_error, int sig_fd, struct werr *e)
{
    char user[64] = "", pass[128] = "", message[sizeof e->msg];
    int attempt = 0, field = 0, ch;

    /* "no password supplied" just means: sign in. Other reasons are shown. */
    snprintf(message, sizeof message, "%s",
             strstr(first_error, "no password supplied") ? "" : first_error);
    reason_only(message);
    nodelay(stdscr, FALSE);
    while (attempt < ATTEMPTS) {
        char *buf = field ? pass : user;
        size_t cap = field ? sizeof pass : sizeof user, len = strlen(buf);

        draw(user, strlen(pass), field, message);
        /* a key, a signal, or the terminal gone */
        {
            struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {sig_fd, POLLIN, 0}};
            unsigned char sig = 0;

            if (poll(p, 2, -1) < 0)
                continue;
            if ((p[1].revents & POLLIN) && read(sig_fd, &sig, 1) == 1 && sig != SIGWINCH) {
                explicit_bzero(pass, sizeof pass);
                nodelay(stdscr, TRUE);
                return werr_set(e, WISP_ERUNTIME, _("sign-in cancelled by a signal"));
            }
            if (sig == SIGWINCH) {
                endwin();
                refresh();
                clear();
                continue;
            }
        }
        ch = getch();
        if (ch == ERR) { /* blocking: the terminal is gone (hung up, closed) */
            explicit_bzero(pass, sizeof pass);
            nodelay(stdscr, TRUE);
            return werr_set(e, WISP_ERUNTIME, _("sign-in: the terminal went away"));
        }
        if (ch == 27) {
            explicit_bzero(pass, sizeof pass);
            nodelay(stdscr, TRUE);
            return werr_set(e, WISP_ERUNTIME, _("sign-in cancelled"));
        }
        if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
            if (len)
                buf[len - 1] = '\0';
        } else if (ch == '\t' || ch == KEY_DOWN || ch == KEY_UP) {
            field = !field;
        } else if (ch == '\r' || ch == '\n' || ch == KEY_ENTER) {
            if (field == 0) {
                field = user[0] ? 1 : 0;
                continue;
            }
            {
                char *ci = with_credentials(cfg->db, user, pass);
                struct db db;
                struct werr why = {0};

                if (db_open(&db, ci, &why) == 0) {
                    db_close(&db);
                    free(cfg->db);
                    cfg->db = ci;
                    explicit_bzero(pass, sizeof pass);
                    nodelay(stdscr, TRUE);
                    return 0;
                }
                explicit_bzero(ci, strlen(ci));
                free(ci);
                attempt++;
                snprintf(message, sizeof message, "%s", why.msg);
                reason_only(message);
                explicit_bzero(pass, sizeof pass);
                field = 1;
            }
        } else if (ch >= ' ' && ch < 256 && len + 1 < cap) {
            buf[len] = (char)ch;
            buf[len + 1] = '\0';
        }
    }
    nodelay(stdscr, TRUE);
    return werr_set(e, WISP_ERUNTIME, _("sign-in failed %d times: %s"), ATTEMPTS, message);
}
