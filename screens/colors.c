/*
 * colors.c - theme elements onto curses colour pairs (see include/wisp/colors.h).
 *
 * Pair i+1 belongs to element i. A 256-colour index on a 16-colour terminal
 * becomes the nearest of the 16 ANSI colours; on an 8-colour terminal the
 * bright half becomes its base colour plus bold.
 */
#include <stdlib.h>

#include "wisp/colors.h"

static attr_t attrs[TH_COUNT];
static int depth;

/* The 16 ANSI colours as xterm draws them, for nearest-colour matching. */
static const int ansi_rgb[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

static void
xterm_rgb(int c, int rgb[3])
{
    static const int steps[6] = {0, 95, 135, 175, 215, 255};

    if (c < 16) {
        for (int i = 0; i < 3; i++)
            rgb[i] = ansi_rgb[c][i];
    } else if (c < 232) {
        c -= 16;
        rgb[0] = steps[c / 36], rgb[1] = steps[(c / 6) % 6], rgb[2] = steps[c % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + (c - 232) * 10;
    }
}

/* Nearest of the first n ANSI colours to 256-colour index c. */
static int
nearest(int c, int n)
{
    int rgb[3], best = 0;
    long best_d = -1;

    xterm_rgb(c, rgb);
    for (int i = 0; i < n; i++) {
        long d = 0;

        for (int k = 0; k < 3; k++)
            d += (long)(rgb[k] - ansi_rgb[i][k]) * (rgb[k] - ansi_rgb[i][k]);
        if (best_d < 0 || d < best_d)
            best = i, best_d = d;
    }
    return best;
}

/* A theme colour on this terminal; *bold set when brightness needs bold. */
static short
fit(int c, bool *bold)
{
    if (c < 0)
        return -1;
    if (depth >= 256)
        return (short)c;
    if (c >= 16)
        c = nearest(c, 16);
    if (depth < 16 && c >= 8) {
        *bold = true;
        c -= 8;
    }
    return (short)c;
}

static attr_t
style_attrs(unsigned a)
{
    attr_t r = A_NORMAL;

    if (a & THEME_BOLD)
        r |= A_BOLD;
    if (a & THEME_REVERSE)
        r |= A_REVERSE;
    if (a & THEME_UNDERLINE)
        r |= A_UNDERLINE;
    if (a & THEME_DIM)
        r |= A_DIM;
    return r;
}

void
colors_apply(const struct theme *t, bool force_mono)
{
    bool mono = force_mono || t->mono || !has_colors();

    if (!mono) { /* COLORS is known only after start_color(): 0 before */
        start_color();
        use_default_colors();
    }
    depth = mono ? 0 : COLORS >= 256 ? 256 : COLORS >= 16 ? 16 : 8;
    for (int i = 0; i < TH_COUNT; i++) {
        const struct theme_style *s = &t->style[i];
        bool bold = false;

        attrs[i] = style_attrs(s->attrs);
        if (mono) {
            if (t->mono)
                continue;
            /* a colour theme on a mono terminal: keep what makes things stand out */
            if (i == TH_HEADER || i == TH_TAB_ACTIVE || i == TH_SELECTED || i == TH_KEY ||
                i == TH_BANNER || i == TH_DIALOG || i == TH_QR)
                attrs[i] |= A_REVERSE;
            continue;
        }
        init_pair((short)(i + 1), fit(s->fg, &bold), fit(s->bg, &(bool){false}));
        attrs[i] |= COLOR_PAIR(i + 1) | (bold ? A_BOLD : A_NORMAL);
    }
}

attr_t
colors_attr(enum theme_element el)
{
    return el < TH_COUNT ? attrs[el] : A_NORMAL;
}

int
colors_depth(void)
{
    return depth;
}
