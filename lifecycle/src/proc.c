#include "proc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
