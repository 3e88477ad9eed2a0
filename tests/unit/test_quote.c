/*
 * test_quote.c - nothing a user types reaches a router as a command. The
 * quoting functions on hostile strings, then every script and command the
 * two drivers build, through a transport that records what would be sent:
 * each hostile value must come out as one quoted literal that decodes back
 * to itself, and the script around it must be the same as for a harmless
 * value (its skeleton, the text outside the literals, does not change).
 * The RouterOS decoder here follows Manual:Scripting's escapes; sh words
 * are checked by a decoder and by /bin/sh itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wisp/driver.h"
#include "wisp/quote.h"

static const char *const hostile[] = {
    "q\";:put [/user print];:put \"",
    "0;/system reboot",
    "a\"b",
    "a\\",
    "\\\"",
    "$x",
    "$(reboot)",
    "[/system reboot]",
    "`reboot`",
    "{/system reboot}",
    "x\ny",
    "x\r\n/system reboot",
    "\x1b[2J\x1b]0;t\x07",
    "?",
    "a'b",
    "';reboot;'",
    "a b;c",
    "caf\xc3\xa9\x7f",
    "wisp-ok x",
    "#c",
    "",
};
#define NHOSTILE (sizeof hostile / sizeof hostile[0])

/* --- a RouterOS literal decoder ----------------------------------------- */

static int
hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decode the literal whose opening quote is at *pp into lit; *pp is left on
 * its closing quote. -1, with why, on anything a RouterOS literal may not
 * hold raw: an unknown escape, an unescaped $ or ?, a control byte, an
 * unterminated literal. */
static int
ros_literal(const char **pp, struct sbuf *lit, const char **why)
{
    static const char simple[] = "\"\\$?_abfnrtv";
    static const char value[] = "\"\\$?\x20\x07\x08\x0c\n\r\t\x0b";
    const char *p = *pp;

    for (p++;; p++) {
        unsigned char c = (unsigned char)*p;

        if (c == '\0') {
            *why = "unterminated literal";
            return -1;
        }
        if (c == '"')
            break;
        if (c == '$' || c == '?') {
            *why = "unescaped $ or ? in a literal";
            return -1;
        }
        if (c < 0x20 || c >= 0x7f) {
            *why = "raw control or non-ASCII byte in a literal";
            return -1;
        }
        if (c != '\\') {
            sb_addc(lit, (char)c);
        } else if (hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            sb_addc(lit, (char)(hexval(p[1]) * 16 + hexval(p[2])));
            p += 2;
        } else if (p[1] && strchr(simple, p[1])) {
            sb_addc(lit, value[strchr(simple, p[1]) - simple]);
            p++;
        } else {
            *why = "unknown escape";
            return -1;
        }
    }
    *pp = p;
    return 0;
}

/* Split script into its skeleton (each "..." literal written as "") and the
 * decoded literals, in order. */
static int
ros_split(const char *script, struct sbuf *skel, char ***lits, size_t *n, const char **why)
{
    *lits = NULL;
    *n = 0;
    for (const char *p = script; *p; p++) {
        struct sbuf lit = {0};

        if (*p != '"') {
            sb_addc(skel, *p);
            continue;
        }
        if (ros_literal(&p, &lit, why) < 0) {
            sb_free(&lit);
            return -1;
        }
        sb_add(skel, "\"\"");
        *lits = xrealloc(*lits, (*n + 1) * sizeof **lits);
        (*lits)[(*n)++] = lit.buf ? sb_steal(&lit) : xstrdup("");
    }
    return 0;
}

static void
free_lits(char **lits, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(lits[i]);
    free(lits);
}

/* --- a sh word decoder --------------------------------------------------- */

/* The same for sh: each word of '...' parts joined by \' becomes ''. */
static int
sh_split(const char *cmd, struct sbuf *skel, char ***words, size_t *n, const char **why)
{
    *words = NULL;
    *n = 0;
    for (const char *p = cmd; *p; p++) {
        struct sbuf w = {0};

        if (*p != '\'') {
            sb_addc(skel, *p);
            continue;
        }
        for (;;) { /* at an opening ' */
            const char *end = strchr(p + 1, '\'');

            if (!end) {
                *why = "unterminated '";
                return -1;
            }
            sb_addn(&w, p + 1, (size_t)(end - p - 1));
            p = end;
            if (p[1] == '\\' && p[2] == '\'' && p[3] == '\'') {
                sb_addc(&w, '\'');
                p += 3;
                continue;
            }
            break;
        }
        sb_add(skel, "''");
        *words = xrealloc(*words, (*n + 1) * sizeof **words);
        (*words)[(*n)++] = w.buf ? sb_steal(&w) : xstrdup("");
    }
    return 0;
}

/* --- a transport that records and answers -------------------------------- */

struct sent {
    char *cmd[64];
    size_t n;
};
static struct sent sent;
static const char *nds_answer; /* openNDS: the answer to give */

static void
sent_clear(void)
{
    for (size_t i = 0; i < sent.n; i++)
        free(sent.cmd[i]);
    sent.n = 0;
}

/* RouterOS: answer as a router that ran the script would: health for the
 * prints, and every "wisp-ok ..." and "wisp-end" literal :put prints. */
static int
ros_transport(struct rconn *c, const char *cmd, struct sbuf *out, int *status)
{
    struct sbuf skel = {0};
    char **lits;
    size_t n;
    const char *why = NULL;

    (void)c;
    assert_true(sent.n < 64);
    sent.cmd[sent.n++] = xstrdup(cmd);
    *status = 0;
    if (strstr(cmd, "/system resource print"))
        sb_add(out, "  name: sim\r\nuptime: 29s\r\nversion: 7.11.2 (stable)\r\ncpu-load: 2%\r\n");
    if (ros_split(cmd, &skel, &lits, &n, &why) < 0)
        fail_msg("not a RouterOS script (%s): %s", why, cmd);
    free_lits(lits, n);
    sb_free(&skel);
    for (const char *p = cmd; (p = strstr(p, ":put \"")); p++) {
        struct sbuf lit = {0};

        p += 5;
        assert_int_equal(ros_literal(&p, &lit, &why), 0);
        if (lit.buf && (str_starts(lit.buf, "wisp-ok ") || str_eq(lit.buf, "wisp-end") ||
                        str_eq(lit.buf, "wisp-access-ok")))
            sb_printf(out, "%s\r\n", lit.buf);
        sb_free(&lit);
    }
    return 0;
}

static int
nds_transport(struct rconn *c, const char *cmd, struct sbuf *out, int *status)
{
    (void)c;
    assert_true(sent.n < 64);
    sent.cmd[sent.n++] = xstrdup(cmd);
    *status = 0;
    sb_add(out, nds_answer ? nds_answer : "");
    return 0;
}

/* The skeleton and literals of the last RouterOS script sent. */
static char *
last_ros(char ***lits, size_t *n)
{
    struct sbuf skel = {0};
    const char *why = NULL;

    assert_true(sent.n > 0);
    if (ros_split(sent.cmd[sent.n - 1], &skel, lits, n, &why) < 0)
        fail_msg("%s: %s", why, sent.cmd[sent.n - 1]);
    return skel.buf ? sb_steal(&skel) : xstrdup("");
}

static size_t
count_lit(char **lits, size_t n, const char *want)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += str_eq(lits[i], want);
    return k;
}

/* --- the quoting functions --------------------------------------------- */

static void
test_ros_quote(void **state)
{
    struct sbuf sb = {0};

    (void)state;
    ros_quote(&sb, "a\"b$c\\d?e\nf\x1b"
                   "g\xc3\xa9");
    assert_string_equal(sb.buf, "\"a\\\"b\\$c\\\\d\\3Fe\\0Af\\1Bg\\C3\\A9\"");
    for (size_t i = 0; i < NHOSTILE; i++) {
        char **lits;
        size_t n;
        struct sbuf skel = {0};
        const char *why = NULL;

        sb_reset(&sb);
        sb_add(&sb, "/x y=");
        ros_quote(&sb, hostile[i]);
        sb_add(&sb, "; :put ");
        ros_quote(&sb, hostile[i]);
        if (ros_split(sb.buf, &skel, &lits, &n, &why) < 0)
            fail_msg("%s for [%s]: %s", why, hostile[i], sb.buf);
        assert_string_equal(skel.buf, "/x y=\"\"; :put \"\"");
        assert_int_equal(n, 2);
        assert_string_equal(lits[0], hostile[i]);
        assert_string_equal(lits[1], hostile[i]);
        assert_null(strchr(sb.buf, '\n'));
        free_lits(lits, n);
        sb_free(&skel);
    }
    sb_free(&sb);
}

static void
test_sh_quote(void **state)
{
    struct sbuf sb = {0};

    (void)state;
    sh_quote(&sb, "it's");
    assert_string_equal(sb.buf, "'it'\\''s'");
    for (size_t i = 0; i < NHOSTILE; i++) {
        char **w, got[256];
        size_t n, len;
        struct sbuf skel = {0};
        const char *why = NULL;
        FILE *f;

        sb_reset(&sb);
        sb_add(&sb, "printf %s ");
        sh_quote(&sb, hostile[i]);
        if (sh_split(sb.buf, &skel, &w, &n, &why) < 0)
            fail_msg("%s for [%s]: %s", why, hostile[i], sb.buf);
        assert_string_equal(skel.buf, "printf %s ''");
        assert_int_equal(n, 1);
        assert_string_equal(w[0], hostile[i]);
        free_lits(w, n);
        sb_free(&skel);
        /* and the real shell reads it as one word that is the value */
        f = popen(sb.buf, "r");
        assert_non_null(f);
        len = fread(got, 1, sizeof got - 1, f);
        got[len] = '\0';
        assert_int_equal(pclose(f), 0);
        assert_string_equal(got, hostile[i]);
    }
    sb_free(&sb);
}

static void
test_safe_word_and_mac(void **state)
{
    static const char *const good[][2] = {
        {"aa:bb:cc:00:11:22", "AA:BB:CC:00:11:22"},
        {"AA-BB-CC-00-11-22", "AA:BB:CC:00:11:22"},
        {"aabbcc001122", "AA:BB:CC:00:11:22"},
        {"0A:1b:2C:3d:4E:5f", "0A:1B:2C:3D:4E:5F"},
    };
    static const char *const bad[] = {
        "",
        "0;/system reboot",
        "aa:bb:cc:00:11",
        "aa:bb:cc:00:11:22:33",
        "aa:bb-cc:00:11:22",
        "aa.bb.cc.00.11.22",
        "aa:bb:cc:00:11:2g",
        "aabbcc00112",
        " aa:bb:cc:00:11:22",
        "aa:bb:cc:00:11:22\n",
        "aabb.cc00.1122",
    };
    char out[18];

    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_true(mac_normalize(good[i][0], out));
        assert_string_equal(out, good[i][1]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        strcpy(out, "x");
        if (mac_normalize(bad[i], out))
            fail_msg("MAC [%s] accepted", bad[i]);
        assert_string_equal(out, "");
    }
    assert_false(mac_normalize(NULL, out));
    assert_true(safe_word("HS-a_b.9"));
    assert_false(safe_word(""));
    assert_false(safe_word(NULL));
    for (size_t i = 0; i < NHOSTILE; i++)
        assert_false(safe_word(hostile[i]));
}

/* --- every RouterOS builder -------------------------------------------- */

enum field { F_NAME, F_PASSWORD, F_PROFILE, F_RATE, F_MAC, F_SERVER, F_NFIELDS };
static const char *const field_names[] = {"name", "password", "profile", "rate", "mac", "server"};

static void
user_with(struct rt_user *u, enum field f, const char *v)
{
    memset(u, 0, sizeof *u);
    snprintf(u->name, sizeof u->name, "%s", f == F_NAME ? v : "plain1");
    snprintf(u->password, sizeof u->password, "%s", f == F_PASSWORD ? v : "pw1");
    snprintf(u->profile, sizeof u->profile, "%s", f == F_PROFILE ? v : "1h");
    snprintf(u->rate, sizeof u->rate, "%s", f == F_RATE ? v : "1M/2M");
    snprintf(u->mac, sizeof u->mac, "%s", f == F_MAC ? v : "AA:BB:CC:00:11:22");
    u->uptime_s = 3600;
    u->bytes = 1000;
    u->shared_users = 1;
    u->reset = true;
    u->disabled = true; /* every statement user_stmt can write */
}

/* Push one user whose field f is v; the script's skeleton and the literal
 * that must carry v. */
static char *
push_one(enum field f, const char *v, char ***lits, size_t *n)
{
    struct rconn c = {0};
    struct rt_user u;
    char *errs[1] = {NULL};
    struct werr e = {0};

    c.transport = ros_transport;
    c.hotspot_server = f == F_SERVER ? v : "hotspot1";
    user_with(&u, f, v);
    sent_clear();
    if (driver_routeros.push_users(&c, &u, 1, errs, &e) < 0 && !(f == F_NAME && strchr(v, '\r')))
        fail_msg("push with %s [%s]: %s", field_names[f], v, e.msg);
    /* the "wisp-ok NAME" marker came back whole: the name round-tripped
     * (but for a CR, which ros_clean drops from every answer) */
    if (errs[0] && !(f == F_NAME && strchr(v, '\r')))
        fail_msg("push with %s [%s]: %s", field_names[f], v, errs[0]);
    free(errs[0]);
    assert_int_equal(sent.n, 1);
    sb_free(&c.out);
    return last_ros(lits, n);
}

static void
test_ros_push(void **state)
{
    (void)state;
    for (int f = 0; f < F_NFIELDS; f++) {
        char **blits;
        size_t bn;
        char *base = push_one((enum field)f, "benign9", &blits, &bn);

        for (size_t i = 0; i < NHOSTILE; i++) {
            char **lits, want[128], stored[64];
            size_t n;
            char *skel;

            if (f != F_PASSWORD && !hostile[i][0])
                continue; /* an empty profile, rate, server or MAC is left out */
            /* what fits the field (a MAC has 17 bytes) */
            snprintf(stored, f == F_MAC ? 18 : f == F_RATE ? 48 : sizeof stored, "%s", hostile[i]);
            skel = push_one((enum field)f, hostile[i], &lits, &n);
            if (!str_eq(skel, base))
                fail_msg("%s [%s] changed the script:\n%s\nwas\n%s", field_names[f], hostile[i],
                         skel, base);
            assert_int_equal(n, bn);
            /* each place the harmless value was, the hostile one is, decoded */
            for (size_t k = 0; k < n; k++)
                if (str_eq(blits[k], "benign9"))
                    assert_string_equal(lits[k], stored);
            snprintf(want, sizeof want, "wisp-ok %s", f == F_NAME ? hostile[i] : "plain1");
            assert_int_equal(count_lit(lits, n, want), 1);
            free_lits(lits, n);
            free(skel);
        }
        free_lits(blits, bn);
        free(base);
    }
    sent_clear();
}

static void
test_ros_push_chunk(void **state)
{
    /* every hostile name in one script: each user still gets its own answer */
    struct rconn c = {0};
    struct rt_user u[NHOSTILE];
    char *errs[NHOSTILE] = {NULL};
    struct werr e = {0};
    size_t m = 0;

    (void)state;
    c.transport = ros_transport;
    for (size_t i = 0; i < NHOSTILE; i++)
        if (hostile[i][0] && !strchr(hostile[i], '\r')) /* see push_one */
            user_with(&u[m++], F_NAME, hostile[i]);
    sent_clear();
    assert_int_equal(driver_routeros.push_users(&c, u, m, errs, &e), 0);
    for (size_t i = 0; i < m; i++) {
        if (errs[i])
            fail_msg("user [%s]: %s", u[i].name, errs[i]);
        free(errs[i]);
    }
    assert_int_equal(sent.n, 1);
    sent_clear();
    sb_free(&c.out);
}

/* `router setup --radius` and the walled-garden script: a hostile server,
 * secret, profile, host or hotspot server is one literal each, the script
 * around it the benign one's. */
static void
test_ros_radius_access(void **state)
{
    struct rconn c = {0};
    struct werr e = {0};
    char **blits, **lits;
    size_t bn, n;

    (void)state;
    c.transport = ros_transport;
    for (size_t i = 0; i < NHOSTILE; i++) {
        const char *h = hostile[i];
        struct ros_radius_setup b = {"benign9", 1812, "benign9", 3799, "benign9", true, "benign9"},
                                x = {h, 1812, h, 3799, h, true, h};
        struct rt_access ba[2] = {{"garden", "benign9"}, {"bypass", "benign9"}}, xa[2];
        struct sbuf bs = {0}, xs = {0}, bsk = {0}, xsk = {0};
        const char *why = NULL;
        char *base, *skel;

        ros_radius_script(&bs, &b);
        ros_radius_script(&xs, &x);
        if (ros_split(bs.buf, &bsk, &blits, &bn, &why) < 0 ||
            ros_split(xs.buf, &xsk, &lits, &n, &why) < 0)
            fail_msg("radius script [%s]: %s", h, why);
        assert_string_equal(xsk.buf, bsk.buf);
        assert_int_equal(n, bn);
        assert_int_equal(count_lit(lits, n, h), 4); /* server, secret, profile, interim */
        free_lits(blits, bn);
        free_lits(lits, n);
        sb_free(&bs);
        sb_free(&xs);
        sb_free(&bsk);
        sb_free(&xsk);

        memcpy(xa, ba, sizeof xa);
        snprintf(xa[0].value, sizeof xa[0].value, "%s", h);
        snprintf(xa[1].value, sizeof xa[1].value, "%s", h);
        sent_clear();
        c.hotspot_server = "benign9";
        assert_int_equal(driver_routeros.access_sync(&c, ba, 2, &e), 0);
        base = last_ros(&blits, &bn);
        c.hotspot_server = h[0] ? h : "x";
        assert_int_equal(driver_routeros.access_sync(&c, xa, 2, &e), 0);
        skel = last_ros(&lits, &n);
        assert_string_equal(skel, base);
        assert_int_equal(count_lit(lits, n, c.hotspot_server), h[0] ? 4 : 2);
        c.hotspot_server = NULL;
        free_lits(blits, bn);
        free_lits(lits, n);
        free(base);
        free(skel);

        /* openNDS: only MACs, normalised, reach its script */
        c.transport = nds_transport;
        nds_answer = "wisp-access-ok\n";
        assert_int_equal(driver_opennds.access_sync(&c, xa, 2, &e), 0);
        if (strlen(h) > 2)
            assert_null(strstr(sent.cmd[sent.n - 1], h));
        nds_answer = NULL;
        c.transport = ros_transport;
    }
    {
        struct rt_access m[1] = {{"bypass", "aa-bb-cc-00-11-22"}};

        c.transport = nds_transport;
        nds_answer = "wisp-access-ok\n";
        assert_int_equal(driver_opennds.access_sync(&c, m, 1, &e), 0);
        assert_non_null(strstr(sent.cmd[sent.n - 1], "for m in 'aa:bb:cc:00:11:22'; do uci"));
        nds_answer = NULL;
    }
    sent_clear();
    sb_free(&c.out);
}

static void
test_ros_remove_kick_sessions(void **state)
{
    struct rconn c = {0};
    struct werr e = {0};
    char **blits, **lits;
    size_t bn, n;
    char *base, *skel;

    (void)state;
    c.transport = ros_transport;
    for (size_t i = 0; i < NHOSTILE; i++) {
        const char *names[2] = {"benign9", hostile[i]};
        struct rt_session s = {0}, b = {0};
        char want[128];

        /* remove */
        sent_clear();
        assert_int_equal(driver_routeros.remove_users(&c, names, 1, &e), 0);
        base = last_ros(&blits, &bn);
        if (driver_routeros.remove_users(&c, names + 1, 1, &e) < 0 && !strchr(hostile[i], '\r'))
            fail_msg("remove [%s]: %s", hostile[i], e.msg);
        skel = last_ros(&lits, &n);
        assert_string_equal(skel, base);
        assert_int_equal(n, bn);
        snprintf(want, sizeof want, "wisp-ok %s", hostile[i]);
        assert_int_equal(count_lit(lits, n, want), 1);
        assert_int_equal(count_lit(lits, n, hostile[i]), 2); /* active and user remove */
        free_lits(blits, bn);
        free_lits(lits, n);
        free(base);
        free(skel);

        /* kick: the user and the MAC */
        snprintf(b.user, sizeof b.user, "benign9");
        snprintf(b.mac, sizeof b.mac, "benign9");
        snprintf(s.user, sizeof s.user, "%s", hostile[i]);
        snprintf(s.mac, sizeof s.mac, "%s", hostile[i][0] ? hostile[i] : "x");
        assert_int_equal(driver_routeros.kick(&c, &b, &e), 0);
        base = last_ros(&blits, &bn);
        if (driver_routeros.kick(&c, &s, &e) < 0 && !strchr(hostile[i], '\r'))
            fail_msg("kick [%s]: %s", hostile[i], e.msg);
        skel = last_ros(&lits, &n);
        assert_string_equal(skel, base);
        assert_int_equal(count_lit(lits, n, want), 1);
        free_lits(blits, bn);
        free_lits(lits, n);
        free(base);
        free(skel);

        /* sessions and poll: the hotspot server */
        {
            struct rt_session *ss = NULL;
            struct rt_health h;
            struct werr se = {0};
            size_t k;

            c.hotspot_server = "benign9";
            assert_int_equal(driver_routeros.list_sessions(&c, &ss, &k, &e), 0);
            free(ss);
            base = last_ros(&blits, &bn);
            c.hotspot_server = hostile[i][0] ? hostile[i] : "x";
            if (driver_routeros.list_sessions(&c, &ss, &k, &e) < 0)
                fail_msg("sessions on [%s]: %s", hostile[i], e.msg);
            free(ss);
            skel = last_ros(&lits, &n);
            assert_string_equal(skel, base);
            assert_int_equal(count_lit(lits, n, c.hotspot_server), 1);
            free_lits(lits, n);
            free(skel);
            if (driver_routeros.poll(&c, &h, &ss, &k, &e, &se) != 0)
                fail_msg("poll on [%s]: %s %s", hostile[i], e.msg, se.msg);
            free(ss);
            skel = last_ros(&lits, &n);
            assert_int_equal(count_lit(lits, n, c.hotspot_server), 1);
            free_lits(lits, n);
            free(skel);
            free_lits(blits, bn);
            free(base);
            c.hotspot_server = NULL;
        }
    }
    sent_clear();
    sb_free(&c.out);
}

/* --- every openNDS builder --------------------------------------------- */

static void
test_nds_builders(void **state)
{
    struct rconn c = {0};
    struct werr e = {0};
    struct rt_user u[NHOSTILE];
    char *errs[NHOSTILE];
    const char *names[NHOSTILE + 1];
    size_t m = 0;

    (void)state;
    c.transport = nds_transport;
    /* push: codes the voucher theme would not take never reach the router */
    for (size_t i = 0; i < NHOSTILE; i++)
        user_with(&u[i], F_NAME, hostile[i]);
    sent_clear();
    assert_int_equal(driver_opennds.push_users(&c, u, NHOSTILE, errs, &e), 0);
    assert_int_equal(sent.n, 0);
    for (size_t i = 0; i < NHOSTILE; i++) {
        assert_non_null(errs[i]);
        free(errs[i]);
    }

    /* remove: only theme codes, each one sh word */
    for (size_t i = 0; i < NHOSTILE; i++)
        names[m++] = hostile[i];
    names[m++] = "AB12-cd34";
    nds_answer = "wisp-ok AB12-cd34\n";
    assert_int_equal(driver_opennds.remove_users(&c, names, m, &e), 0);
    assert_int_equal(sent.n, 1);
    {
        struct sbuf skel = {0};
        char **w;
        size_t n;
        const char *why = NULL;

        if (sh_split(sent.cmd[0], &skel, &w, &n, &why) < 0)
            fail_msg("%s: %s", why, sent.cmd[0]);
        assert_int_equal(n, 1);
        assert_string_equal(w[0], "AB12-cd34");
        assert_non_null(strstr(skel.buf, "for c in ''; do"));
        free_lits(w, n);
        sb_free(&skel);
    }

    /* kick: a bad MAC is refused before anything is sent; a good one in
     * any spelling goes as one word, the way openNDS prints MACs */
    sent_clear();
    for (size_t i = 0; i < NHOSTILE; i++) {
        struct rt_session s = {0};

        snprintf(s.mac, sizeof s.mac, "%s", hostile[i]);
        assert_int_equal(driver_opennds.kick(&c, &s, &e), -1);
        assert_null(strchr(e.msg, '\n'));
        assert_null(strchr(e.msg, '\x1b'));
    }
    assert_int_equal(sent.n, 0);
    {
        struct rt_session s = {0};

        snprintf(s.mac, sizeof s.mac, "AA-BB-CC-00-11-22");
        nds_answer = "Client aa:bb:cc:00:11:22 deauthenticated.\n";
        assert_int_equal(driver_opennds.kick(&c, &s, &e), 0);
        assert_int_equal(sent.n, 1);
        assert_string_equal(sent.cmd[0], "ndsctl deauth 'aa:bb:cc:00:11:22'");
    }
    nds_answer = NULL;
    sent_clear();
    sb_free(&c.out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ros_quote),         cmocka_unit_test(test_sh_quote),
        cmocka_unit_test(test_safe_word_and_mac), cmocka_unit_test(test_ros_push),
        cmocka_unit_test(test_ros_push_chunk),    cmocka_unit_test(test_ros_remove_kick_sessions),
        cmocka_unit_test(test_nds_builders),      cmocka_unit_test(test_ros_radius_access),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
