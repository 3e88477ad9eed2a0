/*
 * sink.c - where printed output goes (see include/wisp/sink.h).
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wisp/i18n.h"
#include "wisp/sink.h"
#include "wisp/util.h"

extern char **environ;

/* Start `lp -s [-o raw] [-d PRINTER]` with a pipe to its standard input.
 * raw: printer bytes (ESC/POS) that CUPS must pass on untouched; without
 * -o raw a filter may take them for text and print the commands. */
static FILE *
spawn_lp(const char *printer, bool raw, pid_t *pid, struct werr *e)
{
    char *argv[7] = {"lp", "-s", NULL, NULL, NULL, NULL, NULL};
    posix_spawn_file_actions_t fa;
    int fds[2], rc, n = 2;
    FILE *f;

    if (raw)
        argv[n++] = "-o", argv[n++] = "raw";
    if (printer && *printer)
        argv[n++] = "-d", argv[n++] = (char *)printer;
    if (pipe(fds) < 0) {
        werr_set(e, WISP_ERUNTIME, _("pipe: %s"), strerror(errno));
        return NULL;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    rc = posix_spawnp(pid, "lp", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[0]);
    if (rc != 0) {
        close(fds[1]);
        werr_set(e, WISP_ERUNTIME, _("cannot run lp: %s (install cups-client)"), strerror(rc));
        return NULL;
    }
    if ((f = fdopen(fds[1], "w")) == NULL)
        close(fds[1]);
    return f;
}

int
sink_open(struct sink *s, FILE *dflt, const char *path, const char *lp, bool raw, struct werr *e)
{
    memset(s, 0, sizeof *s);
    if (lp) {
        s->f = spawn_lp(lp, raw, &s->lp, e);
        return s->f ? 0 : -1;
    }
    if (path == NULL || str_eq(path, "-")) {
        s->f = dflt;
        return 0;
    }
    s->path = xstrdup(path);
    s->tmp = xasprintf("%s.tmp%d", path, (int)getpid());
    if ((s->f = fopen(s->tmp, "w")) == NULL) {
        werr_set(e, WISP_ERUNTIME, _("cannot write %s: %s"), path, strerror(errno));
        free(s->path);
        free(s->tmp);
        return -1;
    }
    return 0;
}

int
sink_close(struct sink *s, FILE *dflt, bool ok, struct werr *e)
{
    int status, rc = ok ? 0 : -1;

    if (s->f && s->f != dflt) {
        if (fclose(s->f) != 0 && rc == 0)
            rc = werr_set(e, WISP_ERUNTIME, _("writing the sheet: %s"), strerror(errno));
    } else if (s->f) {
        fflush(s->f);
    }
    if (s->lp > 0) {
        if (waitpid(s->lp, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            if (rc == 0)
                rc = werr_set(e, WISP_ERUNTIME, _("lp failed (exit status %d); nothing marked"),
                              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    }
    if (s->tmp) {
        if (rc == 0 && rename(s->tmp, s->path) != 0)
            rc = werr_set(e, WISP_ERUNTIME, _("cannot write %s: %s"), s->path, strerror(errno));
        if (rc != 0)
            unlink(s->tmp);
    }
    free(s->path);
    free(s->tmp);
    return rc;
}
