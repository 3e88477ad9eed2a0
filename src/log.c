/*
 * log.c - log lines with a priority, plain or for journald (see
 * include/wisp/log.h). journald reads a "<N>" at the start of each line of
 * a service's stream as that line's priority and stamps the line itself,
 * so the journal format drops wisp's timestamp rather than doubling it.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wisp/log.h"
#include "wisp/util.h"

int
log_format_parse(const char *name, enum log_format *f)
{
    if (str_eq(name, "auto"))
        *f = LOG_AUTO;
    else if (str_eq(name, "plain"))
        *f = LOG_PLAIN;
    else if (str_eq(name, "journal"))
        *f = LOG_JOURNAL;
    else
        return -1;
    return 0;
}

bool
log_journal_stream(int fd)
{
    const char *v = getenv("JOURNAL_STREAM");
    uintmax_t dev, ino;
    struct stat st;
    int used = 0;

    if (!v || sscanf(v, "%ju:%ju%n", &dev, &ino, &used) != 2 || v[used] != '\0')
        return false;
    return fstat(fd, &st) == 0 && (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void
log_open(struct logger *l, FILE *out, enum log_format f, const char *tag)
{
    l->out = out;
    l->tag = tag;
    if (f == LOG_AUTO)
        f = out && log_journal_stream(fileno(out)) ? LOG_JOURNAL : LOG_PLAIN;
    l->format = f;
    pthread_mutex_init(&l->lock, NULL);
}

void
log_close(struct logger *l)
{
    pthread_mutex_destroy(&l->lock);
}

/* Each line of text with journald's priority prefix. */
static void
put_journal(FILE *out, enum log_level lv, const char *text)
{
    const char *p = text;

    do {
        size_t len = strcspn(p, "\n");

        fprintf(out, "<%d>%.*s\n", (int)lv, (int)len, p);
        p += len;
        if (*p == '\n')
            p++;
    } while (*p);
}

void
log_msg(struct logger *l, enum log_level lv, const char *fmt, ...)
{
    va_list ap;
    char buf[1024], *text = buf;
    int n;

    if (!l->out)
        return;
    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf) { /* long: on the heap, whole */
        text = xcalloc((size_t)n + 1, 1);
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&l->lock);
    if (l->format == LOG_JOURNAL) {
        put_journal(l->out, lv, text);
    } else {
        char at[32];
        time_t now = time(NULL);
        struct tm tm;

        localtime_r(&now, &tm);
        strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(l->out, "%s %s: %s\n", at, l->tag, text);
    }
    fflush(l->out);
    pthread_mutex_unlock(&l->lock);
    if (text != buf)
        free(text);
}

const char *
log_err_prefix(void)
{
    return log_journal_stream(STDERR_FILENO) ? "<3>" : "";
}
