/*
 * main.c - argv to the command table. Only main decides the exit status.
 * Its error line carries journald's "<3>" when stderr is the journal
 * (log.h), so a failed command in a unit is logged at err.
 */
#include <stdlib.h>
#include <unistd.h>

#include "wisp/cli.h"
#include "wisp/console.h"
#include "wisp/events.h"
#include "wisp/i18n.h"
#include "wisp/log.h"

int
main(int argc, char **argv)
{
    struct config cfg;
    struct werr e = {0};
    struct cmd_ctx ctx = {0};
    char **rest = NULL;
    int restc = 0, rc;

    i18n_init(); /* setlocale and the message catalogs */
    config_init(&cfg);
    if (cli_setup(&cfg, argc - 1, argv + 1, &restc, &rest, &e) < 0) {
        fprintf(stderr, "%swisp: %s\n", log_err_prefix(), e.msg);
        config_free(&cfg);
        return e.status ? e.status : WISP_ERUNTIME;
    }
    ctx.cfg = &cfg;
    ctx.out = stdout;
    ctx.in = stdin;
    ctx.tty = isatty(STDOUT_FILENO);
    ctx.interactive = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
    /* No command on a terminal opens the console; without one, the help. */
    if (restc == 0 && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
        if ((rc = console_main(&cfg, &e)) == CONSOLE_HANGUP)
            _exit(0);
        rc = rc < 0 ? (e.status ? e.status : WISP_ERUNTIME) : 0;
    } else
        rc = cli_run(&ctx, restc, rest, &e);
    fflush(stdout);
    if (rc != 0) {
        fprintf(stderr, "%swisp: %s\n", log_err_prefix(), e.msg);
        if (rc == WISP_EUSAGE && ctx.cmd)
            cli_print_usage(stderr, ctx.cmd);
    }
    events_close(); /* queued events out, the Redis connection closed */
    cmd_ctx_close(&ctx);
    config_free(&cfg);
    free(rest);
    return rc;
}
