/*
 * test_util.c - str_fit: the start of a string that fits a number of
 * terminal columns, cut only between characters (the one helper behind the
 * text sheets' cells, the tables' cut cells and the graphs' titles); the
 * terminal-safety helpers (str_has_ctrl, str_safe, text_check, str_quote,
 * werr's messages), whole numbers (str_to_i64) and private files.
 */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/err.h"
#include "wisp/util.h"

static void
test_ascii(void **state)
{
    int w = -1;

    (void)state;
    assert_int_equal(str_fit("voucher", 3, &w), 3);
    assert_int_equal(w, 3);
    assert_int_equal(str_fit("voucher", 20, &w), 7);
    assert_int_equal(w, 7);
    assert_int_equal(str_fit("voucher", 0, &w), 0);
    assert_int_equal(w, 0);
    assert_int_equal(str_fit("", 5, NULL), 0);
}

static void
test_multibyte(void **state)
{
    int w = -1;

    (void)state;
    /* "café" is 5 bytes, 4 columns: é is never split */
    assert_int_equal(str_fit("café", 4, &w), 5);
    assert_int_equal(w, 4);
    assert_int_equal(str_fit("café", 3, &w), 3);
    assert_int_equal(w, 3);
    /* wide characters take two columns: one does not fit in one column */
    assert_int_equal(str_fit("網吧", 3, &w), 3);
    assert_int_equal(w, 2);
    assert_int_equal(str_fit("網吧", 1, &w), 0);
    assert_int_equal(w, 0);
}

static void
test_whole_numbers(void **state)
{
    int64_t v = 0;

    (void)state;
    assert_int_equal(str_to_i64("5", 1, 10, &v), 0);
    assert_int_equal(v, 5);
    assert_int_equal(str_to_i64("-3", -5, 5, &v), 0);
    assert_int_equal(v, -3);
    /* strtoll takes all of these; a number flag must not */
    assert_int_equal(str_to_i64(" 5", 1, 10, &v), -1);
    assert_int_equal(str_to_i64("\t5", 1, 10, &v), -1);
    assert_int_equal(str_to_i64("\n5", 1, 10, &v), -1);
    assert_int_equal(str_to_i64("+5", 1, 10, &v), -1);
    assert_int_equal(str_to_i64("5 ", 1, 10, &v), -1);
    assert_int_equal(str_to_i64("- 5", -10, 10, &v), -1);
    assert_int_equal(str_to_i64("", 0, 10, &v), -1);
    assert_int_equal(str_to_i64("11", 1, 10, &v), -1);
    assert_int_equal(str_to_i64("99999999999999999999", 1, INT64_MAX, &v), -1);
}

static void
test_control_characters(void **state)
{
    (void)state;
    assert_false(str_has_ctrl("plain text, café, 網吧 and 😀"));
    assert_false(str_has_ctrl(""));
    assert_true(str_has_ctrl("two\nlines"));
    assert_true(str_has_ctrl("tab\there"));
    assert_true(str_has_ctrl("esc\x1b[2J"));
    assert_true(str_has_ctrl("del\x7f"));
    assert_true(str_has_ctrl("csi\xc2\x9b"
                             "2J"));              /* U+009B, a C1 code */
    assert_true(str_has_ctrl("stray \x9b byte")); /* 8-bit CSI, not UTF-8 */
    assert_true(str_has_ctrl("overlong \xc0\x9b"));
    assert_true(str_has_ctrl("cut \xe2\x82"));
    assert_false(str_has_ctrl("nbsp\xc2\xa0ok")); /* U+00A0 is text */
}

static void
test_safe(void **state)
{
    char *s;

    (void)state;
    s = str_safe("evil\x1b]0;owned\x07 \xc2\x9b"
                 "2J\n\x7f\xff end é");
    assert_string_equal(s, "evil\\x1b]0;owned\\x07 \\u009b2J\\x0a\\x7f\\xff end é");
    assert_false(str_has_ctrl(s));
    free(s);
    s = str_safe("nothing to do");
    assert_string_equal(s, "nothing to do");
    free(s);
    s = str_safe(NULL);
    assert_string_equal(s, "");
    free(s);
}

static void
test_text_check(void **state)
{
    struct werr e = {0};
    char big[2100];

    (void)state;
    assert_int_equal(text_check("--note", "a note, é", 1000, &e), 0);
    assert_int_equal(text_check("--note", "two\nlines", 1000, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_string_equal(e.msg, "bad --note: control character \\x0a at character 4 (text is one "
                               "line, without control characters)");
    assert_int_equal(text_check("--customer", "x\xc2\x9b", 10, &e), -1);
    assert_non_null(strstr(e.msg, "\\u009b at character 2"));
    assert_int_equal(text_check("--customer", "x\xff", 10, &e), -1);
    assert_non_null(strstr(e.msg, "not valid UTF-8"));
    /* characters, not bytes: 1000 two-byte characters fit */
    for (int i = 0; i < 1000; i++)
        memcpy(big + 2 * i, "\xc3\xa9", 2);
    big[2000] = '\0';
    assert_int_equal(text_check("--note", big, 1000, &e), 0);
    memset(big, 'n', 1000);
    big[1000] = '\0';
    assert_int_equal(text_check("--note", big, 1000, &e), 0);
    big[1000] = 'n';
    big[1001] = '\0';
    assert_int_equal(text_check("--note", big, 1000, &e), -1);
    assert_string_equal(e.msg, "bad --note: 1001 characters, at most 1000");
}

static void
test_quote_and_errors(void **state)
{
    struct werr e = {0};
    char buf[64];

    (void)state;
    assert_string_equal(str_quote("a\"b\x1b\xc2\x9b", 60, buf, sizeof buf), "a\\\"b\\x1b\\u009b");
    /* every message is one line of text, whatever it quotes */
    werr_set(&e, WISP_ERUNTIME, "router said: %s", "up\n\x1b[2Jdown");
    assert_string_equal(e.msg, "router said: up\\x0a\\x1b[2Jdown");
    /* a head ending in ": " gets one separator (was "router evil: : host key") */
    werr_set(&e, WISP_ERUNTIME, "host key mismatch");
    werr_prefix(&e, "router %s: ", "evil");
    assert_string_equal(e.msg, "router evil: host key mismatch");
    werr_set(&e, WISP_ERUNTIME, "host key mismatch");
    werr_prefix(&e, "router %s", "evil");
    assert_string_equal(e.msg, "router evil: host key mismatch");
}

static void
test_private_files(void **state)
{
    char path[] = "/tmp/wisp-test-key.XXXXXX";
    struct werr e = {0};
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    fchmod(fd, 0600);
    assert_int_equal(file_check_private("private key", path, -1, &e), 0);
    assert_int_equal(file_check_private("private key", path, fd, &e), 0);
    fchmod(fd, 0640);
    assert_int_equal(file_check_private("private key", path, -1, &e), -1);
    assert_non_null(strstr(e.msg, "(mode 0640)"));
    assert_non_null(strstr(e.msg, "chmod 600 "));
    fchmod(fd, 0604);
    assert_int_equal(file_check_private("token file", path, fd, &e), -1);
    assert_non_null(strstr(e.msg, "token file /tmp/wisp-test-key."));
    /* a device holds no secret: /dev/null is fine */
    assert_int_equal(file_check_private("private key", "/dev/null", -1, &e), 0);
    close(fd);
    unlink(path);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ascii),
        cmocka_unit_test(test_multibyte),
        cmocka_unit_test(test_whole_numbers),
        cmocka_unit_test(test_control_characters),
        cmocka_unit_test(test_safe),
        cmocka_unit_test(test_text_check),
        cmocka_unit_test(test_quote_and_errors),
        cmocka_unit_test(test_private_files),
    };

    setlocale(LC_ALL, "C.UTF-8");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
