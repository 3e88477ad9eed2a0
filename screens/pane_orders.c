/*
 * pane_orders.c - the Orders pane: customer orders from intake until the
 * customer holds a PIN, their counts per status above them. f shows one
 * status at a time; R retries, c cancels (after asking), P prints the
 * receipt, v reveals the PIN (audited: the list itself never holds one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/colors.h"
#include "wisp/draw.h"
#include "wisp/i18n.h"
#include "wisp/pane.h"
#include "wisp/util.h"

#define REVEALED 32

struct orders {
    struct pane pane;
    struct listpane list;
    int status;                    /* 0 every order, else the status shown (statuses[]) */
    json_t *view;                  /* the orders of that status, what the table shows */
    int64_t revealed_id[REVEALED]; /* orders whose PIN was revealed, and the PINs */
    char revealed_pin[REVEALED][128];
    int nrevealed;
};

static const char *const statuses[] = {"",          "pending", "sent",     "processing",
                                       "completed", "failed",  "cancelled"};
#define NSTATUSES ((int)(sizeof statuses / sizeof statuses[0]))

static const struct listpane_state order_states[] = {{"completed", TH_OK},    {"failed", TH_BAD},
                                                     {"cancelled", TH_DIM},   {"sent", TH_WARN},
                                                     {"processing", TH_WARN}, {NULL, TH_NORMAL}};

/* The PIN cell: masked until `v` revealed it (the reveal is audited). */
static void
order_pin_text(void *ctx, json_t *o, char *buf, size_t n)
{
    struct orders *os = ctx;
    json_int_t id = json_integer_value(json_object_get(o, "id"));

    if (!json_is_true(json_object_get(o, "has_pin"))) { /* the list never holds a PIN */
        snprintf(buf, n, "-");
        return;
    }
    for (int i = 0; i < os->nrevealed; i++)
        if (os->revealed_id[i] == id) {
            snprintf(buf, n, "%s", os->revealed_pin[i]);
            return;
        }
    snprintf(buf, n, "\u2022\u2022\u2022\u2022\u2022\u2022");
}

/* At 80 columns: id, customer, product, status, PIN and the error. */
static const struct listpane_column columns[] = {
    {{N_("ID"), 7, true, 0}, "id", LF_INT},
    {{N_("AGE"), 9, true, 6}, "created_at", LF_AGO},
    {{N_("CUSTOMER"), 14, false, 0}, "customer", LF_TEXT},
    {{N_("PRODUCT"), 12, false, 0}, "product", LF_TEXT},
    {{N_("AMOUNT"), 8, true, 5}, "amount", LF_TEXT},
    {{N_("STATUS"), 11, false, 0}, "status", LF_TEXT, .states = order_states},
    {{N_("PROVIDER REF"), 13, false, 9}, "provider_ref", LF_TEXT},
    {{N_("TRIES"), 5, true, 7}, "attempts", LF_INT},
    {{N_("NEXT CHECK"), 10, true, 8}, "next_check_at", LF_IN},
    {{N_("PIN"), 14, false, 0}, "pin", LF_TEXT, .text = order_pin_text, .secret = true},
    {{N_("LAST ERROR"), 0, false, 0}, "last_error", LF_TEXT, .states = LISTPANE_ALWAYS(TH_BAD)},
};

static void
update(struct pane *p)
{
    struct orders *os = (struct orders *)p;
    json_t *all = p->con->snap.orders;

    json_decref(os->view);
    os->view = json_array();
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *o = json_array_get(all, i);

        if (os->status == 0 ||
            str_eq(json_string_value(json_object_get(o, "status")), statuses[os->status]))
            json_array_append(os->view, o);
    }
    pane_set_rows(p, all ? os->view : NULL);
}

/* "3 pending  1 sent ..." on line y. */
void
orders_counts(json_t *counts, int y, int w)
{
    static const enum theme_element el[] = {TH_NORMAL, TH_WARN, TH_WARN, TH_OK, TH_BAD, TH_DIM};

    move(y, 1);
    for (int i = 1; i < NSTATUSES && getcurx(stdscr) < w - 16; i++) {
        json_t *v = json_object_get(counts, statuses[i]);
        char one[48];

        attrset(colors_attr(el[i - 1]) | A_BOLD);
        snprintf(one, sizeof one, "%lld",
                 json_is_integer(v) ? (long long)json_integer_value(v) : 0LL);
        draw_fit(one, w - getcurx(stdscr));
        attrset(colors_attr(TH_DIM));
        snprintf(one, sizeof one, " %s   ", statuses[i]);
        draw_fit(one, w - getcurx(stdscr));
    }
    attrset(A_NORMAL);
}

static void
draw(struct pane *p, int y, int h, enum reaction r)
{
    if (r != R_ROW && json_array_size(p->con->snap.orders) > 0) {
        orders_counts(p->con->snap.order_counts, y, COLS); /* counts above the table */
        y++, h--;
    }
    pane_draw_table(p, p->con->snap.orders, y, h, r);
}

static const struct detail_row detail_rows[] = {
    {N_("status"), "status", LF_TEXT},         {N_("channel"), "channel", LF_TEXT},
    {N_("product"), "product", LF_TEXT},       {N_("customer"), "customer", LF_TEXT},
    {N_("extra"), "extra", LF_TEXT},           {N_("amount"), "amount", LF_TEXT},
    {N_("provider"), "provider", LF_TEXT},     {N_("provider ref"), "provider_ref", LF_TEXT},
    {N_("voucher id"), "voucher_id", LF_INT},  {N_("attempts"), "attempts", LF_INT},
    {N_("checks"), "checks", LF_INT},          {N_("next check"), "next_check_at", LF_IN},
    {N_("last error"), "last_error", LF_TEXT}, {N_("created"), "created_at", LF_AGO},
    {N_("sent"), "sent_at", LF_AGO},           {N_("completed"), "completed_at", LF_AGO},
    {N_("created by"), "created_by", LF_TEXT},
};

static void
detail_title(struct pane *p, json_t *o, char *buf, size_t n)
{
    char pin[128];

    order_pin_text(p, o, pin, sizeof pin);
    snprintf(buf, n, _("order %lld   PIN %s   (v reveals, Esc closes)"),
             (long long)json_integer_value(json_object_get(o, "id")), pin);
}

static json_t *
selected_order(struct pane *p)
{
    return pane_selected(p, _("no order selected"));
}

/* R retry, v reveal: one command now; c cancel after asking. */
static enum reaction
act_order(struct pane *p, int key)
{
    json_t *o = selected_order(p);
    long long id;
    char q[192];
    struct words w = {0};

    if (!o || !console_may(p->con, OPERATOR, key == 'v' ? N_("reveal PINs") : N_("change orders")))
        return R_FOOTER;
    id = (long long)json_integer_value(json_object_get(o, "id"));
    if (key == 'c') {
        snprintf(q, sizeof q, _("Cancel order %lld (%s for %s)?"), id,
                 json_string_value(json_object_get(o, "product")),
                 json_string_value(json_object_get(o, "customer")));
        words_add(&w, "order");
        words_add(&w, "cancel");
        words_addf(&w, "%lld", id);
        return console_confirm(p, _("Cancel"), q, &w);
    }
    words_add(&w, "order");
    words_add(&w, key == 'R' ? "retry" : "reveal");
    words_addf(&w, "%lld", id);
    return console_call(p->con, &w);
}

/* f: show orders of one status, the next one at each press, then all again. */
static enum reaction
act_order_status(struct pane *p, int key)
{
    struct orders *os = (struct orders *)p;

    (void)key;
    os->status = (os->status + 1) % NSTATUSES;
    update(p);
    console_say(p->con, _("showing %s orders"), os->status ? statuses[os->status] : "all");
    return R_PANE | R_FOOTER;
}

static enum reaction
receipt_done(struct pane *p, const struct dialog *d)
{
    json_t *o = listpane_selected(p->list);
    struct words w = {0};

    if (!o)
        return R_NONE;
    words_add(&w, "order");
    words_add(&w, "receipt");
    words_addf(&w, "%lld", (long long)json_integer_value(json_object_get(o, "id")));
    /* auto: the CLI's rule for a file (its extension), PDF for lp */
    if (!str_eq(dialog_value(d, "format"), "auto"))
        words_flag(&w, "--format", dialog_value(d, "format"));
    else if (!str_eq(dialog_value(d, "to"), "file"))
        words_flag(&w, "--format", "pdf");
    if (!str_eq(dialog_value(d, "template"), "built-in"))
        words_flag(&w, "--template", dialog_value(d, "template"));
    add_print_target(&w, d);
    return console_call(p->con, &w);
}

/* P: the receipt dialog (format, file or lp). */
static enum reaction
act_receipt(struct pane *p, int key)
{
    static const char *const formats[] = {"auto", "pdf", "ps", "text", "escpos"};
    json_t *o = selected_order(p);
    struct dialog *d;
    char file[64];

    (void)key;
    if (!o || !console_may(p->con, OPERATOR, N_("print receipts")))
        return R_FOOTER;
    snprintf(file, sizeof file, "receipt-%lld.pdf",
             (long long)json_integer_value(json_object_get(o, "id")));
    d = console_form(p, _("Print the order's receipt"), receipt_done);
    dialog_choice(d, N_("format"), formats, 5);
    dialog_print_target(d, file);
    dialog_template_choice(d, "built-in");
    return R_OVERLAY;
}

/* A finished command: remember a PIN `order reveal` revealed (its
 * result's order_id and pin; the PIN is a secret: kept for the Orders
 * pane's cell only). */
static void
note_reveal(struct orders *app, long long id, const char *pin)
{
    for (int i = 0; i < app->nrevealed; i++)
        if (app->revealed_id[i] == id)
            return;
    if (app->nrevealed == 32) { /* forget the oldest */
        memmove(app->revealed_id, app->revealed_id + 1, 31 * sizeof app->revealed_id[0]);
        memmove(app->revealed_pin, app->revealed_pin + 1, 31 * sizeof app->revealed_pin[0]);
        app->nrevealed = 31;
    }
    app->revealed_id[app->nrevealed] = id;
    snprintf(app->revealed_pin[app->nrevealed], sizeof app->revealed_pin[0], "%s", pin);
    app->nrevealed++;
}

static void
finished(struct pane *p, const struct runner_done *d)
{
    json_t *id = json_object_get(d->result, "order_id"), *pin = json_object_get(d->result, "pin");

    if (d->status == 0 && d->command && str_eq(d->command, "order reveal") && json_is_integer(id) &&
        json_is_string(pin))
        note_reveal((struct orders *)p, (long long)json_integer_value(id), json_string_value(pin));
}

static const struct binding keys[] = {
    {'f', "f", N_("show one status (pending, sent, ... cancelled), then all"), N_("status"),
     act_order_status, ANYONE, false},
    {'R', "R", N_("retry the selected order (a failed one)"), N_("retry"), act_order, OPERATOR,
     false},
    {'c', "c", N_("cancel the selected order (asks first)"), N_("cancel"), act_order, OPERATOR,
     false},
    {'P', "P", N_("print the selected order's receipt (format, file or lp, template)"),
     N_("receipt"), act_receipt, OPERATOR, false},
    {'v', "v", N_("reveal the selected order's PIN (audited)"), N_("reveal"), act_order, OPERATOR,
     false},
};

static struct pane *
create(struct console *con)
{
    struct orders *os = pane_alloc(sizeof *os, &orders_pane, con);

    listpane_init(&os->list, columns, (int)(sizeof columns / sizeof columns[0]), "id", os);
    os->list.sort_rev = true; /* newest first */
    os->pane.list = &os->list;
    return &os->pane;
}

static void
destroy(struct pane *p)
{
    json_decref(((struct orders *)p)->view);
}

const struct pane_class orders_pane = {
    .name = N_("Orders"),
    .purpose = N_("Customer orders, from intake until the customer holds a PIN."),
    .fill =
        N_("No orders yet: `wisp order add --product PLAN --customer PHONE` takes one, and a web "
           "shop calls wisp_order_add (docs/orders.md)."),
    .want = FEED_ORDERS,
    PANE_KEYS(keys),
    .create = create,
    .destroy = destroy,
    .update = update,
    .draw = draw,
    PANE_DETAIL_ROWS(detail_rows),
    .detail_title = detail_title,
    .finished = finished,
};
