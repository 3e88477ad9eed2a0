/*
 * prompt.h - GNU readline inside the console, through its callback
 * interface: the console feeds it keys, readline edits the line (history,
 * Emacs keys, Tab completion over the command table) and the console draws
 * it in the footer. Readline never touches the terminal itself.
 */
#ifndef WISP_PROMPT_H
#define WISP_PROMPT_H

#include <stdbool.h>

/* Set readline up for the console and load the history file. */
void prompt_init(void);

/* Begin a command line (after `:`). */
void prompt_start(void);

/* Feed one curses key. Returns true when the line is finished: *line is then
 * the entered text (malloc'ed; NULL when cancelled with Esc). */
bool prompt_key(int ch, char **line);

/* Draw the line being edited at row y, with the cursor where readline has it. */
void prompt_draw(int y);

/* Plan names for completion of --plan, router names for --router and a
 * `router ...` command's NAME (NULL-terminated copies are kept). */
void prompt_set_plans(const char *const *plans, int n);
void prompt_set_routers(const char *const *routers, int n);

/* Candidates of the last ambiguous Tab, for the footer, or NULL. */
const char *prompt_hint(void);

/* Save the history file and release readline. */
void prompt_done(void);

#endif
