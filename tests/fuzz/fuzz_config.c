/*
 * fuzz_config.c - the config file (src/config.c) as any bytes, read through
 * config_load_file itself from a memory file (its error naming the line of
 * a bad value); every key set to the input as text, as the environment and
 * flags would; the input as a Redis URL (src/redis_url.c) and as a conninfo
 * whose secrets are masked (src/secret.c). Seeds: tests/fuzz/corpus/config/.
 */
#define _GNU_SOURCE /* memfd_create */
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

#include "wisp/config.h"
#include "wisp/redis_url.h"
#include "wisp/secret.h"

static const char *const keys[] = {"db",
                                   "redis",
                                   "shop.name",
                                   "currency",
                                   "login_url",
                                   "redis.prefix",
                                   "theme",
                                   "qr.ecc",
                                   "worker.interval",
                                   "worker.embedded",
                                   "ssh.connect_timeout",
                                   "ssh.command_timeout",
                                   NULL};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static char path[64];
    char *text = fuzz_text(data, size), *masked;
    struct config cfg;
    struct redis_target t;
    struct werr e = {0};

    if (fd < 0) { /* one memory file, only its owner may read it */
        fd = memfd_create("wisp-fuzz-config", 0);
        if (fd < 0 || fchmod(fd, 0600) < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();
    config_init(&cfg);
    if (config_load_file(&cfg, path, &e) < 0)
        FUZZ_CHECK(e.status == WISP_EUSAGE && strchr(e.msg, '\n') == NULL);
    for (int i = 0; keys[i]; i++)
        if (config_set(&cfg, keys[i], text, "fuzz", &e) == 0) {
            json_t *v = config_get(&cfg, keys[i]);

            FUZZ_CHECK(v && (!json_is_null(v) || !*text));
            json_decref(v);
        }
    FUZZ_CHECK(cfg.worker_interval >= 0 && cfg.worker_interval <= 86400 &&
               cfg.ssh_connect_timeout >= 1 && cfg.ssh_command_timeout <= 600);
    config_free(&cfg);
    if (redis_url_parse(text, &t, &e) == 0)
        FUZZ_CHECK((t.host != NULL) != (t.path != NULL) && t.port >= 1 && t.port <= 65535 &&
                   t.db >= 0);
    redis_url_free(&t);
    masked = secret_mask(text);
    free(masked);
    free(text);
    return 0;
}
