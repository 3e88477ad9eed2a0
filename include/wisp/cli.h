/*
 * cli.h - the one command table behind `wisp COMMAND`, `wisp shell` and the
 * console's `:` line (like tmux's cmd_entry table).
 *
 * A command is a record: its words ("voucher create"), its flags, a usage
 * line, a one-line summary and the function that runs it. The parser turns
 * argv into a struct cmd_args; help and usage come from the same records.
 */
#ifndef WISP_CLI_H
#define WISP_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

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
 * line. A command or flag that reads the keyboard, loops until a signal or
 * draws on the terminal says where it may run (.places = CMD_CLI | ...);
 * 0, the default, is everywhere. */
enum cmd_place {
    CMD_CLI = 1 << 0,
    CMD_SHELL = 1 << 1,
    CMD_CONSOLE = 1 << 2,
};

struct cmd_flag {
    const char *name; /* long name without dashes */
    char shortname;   /* one-letter alias (-o), or 0 */
    enum flag_kind kind;
    unsigned places; /* CMD_* where the flag may be given; 0: everywhere */
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
    const char *usage;            /* "--plan NAME --count N [--length 8] ..." */
    const char *summary;          /* one line for `wisp --help` */
    const struct cmd_flag *flags; /* ends with {NULL} */
    int min_pos, max_pos;         /* positional argument counts */
    bool no_db;                   /* runs without a database */
    cmd_exec_fn exec;
    bool mutates;    /* changes data: publishes event "name.with.dots" when done */
    unsigned places; /* CMD_* where it may run; 0: everywhere */
};

/* The command groups, each defined in its src/cmd_*.c, ending with {NULL}. */
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

/* Run one command line (argv without the program name and global flags
 * already applied to ctx->cfg). Returns the exit status: 0, 1 or 2; the
 * error message, if any, is in e. */
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

/* A list for people or machines: with json the array as it is, otherwise a
 * table whose columns are head (NULL-terminated) filled from keys. Releases list. */
void cmd_print_list(struct cmd_ctx *ctx, json_t *list, bool json, const char *const *head,
                    const char *const *keys);

/* Read a password: from the terminal without echo (asking twice when
 * confirm), or one line from ctx->in when from_stdin. Returns malloc'ed. */
char *cmd_read_password(struct cmd_ctx *ctx, const char *prompt, bool confirm, bool from_stdin,
                        struct werr *e);

#endif
