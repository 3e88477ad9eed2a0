/*
 * test_template.c - template files parsed into layouts (src/template.c):
 * the shipped default is the built-in layout on A4 and Letter, the other
 * shipped files parse into what they say, every kind of bad file gets
 * "FILE: line N: key \"K\"", an own template in XDG_CONFIG_HOME wins over
 * a shipped one, and the built-in sheet is the one wisp printed before
 * templates (word boxes from pdftotext -bbox, kept in tests/unit/data).
 * Run from the tree's top (tests/run.sh does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "wisp/render.h"
#include "wisp/sheet.h"
#include "wisp/template.h"
#include "wisp/util.h"

static void
assert_near(double a, double b)
{
    if (a - b > 1e-6 || b - a > 1e-6)
        fail_msg("%.9f != %.9f", a, b);
}

static void
assert_same_layout(const struct render_layout *a, const struct render_layout *b)
{
    assert_near(a->page_w, b->page_w);
    assert_near(a->page_h, b->page_h);
    assert_near(a->margin_x, b->margin_x);
    assert_near(a->margin_y, b->margin_y);
    assert_near(a->card_w, b->card_w);
    assert_near(a->card_h, b->card_h);
    assert_int_equal(a->columns, b->columns);
    assert_int_equal(a->rows, b->rows);
    assert_string_equal(a->font, b->font);
    assert_string_equal(a->mono_font, b->mono_font);
    assert_int_equal(a->cut_lines, b->cut_lines);
    assert_int_equal(a->dir, b->dir);
    assert_int_equal(a->nboxes, b->nboxes);
    for (int i = 0; i < a->nboxes; i++) {
        const struct render_box *x = &a->boxes[i], *y = &b->boxes[i];

        assert_int_equal(x->item, y->item);
        assert_near(x->x, y->x);
        assert_near(x->y, y->y);
        assert_near(x->w, y->w);
        if (x->item != RI_QR)
            assert_near(x->size, y->size);
        assert_int_equal(x->bold, y->bold);
        assert_int_equal(x->mono, y->mono);
        assert_int_equal(x->fit, y->fit);
        assert_int_equal(x->lines > 1 ? x->lines : 1, y->lines > 1 ? y->lines : 1);
        assert_int_equal(x->align, y->align);
        assert_int_equal(x->color, y->color);
        assert_true(str_eq(x->label, y->label));
        assert_true(str_eq(x->label2, y->label2));
    }
}

/* templates/default.json is the built-in layout, on both papers. */
static void
test_default_is_builtin(void **state)
{
    enum sheet_paper papers[] = {PAPER_A4, PAPER_LETTER};

    (void)state;
    for (int i = 0; i < 2; i++) {
        struct render_layout built;
        struct template t;
        struct werr e = {0};

        render_layout_default(&built, papers[i], 0);
        if (template_load_file(&t, "templates/default.json", papers[i], 0, &e) < 0)
            fail_msg("%s", e.msg);
        assert_int_equal(t.kind, TEMPLATE_CARD);
        assert_same_layout(&t.layout, &built);
        template_free(&t);
    }
}

static void
test_shipped(void **state)
{
    struct template t;
    struct werr e = {0};
    const struct render_box *logo = NULL, *free_box = NULL, *plan = NULL;

    (void)state;
    if (template_load_file(&t, "templates/large.json", PAPER_A4, 0, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(t.layout.columns, 2);
    assert_int_equal(t.layout.rows, 4);
    assert_near(t.layout.card_h, 196);
    for (int i = 0; i < t.layout.nboxes; i++) {
        const struct render_box *b = &t.layout.boxes[i];

        logo = b->item == RI_LOGO ? b : logo;
        free_box = b->item == RI_FREE ? b : free_box;
        plan = b->item == RI_PLAN ? b : plan;
    }
    assert_non_null(logo);
    assert_string_equal(logo->file, "templates/logo.png"); /* beside the template */
    assert_near(logo->w, 40);
    assert_near(logo->h, 40);
    assert_non_null(free_box);
    assert_string_equal(t.layout.free_line, "WiFi: wisp-hotspot");
    assert_int_equal(free_box->color, 0x555555);
    assert_int_equal(plan->color, 0x1a4d8f);
    assert_near(plan->w, t.layout.card_w - 8 - 136); /* "right": 8 */
    template_free(&t);

    /* a ticket: as wide as the roll's dots, boxes in order of y */
    if (template_load_file(&t, "templates/ticket.json", PAPER_58MM, 0, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(t.kind, TEMPLATE_TICKET);
    assert_near(t.layout.card_w, 384 * 72 / 203.0);
    assert_int_equal(t.layout.boxes[0].item, RI_LOGO); /* the logo on top, as a raster */
    assert_string_equal(t.layout.boxes[0].file, "templates/logo.png");
    assert_near(t.layout.boxes[0].w, t.layout.card_w);
    assert_near(t.layout.boxes[0].h, 48);
    assert_int_equal(t.layout.boxes[1].item, RI_SHOP);
    assert_int_equal(t.layout.boxes[1].align, RA_CENTRE);
    assert_true(t.layout.boxes[1].bold);
    for (int i = 1; i < t.layout.nboxes; i++)
        assert_true(t.layout.boxes[i].y > t.layout.boxes[i - 1].y);
    template_free(&t);
    if (template_load_file(&t, "templates/ticket.json", PAPER_80MM, 0, &e) < 0)
        fail_msg("%s", e.msg);
    assert_near(t.layout.card_w, 576 * 72 / 203.0);
    template_free(&t);
}

/* A file of the given text in dir; returns its path (static). */
static const char *
write_file(const char *dir, const char *name, const char *text)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void
test_parse_keys(void **state)
{
    const char *text = "{\"kind\": \"card\", \"columns\": 4, \"card_height\": 130,\n"
                       " \"direction\": \"rtl\", \"margin_x\": 20, \"rows\": 5,\n"
                       " \"free_line\": \"0722 000 000\", \"font\": \"Noto Sans Arabic\",\n"
                       " \"boxes\": [\n"
                       "  {\"item\": \"qr\", \"x\": \"50%\", \"y\": 10, \"w\": \"40% - 4\"},\n"
                       "  {\"item\": \"code\", \"x\": 2, \"y\": \"10% + 2\", \"w\": 60,\n"
                       "   \"size\": 11, \"bold\": true, \"mono\": true, \"align\": \"end\",\n"
                       "   \"color\": \"#FF0000\", \"label\": \"رمز \"},\n"
                       "  {\"item\": \"free\", \"x\": 0, \"y\": 80, \"text\": \"SSID: star\"}\n"
                       " ]}\n";
    struct template t;
    struct werr e = {0};
    const struct render_box *b;

    (void)state;
    if (template_parse(&t, text, strlen(text), "t.json", PAPER_LETTER, 0, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(t.layout.columns, 4);
    assert_int_equal(t.layout.rows, 5);
    assert_int_equal(t.layout.dir, RD_RTL);
    assert_near(t.layout.card_w, (612 - 40) / 4.0);
    assert_string_equal(t.layout.font, "Noto Sans Arabic");
    b = &t.layout.boxes[0];
    assert_near(b->x, t.layout.card_w / 2);
    assert_near(b->w, t.layout.card_w * 0.4 - 4);
    b = &t.layout.boxes[1];
    assert_near(b->y, 15); /* 10% of 130, + 2 */
    assert_true(b->bold && b->mono);
    assert_int_equal(b->align, RA_END);
    assert_int_equal(b->color, 0xff0000);
    assert_string_equal(b->label, "رمز ");
    b = &t.layout.boxes[2];
    assert_string_equal(b->text, "SSID: star");
    assert_near(b->w, t.layout.card_w); /* no w: to the card's edge */
    template_free(&t);
    /* --columns replaces the count when the card's width follows the page */
    if (template_parse(&t, text, strlen(text), "t.json", PAPER_LETTER, 2, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(t.layout.columns, 2);
    template_free(&t);
}

/* Each bad file, and the start of the error it must give. */
static void
test_bad(void **state)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"{\"kind\": \"card\", \"card_height\": 100,\n \"colour\": 1,\n \"boxes\": []}",
         "line 2: key \"colour\": unknown key"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"qr\", \"w\": 50},\n  {\"item\": \"barcode\"}]}",
         "line 3: key \"boxes[1].item\": expected shop, logo"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"plan\",\n   \"size\": \"big\"}]}",
         "line 3: key \"boxes[0].size\": expected a number"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"plan\", \"x\": 10,\n   \"w\": 500}]}",
         "line 3: key \"boxes[0].w\": the box ends outside the card"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"qr\", \"w\": 50,\n   \"y\": 80}]}",
         "line 3: key \"boxes[0].y\": the box ends below the card"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"price\", \"color\": \"red\"}]}",
         "line 2: key \"boxes[0].color\": expected a colour"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"logo\", \"w\": 20, \"h\": 20,\n   \"file\": \"missing.png\"}]}",
         "line 3: key \"boxes[0].file\": "},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"logo\", \"w\": 20, \"h\": 20, \"file\": \"notpng.png\"}]}",
         "line 2: key \"boxes[0].file\": "},
        {"{\"kind\": \"card\",\n \"direction\": \"up\", \"card_height\": 100, \"boxes\": []}",
         "line 2: key \"direction\": expected auto, ltr or rtl"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"qr\", \"w\": 50, \"bold\": true}]}",
         "line 2: key \"boxes[0].bold\": unknown key for a qr box"},
        {"{\"kind\": \"ticket\", \"boxes\": [{\"item\": \"shop\"}]}",
         "line 1: key \"kind\": a ticket layout prints on 58mm or 80mm"},
        {"{\"kind\": \"card\",\n \"card_height\": 900, \"boxes\": [{\"item\": \"shop\"}]}",
         "line 2: key \"card_height\": expected a number from 20 to 800"},
        {"{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"shop\", \"x\": \"10 percent\"}]}",
         "line 2: key \"boxes[0].x\": expected points"},
        {"{\"kind\": \"card\", \"card_height\": 100,\n \"boxes\": [{\"item\": \"shop\",,}]}",
         "line 2: "}, /* not JSON: jansson's own words */
    };
    char dir[] = "/tmp/wisp-template-XXXXXX";

    (void)state;
    assert_non_null(mkdtemp(dir));
    write_file(dir, "notpng.png", "this is not a PNG\n");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = write_file(dir, "bad.json", cases[i].text);
        char want[600];
        struct template t;
        struct werr e = {0};

        snprintf(want, sizeof want, "%s: %s", path, cases[i].want);
        assert_int_equal(template_load_file(&t, path, PAPER_A4, 0, &e), -1);
        assert_int_equal(e.status, WISP_EUSAGE);
        if (strncmp(e.msg, want, strlen(want)) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s...\"", i, e.msg, want);
        assert_null(strchr(e.msg, '\n'));
    }
    unlink(write_file(dir, "notpng.png", ""));
    unlink(write_file(dir, "bad.json", ""));
    rmdir(dir);
}

/* Every position and length is finite and bounded: by the page on a card,
 * on a ticket across by the roll and down by the longest ticket (2 m); a
 * ticket of 3e9 pt was some 250 million line feeds a voucher, and past
 * 2.6e10 the dot count overflowed an int. */
static void
test_bounds(void **state)
{
    static const struct {
        enum sheet_paper paper;
        const char *text, *want; /* want NULL: accepted */
    } cases[] = {
        {PAPER_58MM,
         "{\"kind\":\"ticket\",\"boxes\":[{\"item\":\"code\",\"x\":0,\"y\":0},"
         "{\"item\":\"plan\",\"x\":0,\"y\":3000000000}]}",
         "line 1: key \"boxes[1].y\": 3e+09 pt is out of range"},
        {PAPER_A4,
         "{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"shop\", \"x\": \"1e308%\"}]}",
         "line 2: key \"boxes[0].x\": inf pt is out of range"},
        {PAPER_80MM,
         "{\"kind\": \"ticket\", \"boxes\": [\n"
         "  {\"item\": \"shop\",\n   \"y\": \"1e308%\"}]}",
         "line 3: key \"boxes[0].y\": inf pt is out of range"},
        {PAPER_80MM,
         "{\"kind\": \"ticket\", \"boxes\": [\n"
         "  {\"item\": \"shop\", \"y\": \"-1e308% - 5\"}]}",
         "line 2: key \"boxes[0].y\": -inf pt is out of range"},
        {PAPER_A4,
         "{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"qr\", \"w\": 1e300}]}",
         "line 2: key \"boxes[0].w\": 1e+300 pt is out of range"},
        {PAPER_A4,
         "{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [\n"
         "  {\"item\": \"plan\", \"x\": 10, \"right\": \"-1e308% + 3\"}]}",
         "line 2: key \"boxes[0].right\": -inf pt is out of range"},
        {PAPER_58MM,
         "{\"kind\": \"ticket\", \"boxes\": [{\"item\": \"code\"},\n"
         "  {\"item\": \"plan\", \"y\": 5660, \"size\": 14}]}",
         "line 2: key \"boxes[1].y\": the box ends past the longest ticket (5669 pt, 2000 mm)"},
        {PAPER_58MM,
         "{\"kind\": \"ticket\", \"boxes\": [{\"item\": \"code\"},\n"
         "  {\"item\": \"plan\", \"y\": 5000}]}",
         NULL}, /* 1.76 m: long, but a ticket */
    };
    char dir[] = "/tmp/wisp-template-XXXXXX";

    (void)state;
    assert_non_null(mkdtemp(dir));
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *path = write_file(dir, "big.json", cases[i].text);
        char want[600];
        struct template t;
        struct werr e = {0};
        int rc = template_load_file(&t, path, cases[i].paper, 0, &e);

        if (cases[i].want == NULL) {
            if (rc < 0)
                fail_msg("case %zu: %s", i, e.msg);
            template_free(&t);
            continue;
        }
        snprintf(want, sizeof want, "%s: %s", path, cases[i].want);
        if (rc != -1)
            fail_msg("case %zu accepted, want \"%s\"", i, want);
        assert_int_equal(e.status, WISP_EUSAGE);
        if (strncmp(e.msg, want, strlen(want)) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s...\"", i, e.msg, want);
        assert_null(strchr(e.msg, '\n'));
    }
    unlink(write_file(dir, "big.json", ""));
    rmdir(dir);
}

/* An own template in $XDG_CONFIG_HOME/wisp/templates wins over a shipped
 * one of the same name; list says which (what it hides: 52_templates,
 * where the binary finds the shipped folder). */
static void
test_own_wins(void **state)
{
    char dir[] = "/tmp/wisp-xdg-XXXXXX", sub[600], *path;
    struct werr e = {0};
    json_t *list, *row;
    size_t i;
    bool seen = false;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/wisp", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/wisp/templates", dir);
    mkdir(sub, 0700);
    write_file(sub, "default.json",
               "{\"kind\": \"card\", \"card_height\": 100, \"boxes\": [{\"item\": \"shop\"}]}");
    setenv("XDG_CONFIG_HOME", dir, 1);
    path = template_find("default", &e);
    assert_non_null(path);
    assert_string_equal(path, write_file(sub, "default.json",
                                         "{\"kind\": \"card\", \"card_height\": 100, "
                                         "\"boxes\": [{\"item\": \"shop\"}]}"));
    free(path);
    list = template_list();
    json_array_foreach(list, i, row)
    {
        if (!str_eq(json_string_value(json_object_get(row, "name")), "default"))
            continue;
        seen = true;
        assert_true(json_is_true(json_object_get(row, "own")));
        assert_string_equal(json_string_value(json_object_get(row, "kind")), "card");
    }
    assert_true(seen);
    json_decref(list);
    assert_null(template_find("no-such-template", &e));
    assert_int_equal(e.status, WISP_EUSAGE);
    assert_null(template_find("../etc/passwd", &e));
    unsetenv("XDG_CONFIG_HOME");
    unlink(write_file(sub, "default.json", ""));
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/wisp", dir);
    rmdir(sub);
    rmdir(dir);
}

/* The word boxes pdftotext -bbox reads from a sheet of four cards drawn
 * with layout l (NULL: the built-in one), one per line. */
static char *
sheet_words(enum sheet_paper paper, const struct render_layout *l)
{
    static const struct sheet_card cards[] = {
        {"abcd2345", NULL, "Hour", "1.50", "1h, valid 30d", "1-0001", "http://h/l?u=abcd2345"},
        {"efgh6789", "pw9pw9", "Day pass", "3.00", "1d, 5G", "1-0002",
         "http://h/l?u=efgh6789&p=pw9pw9"},
        {"jkmn2345", NULL, "Week", "10.00", "", "1-0003", "http://h/l?u=jkmn2345"},
        {"pqrs2345", NULL, "Hour", "1.50", "1h, valid 30d", "1-0004", "http://h/l?u=pqrs2345"},
    };
    struct sheet_opts o = {.format = SHEET_PDF,
                           .paper = paper,
                           .shop_name = "Star Cafe",
                           .currency = "KES",
                           .ecc = 'M',
                           .layout = l};
    char path[] = "/tmp/wisp-sheet-XXXXXX", cmd[128], line[512];
    struct werr e = {0};
    struct sbuf words = {0};
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w"), *p;

    assert_non_null(f);
    assert_int_equal(sheet_write(f, &o, cards, 4, &e), 0);
    fclose(f);
    snprintf(cmd, sizeof cmd, "pdftotext -bbox %s -", path);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof line, p)) {
        const char *w = strstr(line, "<word ");

        if (w)
            sb_add(&words, w);
    }
    pclose(p);
    unlink(path);
    return sb_steal(&words);
}

static char *
read_all(const char *path)
{
    FILE *f = fopen(path, "r");
    struct sbuf sb = {0};
    char buf[512];

    assert_non_null(f);
    while (fgets(buf, sizeof buf, f))
        sb_add(&sb, buf);
    fclose(f);
    return sb_steal(&sb);
}

/* The built-in sheet is the one from before templates, word for word and
 * point for point; the default template draws the same words. */
static void
test_default_sheet_unchanged(void **state)
{
    static const struct {
        enum sheet_paper paper;
        const char *ref;
    } papers[] = {{PAPER_A4, "tests/unit/data/default_sheet_a4.words"},
                  {PAPER_LETTER, "tests/unit/data/default_sheet_letter.words"}};

    (void)state;
    for (int i = 0; i < 2; i++) {
        char *want = read_all(papers[i].ref), *built = sheet_words(papers[i].paper, NULL), *tw;
        struct template t;
        struct werr e = {0};

        assert_string_equal(built, want);
        if (template_load_file(&t, "templates/default.json", papers[i].paper, 0, &e) < 0)
            fail_msg("%s", e.msg);
        tw = sheet_words(papers[i].paper, &t.layout);
        assert_string_equal(tw, want);
        template_free(&t);
        free(want), free(built), free(tw);
    }
}

/* xMin and xMax of the first word w in pdftotext -bbox lines. */
static void
word_x(const char *words, const char *w, double *xmin, double *xmax)
{
    char tail[80];
    const char *at;

    snprintf(tail, sizeof tail, "\">%s</word>", w);
    at = strstr(words, tail);
    assert_non_null(at);
    while (at > words && at[-1] != '\n')
        at--;
    assert_int_equal(sscanf(at, "<word xMin=\"%lf\" yMin=\"%*f\" xMax=\"%lf\"", xmin, xmax), 2);
}

/* direction: start is the left edge of a box, or with rtl its right edge;
 * a fit box (the code) goes the same way. */
static void
test_direction(void **state)
{
    static const char *const dirs[] = {"ltr", "rtl"};

    (void)state;
    for (int i = 0; i < 2; i++) {
        char text[600];
        struct template t;
        struct werr e = {0};
        double x0, x1, c0, c1;
        char *words;

        snprintf(text, sizeof text,
                 "{\"card_height\": 100, \"direction\": \"%s\", \"boxes\": [\n"
                 " {\"item\": \"shop\", \"x\": 10, \"y\": 5, \"w\": 150, \"size\": 10},\n"
                 " {\"item\": \"code\", \"x\": 10, \"y\": 30, \"w\": 150, \"size\": 10,"
                 " \"fit\": true, \"label\": \"Code \"}]}",
                 dirs[i]);
        if (template_parse(&t, text, strlen(text), "dir.json", PAPER_A4, 0, &e) < 0)
            fail_msg("%s", e.msg);
        words = sheet_words(PAPER_A4, &t.layout);
        word_x(words, "Star", &x0, &x1);
        word_x(words, "abcd2345", &c0, &c1);
        if (i == 0) { /* the card's left edge is at the margin, 28 */
            assert_true(x0 > 28 + 10 - 1 && x0 < 28 + 10 + 2);
            assert_true(c1 < 28 + 10 + 150 - 20);
        } else { /* "Star Cafe": Cafe ends at the box's right edge, 188 */
            word_x(words, "Cafe", &x0, &x1);
            assert_true(x1 > 28 + 160 - 3 && x1 < 28 + 160 + 1);
            assert_true(c1 > 28 + 160 - 3 && c1 < 28 + 160 + 1);
        }
        free(words);
        template_free(&t);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_is_builtin), cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_parse_keys),         cmocka_unit_test(test_bad),
        cmocka_unit_test(test_own_wins),           cmocka_unit_test(test_default_sheet_unchanged),
        cmocka_unit_test(test_direction),          cmocka_unit_test(test_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
