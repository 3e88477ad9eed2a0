/*
 * fuzz_theme.c - a theme file (src/theme.c) as any bytes: whatever it says,
 * every style stays a colour 0-255 or the default, with known attributes
 * only. Seeds: tests/fuzz/corpus/theme/ (the themes/ files).
 */
#include "fuzz.h"

#include "wisp/theme.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct theme t;
    struct werr e = {0};

    theme_builtin(&t);
    theme_parse(&t, (const char *)data, size, "fuzz.json", &e);
    for (int i = 0; i < TH_COUNT; i++) {
        FUZZ_CHECK(t.style[i].fg >= THEME_DEFAULT_COLOR && t.style[i].fg <= 255);
        FUZZ_CHECK(t.style[i].bg >= THEME_DEFAULT_COLOR && t.style[i].bg <= 255);
        FUZZ_CHECK(t.style[i].attrs < 16);
    }
    return 0;
}
