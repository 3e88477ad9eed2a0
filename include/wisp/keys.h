/*
 * keys.h - the console's key table: the keys every pane shares (panes,
 * moves, Enter, Esc, filter, sort, `:`, help, quit) beside each pane's own
 * (pane_class.keys). The one source of dispatch, the footer's hints and
 * the `?` help; a key of the pane wins over a shared one (`k` kicks in
 * Sessions).
 */
#ifndef WISP_KEYS_H
#define WISP_KEYS_H

#include <stddef.h>

#include "wisp/pane.h"

/* Run the action bound to ch in the pane on screen. */
enum reaction keys_dispatch(struct console *con, int ch);

/* The bindings of the pane on screen that have a label, in the order help
 * and the footer show them: at most max into out; returns how many. */
size_t keys_shown(struct console *con, const struct binding **out, size_t max);

/* The footer's hints: this pane's keys the role may use, ? and q at the
 * right. */
void keys_footer(struct console *con);

#endif
