/*
 * texttable.h - aligned plain-text tables for command output (`plan list`,
 * `batch list`, ...). Cells are copied; widths are measured in terminal columns.
 */
#ifndef WISP_TEXTTABLE_H
#define WISP_TEXTTABLE_H

#include <stdio.h>

#include <jansson.h>

struct texttable {
    int ncols;
    int nrows;
    char **cells; /* nrows * ncols, row 0 is the header */
};

/* Start a table with the given header cells (NULL-terminated). */
void texttable_init(struct texttable *t, const char *const *header);
/* Append a row of ncols cells (NULL cells print as "-"). */
void texttable_add(struct texttable *t, const char *const *cells);
/* Append a row from JSON object fields named by keys (ncols of them). */
void texttable_add_json(struct texttable *t, json_t *obj, const char *const *keys);
/* Free the table without printing it. */
void texttable_free(struct texttable *t);
/* Print with two spaces between columns, control characters in cells shown
 * visibly (str_safe), the header cells translated (gettext: callers mark
 * them with N_), each cell holding right-to-left text between the bidi
 * isolates FSI and PDI (util.h), widths in terminal columns; then free the
 * table. */
void texttable_print(struct texttable *t, FILE *out);

/* Print as CSV (RFC 4180 quoting, header first, as given: English), then
 * free the table. */
void texttable_print_csv(struct texttable *t, FILE *out);
/* One CSV cell, quoted when it must be. */
void texttable_csv_cell(FILE *out, const char *s);

#endif
