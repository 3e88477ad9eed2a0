/*
 * dbpool.c - a few database connections shared by many threads (see
 * include/wisp/dbpool.h): a free list under one mutex, connections opened
 * lazily outside it.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/dbpool.h"
#include "wisp/util.h"

struct dbpool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char *conninfo;
    int size, nfree;
    struct db *conns;
    bool *up;
    int *free_list; /* indexes of the connections not out */
};

struct dbpool *
dbpool_new(const char *conninfo, int size)
{
    struct dbpool *p = xcalloc(1, sizeof *p);

    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    p->conninfo = conninfo ? xstrdup(conninfo) : NULL;
    p->size = p->nfree = size;
    p->conns = xcalloc((size_t)size, sizeof *p->conns);
    p->up = xcalloc((size_t)size, sizeof *p->up);
    p->free_list = xcalloc((size_t)size, sizeof *p->free_list);
    for (int i = 0; i < size; i++)
        p->free_list[i] = i;
    return p;
}

static void
give_back(struct dbpool *p, int k)
{
    pthread_mutex_lock(&p->lock);
    p->free_list[p->nfree++] = k;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

struct db *
dbpool_get(struct dbpool *p, struct werr *e)
{
    int k;

    pthread_mutex_lock(&p->lock);
    while (p->nfree == 0)
        pthread_cond_wait(&p->freed, &p->lock);
    k = p->free_list[--p->nfree];
    pthread_mutex_unlock(&p->lock);
    if (p->up[k] && !db_connected(&p->conns[k])) {
        db_close(&p->conns[k]);
        p->up[k] = false;
    }
    if (!p->up[k]) {
        if (db_open(&p->conns[k], p->conninfo, e) < 0) {
            give_back(p, k);
            return NULL;
        }
        p->up[k] = true;
    }
    return &p->conns[k];
}

void
dbpool_put(struct dbpool *p, struct db *db)
{
    int k = (int)(db - p->conns);

    if (!db_connected(db)) {
        db_close(db);
        p->up[k] = false;
    } else {
        db_rollback(db); /* never hand on a transaction left open (a no-op when none is) */
    }
    give_back(p, k);
}

void
dbpool_free(struct dbpool *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->size; i++)
        if (p->up[i])
            db_close(&p->conns[i]);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
    free(p->conninfo);
    free(p->conns);
    free(p->up);
    free(p->free_list);
    free(p);
}
