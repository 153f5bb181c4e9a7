/* Small shared helpers: errors, allocation, a growable string buffer, files. */
#ifndef LC_UTIL_H
#define LC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* Program name used as prefix of fatal messages (set by each main()). */
extern const char *prog_name;

/* Prints "prog: message\n" to stderr and exits with `code`. */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A NUL-terminated growable byte buffer. Zero-initialise with `strbuf b = {0};`. */
typedef struct {
    char *s;
    size_t len, cap;
} strbuf;

void sb_add(strbuf *b, const char *p, size_t n);
void sb_puts(strbuf *b, const char *s);
void sb_putc(strbuf *b, char c);
void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns the buffer's string (never NULL) and resets `b` to empty. */
char *sb_take(strbuf *b);
void sb_free(strbuf *b);

/* Reads a whole file into `out` (appending). Returns false with errno set. */
bool read_file(const char *path, strbuf *out);
/* Creates/truncates `path` with mode 0644 and writes `len` bytes. */
bool write_file(const char *path, const char *data, size_t len);

bool str_has_prefix(const char *s, const char *prefix);
/* Removes any trailing characters contained in `set`, in place. */
void str_trim_right(char *s, const char *set);
/* strerror() with a lower-case first letter, as Go prints errno values. */
const char *go_strerror(int err);

/* Unblocks all signals and restores default dispositions (ignored SIGHUP and
 * SIGINT stay ignored), as a Go program's children get them. Parents such as
 * Foundation's Process can leave signals blocked, which an exec'ed app would
 * inherit and then never see SIGTERM. */
void reset_signals(void);

/* A growable list of owned strings. */
typedef struct {
    char **v;
    size_t n, cap;
} strlist;

void sl_push(strlist *l, char *owned);
void sl_free(strlist *l);

#endif
