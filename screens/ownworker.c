/*
 * ownworker.c - the console's own worker thread (see
 * include/wisp/ownworker.h).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "wisp/cli.h"
#include "wisp/db.h"
#include "wisp/ownworker.h"
#include "wisp/util.h"
#include "wisp/worker.h"

static volatile sig_atomic_t worker_stop;
static struct worker_opts worker_opts;

static void *
worker_thread(void *arg)
{
    struct console *con = arg;
    struct werr e = {0};

    worker_run(con->cfg, &worker_opts, &e);
    return NULL;
}

void
ownworker_start(struct console *con)
{
    enum config_embedded mode = con->cfg->worker_embedded;
    struct db db = {0};
    struct werr e = {0};
    char *log;
    int seen = 1;

    if (mode == EMBEDDED_OFF || db_open(&db, con->cfg->db, &e) < 0)
        return;
    /* only an admin's console may act as the worker (PostgreSQL would refuse
     * the rest of its writes anyway) */
    if (db_load_role(&db, &e) == 0 && str_eq(db.group, "admin"))
        seen = mode == EMBEDDED_ON ? 0 : worker_seen(&db, &e);
    db_close(&db);
    if (seen != 0)
        return;
    log = cli_state_path("worker.log");
    if (log)
        worker_opts.log = fopen(log, "a");
    free(log);
    worker_opts.interval_s = con->cfg->worker_interval;
    worker_opts.embedded = true;
    worker_opts.stop = &worker_stop;
    con->worker_running = pthread_create(&con->worker_thread, NULL, worker_thread, con) == 0;
}

void
ownworker_stop(struct console *con)
{
    if (!con->worker_running)
        return;
    worker_stop = 1; /* it stops within moments (router waits are cancelled), records what
                      * the routers confirmed and gives its leases back */
    pthread_join(con->worker_thread, NULL);
    if (worker_opts.log)
        fclose(worker_opts.log);
}
