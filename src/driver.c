/*
 * driver.c - what every router driver shares (see include/wisp/driver.h).
 */
#include "wisp/driver.h"
#include "wisp/i18n.h"

const struct driver *
driver_find(const char *name)
{
    if (str_eq(name, "routeros"))
        return &driver_routeros;
    if (str_eq(name, "opennds"))
        return &driver_opennds;
    return NULL;
}

int
driver_run(struct rconn *c, const char *cmd, int *status, struct werr *e)
{
    int st;

    sb_reset(&c->out);
    if (c->transport) {
        if (c->transport(c, cmd, &c->out, &st) < 0) {
            c->broken = true;
            return werr_set(e, WISP_ERUNTIME, _("the session died"));
        }
    } else if (!c->ssh)
        return werr_set(e, WISP_ERUNTIME, _("not connected"));
    else if (ssh_exec(c->ssh, cmd, &c->out, &st, e) != SSH_OK) {
        c->broken = true; /* the caller closes the session and opens a new one later */
        return -1;
    }
    ros_clean(&c->out);
    if (!c->out.buf)
        sb_add(&c->out, "");
    if (status)
        *status = st;
    return 0;
}
