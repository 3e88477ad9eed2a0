/*
 * test_dbpool.c - what the worker's set-based writes stand on, against the
 * test PostgreSQL that make check starts (PGHOST, PGDATABASE): array
 * literals that PostgreSQL reads back exactly (quotes, backslashes, commas,
 * braces, NULL elements, the empty array), and the connection pool shared
 * by many threads (never more connections than its size, each used by one
 * thread at a time, statements counted per connection).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/db.h"
#include "wisp/dbpool.h"

static struct db db;

struct elem {
    int64_t i;
    char *v;
};
static const struct db_field elem_fields[] = {
    DB_COL_AS(struct elem, i, "i", DB_I64),
    DB_COL_AS(struct elem, v, "v", DB_STR),
};
static const struct db_map elem_map = DB_MAP(struct elem, elem_fields);

static void
test_text_array(void **state)
{
    const char *in[] = {"plain", "a \"quote\"", "back\\slash", "com,ma", "{braces}", NULL,
                        "",      "NULL",        "caf\xc3\xa9"};
    size_t n = sizeof in / sizeof in[0], got;
    char *lit = db_text_array(in, n);
    struct werr e = {0};
    struct elem *rows;

    (void)state;
    assert_int_equal(db_fetchv(&db, &e, &elem_map, &rows, &got,
                               "SELECT i, v FROM unnest($1::text[]) WITH ORDINALITY AS u (v, i)"
                               " ORDER BY i",
                               1, lit),
                     0);
    assert_int_equal(got, n);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(rows[k].i, (int64_t)k + 1);
        if (in[k])
            assert_string_equal(rows[k].v, in[k]);
        else
            assert_null(rows[k].v);
    }
    db_rows_free(&elem_map, rows, got);
    free(lit);
    lit = db_text_array(NULL, 0);
    assert_string_equal(lit, "{}");
    free(lit);
}

static void
test_i64_array(void **state)
{
    const int64_t in[] = {0, -1, INT64_MAX, INT64_MIN, 42};
    char *lit = db_i64_array(in, 5);
    struct werr e = {0};
    int64_t sum = 0;

    (void)state;
    assert_int_equal(db_i64v(&db, &e, &sum,
                             "SELECT count(*) FILTER (WHERE x = ANY (ARRAY[0, -1,"
                             " 9223372036854775807, -9223372036854775808, 42]::bigint[]))"
                             " FROM unnest($1::bigint[]) x",
                             1, lit),
                     1);
    assert_int_equal(sum, 5);
    free(lit);
}

#define THREADS 12
#define ROUNDS  20

struct pool_arg {
    struct dbpool *pool;
    pthread_mutex_t *lock;
    int *out, *most; /* connections out now, and at most */
    int failed;
};

static void *
pool_user(void *p)
{
    struct pool_arg *a = p;

    for (int r = 0; r < ROUNDS; r++) {
        struct werr e = {0};
        struct db *d = dbpool_get(a->pool, &e);
        unsigned long before;
        int64_t one = 0;

        if (!d) {
            a->failed++;
            continue;
        }
        pthread_mutex_lock(a->lock);
        if (++*a->out > *a->most)
            *a->most = *a->out;
        pthread_mutex_unlock(a->lock);
        before = d->statements;
        /* a transaction left open is rolled back when the connection goes back */
        if (db_i64v(d, &e, &one, "SELECT 1 FROM pg_sleep(0.002)", 0) != 1 || one != 1 ||
            d->statements != before + 1 || (r == 3 && db_begin(d, &e) < 0))
            a->failed++;
        pthread_mutex_lock(a->lock);
        --*a->out;
        pthread_mutex_unlock(a->lock);
        dbpool_put(a->pool, d);
    }
    return NULL;
}

static void
test_pool(void **state)
{
    struct dbpool *pool = dbpool_new("", 3);
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_t th[THREADS];
    struct pool_arg a[THREADS];
    int out = 0, most = 0;
    struct werr e = {0};
    struct db *d;
    int64_t open = 0;

    (void)state;
    for (int k = 0; k < THREADS; k++) {
        a[k] = (struct pool_arg){pool, &lock, &out, &most, 0};
        assert_int_equal(pthread_create(&th[k], NULL, pool_user, &a[k]), 0);
    }
    for (int k = 0; k < THREADS; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(a[k].failed, 0);
    }
    assert_true(most >= 1 && most <= 3);
    /* no transaction was left open on a connection handed on */
    d = dbpool_get(pool, &e);
    assert_non_null(d);
    assert_int_equal(db_i64v(d, &e, &open,
                             "SELECT count(*) FROM pg_stat_activity"
                             " WHERE state LIKE 'idle in transaction%'"
                             " AND datname = current_database()",
                             0),
                     1);
    assert_int_equal(open, 0);
    dbpool_put(pool, d);
    dbpool_free(pool);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_array),
        cmocka_unit_test(test_i64_array),
        cmocka_unit_test(test_pool),
    };
    struct werr e = {0};
    int rc;

    if (db_open(&db, "", &e) < 0) {
        fprintf(stderr,
                "test_dbpool: needs the test PostgreSQL (PGHOST); run it with make check: %s\n",
                e.msg);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    db_close(&db);
    return rc;
}
