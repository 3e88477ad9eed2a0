/*
 * mpath.c - the metrics path in Redis (see include/wisp/mpath.h).
 *
 * A batch is a list of events, each an id and the operations it stands for.
 * Sending turns every MPATH_CHUNK events into one EVALSHA of the script
 * below, all pipelined: the script marks each id in its hour's seen-hash,
 * skips the ones already there, appends the new ones to their stream and
 * sums their increments so each counter is touched once per call.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/mpath.h"
#include "wisp/util.h"

#define CLI_TTL        900
#define EVENTS_MAXLEN  "100000"
#define SAMPLES_MAXLEN "10000"

/*
 * ARGV: n, then per event: seen key index, id, stream key index, maxlen,
 * data, op count, ops (code, key index, field, value); then the expiry
 * count and (key index, epoch) pairs. Codes: h HINCRBY, z ZINCRBY, s HSET,
 * n HSETNX. Lua numbers are doubles: sums go back as %d text.
 */
static const char script[] =
    "local n, i, counted = tonumber(ARGV[1]), 2, 0\n"
    "local hinc, zinc = {}, {}\n"
    "for e = 1, n do\n"
    "  local fresh = redis.call('HSETNX', KEYS[tonumber(ARGV[i])], ARGV[i+1], '1') == 1\n"
    "  if fresh then\n"
    "    counted = counted + 1\n"
    "    redis.call('XADD', KEYS[tonumber(ARGV[i+2])], 'MAXLEN', '~', ARGV[i+3], '*',\n"
    "               'id', ARGV[i+1], 'd', ARGV[i+4])\n"
    "  end\n"
    "  local nops = tonumber(ARGV[i+5])\n"
    "  i = i + 6\n"
    "  for o = 1, nops do\n"
    "    if fresh then\n"
    "      local c, k, f, v = ARGV[i], tonumber(ARGV[i+1]), ARGV[i+2], ARGV[i+3]\n"
    "      if c == 'h' or c == 'z' then\n"
    "        local t = (c == 'h' and hinc or zinc)\n"
    "        t[k] = t[k] or {}\n"
    "        t[k][f] = (t[k][f] or 0) + tonumber(v)\n"
    "      elseif c == 's' then redis.call('HSET', KEYS[k], f, v)\n"
    "      else redis.call('HSETNX', KEYS[k], f, v) end\n"
    "    end\n"
    "    i = i + 4\n"
    "  end\n"
    "end\n"
    "for k, t in pairs(hinc) do for f, v in pairs(t) do\n"
    "  redis.call('HINCRBY', KEYS[k], f, string.format('%d', v)) end end\n"
    "for k, t in pairs(zinc) do for f, v in pairs(t) do\n"
    "  redis.call('ZINCRBY', KEYS[k], string.format('%d', v), f) end end\n"
    "local nx = tonumber(ARGV[i])\n"
    "i = i + 1\n"
    "for x = 1, nx do\n"
    "  redis.call('EXPIREAT', KEYS[tonumber(ARGV[i])], ARGV[i+1])\n"
    "  i = i + 2\n"
    "end\n"
    "return counted\n";

struct op {
    char code;
    char *key, *field, *value;
    long long expire_at;
};

struct event {
    char *seen, *id, *stream, *data;
    long long seen_expire;
    struct op *ops;
    size_t nops;
};

struct mpath {
    char *prefix;
    struct event *ev;
    size_t n, cap;
};

struct mpath *
mpath_new(const char *prefix)
{
    struct mpath *m = xcalloc(1, sizeof *m);

    m->prefix = xstrdup(prefix ? prefix : "");
    return m;
}

void
mpath_clear(struct mpath *m)
{
    for (size_t i = 0; i < m->n; i++) {
        struct event *e = &m->ev[i];

        for (size_t k = 0; k < e->nops; k++) {
            free(e->ops[k].key);
            free(e->ops[k].field);
            free(e->ops[k].value);
        }
        free(e->ops);
        free(e->seen);
        free(e->id);
        free(e->stream);
        free(e->data);
    }
    m->n = 0;
}

void
mpath_free(struct mpath *m)
{
    if (!m)
        return;
    mpath_clear(m);
    free(m->ev);
    free(m->prefix);
    free(m);
}

size_t
mpath_pending(const struct mpath *m)
{
    return m->n;
}

struct mpath *
mpath_take(struct mpath *m)
{
    struct mpath *batch = mpath_new(m->prefix);

    batch->ev = m->ev;
    batch->n = m->n;
    batch->cap = m->cap;
    m->ev = NULL;
    m->n = m->cap = 0;
    return batch;
}

/* "YYYYMMDDHH" (or "YYYYMMDD" when day) of at in local time. */
static void
local_key(time_t at, bool day, char *buf, size_t len)
{
    struct tm tm;

    localtime_r(&at, &tm);
    strftime(buf, len, day ? "%Y%m%d" : "%Y%m%d%H", &tm);
}

static struct event *
add_event(struct mpath *m, time_t at, const char *stream, char *id, json_t *data)
{
    struct event *e;
    char hour[16];

    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 64;
        m->ev = xrealloc(m->ev, m->cap * sizeof *m->ev);
    }
    e = &m->ev[m->n++];
    memset(e, 0, sizeof *e);
    local_key(at, false, hour, sizeof hour);
    /* a router sample only matters as long as its minute does: its ids
     * (one per router and cycle) are forgotten sooner */
    if (strcmp(stream, "samples") == 0) {
        e->seen = xasprintf("%sm:seen:smp:%s", m->prefix, hour);
        e->seen_expire = (long long)at + MPATH_MINUTE_TTL;
    } else {
        e->seen = xasprintf("%sm:seen:%s", m->prefix, hour);
        e->seen_expire = (long long)at + MPATH_HOUR_TTL;
    }
    e->id = id;
    e->stream = xasprintf("%sm:stream:%s", m->prefix, stream);
    e->data = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(data);
    return e;
}

static void
add_op(struct event *e, char code, char *key, const char *field, char *value, long long expire_at)
{
    e->ops = xrealloc(e->ops, (e->nops + 1) * sizeof *e->ops);
    e->ops[e->nops++] = (struct op){code, key, xstrdup(field), value, expire_at};
}

/* An increment of P m:hour:<hour of at>. */
static void
add_hour(struct mpath *m, struct event *e, time_t at, const char *field, long long n)
{
    char hour[16];

    local_key(at, false, hour, sizeof hour);
    add_op(e, 'h', xasprintf("%sm:hour:%s", m->prefix, hour), field, xasprintf("%lld", n),
           (long long)at + MPATH_HOUR_TTL);
}

void
mpath_sale(struct mpath *m, long long voucher_id, time_t at, const char *plan, long long cents)
{
    struct event *e = add_event(m, at, "events", xasprintf("sale:%lld", voucher_id),
                                json_pack("{s:s, s:I, s:I, s:s, s:I}", "type", "sale", "voucher",
                                          (json_int_t)voucher_id, "at", (json_int_t)at, "plan",
                                          plan, "cents", (json_int_t)cents));
    char day[16];

    local_key(at, true, day, sizeof day);
    add_hour(m, e, at, "sold", 1);
    add_hour(m, e, at, "revenue", cents);
    add_op(e, 'z', xasprintf("%sm:plans:%s", m->prefix, day), plan, xstrdup("1"),
           (long long)at + MPATH_HOUR_TTL);
    add_op(e, 'h', xasprintf("%sm:planrev:%s", m->prefix, day), plan, xasprintf("%lld", cents),
           (long long)at + MPATH_HOUR_TTL);
}

void
mpath_activation(struct mpath *m, long long voucher_id, time_t at)
{
    struct event *e = add_event(m, at, "events", xasprintf("act:%lld", voucher_id),
                                json_pack("{s:s, s:I, s:I}", "type", "activation", "voucher",
                                          (json_int_t)voucher_id, "at", (json_int_t)at));

    add_hour(m, e, at, "activated", 1);
}

void
mpath_order(struct mpath *m, long long order_id, const char *status, time_t at, long long cents)
{
    struct event *e = add_event(m, at, "events", xasprintf("order:%lld:%s", order_id, status),
                                json_pack("{s:s, s:I, s:s, s:I, s:I}", "type", "order", "order",
                                          (json_int_t)order_id, "status", status, "at",
                                          (json_int_t)at, "cents", (json_int_t)cents));
    char field[48];

    snprintf(field, sizeof field, "orders_%s", status);
    add_hour(m, e, at, field, 1);
    if (cents) /* a top-up is revenue, as in `wisp report` */
        add_hour(m, e, at, "revenue", cents);
}

/* The three per-router fields of a minute bucket, set with code. */
static void
minute_fields(struct mpath *m, struct event *e, char code, const char *router, time_t minute,
              long long sessions, long long rx_bps, long long tx_bps)
{
    char f[160];
    long long exp = (long long)minute * 60 + MPATH_MINUTE_TTL;

    snprintf(f, sizeof f, "s:%s", router);
    add_op(e, code, xasprintf("%sm:min:%lld", m->prefix, (long long)minute), f,
           xasprintf("%lld", sessions), exp);
    snprintf(f, sizeof f, "rx:%s", router);
    add_op(e, code, xasprintf("%sm:min:%lld", m->prefix, (long long)minute), f,
           xasprintf("%lld", rx_bps), exp);
    snprintf(f, sizeof f, "tx:%s", router);
    add_op(e, code, xasprintf("%sm:min:%lld", m->prefix, (long long)minute), f,
           xasprintf("%lld", tx_bps), exp);
}

void
mpath_sample(struct mpath *m, int router_id, const char *router, long long at_ms,
             long long sessions, long long rx_bps, long long tx_bps,
             const struct mpath_client *clients, size_t nclients)
{
    time_t at = (time_t)(at_ms / 1000), minute = at / 60;
    struct event *e =
        add_event(m, at, "samples", xasprintf("smp:%d:%lld", router_id, at_ms),
                  json_pack("{s:s, s:I, s:I, s:I, s:I}", "router", router, "at_ms",
                            (json_int_t)at_ms, "sessions", (json_int_t)sessions, "rx_bps",
                            (json_int_t)rx_bps, "tx_bps", (json_int_t)tx_bps));

    minute_fields(m, e, 's', router, minute, sessions, rx_bps, tx_bps);
    for (size_t i = 0; i < nclients; i++) {
        char *member;

        if (clients[i].bytes <= 0)
            continue;
        member = xasprintf("%s\t%s\t%s", clients[i].user, clients[i].mac, router);
        add_op(e, 'z', xasprintf("%sm:cli:%lld", m->prefix, (long long)minute), member,
               xasprintf("%lld", clients[i].bytes), (long long)minute * 60 + CLI_TTL);
        free(member);
    }
}

void
mpath_fill(struct mpath *m, const char *router, time_t minute, long long sessions, long long rx_bps,
           long long tx_bps)
{
    struct event *e =
        add_event(m, minute * 60, "samples", xasprintf("fill:%s:%lld", router, (long long)minute),
                  json_pack("{s:s, s:I, s:I, s:b}", "router", router, "minute", (json_int_t)minute,
                            "sessions", (json_int_t)sessions, "history", 1));

    minute_fields(m, e, 'n', router, minute, sessions, rx_bps, tx_bps);
}

/* The keys of one script call, each with the latest expiry asked for it. */
struct keyset {
    char **key;
    long long *expire;
    size_t n, cap;
};

static size_t
key_index(struct keyset *ks, const char *key, long long expire_at)
{
    for (size_t i = ks->n; i-- > 0;)
        if (strcmp(ks->key[i], key) == 0) {
            if (expire_at > ks->expire[i])
                ks->expire[i] = expire_at;
            return i + 1;
        }
    if (ks->n == ks->cap) {
        ks->cap = ks->cap ? 2 * ks->cap : 32;
        ks->key = xrealloc(ks->key, ks->cap * sizeof *ks->key);
        ks->expire = xrealloc(ks->expire, ks->cap * sizeof *ks->expire);
    }
    ks->key[ks->n] = xstrdup(key);
    ks->expire[ks->n] = expire_at;
    return ++ks->n;
}

/* A command's arguments: text borrowed, numbers written into blocks of
 * slots the arguments own (stable addresses, no allocation per number). */
#define SLOTS 4096

struct args {
    const char **v;
    size_t *len;
    size_t n, cap;
    char (**block)[24];
    size_t nblocks, used; /* slots used in the last block */
};

static void
arg_len(struct args *a, const char *s, size_t len)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 256;
        a->v = xrealloc(a->v, a->cap * sizeof *a->v);
        a->len = xrealloc(a->len, a->cap * sizeof *a->len);
    }
    a->v[a->n] = s;
    a->len[a->n++] = len;
}

static void
arg(struct args *a, const char *s)
{
    arg_len(a, s, strlen(s));
}

static void
arg_num(struct args *a, long long n)
{
    char tmp[24], *slot;
    size_t len = 0;
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;

    if (a->nblocks == 0 || a->used == SLOTS) {
        a->block = xrealloc(a->block, (a->nblocks + 1) * sizeof *a->block);
        a->block[a->nblocks++] = xmalloc(SLOTS * sizeof **a->block);
        a->used = 0;
    }
    slot = a->block[a->nblocks - 1][a->used++];
    do
        tmp[len++] = (char)('0' + u % 10);
    while ((u /= 10) > 0);
    if (n < 0)
        tmp[len++] = '-';
    for (size_t i = 0; i < len; i++)
        slot[i] = tmp[len - 1 - i];
    slot[len] = '\0';
    arg_len(a, slot, len);
}

static void
args_free(struct args *a)
{
    for (size_t i = 0; i < a->nblocks; i++)
        free(a->block[i]);
    free(a->block);
    free(a->v);
    free(a->len);
    memset(a, 0, sizeof *a);
}

/* Append the EVALSHA for events [from, to). */
static void
append_chunk(redisContext *c, const char *sha, struct mpath *m, size_t from, size_t to)
{
    struct keyset ks = {0};
    struct args body = {0}, cmd = {0};

    arg_num(&body, (long long)(to - from));
    for (size_t i = from; i < to; i++) {
        struct event *e = &m->ev[i];
        bool samples = strstr(e->stream, "m:stream:samples") != NULL;

        arg_num(&body, (long long)key_index(&ks, e->seen, e->seen_expire));
        arg(&body, e->id);
        arg_num(&body, (long long)key_index(&ks, e->stream, 0));
        arg(&body, samples ? SAMPLES_MAXLEN : EVENTS_MAXLEN);
        arg(&body, e->data);
        arg_num(&body, (long long)e->nops);
        for (size_t k = 0; k < e->nops; k++) {
            arg(&body, e->ops[k].code == 'h'   ? "h"
                       : e->ops[k].code == 'z' ? "z"
                       : e->ops[k].code == 's' ? "s"
                                               : "n");
            arg_num(&body, (long long)key_index(&ks, e->ops[k].key, e->ops[k].expire_at));
            arg(&body, e->ops[k].field);
            arg(&body, e->ops[k].value);
        }
    }
    {
        size_t nexp = 0;

        for (size_t k = 0; k < ks.n; k++)
            nexp += ks.expire[k] > 0;
        arg_num(&body, (long long)nexp);
        for (size_t k = 0; k < ks.n; k++)
            if (ks.expire[k] > 0) {
                arg_num(&body, (long long)k + 1);
                arg_num(&body, ks.expire[k]);
            }
    }
    arg(&cmd, "EVALSHA");
    arg(&cmd, sha);
    arg_num(&cmd, (long long)ks.n);
    for (size_t k = 0; k < ks.n; k++)
        arg(&cmd, ks.key[k]);
    for (size_t k = 0; k < body.n; k++)
        arg_len(&cmd, body.v[k], body.len[k]);
    redisAppendCommandArgv(c, (int)cmd.n, cmd.v, cmd.len);
    args_free(&body);
    args_free(&cmd);
    for (size_t k = 0; k < ks.n; k++)
        free(ks.key[k]);
    free(ks.key);
    free(ks.expire);
}

int
mpath_send(struct mpath *m, redisContext *c, long long *counted, struct werr *e)
{
    redisReply *r;
    char sha[48];
    size_t calls = 0;
    int rc = 0;

    if (counted)
        *counted = 0;
    if (m->n == 0)
        return 0;
    r = redisCommand(c, "SCRIPT LOAD %s", script);
    if (r == NULL || r->type != REDIS_REPLY_STRING) {
        rc = werr_set(e, WISP_ERUNTIME, _("Redis: cannot load the metrics script: %s"),
                      r ? r->str : c->errstr);
        freeReplyObject(r);
        mpath_clear(m);
        return rc;
    }
    snprintf(sha, sizeof sha, "%s", r->str);
    freeReplyObject(r);
    for (size_t i = 0; i < m->n; i += MPATH_CHUNK, calls++)
        append_chunk(c, sha, m, i, i + MPATH_CHUNK < m->n ? i + MPATH_CHUNK : m->n);
    while (calls-- > 0) {
        r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            rc = werr_set(e, WISP_ERUNTIME, _("Redis: %s"), c->errstr);
            break;
        }
        if (r->type == REDIS_REPLY_ERROR && rc == 0)
            rc = werr_set(e, WISP_ERUNTIME, _("Redis: %s"), r->str);
        else if (r->type == REDIS_REPLY_INTEGER && counted)
            *counted += r->integer;
        freeReplyObject(r);
    }
    mpath_clear(m);
    return rc;
}

/* Read n replies appended before; false (with the reason) when any failed. */
static bool
replies(redisContext *c, redisReply **r, size_t n, struct werr *e)
{
    bool ok = true, io = true;

    /* every reply is read, errors too, so the connection stays in step */
    for (size_t i = 0; i < n; i++) {
        r[i] = NULL;
        if (!io || redisGetReply(c, (void **)&r[i]) != REDIS_OK) {
            if (io)
                werr_set(e, WISP_ERUNTIME, _("Redis: %s"), c->errstr);
            ok = io = false;
            r[i] = NULL;
            continue;
        }
        if (r[i]->type == REDIS_REPLY_ERROR) {
            if (ok)
                werr_set(e, WISP_ERUNTIME, _("Redis: %s"), r[i]->str);
            ok = false;
        }
    }
    return ok;
}
static void
free_replies(redisReply **r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        freeReplyObject(r[i]);
}

int
mpath_orders(redisContext *c, const char *prefix, json_t *counts, struct werr *e)
{
    redisReply *r[4];
    const char *k;
    json_t *v;
    struct args a = {0};
    char *key = xasprintf("%sm:orders", prefix);
    int rc;

    redisAppendCommand(c, "MULTI"); /* readers never see it empty */
    redisAppendCommand(c, "DEL %sm:orders", prefix);
    arg(&a, "HSET");
    arg(&a, key);
    arg(&a, "pending"); /* at least one field, so the hash exists */
    arg_num(&a, (long long)json_integer_value(json_object_get(counts, "pending")));
    json_object_foreach(counts, k, v) if (strcmp(k, "pending") != 0)
    {
        arg(&a, k);
        arg_num(&a, (long long)json_integer_value(v));
    }
    redisAppendCommandArgv(c, (int)a.n, a.v, a.len);
    redisAppendCommand(c, "EXEC");
    args_free(&a);
    free(key);
    rc = replies(c, r, 4, e) ? 0 : -1;
    free_replies(r, 4);
    return rc;
}

long long
mpath_swept(redisContext *c, const char *prefix, struct werr *e)
{
    redisReply *r = redisCommand(c, "GET %sm:swept", prefix);
    long long at = 0;

    if (r == NULL || r->type == REDIS_REPLY_ERROR) {
        werr_set(e, WISP_ERUNTIME, _("Redis: %s"), r ? r->str : c->errstr);
        at = -1;
    } else if (r->type == REDIS_REPLY_STRING) {
        at = atoll(r->str);
    }
    freeReplyObject(r);
    return at;
}

int
mpath_set_swept(redisContext *c, const char *prefix, time_t at, struct werr *e)
{
    redisReply *r = redisCommand(c, "SET %sm:swept %lld", prefix, (long long)at);
    int rc = 0;

    if (r == NULL || r->type == REDIS_REPLY_ERROR)
        rc = werr_set(e, WISP_ERUNTIME, _("Redis: %s"), r ? r->str : c->errstr);
    freeReplyObject(r);
    return rc;
}

static long long
reply_ll(const redisReply *r)
{
    int64_t v;
    double d;

    if (r && r->type == REDIS_REPLY_INTEGER)
        return r->integer;
    if (!r || r->type != REDIS_REPLY_STRING)
        return 0;
    if (str_to_i64(r->str, INT64_MIN, INT64_MAX, &v) == 0)
        return v;
    /* a score Redis printed as a double ("1.5e+20", "inf"): cast only in range */
    d = strtod(r->str, NULL);
    return d > -9e18 && d < 9e18 ? (long long)d : 0;
}

static json_t *
money(long long cents)
{
    return json_sprintf("%s%lld.%02lld", cents < 0 ? "-" : "", llabs(cents) / 100,
                        llabs(cents) % 100);
}

/* Each router's fields of a minute hash into routers {name: [s, rx, tx]},
 * replacing what was there. */
static void
routers_of(const redisReply *h, json_t *routers)
{
    static const char *const pre[] = {"s:", "rx:", "tx:"};

    for (size_t i = 0; h && h->type == REDIS_REPLY_ARRAY && i + 1 < h->elements; i += 2)
        for (size_t k = 0; k < 3; k++)
            if (strncmp(h->element[i]->str, pre[k], strlen(pre[k])) == 0) {
                const char *name = h->element[i]->str + strlen(pre[k]);
                json_t *t = json_object_get(routers, name);

                if (!t) {
                    t = json_pack("[i, i, i]", 0, 0, 0);
                    json_object_set_new(routers, name, t);
                }
                json_array_set_new(t, k, json_integer(atoll(h->element[i + 1]->str)));
            }
}

/* Totals [s, rx, tx] over routers; per (may be NULL) gets {name: s}. */
static void
totals(json_t *routers, long long tot[3], json_t *per)
{
    const char *k;
    json_t *t;

    json_object_foreach(routers, k, t)
    {
        for (size_t i = 0; i < 3; i++)
            tot[i] += json_integer_value(json_array_get(t, i));
        if (per)
            json_object_set_new(per, k, json_integer(json_integer_value(json_array_get(t, 0))));
    }
}

static int
by_count(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t nx = json_integer_value(json_object_get(x, "n")),
               ny = json_integer_value(json_object_get(y, "n"));

    if (nx != ny)
        return nx > ny ? -1 : 1;
    nx = json_integer_value(json_object_get(x, "n2"));
    ny = json_integer_value(json_object_get(y, "n2"));
    if (nx != ny)
        return nx > ny ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "k")),
                  json_string_value(json_object_get(y, "k")));
}

/* The first `top` of rows ({k, n, n2, ...}) by n, then n2 (larger first),
 * then k; k, n and n2 dropped, n renamed to name. */
static json_t *
top_n(json_t *rows, size_t top, const char *name)
{
    size_t n = json_array_size(rows);
    json_t **v = xcalloc(n ? n : 1, sizeof *v), *out = json_array();

    for (size_t i = 0; i < n; i++)
        v[i] = json_array_get(rows, i);
    qsort(v, n, sizeof *v, by_count);
    for (size_t i = 0; i < n && i < top; i++) {
        json_t *r = json_deep_copy(v[i]);

        json_object_set(r, name, json_object_get(r, "n"));
        json_object_del(r, "k");
        json_object_del(r, "n");
        json_object_del(r, "n2");
        json_array_append_new(out, r);
    }
    free(v);
    json_decref(rows);
    return out;
}

/* The keys of today's local hours that have begun by now, each once (the
 * hour a clock change skips is left out); hour_of[i] is key i's hour of the
 * day. Returns how many. */
static int
today_hours(time_t now, char keys[24][16], int hour_of[24])
{
    time_t day0 = local_midnight(now);
    int n = 0;

    for (int h = 0; h < 24; h++) {
        time_t t = local_hour(day0, h);
        struct tm tm;

        if (t > now)
            break;
        localtime_r(&t, &tm);
        if (tm.tm_hour != h)
            continue;
        strftime(keys[n], sizeof keys[n], "%Y%m%d%H", &tm);
        hour_of[n++] = h;
    }
    return n;
}

json_t *
mpath_read(redisContext *c, const char *prefix, time_t now, int window, struct werr *e)
{
    long long minute = (long long)now / 60, cur[3] = {0}, sold = 0, cents = 0, act = 0;
    char hkeys[24][16];
    int hour_of[24], hours = today_hours(now, hkeys, hour_of),
                     win = window < 2                       ? 2
                           : window > MPATH_MINUTE_TTL / 60 ? MPATH_MINUTE_TTL / 60
                                                            : window;
    size_t nr = 0, want = (size_t)(win + 10 + 2 + 1 + hours);
    redisReply **r = xcalloc(want, sizeof *r);
    json_t *m = NULL, *per, *clients, *plans, *rows, *orders;
    char day[16];
    const char *k;
    json_t *v;

    local_key(now, true, day, sizeof day);
    for (long long i = win - 1; i >= 0; i--) /* oldest first */
        redisAppendCommand(c, "HGETALL %sm:min:%lld", prefix, minute - i);
    for (long long i = 0; i < 10; i++)
        redisAppendCommand(c, "ZRANGE %sm:cli:%lld 0 -1 WITHSCORES", prefix, minute - i);
    redisAppendCommand(c, "ZRANGE %sm:plans:%s 0 -1 WITHSCORES", prefix, day);
    redisAppendCommand(c, "HGETALL %sm:planrev:%s", prefix, day);
    redisAppendCommand(c, "HGETALL %sm:orders", prefix);
    for (int h = 0; h < hours; h++)
        redisAppendCommand(c, "HMGET %sm:hour:%s sold revenue activated", prefix, hkeys[h]);
    if (!replies(c, r, want, e))
        goto out;
    nr = want;
    /* each router's newest sample in the window */
    {
        json_t *routers = json_object();

        for (int i = 0; i < win; i++)
            routers_of(r[i], routers);
        per = json_object();
        totals(routers, cur, per);
        json_decref(routers);
    }
    /* clients over the last 10 minutes */
    {
        json_t *sum = json_object();

        for (int i = win; i < win + 10; i++)
            for (size_t j = 0; r[i]->type == REDIS_REPLY_ARRAY && j + 1 < r[i]->elements; j += 2) {
                const char *mem = r[i]->element[j]->str;

                json_object_set_new(sum, mem,
                                    json_integer(json_integer_value(json_object_get(sum, mem)) +
                                                 reply_ll(r[i]->element[j + 1])));
            }
        rows = json_array();
        json_object_foreach(sum, k, v)
        {
            char *u = xstrdup(k), *mac = strchr(u, '\t'), *rt = mac ? strchr(mac + 1, '\t') : NULL;

            if (rt && json_integer_value(v) > 0) {
                *mac++ = '\0';
                *rt++ = '\0';
                json_array_append_new(rows,
                                      json_pack("{s:s, s:O, s:i, s:s, s:s, s:s}", "k", k, "n", v,
                                                "n2", 0, "user", u, "mac", mac, "router", rt));
            }
            free(u);
        }
        json_decref(sum);
        clients = top_n(rows, 10, "bytes");
    }
    /* plans today */
    rows = json_array();
    for (size_t j = 0; r[win + 10]->type == REDIS_REPLY_ARRAY && j + 1 < r[win + 10]->elements;
         j += 2) {
        const char *plan = r[win + 10]->element[j]->str;
        long long pc = 0;

        for (size_t q = 0; r[win + 11]->type == REDIS_REPLY_ARRAY && q + 1 < r[win + 11]->elements;
             q += 2)
            if (strcmp(r[win + 11]->element[q]->str, plan) == 0)
                pc = atoll(r[win + 11]->element[q + 1]->str);
        json_array_append_new(rows,
                              json_pack("{s:s, s:I, s:I, s:s, s:o}", "k", plan, "n",
                                        (json_int_t)reply_ll(r[win + 10]->element[j + 1]), "n2",
                                        (json_int_t)pc, "plan", plan, "revenue", money(pc)));
    }
    plans = top_n(rows, 10, "sold");
    orders = json_object();
    for (size_t j = 0; r[win + 12]->type == REDIS_REPLY_ARRAY && j + 1 < r[win + 12]->elements;
         j += 2)
        if (atoll(r[win + 12]->element[j + 1]->str) > 0)
            json_object_set_new(orders, r[win + 12]->element[j]->str,
                                json_integer(atoll(r[win + 12]->element[j + 1]->str)));
    for (int h = 0; h < hours; h++) {
        redisReply *x = r[win + 13 + h];

        if (x->type == REDIS_REPLY_ARRAY && x->elements == 3) {
            sold += reply_ll(x->element[0]);
            cents += reply_ll(x->element[1]);
            act += reply_ll(x->element[2]);
        }
    }
    m = json_pack("{s:I, s:o, s:I, s:I, s:I, s:o, s:I, s:o, s:o, s:o, s:s}", "active_sessions",
                  (json_int_t)cur[0], "per_router", per, "rx_bps", (json_int_t)cur[1], "tx_bps",
                  (json_int_t)cur[2], "sold_today", (json_int_t)sold, "revenue_today", money(cents),
                  "activated_today", (json_int_t)act, "orders", orders, "top_clients", clients,
                  "top_plans", plans, "source", "redis");
out:
    free_replies(r, nr ? nr : want);
    free(r);
    return m;
}

json_t *
mpath_series(redisContext *c, const char *prefix, time_t now, int minutes, int window,
             struct werr *e)
{
    long long last = (long long)now / 60;
    int win = window < 1                       ? 1
              : window > MPATH_MINUTE_TTL / 60 ? MPATH_MINUTE_TTL / 60
                                               : window,
        all = minutes + win - 1;
    redisReply **r = xcalloc((size_t)all, sizeof *r);
    json_t *out = NULL, *s, *rx, *tx, *state = json_object(), *stamp = json_object();

    for (int i = all - 1; i >= 0; i--) /* oldest first */
        redisAppendCommand(c, "HGETALL %sm:min:%lld", prefix, last - i);
    if (replies(c, r, (size_t)all, e)) {
        s = json_array();
        rx = json_array();
        tx = json_array();
        for (int i = 0; i < all; i++) {
            long long t[3] = {0};
            json_t *now_in = json_object(), *v;
            const char *k;
            void *tmp;

            /* each router holds its newest sample for `win` minutes, so
             * cycles longer than a minute leave no holes */
            routers_of(r[i], now_in);
            json_object_foreach(now_in, k, v)
            {
                json_object_set(state, k, v);
                json_object_set_new(stamp, k, json_integer(i));
            }
            json_decref(now_in);
            json_object_foreach_safe(
                state, tmp, k, v) if (json_integer_value(json_object_get(stamp, k)) <= i - win)
            {
                json_object_del(stamp, k);
                json_object_del(state, k);
            }
            if (i < win - 1)
                continue;
            if (json_object_size(state) == 0) {
                json_array_append_new(s, json_null());
                json_array_append_new(rx, json_null());
                json_array_append_new(tx, json_null());
                continue;
            }
            totals(state, t, NULL);
            json_array_append_new(s, json_integer(t[0]));
            json_array_append_new(rx, json_integer(t[1]));
            json_array_append_new(tx, json_integer(t[2]));
        }
        out = json_pack("{s:o, s:o, s:o, s:I}", "sessions", s, "rx_bps", rx, "tx_bps", tx,
                        "end_minute", (json_int_t)last);
    }
    json_decref(state);
    json_decref(stamp);
    free_replies(r, (size_t)all);
    free(r);
    return out;
}

json_t *
mpath_hours(redisContext *c, const char *prefix, time_t now, struct werr *e)
{
    char keys[24][16];
    int hour_of[24], n = today_hours(now, keys, hour_of);
    long long sold[24] = {0}, rev[24] = {0};
    redisReply *r[24];
    json_t *out = NULL;

    for (int i = 0; i < n; i++)
        redisAppendCommand(c, "HMGET %sm:hour:%s sold revenue", prefix, keys[i]);
    if (replies(c, r, (size_t)n, e)) {
        for (int i = 0; i < n; i++)
            if (r[i]->type == REDIS_REPLY_ARRAY && r[i]->elements == 2) {
                sold[hour_of[i]] = reply_ll(r[i]->element[0]);
                rev[hour_of[i]] = reply_ll(r[i]->element[1]);
            }
        out = json_pack("{s:[], s:[]}", "sold", "revenue");
        for (int h = 0; h < 24; h++) {
            json_array_append_new(json_object_get(out, "sold"), json_integer(sold[h]));
            json_array_append_new(json_object_get(out, "revenue"), json_integer(rev[h]));
        }
    }
    free_replies(r, (size_t)n);
    return out;
}
