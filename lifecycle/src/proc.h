/* Running child processes. Output that is not captured is not piped at all:
 * the child writes straight into our stdout/stderr, so it streams as it happens. */
#ifndef LC_PROC_H
#define LC_PROC_H

#include <stdbool.h>

#include "util.h"

typedef struct {
    bool started;  /* false: fork/exec failed, see err_no */
    int err_no;    /* errno of the failed exec */
    bool signaled; /* killed by signal `code` */
    int code;      /* exit status, or signal number */
} proc_result;

/* Runs argv[0] (a path, or a name looked up in PATH) with stdin from /dev/null
 * and stderr inherited. stdout is inherited, or collected into `out` when
 * given; with `merge_stderr` stderr is collected too (like Go's CombinedOutput). */
proc_result proc_run(char *const argv[], strbuf *out, bool merge_stderr);

static inline bool proc_ok(proc_result r) { return r.started && !r.signaled && r.code == 0; }

/* Go's os/exec wording: "exit status 1", "signal: killed",
 * "fork/exec PATH: permission denied". Returned string is owned by the caller. */
char *proc_describe(proc_result r, const char *path);

/* Runs the commands argvs[0..n) (argv[0] a path; a NULL entry counts as failed, unrun), up to
 * `limit` at once, and returns the index of the first one in order that exits 0, or -1 when
 * none does. Its stdout is collected into `out`. What the caller sees is what running them one
 * at a time, stopping at the first success, would show: for each command such a run would
 * have reached, in order, `reached(i, ctx)` is called and then the command's stderr (buffered)
 * is written to ours. Commands after the winner that are still running are killed with their
 * process groups; their output is dropped. */
long proc_first_ok(char **const argvs[], size_t n, size_t limit, strbuf *out, void (*reached)(size_t, void *),
                   void *ctx);

/* The number of CPUs this process may run on (at least 1). */
size_t proc_cpus(void);

/* Searches PATH for an executable; returns an owned path or NULL. */
char *find_in_path(const char *name);

#endif
