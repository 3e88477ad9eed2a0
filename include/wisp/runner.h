/*
 * runner.h - runs command lines from the console's `:` prompt on a thread of
 * their own, through the same command table as the CLI, so a slow command
 * never freezes the screen. Output and errors are collected as text, and the
 * command's result (a JSON object: the new batch's id, a revealed PIN) is
 * kept beside it, so the console reads values, never printed text. The
 * runner writes a byte to the wake pipe when a command has finished.
 */
#ifndef WISP_RUNNER_H
#define WISP_RUNNER_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "wisp/config.h"
#include "wisp/err.h"

struct runner;

/* Start the thread; commands use cfg (read-only) and their own connection. */
struct runner *runner_start(struct config *cfg, int wake_fd, struct werr *e);

/* Queue one command as words, as cli_call takes them: what the console
 * builds from a dialog ("voucher", "create", "--plan", name, ...), each
 * value as typed, no quoting. The words are copied. False when one is still
 * running. */
bool runner_call(struct runner *r, int argc, const char *const *argv);

/* A command being built as words for runner_call: each word copied. */
#define WORDS_MAX 40
struct words {
    char *w[WORDS_MAX];
    int n;
};
void words_add(struct words *w, const char *word);
/* "--flag" and its value as two words; flag NULL: the value alone. */
void words_flag(struct words *w, const char *flag, const char *value);
/* A word written as printf does. */
void words_addf(struct words *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void words_free(struct words *w);
/* runner_call with w's words (w is left as it was). */
bool runner_call_words(struct runner *r, const struct words *w);

/* Queue one command line as typed at the `:` prompt (split by cli_split). */
bool runner_submit(struct runner *r, const char *line);

/* True while a command runs. */
bool runner_busy(struct runner *r);

/* A finished command. */
struct runner_done {
    const char *command; /* its words as the table has them ("voucher create"), or NULL */
    char *output;        /* its text, then "wisp: error" and usage; malloc'ed, may be NULL */
    int status;          /* exit status: 0, 1 or 2 */
    json_t *result;      /* cli_call's result ({"batch_id": ...}, {"order_id", "pin"}), or NULL */
};

/* When a command has finished: what it left, handed over (the caller frees
 * output and json_decref's result). False when there is nothing new. */
bool runner_take(struct runner *r, struct runner_done *d);

/* Progress of the running command (0/0 when it reports none). */
void runner_progress(struct runner *r, int64_t *done, int64_t *total);

void runner_stop(struct runner *r);

#endif
