/*
 * err.h - errors as values.
 *
 * Every fallible function in src/ takes a struct werr * and returns -1 (or
 * NULL) after filling it with a one-line message a person can act on and the
 * exit status the failure deserves. Only main() decides to exit.
 */
#ifndef WISP_ERR_H
#define WISP_ERR_H

enum {
    WISP_OK = 0,
    WISP_ERUNTIME = 1, /* the command was right, the world was not */
    WISP_EUSAGE = 2,   /* the command itself was wrong */
};

struct werr {
    int status;    /* WISP_ERUNTIME or WISP_EUSAGE once set, 0 while clear */
    char msg[512]; /* one line, no trailing newline */
};

/* Fill e (when not NULL) with a formatted message; always returns -1. */
int werr_set(struct werr *e, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix the message already in e with "what: " (a head ending in ":" or
 * spaces gets one separator, never two). */
void werr_prefix(struct werr *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset e to "no error". */
void werr_clear(struct werr *e);

#endif
