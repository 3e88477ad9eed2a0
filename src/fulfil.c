/*
 * fulfil.c - the orders the worker carries out (see include/wisp/fulfil.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wisp/events.h"
#include "wisp/i18n.h"
#include "wisp/fulfil.h"
#include "wisp/order.h"
#include "wisp/provider.h"
#include "wisp/util.h"
#include "wisp/voucher.h"

static bool
stopping(const struct fulfil_env *env)
{
    return env->stop && *env->stop;
}

/* A plan ran out of unsold vouchers with orders waiting: make more (twice its
 * low-stock mark, at least 50). True when a batch was made. */
static bool
make_stock(const struct fulfil_env *env, struct db *db, int plan_id)
{
    struct werr e = {0};
    struct voucher_spec spec = {.length = VOUCHER_DEFAULT_LENGTH, .note = "stock for orders"};
    int64_t batch;
    char name[64];
    bool ok;

    if (order_stock_plan(db, plan_id, name, sizeof name, &spec.count, &e) != 1)
        return false;
    spec.plan = name;
    ok = voucher_create(db, &spec, &batch, &e) == 0;
    if (ok)
        log_msg(env->log, WLOG_NOTICE, "orders: plan %s out of stock, made batch %lld of %lld",
                name, (long long)batch, (long long)spec.count);
    else
        log_msg(env->log, WLOG_ERR, "orders: plan %s out of stock and no batch could be made: %s",
                name, e.msg);
    return ok;
}

/* Plan orders from stock, one transaction each, until none waits. */
int
fulfil_stock(const struct fulfil_env *env, struct db *db)
{
    struct werr e = {0};
    int done = 0, failed = order_fail_unknown(db, &e), made = 0, more = 0;
    struct timespec t0, now;

    if (failed > 0) {
        log_msg(env->log, WLOG_WARNING, "orders: %d for no active plan failed", failed);
        events_emit(env->cfg, "order.updated",
                    json_pack("{s:s, s:i}", "status", "failed", "count", failed));
    }
    if (failed < 0)
        log_msg(env->log, WLOG_ERR, "orders: %s", e.msg);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int64_t id;
        int short_plan, rc;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >=
            FULFIL_BUDGET_MS) {
            more = FULFIL_MORE;
            break;
        }
        rc = order_fulfil_one(db, &id, &short_plan, &e);

        if (rc < 0) {
            log_msg(env->log, WLOG_ERR, "orders: %s", e.msg);
            break;
        }
        if (rc == 1) {
            done++;
            events_emit(env->cfg, "order.updated",
                        json_pack("{s:I, s:s}", "order", (json_int_t)id, "status", "completed"));
            continue;
        }
        if (short_plan && made++ < 3 && make_stock(env, db, short_plan))
            continue;
        break;
    }
    if (done) {
        json_t *low = order_low_stock(db, &e), *p;
        size_t i;

        log_msg(env->log, WLOG_INFO, "orders: %d completed from stock", done);
        json_array_foreach(low, i, p) events_emit(env->cfg, "stock.low", json_incref(p));
        json_decref(low);
    }
    return more;
}

/* The provider named in an order, loaded once a cycle into a small cache. */
struct provider_cache {
    struct provider p[16];
    char error[16][512];
    int n;
};

static const struct provider *
cached_provider(const struct fulfil_env *env, struct provider_cache *c, const char *name,
                const char **error)
{
    struct werr e = {0};

    *error = NULL;
    for (int i = 0; i < c->n; i++)
        if (str_eq(c->p[i].name, name)) {
            *error = c->error[i][0] ? c->error[i] : NULL;
            return *error ? NULL : &c->p[i];
        }
    if (c->n == 16)
        return NULL;
    if (provider_load(env->cfg, name, &c->p[c->n], &e) < 0) {
        snprintf(c->p[c->n].name, sizeof c->p[c->n].name, "%s", name);
        snprintf(c->error[c->n], sizeof c->error[c->n], "%s", e.msg);
    }
    c->n++;
    return cached_provider(env, c, name, error);
}

/* A provider's answer as the order's next state. */
static void
settle(const struct provider *p, const struct order_job *j, enum provider_outcome o,
       const struct provider_reply *r, const char *error, bool dispatch, struct order_result *res)
{
    int64_t now = (int64_t)time(NULL), sent = dispatch ? now : j->sent_at;

    memset(res, 0, sizeof *res);
    res->sent = dispatch && o == PROV_OK;
    res->checked = !dispatch;
    if (o == PROV_REJECTED) {
        res->status = "failed";
        res->error = error;
        return;
    }
    if (o == PROV_RETRY && dispatch) { /* not sent: try again after a pause, until the timeout */
        res->status = "pending";
        res->error = error;
        res->next_check = now + provider_retry_delay(p, j->attempts + 1);
        if (now >= j->created_at + p->timeout_s) {
            res->status = "failed";
            res->next_check = 0;
        }
        return;
    }
    if (o == PROV_OK) {
        res->ref = dispatch ? r->reference : NULL;
        if (str_eq(r->status, "completed")) {
            res->status = "completed";
            res->pin = r->pin;
            return;
        }
        if (str_eq(r->status, "failed")) {
            res->status = "failed";
            res->error = r->message[0] ? r->message : "the provider says it failed";
            return;
        }
        res->status = str_eq(r->status, "processing") ? "processing" : "sent";
    } else {
        res->status = NULL; /* as it was: a check that failed counts as a check */
        res->error = error;
    }
    res->next_check = provider_next_check(p, sent, dispatch ? 0 : j->checks + 1, now);
    if (res->next_check < 0) {
        res->status = "failed";
        res->error = "timeout: no answer from the provider in time";
        res->checked = !dispatch;
        res->next_check = 0;
    }
}

void
fulfil_providers(const struct fulfil_env *env, struct db *db, int64_t *last_sweep)
{
    struct provider_cache cache = {.n = 0};
    struct werr e = {0};
    int64_t now = (int64_t)time(NULL), sweep_since = 0;
    int sent = 0, checked = 0;

    if (env->cfg->nproviders > 0) {
        int sweep_s = env->cfg->providers[0].sweep_s;

        /* the most eager provider's sweep */
        for (size_t i = 1; i < env->cfg->nproviders; i++)
            if (env->cfg->providers[i].sweep_s < sweep_s)
                sweep_s = env->cfg->providers[i].sweep_s;
        if (now - *last_sweep >= sweep_s) {
            sweep_since = now;
            *last_sweep = now;
        }
    }
    for (int pass = 0; pass < 3; pass++) { /* dispatch, scheduled checks, the sweep */
        for (int i = 0; i < (pass == 2 ? 100 : 500); i++) {
            struct order_job j;
            struct provider_reply r;
            struct order_result res;
            const struct provider *p;
            const char *perr;
            enum provider_outcome o;
            int rc;

            if ((pass == 2 && !sweep_since) || stopping(env))
                break; /* stopping: the rest waits for the next worker's round */
            rc = pass == 0 ? order_take_dispatch(db, &j, &e)
                           : order_take_check(db, pass == 2 ? sweep_since : 0, &j, &e);
            if (rc <= 0) {
                if (rc < 0)
                    log_msg(env->log, WLOG_ERR, "orders: %s", e.msg);
                break;
            }
            p = cached_provider(env, &cache, j.provider, &perr);
            if (!p) { /* not configured (yet): say so and look again in a minute */
                res = (struct order_result){.status = pass == 0 ? "pending" : NULL,
                                            .error = perr ? perr : "too many providers",
                                            .next_check = now + 60};
                order_record(db, &j, &res, &e);
                continue;
            }
            werr_clear(&e);
            o = pass == 0 ? provider_dispatch(p, j.id, j.product, j.customer,
                                              j.extra[0] ? j.extra : NULL, j.idem, &r, &e)
                          : provider_check(p, j.reference, &r, &e);
            settle(p, &j, o, &r, e.msg[0] ? e.msg : NULL, pass == 0, &res);
            if (o != PROV_OK)
                log_msg(env->log, WLOG_WARNING, "orders: %lld: %s", (long long)j.id, e.msg);
            {
                char err[sizeof e.msg];
                struct werr e2 = {0};

                snprintf(err, sizeof err, "%s", res.error ? res.error : "");
                if (res.error)
                    res.error = err;
                if (order_record(db, &j, &res, &e2) < 0) {
                    log_msg(env->log, WLOG_ERR, "orders: %lld: cannot record: %s", (long long)j.id,
                            e2.msg);
                    continue;
                }
            }
            pass == 0 ? sent++ : checked++;
            events_emit(env->cfg, "order.updated",
                        json_pack("{s:I, s:s?, s:s}", "order", (json_int_t)j.id, "status",
                                  res.status, "provider", j.provider));
        }
    }
    if (sent || checked)
        log_msg(env->log, WLOG_INFO, "orders: %d dispatched, %d checked at providers", sent,
                checked);
    for (int i = 0; i < cache.n; i++)
        provider_free(&cache.p[i]);
}

static void *
runner_main(void *arg)
{
    struct fulfil_runner *r = arg;
    struct werr e = {0};

    i18n_thread_english(); /* a worker thread: its errors are logged */
    if (r->db_up && !db_connected(&r->db)) {
        db_close(&r->db);
        r->db_up = false;
    }
    if (!r->db_up && db_open(&r->db, r->env->cfg->db, &e) < 0)
        log_msg(r->env->log, WLOG_ERR, "database: %s", e.msg);
    else {
        r->db_up = true;
        fulfil_providers(r->env, &r->db, &r->last_sweep);
    }
    atomic_store(&r->running, false);
    return NULL;
}

void
fulfil_runner_start(struct fulfil_runner *r)
{
    if (r->started && !atomic_load(&r->running))
        fulfil_runner_join(r);
    if (r->started)
        return;
    atomic_store(&r->running, true);
    r->started = pthread_create(&r->th, NULL, runner_main, r) == 0;
    if (!r->started)
        atomic_store(&r->running, false);
}

void
fulfil_runner_join(struct fulfil_runner *r)
{
    if (r->started)
        pthread_join(r->th, NULL);
    r->started = false;
}

void
fulfil_runner_close(struct fulfil_runner *r)
{
    fulfil_runner_join(r);
    if (r->db_up)
        db_close(&r->db);
    r->db_up = false;
}
