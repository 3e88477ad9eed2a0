/*
 * pane_vouchers.c - the Vouchers pane: the batches and, below them (or to
 * their right from 140 columns on), the selected batch's vouchers. Only the
 * vouchers on screen are fetched, by serial number (view), so a
 * 100,000-voucher batch scrolls like a 10-voucher one. Enter opens a batch,
 * then a voucher's details with its QR code; n makes a batch, p prints it,
 * $ sells and d disables after asking.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/draw.h"
#include "wisp/i18n.h"
#include "wisp/pane.h"
#include "wisp/qr.h"
#include "wisp/util.h"

#define WIDE_COLS 140 /* the vouchers to the right from here on */

struct vouchers {
    struct pane pane;
    struct listpane batches, vouchers;
    int focus;          /* 0 batches, 1 vouchers */
    int64_t want_batch; /* select this batch when it shows up (a new batch) */
};

/* A plan low on stock stands out. */
static enum theme_element
plan_colour(void *ctx, json_t *b)
{
    struct vouchers *vs = ctx;
    const char *plan = json_string_value(json_object_get(b, "plan"));
    size_t i;
    json_t *p;

    json_array_foreach(vs->pane.con->snap.low_stock, i, p)
    {
        if (str_eq(json_string_value(json_object_get(p, "plan")), plan))
            return TH_WARN;
    }
    return TH_NORMAL;
}

/* A plan's title (any script) where it has one, else its name. */
static const char *
plan_shown(json_t *b)
{
    const char *title = json_string_value(json_object_get(b, "plan_title"));

    return title ? title : json_string_value(json_object_get(b, "plan"));
}

static void
plan_text(void *ctx, json_t *b, char *buf, size_t n)
{
    (void)ctx;
    snprintf(buf, n, "%s", plan_shown(b) ? plan_shown(b) : "-");
}

static void
printed_text(void *ctx, json_t *b, char *buf, size_t n)
{
    (void)ctx;
    listpane_format(json_object_get(b, "printed_at"), LF_TIME, buf, n);
    if (strcmp(buf, "-") == 0)
        snprintf(buf, n, "%s", _("not printed"));
}

static enum theme_element
printed_colour(void *ctx, json_t *b)
{
    json_t *at = json_object_get(b, "printed_at");

    (void)ctx;
    return json_is_string(at) ? TH_NORMAL : TH_DIM;
}

static const struct listpane_state voucher_states[] = {{"active", TH_OK},
                                                       {"sold", TH_WARN},
                                                       {"disabled", TH_BAD},
                                                       {"expired", TH_DIM},
                                                       {NULL, TH_NORMAL}};

static const struct listpane_column batch_cols[] = {
    {{N_("ID"), 5, true, 0}, "id", LF_INT},
    {{N_("PLAN"), 10, false, 0}, "plan", LF_TEXT, .colour = plan_colour, .text = plan_text},
    {{N_("COUNT"), 6, true, 0}, "count", LF_INT},
    {{N_("NEW"), 6, true, 0}, "new", LF_INT},
    {{N_("SOLD"), 6, true, 0}, "sold", LF_INT},
    {{N_("ACTIVE"), 6, true, 3}, "active", LF_INT},
    {{N_("EXPIRED"), 7, true, 4}, "expired", LF_INT},
    {{N_("CREATED"), 16, false, 6}, "created_at", LF_TIME},
    {{N_("BY"), 10, false, 5}, "created_by", LF_TEXT},
    {{N_("PRINTED"), 0, false, 2},
     "printed_at",
     LF_TIME,
     .colour = printed_colour,
     .text = printed_text},
};

static const struct listpane_column voucher_cols[] = {
    {{"#", 6, true, 0}, "serial", LF_INT},
    {{N_("CODE"), 12, false, 0}, "code", LF_TEXT},
    {{N_("STATUS"), 8, false, 0}, "status", LF_TEXT, .states = voucher_states},
    {{N_("PRICE"), 8, true, 1}, "price", LF_TEXT},
    {{N_("SOLD"), 16, false, 2}, "sold_at", LF_TIME},
    {{N_("FIRST USE"), 16, false, 3}, "first_used_at", LF_TIME},
    {{N_("EXPIRES"), 0, false, 0}, "expires_at", LF_TIME},
};

static json_t *
selected_batch(struct vouchers *vs)
{
    return listpane_selected(&vs->batches);
}

/* The voucher at table row `row` if the snapshot's window holds it. */
static json_t *
voucher_at(void *ctx, int row)
{
    struct vouchers *vs = ctx;
    struct feed_snapshot *s = &vs->pane.con->snap;
    json_t *sel = selected_batch(vs);
    int64_t serial = row + 1, first = s->vouchers_first;

    if (sel == NULL || s->vouchers == NULL ||
        s->vouchers_batch != json_integer_value(json_object_get(sel, "id")))
        return NULL;
    if (serial < first || serial >= first + (int64_t)json_array_size(s->vouchers))
        return NULL;
    return json_array_get(s->vouchers, (size_t)(serial - first));
}

/* The vouchers table holds as many rows as the selected batch. */
static void
batch_selected(struct vouchers *vs)
{
    json_t *sel = selected_batch(vs);

    vs->vouchers.t.nrows = sel ? (int)json_integer_value(json_object_get(sel, "count")) : 0;
}

static void
update(struct pane *p)
{
    struct vouchers *vs = (struct vouchers *)p;

    pane_set_rows(p, p->con->snap.batches);
    if (vs->want_batch > 0) {
        char id[32];

        snprintf(id, sizeof id, "%lld", (long long)vs->want_batch);
        listpane_select_id(&vs->batches, id);
    }
    batch_selected(vs);
}

/* Tell the data thread which vouchers are on screen (two screens' worth). */
static void
view(struct pane *p, struct feed_view *v)
{
    struct vouchers *vs = (struct vouchers *)p;
    json_t *sel = selected_batch(vs);
    int h = vs->vouchers.t.at_h > 2 ? vs->vouchers.t.at_h : 20, top = vs->vouchers.t.top;

    if (!sel)
        return;
    v->batch = json_integer_value(json_object_get(sel, "id"));
    v->first = top + 1 - h / 2 > 1 ? top + 1 - h / 2 : 1;
    v->first -= (v->first - 1) % 16; /* move the window in steps, not every line */
    v->count = 2 * h + 32;
}

static void
draw(struct pane *p, int y, int h, enum reaction r)
{
    struct vouchers *vs = (struct vouchers *)p;
    bool wide = COLS >= WIDE_COLS;
    int bw = wide ? COLS * 55 / 100 : COLS, bh = wide ? h : h / 2;
    int vx = wide ? bw + 1 : 0, vy = wide ? y : y + bh + 1, vw = wide ? COLS - bw - 1 : COLS;
    int vh = wide ? h - 1 : h - bh - 1;
    json_t *sel;

    if (r == R_ROW) { /* only the selection of the focused table moved */
        table_draw_sel(vs->focus == 1 ? &vs->vouchers.t : &vs->batches.t);
        return;
    }
    if (!p->con->snap.batches || (vs->batches.norder == 0 && p->filter[0] == '\0')) {
        pane_state(p, p->con->snap.batches, y, h);
        return;
    }
    listpane_draw(&vs->batches, y, 0, bh, bw, vs->focus == 0);
    sel = selected_batch(vs);
    attrset(colors_attr(TH_DIM));
    if (wide) {
        for (int i = 0; i < h; i++)
            mvaddstr(y + i, bw, "\u2502");
    } else {
        move(vy - 1, 0);
        for (int i = 0; i < COLS; i++)
            addstr("\u2500");
    }
    if (sel) {
        char title[160];
        long long count = (long long)json_integer_value(json_object_get(sel, "count"));

        snprintf(title, sizeof title,
                 ngettext(" batch %lld: %s, %lld voucher ", " batch %lld: %s, %lld vouchers ",
                          (unsigned long)count),
                 (long long)json_integer_value(json_object_get(sel, "id")),
                 plan_shown(sel), count);
        move(wide ? y + h - 1 : vy - 1, wide ? vx : 2);
        draw_fit(title, wide ? vw : COLS - 4);
    }
    attrset(A_NORMAL);
    listpane_draw(&vs->vouchers, vy, vx, vh, vw, vs->focus == 1);
}

/* The QR code in the box at (y, x): two module rows a character row, in
 * the theme's QR colours (or reverse video in mono), so that it scans on
 * dark and light terminals. */
static void
draw_qr(const struct qr *q, int y, int x)
{
    for (int r = 0; r < qr_text_rows(q, 2) && y + r < LINES - 1; r++) {
        struct sbuf line = {0};

        qr_text_row(q, 2, true, r, &line);
        attrset(colors_attr(TH_QR));
        mvaddstr(y + r, x, line.buf);
        sb_free(&line);
    }
}

/* The voucher's fields from (y, x), in w columns. */
static void
draw_fields(json_t *v, int y, int x, int w)
{
    static const struct detail_row rows[] = {
        {N_("plan"), "plan", LF_TEXT},          {N_("status"), "status", LF_TEXT},
        {N_("price"), "price", LF_TEXT},        {N_("sold"), "sold_at", LF_TIME},
        {N_("by"), "sold_by", LF_TEXT},         {N_("first use"), "first_used_at", LF_TIME},
        {N_("expires"), "expires_at", LF_TIME},
    };
    char line[160], buf[96];

    attrset(colors_attr(TH_DIALOG) | A_BOLD);
    snprintf(line, sizeof line, "voucher %s", json_string_value(json_object_get(v, "code")));
    move(y, x);
    draw_fit(line, w);
    attrset(colors_attr(TH_DIALOG));
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        listpane_format(json_object_get(v, rows[i].key), rows[i].fmt, buf, sizeof buf);
        snprintf(line, sizeof line, "%-10s %s", rows[i].label, buf);
        move(y + 2 + (int)i, x);
        draw_fit(line, w);
    }
}

/* The selected voucher: its QR, which logs the customer in, and its fields. */
static void
details(struct pane *p)
{
    struct vouchers *vs = (struct vouchers *)p;
    json_t *v = voucher_at(vs, vs->vouchers.t.sel);
    const char *pw = json_string_value(json_object_get(v, "password"));
    struct qr q;
    struct werr e = {0};
    char *url;
    int w, h, y, x, tx;

    if (v == NULL || pw == NULL) /* on its way from the data thread, or a userpass voucher */
        return;
    url = qr_login_url(p->con->cfg->login_url, json_string_value(json_object_get(v, "code")), pw);
    if (qr_encode(url, (char)p->con->cfg->qr_ecc, &q, &e) < 0) {
        console_say(p->con, "%s", e.msg);
        free(url);
        return;
    }
    w = qr_text_cols(&q, 2) + 44;
    h = qr_text_rows(&q, 2) + 2 > 12 ? qr_text_rows(&q, 2) + 2 : 12;
    y = (LINES - h) / 2 > 2 ? (LINES - h) / 2 : 2;
    x = (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0;
    if (w > COLS - x)
        w = COLS - x; /* a long login URL's QR: the text at its right is cut */
    draw_box(y, x, h, w, colors_attr(TH_DIALOG));
    draw_qr(&q, y + 1, x + 2);
    tx = x + qr_text_cols(&q, 2) + 4;
    draw_fields(v, y + 1, tx, x + w - tx - 1);
    move(y + h - 2, tx);
    draw_fit("Esc closes", x + w - tx - 1);
    attrset(A_NORMAL);
    qr_free(&q);
    free(url);
}

/* Enter: a batch's vouchers, then a voucher's details. */
static enum reaction
enter(struct pane *p)
{
    struct vouchers *vs = (struct vouchers *)p;
    json_t *v;

    if (vs->focus == 0) {
        if (!selected_batch(vs))
            return R_NONE;
        vs->focus = 1;
        vs->vouchers.t.sel = 0;
        vs->vouchers.t.top = 0;
        return R_PANE | R_VIEW;
    }
    v = voucher_at(vs, vs->vouchers.t.sel);
    if (v && !json_is_string(json_object_get(v, "password"))) { /* userpass: PostgreSQL hides it */
        console_say(p->con, _("its QR holds its password: :voucher show CODE --reveal (audited)"));
        return R_FOOTER;
    }
    if (v == NULL) /* its window is still on the way: the box opens when it is here */
        console_say(p->con, _("loading the voucher ..."));
    p->detail = true;
    return R_OVERLAY | R_FOOTER;
}

static enum reaction
back(struct pane *p)
{
    struct vouchers *vs = (struct vouchers *)p;

    if (vs->focus == 0)
        return R_NONE;
    vs->focus = 0;
    return R_PANE;
}

static struct listpane *
focused(struct pane *p)
{
    struct vouchers *vs = (struct vouchers *)p;

    return vs->focus == 1 ? &vs->vouchers : &vs->batches;
}

/* Another batch selected: other vouchers below, fetched. */
static enum reaction
moved(struct pane *p)
{
    struct vouchers *vs = (struct vouchers *)p;

    vs->want_batch = 0;
    if (vs->focus == 1)
        return R_ROW | R_VIEW;
    batch_selected(vs);
    vs->vouchers.t.sel = vs->vouchers.t.top = 0;
    return R_PANE | R_VIEW;
}

/* A click: a batch (the batch table takes focus) or a voucher. */
static enum reaction
click(struct pane *p, int y, int x)
{
    struct vouchers *vs = (struct vouchers *)p;

    if (listpane_click(&vs->batches, y, x)) {
        vs->focus = 0;
        return moved(p);
    }
    if (listpane_click(&vs->vouchers, y, x)) {
        vs->focus = 1;
        return R_PANE;
    }
    return R_NONE;
}

static enum reaction
new_batch_done(struct pane *p, const struct dialog *d)
{
    struct words w = {0};

    words_add(&w, "voucher");
    words_add(&w, "create");
    words_flag(&w, "--plan", dialog_value(d, "plan"));
    words_flag(&w, "--count", dialog_value(d, "count"));
    words_flag(&w, "--mode", dialog_value(d, "mode"));
    words_flag(&w, "--length", dialog_value(d, "length"));
    if (*dialog_value(d, "prefix"))
        words_flag(&w, "--prefix", dialog_value(d, "prefix"));
    if (*dialog_value(d, "router"))
        words_flag(&w, "--router", dialog_value(d, "router"));
    return console_call(p->con, &w);
}

static enum reaction
act_new_batch(struct pane *p, int key)
{
    static const char *const modes[] = {"code", "userpass"};
    const char *plans[DIALOG_CHOICES];
    struct dialog *d;
    int n = 0;

    (void)key;
    if (!console_may(p->con, OPERATOR, N_("create vouchers")))
        return R_FOOTER;
    for (size_t i = 0; i < json_array_size(p->con->snap.plans) && n < DIALOG_CHOICES; i++)
        plans[n++] = json_string_value(json_array_get(p->con->snap.plans, i));
    if (n == 0) {
        console_say(p->con, _("no active plan: an admin adds one with `plan add`"));
        return R_FOOTER;
    }
    d = console_form(p, _("New voucher batch"), new_batch_done);
    dialog_choice(d, N_("plan"), plans, n);
    dialog_text(d, N_("count"), "100");
    dialog_choice(d, N_("mode"), modes, 2);
    dialog_text(d, N_("length"), "8");
    dialog_text(d, N_("prefix"), "");
    dialog_text(d, N_("router"), "");
    return R_OVERLAY;
}

static enum reaction
print_done(struct pane *p, const struct dialog *d)
{
    json_t *b = selected_batch((struct vouchers *)p);
    struct words w = {0};

    if (b == NULL)
        return R_NONE;
    words_add(&w, "voucher");
    words_add(&w, "print");
    words_add(&w, "--batch");
    words_addf(&w, "%lld", (long long)json_integer_value(json_object_get(b, "id")));
    /* auto: the CLI's rule (the file's extension, else PDF on A4/Letter and
     * tickets on a roll) */
    if (!str_eq(dialog_value(d, "format"), "auto"))
        words_flag(&w, "--format", dialog_value(d, "format"));
    if (*dialog_value(d, "columns"))
        words_flag(&w, "--columns", dialog_value(d, "columns"));
    words_flag(&w, "--paper", dialog_value(d, "paper"));
    if (!str_eq(dialog_value(d, "template"), "plan's"))
        words_flag(&w, "--template", dialog_value(d, "template"));
    add_print_target(&w, d);
    return console_call(p->con, &w);
}

static enum reaction
act_print(struct pane *p, int key)
{
    static const char *const formats[] = {"auto", "pdf", "ps", "text", "ansi", "escpos"};
    static const char *const papers[] = {"a4", "letter", "58mm", "80mm"};
    json_t *b = selected_batch((struct vouchers *)p);
    struct dialog *d;
    char file[64];

    (void)key;
    if (b == NULL || !console_may(p->con, OPERATOR, N_("print vouchers")))
        return R_FOOTER;
    snprintf(file, sizeof file, "batch-%lld.pdf",
             (long long)json_integer_value(json_object_get(b, "id")));
    d = console_form(p, _("Print the selected batch"), print_done);
    dialog_choice(d, N_("format"), formats, 6);
    dialog_text(d, N_("columns"), ""); /* empty: the layout's */
    dialog_choice(d, N_("paper"), papers, 4);
    dialog_print_target(d, file);
    dialog_template_choice(d, "plan's"); /* last: the fields above keep their places */
    return R_OVERLAY;
}

/* $ and d: a confirmation that runs one command. */
static enum reaction
act_sell_disable(struct pane *p, int key)
{
    struct vouchers *vs = (struct vouchers *)p;
    json_t *v = vs->focus == 1 ? voucher_at(vs, vs->vouchers.t.sel) : NULL;
    json_t *b = selected_batch(vs);
    char q[192];
    struct words w = {0};

    if (!console_may(p->con, OPERATOR, key == '$' ? N_("sell vouchers") : N_("disable vouchers")))
        return R_FOOTER;
    if (key == '$' && v == NULL) {
        console_say(p->con, _("select a voucher first (Enter opens a batch)"));
        return R_FOOTER;
    }
    if (v) {
        const char *code = json_string_value(json_object_get(v, "code"));

        snprintf(q, sizeof q,
                 key == '$' ? _("Sell voucher %s for %s %s?") : _("Disable voucher %s%s%s?"), code,
                 key == '$' ? json_string_value(json_object_get(v, "price")) : "",
                 key == '$' ? p->con->cfg->currency : "");
        words_add(&w, "voucher");
        words_add(&w, key == '$' ? "sell" : "disable");
        words_add(&w, code);
    } else if (b) {
        long long id = json_integer_value(json_object_get(b, "id"));

        snprintf(q, sizeof q, _("Disable every voucher of batch %lld?"), id);
        words_add(&w, "voucher");
        words_add(&w, "disable");
        words_add(&w, "--batch");
        words_addf(&w, "%lld", id);
    } else {
        return R_NONE;
    }
    return console_confirm(p, key == '$' ? _("Sell") : _("Disable"), q, &w);
}

/* A finished command: select the batch `voucher create` made (its
 * result's batch_id). */
static void
finished(struct pane *p, const struct runner_done *d)
{
    json_t *id = json_object_get(d->result, "batch_id");

    if (d->status == 0 && d->command && str_eq(d->command, "voucher create") && json_is_integer(id))
        ((struct vouchers *)p)->want_batch = json_integer_value(id);
}

static const struct binding keys[] = {
    {'n', "n", N_("new batch (plan, count, mode, length, prefix, router)"), N_("new"),
     act_new_batch, OPERATOR, false},
    {'p', "p", N_("print the selected batch (format, columns, paper, file or lp, template)"),
     N_("print"), act_print, OPERATOR, false},
    {'$', "$", N_("sell the selected voucher (asks first)"), N_("sell"), act_sell_disable, OPERATOR,
     false},
    {'d', "d", N_("disable the selected voucher, or the whole batch (asks first)"), N_("disable"),
     act_sell_disable, OPERATOR, false},
};

static struct pane *
create(struct console *con)
{
    struct vouchers *vs = pane_alloc(sizeof *vs, &vouchers_pane, con);

    listpane_init(&vs->batches, batch_cols, (int)(sizeof batch_cols / sizeof batch_cols[0]), "id",
                  vs);
    vs->batches.sort_rev = true; /* newest first */
    listpane_init(&vs->vouchers, voucher_cols, (int)(sizeof voucher_cols / sizeof voucher_cols[0]),
                  "serial", vs);
    vs->vouchers.row_at = voucher_at;
    vs->pane.list = &vs->batches;
    return &vs->pane;
}

static void
destroy(struct pane *p)
{
    listpane_free(&((struct vouchers *)p)->vouchers);
}

const struct pane_class vouchers_pane = {
    .name = N_("Vouchers"),
    .purpose = N_("Voucher batches and their vouchers."),
    .fill = N_("`wisp voucher create --plan NAME --count N` makes a batch."),
    PANE_KEYS(keys),
    .create = create,
    .destroy = destroy,
    .update = update,
    .draw = draw,
    .details = details,
    .enter = enter,
    .back = back,
    .focused = focused,
    .moved = moved,
    .view = view,
    .click = click,
    .finished = finished,
};
