/*
 * quote.h - text that reaches a router. Every value wisp puts into a
 * RouterOS script or an openNDS shell command goes through the one quoting
 * function of that language here, and the values wisp makes itself (codes,
 * passwords, MACs) are held to characters that need no quoting anywhere
 * (RouterOS, sh, URLs, CSV), so quoting is the second wall, not the only one.
 */
#ifndef WISP_QUOTE_H
#define WISP_QUOTE_H

#include <stdbool.h>

#include "wisp/util.h"

/* The characters of codes, passwords, charsets and prefixes. */
#define SAFE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

/* A RouterOS string literal for s into sb: always double-quoted; \ " $ ?
 * backslash-escaped (\? as \3F, which every version reads), and every
 * control character, DEL and byte above 127 as \XX (capital hex), so
 * nothing in s can end the literal, start a command or name a variable. */
void ros_quote(struct sbuf *sb, const char *s);

/* A POSIX sh word for s into sb: single-quoted, each ' as '\''. */
void sh_quote(struct sbuf *sb, const char *s);

/* True when s is 1 or more of SAFE_CHARS and nothing else. */
bool safe_word(const char *s);

/* A MAC address of six hex pairs, separated by all ':', all '-' or
 * nothing ("aa-bb-cc-00-11-22", "AABBCC001122"), into out as RouterOS
 * prints it: "AA:BB:CC:00:11:22". False (out = "") for anything else. */
bool mac_normalize(const char *in, char out[18]);

#endif
