/*
 * pane_subscribers.c - the Subscribers pane: PPPoE customers on monthly
 * plans (docs/subscribers.md), unpaid ones in red. f shows only the unpaid,
 * p records a payment (amount, months), u suspends and R resumes after
 * asking: each a `wisp subscriber ...` command built as words, so names
 * and amounts go as typed, never through a command line's quoting. The
 * list never holds a password.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wisp/colors.h"
#include "wisp/i18n.h"
#include "wisp/pane.h"
#include "wisp/util.h"

struct subscribers {
    struct pane pane;
    struct listpane list;
    bool unpaid_only;
    json_t *view; /* the rows shown: all, or the unpaid */
};

static const struct listpane_state sub_states[] = {
    {"active", TH_OK}, {"suspended", TH_WARN}, {"cancelled", TH_DIM}, {NULL, TH_NORMAL}};

/* "unpaid" in red for a subscriber past due and grace, else nothing. */
static void
unpaid_text(void *ctx, json_t *row, char *buf, size_t n)
{
    (void)ctx;
    snprintf(buf, n, "%s", json_is_true(json_object_get(row, "unpaid")) ? _("unpaid") : "");
}

/* At 80 columns: username, name, plan, status, due date, unpaid. */
static const struct listpane_column columns[] = {
    {{N_("USERNAME"), 14, false, 0}, "username", LF_TEXT},
    {{N_("NAME"), 18, false, 0}, "name", LF_TEXT},
    {{N_("PLAN"), 10, false, 0}, "plan", LF_TEXT},
    {{N_("STATUS"), 10, false, 0}, "status", LF_TEXT, .states = sub_states},
    {{N_("DUE"), 11, false, 0}, "due_on", LF_TEXT},
    {{N_("UNPAID"), 7, false, 0},
     "unpaid",
     LF_TEXT,
     .text = unpaid_text,
     .states = LISTPANE_ALWAYS(TH_BAD)},
    {{N_("USED"), 8, true, 5}, "used_bytes", LF_BYTES},
    {{N_("ON"), 3, true, 6}, "online", LF_INT},
    {{N_("PHONE"), 0, false, 7}, "phone", LF_TEXT},
};

static void
update(struct pane *p)
{
    struct subscribers *ss = (struct subscribers *)p;
    json_t *all = p->con->snap.subscribers, *old = ss->view;

    ss->view = json_array();
    for (size_t i = 0; i < json_array_size(all); i++) {
        json_t *s = json_array_get(all, i);

        if (!ss->unpaid_only || json_is_true(json_object_get(s, "unpaid")))
            json_array_append(ss->view, s);
    }
    pane_set_rows(p, all ? ss->view : NULL);
    json_decref(old); /* after: the list looked up its selected row in it */
}

static void
draw(struct pane *p, int y, int h, enum reaction r)
{
    pane_draw_table(p, p->con->snap.subscribers, y, h, r);
}

static const struct detail_row detail_rows[] = {
    {N_("name"), "name", LF_TEXT},           {N_("phone"), "phone", LF_TEXT},
    {N_("plan"), "plan", LF_TEXT},           {N_("price"), "price", LF_TEXT},
    {N_("rate"), "rate_limit", LF_TEXT},     {N_("data a month"), "data_bytes", LF_BYTES},
    {N_("status"), "status", LF_TEXT},       {N_("due"), "due_on", LF_TEXT},
    {N_("static IP"), "framed_ip", LF_TEXT}, {N_("used this month"), "used_bytes", LF_BYTES},
    {N_("online"), "online", LF_INT},        {N_("last paid"), "paid_at", LF_AGO},
};

static void
detail_title(struct pane *p, json_t *s, char *buf, size_t n)
{
    (void)p;
    snprintf(buf, n, _("subscriber %s%s   (Esc closes)"),
             json_string_value(json_object_get(s, "username")),
             json_is_true(json_object_get(s, "unpaid")) ? _(" - UNPAID") : "");
}

static json_t *
selected(struct pane *p)
{
    return pane_selected(p, _("no subscriber selected"));
}

/* f: the unpaid only, then all again. */
static enum reaction
act_unpaid(struct pane *p, int key)
{
    struct subscribers *ss = (struct subscribers *)p;

    (void)key;
    ss->unpaid_only = !ss->unpaid_only;
    update(p);
    console_say(p->con, ss->unpaid_only ? _("showing unpaid subscribers") : _("showing all"));
    return R_PANE | R_FOOTER;
}

/* u suspend, R resume: after asking. */
static enum reaction
act_status(struct pane *p, int key)
{
    json_t *s = selected(p);
    const char *user;
    char q[256];
    struct words w = {0};

    if (!s || !console_may(p->con, OPERATOR, N_("change subscribers")))
        return R_FOOTER;
    user = json_string_value(json_object_get(s, "username"));
    snprintf(q, sizeof q,
             key == 'u' ? _("Suspend %s (and disconnect their sessions)?") : _("Resume %s?"), user);
    words_add(&w, "subscriber");
    words_add(&w, key == 'u' ? "suspend" : "resume");
    words_add(&w, user);
    return console_confirm(p, key == 'u' ? _("Suspend") : _("Resume"), q, &w);
}

static enum reaction
pay_done(struct pane *p, const struct dialog *d)
{
    json_t *s = listpane_selected(p->list);
    struct words w = {0};

    if (!s)
        return R_NONE;
    words_add(&w, "subscriber");
    words_add(&w, "pay");
    words_add(&w, json_string_value(json_object_get(s, "username")));
    words_flag(&w, "--amount", dialog_value(d, "amount"));
    words_flag(&w, "--months", dialog_value(d, "months"));
    return console_call(p->con, &w);
}

/* p: the payment dialog, the plan's price for one month filled in. */
static enum reaction
act_pay(struct pane *p, int key)
{
    json_t *s = selected(p);
    struct dialog *d;
    char title[128];

    (void)key;
    if (!s || !console_may(p->con, OPERATOR, N_("record payments")))
        return R_FOOTER;
    snprintf(title, sizeof title, _("Payment from %s"),
             json_string_value(json_object_get(s, "username")));
    d = console_form(p, title, pay_done);
    dialog_text(d, N_("amount"), json_string_value(json_object_get(s, "price")));
    dialog_text(d, N_("months"), "1");
    return R_OVERLAY;
}

static const struct binding keys[] = {
    {'f', "f", N_("show only the unpaid subscribers, then all"), N_("unpaid"), act_unpaid, ANYONE,
     false},
    {'p', "p", N_("record a payment from the selected subscriber (renews the due date)"), N_("pay"),
     act_pay, OPERATOR, false},
    {'u', "u", N_("suspend the selected subscriber and disconnect it (asks first)"), N_("suspend"),
     act_status, OPERATOR, false},
    {'R', "R", N_("resume the selected subscriber (asks first)"), N_("resume"), act_status,
     OPERATOR, false},
};

static struct pane *
create(struct console *con)
{
    struct subscribers *ss = pane_alloc(sizeof *ss, &subscribers_pane, con);

    listpane_init(&ss->list, columns, (int)(sizeof columns / sizeof columns[0]), "username", ss);
    ss->pane.list = &ss->list;
    return &ss->pane;
}

static void
destroy(struct pane *p)
{
    json_decref(((struct subscribers *)p)->view);
}

const struct pane_class subscribers_pane = {
    .name = N_("Subscribers"),
    .purpose = N_("PPPoE subscribers on monthly plans: who is paid up, who is due."),
    .fill = N_("No subscribers yet: `wisp subplan add NAME --price P --rate R` makes a monthly "
               "plan, `wisp subscriber add USER --plan NAME --name TEXT` a subscriber "
               "(docs/subscribers.md)."),
    .want = FEED_SUBSCRIBERS,
    PANE_KEYS(keys),
    .create = create,
    .destroy = destroy,
    .update = update,
    .draw = draw,
    PANE_DETAIL_ROWS(detail_rows),
    .detail_title = detail_title,
};
