/*
 * fuzz_routeros.c - every parser of RouterOS output, on any text: the
 * `/system resource print` and `/system identity print` health, `/ip hotspot
 * user print terse`, the sessions script's lines, the poll script's whole
 * answer, the push answers, and the values inside them (times, integers,
 * sizes), with the time round trip ros_format_time -> ros_parse_time.
 * Seeds: tests/fuzz/corpus/routeros/ (real captures and the simulator's
 * answers).
 */
#include "fuzz.h"

#include "wisp/driver.h"

static void
value(const char *line, void *arg)
{
    static const char *const keys[] = {"name",         "password",          "profile",
                                       "limit-uptime", "limit-bytes-total", "mac-address",
                                       "comment",      "disabled",          NULL};
    char out[64], flags[8], back[64];
    long long t = ros_parse_time(line), i = ros_parse_int(line), z = ros_parse_size(line);
    size_t elen;

    (void)arg;
    FUZZ_CHECK(t >= -1 && i >= -1 && z >= -1);
    if (t >= 0) { /* what wisp writes, RouterOS (and wisp) read back */
        ros_format_time(t, back, sizeof back);
        FUZZ_CHECK(ros_parse_time(back) == t);
    }
    for (int k = 0; keys[k]; k++)
        if (ros_terse_get(line, keys, keys[k], out, sizeof out))
            FUZZ_CHECK(strlen(out) < sizeof out);
    ros_terse_flags(line, flags, sizeof flags);
    FUZZ_CHECK(strlen(flags) < sizeof flags);
    ros_find_error(line, &elen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"vc-1234", "R2WS-VXSS", "x"};
    char *text = fuzz_text(data, size), *errs[3];
    struct sbuf out = {0};
    struct rt_health h;
    struct rt_user *u;
    struct rt_session *s;
    size_t n;
    struct werr e = {0}, se = {0};
    int rc;

    /* as driver_run leaves it: CRs and echoed log lines gone */
    sb_add(&out, text);
    ros_clean(&out);
    if (ros_parse_health(out.buf, out.buf, &h, &e) == 0)
        FUZZ_CHECK(h.cpu_load >= -1 && h.cpu_load <= 100 && h.uptime_s >= 0 && h.mem_total >= -1 &&
                   h.mem_free >= -1);
    if (ros_parse_users(out.buf, &u, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(u[i].uptime_s >= 0 && u[i].bytes >= 0);
        free(u);
    }
    if (ros_parse_sessions(out.buf, &s, &n, &e) == 0) {
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK(s[i].user[0] && s[i].uptime_s >= 0 && s[i].bytes_in >= 0 &&
                       s[i].bytes_out >= 0 && s[i].time_left_s >= -1);
        free(s);
    }
    rc = ros_parse_poll(out.buf, &h, &s, &n, &e, &se);
    FUZZ_CHECK(rc >= -1 && rc <= 1 && (rc == 0 || n == 0));
    free(s);
    if (ros_parse_answers(out.buf, names, 3, errs, "add", &e) == 0)
        for (int i = 0; i < 3; i++)
            free(errs[i]);
    fuzz_lines(out.buf, value, NULL);
    sb_free(&out);
    free(text);
    return 0;
}
