/*
 * runner.c - the console's command thread (see include/wisp/runner.h).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/runner.h"
#include "wisp/util.h"

struct runner {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct cmd_ctx ctx; /* used only by the thread */
    int wake_fd;
    bool stop, busy, done;
    char *line;            /* the queued line, or */
    char **words;          /* the queued words (NULL-terminated) */
    struct runner_done d;  /* the finished command's */
    int64_t pdone, ptotal; /* progress, atomics */
};

/* Called on the command thread by long commands. */
static void
on_progress(int64_t done, int64_t total, void *arg)
{
    struct runner *r = arg;
    ssize_t n;

    __atomic_store_n(&r->ptotal, total, __ATOMIC_RELAXED);
    __atomic_store_n(&r->pdone, done, __ATOMIC_RELAXED);
    n = write(r->wake_fd, "p", 1);
    (void)n;
}

void
runner_progress(struct runner *r, int64_t *done, int64_t *total)
{
    *done = __atomic_load_n(&r->pdone, __ATOMIC_RELAXED);
    *total = __atomic_load_n(&r->ptotal, __ATOMIC_RELAXED);
}

/* Run one line or one list of words (taking them): its text (stdout, then
 * "wisp: error" and usage), status and result into d. */
static void
run_command(struct runner *r, char *line, char **words, struct runner_done *d)
{
    struct werr e = {0};
    size_t len = 0;
    int argc = 0;
    FILE *out = open_memstream(&d->output, &len);

    r->ctx.out = out;
    r->ctx.cmd = NULL;
    d->result = NULL;
    if (line)
        words = cli_split(line, &argc, &e);
    else
        while (words[argc])
            argc++;
    if (words == NULL) {
        fprintf(out, "wisp: %s\n", e.msg);
        d->status = WISP_EUSAGE;
    } else {
        d->status = cli_call(&r->ctx, argc, words, &d->result, &e);
        if (d->status != 0) {
            fprintf(out, "wisp: %s\n", e.msg);
            if (d->status == WISP_EUSAGE && r->ctx.cmd)
                cli_print_usage(out, r->ctx.cmd);
        }
    }
    d->command = r->ctx.cmd ? r->ctx.cmd->name : NULL; /* the table's: static */
    /* a command that lost the connection gets a fresh one next time */
    if (r->ctx.db_open && PQstatus(r->ctx.db.conn) != CONNECTION_OK)
        cmd_ctx_close(&r->ctx);
    fclose(out);
    cli_free_words(words);
    free(line);
}

static void
done_free(struct runner_done *d)
{
    free(d->output);
    json_decref(d->result);
    memset(d, 0, sizeof *d);
}

static void *
run(void *arg)
{
    struct runner *r = arg;

    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        char *line, **words;
        struct runner_done d;
        ssize_t n;

        if (r->line == NULL && r->words == NULL) {
            pthread_cond_wait(&r->cond, &r->lock);
            continue;
        }
        line = r->line;
        words = r->words;
        r->line = NULL;
        r->words = NULL;
        pthread_mutex_unlock(&r->lock);
        __atomic_store_n(&r->pdone, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&r->ptotal, 0, __ATOMIC_RELAXED);
        run_command(r, line, words, &d);
        pthread_mutex_lock(&r->lock);
        done_free(&r->d); /* one nobody took */
        r->d = d;
        r->busy = false;
        r->done = true;
        n = write(r->wake_fd, "r", 1);
        (void)n;
    }
    pthread_mutex_unlock(&r->lock);
    cmd_ctx_close(&r->ctx);
    return NULL;
}

struct runner *
runner_start(struct config *cfg, int wake_fd, struct werr *e)
{
    struct runner *r = xcalloc(1, sizeof *r);

    r->ctx.cfg = cfg;
    r->ctx.place = CMD_CONSOLE;          /* the command table says what may not run here */
    r->ctx.in = fopen("/dev/null", "r"); /* the keyboard belongs to the console */
    r->ctx.progress = on_progress;
    r->ctx.progress_arg = r;
    r->wake_fd = wake_fd;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->cond, NULL);
    if (pthread_create(&r->thread, NULL, run, r) != 0) {
        werr_set(e, WISP_ERUNTIME, _("cannot start the command thread"));
        free(r);
        return NULL;
    }
    return r;
}

/* Queue a line or words (taken: freed here when busy). */
static bool
queue(struct runner *r, char *line, char **words)
{
    bool ok;

    pthread_mutex_lock(&r->lock);
    ok = !r->busy;
    if (ok) {
        r->line = line;
        r->words = words;
        r->busy = true;
        pthread_cond_signal(&r->cond);
    }
    pthread_mutex_unlock(&r->lock);
    if (!ok) {
        free(line);
        cli_free_words(words);
    }
    return ok;
}

bool
runner_submit(struct runner *r, const char *line)
{
    return queue(r, xstrdup(line), NULL);
}

bool
runner_call(struct runner *r, int argc, const char *const *argv)
{
    char **words = xcalloc((size_t)argc + 1, sizeof *words);

    for (int i = 0; i < argc; i++)
        words[i] = xstrdup(argv[i]);
    return queue(r, NULL, words);
}

void
words_add(struct words *w, const char *word)
{
    if (w->n < WORDS_MAX) /* no command of the table takes this many */
        w->w[w->n++] = xstrdup(word);
}

void
words_flag(struct words *w, const char *flag, const char *value)
{
    if (flag)
        words_add(w, flag);
    words_add(w, value);
}

void
words_addf(struct words *w, const char *fmt, ...)
{
    va_list ap;
    char word[128]; /* numbers and names */

    va_start(ap, fmt);
    vsnprintf(word, sizeof word, fmt, ap);
    va_end(ap);
    words_add(w, word);
}

void
words_free(struct words *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->w[i]);
    w->n = 0;
}

bool
runner_call_words(struct runner *r, const struct words *w)
{
    return runner_call(r, w->n, (const char *const *)w->w);
}

bool
runner_busy(struct runner *r)
{
    bool busy;

    pthread_mutex_lock(&r->lock);
    busy = r->busy;
    pthread_mutex_unlock(&r->lock);
    return busy;
}

bool
runner_take(struct runner *r, struct runner_done *d)
{
    bool done;

    pthread_mutex_lock(&r->lock);
    done = r->done;
    if (done) {
        *d = r->d;
        memset(&r->d, 0, sizeof r->d);
        r->done = false;
    }
    pthread_mutex_unlock(&r->lock);
    return done;
}

void
runner_stop(struct runner *r)
{
    if (r == NULL)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_signal(&r->cond);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    if (r->ctx.in)
        fclose(r->ctx.in);
    free(r->line);
    cli_free_words(r->words);
    done_free(&r->d);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
}
