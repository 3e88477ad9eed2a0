/*
 * log.h - the worker's log lines, with a priority each. Plain (a terminal,
 * a file: today's format) they carry a timestamp and a tag; for journald
 * they carry no timestamp of their own (journald stamps every line) and the
 * kernel-style "<N>" prefix journald reads as the line's priority, on every
 * line of a message (sd-daemon(3)). See docs/worker.md.
 */
#ifndef WISP_LOG_H
#define WISP_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

/* Syslog's numbers, as sd-daemon.h's SD_ERR .. SD_DEBUG prefixes spell them
 * ("<3>" .. "<7>"). Not LOG_ERR...: <syslog.h> has those as macros. */
enum log_level {
    WLOG_ERR = 3,     /* something wisp should have done failed */
    WLOG_WARNING = 4, /* a router went down, a push was refused */
    WLOG_NOTICE = 5,  /* a router back, the worker started or stopped */
    WLOG_INFO = 6,    /* a cycle, orders done */
    WLOG_DEBUG = 7,   /* a router's round */
};

enum log_format {
    LOG_AUTO,    /* journal when stderr is journald's stream (JOURNAL_STREAM), else plain */
    LOG_PLAIN,   /* "YYYY-MM-DD HH:MM:SS tag: message" */
    LOG_JOURNAL, /* "<N>message" on every line */
};

/* Where lines go; shared by threads (one line is never cut by another). */
struct logger {
    FILE *out; /* NULL: quiet */
    enum log_format format;
    const char *tag;
    pthread_mutex_t lock;
};

/* "auto", "plain" or "journal"; -1 for anything else. */
int log_format_parse(const char *name, enum log_format *f);

/* True when $JOURNAL_STREAM ("DEV:INODE", decimal) names the file fd is
 * open on: the rule of systemd.exec(5), so a worker whose stderr was
 * redirected by a child of the service is not taken for journald. */
bool log_journal_stream(int fd);

/* Ready to log to out (NULL: quiet) in format f, LOG_AUTO decided here from
 * out's descriptor. */
void log_open(struct logger *l, FILE *out, enum log_format f, const char *tag);
void log_close(struct logger *l);

/* One message at priority lv; a message of several lines is prefixed on
 * each in the journal format. */
void log_msg(struct logger *l, enum log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The prefix main's own error line takes on stderr: "<3>" under journald,
 * "" elsewhere. */
const char *log_err_prefix(void);

#endif
