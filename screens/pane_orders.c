/*
 * pane_orders.c - the Orders pane: customer orders from intake until the
 * customer holds a PIN, their counts per status above them. f shows one
 * status at a time; R retries, c cancels (after asking), P prints the
 * receipt, v reveals the PIN (audited: the list itself never holds one).
 *
 * d turns the pane to its second view, what did not reach its receiver:
 * webhook deliveries failed or given up and notification messages failed
 * (docs/webhooks.md, docs/notifications.md), where R sends the selected one
 * again (after asking). Each view is a pane class of its own over the one
 * pane, so its keys, footer, help, data (FEED_FAILURES, fetched only while
 * it shows), details and empty state are the class's, as in any pane; d
 * swaps the class and the table.
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
    struct listpane failures; /* the failed deliveries view's table */
    json_t *failed;           /* its rows: webhook deliveries and messages alike */
};

static const struct pane_class failures_view;

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

/* The filter typed applies to the table on screen. */
static const char *
filter_of(struct pane *p, const struct listpane *lp)
{
    return p->list == lp ? p->filter : NULL;
}

static void update_failures(struct pane *p);

/* Both views, so the one d turns to is up to date. */
static void
update(struct pane *p)
{
    struct orders *os = (struct orders *)p;
    json_t *all = p->con->snap.orders, *old = os->view;

    os->view = json_array();
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *o = json_array_get(all, i);

        if (os->status == 0 ||
            str_eq(json_string_value(json_object_get(o, "status")), statuses[os->status]))
            json_array_append(os->view, o);
    }
    listpane_set_rows(&os->list, all ? os->view : NULL, filter_of(p, &os->list));
    json_decref(old); /* after: the list looked up its selected row in it */
    update_failures(p);
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

/* d: the other view (orders, failed deliveries), its table and its data. */
static enum reaction
act_view(struct pane *p, int key)
{
    struct orders *os = (struct orders *)p;
    bool failures = p->cls != &failures_view;

    (void)key;
    p->cls = failures ? &failures_view : &orders_pane;
    p->list = failures ? &os->failures : &os->list;
    p->filter[0] = '\0';
    p->detail = false;
    update(p);
    console_say(p->con, "%s",
                failures ? _("showing failed deliveries (d: the orders again)")
                         : _("showing orders"));
    return R_SCREEN | R_VIEW;
}

static const struct binding keys[] = {
    {'d', "d", N_("failed webhook deliveries and notifications (d again: the orders)"),
     N_("failed"), act_view, ANYONE, false},
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

/* --- the failed deliveries view ----------------------------------------- */

/* A webhook delivery that failed is tried again at next_at; one given up
 * (dead) and a message that failed are not: warning and bad colours. */
static enum theme_element
failure_colour(void *ctx, json_t *row)
{
    (void)ctx;
    return json_is_null(json_object_get(row, "next_at")) ? TH_BAD : TH_WARN;
}

/* The last answer: the HTTP status a webhook got, and the error. */
static void
last_text(void *ctx, json_t *row, char *buf, size_t n)
{
    json_t *status = json_object_get(row, "last_status");
    const char *error = json_string_value(json_object_get(row, "last_error"));
    char *safe = str_safe(error ? error : "");

    (void)ctx;
    if (json_is_integer(status))
        snprintf(buf, n, "HTTP %lld%s%s", (long long)json_integer_value(status), *safe ? ": " : "",
                 safe);
    else
        snprintf(buf, n, "%s", *safe ? safe : "-");
    free(safe);
}

/* At 80 columns: kind, id, event, target, state and the last error. */
static const struct listpane_column failure_columns[] = {
    {{N_("KIND"), 7, false, 0}, "type", LF_TEXT},
    {{N_("ID"), 6, true, 0}, "id", LF_INT},
    {{N_("AGE"), 9, true, 6}, "created_at", LF_AGO},
    {{N_("EVENT"), 15, false, 0}, "kind", LF_TEXT},
    {{N_("TARGET"), 26, false, 0}, "target", LF_TEXT},
    {{N_("STATE"), 6, false, 0}, "state", LF_TEXT, .colour = failure_colour},
    {{N_("TRIES"), 5, true, 5}, "attempts", LF_INT},
    {{N_("NEXT TRY"), 8, true, 7}, "next_at", LF_IN},
    {{N_("LAST ERROR"), 0, false, 0},
     "last_error",
     LF_TEXT,
     .text = last_text,
     .states = LISTPANE_ALWAYS(TH_BAD)},
};
#define NFAILURE_COLUMNS ((int)(sizeof failure_columns / sizeof failure_columns[0]))
#define FAILURE_SORT_COL 2 /* AGE */

/* One row of the view from a row of webhook_deliveries or
 * notify_message_list: its type, a key unique across both, where it goes,
 * and next_at only while it will be tried again. */
static json_t *
failure_row(json_t *src, bool webhook)
{
    json_t *r = json_copy(src);
    long long id = (long long)json_integer_value(json_object_get(src, "id"));
    const char *state = json_string_value(json_object_get(src, "state"));

    json_object_set_new(r, "type", json_string(webhook ? "webhook" : "message"));
    json_object_set_new(r, "key", json_sprintf("%c%lld", webhook ? 'w' : 'm', id));
    if (webhook)
        json_object_set(r, "target", json_object_get(src, "url"));
    else
        json_object_set_new(r, "target",
                            json_sprintf("%s: %s",
                                         json_string_value(json_object_get(src, "channel")),
                                         json_string_value(json_object_get(src, "recipient"))));
    if (!webhook || !str_eq(state, "failed"))
        json_object_set_new(r, "next_at", json_null());
    return r;
}

static void
update_failures(struct pane *p)
{
    struct orders *os = (struct orders *)p;
    json_t *hooks = p->con->snap.failed_deliveries, *msgs = p->con->snap.failed_messages;
    json_t *old = os->failed, *row;
    size_t i;

    os->failed = json_array();
    json_array_foreach(hooks, i, row) json_array_append_new(os->failed, failure_row(row, true));
    json_array_foreach(msgs, i, row) json_array_append_new(os->failed, failure_row(row, false));
    listpane_set_rows(&os->failures, hooks || msgs ? os->failed : NULL,
                      filter_of(p, &os->failures));
    json_decref(old); /* after: the list looked up its selected row in it */
}

/* "1 retrying  2 given up  1 webhook disabled  3 messages failed" on line y:
 * what the header's count is made of. */
static void
failure_counts(json_t *c, int y, int w)
{
    static const struct {
        const char *key, *label;
        enum theme_element el;
    } parts[] = {
        {"webhook_failed", N_("deliveries retrying"), TH_WARN},
        {"webhook_dead", N_("given up"), TH_BAD},
        {"webhooks_disabled", N_("webhooks disabled"), TH_BAD},
        {"messages_failed", N_("messages failed"), TH_BAD},
    };

    move(y, 1);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        json_t *v = json_object_get(c, parts[i].key);
        char one[96];

        if (!json_is_integer(v))
            continue; /* a count this role may not read */
        attrset(colors_attr(json_integer_value(v) ? parts[i].el : TH_NORMAL) | A_BOLD);
        snprintf(one, sizeof one, "%lld", (long long)json_integer_value(v));
        draw_fit(one, w - getcurx(stdscr));
        attrset(colors_attr(TH_DIM));
        snprintf(one, sizeof one, " %s   ", _(parts[i].label));
        draw_fit(one, w - getcurx(stdscr));
    }
    attrset(A_NORMAL);
}

static void
draw_failures(struct pane *p, int y, int h, enum reaction r)
{
    struct orders *os = (struct orders *)p;

    if (r != R_ROW && p->con->snap.failure_counts) {
        failure_counts(p->con->snap.failure_counts, y, COLS); /* counts above the table */
        y++, h--;
    }
    pane_draw_table(
        p, p->con->snap.failed_deliveries || p->con->snap.failed_messages ? os->failed : NULL, y, h,
        r);
}

static const struct detail_row failure_detail_rows[] = {
    {N_("event"), "kind", LF_TEXT},
    {N_("event id"), "event_id", LF_INT},
    {N_("to"), "target", LF_TEXT},
    {N_("webhook"), "webhook_id", LF_INT},
    {N_("order"), "order_id", LF_INT},
    {N_("state"), "state", LF_TEXT},
    {N_("attempts"), "attempts", LF_INT},
    {N_("last status"), "last_status", LF_INT},
    {N_("last error"), "last_error", LF_TEXT},
    {N_("next try"), "next_at", LF_IN},
    {N_("created"), "created_at", LF_AGO},
    {N_("delivery id"), "idempotency_id", LF_TEXT},
};

static void
failure_title(struct pane *p, json_t *row, char *buf, size_t n)
{
    long long id = (long long)json_integer_value(json_object_get(row, "id"));

    (void)p;
    if (str_eq(json_string_value(json_object_get(row, "type")), "webhook"))
        snprintf(buf, n, _("webhook delivery %lld   (R delivers it again, Esc closes)"), id);
    else
        snprintf(buf, n, _("message %lld   (R sends it again, Esc closes)"), id);
}

/* R: the selected one again, after asking: `webhook redeliver ID` (same
 * Wisp-Delivery id, the schedule from the start) or `notify resend ID`.
 * Both are the admin's; what the database refuses shows in one line. */
static enum reaction
act_redeliver(struct pane *p, int key)
{
    json_t *r = pane_selected(p, _("no failed delivery selected"));
    long long id;
    bool webhook;
    char q[384];
    struct words w = {0};

    (void)key;
    if (!r || !console_may(p->con, ADMIN, N_("send failed deliveries again")))
        return R_FOOTER;
    id = (long long)json_integer_value(json_object_get(r, "id"));
    webhook = str_eq(json_string_value(json_object_get(r, "type")), "webhook");
    /* the dialog's line holds 60 columns: what goes where comes last */
    if (webhook)
        snprintf(q, sizeof q, _("Send webhook delivery %lld (%s) again?"), id,
                 json_string_value(json_object_get(r, "kind")));
    else
        snprintf(q, sizeof q, _("Send message %lld (%s) again, to %s?"), id,
                 json_string_value(json_object_get(r, "kind")),
                 json_string_value(json_object_get(r, "target")));
    words_add(&w, webhook ? "webhook" : "notify");
    words_add(&w, webhook ? "redeliver" : "resend");
    words_addf(&w, "%lld", id);
    return console_confirm(p, webhook ? _("Redeliver") : _("Resend"), q, &w);
}

static const struct binding failure_keys[] = {
    {'d', "d", N_("back to the orders (d again: failed deliveries)"), N_("orders"), act_view,
     ANYONE, false},
    {'R', "R", N_("send the selected delivery or message again (asks first)"), N_("redeliver"),
     act_redeliver, ADMIN, false},
};

static struct pane *
create(struct console *con)
{
    struct orders *os = pane_alloc(sizeof *os, &orders_pane, con);

    listpane_init(&os->list, columns, (int)(sizeof columns / sizeof columns[0]), "id", os);
    os->list.sort_rev = true; /* newest first */
    listpane_init(&os->failures, failure_columns, NFAILURE_COLUMNS, "key", os);
    os->failures.sort_col = FAILURE_SORT_COL; /* newest first, of both kinds */
    os->failures.sort_rev = true;
    os->pane.list = &os->list;
    return &os->pane;
}

/* Of either view: both tables (the console frees the one on screen too,
 * which listpane_free allows). */
static void
destroy(struct pane *p)
{
    struct orders *os = (struct orders *)p;

    json_decref(os->view);
    json_decref(os->failed);
    listpane_free(&os->list);
    listpane_free(&os->failures);
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

static const struct pane_class failures_view = {
    .name = N_("Orders"), /* a view of the Orders pane: its tab */
    .purpose = N_("Failed deliveries: webhook deliveries and notification messages that did not "
                  "reach their receiver."),
    .fill = N_("Nothing failed: every webhook delivery and message reached its receiver or is on "
               "its way. `wisp webhook deliveries` and `wisp notify messages` list them all; d "
               "shows the orders again."),
    .want = FEED_FAILURES,
    PANE_KEYS(failure_keys),
    .destroy = destroy,
    .update = update,
    .draw = draw_failures,
    PANE_DETAIL_ROWS(failure_detail_rows),
    .detail_title = failure_title,
    .finished = finished,
};
