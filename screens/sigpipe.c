/*
 * sigpipe.c - signals as bytes in a self-pipe, and the crash handler (see
 * include/wisp/sigpipe.h). Handlers do no work but write(2): the loop reads
 * the pipe as any other event (tmux, redis ae).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "wisp/i18n.h"
#include "wisp/sigpipe.h"

static int sig_fd = -1;              /* the write end of the self-pipe */
static struct termios saved_termios; /* restored by the crash handler */
static bool have_termios;

static void
on_signal(int sig)
{
    unsigned char b = (unsigned char)sig;
    int saved = errno;
    ssize_t n = write(sig_fd, &b, 1);

    (void)n;
    errno = saved;
}

/* A crash: put the terminal back (async-signal-safe calls only), then die
 * of the same signal. */
static void
on_crash(int sig)
{
    static const char reset[] = "\033[0m\033[?1000l\033[?25h\033[?1049l\r\n";
    ssize_t n = write(STDOUT_FILENO, reset, sizeof reset - 1);

    (void)n;
    if (have_termios)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* The signals the loop takes as events through the self-pipe. */
static const int ordinary_signals[] = {SIGWINCH, SIGTERM, SIGINT, SIGHUP};

int
sigpipe_install(int sig[2], int wake[2], struct werr *e)
{
    static const int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    struct sigaction sa;

    if (pipe(sig) < 0 || pipe(wake) < 0)
        return werr_set(e, WISP_ERUNTIME, _("pipe: %s"), strerror(errno));
    for (int i = 0; i < 2; i++) {
        fcntl(sig[i], F_SETFL, O_NONBLOCK);
        fcntl(wake[i], F_SETFL, O_NONBLOCK);
        fcntl(sig[i], F_SETFD, FD_CLOEXEC);
        fcntl(wake[i], F_SETFD, FD_CLOEXEC);
    }
    sig_fd = sig[1];
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    for (size_t i = 0; i < sizeof ordinary_signals / sizeof ordinary_signals[0]; i++)
        sigaction(ordinary_signals[i], &sa, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
        sigaction(crash[i], &sa, NULL);
    have_termios = tcgetattr(STDIN_FILENO, &saved_termios) == 0;
    return 0;
}

/* Leaving, the terminal restored: the loop that read the self-pipe is gone,
 * so a hang-up, TERM or INT now has nothing to ask of us. Ignored, they no
 * longer write into the pipe's descriptor once it is closed (and perhaps
 * reused), nor land in the middle of the exit (a LeakSanitizer build's
 * exit-time leak check was seen spinning for good when tmux's SIGHUP came in
 * just as `q` was leaving). */
void
sigpipe_ignore(void)
{
    for (size_t i = 0; i < sizeof ordinary_signals / sizeof ordinary_signals[0]; i++)
        signal(ordinary_signals[i], SIG_IGN);
    sig_fd = -1;
}
