/*
 * sink.h - where a sheet, ticket or receipt goes: a file (written beside it
 * and renamed into place, so a failure leaves no half file), `lp` (a pipe to
 * its standard input), or standard output.
 */
#ifndef WISP_SINK_H
#define WISP_SINK_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "wisp/err.h"

struct sink {
    FILE *f;
    char *path, *tmp;
    pid_t lp;
};

/* path NULL or "-": dflt; lp non-NULL: `lp [-d PRINTER]` ("" = the default printer),
 * with `-o raw` when raw (printer bytes such as ESC/POS, which no filter may touch). */
int sink_open(struct sink *s, FILE *dflt, const char *path, const char *lp, bool raw,
              struct werr *e);
/* Finish; ok false throws the output away. A failing lp is an error. */
int sink_close(struct sink *s, FILE *dflt, bool ok, struct werr *e);

#endif
