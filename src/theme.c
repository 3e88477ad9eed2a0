/*
 * theme.c - colour themes as data (see include/wisp/theme.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "wisp/datadir.h"
#include "wisp/i18n.h"
#include "wisp/theme.h"
#include "wisp/util.h"

static const char *const element_names[TH_COUNT] = {
    "normal", "header", "tab",    "tab_active", "table_header", "selected", "ok",     "warn", "bad",
    "dim",    "dialog", "footer", "key",        "banner",       "chart1",   "chart2", "qr",
};

static const char *const color_names[16] = {
    "black",        "red",           "green",       "yellow",         "blue",
    "magenta",      "cyan",          "white",       "bright-black",   "bright-red",
    "bright-green", "bright-yellow", "bright-blue", "bright-magenta", "bright-cyan",
    "bright-white",
};

const char *
theme_element_name(enum theme_element el)
{
    return el < TH_COUNT ? element_names[el] : "?";
}

void
theme_builtin(struct theme *t)
{
    static const struct theme_style def[TH_COUNT] = {
        [TH_NORMAL] = {-1, -1, 0},
        [TH_HEADER] = {15, 4, THEME_BOLD},
        [TH_TAB] = {7, -1, 0},
        [TH_TAB_ACTIVE] = {0, 6, THEME_BOLD},
        [TH_TABLE_HEADER] = {6, -1, THEME_BOLD | THEME_UNDERLINE},
        [TH_SELECTED] = {0, 14, 0},
        [TH_OK] = {2, -1, 0},
        [TH_WARN] = {3, -1, THEME_BOLD},
        [TH_BAD] = {1, -1, THEME_BOLD},
        [TH_DIM] = {8, -1, 0},
        [TH_DIALOG] = {0, 7, 0},
        [TH_FOOTER] = {7, -1, 0},
        [TH_KEY] = {0, 6, THEME_BOLD},
        [TH_BANNER] = {15, 1, THEME_BOLD},
        [TH_CHART1] = {2, -1, 0},
        [TH_CHART2] = {4, -1, 0},
        [TH_QR] = {0, 15, 0},
    };

    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "default");
    memcpy(t->style, def, sizeof def);
}

/* Mono: attributes only; the QR keeps reverse video so it scans anywhere. */
static void
theme_mono(struct theme *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "mono");
    t->mono = true;
    for (int i = 0; i < TH_COUNT; i++)
        t->style[i] = (struct theme_style){-1, -1, 0};
    t->style[TH_HEADER].attrs = THEME_REVERSE;
    t->style[TH_TAB_ACTIVE].attrs = THEME_REVERSE | THEME_BOLD;
    t->style[TH_TABLE_HEADER].attrs = THEME_BOLD | THEME_UNDERLINE;
    t->style[TH_SELECTED].attrs = THEME_REVERSE;
    t->style[TH_WARN].attrs = THEME_BOLD;
    t->style[TH_BAD].attrs = THEME_BOLD | THEME_UNDERLINE;
    t->style[TH_DIM].attrs = THEME_DIM;
    t->style[TH_DIALOG].attrs = THEME_REVERSE;
    t->style[TH_KEY].attrs = THEME_REVERSE;
    t->style[TH_BANNER].attrs = THEME_REVERSE | THEME_BOLD;
    t->style[TH_QR].attrs = THEME_REVERSE;
}

static int
parse_color(json_t *v, int *out)
{
    if (json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 255) {
        *out = (int)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v))
        return -1;
    if (strcmp(json_string_value(v), "default") == 0) {
        *out = THEME_DEFAULT_COLOR;
        return 0;
    }
    for (int i = 0; i < 16; i++)
        if (strcmp(json_string_value(v), color_names[i]) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

static int theme_apply(struct theme *t, json_t *root, const char *path, struct werr *e);

static int
parse_style(json_t *obj, struct theme_style *s, const char *path, const char *el, struct werr *e)
{
    static const char *const attr_names[] = {"bold", "reverse", "underline", "dim"};
    const char *key;
    json_t *v;

    if (!json_is_object(obj))
        return werr_set(e, WISP_EUSAGE, _("%s: key \"%s\": expected an object with fg, bg, attrs"),
                        path, el);
    json_object_foreach(obj, key, v)
    {
        if (strcmp(key, "fg") == 0 || strcmp(key, "bg") == 0) {
            if (parse_color(v, key[0] == 'f' ? &s->fg : &s->bg) < 0)
                return werr_set(e, WISP_EUSAGE,
                                _("%s: key \"%s.%s\": expected a colour name (black, red, ..., "
                                  "bright-white, default) or 0-255"),
                                path, el, key);
        } else if (strcmp(key, "attrs") == 0 && json_is_array(v)) {
            size_t i;
            json_t *a;

            s->attrs = 0;
            json_array_foreach(v, i, a)
            {
                unsigned bit = 0;

                for (unsigned k = 0; k < 4; k++)
                    if (json_is_string(a) && strcmp(json_string_value(a), attr_names[k]) == 0)
                        bit = 1u << k;
                if (bit == 0)
                    return werr_set(e, WISP_EUSAGE,
                                    _("%s: key \"%s.attrs\": expected bold, reverse, underline or "
                                      "dim"),
                                    path, el);
                s->attrs |= bit;
            }
        } else {
            return werr_set(e, WISP_EUSAGE,
                            _("%s: key \"%s.%s\": unknown (expected fg, bg, attrs)"), path, el,
                            key);
        }
    }
    return 0;
}

int
theme_load_file(struct theme *t, const char *path, struct werr *e)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);

    if (root == NULL)
        return werr_set(e, WISP_EUSAGE, _("%s: line %d: %s"), path, jerr.line, jerr.text);
    return theme_apply(t, root, path, e);
}

int
theme_parse(struct theme *t, const char *text, size_t len, const char *path, struct werr *e)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);

    if (root == NULL)
        return werr_set(e, WISP_EUSAGE, _("%s: line %d: %s"), path, jerr.line, jerr.text);
    return theme_apply(t, root, path, e);
}

/* A theme file's JSON onto t; takes root's reference. */
static int
theme_apply(struct theme *t, json_t *root, const char *path, struct werr *e)
{
    json_t *v;
    const char *key;
    int rc = 0;

    if (!json_is_object(root)) {
        json_decref(root);
        return werr_set(e, WISP_EUSAGE, _("%s: expected a JSON object of UI elements"), path);
    }
    json_object_foreach(root, key, v)
    {
        int el = -1;

        if (strcmp(key, "name") == 0 || strcmp(key, "description") == 0)
            continue;
        if (strcmp(key, "mono") == 0) { /* attributes only: start from the mono table */
            if (json_is_true(v)) {
                char name[64];

                memcpy(name, t->name, sizeof name);
                theme_mono(t);
                memcpy(t->name, name, sizeof name);
            }
            continue;
        }
        for (int i = 0; i < TH_COUNT; i++)
            if (strcmp(key, element_names[i]) == 0)
                el = i;
        if (el < 0) {
            rc = werr_set(e, WISP_EUSAGE, _("%s: key \"%s\": unknown UI element"), path, key);
            break;
        }
        if ((rc = parse_style(v, &t->style[el], path, key, e)) < 0)
            break;
    }
    json_decref(root);
    return rc;
}

int
theme_load(struct theme *t, const char *name, const char *const *dirs, struct werr *e)
{
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    char *user = xdg && *xdg     ? xasprintf("%s/wisp/themes", xdg)
                 : home && *home ? xasprintf("%s/.config/wisp/themes", home)
                                 : NULL;
    char *path = NULL;

    theme_builtin(t);
    if (user) {
        path = xasprintf("%s/%s.json", user, name);
        if (access(path, R_OK) != 0) {
            free(path);
            path = NULL;
        }
    }
    for (int i = 0; path == NULL && dirs && dirs[i]; i++) {
        path = xasprintf("%s/%s.json", dirs[i], name);
        if (access(path, R_OK) != 0) {
            free(path);
            path = NULL;
        }
    }
    free(user);
    if (path == NULL) {
        if (str_eq(name, "default"))
            return 0; /* the built-in default needs no file */
        if (str_eq(name, "mono")) {
            theme_mono(t); /* NO_COLOR must work even without theme files */
            return 0;
        }
        return werr_set(e, WISP_EUSAGE, _("theme \"%s\" not found (themes/%s.json); using default"),
                        name, name);
    }
    snprintf(t->name, sizeof t->name, "%s", name);
    if (theme_load_file(t, path, e) < 0) {
        theme_builtin(t);
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

int
theme_load_installed(struct theme *t, const char *name, struct werr *e)
{
    char dir[PATH_MAX];
    const char *dirs[2] = {datadir_find("themes", dir, sizeof dir), NULL};
    size_t len = strlen(name);

    if (len == 0 || len >= sizeof t->name ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != len) {
        theme_builtin(t);
        return werr_set(e, WISP_EUSAGE,
                        _("bad theme name \"%s\": expected letters, digits, - and _"), name);
    }
    return theme_load(t, name, dirs, e);
}
