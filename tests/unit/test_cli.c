/*
 * test_cli.c - the command table and its parser, without a database: finding
 * commands by their words, flags in both spellings, usage errors, help,
 * where a command may run, the records themselves, results through cli_call.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/cli.h"

static enum cmd_place place; /* where run() runs commands; 0 is the CLI */

static json_t *result; /* what call() left */

/* Run argv through cli_call with output captured into out and the result
 * into `result`; returns the exit status. */
static int
run(char *out, size_t n, struct werr *e, int argc, ...)
{
    char *argv[16];
    struct config cfg;
    struct cmd_ctx ctx = {0};
    va_list ap;
    FILE *f = fmemopen(out, n, "w");
    int rc;

    va_start(ap, argc);
    for (int i = 0; i < argc; i++)
        argv[i] = va_arg(ap, char *);
    va_end(ap);
    memset(out, 0, n);
    config_init(&cfg);
    ctx.cfg = &cfg;
    ctx.out = f;
    ctx.place = place;
    werr_clear(e);
    json_decref(result);
    rc = cli_call(&ctx, argc, argv, &result, e);
    fclose(f);
    cmd_ctx_close(&ctx);
    config_free(&cfg);
    return rc;
}

static void
test_find_by_words(void **state)
{
    char *argv[] = {"voucher", "create", "--plan", "x"};
    char *one[] = {"audit", "--json"};
    char *none[] = {"voucher", "explode"};
    int used;
    const struct cmd_entry *c;

    (void)state;
    c = cli_find(4, argv, &used);
    assert_non_null(c);
    assert_string_equal(c->name, "voucher create");
    assert_int_equal(used, 2);
    c = cli_find(2, one, &used);
    assert_non_null(c);
    assert_string_equal(c->name, "audit");
    assert_int_equal(used, 1);
    assert_null(cli_find(2, none, &used));
}

static void
test_help_and_version(void **state)
{
    char out[8192];
    struct werr e;

    (void)state;
    assert_int_equal(run(out, sizeof out, &e, 1, "--help"), 0);
    assert_non_null(strstr(out, "voucher print"));
    assert_non_null(strstr(out, "operator add"));
    assert_int_equal(run(out, sizeof out, &e, 0), 0);
    assert_non_null(strstr(out, "commands:"));
    assert_int_equal(run(out, sizeof out, &e, 1, "--version"), 0);
    assert_true(strncmp(out, "wisp ", 5) == 0);
    assert_int_equal(run(out, sizeof out, &e, 3, "plan", "add", "--help"), 0);
    assert_non_null(strstr(out, "usage: wisp plan add NAME --price AMOUNT"));
    assert_int_equal(run(out, sizeof out, &e, 2, "plan", "--help"), 0);
    assert_non_null(strstr(out, "plan edit"));
    assert_null(strstr(out, "voucher create"));
}

static void
test_usage_errors(void **state)
{
    char out[4096];
    struct werr e;

    (void)state;
    assert_int_equal(run(out, sizeof out, &e, 1, "nosuch"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "unknown command \"nosuch\""));
    assert_int_equal(run(out, sizeof out, &e, 2, "voucher", "explode"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "explode"));
    assert_int_equal(run(out, sizeof out, &e, 3, "plan", "list", "--bogus"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "unknown flag --bogus"));
    assert_int_equal(run(out, sizeof out, &e, 3, "plan", "list", "--json=yes"), WISP_EUSAGE);
    assert_int_equal(run(out, sizeof out, &e, 4, "plan", "add", "x", "--price"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "--price needs a value"));
    assert_int_equal(run(out, sizeof out, &e, 2, "plan", "add"), WISP_EUSAGE);
    assert_int_equal(run(out, sizeof out, &e, 4, "plan", "disable", "a", "b"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "unexpected argument \"b\""));
    /* flag checks happen before any database is touched */
    assert_int_equal(
        run(out, sizeof out, &e, 6, "voucher", "create", "--plan", "x", "--count", "0"),
        WISP_EUSAGE);
    assert_int_equal(
        run(out, sizeof out, &e, 6, "voucher", "print", "--batch", "1", "--format", "docx"),
        WISP_EUSAGE);
    assert_int_equal(run(out, sizeof out, &e, 5, "voucher", "print", "--batch", "1", "--code", "x"),
                     WISP_EUSAGE);
}

/* What would take the terminal is refused at the console's : line, and
 * what cannot run inside `wisp shell` there: one line, no usage, before any
 * database or terminal is touched. */
static void
test_places(void **state)
{
    char out[4096];
    struct werr e;

    (void)state;
    place = CMD_CONSOLE;
    assert_int_equal(run(out, sizeof out, &e, 1, "worker"), WISP_EUSAGE);
    assert_string_equal(e.msg, "`worker` needs the terminal to itself: run `wisp worker` outside "
                               "the console");
    assert_int_equal(run(out, sizeof out, &e, 2, "metrics", "--watch"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "`metrics --watch` needs the terminal to itself"));
    assert_int_equal(run(out, sizeof out, &e, 1, "shell"), WISP_EUSAGE);
    assert_int_equal(run(out, sizeof out, &e, 4, "operator", "add", "x", "--password-stdin"),
                     WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "`operator add` needs the terminal"));
    assert_int_equal(
        run(out, sizeof out, &e, 6, "router", "edit", "r", "--host", "h", "--password-stdin"),
        WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "`router edit --password-stdin` needs the terminal"));
    assert_int_equal(run(out, sizeof out, &e, 2, "shell", "--help"), 0); /* help is fine */
    assert_non_null(strstr(out, "usage: wisp shell"));
    place = CMD_SHELL;
    assert_int_equal(run(out, sizeof out, &e, 1, "shell"), WISP_EUSAGE);
    assert_string_equal(e.msg,
                        "`shell` cannot run inside `wisp shell`: run `wisp shell` on its own");
    assert_int_equal(run(out, sizeof out, &e, 2, "worker", "--once"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "`worker` cannot run inside `wisp shell`"));
    /* theme is the console's own: refused in the shell and on the command line */
    assert_int_equal(run(out, sizeof out, &e, 2, "theme", "dark"), WISP_EUSAGE);
    assert_string_equal(e.msg, "`theme` runs only on the console's `:` line");
    place = 0;
    assert_int_equal(run(out, sizeof out, &e, 2, "theme", "dark"), WISP_EUSAGE);
    assert_string_equal(e.msg, "`theme` runs only on the console's `:` line");
    assert_null(result);
}

/* Each record says where it may run, what it does, and has its function;
 * completion offers only what may run where it completes. */
static void
check_record(const struct cmd_entry *c, void *arg)
{
    int *n = arg;

    assert_non_null(c->exec);
    assert_non_null(c->summary);
    assert_true(c->places != 0 && (c->places & ~(unsigned)CMD_ANYWHERE) == 0);
    assert_true(c->min_pos <= c->max_pos);
    (*n)++;
}

static void
test_records(void **state)
{
    int n = 0, used;
    char *theme[] = {"theme"};

    (void)state;
    cli_each(check_record, &n);
    assert_true(n > 40);
    assert_int_equal(cli_find(1, theme, &used)->places, CMD_CONSOLE);
    assert_true(cli_find(1, (char *[]){"worker"}, &used)->traits & CMD_NO_JSON);
    assert_true(cli_find(2, (char *[]){"voucher", "create"}, &used)->traits & CMD_LONG);
}

/* The console's `theme NAME` returns {"theme": NAME} through cli_call; with
 * --json it prints that instead of its text; a command without a result
 * refuses --json; every other command's usage shows it. */
static void
test_results(void **state)
{
    char out[4096];
    struct werr e;

    (void)state;
    place = CMD_CONSOLE;
    assert_int_equal(run(out, sizeof out, &e, 2, "theme", "default"), 0);
    assert_string_equal(out, "theme default\n");
    assert_non_null(result);
    assert_string_equal(json_string_value(json_object_get(result, "theme")), "default");
    assert_int_equal(run(out, sizeof out, &e, 3, "theme", "default", "--json"), 0);
    assert_non_null(strstr(out, "\"theme\": \"default\""));
    assert_null(strstr(out, "theme default\n"));
    assert_non_null(result);
    assert_int_equal(run(out, sizeof out, &e, 2, "theme", "no-such-theme"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "no-such-theme"));
    assert_null(result); /* a failed command leaves none */
    assert_int_equal(run(out, sizeof out, &e, 2, "theme", "../x"), WISP_EUSAGE);
    place = 0;
    assert_int_equal(run(out, sizeof out, &e, 2, "worker", "--json"), WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "unknown flag --json"));
    assert_int_equal(run(out, sizeof out, &e, 3, "voucher", "sell", "--help"), 0);
    assert_non_null(strstr(out, "usage: wisp voucher sell CODE [--json]"));
    assert_int_equal(run(out, sizeof out, &e, 2, "worker", "--help"), 0);
    assert_null(strstr(out, "--json"));
    /* --json is checked before anything is printed to stdout or a database opened */
    assert_int_equal(run(out, sizeof out, &e, 5, "voucher", "print", "--batch", "1", "--json"),
                     WISP_EUSAGE);
    assert_non_null(strstr(e.msg, "--json goes with -o FILE or --lp"));
    json_decref(result);
    result = NULL;
}

/* The accessors over parsed arguments. */
static void
test_args_access(void **state)
{
    struct cmd_args a = {0};
    struct cmd_opt opts[8] = {
        {"plan", "a"}, {"plan", "b"}, {"code", "x"}, {"code", "y"}, {"json", NULL}};

    (void)state;
    a.nopt = 5;
    a.opt = opts;
    assert_string_equal(args_get(&a, "plan"), "b"); /* the last one wins */
    assert_string_equal(args_nth(&a, "code", 0), "x");
    assert_string_equal(args_nth(&a, "code", 1), "y");
    assert_null(args_nth(&a, "code", 2));
    assert_true(args_has(&a, "json"));
    assert_string_equal(args_get(&a, "json"), "");
    assert_false(args_has(&a, "lp"));
}

static void
test_setup_global_flags(void **state)
{
    char *argv[] = {"--db", "dbname=x", "plan", "list", "--redis=unix:///tmp/r.sock", "--json"};
    struct config cfg;
    struct werr e = {0};
    char **rest;
    int restc;

    (void)state;
    unsetenv("WISP_DB");
    unsetenv("WISP_REDIS");
    setenv("XDG_CONFIG_HOME", "/nonexistent-wisp-test", 1);
    config_init(&cfg);
    assert_int_equal(cli_setup(&cfg, 6, argv, &restc, &rest, &e), 0);
    assert_int_equal(restc, 3);
    assert_string_equal(rest[0], "plan");
    assert_string_equal(rest[2], "--json");
    assert_string_equal(cfg.db, "dbname=x");
    assert_string_equal(cfg.redis, "unix:///tmp/r.sock");
    free(rest);
    config_free(&cfg);

    char *bad[] = {"plan", "list", "--db"};
    config_init(&cfg);
    assert_int_equal(cli_setup(&cfg, 3, bad, &restc, &rest, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    config_free(&cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_by_words),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_args_access),
        cmocka_unit_test(test_setup_global_flags),
        cmocka_unit_test(test_places),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_results),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
