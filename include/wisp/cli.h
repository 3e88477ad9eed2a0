/*
 * cli.h - the one command table behind `wisp COMMAND`, `wisp shell` and the
 * console's `:` line (like tmux's cmd_entry table).
 *
 * A command is a record, written with designated initialisers: its words
 * ("voucher create"), its --flags, a usage line, a one-line summary, the
 * function that runs it, what it is (CMD_MUTATES, CMD_LONG, ...) and where it
 * may run (CMD_CLI, CMD_SHELL, CMD_CONSOLE). The parser turns argv into a
 * struct cmd_args; help, usage and completion come from the same records.
 *
 * Every command writes text for people to ctx->out and can leave a result, a
 * JSON value, for programs (cmd_result): `wisp voucher create ... --json`
 * prints {"batch_id": 7, ...} instead of the text, and the console reads the
 * same object through cli_call (by way of runner.h), never the text.
 */
#ifndef WISP_CLI_H
#define WISP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/db.h"
#include "wisp/err.h"

enum flag_kind {
    FLAG_BOOL,     /* --json */
    FLAG_VALUE,    /* --plan NAME or --plan=NAME; the last one wins */
    FLAG_MULTI,    /* --code CODE, repeatable */
    FLAG_OPTIONAL, /* --lp [PRINTER]: a value only with = or when the next word is no flag */
};

/* Where a command runs: `wisp COMMAND`, `wisp shell`, the console's `:`
 * line. Every command says where it may run (.places = CMD_ANYWHERE, or
 * CMD_CLI | CMD_SHELL for one that reads the keyboard, loops until a signal
 * or draws on the terminal); elsewhere it is refused with one line. A flag
 * may narrow that (.places on the flag; 0 there is wherever its command). */
enum cmd_place {
    CMD_CLI = 1 << 0,
    CMD_SHELL = 1 << 1,
    CMD_CONSOLE = 1 << 2,
    CMD_ANYWHERE = CMD_CLI | CMD_SHELL | CMD_CONSOLE,
};

/* What a command is (.traits = CMD_MUTATES | ...); 0 is a quick read. */
enum cmd_trait {
    CMD_MUTATES = 1 << 0, /* changes data: publishes event "name.with.dots" when done */
    CMD_LONG = 1 << 1,    /* may take seconds or longer (SSH, thousands of rows, a loop):
                           * cli_call gives it a progress line when stderr is a terminal
                           * and nobody else (the console's runner) takes its progress */
    CMD_NO_JSON = 1 << 2, /* has no result: --json is refused (worker, shell) */
};

struct cmd_flag {
    const char *name; /* long name without dashes */
    char shortname;   /* one-letter alias (-o), or 0 */
    enum flag_kind kind;
    unsigned places; /* CMD_* where the flag may be given; 0: wherever the command runs */
};

struct cmd_opt {
    const char *name;
    char *value; /* NULL for FLAG_BOOL */
};

struct cmd_args {
    int npos;
    char **pos; /* positional arguments, after the command words */
    int nopt;
    struct cmd_opt *opt;
};

/* What a command runs with: settings, where to write, and the database,
 * opened on first use by cmd_db(). */
struct cmd_ctx {
    struct config *cfg;
    struct db db;
    bool db_open;
    FILE *out;                   /* stdout, or the console's output popup */
    FILE *in;                    /* for --password-stdin */
    bool tty;                    /* out is a terminal (progress lines, colour) */
    bool json;                   /* while a command runs: --json was given (no text for people) */
    json_t *result;              /* while a command runs: what it set with cmd_result */
    bool interactive;            /* a person can answer prompts on the terminal */
    enum cmd_place place;        /* where commands run; 0 is CMD_CLI */
    const struct cmd_entry *cmd; /* the command being run, for usage on errors */
    /* long commands (voucher create, voucher print) report progress here when set */
    void (*progress)(int64_t done, int64_t total, void *arg);
    void *progress_arg;
};

struct cmd_entry;
typedef int (*cmd_exec_fn)(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e);

struct cmd_entry {
    const char *name;             /* "voucher create" */
    const char *usage;            /* "--plan NAME --count N [--length 8] ...", or NULL */
    const char *summary;          /* one line for `wisp --help` */
    const struct cmd_flag *flags; /* its own --flags, ending with {NULL}; --json is everyone's */
    int min_pos, max_pos;         /* positional argument counts */
    cmd_exec_fn exec;
    unsigned traits; /* enum cmd_trait bits */
    unsigned places; /* enum cmd_place bits where it may run (never 0) */
};

/* The command groups, each defined in its src/cmd_*.c, ending with {0}. */
extern const struct cmd_entry cmd_db_entries[];
extern const struct cmd_entry cmd_config_entries[];
extern const struct cmd_entry cmd_plan_entries[];
extern const struct cmd_entry cmd_voucher_entries[];
extern const struct cmd_entry cmd_batch_entries[];
extern const struct cmd_entry cmd_router_entries[];
extern const struct cmd_entry cmd_session_entries[];
extern const struct cmd_entry cmd_worker_entries[];
extern const struct cmd_entry cmd_order_entries[];
extern const struct cmd_entry cmd_report_entries[];
extern const struct cmd_entry cmd_metrics_entries[];
extern const struct cmd_entry cmd_operator_entries[];
extern const struct cmd_entry cmd_audit_entries[];
extern const struct cmd_entry cmd_shell_entries[];
extern const struct cmd_entry cmd_theme_entries[];
extern const struct cmd_entry cmd_backup_entries[];
extern const struct cmd_entry cmd_doctor_entries[];
extern const struct cmd_entry cmd_template_entries[];
extern const struct cmd_entry cmd_radius_entries[];
extern const struct cmd_entry cmd_garden_entries[];
extern const struct cmd_entry cmd_subscriber_entries[];
extern const struct cmd_entry cmd_webhook_entries[];
extern const struct cmd_entry cmd_notify_entries[];

/* Run one command given as words, argv[0] its first word ("voucher",
 * "create", "--plan", "1h", ...: no quoting, no splitting, so a value may
 * hold spaces and quotes as they are), as the CLI, `wisp shell` and the
 * console do. ctx->place says where it runs: a command or flag not allowed
 * there is refused with one line (status 2). Text for people goes to
 * ctx->out; with --json among the words, that text is left out and the
 * result is printed to ctx->out as JSON instead.
 *
 * When result is not NULL, *result receives the command's result (the
 * caller json_decref's it), or NULL when it failed or has none (help, and
 * the few that write their JSON themselves: `voucher list`, `db status`,
 * `config show`, `metrics --watch`). What each command returns is in
 * wisp(1), RESULTS; e.g. `voucher create` gives {"batch_id", "count"},
 * `order reveal` {"order_id", "pin"} (a secret: show it, never log it).
 *
 * Returns the exit status: 0, 1 or 2; the error message, if any, is in e
 * and ctx->cmd is the command whose usage fits a status 2, or NULL. */
int cli_call(struct cmd_ctx *ctx, int argc, char **argv, json_t **result, struct werr *e);

/* cli_call without the result: `wisp COMMAND` and `wisp shell`. */
int cli_run(struct cmd_ctx *ctx, int argc, char **argv, struct werr *e);

/* Parse global flags (--config, --db, --redis, --theme, --help, --version)
 * and build the configuration. Leaves the remaining words in *rest. */
int cli_setup(struct config *cfg, int argc, char **argv, int *restc, char ***rest, struct werr *e);

/* Split a command line into words the way a shell would for simple input:
 * spaces separate, '...' and "..." quote, backslash escapes. Returns a
 * NULL-terminated malloc'ed argv (free with cli_free_words) or NULL with an
 * error for an unterminated quote. */
char **cli_split(const char *line, int *argc, struct werr *e);
void cli_free_words(char **argv);

/* The history file of the command line: $XDG_STATE_HOME/wisp/history
 * (~/.local/state/wisp/history), its directory created. malloc'ed, or NULL. */
char *cli_history_path(void);

/* A file of wisp's state directory, as for the history ("worker.log"),
 * the directory created. malloc'ed, or NULL when there is no home. */
char *cli_state_path(const char *name);

/* Readline completion over the command table: commands, then the flags of the
 * command being typed, the values of --plan from plans and of --router (and a
 * `router ...` command's NAME) from routers (NULL-terminated, may be NULL).
 * Only what may run at place (CMD_SHELL, CMD_CONSOLE) is offered.
 * Returns a malloc'ed match list as rl_completion_matches does. */
char **cli_complete(const char *line, int start, int end, const char *text, enum cmd_place place,
                    const char *const *plans, const char *const *routers);

/* The same candidates for a shell's completion (bash: `wisp completion
 * words`), one per line to out: line is what has been typed after "wisp",
 * its last word (after the last space) the one being completed. */
void cli_complete_print(FILE *out, const char *line, enum cmd_place place, const char *const *plans,
                        const char *const *routers);
/* Whether completing line would offer plan or router names (so the caller
 * opens the database only then). */
bool cli_complete_needs_names(const char *line);

/* Print the list of commands, or one command's usage, to out. */
void cli_help(FILE *out, const char *topic);

/* Print "usage: wisp NAME USAGE" for one command. */
void cli_print_usage(FILE *out, const struct cmd_entry *c);

/* Find a command by its words; *used is set to how many words matched. */
const struct cmd_entry *cli_find(int argc, char **argv, int *used);

/* Every command, for completion: call fn for each entry. */
void cli_each(void (*fn)(const struct cmd_entry *c, void *arg), void *arg);

/* The value of --name, or NULL. */
const char *args_get(const struct cmd_args *a, const char *name);
/* True when --name was given. */
bool args_has(const struct cmd_args *a, const char *name);
/* The n-th value of a repeatable --name, or NULL past the end. */
const char *args_nth(const struct cmd_args *a, const char *name, int n);

/* Open the database for this command (once) and check its schema. */
struct db *cmd_db(struct cmd_ctx *ctx, struct werr *e);

/* Release what ctx opened. */
void cmd_ctx_close(struct cmd_ctx *ctx);

/* Write a JSON value to ctx->out followed by a newline, and release it. */
void cmd_print_json(struct cmd_ctx *ctx, json_t *j);

/* Set the running command's result (steals the reference; replaces one set
 * before). A NULL j (a failed json_pack) leaves an empty object. */
void cmd_result(struct cmd_ctx *ctx, json_t *j);

/* Text for people, as fprintf to ctx->out; nothing under --json. */
void cmd_printf(struct cmd_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The label of a "label  value" line in the operator's language (callers
 * mark it N_), padded to cols terminal columns, one space at least. */
void cmd_label(FILE *out, const char *label, int cols);

/* An action's end: its result (cmd_result) and the line people read
 * (cmd_printf), together so that neither goes without the other. */
void cmd_done(struct cmd_ctx *ctx, json_t *result, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A list for people or machines: the array is the result; for people also a
 * table whose columns are head (NULL-terminated) filled from keys. */
void cmd_print_list(struct cmd_ctx *ctx, json_t *list, const char *const *head,
                    const char *const *keys);

/* Read a password: from the terminal without echo (asking twice when
 * confirm), or one line from ctx->in when from_stdin. Returns malloc'ed. */
char *cmd_read_password(struct cmd_ctx *ctx, const char *prompt, bool confirm, bool from_stdin,
                        struct werr *e);

#endif
