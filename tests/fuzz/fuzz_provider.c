/*
 * fuzz_provider.c - a provider's answer (docs/providers.md) as any body,
 * judged for a dispatch and a status check under the HTTP codes that lead
 * to each outcome. Seeds: tests/fuzz/corpus/provider/ (tests/sim/provider.py's
 * answers).
 */
#include "fuzz.h"

#include "wisp/provider.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long codes[] = {200, 201, 302, 404, 422, 500, 503};
    struct provider p = {.name = "fuzz"};
    struct provider_reply r;
    struct werr e = {0};

    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        for (int dispatch = 0; dispatch < 2; dispatch++) {
            enum provider_outcome o = provider_parse_reply(&p, "fuzz", codes[i], (const char *)data,
                                                           size, dispatch, &r, &e);

            FUZZ_CHECK(o == PROV_OK || o == PROV_RETRY || o == PROV_REJECTED);
            FUZZ_CHECK(o != PROV_OK || (codes[i] >= 200 && codes[i] < 300));
            FUZZ_CHECK(o != PROV_REJECTED || (codes[i] >= 400 && codes[i] < 500));
            if (o == PROV_OK) {
                FUZZ_CHECK(!dispatch || r.reference[0]);
                FUZZ_CHECK(strcmp(r.status, "completed") != 0 || r.pin[0]);
            }
            FUZZ_CHECK(strlen(r.pin) < sizeof r.pin && strlen(r.message) < sizeof r.message);
        }
    return 0;
}
