#include "appenv.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "json.h"
#include "util.h"
#include "yaml.h"

static ynode *parse_json_object(const char *text, char **err) {
    ynode *doc = yaml_parse(text, err);
    if (!doc) return NULL;
    if (doc->type != Y_MAP) {
        ynode_free(doc);
        *err = xstrdup("json: cannot unmarshal non-object into a map");
        return NULL;
    }
    return doc;
}

char *database_url_from_services(const char *vcap_services) {
    static const struct {
        const char *scheme, *rewrite;
    } schemes[] = {{"mysql", "mysql2"}, {"mysql2", NULL}, {"postgres", NULL}, {"postgresql", "postgres"}};
    char *err = NULL;
    ynode *doc = parse_json_object(vcap_services, &err);
    free(err);
    if (!doc) return NULL;
    char *result = NULL;
    for (ynode *svc = doc->first; svc && !result; svc = svc->next) {
        if (svc->type != Y_SEQ) continue;
        for (ynode *b = svc->first; b && !result; b = b->next) {
            const char *uri;
            ynode *u = ymap_get(ymap_get(b, "credentials"), "uri");
            if (!u || !y_string(u, &uri) || !*uri) continue;
            /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
            size_t n = 0;
            if (!isalpha((unsigned char)uri[0])) continue;
            while (isalnum((unsigned char)uri[n]) || uri[n] == '+' || uri[n] == '-' || uri[n] == '.') n++;
            if (uri[n] != ':') continue;
            char *scheme = xstrndup(uri, n);
            for (char *c = scheme; *c; c++) *c = (char)tolower((unsigned char)*c);
            for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
                if (!strcmp(scheme, schemes[i].scheme))
                    result = xasprintf("%s%s", schemes[i].rewrite ? schemes[i].rewrite : scheme, uri + n);
            free(scheme);
        }
    }
    ynode_free(doc);
    return result;
}

void export_database_url(void) {
    const char *services = getenv("VCAP_SERVICES");
    if (!services || !*services) return;
    char *url = database_url_from_services(services);
    if (url && *url) setenv("DATABASE_URL", url, 1);
    free(url);
}

int check_platform_options(int invalid_code, int credhub_code) {
    const char *opts = getenv("VCAP_PLATFORM_OPTIONS");
    int rc = 0;
    if (opts && *opts) {
        char *err = NULL;
        ynode *doc = parse_json_object(opts, &err);
        const char *uri = "";
        if (!doc) {
            fprintf(stderr, "Invalid platform options: %s", err);
            rc = invalid_code;
        } else if (y_string(ymap_get(doc, "credhub-uri"), &uri) && *uri) {
            fprintf(stderr, "Unable to interpolate credhub refs: CredHub interpolation (%s) is not supported by this lifecycle",
                    uri);
            rc = credhub_code;
        }
        free(err);
        ynode_free(doc);
    }
    unsetenv("VCAP_PLATFORM_OPTIONS");
    return rc;
}

/* Go's strconv.Atoi: optional sign and decimal digits only. */
static bool atoi_go(const char *s, long *out) {
    if (!s || !*s) return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || isspace((unsigned char)*s)) return false;
    *out = v;
    return true;
}

static void munge_vcap_application(void) {
    const char *raw = getenv("VCAP_APPLICATION");
    ynode *app;
    if (raw && *raw) {
        char *err = NULL;
        app = parse_json_object(raw, &err);
        free(err);
        if (!app) return; /* like CF: an unparsable value is passed through untouched */
    } else {
        /* not set (outside Diego): a minimal document so apps find the usual keys */
        char *err = NULL;
        app = yaml_parse("{\"application_uris\": [], \"uris\": [], \"limits\": {}}", &err);
    }
    ymap_set(app, y_scalar("host", "0.0.0.0", true));
    const char *guid = getenv("INSTANCE_GUID");
    ymap_set(app, y_scalar("instance_id", guid ? guid : "", true));
    long v;
    char num[32];
    if (atoi_go(getenv("PORT"), &v)) {
        snprintf(num, sizeof num, "%ld", v);
        ymap_set(app, y_scalar("port", num, false));
    }
    if (atoi_go(getenv("INSTANCE_INDEX"), &v)) {
        snprintf(num, sizeof num, "%ld", v);
        ymap_set(app, y_scalar("instance_index", num, false));
    }
    strbuf b = {0};
    json_node(&b, app, true); /* Go re-marshals a map: keys come out sorted */
    setenv("VCAP_APPLICATION", b.s, 1);
    sb_free(&b);
    ynode_free(app);
}

int setup_app_env(const char *app_dir, int platform_error_code) {
    setenv("HOME", app_dir, 1);
    char *p = path_join(app_dir, "../tmp"), *abs = path_abs(p);
    setenv("TMPDIR", abs, 1);
    free(p), free(abs);
    p = path_join(app_dir, "../deps"), abs = path_abs(p);
    setenv("DEPS_DIR", abs, 1);
    free(p), free(abs);
    if (!getenv("PORT")) setenv("PORT", "8080", 1);
    munge_vcap_application();
    int rc = check_platform_options(platform_error_code, platform_error_code);
    if (rc) return rc;
    export_database_url();
    return 0;
}

char *exec_prefixed(const char *cmd) {
    /* words the shell handles itself: "exec WORD" would break them */
    static const char *builtin[] = {"!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if",
                                    "in", "then", "until", "while", "break", ":", ".", "continue", "eval", "exec",
                                    "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset",
                                    "cd", "alias", "bg", "command", "false", "fg", "getopts", "hash", "jobs", "kill",
                                    "newgrp", "pwd", "read", "true", "type", "ulimit", "umask", "unalias", "wait",
                                    "echo", "printf", "test", "[", "local", "source", "function", "select", NULL};
    const char *s = cmd;
    while (*s == ' ' || *s == '\t') s++;
    if (!*s || strpbrk(s, ";&|\n`(){}")) return xstrdup(cmd);
    size_t n = strcspn(s, " \t");
    for (int i = 0; builtin[i]; i++)
        if (strlen(builtin[i]) == n && !strncmp(s, builtin[i], n)) return xstrdup(cmd);
    /* a leading VAR=value assignment cannot follow exec */
    size_t v = 0;
    if (isalpha((unsigned char)s[0]) || s[0] == '_')
        while (isalnum((unsigned char)s[v]) || s[v] == '_') v++;
    if (v && s[v] == '=') return xstrdup(cmd);
    return xasprintf("exec %s", s);
}

void exec_app_script(const char *argv0, const char *app_dir, const char *command, bool launcher,
                     const char *entry_prefix) {
    strbuf script = {0};
    sb_puts(&script, "cd \"$1\"\n");
    if (launcher) sb_puts(&script, "echo 'Invoking pre-start scripts.'\n");
    sb_puts(&script,
            "for env_file in ../profile.d/*; do if [ -f \"$env_file\" ]; then . \"$env_file\"; fi; done\n"
            "for env_file in .profile.d/*; do if [ -f \"$env_file\" ]; then . \"$env_file\"; fi; done\n");
    if (launcher) sb_puts(&script, "if [ -f .profile ]; then . ./.profile; fi\n");
    sb_puts(&script, "shift\n");
    if (launcher) sb_puts(&script, "echo 'Invoking start command.'\n");
    sb_printf(&script, "exec %s \"$@\"\n", entry_prefix && *entry_prefix ? entry_prefix : "/bin/sh -c");
    char *cmd = exec_prefixed(command);
    char *argv[] = {"sh", "-c", script.s, (char *)argv0, (char *)app_dir, cmd, NULL};
    fflush(NULL);
    execv("/bin/sh", argv);
}
