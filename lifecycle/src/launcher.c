/* launcher APP_DIR START_COMMAND METADATA
 *
 * Cloud Foundry's buildpack launcher: prepares the app environment, sources
 * profile scripts and execs the start command (or the droplet's staged one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "appenv.h"
#include "fs.h"
#include "util.h"
#include "yaml.h"

/* staging_info.yml sits next to app/ in the droplet; CF reads it from the
 * working directory, which is that same place at runtime. */
static ynode *read_staging_info(const char *app_dir) {
    char *parent = path_join(app_dir, "../staging_info.yml");
    char *candidates[] = {"staging_info.yml", parent};
    ynode *doc = NULL;
    for (int i = 0; i < 2; i++) {
        strbuf text = {0};
        if (!read_file(candidates[i], &text)) {
            if (errno == ENOENT) continue;
            fprintf(stderr, "Invalid staging info - open %s: %s", candidates[i], go_strerror(errno));
            exit(1);
        }
        char *err;
        doc = yaml_parse(text.s, &err);
        sb_free(&text);
        if (!doc) {
            fprintf(stderr, "Invalid staging info - failed to unmarshal staging_info.yml: %s", err);
            exit(1);
        }
        break;
    }
    free(parent);
    return doc;
}

int main(int argc, char **argv) {
    prog_name = argv[0];
    reset_signals();
    if (argc < 4) {
        fprintf(stderr, "%s: received only %d arguments\n", argv[0], argc - 1);
        fprintf(stderr, "Usage: %s <app-directory> <start-command> <metadata>", argv[0]);
        return 1;
    }
    char *dir = path_abs(argv[1]);
    ynode *info = read_staging_info(dir);
    const char *staged = "", *prefix = "";
    if (info && (!y_string(ymap_get(info, "start_command"), &staged) ||
                 !y_string(ymap_get(ymap_get(info, "config"), "entrypoint_prefix"), &prefix))) {
        fprintf(stderr, "Invalid staging info - failed to unmarshal staging_info.yml: start_command is not a string");
        return 1;
    }
    const char *command = *argv[2] ? argv[2] : staged;
    if (!*command) {
        fprintf(stderr, "%s: no start command specified or detected in droplet", argv[0]);
        return 1;
    }
    int rc = setup_app_env(dir, 3);
    if (rc) return rc;
    exec_app_script(argv[0], dir, command, true, prefix);
    fprintf(stderr, "fork/exec /bin/sh: %s", go_strerror(errno));
    return 4;
}
