/*
 * doctor.c - `wisp doctor`'s checks (see include/wisp/doctor.h).
 *
 * Each check asks the module that owns what it checks (config, db,
 * router, ssh, events, backup) and says what it found in one line a person
 * can act on. Routers are many and may be dead: each gets its own SSH
 * connection attempt from a pool of threads, with a connect deadline of at
 * most 5 s, and a flag the pool's watchdog raises at the overall deadline
 * makes every attempt still waiting give up (ssh_target.cancel), so 500
 * dead routers take seconds, not minutes.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hiredis.h>

#include "wisp/backup.h"
#include "wisp/db.h"
#include "wisp/doctor.h"
#include "wisp/events.h"
#include "wisp/notify.h"
#include "wisp/router.h"
#include "wisp/ssh.h"
#include "wisp/units.h"
#include "wisp/util.h"
#include "wisp/webhook.h"

#define POOL_MAX    64    /* routers tried at once */
#define CONNECT_MAX 5000  /* ms: a router's connect and login, at most */
#define ROUTERS_MAX 20000 /* ms: all routers, whatever their number */

static void add(json_t *list, const char *check, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
add(json_t *list, const char *check, const char *status, const char *fmt, ...)
{
    char detail[600];
    json_t *d;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    d = json_string(detail); /* a router's words need not be UTF-8 */
    json_array_append_new(list, json_pack("{s:s, s:s, s:o}", "check", check, "status", status,
                                          "detail", d ? d : json_string("(not UTF-8)")));
}

/* A file holding a secret must be its owner's alone (OpenSSH's rule). */
static void
check_private(json_t *list, const char *check, const char *what, const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        add(list, check, "fail", "%s %s: %s", what, path, strerror(errno));
    else if (st.st_mode & 077)
        add(list, check, "fail", "%s %s is open to others (mode %04o): chmod 600 %s", what, path,
            (unsigned)(st.st_mode & 07777), path);
    else if (access(path, R_OK) < 0)
        add(list, check, "fail", "%s %s cannot be read: %s", what, path, strerror(errno));
    else
        add(list, check, "ok", "%s %s: mode %04o", what, path, (unsigned)(st.st_mode & 07777));
}

static void
check_config(json_t *list, const struct config *cfg)
{
    if (cfg->file == NULL) {
        add(list, "config", "ok", "no config file: defaults and WISP_* variables");
        return;
    }
    /* it parsed, or wisp would not have got this far */
    check_private(list, "config", "config file", cfg->file);
}

/* The database, its schema and the roles; db left open (conn NULL when not). */
static void
check_db(json_t *list, const struct config *cfg, struct db *db)
{
    static const char *const roles[] = {"wisp_viewer", "wisp_operator", "wisp_admin",
                                        "wisp_worker", "wisp_owner",    "wisp_backup"};
    struct werr e = {0};
    struct sbuf missing = {0};

    if (db_open(db, cfg->db, &e) < 0) {
        add(list, "database", "fail", "%s", e.msg);
        add(list, "schema", "fail", "not checked: no database");
        add(list, "roles", "fail", "not checked: no database");
        return;
    }
    db_load_role(db, &e);
    add(list, "database", "ok", "%s on PostgreSQL %d.%d as %s (%s)", PQdb(db->conn),
        PQserverVersion(db->conn) / 10000, PQserverVersion(db->conn) % 10000, db->role,
        *db->group ? db->group : "no wisp group");
    werr_clear(&e);
    if (db_check_schema(db, &e) < 0)
        add(list, "schema", "fail", "%s", e.msg);
    else
        add(list, "schema", "ok", "version %d, no migration pending", db_schema_version());
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        int64_t n = 0;

        werr_clear(&e);
        if (db_i64v(db, &e, &n, "SELECT count(*) FROM pg_roles WHERE rolname = $1", 1, roles[i]) <
            0) {
            add(list, "roles", "fail", "%s", e.msg);
            sb_free(&missing);
            return;
        }
        if (n == 0)
            sb_printf(&missing, "%s%s", missing.len ? ", " : "", roles[i]);
    }
    if (missing.len)
        add(list, "roles", "fail", "missing: %s (run `wisp db migrate` as the database owner)",
            missing.buf);
    else
        add(list, "roles", "ok",
            "wisp_viewer, wisp_operator, wisp_admin, wisp_worker, wisp_owner, "
            "wisp_backup");
    sb_free(&missing);
}

static void
check_redis(json_t *list, const struct config *cfg)
{
    struct werr e = {0};
    redisContext *c;
    redisReply *r;
    int rc = events_acquire(cfg, false, &c, &e);

    if (rc == 0) {
        add(list, "redis", "warn", "not configured: live figures and events are off");
        return;
    }
    if (rc < 0) {
        add(list, "redis", "fail", "%s", e.msg);
        return;
    }
    r = redisCommand(c, "PING");
    if (r == NULL || r->type == REDIS_REPLY_ERROR)
        add(list, "redis", "fail", "PING failed: %s", r ? r->str : c->errstr);
    else
        add(list, "redis", "ok", "answers PING");
    if (r)
        freeReplyObject(r);
    events_release(c, NULL);
}

/* ---- routers ---------------------------------------------------------------- */

struct probe {
    struct router_row row;
    char fp[64];
    enum ssh_fail why;
    struct werr e;
    bool done, skipped;
};

struct pool {
    struct probe *p;
    size_t n;
    atomic_size_t next;
    const struct config *cfg;
    volatile sig_atomic_t cancel;
};

static void *
prober(void *arg)
{
    struct pool *pool = arg;
    size_t i;

    while ((i = atomic_fetch_add(&pool->next, 1)) < pool->n) {
        struct probe *p = &pool->p[i];
        struct ssh_target t;
        struct ssh *s;

        if (pool->cancel)
            break;
        if (p->skipped)
            continue;
        router_target(&p->row, pool->cfg, &t);
        if (t.connect_ms > CONNECT_MAX)
            t.connect_ms = CONNECT_MAX;
        /* t.accept_new is the router's own: with no pin and new keys not
         * accepted, the handshake gives the offered key and doctor logs in
         * nowhere the worker would not (no password to an unverified host) */
        t.cancel = &pool->cancel;
        s = ssh_open(&t, p->fp, &p->why, &p->e);
        if (s)
            ssh_close(s);
        p->done = true;
    }
    return NULL;
}

/* Raise pool->cancel at the deadline unless the probers finish first. */
struct watch {
    struct pool *pool;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool finished;
};

static void *
watchdog(void *arg)
{
    struct watch *w = arg;
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ROUTERS_MAX / 1000;
    pthread_mutex_lock(&w->mu);
    while (!w->finished)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) != 0)
            break;
    if (!w->finished)
        w->pool->cancel = 1;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static void
report_router(json_t *list, const struct probe *p)
{
    char check[48];

    snprintf(check, sizeof check, "router %s", p->row.name);
    if (p->skipped)
        add(list, check, "ok", "in maintenance: not checked");
    else if (!p->done)
        add(list, check, "fail", "not checked before the deadline (%d s)", ROUTERS_MAX / 1000);
    else if (p->why == SSH_OK && !p->row.hostkey[0])
        add(list, check, "warn", "reachable; host key not pinned yet (%s)", p->fp);
    else if (p->why == SSH_EHOSTKEY && !p->row.hostkey[0])
        add(list, check, "warn",
            "reachable; no host key pinned and new keys not accepted (offered %s): not logged in",
            p->fp);
    else if (p->why == SSH_OK)
        add(list, check, "ok", "reachable at %s:%d, host key as pinned", p->row.host, p->row.port);
    else if (p->why == SSH_EHOSTKEY)
        add(list, check, "fail", "host key changed: %s, pinned %s", p->fp, p->row.hostkey);
    else
        add(list, check, "fail", "%s", p->e.msg);
}

static void
check_routers(json_t *list, const struct config *cfg, struct db *db)
{
    struct werr e = {0};
    json_t *names = db->conn ? router_list(db, &e) : NULL, *r;
    struct pool pool = {.cfg = cfg};
    struct watch w = {.pool = &pool};
    pthread_t th[POOL_MAX], wd;
    size_t i, nth;

    if (names == NULL) {
        add(list, "routers", "fail", "not checked: %s", db->conn ? e.msg : "no database");
        return;
    }
    pool.p = xcalloc(json_array_size(names) + 1, sizeof *pool.p);
    json_array_foreach(names, i, r)
    {
        struct probe *p = &pool.p[pool.n];

        werr_clear(&e);
        if (router_load(db, json_string_value(json_object_get(r, "name")), 0, &p->row, &e) < 0) {
            add(list, "routers", "fail", "%s", e.msg);
            continue;
        }
        p->skipped = str_eq(p->row.state, "maintenance");
        p->done = p->skipped;
        pool.n++;
    }
    if (pool.n == 0)
        add(list, "routers", "ok", "none registered");
    pthread_mutex_init(&w.mu, NULL);
    pthread_cond_init(&w.cv, NULL);
    pthread_create(&wd, NULL, watchdog, &w);
    nth = pool.n < POOL_MAX ? pool.n : POOL_MAX;
    for (i = 0; i < nth; i++)
        if (pthread_create(&th[i], NULL, prober, &pool) != 0)
            break;
    nth = i;
    if (nth == 0)
        prober(&pool);
    for (i = 0; i < nth; i++)
        pthread_join(th[i], NULL);
    pthread_mutex_lock(&w.mu);
    w.finished = true;
    pthread_cond_signal(&w.cv);
    pthread_mutex_unlock(&w.mu);
    pthread_join(wd, NULL);
    for (i = 0; i < pool.n; i++) {
        report_router(list, &pool.p[i]);
        if (pool.p[i].row.key_path) {
            char check[48];

            snprintf(check, sizeof check, "router %s key", pool.p[i].row.name);
            check_private(list, check, "SSH key", pool.p[i].row.key_path);
        }
        router_row_free(&pool.p[i].row);
    }
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.mu);
    free(pool.p);
    json_decref(names);
}

/* ---- the rest ------------------------------------------------------------ */

/* A token file: there, not empty, its owner's alone. */
static void
check_token_file(json_t *list, const char *check, const char *path)
{
    FILE *f = fopen(path, "r");
    int c = f ? fgetc(f) : EOF;

    if (f)
        fclose(f);
    if (f && (c == EOF || c == '\n'))
        add(list, check, "fail", "token file %s is empty", path);
    else
        check_private(list, check, "token file", path);
}

static void
check_providers(json_t *list, const struct config *cfg)
{
    for (size_t i = 0; i < cfg->nproviders; i++) {
        const struct config_provider *p = &cfg->providers[i];
        char check[48];

        snprintf(check, sizeof check, "provider %s", p->name);
        if (p->token_env) {
            const char *v = getenv(p->token_env);

            add(list, check, v && *v ? "ok" : "fail", "token from $%s: %s", p->token_env,
                v && *v ? "set" : "not set");
        } else if (p->token_file) {
            check_token_file(list, check, p->token_file);
        } else {
            add(list, check, "ok", "no token configured");
        }
    }
}

static void
check_backup(json_t *list, const struct config *cfg)
{
    struct werr e = {0};
    char *dir = backup_dir(cfg, &e);
    char age[32], max[32];
    time_t at = 0;
    int rc;

    if (dir == NULL) {
        add(list, "backup", "fail", "%s", e.msg);
        return;
    }
    rc = backup_newest(dir, &at, &e);
    units_format_duration(cfg->backup_max_age, max, sizeof max);
    if (rc < 0)
        add(list, "backup", "fail", "%s", e.msg);
    else if (rc == 0)
        add(list, "backup", "fail", "no backup in %s: run `wisp backup create`", dir);
    else {
        long long old = (long long)(time(NULL) - at);

        units_format_duration(old > 0 ? old : 0, age, sizeof age);
        if (old > cfg->backup_max_age)
            add(list, "backup", "fail",
                "the newest backup is %s old, more than %s (backup.max_age)", age, max);
        else
            add(list, "backup", "ok", "the newest backup is %s old (at most %s)", age, max);
    }
    free(dir);
}

/* Webhooks: one line each that is disabled, not served (deliveries due
 * for minutes that no worker took) or failing (deliveries to be tried
 * again, or given up since its last success), else one line. */
static void
check_webhooks(json_t *list, struct db *db)
{
    struct werr e = {0};
    json_t *hooks = db->conn ? webhook_list(db, &e) : NULL, *h;
    size_t i, bad = 0;

    if (!hooks) {
        add(list, "webhooks", db->conn && str_eq(db->sqlstate, "42501") ? "warn" : "fail",
            "not checked: %s", db->conn ? e.msg : "no database");
        return;
    }
    json_array_foreach(hooks, i, h)
    {
        char check[32];
        int id = (int)json_integer_value(json_object_get(h, "id"));
        const char *url = json_string_value(json_object_get(h, "url"));
        json_int_t retrying = json_integer_value(json_object_get(h, "retrying"));
        json_int_t failures = json_integer_value(json_object_get(h, "failures"));
        json_int_t overdue = json_integer_value(json_object_get(h, "overdue"));

        snprintf(check, sizeof check, "webhook %d", id);
        if (str_eq(json_string_value(json_object_get(h, "status")), "disabled")) {
            const char *why = json_string_value(json_object_get(h, "disabled_reason"));

            add(list, check, "fail", "%s is disabled: %s (`wisp webhook enable %d`)", url,
                why ? why : "", id);
            bad++;
        } else if (overdue > 0) {
            add(list, check, "fail",
                "%s: %lld deliveries due for more than 5 minutes and not sent: is a worker "
                "running as a wisp_worker role?",
                url, (long long)overdue);
            bad++;
        } else if (retrying > 0 || failures > 0) {
            add(list, check, "fail",
                "%s is failing: %lld deliveries to be tried again, %lld given up in a row "
                "(`wisp webhook deliveries --webhook %d --failed`)",
                url, (long long)retrying, (long long)failures, id);
            bad++;
        }
    }
    if (json_array_size(hooks) == 0)
        add(list, "webhooks", "ok", "none configured");
    else if (bad == 0)
        add(list, "webhooks", "ok", "%zu active, delivering", json_array_size(hooks));
    json_decref(hooks);
}

/* Notification messages: failed for good, or due and not taken by a worker. */
static void
check_notify(json_t *list, struct db *db)
{
    struct werr e = {0};
    int64_t failed = 0, overdue = 0;

    if (!db->conn || notify_health(db, &failed, &overdue, &e) < 0) {
        add(list, "notifications", db->conn && str_eq(db->sqlstate, "42501") ? "warn" : "fail",
            "not checked: %s", db->conn ? e.msg : "no database");
        return;
    }
    if (overdue > 0)
        add(list, "notifications", "fail",
            "%lld messages due for more than 5 minutes and not sent: is a worker running as a "
            "wisp_worker role?",
            (long long)overdue);
    else if (failed > 0)
        add(list, "notifications", "fail",
            "%lld messages failed (`wisp notify messages --failed`, `wisp notify resend ID`)",
            (long long)failed);
    else
        add(list, "notifications", "ok", "nothing failed or waiting");
}

json_t *
doctor_run(const struct config *cfg)
{
    json_t *list = json_array();
    struct db db = {0};

    check_config(list, cfg);
    check_db(list, cfg, &db);
    check_redis(list, cfg);
    check_routers(list, cfg, &db);
    check_webhooks(list, &db);
    check_notify(list, &db);
    check_providers(list, cfg);
    check_backup(list, cfg);
    if (db.conn)
        db_close(&db);
    return list;
}
