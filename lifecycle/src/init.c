/* init: PID 1 of an app instance's container, as garden-init is under Cloud Foundry's
 * launcher: runs PROGRAM [ARG...] as its child in a process group of its own, passes every
 * signal it gets on to that group, reaps whatever else ends up as its child, and exits as
 * PROGRAM did (its exit status, or 128 + the signal that ended it).
 *
 * Why: the kernel applies no default action to a PID namespace's init, so an app that was
 * itself PID 1 ignored SIGTERM unless it handled it (busybox httpd, `sleep`, many scripts) and
 * every stop waited out the grace period for SIGKILL. Under this init the app gets SIGTERM as
 * under Diego, and an app that does not handle it ends at once.
 *
 * The whole group gets the signal (as `tini -g` does), not PROGRAM alone: a start command such
 * as `cd web && ./server` leaves the shell as the parent of the server, and a shell does not
 * pass SIGTERM on. After a stop signal, init also waits for the rest of the group to finish
 * before it exits (its exit would have the kernel kill them at once); the platform's grace
 * period bounds that wait. When PROGRAM ends by itself, init exits at once, as before.
 * With a terminal on stdin the child stays in init's group (a background group could not read
 * the terminal), and signals go to it alone.
 *
 * usage: init PROGRAM [ARG...]     (exit 127 when PROGRAM cannot be run, as a shell does) */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The signals a platform stops an app with: after one, init waits for the whole group. */
static bool is_stop(int sig) { return sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT; }

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: init PROGRAM [ARG...]\n");
        return 64;
    }
    /* Every signal waits for sigwaitinfo below; a blocked signal is queued even for a
     * namespace's init (only unblocked default-action ones are dropped). */
    sigset_t all, original;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &original);
    bool group = !isatty(STDIN_FILENO);
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "init: cannot start %s: %s\n", argv[1], strerror(errno));
        return 71;
    }
    if (child == 0) {
        if (group) setpgid(0, 0);
        sigprocmask(SIG_SETMASK, &original, NULL);
        execv(argv[1], argv + 1);
        fprintf(stderr, "init: cannot run %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    if (group) setpgid(child, child); /* as the child does: whichever runs first */
    bool stopping = false;
    int result = -1; /* PROGRAM's exit, once it has ended */
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0) continue; /* EINTR */
        if (sig != SIGCHLD) {
            if (!group || kill(-child, sig) != 0) kill(child, sig);
            stopping = stopping || is_stop(sig);
            continue;
        }
        int status;
        pid_t ended;
        while ((ended = waitpid(-1, &status, WNOHANG)) > 0) {
            if (ended != child) continue; /* an orphan reparented to us: reaped */
            result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        if (result < 0) continue;
        /* PROGRAM has ended: at once when it ended by itself, else once nothing is left. */
        if (!stopping || (ended < 0 && errno == ECHILD)) return result;
    }
}
