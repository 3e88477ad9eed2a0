/*
 * cmd_template.c - `wisp template list|show`: the card and ticket layouts
 * wisp can print with (src/template.c), which file each name resolves to
 * (a shop's own before a shipped one), and a file's text.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wisp/cli.h"
#include "wisp/i18n.h"
#include "wisp/template.h"
#include "wisp/util.h"

static int
template_list_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    static const char *const head[] = {"NAME", "KIND", "OWN", "FILE", "OVERRIDES", NULL};
    static const char *const keys[] = {"name", "kind", "own", "file", "overrides", NULL};
    json_t *list = template_list(), *row;
    size_t i;

    (void)a, (void)e;
    if (!ctx->json) /* a file that does not parse says why under its name */
        json_array_foreach(list, i, row) if (json_is_string(json_object_get(row, "error")))
            json_object_set(row, "kind", json_object_get(row, "error"));
    cmd_print_list(ctx, list, head, keys);
    return 0;
}

/* The file NAME resolves to: its path and text (a template holds no secret). */
static int
template_show_exec(struct cmd_ctx *ctx, const struct cmd_args *a, struct werr *e)
{
    char *path = template_find(a->pos[0], e), buf[4096];
    struct sbuf text = {0};
    FILE *f;
    size_t n;

    if (path == NULL)
        return -1;
    if ((f = fopen(path, "r")) == NULL) {
        werr_set(e, WISP_ERUNTIME, _("%s: cannot read"), path);
        free(path);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_addn(&text, buf, n);
    fclose(f);
    cmd_result(ctx, json_pack("{s:s, s:s, s:s}", "name", a->pos[0], "file", path, "text",
                              text.buf ? text.buf : ""));
    cmd_printf(ctx, "# %s\n%s", path, text.buf ? text.buf : "");
    sb_free(&text);
    free(path);
    return 0;
}

const struct cmd_entry cmd_template_entries[] = {
    {.name = "template list",
     .summary = N_("the sheet and ticket templates: shipped and the shop's own, which one wins"),
     .exec = template_list_exec,
     .places = CMD_ANYWHERE},
    {.name = "template show",
     .usage = "NAME",
     .summary = N_("the file a template name resolves to, and its text"),
     .min_pos = 1,
     .max_pos = 1,
     .exec = template_show_exec,
     .places = CMD_ANYWHERE},
    {0},
};
