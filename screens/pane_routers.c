/*
 * pane_routers.c - the Routers pane: the routers that sell the internet,
 * their state in colour, load and sessions; t tests one now, y asks the
 * worker to sync it, m puts it in maintenance, a and e add and edit (the
 * router form). The data is the feed's router_list() rows.
 */
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/pane.h"
#include "wisp/util.h"

/* Up green, maintenance yellow, down and hostkey-mismatch red (the
 * Metrics pane's squares too). */
const struct listpane_state router_states[] = {
    {"up", TH_OK}, {"maintenance", TH_WARN}, {"unknown", TH_DIM}, {NULL, TH_BAD}};

static enum theme_element
cpu_colour(void *ctx, json_t *r)
{
    json_t *cpu = json_object_get(r, "cpu_load");

    (void)ctx;
    if (!json_is_integer(cpu))
        return TH_NORMAL;
    return json_integer_value(cpu) >= 90   ? TH_BAD
           : json_integer_value(cpu) >= 70 ? TH_WARN
                                           : TH_NORMAL;
}

/* At 80 columns: name, host, state, sessions, last seen and the error. */
static const struct listpane_column columns[] = {
    {{N_("NAME"), 14, false, 0}, "name", LF_TEXT},
    {{N_("DRIVER"), 9, false, 6}, "driver", LF_TEXT},
    {{N_("HOST"), 16, false, 3}, "host", LF_TEXT},
    {{N_("STATE"), 17, false, 0}, "state", LF_TEXT, .states = router_states},
    {{N_("CPU"), 5, true, 5}, "cpu_load", LF_PERCENT, .colour = cpu_colour},
    {{N_("MEM FREE"), 9, true, 8}, "mem_free", LF_BYTES},
    {{N_("UPTIME"), 11, true, 7}, "uptime_s", LF_DURATION},
    {{N_("SESS"), 5, true, 2}, "active_sessions", LF_INT},
    /* deleted vouchers still on it */
    {{N_("TO REMOVE"), 9, true, 9}, "removals_pending", LF_INT},
    {{N_("LAST SEEN"), 10, true, 4}, "last_seen", LF_AGO},
    {{N_("LAST ERROR"), 0, false, 0}, "last_error", LF_TEXT, .states = LISTPANE_ALWAYS(TH_BAD)},
};

static json_t *
rows(struct pane *p)
{
    return p->con->snap.routers;
}

static const struct detail_row detail_rows[] = {
    {N_("driver"), "driver", LF_TEXT},
    {N_("host"), "host", LF_TEXT},
    {N_("port"), "port", LF_INT},
    {N_("user"), "user", LF_TEXT},
    {N_("state"), "state", LF_TEXT},
    {N_("last seen"), "last_seen", LF_AGO},
    {N_("last error"), "last_error", LF_TEXT},
    {N_("identity"), "identity", LF_TEXT},
    {N_("version"), "version", LF_TEXT},
    {N_("cpu load"), "cpu_load", LF_PERCENT},
    {N_("memory free"), "mem_free", LF_BYTES},
    {N_("uptime"), "uptime_s", LF_DURATION},
    {N_("sessions"), "active_sessions", LF_INT},
    {N_("vouchers synced"), "vouchers_synced", LF_INT},
    {N_("vouchers failed"), "vouchers_failed", LF_INT},
    {N_("backup"), "backup", LF_TEXT},
    {N_("host key"), "hostkey", LF_TEXT},
};

static void
detail_title(struct pane *p, json_t *r, char *buf, size_t n)
{
    (void)p;
    snprintf(buf, n, "router %s   (Esc closes)", json_string_value(json_object_get(r, "name")));
}

static const char *
selected_router(struct pane *p)
{
    json_t *r = pane_selected(p, _("no router selected"));

    return r ? json_string_value(json_object_get(r, "name")) : NULL;
}

/* t, y: run a router command now (its output shows in the popup). */
static enum reaction
act_router_run(struct pane *p, int key)
{
    const char *name = selected_router(p);
    struct words w = {0};

    if (!name || !console_may(p->con, key == 't' ? ADMIN : OPERATOR,
                              key == 't' ? N_("test routers") : N_("sync routers")))
        return R_FOOTER;
    words_add(&w, "router");
    words_add(&w, key == 't' ? "test" : "sync");
    words_add(&w, name);
    if (!runner_call_words(p->con->runner, &w))
        console_say(p->con, _("a command is still running"));
    else if (key == 't')
        console_say(p->con, _("testing ..."));
    words_free(&w);
    return R_FOOTER;
}

/* m: maintenance on or off, after asking. */
static enum reaction
act_router_maint(struct pane *p, int key)
{
    const char *name = selected_router(p);
    bool on;
    char q[160];
    struct words w = {0};

    (void)key;
    if (!name || !console_may(p->con, OPERATOR, N_("change maintenance")))
        return R_FOOTER;
    on = !str_eq(json_string_value(json_object_get(listpane_selected(p->list), "state")),
                 "maintenance");
    snprintf(q, sizeof q,
             on ? _("Start maintenance for router %s?") : _("End maintenance for router %s?"),
             name);
    words_add(&w, "router");
    words_add(&w, "maintenance");
    words_add(&w, name);
    words_add(&w, on ? "on" : "off");
    return console_confirm(p, _("Maintenance"), q, &w);
}

/* The router form as a command's words. */
static void
router_command(struct pane *p, const struct dialog *d, bool add, struct words *cmd)
{
    const char *name = dialog_value(d, "name"), *hostkey = dialog_value(d, "host key");
    const char *backup = dialog_value(d, "backup");

    words_add(cmd, "router");
    words_add(cmd, add ? "add" : "edit");
    words_add(cmd,
              add ? name : json_string_value(json_object_get(listpane_selected(p->list), "name")));
    words_flag(cmd, "--driver", dialog_value(d, "driver"));
    words_flag(cmd, "--host", dialog_value(d, "host"));
    words_flag(cmd, "--port", dialog_value(d, "port"));
    words_flag(cmd, "--user", dialog_value(d, "user"));
    if (*dialog_value(d, "key file"))
        words_flag(cmd, "--key", dialog_value(d, "key file"));
    if (*hostkey)
        words_flag(cmd, "--hostkey", hostkey);
    else if (add)
        words_add(cmd, "--accept-new-hostkey");
    if (*backup || !add)
        words_flag(cmd, "--backup", *backup ? backup : "none");
}

static enum reaction
router_form_done(struct pane *p, const struct dialog *d, bool add)
{
    struct words cmd = {0};

    if (!add && !listpane_selected(p->list))
        return R_NONE;
    router_command(p, d, add, &cmd);
    return console_call(p->con, &cmd);
}

static enum reaction
router_added(struct pane *p, const struct dialog *d)
{
    return router_form_done(p, d, true);
}

static enum reaction
router_edited(struct pane *p, const struct dialog *d)
{
    return router_form_done(p, d, false);
}

/* A member of the router as text, "" when it has none. */
static const char *
field(json_t *r, const char *key)
{
    json_t *v = json_object_get(r, key);

    return json_is_string(v) ? json_string_value(v) : "";
}

/* a, e: the router form (admin). A new router logs in with a key file and
 * pins the host key it is given, or the first one it sees. */
static enum reaction
act_router_form(struct pane *p, int key)
{
    static const char *const drivers[] = {"routeros", "opennds"};
    json_t *r = key == 'e' ? listpane_selected(p->list) : NULL;
    struct dialog *d;
    char port[16] = "22";

    if (!console_may(p->con, ADMIN, key == 'a' ? N_("add routers") : N_("edit routers")))
        return R_FOOTER;
    if (key == 'e' && !r) {
        console_say(p->con, _("no router selected"));
        return R_FOOTER;
    }
    if (r)
        snprintf(port, sizeof port, "%lld",
                 (long long)json_integer_value(json_object_get(r, "port")));
    d = console_form(p, key == 'a' ? _("Add a router") : _("Edit the router"),
                     key == 'a' ? router_added : router_edited);
    dialog_text(d, N_("name"), field(r, "name"));
    dialog_choice(d, N_("driver"), drivers, 2);
    if (str_eq(field(r, "driver"), "opennds"))
        d->field[d->nfields - 1].choice = 1;
    dialog_text(d, N_("host"), field(r, "host"));
    dialog_text(d, N_("port"), port);
    dialog_text(d, N_("user"), field(r, "user"));
    dialog_text(d, N_("key file"), field(r, "key_path"));
    dialog_text(d, N_("host key"), field(r, "hostkey"));
    dialog_text(d, N_("backup"), field(r, "backup"));
    return R_OVERLAY;
}

static const struct binding keys[] = {
    {'t', "t", N_("test the selected router (connect, identity, version)"), N_("test"),
     act_router_run, ADMIN, false},
    {'a', "a", N_("add a router"), N_("add"), act_router_form, ADMIN, false},
    {'e', "e", N_("edit the selected router"), N_("edit"), act_router_form, ADMIN, false},
    {'m', "m", N_("maintenance on or off (asks first)"), N_("maint"), act_router_maint, OPERATOR,
     false},
    {'y', "y", N_("sync the selected router now"), N_("sync"), act_router_run, OPERATOR, false},
};

const struct pane_class routers_pane = {
    .name = N_("Routers"),
    .purpose = N_("The routers that sell the internet: MikroTik RouterOS and OpenWrt/openNDS, "
                  "their state, load and sessions."),
    .fill = N_("No routers yet: an admin presses a here, or runs `wisp router add NAME --host H "
               "--user U --driver routeros|opennds --key PATH --accept-new-hostkey`."),
    PANE_KEYS(keys),
    PANE_COLUMNS(columns),
    .id_key = "name",
    .rows = rows,
    PANE_DETAIL_ROWS(detail_rows),
    .detail_title = detail_title,
};
