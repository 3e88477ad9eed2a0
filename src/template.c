/*
 * template.c - card and ticket layouts from JSON files (see
 * include/wisp/template.h and docs/templates.md).
 *
 * jansson parses the file; it keeps no line numbers, so when a value is
 * wrong the line is found again by walking the text to that key (locate()):
 * a scan that only skips values, run once on the way to an error.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wisp/i18n.h"
#include "wisp/datadir.h"
#include "wisp/template.h"
#include "wisp/util.h"

#define SANS       "Noto Sans, DejaVu Sans, sans-serif" /* as render.c's built-in layout */
#define MONO       "DejaVu Sans Mono, Noto Sans Mono, monospace"
#define TICKET_DPI 203.0 /* thermal printers: 384 dots on 58 mm, 576 on 80 mm */

static const char *const item_names[] = {
    [RI_SHOP] = "shop",         [RI_PLAN] = "plan", [RI_PRICE] = "price",
    [RI_VALIDITY] = "validity", [RI_CODE] = "code", [RI_PASSWORD] = "password",
    [RI_SERIAL] = "serial",     [RI_FREE] = "free", [RI_QR] = "qr",
    [RI_LOGO] = "logo",
};

bool
template_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;

    return len > 0 && len < 64 &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == len;
}

/* ---- where a key is ----------------------------------------------------- */

struct scan {
    const char *p, *end;
    int line;
};

static void
skip_ws(struct scan *s)
{
    while (s->p < s->end && isspace((unsigned char)*s->p)) {
        if (*s->p == '\n')
            s->line++;
        s->p++;
    }
}

/* Past a string at s->p (its opening quote); its body in *body, *blen. */
static void
skip_string(struct scan *s, const char **body, size_t *blen)
{
    const char *start = ++s->p;

    while (s->p < s->end && *s->p != '"') {
        if (*s->p == '\\' && s->p + 1 < s->end)
            s->p++;
        s->p++;
    }
    if (body) {
        *body = start;
        *blen = (size_t)(s->p - start);
    }
    if (s->p < s->end)
        s->p++;
}

static void
skip_value(struct scan *s)
{
    int depth = 0;

    skip_ws(s);
    do {
        if (s->p >= s->end)
            return;
        if (*s->p == '"') {
            skip_string(s, NULL, NULL);
        } else if (*s->p == '{' || *s->p == '[') {
            depth++;
            s->p++;
        } else if (*s->p == '}' || *s->p == ']') {
            depth--;
            s->p++;
        } else if (depth == 0) {
            while (s->p < s->end && !strchr(",}] \t\r\n", *s->p))
                s->p++;
        } else {
            if (*s->p == '\n')
                s->line++;
            s->p++;
        }
    } while (depth > 0);
}

/* In the object at s->p, move to key's value; false if it has none. */
static bool
enter_key(struct scan *s, const char *key)
{
    skip_ws(s);
    if (s->p >= s->end || *s->p != '{')
        return false;
    s->p++;
    for (;;) {
        const char *body;
        size_t blen;

        skip_ws(s);
        if (s->p >= s->end || *s->p != '"')
            return false;
        skip_string(s, &body, &blen);
        skip_ws(s);
        if (s->p < s->end && *s->p == ':')
            s->p++;
        if (blen == strlen(key) && memcmp(body, key, blen) == 0) {
            skip_ws(s);
            return true;
        }
        skip_value(s);
        skip_ws(s);
        if (s->p >= s->end || *s->p != ',')
            return false;
        s->p++;
    }
}

/* In the array at s->p, move to element i. */
static bool
enter_index(struct scan *s, int i)
{
    skip_ws(s);
    if (s->p >= s->end || *s->p != '[')
        return false;
    s->p++;
    for (int k = 0; k < i; k++) {
        skip_value(s);
        skip_ws(s);
        if (s->p >= s->end || *s->p != ',')
            return false;
        s->p++;
    }
    skip_ws(s);
    return true;
}

/* The line of top-level key k1 (box < 0), of box number box (k2 NULL) or
 * of key k2 in it; as far as the walk gets. */
static int
locate(const char *text, size_t len, const char *k1, int box, const char *k2)
{
    struct scan s = {text, text + len, 1};

    if (!enter_key(&s, k1) || box < 0 || !enter_index(&s, box))
        return s.line;
    if (k2) {
        struct scan at = s;

        if (enter_key(&s, k2))
            return s.line;
        return at.line;
    }
    return s.line;
}

/* ---- parsing ------------------------------------------------------------- */

struct parse {
    struct template *t;
    const char *text, *path;
    size_t len;
    int box; /* the box being read, -1 for the top level */
    struct werr *e;
    /* the largest a position or length may be across and down: the page's
     * (a ticket: its width, and the longest ticket down) */
    double max_x, max_y;
};

/* The one-line error for key (in the current box, if any). */
static int __attribute__((format(printf, 3, 4)))
bad(struct parse *p, const char *key, const char *fmt, ...)
{
    char msg[256], name[96];
    va_list ap;
    int line = p->box < 0 ? locate(p->text, p->len, key, -1, NULL)
                          : locate(p->text, p->len, "boxes", p->box, key);

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (p->box < 0)
        snprintf(name, sizeof name, "%s", key);
    else if (key)
        snprintf(name, sizeof name, "boxes[%d].%s", p->box, key);
    else
        snprintf(name, sizeof name, "boxes[%d]", p->box);
    return werr_set(p->e, WISP_EUSAGE, _("%s: line %d: key \"%s\": %s"), p->path, line, name, msg);
}

static const char *
keep(struct template *t, const char *s)
{
    char *copy = xstrdup(s);

    if (t->nstrings < TEMPLATE_MAX_STRINGS)
        t->strings[t->nstrings++] = copy;
    return copy;
}

static int
get_string(struct parse *p, const char *key, json_t *v, size_t max, const char **out)
{
    if (!json_is_string(v) || json_string_length(v) > max || str_has_ctrl(json_string_value(v)))
        return bad(p, key, _("expected one line of text of at most %zu bytes"), max);
    *out = keep(p->t, json_string_value(v));
    return 0;
}

static int
get_bool(struct parse *p, const char *key, json_t *v, bool *out)
{
    if (!json_is_boolean(v))
        return bad(p, key, _("expected true or false"));
    *out = json_is_true(v);
    return 0;
}

static int
get_number(struct parse *p, const char *key, json_t *v, double min, double max, double *out)
{
    if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max)
        return bad(p, key, _("expected a number from %g to %g"), min, max);
    *out = json_number_value(v);
    return 0;
}

/* A position or length on the card: points, or "P%" of whole (the card's
 * width or height) with an optional "+ N" or "- N" points; finite and at
 * most limit either way ("1e308%" is inf, 3e9 a ticket of line feeds). */
static int
get_measure(struct parse *p, const char *key, json_t *v, double whole, double limit, double *out)
{
    const char *s, *end;
    char *q;
    double pct, add = 0;

    if (json_is_number(v)) {
        *out = json_number_value(v);
        goto range;
    }
    if (!json_is_string(v))
        goto fail;
    s = json_string_value(v);
    pct = strtod(s, &q);
    if (q == s || *q != '%' || !isfinite(pct))
        goto fail;
    end = q + 1;
    while (*end == ' ')
        end++;
    if (*end == '+' || *end == '-') {
        int sign = *end == '-' ? -1 : 1;

        end++;
        while (*end == ' ')
            end++;
        add = strtod(end, &q);
        if (q == end || !isfinite(add))
            goto fail;
        add *= sign;
        end = q;
    }
    if (*end != '\0')
        goto fail;
    *out = whole * pct / 100 + add;
range:
    if (!(fabs(*out) <= limit)) /* NaN too */
        return bad(p, key, _("%g pt is out of range (at most %.0f pt either way)"), *out, limit);
    return 0;
fail:
    return bad(p, key, _("expected points (12.5) or a share of the card (\"55%%\", \"50%% + 7\")"));
}

static int
get_enum(struct parse *p, const char *key, json_t *v, const char *const *names, int n,
         const char *expected, int *out)
{
    for (int i = 0; json_is_string(v) && i < n; i++)
        if (names[i] && str_eq(json_string_value(v), names[i])) {
            *out = i;
            return 0;
        }
    return bad(p, key, _("expected %s"), expected);
}

static int
get_color(struct parse *p, const char *key, json_t *v, unsigned *out)
{
    const char *s = json_is_string(v) ? json_string_value(v) : "";

    if (s[0] != '#' || strlen(s) != 7 || strspn(s + 1, "0123456789abcdefABCDEF") != 6)
        return bad(p, key, _("expected a colour as #rrggbb"));
    *out = (unsigned)strtoul(s + 1, NULL, 16);
    return 0;
}

/* A path relative to the template file's folder, or absolute. */
static char *
beside(const char *template_path, const char *file)
{
    const char *slash = strrchr(template_path, '/');

    if (file[0] == '/' || slash == NULL)
        return xstrdup(file);
    return xasprintf("%.*s/%s", (int)(slash - template_path), template_path, file);
}

static int
parse_box(struct parse *p, json_t *obj, struct render_box *b)
{
    struct render_layout *l = &p->t->layout;
    static const char *const aligns[] = {"start", "centre", "end", "center", "left", "right"};
    json_t *v = json_object_get(obj, "item"), *w = NULL, *right = NULL;
    const char *key;
    int item = 0, al = 0;

    if (!json_is_object(obj))
        return bad(p, NULL, _("expected an object with item, x, y, ..."));
    if (v == NULL)
        return bad(p, "item", _("every box needs an item"));
    if (get_enum(p, "item", v, item_names, (int)(sizeof item_names / sizeof *item_names),
                 _("shop, logo, plan, price, validity, code, password, serial, qr or free"),
                 &item) < 0)
        return -1;
    memset(b, 0, sizeof *b);
    b->item = (enum render_item)item;
    b->size = 8;
    json_object_foreach(obj, key, v)
    {
        int rc = 0;

        if (str_eq(key, "item"))
            continue;
        if (str_eq(key, "x"))
            rc = get_measure(p, key, v, l->card_w, p->max_x, &b->x);
        else if (str_eq(key, "y"))
            rc = get_measure(p, key, v, l->card_h, p->max_y, &b->y);
        else if (str_eq(key, "w"))
            w = v;
        else if (str_eq(key, "right"))
            right = v;
        else if (str_eq(key, "h") && b->item == RI_LOGO)
            rc = get_measure(p, key, v, l->card_h, p->max_y, &b->h);
        else if (str_eq(key, "size") && b->item != RI_QR && b->item != RI_LOGO)
            rc = get_number(p, key, v, 2, 72, &b->size);
        else if (str_eq(key, "bold") && b->item != RI_QR && b->item != RI_LOGO)
            rc = get_bool(p, key, v, &b->bold);
        else if (str_eq(key, "mono") && b->item != RI_QR && b->item != RI_LOGO)
            rc = get_bool(p, key, v, &b->mono);
        else if (str_eq(key, "fit") && b->item != RI_QR && b->item != RI_LOGO)
            rc = get_bool(p, key, v, &b->fit);
        else if (str_eq(key, "lines") && b->item != RI_QR && b->item != RI_LOGO) {
            double n = 0;

            rc = get_number(p, key, v, 1, 10, &n);
            if (rc == 0 && n != floor(n))
                rc = bad(p, key, _("expected a whole number from 1 to 10"));
            b->lines = (int)n;
        } else if (str_eq(key, "align") && b->item != RI_QR) {
            rc = get_enum(p, key, v, aligns, 6, _("start, centre or end"), &al);
            b->align = al == 3 ? RA_CENTRE : al == 4 ? RA_START : al == 5 ? RA_END : al;
        } else if (str_eq(key, "color") && b->item != RI_QR && b->item != RI_LOGO)
            rc = get_color(p, key, v, &b->color);
        else if ((str_eq(key, "label") || str_eq(key, "label2")) &&
                 (b->item == RI_CODE || b->item == RI_PASSWORD || b->item == RI_SERIAL))
            rc = get_string(p, key, v, 64, key[5] ? &b->label2 : &b->label);
        else if (str_eq(key, "text") && b->item == RI_FREE)
            rc = get_string(p, key, v, 200, &b->text);
        else if (str_eq(key, "file") && b->item == RI_LOGO) {
            const char *file;
            char *full;
            struct werr pe = {0};

            if ((rc = get_string(p, key, v, PATH_MAX - 1, &file)) < 0)
                break;
            full = beside(p->path, file);
            b->file = keep(p->t, full);
            free(full);
            if (render_png_check(b->file, &pe) < 0)
                rc = bad(p, key, "%s", pe.msg);
        } else
            rc = bad(p, key, _("unknown key for a %s box"), item_names[b->item]);
        if (rc < 0)
            return -1;
    }
    if (w && right)
        return bad(p, "right", _("give w or right, not both"));
    if (w && get_measure(p, "w", w, l->card_w, p->max_x, &b->w) < 0)
        return -1;
    if (right) {
        double r;

        if (get_measure(p, "right", right, l->card_w, p->max_x, &r) < 0)
            return -1;
        b->w = l->card_w - r - b->x;
    }
    if (!w && !right) {
        if (b->item == RI_QR || b->item == RI_LOGO)
            return bad(p, NULL, _("a %s box needs w"), item_names[b->item]);
        b->w = l->card_w - b->x; /* text runs to the card's edge */
    }
    if (b->item == RI_LOGO && (b->file == NULL || b->h <= 0))
        return bad(p, b->file ? "h" : "file", _("a logo box needs file, w and h"));
    return 0;
}

/* A box inside the card (a ticket: inside the roll's width). */
static int
check_box(struct parse *p, const struct render_box *b, bool ticket)
{
    const struct render_layout *l = &p->t->layout;
    double h = b->item == RI_QR     ? b->w
               : b->item == RI_LOGO ? b->h
                                    : b->size * (b->lines > 1 ? b->lines : 1);
    const double slack = 0.01;

    /* written so that NaN fails too */
    if (!(b->x >= 0))
        return bad(p, "x", _("the box starts left of the card"));
    if (!(b->y >= 0))
        return bad(p, "y", _("the box starts above the card"));
    if (!(b->w > 0 && b->x + b->w <= l->card_w + slack))
        return bad(p, "w", _("the box ends outside the card (%.1f pt wide)"), l->card_w);
    if (ticket && !(b->y + h <= RENDER_TICKET_MAX_LEN))
        return bad(p, "y", _("the box ends past the longest ticket (%.0f pt, %d mm)"),
                   RENDER_TICKET_MAX_LEN, RENDER_TICKET_MAX_MM);
    if (!ticket && !(b->y + h <= l->card_h + slack))
        return bad(p, "y", _("the box ends below the card (%.1f pt high)"), l->card_h);
    return 0;
}

static void
paper_points(enum sheet_paper paper, double *w, double *h)
{
    *w = paper == PAPER_LETTER ? 612
         : paper == PAPER_58MM ? 384 * 72 / TICKET_DPI
         : paper == PAPER_80MM ? 576 * 72 / TICKET_DPI
                               : 595;
    *h = paper == PAPER_LETTER ? 792 : 842;
}

/* The page and the grid, before the boxes (whose "%" need the card). */
static int
parse_page(struct parse *p, json_t *root, enum sheet_paper paper, int columns)
{
    static const char *const kinds[] = {"card", "ticket"};
    static const char *const dirs[] = {"auto", "ltr", "rtl"};
    struct render_layout *l = &p->t->layout;
    bool ticket = paper == PAPER_58MM || paper == PAPER_80MM;
    double cw = 0, ch = 0, rows = 0, cols = 3, n;
    const char *key;
    json_t *v;
    int k = 0;

    paper_points(paper, &l->page_w, &l->page_h);
    l->font = SANS;
    l->mono_font = MONO;
    l->margin_x = l->margin_y = 28;
    json_object_foreach(root, key, v)
    {
        int rc = 0;

        if (str_eq(key, "name") || str_eq(key, "description")) {
            const char *ignored;

            rc = get_string(p, key, v, 200, &ignored);
        } else if (str_eq(key, "kind")) {
            if ((rc = get_enum(p, key, v, kinds, 2, _("card or ticket"), &k)) == 0)
                p->t->kind = (enum template_kind)k;
        } else if (str_eq(key, "direction")) {
            if ((rc = get_enum(p, key, v, dirs, 3, _("auto, ltr or rtl"), &k)) == 0)
                l->dir = (enum render_dir)k;
        } else if (str_eq(key, "columns")) {
            rc = get_number(p, key, v, 1, 8, &cols);
            if (rc == 0 && cols != floor(cols))
                rc = bad(p, key, _("expected a whole number from 1 to 8"));
        } else if (str_eq(key, "rows")) {
            rc = get_number(p, key, v, 1, 50, &rows);
            if (rc == 0 && rows != floor(rows))
                rc = bad(p, key, _("expected a whole number from 1 to 50"));
        } else if (str_eq(key, "margin_x"))
            rc = get_number(p, key, v, 0, 200, &l->margin_x);
        else if (str_eq(key, "margin_y"))
            rc = get_number(p, key, v, 0, 200, &l->margin_y);
        else if (str_eq(key, "card_width"))
            rc = get_number(p, key, v, 20, 800, &cw);
        else if (str_eq(key, "card_height"))
            rc = get_number(p, key, v, 20, 800, &ch);
        else if (str_eq(key, "font"))
            rc = get_string(p, key, v, 200, &l->font);
        else if (str_eq(key, "mono_font"))
            rc = get_string(p, key, v, 200, &l->mono_font);
        else if (str_eq(key, "free_line"))
            rc = get_string(p, key, v, 200, &l->free_line);
        else if (str_eq(key, "cut_lines"))
            rc = get_bool(p, key, v, &l->cut_lines);
        else if (!str_eq(key, "boxes"))
            rc = bad(p, key, _("unknown key"));
        if (rc < 0)
            return -1;
    }
    if (p->t->kind == TEMPLATE_TICKET) {
        if (!ticket)
            return bad(p, "kind",
                       _("a ticket layout prints on 58mm or 80mm paper (--format escpos)"));
        /* one column as wide as the printer's dots; a ticket is as long as it needs */
        l->margin_x = l->margin_y = 0;
        l->columns = l->rows = 1;
        l->card_w = l->page_w;
        l->card_h = l->page_h;
        p->max_x = l->page_w;
        p->max_y = RENDER_TICKET_MAX_LEN;
        return 0;
    }
    p->max_x = l->page_w;
    p->max_y = l->page_h;
    if (ticket)
        return bad(p, "kind", _("a card layout prints on A4 or Letter (--format pdf or ps)"));
    if (ch <= 0)
        return bad(p, "card_height", _("a card layout needs card_height"));
    l->columns = columns > 0 && cw == 0 ? columns : (int)cols;
    l->card_w = cw > 0 ? cw : (l->page_w - 2 * l->margin_x) / l->columns;
    l->card_h = ch;
    if (l->columns * l->card_w > l->page_w - 2 * l->margin_x + 0.01)
        return bad(p, cw > 0 ? "card_width" : "margin_x",
                   _("%d cards of %.1f pt do not fit the page"), l->columns, l->card_w);
    n = floor((l->page_h - 2 * l->margin_y) / l->card_h);
    if (rows > n || n < 1)
        return bad(p, rows > 0 ? "rows" : "card_height",
                   _("the page holds %d rows of cards %.1f pt high"), (int)n, l->card_h);
    l->rows = rows > 0 ? (int)rows : (int)n;
    return 0;
}

int
template_parse(struct template *t, const char *text, size_t len, const char *path,
               enum sheet_paper paper, int columns, struct werr *e)
{
    struct parse p = {.t = t, .text = text, .path = path, .len = len, .box = -1, .e = e};
    json_error_t jerr;
    json_t *root, *boxes, *v;
    size_t i;
    int rc = -1;

    memset(t, 0, sizeof *t);
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return werr_set(e, WISP_EUSAGE, "%s: line %d: %s", path, jerr.line, jerr.text);
    if (!json_is_object(root)) {
        werr_set(e, WISP_EUSAGE, _("%s: line 1: expected a JSON object (kind, boxes, ...)"), path);
        goto out;
    }
    if (parse_page(&p, root, paper, columns) < 0)
        goto out;
    boxes = json_object_get(root, "boxes");
    if (!json_is_array(boxes) || json_array_size(boxes) == 0 ||
        json_array_size(boxes) > RENDER_MAX_BOXES) {
        bad(&p, "boxes", _("expected a list of 1 to %d boxes"), RENDER_MAX_BOXES);
        goto out;
    }
    json_array_foreach(boxes, i, v)
    {
        struct render_box *b = &t->layout.boxes[i];

        p.box = (int)i;
        if (parse_box(&p, v, b) < 0 || check_box(&p, b, t->kind == TEMPLATE_TICKET) < 0)
            goto out;
        if (b->item == RI_FREE && b->text && t->layout.free_line == NULL)
            t->layout.free_line = b->text; /* a ticket writer reading free_line finds it too */
        t->layout.nboxes++;
    }
    rc = 0;
out:
    json_decref(root);
    if (rc < 0)
        template_free(t);
    return rc;
}

int
template_load_file(struct template *t, const char *path, enum sheet_paper paper, int columns,
                   struct werr *e)
{
    FILE *f = fopen(path, "r");
    struct sbuf sb = {0};
    char buf[4096];
    size_t n;
    int rc;

    memset(t, 0, sizeof *t);
    if (f == NULL)
        return werr_set(e, WISP_EUSAGE, _("%s: cannot read: %s"), path, strerror(errno));
    while ((n = fread(buf, 1, sizeof buf, f)) > 0 && sb.len < 1 << 20)
        sb_addn(&sb, buf, n);
    fclose(f);
    rc = template_parse(t, sb.buf ? sb.buf : "", sb.len, path, paper, columns, e);
    sb_free(&sb);
    return rc;
}

/* ---- where templates are -------------------------------------------------- */

static char *
own_dir(void)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

    return xdg && *xdg     ? xasprintf("%s/wisp/templates", xdg)
           : home && *home ? xasprintf("%s/.config/wisp/templates", home)
                           : NULL;
}

/* The shipped folder: templates/ of the source tree or the installed
 * share/wisp/templates, found from where the binary is (datadir.h). */
static void
shipped_dirs(char *dir, size_t n, const char *dirs[2])
{
    dirs[0] = datadir_find("templates", dir, n);
    dirs[1] = NULL;
}

/* Whether the file at path says "kind": "ticket". */
static bool
ticket_file(const char *path)
{
    json_t *root = json_load_file(path, 0, NULL);
    bool ticket = str_eq(json_string_value(json_object_get(root, "kind")), "ticket");

    json_decref(root);
    return ticket;
}

char *
template_find(const char *name, struct werr *e)
{
    char tree[PATH_MAX + 16], *own = own_dir(), *path;
    const char *dirs[2];

    if (!template_name_ok(name)) {
        free(own);
        werr_set(e, WISP_EUSAGE, _("bad template name \"%s\": expected letters, digits, - and _"),
                 name ? name : "");
        return NULL;
    }
    if (own) {
        path = xasprintf("%s/%s.json", own, name);
        free(own);
        if (access(path, R_OK) == 0)
            return path;
        free(path);
    }
    shipped_dirs(tree, sizeof tree, dirs);
    for (int i = 0; dirs[i]; i++) {
        path = xasprintf("%s/%s.json", dirs[i], name);
        if (access(path, R_OK) == 0)
            return path;
        free(path);
    }
    werr_set(e, WISP_EUSAGE, _("template \"%s\" not found (see `wisp template list`)"), name);
    return NULL;
}

int
template_load(struct template *t, const char *name, enum sheet_paper paper, int columns,
              struct werr *e)
{
    char *path = template_find(name, e);
    int rc;

    memset(t, 0, sizeof *t);
    if (path == NULL)
        return -1;
    rc = template_load_file(t, path, paper, columns, e);
    if (rc == 0)
        snprintf(t->name, sizeof t->name, "%s", name);
    free(path);
    return rc;
}

void
template_free(struct template *t)
{
    for (int i = 0; i < t->nstrings; i++)
        free(t->strings[i]);
    t->nstrings = 0;
}

/* Add dir's templates to list (an object by name), own or shipped. */
static void
list_dir(json_t *list, const char *dir, bool own)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        char name[64], *path;
        json_t *have, *row;
        struct template t;
        struct werr e = {0};

        if (len < 6 || len - 5 >= sizeof name || !str_eq(de->d_name + len - 5, ".json"))
            continue;
        snprintf(name, sizeof name, "%.*s", (int)(len - 5), de->d_name);
        if (!template_name_ok(name))
            continue;
        path = xasprintf("%s/%s", dir, de->d_name);
        have = json_object_get(list, name);
        if (have) { /* an earlier folder won: note what it hides */
            if (json_is_true(json_object_get(have, "own")) &&
                json_is_null(json_object_get(have, "overrides")))
                json_object_set_new(have, "overrides", json_string(path));
            free(path);
            continue;
        }
        row =
            json_pack("{s:s, s:s, s:b, s:n}", "name", name, "file", path, "own", own, "overrides");
        /* a ticket layout is checked on 80 mm paper, a card on A4 */
        if (template_load_file(&t, path, ticket_file(path) ? PAPER_80MM : PAPER_A4, 0, &e) == 0) {
            json_object_set_new(row, "kind",
                                json_string(t.kind == TEMPLATE_TICKET ? "ticket" : "card"));
            template_free(&t);
        } else {
            json_object_set_new(row, "kind", json_null());
            json_object_set_new(row, "error", json_string(e.msg));
        }
        json_object_set_new(list, name, row);
        free(path);
    }
    closedir(d);
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
                  json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

json_t *
template_list(void)
{
    char tree[PATH_MAX + 16], *own = own_dir();
    const char *dirs[2];
    json_t *byname = json_object(), *out = json_array(), *v, **rows;
    const char *key;
    size_t n = 0;

    if (own)
        list_dir(byname, own, true);
    free(own);
    shipped_dirs(tree, sizeof tree, dirs);
    for (int i = 0; dirs[i]; i++)
        list_dir(byname, dirs[i], false);
    rows = xcalloc(json_object_size(byname) + 1, sizeof *rows);
    json_object_foreach(byname, key, v) rows[n++] = v;
    qsort(rows, n, sizeof *rows, by_name);
    for (size_t i = 0; i < n; i++)
        json_array_append(out, rows[i]);
    free(rows);
    json_decref(byname);
    return out;
}

int
template_for_print(struct template *t, const char *name, const char *plan_name, enum sheet_format f,
                   enum sheet_paper paper, int columns, bool *used, struct werr *e)
{
    bool cards = f == SHEET_PDF || f == SHEET_PS, tickets = f == SHEET_ESCPOS;
    const char *use = name && *name ? name : plan_name && *plan_name ? plan_name : NULL;
    char *path;
    bool ticket;
    int rc;

    *used = false;
    memset(t, 0, sizeof *t);
    if (use == NULL)
        return 0;
    if (use == name && !cards && !tickets)
        return werr_set(e, WISP_EUSAGE, _("--template is for pdf, ps and escpos, not %s"),
                        sheet_format_name(f));
    if ((path = template_find(use, e)) == NULL)
        return -1;
    ticket = ticket_file(path);
    if ((ticket && !tickets) || (!ticket && !cards)) {
        free(path);
        if (use != name)
            return 0; /* a plan's template where it does not fit: the built-in layout */
        return werr_set(e, WISP_EUSAGE,
                        ticket ? _("template \"%s\" is a ticket layout: print it with --format "
                                   "escpos --paper 58mm or 80mm")
                               : _("template \"%s\" is a card layout: print it with --format pdf "
                                   "or ps"),
                        use);
    }
    rc = template_load_file(t, path, paper, columns, e);
    free(path);
    if (rc < 0)
        return -1;
    snprintf(t->name, sizeof t->name, "%s", use);
    *used = true;
    return 0;
}
