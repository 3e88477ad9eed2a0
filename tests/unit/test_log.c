/*
 * test_log.c - the worker's log lines (log.h) and systemd's notify socket
 * (sdnotify.h): journald's "<N>" on every line of a message, no timestamp
 * then, and today's plain line otherwise; JOURNAL_STREAM taken only when it
 * names the very file (dev:inode); datagrams to a path and to an abstract
 * socket; the watchdog asked only of the pid WATCHDOG_PID names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/log.h"
#include "wisp/sdnotify.h"

/* What lv and the message became in format f. */
static char *
logged(enum log_format f, enum log_level lv, const char *msg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct logger l;

    assert_non_null(out);
    log_open(&l, out, f, "worker");
    log_msg(&l, lv, "%s", msg);
    log_close(&l);
    fclose(out);
    return buf;
}

static void
test_journal_lines(void **state)
{
    char *s;

    (void)state;
    s = logged(LOG_JOURNAL, WLOG_INFO, "cycle 1: 2 routers in 40 ms");
    assert_string_equal(s, "<6>cycle 1: 2 routers in 40 ms\n");
    free(s);
    s = logged(LOG_JOURNAL, WLOG_WARNING, "r1: down: connection refused\nsecond line\nthird");
    assert_string_equal(s, "<4>r1: down: connection refused\n<4>second line\n<4>third\n");
    free(s);
    s = logged(LOG_JOURNAL, WLOG_ERR, "database: gone\n"); /* a trailing newline: no empty line */
    assert_string_equal(s, "<3>database: gone\n");
    free(s);
    s = logged(LOG_JOURNAL, WLOG_DEBUG, "");
    assert_string_equal(s, "<7>\n");
    free(s);
}

static void
test_plain_lines(void **state)
{
    char *s;
    int y, mo, d, h, mi, sec, used = 0;

    (void)state;
    s = logged(LOG_PLAIN, WLOG_ERR, "leases: no database");
    assert_int_equal(sscanf(s, "%4d-%2d-%2d %2d:%2d:%2d %n", &y, &mo, &d, &h, &mi, &sec, &used), 6);
    assert_string_equal(s + used, "worker: leases: no database\n");
    free(s);
}

static void
test_long_message(void **state)
{
    char big[3000];
    char *s;

    (void)state;
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    s = logged(LOG_JOURNAL, WLOG_NOTICE, big);
    assert_int_equal(strlen(s), 3 + strlen(big) + 1);
    assert_memory_equal(s, "<5>xxx", 6);
    free(s);
}

static void
test_journal_stream(void **state)
{
    char path[] = "/tmp/test_log.XXXXXX", other[] = "/tmp/test_log.XXXXXX";
    int fd = mkstemp(path), fo = mkstemp(other);
    struct stat st, so;
    char v[64];
    enum log_format f;

    (void)state;
    assert_true(fd >= 0 && fo >= 0);
    fstat(fd, &st);
    fstat(fo, &so);
    unsetenv("JOURNAL_STREAM");
    assert_false(log_journal_stream(fd));
    snprintf(v, sizeof v, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    setenv("JOURNAL_STREAM", v, 1);
    assert_true(log_journal_stream(fd));
    assert_false(log_journal_stream(fo)); /* stderr redirected elsewhere */
    snprintf(v, sizeof v, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)so.st_ino);
    setenv("JOURNAL_STREAM", v, 1);
    assert_false(log_journal_stream(fd));
    snprintf(v, sizeof v, "%ju:%jux", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
    setenv("JOURNAL_STREAM", v, 1);
    assert_false(log_journal_stream(fd));
    setenv("JOURNAL_STREAM", "", 1);
    assert_false(log_journal_stream(fd));
    unsetenv("JOURNAL_STREAM");
    assert_int_equal(log_format_parse("journal", &f), 0);
    assert_int_equal(f, LOG_JOURNAL);
    assert_int_equal(log_format_parse("plain", &f), 0);
    assert_int_equal(f, LOG_PLAIN);
    assert_int_equal(log_format_parse("auto", &f), 0);
    assert_int_equal(f, LOG_AUTO);
    assert_int_equal(log_format_parse("syslog", &f), -1);
    close(fd);
    close(fo);
    unlink(path);
    unlink(other);
}

/* A datagram socket bound at name (a path, or "@abstract"). */
static int
bound(const char *name)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(name);
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    memcpy(sa.sun_path, name, len);
    if (name[0] == '@')
        sa.sun_path[0] = '\0';
    else
        salen++;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, salen), 0);
    return fd;
}

static void
received(int fd, const char *want)
{
    char buf[256];
    ssize_t n = recv(fd, buf, sizeof buf - 1, MSG_DONTWAIT);

    assert_true(n >= 0);
    buf[n] = '\0';
    assert_string_equal(buf, want);
}

static void
test_notify(void **state)
{
    char dir[] = "/tmp/test_sdnotify.XXXXXX", path[64], abstract[64];
    int fd;

    (void)state;
    unsetenv("NOTIFY_SOCKET");
    assert_int_equal(sdnotify("READY=1"), 0); /* outside systemd: nothing, no error */
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/notify", dir);
    fd = bound(path);
    setenv("NOTIFY_SOCKET", path, 1);
    assert_int_equal(sdnotify("READY=1\nSTATUS=running"), 1);
    received(fd, "READY=1\nSTATUS=running");
    close(fd);
    unlink(path);
    assert_int_equal(sdnotify("WATCHDOG=1"), -1); /* nobody there */
    snprintf(abstract, sizeof abstract, "@wisp-test-log-%d", (int)getpid());
    fd = bound(abstract);
    setenv("NOTIFY_SOCKET", abstract, 1);
    assert_int_equal(sdnotify("STOPPING=1"), 1);
    received(fd, "STOPPING=1");
    close(fd);
    setenv("NOTIFY_SOCKET", "relative/path", 1);
    assert_int_equal(sdnotify("READY=1"), -1);
    unsetenv("NOTIFY_SOCKET");
    rmdir(dir);
}

static void
test_watchdog(void **state)
{
    char pid[32];

    (void)state;
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    assert_int_equal(sdnotify_watchdog_ms(), 0);
    setenv("WATCHDOG_USEC", "30000000", 1);
    assert_int_equal(sdnotify_watchdog_ms(), 30000);
    snprintf(pid, sizeof pid, "%d", (int)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    assert_int_equal(sdnotify_watchdog_ms(), 30000);
    setenv("WATCHDOG_PID", "1", 1); /* inherited from a parent: not ours to ping */
    assert_int_equal(sdnotify_watchdog_ms(), 0);
    unsetenv("WATCHDOG_PID");
    setenv("WATCHDOG_USEC", "soon", 1);
    assert_int_equal(sdnotify_watchdog_ms(), 0);
    unsetenv("WATCHDOG_USEC");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_journal_lines), cmocka_unit_test(test_plain_lines),
        cmocka_unit_test(test_long_message),  cmocka_unit_test(test_journal_stream),
        cmocka_unit_test(test_notify),        cmocka_unit_test(test_watchdog),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
