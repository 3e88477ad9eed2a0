/*
 * fuzz_units.c - the units operators type (include/wisp/units.h) on any
 * text, with the round trips the module promises: a duration or size it
 * formats parses back to the same value, and a rate or amount it normalises
 * normalises to itself. The first 8 bytes as an int64 go round the same
 * trips. Seeds: tests/fuzz/corpus/units/.
 */
#include <inttypes.h>

#include "fuzz.h"

#include "wisp/units.h"

static void
round_trip(int64_t v)
{
    char buf[64];
    int64_t back;
    struct werr e = {0};

    units_format_duration(v, buf, sizeof buf);
    if (v > 0) {
        FUZZ_CHECK(units_parse_duration(buf, &back, &e) == 0);
        FUZZ_CHECK(back == v);
    }
    units_format_size(v, buf, sizeof buf);
    if (v > 0) {
        FUZZ_CHECK(units_parse_size(buf, &back, &e) == 0);
        FUZZ_CHECK(back == v);
    }
    units_format_bps(v, buf, sizeof buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size), norm[48], again[48];
    int64_t v;
    struct werr e = {0};

    if (units_parse_duration(text, &v, &e) == 0) {
        FUZZ_CHECK(v > 0);
        round_trip(v);
    }
    if (units_parse_size(text, &v, &e) == 0) {
        FUZZ_CHECK(v > 0);
        round_trip(v);
    }
    if (units_parse_rate(text, norm, sizeof norm, &e) == 0) {
        FUZZ_CHECK(units_parse_rate(norm, again, sizeof again, &e) == 0);
        FUZZ_CHECK(strcmp(norm, again) == 0);
    }
    if (units_parse_money(text, norm, sizeof norm, &e) == 0) {
        FUZZ_CHECK(units_parse_money(norm, again, sizeof again, &e) == 0);
        FUZZ_CHECK(strcmp(norm, again) == 0);
    }
    if (str_to_i64(text, INT64_MIN, INT64_MAX, &v) == 0) { /* digits only, nothing wrapped */
        char back[32];
        int64_t w;

        snprintf(back, sizeof back, "%" PRId64, v);
        FUZZ_CHECK(str_to_i64(back, INT64_MIN, INT64_MAX, &w) == 0 && w == v);
        FUZZ_CHECK(strspn(text, "-0123456789") == strlen(text));
    }
    if (size >= 8) {
        memcpy(&v, data, 8);
        round_trip(v);
    }
    free(text);
    return 0;
}
