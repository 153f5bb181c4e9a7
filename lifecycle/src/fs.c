#include "fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

char *path_join(const char *a, const char *b) {
    if (!*a) return xstrdup(b);
    size_t la = strlen(a);
    return xasprintf("%s%s%s", a, a[la - 1] == '/' ? "" : "/", b);
}

char *path_clean(const char *p) {
    bool abs = p[0] == '/';
    strlist parts = {0};
    const char *s = p;
    while (*s) {
        while (*s == '/') s++;
        const char *e = s;
        while (*e && *e != '/') e++;
        size_t n = (size_t)(e - s);
        if (n == 0 || (n == 1 && s[0] == '.')) {
            /* skip */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (parts.n > 0 && strcmp(parts.v[parts.n - 1], "..") != 0) {
                free(parts.v[--parts.n]);
            } else if (!abs) {
                sl_push(&parts, xstrdup(".."));
            }
        } else {
            sl_push(&parts, xstrndup(s, n));
        }
        s = e;
    }
    strbuf b = {0};
    if (abs) sb_putc(&b, '/');
    for (size_t i = 0; i < parts.n; i++) {
        if (i) sb_putc(&b, '/');
        sb_puts(&b, parts.v[i]);
    }
    if (b.len == 0) sb_putc(&b, '.');
    sl_free(&parts);
    return sb_take(&b);
}

char *path_abs(const char *p) {
    if (p[0] == '/') return path_clean(p);
    char *cwd = getcwd(NULL, 0);
    if (!cwd) return path_clean(p);
    char *j = path_join(cwd, p);
    char *c = path_clean(j);
    free(cwd);
    free(j);
    return c;
}

char *path_dir(const char *p) {
    const char *slash = strrchr(p, '/');
    if (!slash) return xstrdup(".");
    if (slash == p) return xstrdup("/");
    char *d = xstrndup(p, (size_t)(slash - p));
    char *c = path_clean(d);
    free(d);
    return c;
}

bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

bool path_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

int mkdir_p(const char *path, mode_t mode) {
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/') continue;
        *s = 0;
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
        *s = '/';
    }
    int rc = 0;
    if (mkdir(p, mode) != 0) {
        if (errno != EEXIST || !is_dir(p)) rc = -1;
        if (errno == EEXIST && !is_dir(p)) errno = ENOTDIR;
    }
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

bool list_dir(const char *path, strlist *out) {
    DIR *d = opendir(path);
    if (!d) return false;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        sl_push(out, xstrdup(de->d_name));
    }
    closedir(d);
    /* insertion sort keeps this tiny; directories here are small */
    for (size_t i = 1; i < out->n; i++)
        for (size_t j = i; j > 0 && strcmp(out->v[j - 1], out->v[j]) > 0; j--) {
            char *t = out->v[j];
            out->v[j] = out->v[j - 1];
            out->v[j - 1] = t;
        }
    return true;
}

int rm_rf(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (S_ISDIR(st.st_mode)) {
        strlist names = {0};
        if (!list_dir(path, &names)) return -1;
        for (size_t i = 0; i < names.n; i++) {
            char *child = path_join(path, names.v[i]);
            int rc = rm_rf(child);
            free(child);
            if (rc != 0) {
                int e = errno;
                sl_free(&names);
                errno = e;
                return -1;
            }
        }
        sl_free(&names);
        return rmdir(path);
    }
    return unlink(path);
}

static int fail(char **err, const char *what, const char *path) {
    *err = xasprintf("%s %s: %s", what, path, go_strerror(errno));
    return -1;
}

static void keep_times(const char *dst, const struct stat *st) {
    struct timespec ts[2] = {st->st_atim, st->st_mtim};
    utimensat(AT_FDCWD, dst, ts, AT_SYMLINK_NOFOLLOW);
}

static int copy_file(const char *src, const char *dst, const struct stat *st, char **err) {
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return fail(err, "open", src);
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st->st_mode & 07777);
    if (out < 0) {
        close(in);
        return fail(err, "create", dst);
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            close(in), close(out);
            return fail(err, "read", src);
        }
        if (n == 0) break;
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                close(in), close(out);
                return fail(err, "write", dst);
            }
            off += w;
        }
    }
    close(in);
    fchmod(out, st->st_mode & 07777); /* umask must not narrow the mode */
    if (close(out) != 0) return fail(err, "close", dst);
    keep_times(dst, st);
    return 0;
}

int copy_tree(const char *src, const char *dst, char **err) {
    struct stat st;
    if (lstat(src, &st) != 0) return fail(err, "stat", src);
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(src, target, sizeof target - 1);
        if (n < 0) return fail(err, "readlink", src);
        target[n] = 0;
        if (symlink(target, dst) != 0) return fail(err, "symlink", dst);
        keep_times(dst, &st);
        return 0;
    }
    if (S_ISREG(st.st_mode)) return copy_file(src, dst, &st, err);
    if (!S_ISDIR(st.st_mode)) return 0; /* sockets, fifos, devices: not part of an app */
    if (mkdir(dst, 0700) != 0) return fail(err, "mkdir", dst);
    strlist names = {0};
    if (!list_dir(src, &names)) return fail(err, "open", src);
    int rc = 0;
    for (size_t i = 0; i < names.n && rc == 0; i++) {
        char *s = path_join(src, names.v[i]), *d = path_join(dst, names.v[i]);
        rc = copy_tree(s, d, err);
        free(s);
        free(d);
    }
    sl_free(&names);
    if (rc == 0 && chmod(dst, st.st_mode & 07777) != 0) return fail(err, "chmod", dst);
    if (rc == 0) keep_times(dst, &st);
    return rc;
}
