/*
 * events.c - the Redis event channel and the process's one Redis connection
 * for commands (see include/wisp/events.h).
 *
 * The connection (struct shared below) is the one piece of process-wide
 * state in src/: a process has one Redis, and handing a handle through
 * every caller would change every signature from the CLI to the worker for
 * nothing. It is opened on first use and guarded by a mutex: the worker's
 * cycle, the console's data thread and the publisher thread take turns.
 * A call that finds it broken (c->err) closes it; connecting again waits
 * for a back-off (1 s, doubling to 8 s) so that a dead Redis costs a failed
 * connect every few seconds, not one per event, and every call in between
 * fails at once instead of waiting on a timeout.
 *
 * Publishing does not take that mutex: events_publish puts the message on
 * a bounded queue, and one publisher thread (started on the first publish)
 * sends what is queued, pipelined, on the shared connection. The worker
 * publishes from its router threads; with a mutex they would wait for a
 * slow Redis (up to the 500 ms timeout, one after another) or for the
 * metrics path holding the connection, with the queue a publish costs a
 * lock and a copy whatever Redis does. Events are hints (PostgreSQL has
 * the truth, a console redraws from it when its subscription comes back),
 * so what cannot be sent (queue full, Redis down) is dropped, not kept.
 * events_close() drains the queue before the process ends.
 *
 * The subscriber thread has a connection of its own (a subscribed Redis
 * connection runs no other command); it waits with poll() on the Redis
 * socket and a stop pipe, feeding what arrives to hiredis's reader, so
 * stopping never waits on I/O.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "wisp/events.h"
#include "wisp/redis_url.h"
#include "wisp/util.h"

#define BACKOFF_FIRST_MS 1000
#define BACKOFF_MAX_MS   8000
#define QUEUE_MAX        4096 /* events waiting for the publisher thread */
#define BATCH_MAX        256  /* events sent in one pipeline */

struct queued {
    char *url, *channel, *text;
};

static struct shared {
    pthread_mutex_t lock; /* the connection and its state */
    redisContext *c;
    char *url;             /* what c is connected to */
    bool down;             /* in an outage: the last connect failed or c broke */
    bool told;             /* a once-caller has had this outage's error */
    bool holder_once;      /* the caller holding lock passed once=true */
    sigset_t holder_mask;  /* the holder's signal mask before pipe_hold */
    bool pipe_was_pending; /* a SIGPIPE of the holder's own was pending already */
    atomic_llong retry_ms; /* while down: no connect before this */
    int backoff_ms;
    char why[256];       /* the outage's reason */
    atomic_bool is_down; /* down, readable without the lock */

    pthread_mutex_t qlock; /* the queue and the publisher thread */
    pthread_cond_t qcond;
    struct queued q[QUEUE_MAX];
    size_t qhead, qn;
    bool running, closing;
    pthread_t thread;
} R = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .qlock = PTHREAD_MUTEX_INITIALIZER,
    .qcond = PTHREAD_COND_INITIALIZER,
};

static long long
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Connect, authenticate, select the database and PING, as the URL says.
 * NULL with a reason naming the server (never the password). */
static redisContext *
connect_redis(const char *url, struct werr *e)
{
    struct timeval tv = {0, 500000};
    struct redis_target t;
    redisContext *c;
    redisReply *r;
    char where[160];

    if (redis_url_parse(url, &t, e) < 0)
        return NULL;
    if (t.path)
        snprintf(where, sizeof where, "%s", t.path);
    else
        snprintf(where, sizeof where, "%s:%d", t.host, t.port);
    c = t.path ? redisConnectUnixWithTimeout(t.path, tv)
               : redisConnectWithTimeout(t.host, t.port, tv);
    if (c == NULL || c->err) {
        werr_set(e, WISP_ERUNTIME, "Redis at %s: %s", where, c ? c->errstr : "out of memory");
        goto fail;
    }
    redisSetTimeout(c, tv);
    if (t.password) {
        r = redisCommand(c, "AUTH %s", t.password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            werr_set(e, WISP_ERUNTIME, "Redis at %s: AUTH refused (%s)", where,
                     r ? r->str : c->errstr);
            freeReplyObject(r);
            goto fail;
        }
        freeReplyObject(r);
    }
    /* SELECT when asked, else PING: either proves a Redis answers */
    r = t.db ? redisCommand(c, "SELECT %d", t.db) : redisCommand(c, "PING");
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        werr_set(e, WISP_ERUNTIME, "Redis at %s: %s", where, r ? r->str : c->errstr);
        freeReplyObject(r);
        goto fail;
    }
    freeReplyObject(r);
    redis_url_free(&t);
    return c;
fail:
    if (c)
        redisFree(c);
    redis_url_free(&t);
    return NULL;
}

bool
events_enabled(const struct config *cfg)
{
    return cfg->redis != NULL && *cfg->redis != '\0';
}

/* Under R.lock: an outage begins or goes on; the next connect waits. */
static void
went_down(const char *why)
{
    if (!R.down) {
        R.down = true;
        R.told = false;
        R.backoff_ms = BACKOFF_FIRST_MS;
    } else if ((R.backoff_ms *= 2) > BACKOFF_MAX_MS) {
        R.backoff_ms = BACKOFF_MAX_MS;
    }
    R.retry_ms = now_ms() + R.backoff_ms;
    snprintf(R.why, sizeof R.why, "%s", why);
    atomic_store(&R.is_down, true);
}

/* Under R.lock: the connection to url, connecting when none is open and the
 * back-off allows; NULL while Redis is down (R.why says why). */
static redisContext *
connection(const char *url)
{
    struct werr ce = {0};

    if (R.c && strcmp(R.url, url) != 0) { /* another Redis: not a failure */
        redisFree(R.c);
        R.c = NULL;
    }
    if (R.c) {
        /* Between callers no reply is due, so a readable socket means Redis
         * hung up (it stopped or restarted): connect again at once, and the
         * caller hears "down" from the connect, not a broken command. */
        struct pollfd p = {R.c->fd, POLLIN, 0};

        if (poll(&p, 1, 0) > 0) {
            redisFree(R.c);
            R.c = NULL;
        }
    }
    if (R.c)
        return R.c;
    if (R.down && now_ms() < R.retry_ms)
        return NULL;
    if ((R.c = connect_redis(url, &ce)) == NULL) {
        went_down(ce.msg);
        return NULL;
    }
    free(R.url);
    R.url = xstrdup(url);
    R.down = R.told = false;
    atomic_store(&R.is_down, false);
    return R.c;
}

/* Under R.lock: the one line an outage is told in. */
static void
tell_down(struct werr *e)
{
    long long wait = (R.retry_ms - now_ms() + 999) / 1000;

    werr_set(e, WISP_ERUNTIME,
             "%s; Redis is down: events and live figures wait for it (next try in %lld s)", R.why,
             wait > 0 ? wait : 0);
}

/* Under R.lock, around the holder's use of the connection: SIGPIPE held off
 * for this thread (as libpq does), so a write to a Redis that hung up fails
 * with EPIPE instead of ending the process; a SIGPIPE it raised is taken
 * before the thread's mask comes back. */
static void
pipe_hold(void)
{
    sigset_t pipe, pending;

    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigpending(&pending);
    R.pipe_was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, &R.holder_mask);
}

static void
pipe_release(void)
{
    sigset_t pipe, pending;

    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !R.pipe_was_pending) {
        const struct timespec none = {0, 0};

        sigtimedwait(&pipe, NULL, &none);
    }
    pthread_sigmask(SIG_SETMASK, &R.holder_mask, NULL);
}

int
events_acquire(const struct config *cfg, bool once, redisContext **c, struct werr *e)
{
    *c = NULL;
    if (!events_enabled(cfg))
        return 0;
    pthread_mutex_lock(&R.lock);
    pipe_hold();
    if ((*c = connection(cfg->redis)) != NULL) {
        R.holder_once = once;
        return 1;
    }
    pipe_release();
    if (once && R.told) { /* already said, this outage */
        pthread_mutex_unlock(&R.lock);
        return 0;
    }
    if (once)
        R.told = true;
    tell_down(e);
    pthread_mutex_unlock(&R.lock);
    return -1;
}

void
events_release(redisContext *c, struct werr *e)
{
    if (c && c == R.c && c->err) {
        char why[300];

        /* hiredis says a read timeout as EAGAIN's text */
        snprintf(why, sizeof why, "Redis: %s",
                 c->err == REDIS_ERR_IO && str_eq(c->errstr, strerror(EAGAIN))
                     ? "no answer within 0.5 s"
                     : c->errstr);
        redisFree(R.c);
        R.c = NULL;
        went_down(why);
        if (e) /* that caller's failure is the outage: told once, in its words */
            tell_down(e);
        R.told = R.holder_once;
    }
    pipe_release();
    pthread_mutex_unlock(&R.lock);
}

static void
queued_free(struct queued *q)
{
    free(q->url);
    free(q->channel);
    free(q->text);
}

/* Publish n queued events for one Redis in one pipeline; on the publisher
 * thread. Dropped when Redis is down. */
static void
send_run(struct queued *b, size_t n)
{
    redisContext *c;
    size_t sent = 0;

    pthread_mutex_lock(&R.lock);
    pipe_hold();
    R.holder_once = false; /* nobody to tell: the outage is for callers to report */
    if ((c = connection(b[0].url)) != NULL) {
        for (size_t i = 0; i < n; i++)
            redisAppendCommand(c, "PUBLISH %s %s", b[i].channel, b[i].text);
        for (; sent < n; sent++) {
            redisReply *r = NULL;

            if (redisGetReply(c, (void **)&r) != REDIS_OK)
                break; /* c->err: events_release closes it */
            freeReplyObject(r);
        }
    }
    events_release(c, NULL);
}

static void *
publisher(void *arg)
{
    struct queued *batch = xcalloc(BATCH_MAX, sizeof *batch);
    size_t n;

    (void)arg;
    for (;;) {
        pthread_mutex_lock(&R.qlock);
        while (R.qn == 0 && !R.closing)
            pthread_cond_wait(&R.qcond, &R.qlock);
        for (n = 0; n < BATCH_MAX && R.qn > 0; n++, R.qn--) {
            batch[n] = R.q[R.qhead];
            R.qhead = (R.qhead + 1) % QUEUE_MAX;
        }
        pthread_mutex_unlock(&R.qlock);
        if (n == 0)
            break;                            /* closing, and nothing left */
        for (size_t i = 0, j; i < n; i = j) { /* runs of one Redis each */
            for (j = i + 1; j < n && strcmp(batch[j].url, batch[i].url) == 0; j++)
                ;
            send_run(batch + i, j - i);
        }
        for (size_t i = 0; i < n; i++)
            queued_free(&batch[i]);
    }
    free(batch);
    return NULL;
}

int
events_publish(const struct config *cfg, const char *type, json_t *details, struct werr *e)
{
    char at[40];
    struct timespec ts;
    struct tm tm;
    struct queued q;
    int rc = 0;

    if (!events_enabled(cfg)) {
        json_decref(details);
        return 0;
    }
    if (atomic_load(&R.is_down) && now_ms() < atomic_load(&R.retry_ms)) {
        /* the publisher would only drop it: no connect is due yet */
        json_decref(details);
        return werr_set(e, WISP_ERUNTIME, "Redis is down: event %s not published", type);
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(at + strlen(at), sizeof at - strlen(at), ".%03ldZ", ts.tv_nsec / 1000000);
    if (details == NULL)
        details = json_object();
    json_object_set_new(details, "type", json_string(type));
    json_object_set_new(details, "at", json_string(at));
    q.text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(details);
    q.url = xstrdup(cfg->redis);
    q.channel = xasprintf("%sevents", cfg->redis_prefix);
    if (q.text == NULL) {
        queued_free(&q);
        return werr_set(e, WISP_ERUNTIME, "event %s not published: out of memory", type);
    }
    pthread_mutex_lock(&R.qlock);
    if (!R.running && !R.closing) {
        sigset_t all, old;

        /* signals stay with the threads that wait for them */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        R.running = pthread_create(&R.thread, NULL, publisher, NULL) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (!R.running || R.closing || R.qn == QUEUE_MAX) {
        rc = werr_set(e, WISP_ERUNTIME, "event %s not published: %s", type,
                      R.running ? "too many events waiting for Redis" : "no publisher thread");
        queued_free(&q);
    } else {
        R.q[(R.qhead + R.qn++) % QUEUE_MAX] = q;
        pthread_cond_signal(&R.qcond);
    }
    pthread_mutex_unlock(&R.qlock);
    return rc;
}

void
events_emit(const struct config *cfg, const char *type, json_t *details)
{
    struct werr e = {0};

    events_publish(cfg, type, details, &e);
}

void
events_close(void)
{
    pthread_mutex_lock(&R.qlock);
    R.closing = true;
    pthread_cond_signal(&R.qcond);
    pthread_mutex_unlock(&R.qlock);
    if (R.running)
        pthread_join(R.thread, NULL);
    pthread_mutex_lock(&R.qlock);
    R.running = R.closing = false;
    pthread_mutex_unlock(&R.qlock);
    pthread_mutex_lock(&R.lock);
    if (R.c)
        redisFree(R.c);
    R.c = NULL;
    free(R.url);
    R.url = NULL;
    R.down = R.told = false; /* a later use starts afresh */
    atomic_store(&R.is_down, false);
    pthread_mutex_unlock(&R.lock);
}

int
events_store(const struct config *cfg, json_t *hashes, int ttl_s, struct werr *e)
{
    redisContext *c;
    const char *key;
    json_t *h;
    int pending = 0, rc;

    if (json_object_size(hashes) == 0)
        return 0;
    if ((rc = events_acquire(cfg, true, &c, e)) <= 0)
        return rc;
    rc = 0;
    /* one pipeline: per key DEL, HSET of every field, EXPIRE */
    json_object_foreach(hashes, key, h)
    {
        char *k = xasprintf("%s%s", cfg->redis_prefix, key);
        const char *f;
        json_t *v;

        redisAppendCommand(c, "DEL %s", k);
        pending++;
        json_object_foreach(h, f, v)
        {
            char *text = json_is_string(v) ? xstrdup(json_string_value(v))
                         : json_is_null(v) ? xstrdup("")
                                           : json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

            redisAppendCommand(c, "HSET %s %s %s", k, f, text);
            pending++;
            free(text);
        }
        redisAppendCommand(c, "EXPIRE %s %d", k, ttl_s);
        pending++;
        free(k);
    }
    while (pending-- > 0) {
        redisReply *r = NULL;

        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            rc = werr_set(e, WISP_ERUNTIME, "Redis: %s", c->errstr);
            break;
        }
        if (r && r->type == REDIS_REPLY_ERROR && rc == 0)
            rc = werr_set(e, WISP_ERUNTIME, "Redis: %s", r->str);
        freeReplyObject(r);
    }
    events_release(c, e);
    return rc;
}

int
events_forget(const struct config *cfg, const char *key, struct werr *e)
{
    redisContext *c;
    redisReply *r;
    int rc;

    if ((rc = events_acquire(cfg, true, &c, e)) <= 0)
        return rc;
    r = redisCommand(c, "DEL %s%s", cfg->redis_prefix, key);
    rc = r == NULL || r->type == REDIS_REPLY_ERROR
             ? werr_set(e, WISP_ERUNTIME, "Redis: %s", r ? r->str : c->errstr)
             : 0;
    freeReplyObject(r);
    events_release(c, e);
    return rc;
}

struct events {
    pthread_t thread;
    char *url, *channel;
    int stop[2];
    void (*on_event)(void *, const char *);
    void (*on_state)(void *, bool);
    void *arg;
};

/* Wait up to ms for the stop pipe; true when asked to stop. */
static bool
stopping(struct events *ev, int ms)
{
    struct pollfd p = {ev->stop[0], POLLIN, 0};

    return poll(&p, 1, ms) > 0;
}

/* One subscription until it breaks or we stop; true when stopping. */
static bool
listen_once(struct events *ev)
{
    struct werr e = {0};
    redisContext *c = connect_redis(ev->url, &e);
    redisReply *r;
    bool stop = false;

    if (c == NULL)
        return false;
    r = redisCommand(c, "SUBSCRIBE %s", ev->channel);
    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        freeReplyObject(r);
        redisFree(c);
        return false;
    }
    freeReplyObject(r);
    ev->on_state(ev->arg, true);
    while (!stop) {
        struct pollfd p[2] = {{c->fd, POLLIN, 0}, {ev->stop[0], POLLIN, 0}};
        void *reply;

        if (poll(p, 2, -1) < 0 && errno != EINTR)
            break;
        if (p[1].revents) {
            stop = true;
            break;
        }
        if (redisBufferRead(c) != REDIS_OK)
            break;
        while (redisGetReplyFromReader(c, &reply) == REDIS_OK && reply) {
            r = reply;
            if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
                r->element[2]->type == REDIS_REPLY_STRING)
                ev->on_event(ev->arg, r->element[2]->str);
            freeReplyObject(r);
        }
    }
    redisFree(c);
    ev->on_state(ev->arg, false);
    return stop;
}

static void *
run(void *arg)
{
    struct events *ev = arg;
    int backoff = 1;

    ev->on_state(ev->arg, false);
    while (!listen_once(ev)) {
        if (stopping(ev, backoff * 1000))
            break;
        backoff = backoff < 16 ? backoff * 2 : 30;
    }
    return NULL;
}

struct events *
events_subscribe(const struct config *cfg, void (*on_event)(void *, const char *),
                 void (*on_state)(void *, bool), void *arg)
{
    struct events *ev;

    if (cfg->redis == NULL || *cfg->redis == '\0')
        return NULL;
    ev = xcalloc(1, sizeof *ev);
    ev->url = xstrdup(cfg->redis);
    ev->channel = xasprintf("%sevents", cfg->redis_prefix);
    ev->on_event = on_event;
    ev->on_state = on_state;
    ev->arg = arg;
    if (pipe(ev->stop) < 0 || pthread_create(&ev->thread, NULL, run, ev) != 0) {
        free(ev->url);
        free(ev->channel);
        free(ev);
        return NULL;
    }
    return ev;
}

void
events_stop(struct events *ev)
{
    ssize_t n;

    if (ev == NULL)
        return;
    n = write(ev->stop[1], "x", 1);
    (void)n;
    pthread_join(ev->thread, NULL);
    close(ev->stop[0]);
    close(ev->stop[1]);
    free(ev->url);
    free(ev->channel);
    free(ev);
}
