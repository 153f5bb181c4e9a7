#include "flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool parse_bool(const char *s, bool *out) {
    static const char *t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (int i = 0; i < 6; i++) {
        if (!strcmp(s, t[i])) return *out = true, true;
        if (!strcmp(s, f[i])) return *out = false, true;
    }
    return false;
}

bool parse_duration(const char *s, int64_t *ns) {
    static const struct {
        const char *unit;
        double ns;
    } units[] = {{"ns", 1}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"\xce\xbcs", 1e3}, {"ms", 1e6},
                 {"s", 1e9}, {"m", 60e9},  {"h", 3600e9}};
    double total = 0;
    int sign = 1;
    if (*s == '-' || *s == '+') sign = *s++ == '-' ? -1 : 1;
    if (!strcmp(s, "0")) return *ns = 0, true;
    if (!*s) return false;
    while (*s) {
        char *end;
        if (!((*s >= '0' && *s <= '9') || *s == '.')) return false;
        double v = strtod(s, &end);
        if (end == s) return false;
        s = end;
        size_t best = 0;
        double mult = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t n = strlen(units[i].unit);
            if (!strncmp(s, units[i].unit, n) && n > best) best = n, mult = units[i].ns;
        }
        if (!best) return false; /* a unit is required */
        s += best;
        total += v * mult;
    }
    *ns = (int64_t)(sign * total);
    return true;
}

void format_duration(int64_t ns, char *out, int size) {
    if (ns == 0) {
        snprintf(out, (size_t)size, "0s");
        return;
    }
    if (ns < 1000000000 && ns > -1000000000) {
        if (ns % 1000000 == 0) snprintf(out, (size_t)size, "%lldms", (long long)(ns / 1000000));
        else if (ns % 1000 == 0) snprintf(out, (size_t)size, "%lld\xc2\xb5s", (long long)(ns / 1000));
        else snprintf(out, (size_t)size, "%lldns", (long long)ns);
        return;
    }
    long long h = ns / 3600000000000LL, m = ns / 60000000000LL % 60;
    double sec = (double)(ns % 60000000000LL) / 1e9;
    char secs[32];
    snprintf(secs, sizeof secs, "%.9f", sec);
    for (char *e = secs + strlen(secs) - 1; e > secs && (*e == '0' || *e == '.'); e--) {
        bool dot = *e == '.';
        *e = 0;
        if (dot) break;
    }
    if (h) snprintf(out, (size_t)size, "%lldh%lldm%ss", h, m, secs);
    else if (m) snprintf(out, (size_t)size, "%lldm%ss", m, secs);
    else snprintf(out, (size_t)size, "%ss", secs);
}

/* defaults as they were before parsing (usage shows those, like Go) */
#define MAX_FLAGS 32
static const flag_def *snapshot_of;
static char *default_str[MAX_FLAGS];
static int64_t default_dur[MAX_FLAGS];

static void snapshot(const flag_def *defs) {
    for (int i = 0; defs[i].name && i < MAX_FLAGS; i++) {
        if (defs[i].kind == FLAG_STRING) default_str[i] = *(char **)defs[i].value;
        if (defs[i].kind == FLAG_DURATION || defs[i].kind == FLAG_INT) default_dur[i] = *(int64_t *)defs[i].value;
    }
    snapshot_of = defs;
}

void flags_usage(const char *prog, const flag_def *defs) {
    if (snapshot_of != defs) snapshot(defs);
    fprintf(stderr, "Usage of %s:\n", prog);
    for (int i = 0; defs[i].name && i < MAX_FLAGS; i++) {
        const flag_def *d = &defs[i];
        fprintf(stderr, "  -%s", d->name);
        if (d->kind == FLAG_STRING) fprintf(stderr, " string");
        if (d->kind == FLAG_DURATION) fprintf(stderr, " duration");
        if (d->kind == FLAG_INT) fprintf(stderr, " int");
        fprintf(stderr, "\n    \t%s", d->usage);
        if (d->kind == FLAG_STRING) {
            const char *v = default_str[i];
            if (v && *v) fprintf(stderr, " (default \"%s\")", v);
        } else if (d->kind == FLAG_DURATION) {
            int64_t v = default_dur[i];
            if (v) {
                char buf[64];
                format_duration(v, buf, sizeof buf);
                fprintf(stderr, " (default %s)", buf);
            }
        } else if (d->kind == FLAG_INT && default_dur[i]) {
            fprintf(stderr, " (default %lld)", (long long)default_dur[i]);
        }
        fputc('\n', stderr);
    }
}

static void usage_error(const char *prog, const flag_def *defs, const char *msg) {
    fprintf(stderr, "%s\n", msg);
    flags_usage(prog, defs);
    exit(2);
}

int flags_parse(const char *prog, const flag_def *defs, int argc, char **argv) {
    snapshot(defs);
    int i = 1;
    while (i < argc) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == 0) break;
        i++;
        const char *name = a + 1;
        if (*name == '-') {
            name++;
            if (*name == 0) break; /* "--" ends the flags */
        }
        char msg[512];
        if (*name == 0 || *name == '-' || *name == '=') {
            snprintf(msg, sizeof msg, "bad flag syntax: %s", a);
            usage_error(prog, defs, msg);
        }
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const flag_def *d = defs;
        while (d->name && (strlen(d->name) != nlen || strncmp(d->name, name, nlen))) d++;
        if (!d->name) {
            if ((nlen == 1 && name[0] == 'h') || (nlen == 4 && !strncmp(name, "help", 4))) {
                flags_usage(prog, defs);
                exit(0);
            }
            snprintf(msg, sizeof msg, "flag provided but not defined: -%.*s", (int)nlen, name);
            usage_error(prog, defs, msg);
        }
        const char *val = eq ? eq + 1 : NULL;
        if (d->kind == FLAG_BOOL) {
            if (!val) val = "true";
            if (!parse_bool(val, (bool *)d->value)) {
                snprintf(msg, sizeof msg, "invalid boolean value \"%s\" for -%s: parse error", val, d->name);
                usage_error(prog, defs, msg);
            }
            continue;
        }
        if (!val) {
            if (i >= argc) {
                snprintf(msg, sizeof msg, "flag needs an argument: -%s", d->name);
                usage_error(prog, defs, msg);
            }
            val = argv[i++];
        }
        if (d->kind == FLAG_STRING) {
            *(char **)d->value = (char *)val;
        } else if (d->kind == FLAG_INT) {
            char *end;
            long long v = strtoll(val, &end, 0);
            if (!*val || *end) {
                snprintf(msg, sizeof msg, "invalid value \"%s\" for flag -%s: parse error", val, d->name);
                usage_error(prog, defs, msg);
            }
            *(int64_t *)d->value = v;
        } else if (!parse_duration(val, (int64_t *)d->value)) {
            snprintf(msg, sizeof msg, "invalid value \"%s\" for flag -%s: parse error", val, d->name);
            usage_error(prog, defs, msg);
        }
    }
    return i;
}
