/*
 * test_notify.c - what a notification puts on the wire. Hostile values
 * (quotes, backslashes, line breaks, control characters, Arabic) through
 * each context's quoting: a JSON body stays JSON and decodes back to the
 * value, a URL or form value decodes back to itself with nothing reserved
 * left bare, a header value with CR or LF is refused. Channel configs that
 * hold a secret or a bad kind are refused; the built-in messages and a
 * rule's own template are composed as documented. A reply or an error is
 * masked of every secret (as it is, percent-encoded, JSON-escaped) before
 * it is cut, so one straddling the cut is not left half readable; token
 * files are only inside the token directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/msgcat.h"
#include "wisp/notifier.h"
#include "wisp/notify.h"

static const char *const hostile[] = {
    "plain",
    "a\"b",
    "a\\",
    "\\\"}",
    "line1\nline2\r\n",
    "tab\there",
    "\x01\x1f\x7f",
    "\"}, \"chat_id\": \"666",
    "رمز الدخول \"x\"",
    "&to=666&x=%41 +",
    "",
};

static void
test_json_body(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        struct notify_vars v = {"424242", hostile[i], "s", "tok"};
        struct sbuf out = {0};
        struct werr e = {0};
        json_error_t je;
        json_t *j;

        assert_int_equal(
            notify_render("{\"chat_id\": \"{to}\", \"text\": \"{text}\"}", NCTX_JSON, &v, &out, &e),
            0);
        j = json_loads(out.buf, 0, &je);
        assert_non_null(j);
        assert_int_equal(json_object_size(j), 2); /* nothing added */
        assert_string_equal(json_string_value(json_object_get(j, "text")), hostile[i]);
        assert_string_equal(json_string_value(json_object_get(j, "chat_id")), "424242");
        json_decref(j);
        sb_free(&out);
    }
}

static int
unhex(int c)
{
    return c <= '9' ? c - '0' : c - 'A' + 10;
}

static void
test_url_and_form(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        struct sbuf out = {0}, back = {0};

        notify_quote_url(&out, hostile[i]);
        for (const char *p = out.buf ? out.buf : ""; *p; p++) {
            assert_null(strchr("&=+?#/ \"\\\n\r", *p)); /* nothing reserved bare */
            if (*p == '%') {
                sb_addc(&back, (char)(unhex(p[1]) * 16 + unhex(p[2])));
                p += 2;
            } else {
                sb_addc(&back, *p);
            }
        }
        assert_string_equal(back.buf ? back.buf : "", hostile[i]);
        sb_free(&out);
        sb_free(&back);
    }
}

static void
test_header_refuses_line_breaks(void **state)
{
    struct notify_vars v = {"x", "t", "s", "tok\r\nX-Evil: 1"};
    struct sbuf out = {0};
    struct werr e = {0};

    (void)state;
    assert_int_equal(notify_render("Bearer {token}", NCTX_HEADER, &v, &out, &e), -1);
    assert_non_null(strstr(e.msg, "line break"));
    sb_free(&out);
    v.token = "good";
    assert_int_equal(notify_render("Bearer {token}", NCTX_HEADER, &v, &out, &e), 0);
    assert_string_equal(out.buf, "Bearer good");
    sb_free(&out);
}

static void
test_placeholders(void **state)
{
    struct notify_vars v = {"+254700", "hi there", "subj", NULL};
    struct sbuf out = {0};
    struct werr e = {0};

    (void)state;
    /* unknown braces are the template's own; {token} without a token is an error */
    assert_int_equal(notify_render("{x} {to} {text} {", NCTX_TEXT, &v, &out, &e), 0);
    assert_string_equal(out.buf, "{x} +254700 hi there {");
    sb_reset(&out);
    assert_int_equal(notify_render("{token}", NCTX_TEXT, &v, &out, &e), -1);
    sb_free(&out);
}

static void
test_channel_parse(void **state)
{
    static const struct {
        const char *kind, *config;
        int ok;
    } cases[] = {
        {"smtp", "{\"url\": \"smtp://127.0.0.1:25\", \"from\": \"a@b.c\"}", 1},
        {"smtp", "{\"url\": \"smtp://127.0.0.1:25\", \"from\": \"a@b.c\", \"password\": \"x\"}", 0},
        {"smtp", "{\"url\": \"http://127.0.0.1\", \"from\": \"a@b.c\"}", 0},
        {"smtp", "{\"url\": \"smtp://h\", \"from\": \"a@b.c>\\r\\nRCPT TO:<e@f.g\"}", 0},
        {"http", "{\"url\": \"https://api.example/x?to={to}\", \"body\": \"{}\"}", 1},
        {"http", "{\"url\": \"https://api.example/x\", \"token\": \"abc\"}", 0},
        {"http", "{\"url\": \"https://a/\", \"headers\": {\"X-A\\r\\nB\": \"1\"}}", 0},
        {"http", "{\"url\": \"https://a/\", \"method\": \"DELETE\"}", 0},
        {"http", "{\"url\": \"ftp://a/\"}", 0},
        {"pigeon", "{}", 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct notify_channel c;
        struct werr e = {0};
        json_t *j = json_loads(cases[i].config, 0, NULL);
        int rc;

        assert_non_null(j);
        rc = notify_channel_parse("ch", cases[i].kind, j, &c, &e);
        if (rc != (cases[i].ok ? 0 : -1))
            fail_msg("case %zu: %s", i, e.msg);
        notify_channel_free(&c);
        json_decref(j);
    }
}

static void
test_compose(void **state)
{
    struct msgcat *en = msgcat_open(NULL, NULL);
    json_t *p = json_pack("{s:s, s:s, s:i}", "product", "1h", "customer", "ana", "order_id", 7);
    struct sbuf subject = {0}, text = {0};

    (void)state;
    notifier_compose(en, "Net Corner", "order.completed", p, NULL, "k00001",
                     "http://h/login?u=k00001", &subject, &text);
    assert_string_equal(subject.buf, "Your code from Net Corner");
    assert_string_equal(text.buf, "Your code for 1h: k00001\nLog in: http://h/login?u=k00001");
    sb_reset(&subject);
    sb_reset(&text);
    /* a channel that takes no link: no link line */
    notifier_compose(en, "Net Corner", "order.completed", p, NULL, "k00001", NULL, &subject, &text);
    assert_string_equal(text.buf, "Your code for 1h: k00001");
    sb_reset(&subject);
    sb_reset(&text);
    notifier_compose(en, "Net Corner", "order.completed", p,
                     "{shop}: {code} for order {order_id} {x}", "k00001", NULL, &subject, &text);
    assert_string_equal(text.buf, "Net Corner: k00001 for order 7 {x}");
    sb_free(&subject);
    sb_free(&text);
    json_decref(p);
    msgcat_free(en);
}

/* A secret in each form a provider may echo it in: gone from the record. */
static void
test_mask_forms(void **state)
{
    static const char tok[] = "t0k/en+a b&c\"d";
    static const char *const forms[] = {
        "t0k/en+a b&c\"d",          /* as it is */
        "t0k%2Fen%2Ba%20b%26c%22d", /* percent-encoded */
        "t0k%2fen%2ba%20b%26c%22d", /* ... lower-case hex */
        "t0k%2fen%2ba+b%26c%22d",   /* ... a form's space */
        "t0k/en+a b&c\\\"d",        /* JSON-escaped */
        "t0k\\/en+a b&c\\\"d",      /* ... with "\/" */
    };
    const char *const secrets[] = {tok, "4711-PIN", NULL};

    (void)state;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        char buf[256];

        snprintf(buf, sizeof buf, "{\"echo\": \"%s\", \"pin\": \"4711-PIN\"}", forms[i]);
        notify_mask(buf, 512, secrets);
        if (strstr(buf, "t0k") || strstr(buf, "4711"))
            fail_msg("form %zu left readable: %s", i, buf);
        assert_non_null(strstr(buf, "****"));
    }
}

/* A secret across the 512-byte cut: masked whole first, so no prefix of
 * it survives the cut; the cut never splits a UTF-8 character. */
static void
test_mask_straddling_cut(void **state)
{
    const char tok[] = "SECRETTOKEN0123456789abcdef";
    const char *const secrets[] = {tok, NULL};
    char buf[1024];

    (void)state;
    memset(buf, 'x', 500);
    snprintf(buf + 500, sizeof buf - 500, "%s end", tok);
    notify_mask(buf, 512, secrets);
    assert_null(strstr(buf, "SECRET"));
    assert_true(strlen(buf) <= 512);
    assert_string_equal(buf + 500, "**** end");

    memset(buf, 'x', 511);
    snprintf(buf + 511, sizeof buf - 511, "%s", "\xd8\xb1\xd9\x85");
    notify_mask(buf, 512, secrets);
    assert_int_equal(strlen(buf), 511);
}

/* Token files: inside the token directory only. */
static void
test_secret_path(void **state)
{
    char p[256];
    struct werr e = {0};

    (void)state;
    assert_int_equal(notify_secret_path("/etc/wisp/notify", "sms.token", p, sizeof p, &e), 0);
    assert_string_equal(p, "/etc/wisp/notify/sms.token");
    assert_int_equal(notify_secret_path("/etc/wisp/notify/", "/etc/wisp/notify/a", p, sizeof p, &e),
                     0);
    assert_int_equal(notify_secret_path(NULL, "a", p, sizeof p, &e), 0);
    assert_string_equal(p, NOTIFY_TOKEN_DIR "/a");
    assert_int_equal(notify_secret_path("/etc/wisp/notify", "/etc/shadow", p, sizeof p, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_int_equal(notify_secret_path("/etc/wisp/notify", "../../shadow", p, sizeof p, &e), -1);
    assert_int_equal(
        notify_secret_path("/etc/wisp/notify", "/etc/wisp/notify/../x", p, sizeof p, &e), -1);
    assert_int_equal(notify_secret_path("/etc/wisp/notify", "/etc/wisp/notifyx/a", p, sizeof p, &e),
                     -1);
    assert_int_equal(notify_secret_path("/etc/wisp/notify", "a..b", p, sizeof p, &e), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_body),
        cmocka_unit_test(test_url_and_form),
        cmocka_unit_test(test_header_refuses_line_breaks),
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_channel_parse),
        cmocka_unit_test(test_compose),
        cmocka_unit_test(test_mask_forms),
        cmocka_unit_test(test_mask_straddling_cut),
        cmocka_unit_test(test_secret_path),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
