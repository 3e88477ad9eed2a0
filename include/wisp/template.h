/*
 * template.h - card and ticket layouts as data (templates/NAME.json), the
 * way colour themes are: wisp ships some in templates/ (beside the binary,
 * or PREFIX/share/wisp/templates when installed), a shop keeps its own in
 * $XDG_CONFIG_HOME/wisp/templates (~/.config/wisp/templates), and an own
 * file wins over a shipped one of the same name.
 *
 * A template file is a JSON object: the page's grid of cards (or a ticket)
 * and a list of boxes, each an item (shop, logo, plan, price, validity,
 * code, password, serial, qr, free) with where it goes, its size, weight,
 * alignment and colour; docs/templates.md has every key. It is parsed into
 * a struct render_layout (render.h) for the paper being printed on, which
 * sheet_write takes through sheet_opts.layout. A bad file gets one line
 * naming the file, the line and the key.
 */
#ifndef WISP_TEMPLATE_H
#define WISP_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "wisp/err.h"
#include "wisp/render.h"
#include "wisp/sheet.h"

enum template_kind {
    TEMPLATE_CARD,   /* a grid of cards on A4 or Letter: pdf, ps */
    TEMPLATE_TICKET, /* one ticket a voucher on a 58/80 mm roll: escpos */
};

#define TEMPLATE_MAX_STRINGS (RENDER_MAX_BOXES * 4 + 8)

struct template
{
    char name[64];
    enum template_kind kind;
    struct render_layout layout; /* its strings belong to the template */
    char *strings[TEMPLATE_MAX_STRINGS];
    int nstrings;
};

/* Whether name can name a template: 1-63 letters, digits, - and _. */
bool template_name_ok(const char *name);

/* Parse a template's text (read from path, which errors name and logo
 * paths are relative to) into t for the paper (A4/Letter for cards,
 * 58/80 mm for tickets); columns > 0 replaces a card template's column
 * count when the template leaves the card width to the page. -1 with
 * WISP_EUSAGE and "PATH: line N: key \"K\": ..." on a bad file. */
int template_parse(struct template *t, const char *text, size_t len, const char *path,
                   enum sheet_paper paper, int columns, struct werr *e);

/* The same from a file. */
int template_load_file(struct template *t, const char *path, enum sheet_paper paper, int columns,
                       struct werr *e);

/* The file template name resolves to (own before shipped), malloc'd, or
 * NULL with WISP_EUSAGE when there is none. */
char *template_find(const char *name, struct werr *e);

/* template_find and template_load_file. */
int template_load(struct template *t, const char *name, enum sheet_paper paper, int columns,
                  struct werr *e);

/* The layout a print uses: the template named (an explicit --template: a
 * format it does not fit is an error), else plan_name's (a plan's default:
 * skipped where it does not fit, as on a text sheet), else none. *used says
 * whether t holds one (free it then); -1 with the reason. */
int template_for_print(struct template *t, const char *name, const char *plan_name,
                       enum sheet_format f, enum sheet_paper paper, int columns, bool *used,
                       struct werr *e);

/* Free what the template holds (t itself is the caller's). */
void template_free(struct template *t);

/* Every template by name, sorted: [{name, kind, description, file, own,
 * overrides: the shipped file an own one hides, or null}]. A file that does
 * not parse is listed with kind null and its error. */
json_t *template_list(void);

#endif
