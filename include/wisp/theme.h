/*
 * theme.h - colour themes as data (themes/NAME.json), looked up by UI element
 * so no pane names a colour (htop's CRT colour table, btop's theme files).
 *
 * A theme file is a JSON object of element -> {"fg": C, "bg": C, "attrs":
 * ["bold", "reverse", "underline", "dim"]}, where C is a colour name (black,
 * red, green, yellow, blue, magenta, cyan, white, their bright- variants, or
 * default) or a 256-colour index 0-255. Elements a theme leaves out keep the
 * built-in default. This module has no curses in it: screens/ maps the
 * result onto colour pairs, falling back 256 -> 16 -> 8 colours.
 */
#ifndef WISP_THEME_H
#define WISP_THEME_H

#include <stdbool.h>
#include <stddef.h>

#include "wisp/err.h"

enum theme_element {
    TH_NORMAL,
    TH_HEADER,
    TH_TAB,
    TH_TAB_ACTIVE,
    TH_TABLE_HEADER,
    TH_SELECTED,
    TH_OK,
    TH_WARN,
    TH_BAD,
    TH_DIM,
    TH_DIALOG,
    TH_FOOTER,
    TH_KEY,
    TH_BANNER,
    TH_CHART1,
    TH_CHART2,
    TH_QR, /* the QR code: fg is the dark module, bg the light one */
    TH_COUNT
};

#define THEME_DEFAULT_COLOR (-1)

struct theme_style {
    int fg, bg;     /* 0-255, or THEME_DEFAULT_COLOR */
    unsigned attrs; /* THEME_BOLD | ... */
};

enum { THEME_BOLD = 1, THEME_REVERSE = 2, THEME_UNDERLINE = 4, THEME_DIM = 8 };

struct theme {
    char name[64];
    bool mono; /* draw with attributes only */
    struct theme_style style[TH_COUNT];
};

/* The element's name in theme files ("table_header"). */
const char *theme_element_name(enum theme_element el);

/* The built-in default theme (also what a broken file falls back to). */
void theme_builtin(struct theme *t);

/* Load theme `name`: NAME.json is searched in
 * $XDG_CONFIG_HOME/wisp/themes (~/.config/wisp/themes), then each directory of
 * dirs (NULL-terminated). On error t holds the built-in theme and e says which
 * file and key were wrong. */
int theme_load(struct theme *t, const char *name, const char *const *dirs, struct werr *e);

/* theme_load from the user's directory, then wisp's own themes (the source
 * tree's themes/ or the installed share/wisp/themes: datadir.h). A name is
 * letters, digits, - and _. */
int theme_load_installed(struct theme *t, const char *name, struct werr *e);

/* Parse one theme file into t (on top of what t holds). */
int theme_load_file(struct theme *t, const char *path, struct werr *e);
/* The same from len bytes of text; path names it in errors. */
int theme_parse(struct theme *t, const char *text, size_t len, const char *path, struct werr *e);

#endif
