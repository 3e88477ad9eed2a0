/*
 * err.c - errors as values (see include/wisp/err.h).
 *
 * A message may quote what a person typed, a router answered or the
 * database holds, and it ends up on a terminal: control characters in it are
 * shown visibly (str_safe) here, once, for every message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/err.h"
#include "wisp/util.h"

/* Keep e->msg one line a terminal shows as text. */
static void
make_safe(struct werr *e)
{
    char *safe;

    if (!str_has_ctrl(e->msg))
        return;
    safe = str_safe(e->msg);
    snprintf(e->msg, sizeof e->msg, "%s", safe);
    free(safe);
}

int
werr_set(struct werr *e, int status, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return -1;
    e->status = status;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    make_safe(e);
    return -1;
}

void
werr_prefix(struct werr *e, const char *fmt, ...)
{
    char head[256], old[sizeof e->msg];
    va_list ap;

    if (e == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    /* "router evil: " given as the head must not read "router evil: : ..." */
    for (size_t n = strlen(head); n > 0 && (head[n - 1] == ':' || head[n - 1] == ' ');)
        head[--n] = '\0';
    memcpy(old, e->msg, sizeof old);
    /* the message is cut to fit, on purpose: one line, never an overflow */
    if (snprintf(e->msg, sizeof e->msg, "%s: %.*s", head, (int)(sizeof e->msg / 2), old) < 0)
        e->msg[0] = '\0';
    make_safe(e);
}

void
werr_clear(struct werr *e)
{
    if (e == NULL)
        return;
    e->status = 0;
    e->msg[0] = '\0';
}
