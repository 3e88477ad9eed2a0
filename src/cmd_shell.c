/*
 * cmd_shell.c - `wisp shell`: the console's command line as a plain readline
 * prompt, for scripts over ssh and dumb terminals. Same command table, same
 * history file, one database connection for the whole session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "wisp/cli.h"
#include "wisp/db.h"
#include "wisp/i18n.h"
#include "wisp/plan.h"
#include "wisp/router.h"
#include "wisp/util.h"

static struct cmd_ctx *shell_ctx;

static void
free_names(char **v)
{
    for (char **p = v; p && *p; p++)
        free(*p);
    free(v);
}

/* Plan and router names come fresh from the database once a command has
 * opened it (the shell itself starts without one). */
static char **
complete(const char *text, int start, int end)
{
    bool db = shell_ctx && shell_ctx->db_open;
    struct werr e = {0};
    char **plans = db ? plan_names(&shell_ctx->db, &e) : NULL,
         **routers = db ? router_names(&shell_ctx->db, &e) : NULL, **m;

    m = cli_complete(rl_line_buffer, start, end, text, CMD_SHELL, (const char *const *)plans,
                     (const char *const *)routers);
    free_names(plans);
    free_names(routers);
    return m;
}

/* One line: run it, report an error the way main does, keep going.
 * Returns its exit status (0, 1 or 2). */
static int
run_line(struct cmd_ctx *ctx, const char *line)
{
    struct werr e = {0};
    int argc, rc = 0;
    char **argv = cli_split(line, &argc, &e);

    if (argv == NULL) {
        fprintf(stderr, "wisp: %s\n", e.msg);
        return WISP_EUSAGE;
    }
    if (argc > 0) {
        rc = cli_run(ctx, argc, argv, &e);
        fflush(ctx->out);
        if (rc != 0) {
            fprintf(stderr, "wisp: %s\n", e.msg);
            if (rc == WISP_EUSAGE && ctx->cmd)
                cli_print_usage(stderr, ctx->cmd);
        }
    }
    cli_free_words(argv);
    return rc;
}

static int
shell_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    char *history = cli_history_path(), *line;
    bool tty = isatty(STDIN_FILENO);
    int failed = 0, ran = 0, status = 0, rc;

    (void)a;
    shell_ctx = ctx;
    ctx->place = CMD_SHELL; /* the command table says what may not run here */
    rl_attempted_completion_function = complete;
    rl_readline_name = "wisp";
    if (!tty)
        rl_outstream = stderr; /* no prompts in a script's output */
    using_history();
    if (history)
        read_history(history);
    while ((line = tty ? readline("wisp> ") : NULL) != NULL || !tty) {
        if (!tty) {
            size_t cap = 0;
            ssize_t n = getline(&line, &cap, stdin);

            if (n < 0) {
                free(line);
                break;
            }
            if (n > 0 && line[n - 1] == '\n')
                line[n - 1] = '\0';
        }
        if (str_eq(line, "exit") || str_eq(line, "quit")) {
            free(line);
            break;
        }
        if (*line) {
            add_history(line);
            rc = run_line(ctx, line);
            ran++;
            if (rc != 0)
                failed++, status = rc;
        }
        free(line);
    }
    if (history && tty) {
        write_history(history);
        history_truncate_file(history, 1000);
    }
    free(history);
    /* A script fed through a pipe must see that a command failed; a person
     * at the prompt saw each error already. Status 1 whatever the commands'
     * were: the shell itself was used right. */
    if (!tty && failed)
        return werr_set(e, WISP_ERUNTIME, _("%d of %d commands failed (the last with status %d)"),
                        failed, ran, status);
    return 0;
}

static const struct cmd_flag no_flags[] = {{NULL, 0, 0}};

/* bash's completion function: every candidate comes from `wisp completion
 * words`, so from this command table and the database, never a stale list.
 * The program name bash runs is the one typed (a wisp not on PATH works). */
static const char bash_script[] =
    "# bash completion for wisp, printed by `wisp completion bash` (see wisp(1)).\n"
    "# Candidates come from `wisp completion words`: the commands and flags of\n"
    "# wisp's own command table, plan and router names from its database.\n"
    "_wisp() {\n"
    "    local line=${COMP_LINE:0:COMP_POINT} IFS=$'\\n'\n"
    "    line=${line#*[[:space:]]}\n"
    "    COMPREPLY=($(command \"${COMP_WORDS[0]}\" completion words -- \"$line\" 2>/dev/null))\n"
    "}\n"
    "complete -F _wisp wisp\n";

static int
completion_bash_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    (void)a;
    (void)e;
    fputs(bash_script, ctx->out);
    return 0;
}

/* The words that may follow LINE (what was typed after "wisp"); plan and
 * router names only when the database answers. Never fails: a completion
 * that cannot help offers nothing. */
static int
completion_words_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    const char *line = a->npos ? a->pos[0] : "";
    struct werr ignored = {0};
    struct db *db = cli_complete_needs_names(line) ? cmd_db(ctx, &ignored) : NULL;
    char **plans = db ? plan_names(db, &ignored) : NULL,
         **routers = db ? router_names(db, &ignored) : NULL;

    (void)e;
    cli_complete_print(ctx->out, line, CMD_CLI, (const char *const *)plans,
                       (const char *const *)routers);
    free_names(plans);
    free_names(routers);
    return 0;
}

const struct cmd_entry cmd_shell_entries[] = {
    {.name = "shell",
     .summary = N_("the command line as a plain prompt (scripts, ssh, dumb terminals)"),
     .flags = no_flags,
     .exec = shell_exec,
     .traits = CMD_LONG | CMD_NO_JSON,
     .places = CMD_CLI},
    {.name = "completion bash",
     .summary = N_("print the bash completion script (installed with wisp)"),
     .flags = no_flags,
     .exec = completion_bash_exec,
     .traits = CMD_NO_JSON,
     .places = CMD_CLI},
    {.name = "completion words",
     .usage = "-- LINE",
     .summary = N_("the completions of LINE, one a line (what the bash script asks)"),
     .flags = no_flags,
     .max_pos = 1,
     .exec = completion_words_exec,
     .traits = CMD_NO_JSON,
     .places = CMD_CLI},
    {0},
};
