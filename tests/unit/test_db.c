/*
 * test_db.c - rows into structs by column name (db_fetch and friends) and
 * the one transaction helper (db_tx), against the test PostgreSQL that
 * make check starts (PGHOST, PGDATABASE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/db.h"

static struct db db;

struct item {
    int64_t id;
    char *name;
    char tag[6];
    int level;
    bool on;
    double ratio;
    json_t *extra;
};

static const struct db_field item_fields[] = {
    DB_COL(struct item, id, DB_I64),
    DB_COL(struct item, name, DB_STR),
    DB_COL_AS(struct item, tag, "label", DB_BUF),
    DB_COL_NULL(struct item, level, DB_INT, -1),
    DB_COL(struct item, on, DB_BOOL),
    DB_COL(struct item, ratio, DB_F64),
    DB_COL(struct item, extra, DB_JSON),
};
static const struct db_map item_map = DB_MAP(struct item, item_fields);

static void
exec_ok(const char *sql)
{
    struct werr e = {0};

    assert_int_equal(db_execv(&db, &e, sql, 0), 0);
}

static int
setup(void **state)
{
    (void)state;
    exec_ok("CREATE TEMP TABLE items (id bigint, name text, label text, level int, on_ boolean,"
            " ratio float8, extra jsonb)");
    exec_ok("INSERT INTO items VALUES (1, 'one', 'xcafé', 3, true, 0.5, '{\"a\": 1}'),"
            " (2, NULL, NULL, NULL, NULL, NULL, NULL)");
    return 0;
}

static const char *const item_sql =
    "SELECT extra, ratio, on_ AS on, level, label, name, id FROM items ORDER BY id";

/* The columns come in any order; each lands in its member by name. */
static void
test_fetch_by_name(void **state)
{
    struct werr e = {0};
    struct item *rows;
    size_t n;

    (void)state;
    assert_int_equal(db_fetchv(&db, &e, &item_map, &rows, &n, item_sql, 0), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, 1);
    assert_string_equal(rows[0].name, "one");
    assert_string_equal(rows[0].tag, "xcaf"); /* 6 bytes: é would end at the 7th */
    assert_int_equal(rows[0].level, 3);
    assert_true(rows[0].on);
    assert_true(rows[0].ratio > 0.49 && rows[0].ratio < 0.51);
    assert_int_equal(json_integer_value(json_object_get(rows[0].extra, "a")), 1);
    /* SQL NULLs */
    assert_null(rows[1].name);
    assert_string_equal(rows[1].tag, "");
    assert_int_equal(rows[1].level, -1);
    assert_false(rows[1].on);
    assert_null(rows[1].extra);
    db_rows_free(&item_map, rows, n);
}

/* A mapping naming a column the query lacks is an error naming it. */
static void
test_missing_column(void **state)
{
    struct werr e = {0};
    struct item *rows = (struct item *)&e;
    size_t n = 7;

    (void)state;
    assert_int_equal(db_fetchv(&db, &e, &item_map, &rows, &n, "SELECT id, name FROM items", 0), -1);
    assert_non_null(strstr(e.msg, "no column \"label\""));
    assert_null(rows);
    assert_int_equal(n, 0);
}

static void
test_fetch_one_and_numbers(void **state)
{
    struct werr e = {0};
    struct item it;
    int64_t v = 42;
    char id[] = "2";

    (void)state;
    assert_int_equal(db_fetch1v(&db, &e, &item_map, &it,
                                "SELECT * , on_ AS on FROM items"
                                " WHERE id = $1",
                                1, id),
                     1);
    assert_int_equal(it.id, 2);
    db_row_free(&item_map, &it);
    assert_int_equal(db_fetch1v(&db, &e, &item_map, &it,
                                "SELECT *, on_ AS on FROM items"
                                " WHERE id = 99",
                                0),
                     0);
    assert_int_equal(db_i64v(&db, &e, &v, "SELECT count(*) FROM items", 0), 1);
    assert_int_equal(v, 2);
    assert_int_equal(db_i64v(&db, &e, &v, "SELECT NULL::int", 0), 0);
    assert_int_equal(v, 2);
    assert_int_equal(db_changedv(&db, &e, "UPDATE items SET ratio = ratio WHERE id > 0", 0), 2);
    {
        char **names = db_stringsv(&db, &e, "SELECT name FROM items ORDER BY id", 0);

        assert_non_null(names);
        assert_string_equal(names[0], "one");
        assert_string_equal(names[1], ""); /* SQL NULL */
        assert_null(names[2]);
        free(names[0]);
        free(names[1]);
        free(names);
    }
    assert_int_equal(db_i64v(&db, &e, &v, "SELECT nonsense FROM items", 0), -1);
    assert_non_null(strstr(e.msg, "nonsense"));
}

struct tx_arg {
    const char *value;
    int fail;
};

static int
tx_body(struct db *d, void *p, struct werr *e)
{
    struct tx_arg *a = p;

    if (db_execv(d, e, "INSERT INTO items (id, name) VALUES (10, $1)", 1, a->value) < 0)
        return -1;
    if (a->fail == 2 && db_execv(d, e, "SELECT 1 / 0", 0) < 0)
        return -1;
    if (a->fail == 1)
        return werr_set(e, WISP_ERUNTIME, "the body failed");
    return 7;
}

/* Committed when the body succeeds, rolled back when it fails, so nothing of a
 * failed body stays (and the connection is usable afterwards). */
static void
test_tx(void **state)
{
    struct werr e = {0};
    struct tx_arg ok = {"kept", 0}, bad = {"gone", 1};
    int64_t n = -1;

    (void)state;
    assert_int_equal(db_tx(&db, &e, tx_body, &bad), -1);
    assert_string_equal(e.msg, "the body failed");
    assert_int_equal(db_i64v(&db, &e, &n, "SELECT count(*) FROM items WHERE id = 10", 0), 1);
    assert_int_equal(n, 0);
    assert_int_equal(db_tx(&db, &e, tx_body, &ok), 7);
    assert_int_equal(db_i64v(&db, &e, &n, "SELECT count(*) FROM items WHERE name = 'kept'", 0), 1);
    assert_int_equal(n, 1);
    /* a failing statement inside the body: rolled back too */
    bad.fail = 2;
    assert_int_equal(db_tx(&db, &e, tx_body, &bad), -1);
    assert_non_null(strstr(e.msg, "division by zero"));
    assert_int_equal(db_i64v(&db, &e, &n, "SELECT count(*) FROM items", 0), 1);
    assert_int_equal(n, 3);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_by_name),
        cmocka_unit_test(test_missing_column),
        cmocka_unit_test(test_fetch_one_and_numbers),
        cmocka_unit_test(test_tx),
    };
    struct werr e = {0};
    int rc;

    if (db_open(&db, "", &e) < 0) {
        fprintf(stderr, "test_db: needs the test PostgreSQL (PGHOST); run it with make check: %s\n",
                e.msg);
        return 1;
    }
    rc = cmocka_run_group_tests(tests, setup, NULL);
    db_close(&db);
    return rc;
}
