/*
 * texttable.c - aligned plain-text tables (see include/wisp/texttable.h).
 * Printed, the heading row is translated and right-to-left cells are
 * isolated; CSV is data and keeps both as they are.
 */
#include <stdlib.h>
#include <string.h>

#include "wisp/i18n.h"
#include "wisp/texttable.h"
#include "wisp/util.h"

void
texttable_init(struct texttable *t, const char *const *header)
{
    memset(t, 0, sizeof *t);
    while (header[t->ncols])
        t->ncols++;
    texttable_add(t, header);
}

void
texttable_add(struct texttable *t, const char *const *cells)
{
    t->cells = xrealloc(t->cells, (size_t)(t->nrows + 1) * (size_t)t->ncols * sizeof *t->cells);
    for (int c = 0; c < t->ncols; c++)
        t->cells[t->nrows * t->ncols + c] = xstrdup(cells[c] ? cells[c] : "-");
    t->nrows++;
}

/* An ISO 8601 time from db_row_json ("2026-11-22T10:00:00.5+00:00"): shown to
 * the minute in tables, which is what a person scanning a list needs. */
static bool
is_timestamp(const char *s)
{
    return strlen(s) >= 16 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':';
}

void
texttable_add_json(struct texttable *t, json_t *obj, const char *const *keys)
{
    char **cells = xcalloc((size_t)t->ncols, sizeof *cells);

    for (int c = 0; c < t->ncols; c++) {
        json_t *v = json_object_get(obj, keys[c]);

        if (json_is_string(v) && is_timestamp(json_string_value(v)))
            cells[c] = xasprintf("%.10s %.5s", json_string_value(v), json_string_value(v) + 11);
        else if (json_is_string(v))
            cells[c] = xstrdup(json_string_value(v));
        else if (json_is_integer(v))
            cells[c] = xasprintf("%lld", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            cells[c] = xstrdup(json_is_true(v) ? "yes" : "no");
        else if (v && !json_is_null(v))
            cells[c] = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    }
    texttable_add(t, (const char *const *)cells);
    for (int c = 0; c < t->ncols; c++)
        free(cells[c]);
    free(cells);
}

void
texttable_print(struct texttable *t, FILE *out)
{
    int *w = xcalloc((size_t)t->ncols, sizeof *w);

    /* Cells come from the database and from routers: a name or note that
     * holds ESC must show as text, not move the terminal's cursor. CSV keeps
     * the cells as they are (it is data, and quoted). */
    for (int i = 0; i < t->nrows * t->ncols; i++) {
        if (str_has_ctrl(t->cells[i])) {
            char *safe = str_safe(t->cells[i]);

            free(t->cells[i]);
            t->cells[i] = safe;
        }
        /* The heading in the operator's language (the callers mark it N_);
         * CSV keeps the English one, for programs. gettext("") would be the
         * catalog's header. */
        if (i < t->ncols && *t->cells[i]) {
            char *head = xstrdup(_(t->cells[i]));

            free(t->cells[i]);
            t->cells[i] = head;
        }
        /* A right-to-left cell is isolated (util.h: str_has_rtl): the line
         * stays left to right, each cell in its own order. */
        if (str_has_rtl(t->cells[i])) {
            char *iso = xasprintf(STR_FSI "%s" STR_PDI, t->cells[i]);

            free(t->cells[i]);
            t->cells[i] = iso;
        }
    }
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            int cw = str_width(t->cells[r * t->ncols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];

            fputs(cell, out);
            if (c < t->ncols - 1)
                fprintf(out, "%*s", w[c] - str_width(cell) + 2, "");
            free(t->cells[r * t->ncols + c]);
        }
        fputc('\n', out);
    }
    free(t->cells);
    free(w);
    memset(t, 0, sizeof *t);
}

void
texttable_free(struct texttable *t)
{
    for (int i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

void
texttable_csv_cell(FILE *out, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

void
texttable_print_csv(struct texttable *t, FILE *out)
{
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++) {
            const char *v = t->cells[r * t->ncols + c];

            if (c)
                fputc(',', out);
            texttable_csv_cell(out, v ? v : "");
        }
        fputc('\n', out);
    }
    texttable_free(t);
}
