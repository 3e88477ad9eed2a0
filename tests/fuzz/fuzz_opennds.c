/*
 * fuzz_opennds.c - every parser of openNDS output, on any text: `ndsctl
 * json`, the theme_voucher log (matched to the clients found and to fixed
 * ones), the voucher roll, the health script and the poll script's whole
 * answer. Seeds: tests/fuzz/corpus/opennds/.
 */
#include "fuzz.h"

#include "wisp/driver.h"

static void
code(const char *line, void *arg)
{
    (void)arg;
    nds_code_ok(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    struct rt_session fixed[2] = {{.mac = "AA:BB:CC:DD:EE:01"}, {.mac = "aa:bb:cc:dd:ee:02"}};
    struct rt_session *s;
    struct rt_user *u;
    struct rt_health h;
    size_t n;
    struct werr e = {0}, se = {0};
    int rc;

    if (nds_parse_clients(text, &s, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(s[i].uptime_s >= 0 && s[i].bytes_in >= 0 && s[i].bytes_out >= 0 &&
                       s[i].time_left_s >= -1);
        nds_match_log(text, s, n);
        free(s);
    }
    nds_match_log(text, fixed, 2);
    FUZZ_CHECK(strlen(fixed[0].user) < sizeof fixed[0].user);
    if (nds_parse_roll(text, &u, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(u[i].name[0] && u[i].uptime_s >= 0 && u[i].bytes >= 0 &&
                       u[i].first_use >= 0);
        free(u);
    }
    if (nds_parse_health(text, &h, &e) == 0)
        FUZZ_CHECK(h.cpu_load >= 0 && h.cpu_load <= 100 && h.uptime_s >= 0 && h.mem_total >= -1 &&
                   h.mem_free >= -1);
    rc = nds_parse_poll(text, &h, &s, &n, &e, &se);
    FUZZ_CHECK(rc >= -1 && rc <= 1 && (rc == 0 || n == 0));
    free(s);
    fuzz_lines(text, code, NULL);
    free(text);
    return 0;
}
