/* builder: stages an app with buildpacks into a droplet, a drop-in for Cloud
 * Foundry's buildpack-app-lifecycle builder (same flags, order of buildpack
 * scripts, files, messages and exit codes). See lifecycle/README.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "appenv.h"
#include "flags.h"
#include "fs.h"
#include "hash.h"
#include "json.h"
#include "proc.h"
#include "util.h"
#include "yaml.h"

/* Cloud Foundry's failure messages; the exit code is chosen by which of them
 * the final error text contains (buildpackapplifecycle.ExitCodeFromError). */
#define DETECT_FAIL_MSG "None of the buildpacks detected a compatible application"
#define COMPILE_FAIL_MSG "Failed to compile droplet"
#define RELEASE_FAIL_MSG "Failed to build droplet release"
#define SUPPLY_FAIL_MSG "Failed to run all supply scripts"
#define NO_SUPPLY_SCRIPT_MSG \
    "Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps"
#define MISSING_FINALIZE_WARN_MSG                                                                                 \
    "Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any "         \
    "dependencies supplied by the buildpacks specified before it"
#define FINALIZE_FAIL_MSG "Failed to run finalize script"

static char *build_dir = "/tmp/app", *output_droplet = "/tmp/droplet", *output_metadata = "/tmp/result.json",
            *output_cache = "/tmp/output-cache", *buildpacks_dir = "/tmp/buildpacks",
            *downloads_dir = "/tmp/buildpackdownloads", *cache_dir = "/tmp/cache", *order_flag = "";
static bool skip_detect, skip_cert_verify;
static int64_t credhub_attempts = 3, credhub_retry_delay = 1000000000; /* accepted; CredHub is not supported */

static const flag_def flag_defs[] = {
    {"buildArtifactsCacheDir", FLAG_STRING, "directory where previous cached build artifacts should be extracted",
     &cache_dir},
    {"buildDir", FLAG_STRING, "directory containing raw app bits", &build_dir},
    {"buildpackOrder", FLAG_STRING, "comma-separated list of buildpacks, to be tried in order", &order_flag},
    {"buildpacksDir", FLAG_STRING, "directory containing the buildpacks to try", &buildpacks_dir},
    {"buildpacksDownloadDir", FLAG_STRING, "directory to download buildpacks to", &downloads_dir},
    {"credhubConnectAttempts", FLAG_INT, "number of times that the credhub client will attempt to connect to credhub",
     &credhub_attempts},
    {"credhubRetryDelay", FLAG_DURATION,
     "delay duration that the credhub client will wait before retrying the connection to credhub",
     &credhub_retry_delay},
    {"outputBuildArtifactsCache", FLAG_STRING,
     "file where compressed contents of new cached build artifacts should be written", &output_cache},
    {"outputDroplet", FLAG_STRING, "file where compressed droplet should be written", &output_droplet},
    {"outputMetadata", FLAG_STRING, "directory in which to write the app metadata", &output_metadata},
    {"skipCertVerify", FLAG_BOOL, "skip SSL certificate verification", &skip_cert_verify},
    {"skipDetect", FLAG_BOOL, "skip buildpack detect", &skip_detect},
    {NULL, 0, NULL, NULL},
};

static strlist order;     /* buildpack keys, as given */
static size_t n_supply;   /* with -skipDetect all but the last supply */
static char *contents_dir; /* becomes the droplet: app/ deps/ profile.d/ tmp/ logs/ staging_info.yml */
static char *deps_dir, *profile_dir;

/* ---------- errors ---------- */

static int exit_code_for(const char *msg) {
    if (strstr(msg, DETECT_FAIL_MSG)) return 222;
    if (strstr(msg, COMPILE_FAIL_MSG)) return 223;
    if (strstr(msg, RELEASE_FAIL_MSG)) return 224;
    if (strstr(msg, SUPPLY_FAIL_MSG) || strstr(msg, NO_SUPPLY_SCRIPT_MSG)) return 225;
    if (strstr(msg, FINALIZE_FAIL_MSG)) return 226;
    return 1;
}

static void cleanup(void) {
    if (contents_dir) rm_rf(contents_dir);
}

/* Ends the build like CF's main: the error text on stderr, its exit code. */
static void __attribute__((noreturn)) fail(char *msg) {
    fflush(stdout);
    fprintf(stderr, "%s\n", msg);
    exit(exit_code_for(msg));
}

/* Go's descriptiveError: "message" or "message: cause". Takes ownership of cause. */
static char *wrap(const char *message, char *cause) {
    char *s = cause ? xasprintf("%s: %s", message, cause) : xstrdup(message);
    free(cause);
    return s;
}

static void print_error(const char *msg) {
    fflush(stdout);
    fprintf(stderr, "%s\n", msg);
}

/* ---------- layout ---------- */

/* deps/<index> names are zero padded to the width of the buildpack count. */
static char *deps_index(size_t i) {
    int width = 1;
    for (size_t n = n_supply + 1; n >= 10; n /= 10) width++;
    return xasprintf("%0*zu", width, i);
}

static char *deps_subdir(size_t i, const char *name) {
    char *idx = deps_index(i), *d = path_join(deps_dir, idx);
    char *p = name ? path_join(d, name) : xstrdup(d);
    free(idx), free(d);
    return p;
}

/* Per-buildpack cache directory: $CACHE/<xxhash64 of the key>, as Cloud Foundry names it. */
static char *supply_cache_path(const char *key) {
    char h[17];
    xxh64_hex(key, h);
    return path_join(cache_dir, h);
}

/* Go's url.IsAbs(): the key starts with a URL scheme. */
static bool is_url(const char *key) {
    size_t n = 0;
    if (!((key[0] >= 'a' && key[0] <= 'z') || (key[0] >= 'A' && key[0] <= 'Z'))) return false;
    while (key[n] && strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.", key[n])) n++;
    return key[n] == ':';
}

/* Finds a buildpack's directory: <dir>/<key>, <dir>/<xxhash64(key)> or the
 * legacy <dir>/<md5(key)>; a directory whose only entry holds the bin/ is
 * used one level down (zip files with a top-level folder). */
static char *buildpack_path(const char *key, char **err) {
    const char *base_dir = is_url(key) ? downloads_dir : buildpacks_dir;
    char xx[17], m5[33];
    xxh64_hex(key, xx);
    md5_hex(key, m5);
    char *cands[3];
    int n = 0;
    if (!is_url(key) && *key && !strchr(key, '/') && strcmp(key, ".") && strcmp(key, ".."))
        cands[n++] = path_join(base_dir, key);
    int hashed = n;
    cands[n++] = path_join(base_dir, xx);
    cands[n++] = path_join(base_dir, m5);
    char *base = NULL;
    for (int i = 0; i < n; i++)
        if (!base && is_dir(cands[i])) base = xstrdup(cands[i]);
    if (!base) *err = xasprintf("Failed to read buildpack directory '%s' for buildpack '%s'", cands[hashed], key);
    for (int i = 0; i < n; i++) free(cands[i]);
    if (!base) return NULL;

    char *bin = path_join(base, "bin");
    bool has_bin = path_exists(bin);
    free(bin);
    if (has_bin) return base;
    strlist entries = {0};
    char *found = NULL;
    if (list_dir(base, &entries) && entries.n == 1) {
        char *nested = path_join(base, entries.v[0]), *nbin = path_join(nested, "bin");
        if (path_exists(nbin)) found = nested;
        else free(nested);
        free(nbin);
    }
    sl_free(&entries);
    free(base);
    if (!found) *err = xasprintf("malformed buildpack does not contain a /bin dir: %s", key);
    return found;
}

static bool has_script(const char *bp, const char *name) {
    char *p = xasprintf("%s/bin/%s", bp, name);
    bool ok = path_exists(p);
    free(p);
    return ok;
}

/* Runs bin/<script> of a buildpack. Output goes straight to our stdout/stderr
 * unless `capture` is given (detect, release). Returns NULL or Go's error text. */
static char *run_script(const char *bp, const char *script, char *const args[], strbuf *capture) {
    char *path = xasprintf("%s/bin/%s", bp, script);
    char *argv[8] = {path};
    int n = 1;
    for (; args[n - 1] && n < 7; n++) argv[n] = args[n - 1];
    argv[n] = NULL;
    proc_result r = proc_run(argv, capture, false);
    char *err = proc_ok(r) ? NULL : proc_describe(r, path);
    free(path);
    return err;
}

/* ---------- setup ---------- */

static char *make_directories(void) {
    char *dirs[] = {path_dir(output_droplet), path_dir(output_metadata), path_join(cache_dir, "final")};
    for (int i = 0; i < 3; i++) {
        if (mkdir_p(dirs[i], 0755) != 0) return xasprintf("mkdir %s: %s", dirs[i], go_strerror(errno));
        free(dirs[i]);
    }
    for (size_t i = 0; i < n_supply; i++) {
        char *d = supply_cache_path(order.v[i]);
        if (mkdir_p(d, 0755) != 0) return xasprintf("mkdir %s: %s", d, go_strerror(errno));
        free(d);
    }
    const char *tmp = getenv("TMPDIR");
    char *tmpl = path_join(tmp && *tmp ? tmp : "/tmp", "contentsXXXXXX");
    if (!mkdtemp(tmpl)) return xasprintf("mkdir %s: %s", tmpl, go_strerror(errno));
    chmod(tmpl, 0755);
    contents_dir = tmpl;
    deps_dir = path_join(contents_dir, "deps");
    for (size_t i = 0; i <= n_supply; i++) {
        char *d = deps_subdir(i, NULL);
        if (mkdir_p(d, 0755) != 0) return xasprintf("mkdir %s: %s", d, go_strerror(errno));
        free(d);
    }
    profile_dir = path_join(contents_dir, "profile.d");
    if (mkdir_p(profile_dir, 0755) != 0) return xasprintf("mkdir %s: %s", profile_dir, go_strerror(errno));
    return NULL;
}

/* Buildpacks named by URL are not downloaded here: the platform must have put
 * them into -buildpacksDownloadDir (under their xxhash64 or md5 name). */
static void check_url_buildpacks(void) {
    for (size_t i = 0; i < order.n; i++) {
        if (!is_url(order.v[i])) continue;
        char *err = NULL, *p = buildpack_path(order.v[i], &err);
        if (p) {
            free(p);
            continue;
        }
        char h[17];
        xxh64_hex(order.v[i], h);
        fail(xasprintf("Failed to download buildpack %s: this builder does not download buildpacks; "
                       "provide it as %s/%s",
                       order.v[i], downloads_dir, h));
    }
}

/* Keeps $CACHE/final and the supply buildpacks' caches, removes anything else. */
static void clean_cache_dir(void) {
    strlist names = {0};
    if (!list_dir(cache_dir, &names)) fail(xasprintf("open %s: %s", cache_dir, go_strerror(errno)));
    for (size_t i = 0; i < names.n; i++) {
        bool needed = !strcmp(names.v[i], "final");
        for (size_t s = 0; s < n_supply && !needed; s++) {
            char h[17];
            xxh64_hex(order.v[s], h);
            needed = !strcmp(names.v[i], h);
        }
        if (needed) continue;
        char *p = path_join(cache_dir, names.v[i]);
        if (rm_rf(p) != 0) fail(xasprintf("unlinkat %s: %s", p, go_strerror(errno)));
        free(p);
    }
    sl_free(&names);
}

/* ---------- detect / supply / finalize ---------- */

/* What detect says about one buildpack before its script runs (printed when a one-at-a-time
 * run would have reached it). */
typedef struct {
    char *dir;     /* the buildpack's folder, or NULL when it cannot be run */
    char *problem; /* printed to stderr: missing folder or script */
    bool not_executable;
} detect_slot;

static void detect_reached(size_t i, void *ctx) {
    detect_slot *s = &((detect_slot *)ctx)[i];
    if (s->problem) print_error(s->problem);
    if (s->not_executable) puts("WARNING: buildpack script '/bin/detect' is not executable");
}

/* First buildpack whose bin/detect exits 0 wins; its stdout names it. As in Cloud Foundry, the
 * scripts are tried in order and the output is what trying them one at a time shows; they run
 * up to two per CPU at once (as the Cloud Native Buildpacks lifecycle runs detection), and those
 * after the winner that are still running are stopped. */
static bool detect(size_t *which, char **bp_dir, char **detect_output) {
    detect_slot *slots = calloc(order.n ? order.n : 1, sizeof *slots);
    char ***argvs = calloc(order.n ? order.n : 1, sizeof *argvs);
    if (!slots || !argvs) die(1, "out of memory");
    for (size_t i = 0; i < order.n; i++) {
        char *err = NULL, *dir = buildpack_path(order.v[i], &err);
        if (!dir) {
            slots[i].problem = err;
            continue;
        }
        char *script = path_join(dir, "bin/detect");
        struct stat st;
        if (stat(script, &st) != 0) {
            slots[i].problem = xasprintf("failed to find detect script: stat %s: %s", script, go_strerror(errno));
            free(script), free(dir);
            continue;
        }
        slots[i].not_executable = (st.st_mode & 0111) != 0111;
        slots[i].dir = dir;
        argvs[i] = calloc(3, sizeof(char *));
        if (!argvs[i]) die(1, "out of memory");
        argvs[i][0] = script, argvs[i][1] = build_dir;
    }
    strbuf out = {0};
    long won = proc_first_ok(argvs, order.n, 2 * proc_cpus(), &out, detect_reached, slots);
    if (won >= 0) {
        char *o = sb_take(&out);
        str_trim_right(o, "\r\n");
        *which = (size_t)won, *bp_dir = slots[won].dir, *detect_output = o;
        slots[won].dir = NULL;
    }
    sb_free(&out);
    for (size_t i = 0; i < order.n; i++) {
        free(slots[i].dir), free(slots[i].problem);
        if (argvs[i]) free(argvs[i][0]), free(argvs[i]);
    }
    free(slots), free(argvs);
    return won >= 0;
}

static char *run_supply_buildpacks(char **final_dir) {
    for (size_t i = 0; i < n_supply; i++) { /* all must support multi-buildpack before any runs */
        char *err = NULL, *dir = buildpack_path(order.v[i], &err);
        if (!dir) {
            print_error(err);
            return wrap(SUPPLY_FAIL_MSG, err);
        }
        bool ok = has_script(dir, "supply");
        free(dir);
        if (!ok) return xstrdup(NO_SUPPLY_SCRIPT_MSG);
    }
    for (size_t i = 0; i < n_supply; i++) {
        char *err = NULL, *dir = buildpack_path(order.v[i], &err);
        if (!dir) {
            print_error(err);
            return wrap(SUPPLY_FAIL_MSG, err);
        }
        char *cache = supply_cache_path(order.v[i]), *idx = deps_index(i);
        char *args[] = {build_dir, cache, deps_dir, idx, NULL};
        err = run_script(dir, "supply", args, NULL);
        free(cache), free(idx), free(dir);
        if (err) return wrap(SUPPLY_FAIL_MSG, err);
    }
    char *err = NULL;
    *final_dir = buildpack_path(order.v[n_supply], &err);
    return *final_dir ? NULL : wrap(SUPPLY_FAIL_MSG, err);
}

/* v3 buildpacks (bin/finalize) supply then finalize; v2 ones compile. */
static char *run_finalize(const char *dir) {
    char *idx = deps_index(n_supply), *cache = path_join(cache_dir, "final"), *err = NULL;
    if (has_script(dir, "finalize")) {
        if (has_script(dir, "supply")) {
            char *args[] = {build_dir, cache, deps_dir, idx, NULL};
            if ((err = run_script(dir, "supply", args, NULL))) err = wrap(SUPPLY_FAIL_MSG, err);
        }
        if (!err) {
            char *args[] = {build_dir, cache, deps_dir, idx, profile_dir, NULL};
            if ((err = run_script(dir, "finalize", args, NULL))) err = wrap(FINALIZE_FAIL_MSG, err);
        }
    } else {
        if (n_supply > 0) print_error(MISSING_FINALIZE_WARN_MSG);
        char *unused = deps_subdir(n_supply, NULL); /* compile gets no deps dir */
        if (rm_rf(unused) != 0) err = wrap(COMPILE_FAIL_MSG, xasprintf("%s", go_strerror(errno)));
        free(unused);
        char *args[] = {build_dir, cache, NULL};
        if (!err && (err = run_script(dir, "compile", args, NULL))) err = wrap(COMPILE_FAIL_MSG, err);
    }
    free(idx), free(cache);
    return err;
}

/* ---------- processes ---------- */

typedef struct {
    char *type, *command;
    strlist sidecar_for; /* non-empty: a sidecar (launch.yml only) */
    long memory;         /* limits.memory of a sidecar, 0 when unset */
} process;

typedef struct {
    process *v;
    size_t n, cap;
} proclist;

/* CF's MergeProcesses: entries of `from` replace same-type ones, others are appended. */
static void merge_process(proclist *l, process p) {
    bool replaced = false;
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].type, p.type)) l->v[i] = p, replaced = true;
    if (replaced) return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->v = xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = p;
}

/* type -> command mappings (release's default_process_types, Procfile). */
static bool merge_command_map(proclist *l, const ynode *map) {
    if (y_is_null(map)) return true;
    if (map->type != Y_MAP) return false;
    for (ynode *e = map->first; e; e = e->next) {
        const char *cmd;
        if (!y_string(e, &cmd)) return false;
        merge_process(l, (process){xstrdup(e->key), xstrdup(cmd), {0}, 0});
    }
    return true;
}

static char *parse_yaml_file(const char *path, ynode **doc, bool *exists) {
    strbuf text = {0};
    *doc = NULL;
    *exists = read_file(path, &text);
    if (!*exists) return errno == ENOENT ? NULL : xasprintf("open %s: %s", path, go_strerror(errno));
    char *err = NULL;
    *doc = yaml_parse(text.s, &err);
    sb_free(&text);
    return err;
}

/* deps/<i>/launch.yml written by v3 buildpacks: processes: [{type, command, platforms...}] */
static char *merge_launch_yml(size_t i, proclist *l, bool *exists) {
    char *path = deps_subdir(i, "launch.yml");
    ynode *doc;
    char *err = parse_yaml_file(path, &doc, exists);
    free(path);
    if (err || !*exists) return err;
    ynode *procs = ymap_get(doc, "processes");
    if (!y_is_null(doc) && doc->type != Y_MAP) err = xstrdup("yaml: unmarshal errors: launch.yml is not a mapping");
    else if (!y_is_null(procs) && procs->type != Y_SEQ) err = xstrdup("yaml: unmarshal errors: processes is not a list");
    for (ynode *p = procs && !err ? procs->first : NULL; p && !err; p = p->next) {
        const char *type = "", *cmd = "";
        if (!y_string(ymap_get(p, "type"), &type) || !y_string(ymap_get(p, "command"), &cmd)) {
            err = xasprintf("yaml: unmarshal errors: line %d: process type and command must be strings", p->line);
            break;
        }
        process pr = {xstrdup(type), xstrdup(cmd), {0}, 0};
        const char *mem;
        if (y_string(ymap_get(ymap_get(p, "limits"), "memory"), &mem) && *mem) {
            char *end;
            pr.memory = strtol(mem, &end, 10);
            if (*end) {
                err = xasprintf("yaml: unmarshal errors: line %d: cannot unmarshal %s into an int", p->line, mem);
                break;
            }
        }
        ynode *sc = ymap_get(ymap_get(ymap_get(p, "platforms"), "cloudfoundry"), "sidecar_for");
        for (ynode *t = sc && sc->type == Y_SEQ ? sc->first : NULL; t; t = t->next) {
            const char *s;
            if (y_string(t, &s)) sl_push(&pr.sidecar_for, xstrdup(s));
        }
        merge_process(l, pr);
    }
    ynode_free(doc);
    return err;
}

static char *release(const char *dir, proclist *l) {
    strbuf out = {0};
    char *args[] = {build_dir, NULL};
    char *err = run_script(dir, "release", args, &out);
    if (err) return err;
    char *yerr = NULL;
    ynode *doc = yaml_parse(out.s, &yerr);
    sb_free(&out);
    if (!doc) return wrap("buildpack's release output invalid", yerr);
    if ((!y_is_null(doc) && doc->type != Y_MAP) || !merge_command_map(l, ymap_get(doc, "default_process_types")))
        err = wrap("buildpack's release output invalid",
                   xstrdup("yaml: unmarshal errors: default_process_types must map process types to commands"));
    ynode_free(doc);
    return err;
}

static char *process_final_buildpack(const char *dir, proclist *l) {
    bool has_launch;
    char *err = merge_launch_yml(n_supply, l, &has_launch);
    if (err) return err;
    if (!has_launch && (err = release(dir, l))) return wrap(RELEASE_FAIL_MSG, err);
    char *path = path_join(build_dir, "Procfile");
    ynode *doc;
    bool exists;
    err = parse_yaml_file(path, &doc, &exists);
    free(path);
    if (err && exists) { /* CF hides the parser's words */
        free(err);
        return xstrdup("Failed to read command from Procfile: invalid YAML");
    }
    if (err) return wrap("Failed to read command from Procfile", err);
    bool ok = merge_command_map(l, doc);
    ynode_free(doc);
    return ok ? NULL : xstrdup("Failed to read command from Procfile: invalid YAML");
}

/* ---------- results ---------- */

/* buildpackapplifecycle.BuildpackMetadata: what a buildpack wrote to
 * deps/<i>/config.yml, decoded like go-yaml into the struct (each field on its
 * own: a field of the wrong type stays empty, the others are kept). */
typedef struct {
    const char *key;
    const char *name, *version;
    const ynode *config;          /* `config:` mapping (BuildpackConfig), NULL when absent */
    const ynode *output_metadata; /* `output_metadata:` mapping, NULL when absent or empty */
} bp_meta;

static bp_meta read_meta(const char *key, size_t i) {
    bp_meta m = {key, "", "", NULL, NULL};
    char *path = deps_subdir(i, "config.yml");
    ynode *doc; /* kept: the metadata points into it until the builder exits */
    bool exists;
    char *err = parse_yaml_file(path, &doc, &exists);
    free(err), free(path);
    if (!doc || doc->type != Y_MAP) return m;
    const char *s;
    const ynode *k = ymap_get(doc, "key");
    if (k && k->type == Y_SCALAR && y_string(k, &s)) m.key = s;
    if (y_string(ymap_get(doc, "name"), &s)) m.name = s;
    if (y_string(ymap_get(doc, "version"), &s)) m.version = s;
    const ynode *c = ymap_get(doc, "config");
    if (c && c->type == Y_MAP) m.config = c;
    const ynode *o = ymap_get(doc, "output_metadata");
    if (o && o->type == Y_MAP && o->first) m.output_metadata = o;
    return m;
}

/* BuildpackConfig as JSON: {"entrypoint_prefix":…} with omitempty */
static void json_config(strbuf *b, const ynode *config) {
    const char *prefix;
    sb_putc(b, '{');
    if (y_string(ymap_get(config, "entrypoint_prefix"), &prefix) && *prefix) {
        sb_puts(b, "\"entrypoint_prefix\":");
        json_str(b, prefix);
    }
    sb_putc(b, '}');
}

/* Metadata of the buildpacks that ran: all of -buildpackOrder with
 * -skipDetect, else the detected one (named by its detect output when its
 * config.yml gives no name, if `detect_output` is given). */
static bp_meta *buildpacks_meta(size_t detected, const char *detect_output, size_t *n) {
    *n = skip_detect ? order.n : 1;
    bp_meta *metas = xmalloc(*n * sizeof *metas);
    for (size_t i = 0; i < *n; i++) metas[i] = read_meta(order.v[skip_detect ? i : detected], i);
    if (!skip_detect && detect_output && !*metas[0].name) metas[0].name = detect_output;
    return metas;
}

static const char *web_command(const proclist *l) {
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].sidecar_for.n && !strcmp(l->v[i].type, "web")) return l->v[i].command;
    return "";
}

static int cmp_process_type(const void *a, const void *b) {
    return strcmp((*(process *const *)a)->type, (*(process *const *)b)->type);
}

static void write_json_file(const char *path, strbuf *b) {
    if (!write_file(path, b->s, b->len)) fail(xasprintf("open %s: %s", path, go_strerror(errno)));
}

/* result.json: buildpackapplifecycle.StagingResult as Go's encoding/json
 * writes it (field order, omitempty as in CF's struct tags). Without a process
 * list (`l` NULL: staging failed after buildpacks ran) process_types is null. */
static void write_results(const proclist *l, const bp_meta *metas, size_t n) {
    const bp_meta *last = n ? &metas[n - 1] : NULL;
    strbuf b = {0};
    sb_puts(&b, "{\"lifecycle_metadata\":{");
    if (last && *last->key) { /* omitempty */
        sb_puts(&b, "\"buildpack_key\":");
        json_str(&b, last->key);
        sb_putc(&b, ',');
    }
    sb_puts(&b, "\"detected_buildpack\":");
    json_str(&b, last ? last->name : "");
    sb_puts(&b, ",\"buildpacks\":[");
    for (size_t i = 0; i < n; i++) {
        sb_puts(&b, i ? ",{\"key\":" : "{\"key\":");
        json_str(&b, metas[i].key);
        sb_puts(&b, ",\"name\":");
        json_str(&b, metas[i].name);
        if (*metas[i].version) { /* omitempty */
            sb_puts(&b, ",\"version\":");
            json_str(&b, metas[i].version);
        }
        if (metas[i].config) { /* a pointer: present whenever config.yml has the mapping */
            sb_puts(&b, ",\"config\":");
            json_config(&b, metas[i].config);
        }
        if (metas[i].output_metadata) { /* a map: omitted when empty; Go sorts map keys */
            sb_puts(&b, ",\"output_metadata\":");
            json_node(&b, metas[i].output_metadata, true);
        }
        sb_putc(&b, '}');
    }
    sb_puts(&b, "]},\"process_types\":");
    if (!l) {
        sb_puts(&b, "null,\"execution_metadata\":\"\",\"lifecycle_type\":\"buildpack\"}\n");
        (void)write_file(output_metadata, b.s, b.len); /* best effort, as CF (the staging error is what counts) */
        sb_free(&b);
        return;
    }
    sb_putc(&b, '{');
    /* a Go map: keys come out sorted (types are unique, merge_process replaces) */
    const process **sorted = xmalloc((l->n + 1) * sizeof *sorted);
    size_t ns = 0, nproc = 0, nsc = 0;
    for (size_t i = 0; i < l->n; i++)
        if (!l->v[i].sidecar_for.n) sorted[ns++] = &l->v[i];
    qsort(sorted, ns, sizeof *sorted, cmp_process_type);
    for (size_t i = 0; i < ns; i++) {
        if (i) sb_putc(&b, ',');
        json_str(&b, sorted[i]->type);
        sb_putc(&b, ':');
        json_str(&b, sorted[i]->command);
    }
    free(sorted);
    sb_putc(&b, '}');
    for (size_t i = 0; i < l->n; i++) { /* processes,omitempty */
        if (l->v[i].sidecar_for.n) continue;
        sb_puts(&b, nproc++ ? ",{\"type\":" : ",\"processes\":[{\"type\":");
        json_str(&b, l->v[i].type);
        sb_puts(&b, ",\"command\":");
        json_str(&b, l->v[i].command);
        sb_putc(&b, '}');
    }
    if (nproc) sb_putc(&b, ']');
    for (size_t i = 0; i < l->n; i++) { /* sidecars,omitempty */
        const process *p = &l->v[i];
        if (!p->sidecar_for.n) continue;
        sb_puts(&b, nsc++ ? ",{\"name\":" : ",\"sidecars\":[{\"name\":");
        json_str(&b, p->type);
        sb_puts(&b, ",\"process_types\":[");
        for (size_t t = 0; t < p->sidecar_for.n; t++) {
            if (t) sb_putc(&b, ',');
            json_str(&b, p->sidecar_for.v[t]);
        }
        sb_puts(&b, "],\"command\":");
        json_str(&b, p->command);
        if (p->memory) sb_printf(&b, ",\"memory\":%ld", p->memory); /* omitempty */
        sb_putc(&b, '}');
    }
    if (nsc) sb_putc(&b, ']');
    sb_puts(&b, ",\"execution_metadata\":\"\",\"lifecycle_type\":\"buildpack\"}\n");
    write_json_file(output_metadata, &b);
    sb_free(&b);
}

static void write_start_commands(const proclist *l, size_t detected, const char *detect_output) {
    if (!*web_command(l)) {
        print_error("No start command specified by buildpack or via Procfile.");
        print_error("App will not start unless a command is provided at runtime.");
    }
    size_t n;
    bp_meta *metas = buildpacks_meta(detected, detect_output, &n);

    /* staging_info.yml is JSON (JSON is YAML), read by the launcher:
     * DeaStagingInfo {detected_buildpack, start_command, config,omitempty} */
    strbuf b = {0};
    sb_puts(&b, "{\"detected_buildpack\":");
    json_str(&b, metas[n - 1].name);
    sb_puts(&b, ",\"start_command\":");
    json_str(&b, web_command(l));
    if (metas[n - 1].config) {
        sb_puts(&b, ",\"config\":");
        json_config(&b, metas[n - 1].config);
    }
    sb_puts(&b, "}\n");
    char *info = path_join(contents_dir, "staging_info.yml");
    write_json_file(info, &b);
    free(info);
    sb_free(&b);
    write_results(l, metas, n);
    free(metas);
}

/* CF writes result.json even when staging fails after the buildpacks ran, so
 * the stager learns which buildpacks (and versions) were involved. */
static size_t failed_detected = (size_t)-1;
static void __attribute__((noreturn)) fail_after_buildpacks(char *msg) {
    size_t n;
    bp_meta *metas = buildpacks_meta(failed_detected, NULL, &n);
    write_results(NULL, metas, n);
    fail(msg);
}

/* ---------- droplet ---------- */

/* Supply buildpacks leave scripts in deps/<i>/profile.d; they are made part of
 * the droplet's profile.d as <i>_<name> (the names libbuildpack's finalize
 * uses, so nothing is duplicated when the final buildpack already did it). */
static void collect_deps_profile_scripts(void) {
    for (size_t i = 0; i <= n_supply; i++) {
        char *dir = deps_subdir(i, "profile.d"), *idx = deps_index(i);
        strlist names = {0};
        if (list_dir(dir, &names)) {
            for (size_t k = 0; k < names.n; k++) {
                char *src = path_join(dir, names.v[k]), *leaf = xasprintf("%s_%s", idx, names.v[k]);
                char *dst = path_join(profile_dir, leaf), *err = NULL;
                if (!path_exists(dst) && copy_tree(src, dst, &err) != 0)
                    fail(wrap("Failed to set up droplet filesystem", err));
                free(src), free(leaf), free(dst);
            }
        }
        sl_free(&names);
        free(dir), free(idx);
    }
}

/* tar -czf OUT -C DIR . (CombinedOutput); NULL or CF's error text. */
static char *tar_czf(const char *tar, const char *out, const char *dir, const char *what) {
    char *argv[] = {(char *)tar, "-czf", (char *)out, "-C", (char *)dir, ".", NULL};
    strbuf output = {0};
    proc_result r = proc_run(argv, &output, true);
    char *err = proc_ok(r) ? NULL : xasprintf("%s: %s: %s", what, output.s ? output.s : "", proc_describe(r, tar));
    sb_free(&output);
    return err;
}

static void package(void) {
    const char *subdirs[] = {"tmp", "logs"};
    for (int i = 0; i < 2; i++) {
        char *d = path_join(contents_dir, subdirs[i]);
        if (mkdir_p(d, 0755) != 0) fail(xasprintf("Failed to set up droplet filesystem: %s", go_strerror(errno)));
        free(d);
    }
    char *app = path_join(contents_dir, "app"), *err = NULL;
    char *src = realpath(build_dir, NULL); /* a symlinked build dir is copied, not the link */
    if (copy_tree(src ? src : build_dir, app, &err) != 0) fail(wrap("Failed to copy compiled droplet", err));
    free(app), free(src);
    collect_deps_profile_scripts();

    char *tar = find_in_path("tar");
    if (!tar) fail(xstrdup("Unable to find tar executable: exec: \"tar\": executable file not found in $PATH"));
    char *out_dir = path_dir(output_cache);
    if (mkdir_p(out_dir, 0755) != 0)
        fail(xasprintf("Failed to create output build artifacts cache dir: %s", go_strerror(errno)));
    free(out_dir);
    /* The two archives are independent: the cache is compressed by a child
     * while the droplet is (CF does one after the other; the files are the
     * same). The child ends with _exit, so it never runs our atexit cleanup. */
    fflush(NULL);
    pid_t cache_pid = fork();
    if (cache_pid == 0) {
        char *cache_err = tar_czf(tar, output_cache, cache_dir, "Failed to compress build artifacts");
        if (cache_err) fprintf(stderr, "%s\n", cache_err);
        fflush(NULL);
        _exit(cache_err ? exit_code_for(cache_err) : 0);
    }
    if (cache_pid < 0) { /* no second process: one after the other */
        if ((err = tar_czf(tar, output_droplet, contents_dir, "Failed to compress droplet filesystem"))) fail(err);
        if ((err = tar_czf(tar, output_cache, cache_dir, "Failed to compress build artifacts"))) fail(err);
        free(tar);
        return;
    }
    err = tar_czf(tar, output_droplet, contents_dir, "Failed to compress droplet filesystem");
    int status = 0;
    while (waitpid(cache_pid, &status, 0) < 0 && errno == EINTR) {}
    if (err) fail(err);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
    free(tar);
}

/* ---------- main ---------- */

static void absolutize(char **p) {
    if (**p) *p = path_abs(*p);
}

int main(int argc, char **argv) {
    prog_name = "builder";
    reset_signals();
    setvbuf(stdout, NULL, _IOLBF, 0);
    flags_parse("builder", flag_defs, argc, argv);

    /* CF's Validate: every flag needs a value */
    strbuf missing = {0};
    for (const flag_def *d = flag_defs; d->name; d++) {
        if (d->kind != FLAG_STRING || **(char **)d->value) continue;
        sb_printf(&missing, "%smissing flag: -%s", missing.len ? ", " : "", d->name);
    }
    if (missing.len) {
        fprintf(stderr, "%s\n", missing.s);
        return 1;
    }
    char **paths[] = {&build_dir, &output_droplet, &output_metadata, &output_cache, &buildpacks_dir, &downloads_dir,
                      &cache_dir};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) absolutize(paths[i]);
    for (char *s = order_flag, *e;; s = e + 1) { /* strings.Split keeps empty names */
        e = strchr(s, ',');
        sl_push(&order, e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s));
        if (!e) break;
    }
    n_supply = skip_detect ? order.n - 1 : 0;

    int rc = check_platform_options(3, 4);
    if (rc) return rc;
    export_database_url();

    atexit(cleanup);
    char *err = make_directories();
    if (err) fail(wrap("Failed to set up filesystem when generating droplet", err));
    check_url_buildpacks();
    clean_cache_dir();

    size_t detected = order.n - 1;
    char *dir = NULL, *detect_output = "";
    if (skip_detect) {
        if ((err = run_supply_buildpacks(&dir))) fail(err);
    } else if (!detect(&detected, &dir, &detect_output)) {
        fail(xstrdup(DETECT_FAIL_MSG));
    }
    failed_detected = detected;
    if ((err = run_finalize(dir))) fail_after_buildpacks(wrap(COMPILE_FAIL_MSG, err));

    proclist procs = {0};
    for (size_t i = 0; i < n_supply; i++) {
        bool exists;
        if ((err = merge_launch_yml(i, &procs, &exists))) fail_after_buildpacks(err);
    }
    if ((err = process_final_buildpack(dir, &procs))) fail_after_buildpacks(err);
    write_start_commands(&procs, detected, detect_output);
    package();
    return 0;
}
