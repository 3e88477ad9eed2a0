/*
 * test_radius.c - the RADIUS packets wisp signs and checks (src/radius.c)
 * and the MD5 under them (src/md5.c): RFC 1321's and RFC 2104's test
 * vectors, RFC 2865 7.1's Access-Accept (its Response Authenticator), a
 * Disconnect-Request whose bytes were computed apart (Python's hashlib and
 * hmac over RFC 5176 3.4's recipe), and replies that must be refused;
 * then FreeRADIUS's quoting (what 3.2.1 was seen to read back: \' is a
 * quote, every other backslash itself) and --listen's parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/md5.h"
#include "wisp/radius.h"
#include "wisp/radius_conf.h"
#include "wisp/util.h"

static void
hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static size_t
unhex(const char *s, uint8_t *out)
{
    size_t n = 0;

    for (; s[0] && s[1]; s += 2) {
        unsigned v;

        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
    }
    return n;
}

static void
md5_rfc1321(void **state)
{
    static const char *const v[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"12345678901234567890123456789012345678901234567890"
         "123456789012345678901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        struct md5 m;
        uint8_t d[16];
        char h[33];

        md5_init(&m);
        md5_update(&m, v[i][0], strlen(v[i][0]));
        md5_final(&m, d);
        hex(d, 16, h);
        assert_string_equal(h, v[i][1]);
        /* the same, fed a byte at a time */
        md5_init(&m);
        for (const char *p = v[i][0]; *p; p++)
            md5_update(&m, p, 1);
        md5_final(&m, d);
        hex(d, 16, h);
        assert_string_equal(h, v[i][1]);
    }
}

static void
hmac_rfc2104(void **state)
{
    uint8_t key[16], data[50], d[16];
    char h[33];

    (void)state;
    memset(key, 0x0b, 16);
    hmac_md5(key, 16, "Hi There", 8, d);
    hex(d, 16, h);
    assert_string_equal(h, "9294727a3638bb1c13f48ef8158bfc9d");
    hmac_md5("Jefe", 4, "what do ya want for nothing?", 28, d);
    hex(d, 16, h);
    assert_string_equal(h, "750c783e6ab0b503eaa86e310a5db738");
    memset(key, 0xaa, 16);
    memset(data, 0xdd, 50);
    hmac_md5(key, 16, data, 50, d);
    hex(d, 16, h);
    assert_string_equal(h, "56be34521d144c88dbb8c733f0e8b3f6");
}

/* RFC 2865 7.1: the Access-Accept to the Access-Request with this
 * authenticator, id 0, secret "xyzzy5461". */
static void
reply_rfc2865(void **state)
{
    struct rad_pkt req;
    uint8_t resp[64];
    size_t n = unhex("0200002686fe220e7624ba2a1005f6bf9b55e0b2"
                     "0606000000010f06000000000e06c0a80103",
                     resp);

    (void)state;
    rad_init(&req, RAD_ACCESS_REQUEST, 0);
    unhex("0f403f9473978057bd83d5cb98f4227a", req.b + 4);
    assert_true(rad_reply_ok(resp, n, &req, "xyzzy5461"));
    assert_false(rad_reply_ok(resp, n, &req, "xyzzy5462"));
    resp[n - 1] ^= 1; /* an attribute changed on the way */
    assert_false(rad_reply_ok(resp, n, &req, "xyzzy5461"));
    resp[n - 1] ^= 1;
    req.b[1] = 1; /* the answer to another request */
    assert_false(rad_reply_ok(resp, n, &req, "xyzzy5461"));
    req.b[1] = 0;
    assert_false(rad_reply_ok(resp, n - 1, &req, "xyzzy5461")); /* cut short */
    resp[21] = 40; /* an attribute running past the end */
    assert_false(rad_reply_ok(resp, n, &req, "xyzzy5461"));
}

static void
disconnect_request(void **state)
{
    struct rad_pkt p;
    char h[2 * 64 + 1];
    size_t vlen;

    (void)state;
    rad_init(&p, RAD_DISCONNECT_REQUEST, 7);
    assert_int_equal(rad_add_str(&p, RAD_USER_NAME, "V-1"), 0);
    assert_int_equal(rad_add_str(&p, RAD_ACCT_SESSION_ID, "80100014"), 0);
    assert_int_equal(rad_add_ipv4(&p, RAD_FRAMED_IP_ADDRESS, "10.5.50.10"), 0);
    assert_int_equal(rad_sign_request(&p, "s3cret", true), 0);
    assert_int_equal(p.len, 59);
    hex(p.b, p.len, h);
    assert_string_equal(h,
                        "2807003bc5135790c1a97271ed38766bbe9eafb50105562d312c0a383031303030313408"
                        "060a05320a50122ec93ef32001356384302a6e307c734f");
    assert_non_null(rad_attr(p.b, p.len, RAD_ACCT_SESSION_ID, &vlen));
    assert_int_equal(vlen, 8);
    assert_null(rad_attr(p.b, p.len, RAD_ERROR_CAUSE, &vlen));
}

/* A NAK signed as a router signs it (with a Message-Authenticator) checks
 * out; one with a wrong Message-Authenticator does not. */
static void
signed_nak(void **state)
{
    struct rad_pkt req, nak;
    struct md5 m;
    uint8_t zero[16] = {0};
    size_t ma_at;

    (void)state;
    rad_init(&req, RAD_DISCONNECT_REQUEST, 9);
    rad_add_str(&req, RAD_USER_NAME, "V-2");
    rad_sign_request(&req, "k", true);
    rad_init(&nak, RAD_DISCONNECT_NAK, 9);
    rad_add_u32(&nak, RAD_ERROR_CAUSE, 503);
    ma_at = nak.len + 2;
    rad_add(&nak, RAD_MESSAGE_AUTHENTICATOR, zero, 16);
    memcpy(nak.b + 4, req.b + 4, 16);
    hmac_md5("k", 1, nak.b, nak.len, nak.b + ma_at);
    md5_init(&m);
    md5_update(&m, nak.b, nak.len);
    md5_update(&m, "k", 1);
    md5_final(&m, nak.b + 4);
    assert_true(rad_reply_ok(nak.b, nak.len, &req, "k"));
    nak.b[ma_at] ^= 1; /* and the authenticator made again over the bad value */
    memcpy(nak.b + 4, req.b + 4, 16);
    md5_init(&m);
    md5_update(&m, nak.b, nak.len);
    md5_update(&m, "k", 1);
    md5_final(&m, nak.b + 4);
    assert_false(rad_reply_ok(nak.b, nak.len, &req, "k"));
}

static void
limits(void **state)
{
    struct rad_pkt p;
    char big[300];

    (void)state;
    rad_init(&p, RAD_DISCONNECT_REQUEST, 1);
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(rad_add_str(&p, RAD_USER_NAME, big), -1);
    assert_int_equal(rad_add_str(&p, RAD_USER_NAME, ""), -1);
    assert_int_equal(rad_add_ipv4(&p, RAD_FRAMED_IP_ADDRESS, "10.0.0.256"), -1);
    assert_int_equal(p.len, 20);
    for (int i = 0; i < 15; i++)
        assert_int_equal(rad_add(&p, RAD_USER_NAME, big, 253), 0);
    assert_int_equal(rad_add(&p, RAD_USER_NAME, big, 253), -1); /* past 4096 */
}

static void
quote_for_freeradius(void **state)
{
    static const char *const ok[][2] = {
        {"plain", "'plain'"}, {"a'b", "'a\\'b'"},
        {"a\\b", "'a\\b'"},   {"${confdir}%{User-Name}\"x\"", "'${confdir}%{User-Name}\"x\"'"},
        {"", "''"},
    };
    static const char *const bad[] = {"a\\'b", "ab\\", "x\ny", "\x1b[2J"};
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct sbuf sb = {0};

        assert_int_equal(frad_quote(&sb, ok[i][0]), 0);
        assert_string_equal(sb.buf, ok[i][1]);
        sb_free(&sb);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct sbuf sb = {0};

        assert_int_equal(frad_quote(&sb, bad[i]), -1);
        assert_int_equal(sb.len, 0);
        sb_free(&sb);
    }
}

static void
listen_addresses(void **state)
{
    char addr[64];
    int port;
    struct werr e = {0};

    (void)state;
    assert_int_equal(radius_listen_parse("127.0.0.1:21812", addr, sizeof addr, &port, &e), 0);
    assert_string_equal(addr, "127.0.0.1");
    assert_int_equal(port, 21812);
    assert_int_equal(radius_listen_parse("*:1812", addr, sizeof addr, &port, &e), 0);
    assert_string_equal(addr, "");
    assert_int_equal(radius_listen_parse("[::1]:1812", addr, sizeof addr, &port, &e), 0);
    assert_string_equal(addr, "::1");
    assert_int_equal(radius_listen_parse("1.2.3:80", addr, sizeof addr, &port, &e), -1);
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_int_equal(radius_listen_parse("1.2.3.4:65535", addr, sizeof addr, &port, &e), -1);
    assert_int_equal(radius_listen_parse("1.2.3.4", addr, sizeof addr, &port, &e), -1);
    assert_int_equal(radius_listen_parse("x' y:1812", addr, sizeof addr, &port, &e), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(md5_rfc1321),          cmocka_unit_test(hmac_rfc2104),
        cmocka_unit_test(reply_rfc2865),        cmocka_unit_test(disconnect_request),
        cmocka_unit_test(signed_nak),           cmocka_unit_test(limits),
        cmocka_unit_test(quote_for_freeradius), cmocka_unit_test(listen_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
