/*
 * test_runner.c - the console's command thread: commands given as words
 * (runner_call) or as a typed line (runner_submit) run through cli_call on
 * the thread, and what they leave (text, status, the JSON result) comes back
 * through runner_take once the wake pipe says so. `theme` runs without a
 * database, so no server is needed.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/runner.h"

/* Wait (at most 5 s) until the runner has finished a command. */
static void
wait_done(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c = 0;

    do {
        assert_int_equal(poll(&p, 1, 5000), 1);
        assert_int_equal(read(fd, &c, 1), 1);
    } while (c != 'r'); /* 'p' is progress */
}

static void
test_words_and_lines(void **state)
{
    struct config cfg;
    struct werr e = {0};
    struct runner_done d;
    int wake[2];
    struct runner *r;
    const char *const theme[] = {"theme", "default"};
    const char *const spaced[] = {"theme", "it's \"a\" name"};

    (void)state;
    config_init(&cfg);
    assert_int_equal(pipe(wake), 0);
    r = runner_start(&cfg, wake[1], &e);
    assert_non_null(r);
    assert_false(runner_take(r, &d)); /* nothing yet */

    /* words: the result comes back beside the text */
    assert_true(runner_call(r, 2, theme));
    wait_done(wake[0]);
    assert_true(runner_take(r, &d));
    assert_int_equal(d.status, 0);
    assert_string_equal(d.command, "theme");
    assert_string_equal(d.output, "theme default\n");
    assert_non_null(d.result);
    assert_string_equal(json_string_value(json_object_get(d.result, "theme")), "default");
    free(d.output);
    json_decref(d.result);
    assert_false(runner_take(r, &d)); /* taken once */

    /* a word is a value as it is: quotes and spaces need no quoting */
    assert_true(runner_call(r, 2, spaced));
    wait_done(wake[0]);
    assert_true(runner_take(r, &d));
    assert_int_equal(d.status, 2);
    assert_non_null(strstr(d.output, "bad theme name \"it's \"a\" name\""));
    assert_null(d.result);
    free(d.output);

    /* a typed line, split on the thread, gives its result too */
    assert_true(runner_submit(r, "theme 'default' --json"));
    wait_done(wake[0]);
    assert_true(runner_take(r, &d));
    assert_int_equal(d.status, 0);
    assert_non_null(strstr(d.output, "\"theme\": \"default\""));
    assert_string_equal(json_string_value(json_object_get(d.result, "theme")), "default");
    free(d.output);
    json_decref(d.result);
    assert_true(runner_submit(r, "theme 'default"));
    wait_done(wake[0]);
    assert_true(runner_take(r, &d));
    assert_int_equal(d.status, 2);
    assert_non_null(strstr(d.output, "unterminated"));
    assert_null(d.command);
    free(d.output);

    runner_stop(r);
    close(wake[0]);
    close(wake[1]);
    config_free(&cfg);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_and_lines),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
