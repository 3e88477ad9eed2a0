/*
 * events.c - the Redis event channel (see include/wisp/events.h).
 *
 * Publishing opens a short-lived connection with a 500 ms budget: commands
 * are one-shot processes, and a dead Redis must not hold up a sale. The
 * subscriber thread waits with poll() on the Redis socket and a stop pipe,
 * feeding what arrives to hiredis's reader, so stopping never waits on I/O.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "wisp/events.h"
#include "wisp/util.h"

/* Connect and authenticate/select as the URL says. NULL with a reason. */
static redisContext *
connect_redis(const char *url, struct werr *e)
{
    struct timeval tv = {0, 500000};
    struct redis_target t;
    redisContext *c;
    redisReply *r;

    if (config_parse_redis_url(url, &t, e) < 0)
        return NULL;
    c = t.path ? redisConnectUnixWithTimeout(t.path, tv)
               : redisConnectWithTimeout(t.host, t.port, tv);
    if (c == NULL || c->err) {
        werr_set(e, WISP_ERUNTIME, "Redis: %s", c ? c->errstr : "out of memory");
        goto fail;
    }
    redisSetTimeout(c, tv);
    if (t.password) {
        r = redisCommand(c, "AUTH %s", t.password);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            werr_set(e, WISP_ERUNTIME, "Redis AUTH refused");
            freeReplyObject(r);
            goto fail;
        }
        freeReplyObject(r);
    }
    if (t.db) {
        r = redisCommand(c, "SELECT %d", t.db);
        freeReplyObject(r);
    }
    config_redis_target_free(&t);
    return c;
fail:
    if (c)
        redisFree(c);
    config_redis_target_free(&t);
    return NULL;
}

bool
events_enabled(const struct config *cfg)
{
    return cfg->redis != NULL && *cfg->redis != '\0';
}

redisContext *
events_redis(const struct config *cfg, struct werr *e)
{
    if (!events_enabled(cfg)) {
        werr_set(e, WISP_ERUNTIME, "no Redis configured");
        return NULL;
    }
    return connect_redis(cfg->redis, e);
}

int
events_publish(const struct config *cfg, const char *type, json_t *details, struct werr *e)
{
    char at[40], channel[96], *text;
    struct timespec ts;
    struct tm tm;
    redisContext *c;
    redisReply *r;
    int rc = 0;

    if (cfg->redis == NULL || *cfg->redis == '\0') {
        json_decref(details);
        return 0;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(at + strlen(at), sizeof at - strlen(at), ".%03ldZ", ts.tv_nsec / 1000000);
    if (details == NULL)
        details = json_object();
    json_object_set_new(details, "type", json_string(type));
    json_object_set_new(details, "at", json_string(at));
    text = json_dumps(details, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(details);
    snprintf(channel, sizeof channel, "%sevents", cfg->redis_prefix);
    if ((c = connect_redis(cfg->redis, e)) == NULL) {
        free(text);
        return -1;
    }
    r = redisCommand(c, "PUBLISH %s %s", channel, text);
    if (r == NULL || r->type == REDIS_REPLY_ERROR)
        rc = werr_set(e, WISP_ERUNTIME, "Redis PUBLISH failed: %s", r ? r->str : c->errstr);
    freeReplyObject(r);
    redisFree(c);
    free(text);
    return rc;
}

int
events_store(const struct config *cfg, json_t *hashes, int ttl_s, struct werr *e)
{
    redisContext *c;
    const char *key;
    json_t *h;
    int pending = 0, rc = 0;

    if (cfg->redis == NULL || *cfg->redis == '\0' || json_object_size(hashes) == 0)
        return 0;
    if ((c = connect_redis(cfg->redis, e)) == NULL)
        return -1;
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
    redisFree(c);
    return rc;
}

int
events_forget(const struct config *cfg, const char *key, struct werr *e)
{
    redisContext *c;
    redisReply *r;

    if (cfg->redis == NULL || *cfg->redis == '\0')
        return 0;
    if ((c = connect_redis(cfg->redis, e)) == NULL)
        return -1;
    r = redisCommand(c, "DEL %s%s", cfg->redis_prefix, key);
    freeReplyObject(r);
    redisFree(c);
    return 0;
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
