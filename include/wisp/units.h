/*
 * units.h - the units operators type, parsed and printed the way RouterOS
 * writes them: durations (30m, 1h30m, 1w2d3h, 00:30:00), sizes with
 * 1024-based K/M/G/T suffixes, rate limits (2M/4M) and money as decimal text.
 */
#ifndef WISP_UNITS_H
#define WISP_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "wisp/err.h"

/* Parse a duration: sums of <n>w <n>d <n>h <n>m <n>s ("1w2d3h", "90s", "1h30m"),
 * a bare number of seconds, "H:MM:SS" or, after w/d terms, a clock of one day
 * "1d 02:00:00" / "1w2d03:00:00" (RouterOS clock style). Units are lowercase.
 * Must be > 0 and fit int64. On error fills e (WISP_EUSAGE) naming the input. */
int units_parse_duration(const char *s, int64_t *secs, struct werr *e);

/* Format seconds the RouterOS way: "1w2d3h", "1h30m", "45s"; "0s" for 0 or less.
 * Cut to fit n, always NUL-terminated. */
void units_format_duration(int64_t secs, char *buf, size_t n);

/* Parse a size: a whole or decimal number with an optional K, M, G or T suffix
 * (case-insensitive, optional trailing B/iB: "5G", "500M", "1.5G", "2048").
 * 1024-based; decimals (at most 15) are rounded half up to whole bytes.
 * Must be >= 1 byte and fit int64. */
int units_parse_size(const char *s, int64_t *bytes, struct werr *e);

/* Format bytes with the largest exact-or-one-decimal suffix: "5G", "1.5G", "512". */
void units_format_size(int64_t bytes, char *buf, size_t n);

/* A rate in bits per second for people: "512 b/s", "8.1 kb/s", "2.0 Mb/s". */
void units_format_bps(int64_t bps, char *buf, size_t n);

/* Validate a RouterOS rate limit: "RX/TX" each a whole number > 0 with optional
 * k/M/G in any case (e.g. "2M/4M", "512k/1M"), or a single rate used for both.
 * Writes the normalised text ("2M/4M", "1m" -> "1M/1M") to out; WISP_ERUNTIME
 * when out is too small (48 bytes always suffice). */
int units_parse_rate(const char *s, char *out, size_t n, struct werr *e);

/* Validate money as decimal text: digits, optional '.' and up to 2 decimals,
 * non-negative, at most 10 integer digits ("5", "5.5", "1000.00").
 * Zero is allowed (a free plan); leading zeros do not count as digits.
 * Writes the canonical form with exactly two decimals ("5.50") to out;
 * WISP_ERUNTIME when out is too small (14 bytes always suffice). */
int units_parse_money(const char *s, char *out, size_t n, struct werr *e);

#endif
