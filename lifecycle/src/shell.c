/* shell [APP_DIR [COMMAND]]
 *
 * Cloud Foundry's `cf ssh` entry: the same environment as the launcher, then an
 * interactive shell, or COMMAND run by /bin/sh -c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "appenv.h"
#include "fs.h"
#include "proc.h"
#include "util.h"

int main(int argc, char **argv) {
    prog_name = argv[0];
    reset_signals();
    char *dir;
    struct stat st;
    if (argc >= 2) {
        dir = argv[1];
        if (stat(dir, &st) != 0) {
            fprintf(stderr, "Provided app direcory does not exist");
            return 1;
        }
    } else {
        const char *home = getenv("HOME");
        dir = path_join(home ? home : "", "app");
        if (stat(dir, &st) != 0) {
            fprintf(stderr, "Could not infer app directory, please provide one");
            return 1;
        }
    }
    dir = path_abs(dir);
    /* CF starts bash; stacks with only busybox get sh */
    char *bash = find_in_path("bash");
    const char *command = argc >= 3 ? argv[2] : bash ? "bash" : "sh";
    if (setup_app_env(dir, 1)) return 1;
    exec_app_script(argv[0], dir, command, false, NULL);
    fprintf(stderr, "fork/exec /bin/sh: %s", go_strerror(errno));
    return 1;
}
