/* Command-line flags parsed the way Go's flag package does it, so the programs
 * accept exactly what Cloud Foundry's accept: -name=value, -name value,
 * --name=value, bare booleans (-skipDetect), and stop at the first non-flag. */
#ifndef LC_FLAGS_H
#define LC_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum { FLAG_STRING, FLAG_BOOL, FLAG_DURATION, FLAG_INT } flag_kind;

typedef struct {
    const char *name;
    flag_kind kind;
    const char *usage;
    void *value; /* char ** (initialised to the default), bool *, int64_t * (nanoseconds) or int64_t * (int) */
} flag_def;

/* Parses argv[1..]; prints Go's messages and exits 2 on errors (0 for -h).
 * `defs` ends with a {NULL} entry and should be sorted by name (usage order).
 * Returns the index of the first non-flag argument. */
int flags_parse(const char *prog, const flag_def *defs, int argc, char **argv);
void flags_usage(const char *prog, const flag_def *defs);

/* Go duration syntax ("1s", "1.5m", "300ms", "1h2m"). Returns false if invalid. */
bool parse_duration(const char *s, int64_t *ns);
/* Go's time.Duration.String() of the value ("1s", "1m0s", "500ms"). */
void format_duration(int64_t ns, char *out, int size);

#endif
