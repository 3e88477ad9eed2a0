/*
 * cli.c - the command table and its parser (see include/wisp/cli.h).
 *
 * Commands are found by their words ("voucher create"), then the remaining
 * arguments are matched against the command's flag records (and --json,
 * which every command with a result takes). Flags may appear anywhere after
 * the words, as --name VALUE or --name=VALUE. Errors in the command line are
 * WISP_EUSAGE (exit 2) and the caller prints the usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <readline/readline.h>

#include "wisp/cli.h"
#include "wisp/events.h"
#include "wisp/i18n.h"
#include "wisp/metrics.h"
#include "wisp/secret.h"
#include "wisp/texttable.h"
#include "wisp/util.h"

static const struct cmd_entry *const cmd_groups[] = {
    cmd_plan_entries,    cmd_voucher_entries,  cmd_batch_entries, cmd_router_entries,
    cmd_session_entries, cmd_worker_entries,   cmd_order_entries, cmd_report_entries,
    cmd_metrics_entries, cmd_operator_entries, cmd_audit_entries, cmd_db_entries,
    cmd_config_entries,  cmd_shell_entries,    cmd_theme_entries, cmd_template_entries,
    cmd_backup_entries,  cmd_doctor_entries,
    cmd_radius_entries,  cmd_garden_entries,   cmd_subscriber_entries,
    cmd_webhook_entries,
    cmd_notify_entries,
};
#define NGROUPS (sizeof cmd_groups / sizeof cmd_groups[0])

/* Global flags, accepted anywhere on the command line. */
static const struct {
    const char *name;
    const char *key; /* config key it sets, or NULL for --config */
} global_flags[] = {
    {"config", NULL},
    {"db", "db"},
    {"redis", "redis"},
    {"theme", "theme"},
};

void
cli_each(void (*fn)(const struct cmd_entry *c, void *arg), void *arg)
{
    for (size_t g = 0; g < NGROUPS; g++)
        for (const struct cmd_entry *c = cmd_groups[g]; c->name; c++)
            fn(c, arg);
}

/* How many words of name match argv (0 when they do not all match). */
static int
words_match(const char *name, int argc, char **argv)
{
    int n = 0;
    const char *p = name;

    while (*p) {
        size_t len = strcspn(p, " ");

        if (n >= argc || strlen(argv[n]) != len || strncmp(argv[n], p, len) != 0)
            return 0;
        n++;
        p += len;
        while (*p == ' ')
            p++;
    }
    return n;
}

const struct cmd_entry *
cli_find(int argc, char **argv, int *used)
{
    const struct cmd_entry *best = NULL;
    int best_n = 0, n;

    for (size_t g = 0; g < NGROUPS; g++)
        for (const struct cmd_entry *c = cmd_groups[g]; c->name; c++)
            if ((n = words_match(c->name, argc, argv)) > best_n)
                best = c, best_n = n;
    *used = best_n;
    return best;
}

/* True when some command's first word is `word` ("voucher"). */
static bool
is_group(const char *word)
{
    size_t len = strlen(word);

    for (size_t g = 0; g < NGROUPS; g++)
        for (const struct cmd_entry *c = cmd_groups[g]; c->name; c++)
            if (strncmp(c->name, word, len) == 0 && (c->name[len] == ' ' || c->name[len] == '\0'))
                return true;
    return false;
}

/* The usage line; --json, which every command with a result takes, last. */
static void
print_usage(FILE *out, const struct cmd_entry *c)
{
    const char *usage = c->usage ? c->usage : "";
    bool json = !(c->traits & CMD_NO_JSON) && !strstr(usage, "--json");

    fprintf(out, _("usage: wisp %s%s%s%s\n"), c->name, *usage ? " " : "", usage,
            json ? " [--json]" : "");
}

void
cli_help(FILE *out, const char *topic)
{
    size_t tlen = topic ? strlen(topic) : 0;

    if (topic == NULL) {
        fprintf(out,
                _("wisp %s - the hotspot shop console\n\n"
                  "usage: wisp [--config FILE] [--db CONNINFO] [--redis URL] COMMAND [ARGS] "
                  "[--json]\n"
                  "       wisp COMMAND --help\n\n"
                  "commands:\n"),
                WISP_VERSION);
    } else {
        fprintf(out, _("wisp %s commands:\n"), topic);
    }
    for (size_t g = 0; g < NGROUPS; g++)
        for (const struct cmd_entry *c = cmd_groups[g]; c->name; c++)
            if (topic == NULL || (strncmp(c->name, topic, tlen) == 0 && c->name[tlen] == ' '))
                fprintf(out, "  %-18s %s\n", c->name, _(c->summary));
    if (topic == NULL)
        fputs(_("\nglobal flags: --config FILE, --db CONNINFO (or WISP_DB), --redis URL (or "
                "WISP_REDIS), --theme NAME, --help, --version\n"
                "--json after a command prints its result as JSON instead of text.\n"
                "Exit status: 0 done, 1 failed, 2 bad command line. See wisp(1).\n"),
              out);
}

/* --json, taken by every command that has a result. */
static const struct cmd_flag json_flag = {"json", 0, FLAG_BOOL};

static const struct cmd_flag *
find_flag(const struct cmd_entry *c, const char *name, char shortname)
{
    for (const struct cmd_flag *f = c->flags; f && f->name; f++)
        if (shortname ? f->shortname == shortname : str_eq(f->name, name))
            return f;
    if (!shortname && str_eq(name, json_flag.name) && !(c->traits & CMD_NO_JSON))
        return &json_flag;
    return NULL;
}

static void
args_free(struct cmd_args *a)
{
    free(a->pos);
    free(a->opt);
}

static void
add_opt(struct cmd_args *a, const char *name, char *value)
{
    a->opt = xrealloc(a->opt, (size_t)(a->nopt + 1) * sizeof *a->opt);
    a->opt[a->nopt].name = name;
    a->opt[a->nopt].value = value;
    a->nopt++;
}

/* Turn the words after the command name into flags and positionals. */
static int
parse_args(const struct cmd_entry *c, int argc, char **argv, struct cmd_args *a, struct werr *e)
{
    bool flags_done = false;

    a->pos = xcalloc((size_t)argc + 1, sizeof *a->pos);
    for (int i = 0; i < argc; i++) {
        char *arg = argv[i], *eq;
        const struct cmd_flag *f;
        char name[64];

        if (flags_done || arg[0] != '-' || arg[1] == '\0') {
            a->pos[a->npos++] = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            flags_done = true;
            continue;
        }
        if (arg[1] != '-') { /* -o FILE */
            if (arg[2] != '\0' || (f = find_flag(c, NULL, arg[1])) == NULL)
                return werr_set(e, WISP_EUSAGE, _("unknown flag %s for `wisp %s`"), arg, c->name);
            eq = NULL;
        } else {
            snprintf(name, sizeof name, "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
            eq = strchr(arg, '=');
            if ((f = find_flag(c, name, 0)) == NULL)
                return werr_set(e, WISP_EUSAGE, _("unknown flag --%s for `wisp %s`"), name,
                                c->name);
        }
        if (f->kind == FLAG_BOOL) {
            if (eq)
                return werr_set(e, WISP_EUSAGE, _("flag --%s takes no value"), f->name);
            add_opt(a, f->name, NULL);
            continue;
        }
        if (eq) {
            add_opt(a, f->name, eq + 1);
        } else if (f->kind == FLAG_OPTIONAL) {
            add_opt(a, f->name, i + 1 < argc && argv[i + 1][0] != '-' ? argv[++i] : "");
        } else if (i + 1 < argc) {
            add_opt(a, f->name, argv[++i]);
        } else {
            return werr_set(e, WISP_EUSAGE, _("flag --%s needs a value"), f->name);
        }
    }
    if (a->npos < c->min_pos)
        return werr_set(e, WISP_EUSAGE,
                        c->min_pos == 1 ? _("`wisp %s` needs an argument")
                                        : _("`wisp %s` needs more arguments"),
                        c->name);
    if (a->npos > c->max_pos)
        return werr_set(e, WISP_EUSAGE, _("unexpected argument \"%s\" for `wisp %s`"),
                        a->pos[c->max_pos], c->name);
    return 0;
}

const char *
args_get(const struct cmd_args *a, const char *name)
{
    for (int i = a->nopt - 1; i >= 0; i--)
        if (strcmp(a->opt[i].name, name) == 0)
            return a->opt[i].value ? a->opt[i].value : "";
    return NULL;
}

bool
args_has(const struct cmd_args *a, const char *name)
{
    return args_get(a, name) != NULL;
}

const char *
args_nth(const struct cmd_args *a, const char *name, int n)
{
    for (int i = 0; i < a->nopt; i++)
        if (strcmp(a->opt[i].name, name) == 0 && n-- == 0)
            return a->opt[i].value;
    return NULL;
}

static bool
wants_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

/* Tell whoever listens (the console) that data changed, after the metrics
 * have it. PostgreSQL already holds the change, so a Redis that is down
 * costs only a slower redraw. */
static void
announce(struct cmd_ctx *ctx, const struct cmd_entry *c)
{
    struct werr e = {0};
    char type[64];

    if (ctx->db_open)
        metrics_note(ctx->cfg, &ctx->db, &e);

    snprintf(type, sizeof type, "%s", c->name);
    for (char *p = type; *p; p++)
        if (*p == ' ')
            *p = '.';
    events_publish(ctx->cfg, type, json_pack("{s:s}", "command", c->name), &e);
}

/* A command, or one of its flags, that may not run where ctx runs: the
 * console's screen and keyboard, or the shell's prompt, are not its to take;
 * the console's own commands (theme) have nothing to act on elsewhere.
 * One line, no usage after it (ctx->cmd cleared): the command line is right,
 * the place is not. */
static int
refuse_here(struct cmd_ctx *ctx, const struct cmd_entry *c, const struct cmd_args *a,
            struct werr *e)
{
    unsigned here = ctx->place ? (unsigned)ctx->place : CMD_CLI;
    char what[96];

    if (c->places == CMD_CONSOLE && here != CMD_CONSOLE) {
        ctx->cmd = NULL;
        return werr_set(e, WISP_EUSAGE, _("`%s` runs only on the console's `:` line"), c->name);
    }

    snprintf(what, sizeof what, "%s", c->name);
    if (c->places & here) {
        const struct cmd_flag *f = NULL;

        for (int i = 0; i < a->nopt && !f; i++)
            if ((f = find_flag(c, a->opt[i].name, 0)) != NULL && (!f->places || (f->places & here)))
                f = NULL;
        if (f == NULL)
            return 0;
        snprintf(what, sizeof what, "%s --%s", c->name, f->name);
    }
    ctx->cmd = NULL;
    if (here == CMD_CONSOLE)
        return werr_set(e, WISP_EUSAGE,
                        _("`%s` needs the terminal to itself: run `wisp %s` outside the console"),
                        what, what);
    return werr_set(e, WISP_EUSAGE,
                    _("`%s` cannot run inside `wisp shell`: run `wisp %s` on its own"), what, what);
}

/* "voucher create 12000/100000" on the terminal, overwritten in place: a
 * long command's progress when nobody else (the console) takes it. */
static void
progress_line(int64_t done, int64_t total, void *arg)
{
    const struct cmd_ctx *ctx = arg;

    fprintf(stderr, "\r%s %" PRId64 "/%" PRId64 "%s", ctx->cmd->name, done, total,
            done == total ? "\n" : "");
    fflush(stderr);
}

/* Run c with its parsed arguments: progress for a long command on a
 * terminal, text or the result under --json, the event when it changed
 * data. ctx->result holds what it returned. */
static int
exec_command(struct cmd_ctx *ctx, const struct cmd_entry *c, const struct cmd_args *a,
             struct werr *e)
{
    bool own_progress;
    int rc;

    ctx->json = args_has(a, "json");
    own_progress = !ctx->progress && (c->traits & CMD_LONG) && !ctx->json && isatty(STDERR_FILENO);
    if (own_progress) {
        ctx->progress = progress_line;
        ctx->progress_arg = ctx;
    }
    rc = c->exec(ctx, a, e) < 0 ? (e->status ? e->status : WISP_ERUNTIME) : 0;
    if (own_progress)
        ctx->progress = NULL, ctx->progress_arg = NULL;
    if (rc == 0 && ctx->json && ctx->result)
        cmd_print_json(ctx, json_incref(ctx->result));
    ctx->json = false;
    if (rc == 0 && (c->traits & CMD_MUTATES))
        announce(ctx, c);
    return rc;
}

int
cli_run(struct cmd_ctx *ctx, int argc, char **argv, struct werr *e)
{
    return cli_call(ctx, argc, argv, NULL, e);
}

int
cli_call(struct cmd_ctx *ctx, int argc, char **argv, json_t **result, struct werr *e)
{
    const struct cmd_entry *c;
    struct cmd_args a = {0};
    int used, rc;

    if (result)
        *result = NULL;
    json_decref(ctx->result);
    ctx->result = NULL;
    ctx->cmd = NULL;
    if (argc == 0 || strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
        strcmp(argv[0], "help") == 0) {
        if (argc > 1 && (c = cli_find(argc - 1, argv + 1, &used)) != NULL) {
            print_usage(ctx->out, c);
            fprintf(ctx->out, "%s\n", _(c->summary));
        } else if (argc > 1 && is_group(argv[1])) {
            cli_help(ctx->out, argv[1]);
        } else {
            cli_help(ctx->out, NULL);
        }
        return 0;
    }
    if (strcmp(argv[0], "--version") == 0 || strcmp(argv[0], "-V") == 0) {
        fprintf(ctx->out, "wisp %s\n", WISP_VERSION);
        return 0;
    }
    c = cli_find(argc, argv, &used);
    if (c == NULL) {
        if (is_group(argv[0])) {
            if (wants_help(argc, argv)) {
                cli_help(ctx->out, argv[0]);
                return 0;
            }
            werr_set(e, WISP_EUSAGE, _("unknown %s command%s%s (see `wisp %s --help`)"), argv[0],
                     argc > 1 ? " " : "", argc > 1 ? argv[1] : "", argv[0]);
            return WISP_EUSAGE;
        }
        werr_set(e, WISP_EUSAGE, _("unknown command \"%s\" (see `wisp --help`)"), argv[0]);
        return WISP_EUSAGE;
    }
    ctx->cmd = c;
    if (wants_help(argc - used, argv + used)) {
        print_usage(ctx->out, c);
        fprintf(ctx->out, "%s\n", _(c->summary));
        return 0;
    }
    if (parse_args(c, argc - used, argv + used, &a, e) < 0 || refuse_here(ctx, c, &a, e) < 0) {
        args_free(&a);
        return WISP_EUSAGE;
    }
    rc = exec_command(ctx, c, &a, e);
    args_free(&a);
    if (rc == 0 && result)
        *result = ctx->result;
    else
        json_decref(ctx->result);
    ctx->result = NULL;
    return rc;
}

void
cli_print_usage(FILE *out, const struct cmd_entry *c)
{
    print_usage(out, c);
}

/* A password on the command line is visible to every user of the machine
 * (ps, /proc/PID/cmdline) and lands in shell history: say where it belongs.
 * A warning, not a refusal, so a script keeps working while it is fixed. */
static void
warn_secret(const char *origin, const char *value)
{
    char *masked = secret_mask(value);

    if (!str_eq(masked, value))
        fprintf(stderr,
                _("wisp: warning: %s holds a password, which other users can see in the process "
                  "list; keep it in %s\n"),
                origin,
                str_eq(origin, "--db") ? _("~/.pgpass or a service file (PGSERVICE) instead")
                                       : _("the config file (chmod 600) or WISP_REDIS instead"));
    free(masked);
}

int
cli_setup(struct config *cfg, int argc, char **argv, int *restc, char ***rest, struct werr *e)
{
    const char *config_file = NULL, *values[sizeof global_flags / sizeof global_flags[0]] = {0};
    char **out = xcalloc((size_t)argc + 1, sizeof *out);
    int n = 0;

    for (int i = 0; i < argc; i++) {
        size_t g, len;
        const char *arg = argv[i], *val = NULL;

        if (strcmp(arg, "--") == 0) {
            while (i < argc)
                out[n++] = argv[i++];
            break;
        }
        for (g = 0; g < sizeof global_flags / sizeof global_flags[0]; g++) {
            len = strlen(global_flags[g].name);
            if (strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, global_flags[g].name, len) == 0 &&
                (arg[2 + len] == '\0' || arg[2 + len] == '='))
                break;
        }
        if (g == sizeof global_flags / sizeof global_flags[0]) {
            out[n++] = argv[i];
            continue;
        }
        if (arg[2 + len] == '=') {
            val = arg + 3 + len;
        } else if (i + 1 < argc) {
            val = argv[++i];
        } else {
            free(out);
            return werr_set(e, WISP_EUSAGE, _("flag --%s needs a value"), global_flags[g].name);
        }
        if (global_flags[g].key == NULL)
            config_file = val;
        else
            values[g] = val;
    }
    if (config_load_file(cfg, config_file, e) < 0 || config_load_env(cfg, e) < 0)
        goto fail;
    for (size_t g = 0; g < sizeof global_flags / sizeof global_flags[0]; g++) {
        char origin[32];

        if (values[g] == NULL)
            continue;
        snprintf(origin, sizeof origin, "--%s", global_flags[g].name);
        if (config_set(cfg, global_flags[g].key, values[g], origin, e) < 0)
            goto fail;
        warn_secret(origin, values[g]);
    }
    *restc = n;
    *rest = out;
    return 0;
fail:
    free(out);
    return -1;
}

struct db *
cmd_db(struct cmd_ctx *ctx, struct werr *e)
{
    if (ctx->db_open)
        return &ctx->db;
    if (db_open(&ctx->db, ctx->cfg->db, e) < 0)
        return NULL;
    if (db_check_schema(&ctx->db, e) < 0 || db_load_role(&ctx->db, e) < 0) {
        db_close(&ctx->db);
        return NULL;
    }
    ctx->db_open = true;
    return &ctx->db;
}

void
cmd_ctx_close(struct cmd_ctx *ctx)
{
    if (ctx->db_open)
        db_close(&ctx->db);
    ctx->db_open = false;
}

void
cmd_print_json(struct cmd_ctx *ctx, json_t *j)
{
    /* ASCII only: a C1 control (U+009B is CSI) a router reported stays \u escaped */
    json_dumpf(j, ctx->out, JSON_PRESERVE_ORDER | JSON_INDENT(2) | JSON_ENSURE_ASCII);
    fputc('\n', ctx->out);
    json_decref(j);
}

void
cmd_result(struct cmd_ctx *ctx, json_t *j)
{
    json_decref(ctx->result);
    ctx->result = j ? j : json_object();
}

/* Text for people, unless the caller asked for JSON. */
static void __attribute__((format(printf, 2, 0)))
vsay(struct cmd_ctx *ctx, const char *fmt, va_list ap)
{
    if (!ctx->json)
        vfprintf(ctx->out, fmt, ap);
}

void
cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsay(ctx, fmt, ap);
    va_end(ap);
}

void
cmd_label(FILE *out, const char *label, int cols)
{
    const char *text = _(label);
    int w = str_width(text);

    fputs(text, out);
    fprintf(out, "%*s", w < cols ? cols - w : 1, "");
}

void
cmd_done(struct cmd_ctx *ctx, json_t *result, const char *fmt, ...)
{
    va_list ap;

    cmd_result(ctx, result);
    va_start(ap, fmt);
    vsay(ctx, fmt, ap);
    va_end(ap);
}

void
cmd_print_list(struct cmd_ctx *ctx, json_t *list, const char *const *head, const char *const *keys)
{
    struct texttable t;
    json_t *row;
    size_t i;

    if (!ctx->json) {
        texttable_init(&t, head);
        json_array_foreach(list, i, row) texttable_add_json(&t, row, keys);
        texttable_print(&t, ctx->out);
    }
    cmd_result(ctx, list);
}

/* One line from f without its newline; NULL at end of file. */
static char *
read_line(FILE *f)
{
    struct sbuf sb = {0};
    int ch;

    while ((ch = fgetc(f)) != EOF && ch != '\n')
        sb_addc(&sb, (char)ch);
    if (ch == EOF && sb.len == 0) {
        sb_free(&sb);
        return NULL;
    }
    if (sb.len && sb.buf[sb.len - 1] == '\r')
        sb.buf[--sb.len] = '\0';
    return sb_steal(&sb);
}

/* Ask on /dev/tty with echo off. */
static char *
ask_tty(const char *prompt, struct werr *e)
{
    struct termios old, quiet;
    FILE *tty = fopen("/dev/tty", "r+");
    char *line;

    if (tty == NULL) {
        werr_set(e, WISP_EUSAGE, _("no terminal to read a password from: use --password-stdin"));
        return NULL;
    }
    fprintf(tty, "%s", prompt);
    fflush(tty);
    tcgetattr(fileno(tty), &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
    line = read_line(tty);
    tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (line == NULL)
        werr_set(e, WISP_ERUNTIME, _("no password given"));
    return line;
}

char *
cmd_read_password(struct cmd_ctx *ctx, const char *prompt, bool confirm, bool from_stdin,
                  struct werr *e)
{
    char *pw, *again;

    if (!from_stdin && !ctx->interactive) {
        werr_set(e, WISP_EUSAGE, _("no terminal to read a password from: use --password-stdin"));
        return NULL;
    }
    if (from_stdin) {
        pw = read_line(ctx->in);
        if (pw == NULL || *pw == '\0') {
            free(pw);
            werr_set(e, WISP_EUSAGE, _("--password-stdin: no password on standard input"));
            return NULL;
        }
        return pw;
    }
    if ((pw = ask_tty(prompt, e)) == NULL)
        return NULL;
    if (*pw == '\0') {
        free(pw);
        werr_set(e, WISP_EUSAGE, _("empty password refused"));
        return NULL;
    }
    if (!confirm)
        return pw;
    if ((again = ask_tty(_("again: "), e)) == NULL) {
        free(pw);
        return NULL;
    }
    if (strcmp(pw, again) != 0) {
        free(pw);
        free(again);
        werr_set(e, WISP_EUSAGE, _("the two passwords differ; nothing changed"));
        return NULL;
    }
    free(again);
    return pw;
}

char **
cli_split(const char *line, int *argc, struct werr *e)
{
    char **argv = xcalloc(strlen(line) / 2 + 2, sizeof *argv);
    struct sbuf word = {0};
    const char *p = line;
    int n = 0;

    for (;;) {
        bool in_word = false;
        char quote = 0;

        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0')
            break;
        sb_reset(&word);
        for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
            in_word = true;
            if (quote && *p == quote) {
                quote = 0;
            } else if (!quote && (*p == '\'' || *p == '"')) {
                quote = *p;
            } else if (*p == '\\' && quote != '\'' && p[1]) {
                sb_addc(&word, *++p);
            } else {
                sb_addc(&word, *p);
            }
        }
        if (quote) {
            sb_free(&word);
            argv[n] = NULL;
            cli_free_words(argv);
            werr_set(e, WISP_EUSAGE, _("unterminated %c quote"), quote);
            return NULL;
        }
        if (in_word)
            argv[n++] = xstrdup(word.buf ? word.buf : "");
    }
    sb_free(&word);
    argv[n] = NULL;
    *argc = n;
    return argv;
}

void
cli_free_words(char **argv)
{
    for (char **a = argv; a && *a; a++)
        free(*a);
    free(argv);
}

char *
cli_state_path(const char *name)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char *dir, *path;

    if (state && *state)
        dir = xasprintf("%s/wisp", state);
    else if (home && *home)
        dir = xasprintf("%s/.local/state/wisp", home);
    else
        return NULL;
    for (char *slash = strchr(dir + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0'; /* mkdir -p */
        mkdir(dir, 0700);
        *slash = '/';
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        free(dir);
        return NULL;
    }
    path = xasprintf("%s/%s", dir, name);
    free(dir);
    return path;
}

char *
cli_history_path(void)
{
    return cli_state_path("history");
}

/* Completion candidates for one call, kept for the generator below. */
struct completion {
    char **words;
    int n, next;
};
static struct completion completion;

static void
add_candidate(const char *w, const char *text)
{
    if (strncmp(w, text, strlen(text)) != 0)
        return;
    for (int i = 0; i < completion.n; i++)
        if (strcmp(completion.words[i], w) == 0)
            return;
    completion.words = xrealloc(completion.words, (size_t)(completion.n + 1) * sizeof(char *));
    completion.words[completion.n++] = xstrdup(w);
}

static char *
generator(const char *text, int state)
{
    (void)text;
    if (state == 0)
        completion.next = 0;
    if (completion.next < completion.n)
        return xstrdup(completion.words[completion.next++]);
    return NULL;
}

/* Fill `completion` with what may follow line[0..start) as the word text. */
static void
collect(const char *line, int start, const char *text, enum cmd_place place,
        const char *const *plans, const char *const *routers)
{
    char *head = xasprintf("%.*s", start, line);
    int argc = 0, used = 0;
    struct werr e = {0};
    char **argv = cli_split(head, &argc, &e);
    const struct cmd_entry *c = argv ? cli_find(argc, argv, &used) : NULL;

    for (int i = 0; i < completion.n; i++)
        free(completion.words[i]);
    free(completion.words);
    memset(&completion, 0, sizeof completion);
    if (argv == NULL) {
        free(head);
        return;
    }
    if (c == NULL) {
        /* the next word of a command name: "vou" -> voucher, "voucher c" -> create */
        for (size_t g = 0; g < NGROUPS; g++)
            for (const struct cmd_entry *ce = cmd_groups[g]; ce->name; ce++) {
                char words[64], *w, *rest = words;
                int k = 0;

                if (!(ce->places & (unsigned)place))
                    continue; /* never offer what would be refused here */
                snprintf(words, sizeof words, "%s", ce->name);
                /* strsep keeps no hidden state: the console runs a worker thread */
                for (w = strsep(&rest, " "); w && k < argc; w = strsep(&rest, " "), k++)
                    if (strcmp(w, argv[k]) != 0)
                        break;
                if (w && k == argc)
                    add_candidate(w, text);
            }
    } else if (argc > 0 && str_eq(argv[argc - 1], "--plan") && plans) {
        for (int i = 0; plans[i]; i++)
            add_candidate(plans[i], text);
    } else if (argc > 0 && str_eq(argv[argc - 1], "--router") && routers) {
        for (int i = 0; routers[i]; i++)
            add_candidate(routers[i], text);
    } else {
        /* `router test NAME`: the router first, where no argument is yet */
        if (routers && str_starts(c->name, "router ") && c->max_pos > 0 && argc == used &&
            text[0] != '-')
            for (int i = 0; routers[i]; i++)
                add_candidate(routers[i], text);
        for (const struct cmd_flag *f = c->flags; f && f->name; f++) {
            char flag[64];

            if (f->places && !(f->places & (unsigned)place))
                continue;
            snprintf(flag, sizeof flag, "--%s", f->name);
            add_candidate(flag, text);
        }
        if (!(c->traits & CMD_NO_JSON))
            add_candidate("--json", text);
    }
    cli_free_words(argv);
    free(head);
}

char **
cli_complete(const char *line, int start, int end, const char *text, enum cmd_place place,
             const char *const *plans, const char *const *routers)
{
    (void)end;
    collect(line, start, text, place, plans, routers);
    rl_attempted_completion_over = 1; /* never fall back to file names */
    return rl_completion_matches(text, generator);
}

/* Where the word being completed starts: after the last space. */
static int
last_word(const char *line)
{
    const char *sp = strrchr(line, ' ');

    return sp ? (int)(sp - line) + 1 : 0;
}

bool
cli_complete_needs_names(const char *line)
{
    int argc = 0, used = 0;
    struct werr e = {0};
    char *head = xasprintf("%.*s", last_word(line), line);
    char **argv = cli_split(head, &argc, &e);
    const struct cmd_entry *c = argv ? cli_find(argc, argv, &used) : NULL;
    bool needs =
        c && (str_starts(c->name, "router ") || (argc > 0 && (str_eq(argv[argc - 1], "--plan") ||
                                                              str_eq(argv[argc - 1], "--router"))));

    cli_free_words(argv);
    free(head);
    return needs;
}

void
cli_complete_print(FILE *out, const char *line, enum cmd_place place, const char *const *plans,
                   const char *const *routers)
{
    int start = last_word(line);

    collect(line, start, line + start, place, plans, routers);
    for (int i = 0; i < completion.n; i++)
        fprintf(out, "%s\n", completion.words[i]);
}
