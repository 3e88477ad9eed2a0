/*
 * fuzz.h - what the libFuzzer targets in tests/fuzz/ share: the input as a
 * C string, and a check that stops the run with the reason when a parser
 * breaks a promise its header makes (a crash for libFuzzer, so the input is
 * kept as an artifact and becomes a regression input in the corpus).
 */
#ifndef WISP_FUZZ_H
#define WISP_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wisp/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (a NUL inside ends it early, as it
 * would end the text a parser gets from a router). Free it. */
static inline char *
fuzz_text(const uint8_t *data, size_t size)
{
    char *s = xmalloc(size + 1);

    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond);             \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Call f(line, len, arg) for each line of text (without its newline). */
static inline void
fuzz_lines(const char *text, void (*f)(const char *line, void *arg), void *arg)
{
    char *copy = xstrdup(text), *rest = copy, *line;

    while ((line = strsep(&rest, "\n")))
        f(line, arg);
    free(copy);
}

#endif
