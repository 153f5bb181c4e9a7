/* init: PID 1 of an app instance's container, as garden-init is under Cloud Foundry's
 * launcher: runs PROGRAM [ARG...] as its child, passes every signal it gets on to it, reaps
 * whatever else ends up as its child, and exits as PROGRAM did (its exit status, or 128 + the
 * signal that ended it).
 *
 * Why: the kernel applies no default action to a PID namespace's init, so an app that was
 * itself PID 1 ignored SIGTERM unless it handled it (busybox httpd, `sleep`, many scripts) and
 * every stop waited out the grace period for SIGKILL. Under this init the app gets SIGTERM as
 * under Diego, and an app that does not handle it ends at once.
 *
 * usage: init PROGRAM [ARG...]     (exit 127 when PROGRAM cannot be run, as a shell does) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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
    pid_t child = fork();
    if (child < 0) {
        fprintf(stderr, "init: cannot start %s: %s\n", argv[1], strerror(errno));
        return 71;
    }
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &original, NULL);
        execv(argv[1], argv + 1);
        fprintf(stderr, "init: cannot run %s: %s\n", argv[1], strerror(errno));
        _exit(127);
    }
    for (;;) {
        siginfo_t info;
        int sig = sigwaitinfo(&all, &info);
        if (sig < 0) continue; /* EINTR */
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        int status;
        pid_t ended;
        while ((ended = waitpid(-1, &status, WNOHANG)) > 0) {
            if (ended != child) continue; /* an orphan reparented to us: reaped */
            if (WIFEXITED(status)) return WEXITSTATUS(status);
            if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
        }
    }
}
