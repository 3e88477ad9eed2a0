/*
 * runner.c - the console's command thread (see include/wisp/runner.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wisp/cli.h"
#include "wisp/runner.h"
#include "wisp/util.h"

struct runner {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct cmd_ctx ctx; /* used only by the thread */
    int wake_fd;
    bool stop, busy, done;
    char *line;   /* the queued line */
    char *output; /* the finished command's text */
    int status;
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

/* Run one line; returns its text (stdout, then "wisp: error" and usage). */
static char *
run_line(struct runner *r, const char *line, int *status)
{
    struct werr e = {0};
    char *text = NULL;
    size_t len = 0;
    int argc = 0;
    char **argv = cli_split(line, &argc, &e);
    FILE *out = open_memstream(&text, &len);

    r->ctx.out = out;
    if (argv == NULL) {
        fprintf(out, "wisp: %s\n", e.msg);
        *status = WISP_EUSAGE;
    } else {
        *status = cli_run(&r->ctx, argc, argv, &e);
        if (*status != 0) {
            fprintf(out, "wisp: %s\n", e.msg);
            if (*status == WISP_EUSAGE && r->ctx.cmd)
                cli_print_usage(out, r->ctx.cmd);
        }
    }
    /* a command that lost the connection gets a fresh one next time */
    if (r->ctx.db_open && PQstatus(r->ctx.db.conn) != CONNECTION_OK)
        cmd_ctx_close(&r->ctx);
    fclose(out);
    cli_free_words(argv);
    return text;
}

static void *
run(void *arg)
{
    struct runner *r = arg;

    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        char *line, *text;
        int status;
        ssize_t n;

        if (r->line == NULL) {
            pthread_cond_wait(&r->cond, &r->lock);
            continue;
        }
        line = r->line;
        r->line = NULL;
        pthread_mutex_unlock(&r->lock);
        __atomic_store_n(&r->pdone, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&r->ptotal, 0, __ATOMIC_RELAXED);
        text = run_line(r, line, &status);
        free(line);
        pthread_mutex_lock(&r->lock);
        free(r->output);
        r->output = text;
        r->status = status;
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
        werr_set(e, WISP_ERUNTIME, "cannot start the command thread");
        free(r);
        return NULL;
    }
    return r;
}

bool
runner_submit(struct runner *r, const char *line)
{
    bool ok;

    pthread_mutex_lock(&r->lock);
    ok = !r->busy;
    if (ok) {
        r->line = xstrdup(line);
        r->busy = true;
        pthread_cond_signal(&r->cond);
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
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
runner_result(struct runner *r, char **output, int *status)
{
    bool done;

    pthread_mutex_lock(&r->lock);
    done = r->done;
    if (done) {
        *output = r->output;
        *status = r->status;
        r->output = NULL;
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
    free(r->output);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->cond);
    free(r);
}
