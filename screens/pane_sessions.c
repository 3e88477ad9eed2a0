/*
 * pane_sessions.c - the Sessions pane: live hotspot sessions on every
 * router (who is online, on which voucher, for how long, how much); k kicks
 * the selected one after asking (the worker carries it out).
 */
#include <stdlib.h>

#include "wisp/i18n.h"
#include "wisp/pane.h"
#include "wisp/util.h"

/* Time left: yellow under five minutes. */
static enum theme_element
left_colour(void *ctx, json_t *s)
{
    json_t *left = json_object_get(s, "time_left_s");

    (void)ctx;
    if (!json_is_integer(left))
        return TH_NORMAL;
    return json_integer_value(left) < 300 ? TH_WARN : TH_OK;
}

/* At 80 columns: user, plan, router, ip, time left and rate. */
static const struct listpane_column columns[] = {
    {{N_("USER"), 12, false, 0}, "user", LF_TEXT},
    {{N_("PLAN"), 8, false, 0}, "plan", LF_TEXT},
    {{N_("ROUTER"), 10, false, 0}, "router", LF_TEXT},
    {{N_("IP"), 15, false, 5}, "ip", LF_TEXT},
    {{N_("MAC"), 17, false, 9}, "mac", LF_TEXT},
    {{N_("UPTIME"), 9, true, 8}, "uptime_s", LF_DURATION},
    {{N_("LEFT"), 12, true, 0}, "time_left_s", LF_DURATION, .colour = left_colour},
    {{N_("IN"), 8, true, 7}, "bytes_in", LF_BYTES},
    {{N_("OUT"), 8, true, 6}, "bytes_out", LF_BYTES},
    {{N_("RATE"), 10, true, 0}, "rate_out", LF_RATE},
};

static json_t *
rows(struct pane *p)
{
    return p->con->snap.sessions;
}

static const struct detail_row detail_rows[] = {
    {N_("user"), "user", LF_TEXT},
    {N_("voucher"), "voucher", LF_TEXT},
    {N_("plan"), "plan", LF_TEXT},
    {N_("router"), "router", LF_TEXT},
    {N_("ip"), "ip", LF_TEXT},
    {N_("mac"), "mac", LF_TEXT},
    {N_("started"), "started_at", LF_AGO},
    {N_("uptime"), "uptime_s", LF_DURATION},
    {N_("time left"), "time_left_s", LF_DURATION},
    {N_("bytes in"), "bytes_in", LF_BYTES},
    {N_("bytes out"), "bytes_out", LF_BYTES},
    {N_("rate in"), "rate_in", LF_RATE},
    {N_("rate out"), "rate_out", LF_RATE},
};

static void
detail_title(struct pane *p, json_t *s, char *buf, size_t n)
{
    (void)p;
    snprintf(buf, n, "session %lld   (Esc closes)",
             (long long)json_integer_value(json_object_get(s, "id")));
}

/* k: kick the selected session, after asking. */
static enum reaction
act_kick(struct pane *p, int key)
{
    json_t *s = pane_selected(p, _("no session selected"));
    char q[160];
    struct words w = {0};

    (void)key;
    if (!s)
        return R_FOOTER;
    if (!console_may(p->con, OPERATOR, N_("kick sessions")))
        return R_FOOTER;
    snprintf(q, sizeof q, _("Kick %s (%s) off router %s?"),
             json_string_value(json_object_get(s, "user")),
             json_string_value(json_object_get(s, "mac")),
             json_string_value(json_object_get(s, "router")));
    words_add(&w, "session");
    words_add(&w, "kick");
    words_addf(&w, "%lld", (long long)json_integer_value(json_object_get(s, "id")));
    return console_confirm(p, _("Kick"), q, &w);
}

static const struct binding keys[] = {
    {'k', "k", N_("kick the selected session (asks first; \u2191 moves up here)"), N_("kick"),
     act_kick, OPERATOR, false},
};

const struct pane_class sessions_pane = {
    .name = N_("Sessions"),
    .purpose = N_("Live hotspot sessions on every router: who is online, on which voucher, how "
                  "long and how much."),
    .fill = N_("No one is online. A login on a router shows here within one worker cycle (`wisp "
               "worker`, or the console's own worker when none runs)."),
    .want = FEED_SESSIONS,
    PANE_KEYS(keys),
    PANE_COLUMNS(columns),
    .id_key = "id",
    .rows = rows,
    PANE_DETAIL_ROWS(detail_rows),
    .detail_title = detail_title,
};
