/* Path and filesystem helpers (no external tools: the stack may only have sh). */
#ifndef LC_FS_H
#define LC_FS_H

#include <stdbool.h>
#include <sys/types.h>

#include "util.h"

char *path_join(const char *a, const char *b);
/* Lexically cleans a path like Go's filepath.Clean ("a/./b/../c" -> "a/c"). */
char *path_clean(const char *p);
/* Absolute, cleaned path (relative paths are taken from the working directory). */
char *path_abs(const char *p);
/* Everything before the last '/', cleaned ("." when there is none). */
char *path_dir(const char *p);

bool is_dir(const char *p);
bool path_exists(const char *p);

/* mkdir -p. Returns 0 or -1 with errno set. */
int mkdir_p(const char *path, mode_t mode);
/* rm -rf (does not follow symlinks). Returns 0 or -1 with errno set. */
int rm_rf(const char *path);
/* Copies the tree at src to dst (which must not exist yet) like `cp -a`:
 * modes, symlinks and modification times are kept. On failure returns -1 and
 * leaves a description in *err. */
int copy_tree(const char *src, const char *dst, char **err);
/* Sorted entry names of a directory (without . and ..). Returns false with errno. */
bool list_dir(const char *path, strlist *out);

#endif
