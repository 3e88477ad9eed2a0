/*
 * err.c - errors as values (see include/wisp/err.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wisp/err.h"

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
    memcpy(old, e->msg, sizeof old);
    /* the message is cut to fit, on purpose: one line, never an overflow */
    if (snprintf(e->msg, sizeof e->msg, "%s: %.*s", head, (int)(sizeof e->msg / 2), old) < 0)
        e->msg[0] = '\0';
}

void
werr_clear(struct werr *e)
{
    if (e == NULL)
        return;
    e->status = 0;
    e->msg[0] = '\0';
}
