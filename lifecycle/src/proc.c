#include "proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fs.h"

proc_result proc_run(char *const argv[], strbuf *out, bool merge_stderr) {
    proc_result r = {0};
    int outp[2] = {-1, -1}, errp[2];
    fflush(NULL); /* never let our buffered output appear after the child's */
    if (out && pipe2(outp, O_CLOEXEC) != 0) {
        r.err_no = errno;
        return r;
    }
    /* errp reports a failed exec back to the parent (closed on successful exec) */
    if (pipe2(errp, O_CLOEXEC) != 0) {
        r.err_no = errno;
        return r;
    }
    pid_t pid = fork();
    if (pid < 0) {
        r.err_no = errno;
        return r;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        if (out) {
            dup2(outp[1], 1);
            if (merge_stderr) dup2(outp[1], 2);
        }
        signal(SIGPIPE, SIG_DFL);
        if (strchr(argv[0], '/')) execv(argv[0], argv);
        else execvp(argv[0], argv);
        int e = errno;
        ssize_t ignored = write(errp[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    close(errp[1]);
    if (out) {
        close(outp[1]);
        char buf[4096];
        for (;;) {
            ssize_t n = read(outp[0], buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            sb_add(out, buf, (size_t)n);
        }
        close(outp[0]);
    }
    int e = 0;
    ssize_t n;
    do n = read(errp[0], &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close(errp[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    if (n == (ssize_t)sizeof e) {
        r.err_no = e;
        return r;
    }
    r.started = true;
    if (WIFSIGNALED(status)) {
        r.signaled = true;
        r.code = WTERMSIG(status);
    } else {
        r.code = WEXITSTATUS(status);
    }
    return r;
}

char *proc_describe(proc_result r, const char *path) {
    if (!r.started) return xasprintf("fork/exec %s: %s", path, go_strerror(r.err_no));
    if (r.signaled) {
        char *s = xasprintf("signal: %s", strsignal(r.code));
        s[8] = (char)tolower((unsigned char)s[8]);
        return s;
    }
    return xasprintf("exit status %d", r.code);
}

char *find_in_path(const char *name) {
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *e = strchr(path, ':');
        size_t n = e ? (size_t)(e - path) : strlen(path);
        char *dir = n ? xstrndup(path, n) : xstrdup(".");
        char *cand = path_join(dir, name);
        free(dir);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) return cand;
        free(cand);
        path += n;
        if (*path == ':') path++;
    }
    return NULL;
}

size_t proc_cpus(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return (size_t)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (size_t)n : 1;
}

/* One command of proc_first_ok. */
typedef struct {
    pid_t pid;         /* 0: not started */
    int out, err;      /* read ends, -1 once at EOF */
    int pidfd;         /* readable once the process has exited; -1 where the kernel has none */
    strbuf stdout_buf, stderr_buf;
    bool done, ok;     /* reaped; exited 0 */
} trial;

static bool trial_start(trial *t, char *const argv[]) {
    int outp[2], errp[2];
    if (pipe2(outp, O_CLOEXEC) != 0) return false;
    if (pipe2(errp, O_CLOEXEC) != 0) {
        close(outp[0]), close(outp[1]);
        return false;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]);
        return false;
    }
    if (pid == 0) {
        setpgid(0, 0); /* so that a loser is killed with whatever it started */
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, 0);
        dup2(outp[1], 1);
        dup2(errp[1], 2);
        signal(SIGPIPE, SIG_DFL);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    close(outp[1]), close(errp[1]);
    t->pid = pid, t->out = outp[0], t->err = errp[0];
    t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    return true;
}

/* Reads what is there from *fd into b; closes it at EOF. */
static void trial_read(int *fd, strbuf *b) {
    char buf[4096];
    ssize_t n;
    do n = read(*fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        sb_add(b, buf, (size_t)n);
        return;
    }
    close(*fd);
    *fd = -1;
}

/* As a one-at-a-time run does: the command is over when its stdout is at EOF and it has
 * exited (a background child left holding stderr does not hold us up). */
static void trial_reap(trial *t, bool block) {
    if (t->done || t->out >= 0) return;
    int status;
    pid_t r;
    do r = waitpid(t->pid, &status, block ? 0 : WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r != t->pid) return;
    if (t->err >= 0) { /* take what is already written, without waiting for more */
        fcntl(t->err, F_SETFL, O_NONBLOCK);
        while (t->err >= 0) {
            char buf[4096];
            ssize_t n = read(t->err, buf, sizeof buf);
            if (n > 0) sb_add(&t->stderr_buf, buf, (size_t)n);
            else if (n < 0 && errno == EINTR) continue;
            else close(t->err), t->err = -1;
        }
    }
    if (t->pidfd >= 0) close(t->pidfd), t->pidfd = -1;
    t->done = true;
    t->ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void trial_kill(trial *t) {
    if (t->pid && !t->done) {
        kill(-t->pid, SIGKILL);
        kill(t->pid, SIGKILL);
        if (t->out >= 0) close(t->out), t->out = -1;
        trial_reap(t, true);
    }
    if (t->pidfd >= 0) close(t->pidfd), t->pidfd = -1;
    if (t->err >= 0) close(t->err), t->err = -1;
    sb_free(&t->stdout_buf), sb_free(&t->stderr_buf);
}

long proc_first_ok(char **const argvs[], size_t n, size_t limit, strbuf *out, void (*reached)(size_t, void *),
                   void *ctx) {
    trial *t = calloc(n ? n : 1, sizeof *t);
    struct pollfd *fds = calloc(3 * (n ? n : 1), sizeof *fds);
    if (!t || !fds) die(1, "out of memory");
    for (size_t i = 0; i < n; i++) t[i].out = t[i].err = t[i].pidfd = -1;
    if (limit < 1) limit = 1;
    size_t next = 0, decided = 0, running = 0;
    long winner = -1;
    while (decided < n) {
        for (; next < n && running < limit; next++) { /* keep the window full, in order */
            if (!argvs[next] || !trial_start(&t[next], argvs[next])) t[next].done = true;
            else running++;
        }
        /* Decide in order as far as the finished commands allow. */
        while (decided < n && t[decided].done) {
            trial *d = &t[decided];
            reached(decided, ctx);
            if (d->stderr_buf.len) {
                fflush(stdout);
                fwrite(d->stderr_buf.s, 1, d->stderr_buf.len, stderr);
                fflush(stderr);
            }
            if (d->ok) {
                winner = (long)decided;
                sb_add(out, d->stdout_buf.s ? d->stdout_buf.s : "", d->stdout_buf.len);
                break;
            }
            decided++;
        }
        if (winner >= 0) break;
        if (decided >= n) break;
        /* Wait for output or an exit. */
        size_t nfds = 0;
        bool waiting_exit = false;
        for (size_t i = decided; i < next; i++) {
            if (t[i].done) continue;
            if (t[i].out >= 0) fds[nfds++] = (struct pollfd){.fd = t[i].out, .events = POLLIN};
            else if (t[i].pidfd >= 0) fds[nfds++] = (struct pollfd){.fd = t[i].pidfd, .events = POLLIN};
            else waiting_exit = true; /* no pidfd (before Linux 5.3): look again in 1 ms */
            if (t[i].err >= 0) fds[nfds++] = (struct pollfd){.fd = t[i].err, .events = POLLIN};
        }
        int r = poll(fds, nfds, waiting_exit ? 1 : -1);
        if (r < 0 && errno != EINTR) die(1, "poll: %s", strerror(errno));
        for (size_t k = 0; r > 0 && k < nfds; k++) {
            if (!fds[k].revents) continue;
            for (size_t i = decided; i < next; i++) {
                if (t[i].out == fds[k].fd) trial_read(&t[i].out, &t[i].stdout_buf);
                else if (t[i].err == fds[k].fd) trial_read(&t[i].err, &t[i].stderr_buf);
                else if (t[i].pidfd != fds[k].fd) continue;
                break;
            }
        }
        for (size_t i = decided; i < next; i++) {
            bool was = t[i].done;
            trial_reap(&t[i], false);
            if (!was && t[i].done) running--;
        }
    }
    for (size_t i = 0; i < n; i++) trial_kill(&t[i]);
    free(t), free(fds);
    return winner;
}
