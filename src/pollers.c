/*
 * pollers.c - a thread per leased router (see include/wisp/pollers.h).
 * The main thread owns the list and the schedule fields; a router's thread
 * owns its round_slot while it is busy; queued/busy/quit are under lock.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/pollers.h"
#include "wisp/util.h"

/* A router thread's stack: a round's frames are small (buffers are on the
 * heap), so hundreds of routers cost little memory. */
#if defined(__SANITIZE_ADDRESS__)
#define ROUTER_STACK (4u << 20)
#else
#define ROUTER_STACK (512u << 10)
#endif

struct slot {
    struct round_slot r;
    struct pollers *p;
    pthread_t th;
    bool started;
    pthread_cond_t wake; /* under p->lock: queued or quit */
    bool queued, busy, quit;
    bool leased;        /* in this tick's leases */
    bool ready;         /* not backing off */
    long long due_ms;   /* the next round may start then */
    json_t *live;       /* the last finished round's state (live_lock) */
    char live_name[33]; /* and the router's name then (live_lock) */
    struct slot *next;
};

struct pollers {
    const struct round_env *env;
    atomic_bool *fresh;
    struct slot *slots;
    pthread_mutex_t lock; /* queued, busy, quit, and nbusy */
    int nbusy;            /* routers queued or in a round */
    pthread_mutex_t live_lock;
};

static bool
stopping(const struct pollers *p)
{
    return p->env->stop && *p->env->stop;
}

/* A round is over: its log line, and its state for the live figures. */
static void
finish_round(struct pollers *p, struct slot *s)
{
    log_msg(p->env->log, WLOG_DEBUG, "  %s: %lld ms, %s, %lu statements",
            s->r.name[0] ? s->r.name : "?", s->r.ms, s->r.note, s->r.statements);
    pthread_mutex_lock(&p->live_lock);
    json_decref(s->live);
    s->live = s->r.health ? json_incref(s->r.health)
                          : json_pack("{s:s, s:s}", "state", "down", "error", s->r.note);
    snprintf(s->live_name, sizeof s->live_name, "%s", s->r.name);
    pthread_mutex_unlock(&p->live_lock);
    atomic_store(p->fresh, true);
}

/* Not busy any more (under p->lock). */
static void
slot_done(struct pollers *p, struct slot *s)
{
    s->busy = false;
    p->nbusy--;
}

/* A router's thread: asleep until its round is queued, then the round. */
static void *
router_thread(void *arg)
{
    struct slot *s = arg;
    struct pollers *p = s->p;

    i18n_thread_english(); /* a worker thread: its errors are logged */
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!s->queued && !s->quit)
            pthread_cond_wait(&s->wake, &p->lock);
        if (s->quit)
            break;
        s->queued = false;
        pthread_mutex_unlock(&p->lock);
        if (!stopping(p)) {
            round_run(p->env, &s->r);
            finish_round(p, s);
        }
        pthread_mutex_lock(&p->lock);
        slot_done(p, s);
    }
    if (s->queued) { /* stopped before its round began: skipped */
        s->queued = false;
        slot_done(p, s);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static bool
start_thread(struct pollers *p, struct slot *s)
{
    pthread_attr_t a;

    if (s->started)
        return true;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, ROUTER_STACK);
    s->started = pthread_create(&s->th, &a, router_thread, s) == 0;
    pthread_attr_destroy(&a);
    if (!s->started)
        log_msg(p->env->log, WLOG_ERR, "router %d: no thread for it this round", s->r.id);
    return s->started;
}

static bool
slot_busy(struct pollers *p, const struct slot *s)
{
    bool busy;

    pthread_mutex_lock(&p->lock);
    busy = s->busy;
    pthread_mutex_unlock(&p->lock);
    return busy;
}

bool
pollers_idle(struct pollers *p)
{
    bool idle;

    pthread_mutex_lock(&p->lock);
    idle = p->nbusy == 0;
    pthread_mutex_unlock(&p->lock);
    return idle;
}

/* Every leased router that is due (all: due or not) gets its round. */
void
pollers_dispatch(struct pollers *p, bool all)
{
    long long now = ssh_now_ms();

    for (struct slot *s = p->slots; s; s = s->next) {
        if (!s->leased || !s->ready || (!all && now < s->due_ms) || slot_busy(p, s))
            continue;
        if (!start_thread(p, s))
            continue;
        s->due_ms = now + (long long)p->env->interval_s * 1000;
        pthread_mutex_lock(&p->lock);
        s->busy = s->queued = true;
        p->nbusy++;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&p->lock);
    }
}

static struct slot *
slot_for(struct pollers *p, int id, int wait_ms)
{
    struct slot *s;

    for (s = p->slots; s; s = s->next)
        if (s->r.id == id)
            return s;
    s = xcalloc(1, sizeof *s);
    s->due_ms = wait_ms > 0 ? ssh_now_ms() + wait_ms : 0;
    s->r.id = id;
    s->p = p;
    pthread_cond_init(&s->wake, NULL);
    s->next = p->slots;
    p->slots = s;
    return s;
}

/* Forget a router: its thread told to quit and joined (it is idle, or the
 * stop flag ends its round within moments). */
static void
drop_slot(struct pollers *p, struct slot **at)
{
    struct slot *s = *at;

    *at = s->next;
    if (s->started) {
        pthread_mutex_lock(&p->lock);
        s->quit = true;
        pthread_cond_signal(&s->wake);
        pthread_mutex_unlock(&p->lock);
        pthread_join(s->th, NULL);
    }
    round_slot_clear(&s->r);
    json_decref(s->live);
    pthread_cond_destroy(&s->wake);
    free(s);
}

struct pollers *
pollers_new(const struct round_env *env, atomic_bool *fresh)
{
    struct pollers *p = xcalloc(1, sizeof *p);

    p->env = env;
    p->fresh = fresh;
    pthread_mutex_init(&p->lock, NULL);
    pthread_mutex_init(&p->live_lock, NULL);
    return p;
}

void
pollers_lease(struct pollers *p, const struct router_lease *l, size_t n)
{
    for (struct slot *s = p->slots; s; s = s->next)
        s->leased = false;
    for (size_t i = 0; i < n; i++) {
        struct slot *s = slot_for(p, l[i].id, l[i].wait_ms);

        s->leased = true;
        s->ready = l[i].ready;
        if (l[i].sync)
            s->due_ms = 0;
    }
    for (struct slot **q = &p->slots; *q;)
        if (!(*q)->leased && !slot_busy(p, *q))
            drop_slot(p, q);
        else
            q = &(*q)->next;
}

int *
pollers_busy(struct pollers *p, size_t *n)
{
    size_t cap = 0;
    int *ids;

    for (struct slot *s = p->slots; s; s = s->next)
        cap++;
    ids = xcalloc(cap + 1, sizeof *ids);
    *n = 0;
    pthread_mutex_lock(&p->lock);
    for (struct slot *s = p->slots; s; s = s->next)
        if (s->busy)
            ids[(*n)++] = s->r.id;
    pthread_mutex_unlock(&p->lock);
    return ids;
}

void
pollers_live(struct pollers *p, json_t *live)
{
    char key[64];

    pthread_mutex_lock(&p->live_lock);
    for (struct slot *s = p->slots; s; s = s->next) {
        if (!s->leased || !s->live || !s->live_name[0])
            continue;
        snprintf(key, sizeof key, "router:%s", s->live_name);
        json_object_set_new(live, key, json_incref(s->live));
    }
    pthread_mutex_unlock(&p->live_lock);
}

void
pollers_free(struct pollers *p)
{
    if (!p)
        return;
    while (p->slots)
        drop_slot(p, &p->slots);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->live_lock);
    free(p);
}
