#include <ctype.h>
#include "yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

typedef struct {
    const char *s;
    size_t pos, line_start;
    int line;
    bool seen; /* document content has started */
    char *err;
} yp;

enum ctx { CTX_DOC, CTX_MAPVAL, CTX_SEQITEM };

static ynode *new_node(ytype t, int line) {
    ynode *n = xmalloc(sizeof *n);
    memset(n, 0, sizeof *n);
    n->type = t;
    n->line = line;
    return n;
}

void ynode_free(ynode *n) {
    while (n) {
        ynode *next = n->next;
        ynode_free(n->first);
        free(n->key);
        free(n->val);
        free(n);
        n = next;
    }
}

static void append(ynode *parent, ynode *child) {
    if (parent->type == Y_MAP) { /* a repeated key replaces the earlier value */
        for (ynode **pp = &parent->first; *pp; pp = &(*pp)->next) {
            if (strcmp((*pp)->key, child->key) != 0) continue;
            child->next = (*pp)->next;
            if (parent->last == *pp) parent->last = child;
            (*pp)->next = NULL;
            ynode_free(*pp);
            *pp = child;
            return;
        }
    }
    if (parent->last) parent->last->next = child;
    else parent->first = child;
    parent->last = child;
}

static bool fail(yp *p, const char *msg) {
    if (!p->err) p->err = xasprintf("yaml: line %d: %s", p->line, msg);
    return false;
}

static char cur(yp *p) { return p->s[p->pos]; }
static bool is_eol(char c) { return c == '\n' || c == '\r' || c == 0; }
static bool is_blank(char c) { return c == ' ' || c == '\t'; }
static bool is_ws_or_eol(char c) { return is_blank(c) || is_eol(c); }
static int col(yp *p) { return (int)(p->pos - p->line_start); }

static void skip_blanks(yp *p) {
    while (is_blank(cur(p))) p->pos++;
}

static void next_line(yp *p) {
    while (cur(p) && cur(p) != '\n') p->pos++;
    if (cur(p) == '\n') {
        p->pos++;
        p->line++;
        p->line_start = p->pos;
    }
}

/* Moves to the next content character, skipping blanks, comments, empty lines,
 * directives and "---". Returns false at the end of the document. */
static bool skip_to_content(yp *p) {
    for (;;) {
        skip_blanks(p);
        char c = cur(p);
        if (c == '#' && (p->pos == p->line_start || is_blank(p->s[p->pos - 1]))) {
            next_line(p);
            continue;
        }
        if (is_eol(c)) {
            if (c == 0) return false;
            next_line(p);
            continue;
        }
        if (col(p) == 0) {
            const char *q = p->s + p->pos;
            if (!strncmp(q, "---", 3) && is_ws_or_eol(q[3])) {
                if (p->seen) return false; /* only the first document is read, like Go's yaml.Unmarshal */
                p->pos += 3;
                continue;
            }
            if (!strncmp(q, "...", 3) && is_ws_or_eol(q[3])) return false;
            if (c == '%') {
                next_line(p);
                continue;
            }
        }
        p->seen = true;
        return true;
    }
}

static bool at_comment_or_eol(yp *p) {
    skip_blanks(p);
    return is_eol(cur(p)) || cur(p) == '#';
}

static bool is_seq_item(yp *p) { return cur(p) == '-' && is_ws_or_eol(p->s[p->pos + 1]); }

static void put_utf8(strbuf *b, unsigned long cp) {
    char o[4];
    if (cp < 0x80) {
        sb_putc(b, (char)cp);
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6)), o[1] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, o, 2);
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)), o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, o, 3);
    } else {
        o[0] = (char)(0xF0 | (cp >> 18)), o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), o[3] = (char)(0x80 | (cp & 0x3F));
        sb_add(b, o, 4);
    }
}

static bool read_hex(yp *p, int digits, unsigned long *out) {
    unsigned long v = 0;
    for (int i = 0; i < digits; i++) {
        char c = cur(p);
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0) return fail(p, "did not find expected hexdecimal number");
        v = v * 16 + (unsigned long)d;
        p->pos++;
    }
    *out = v;
    return true;
}

/* Line break inside a quoted scalar: one break folds to a space, n+1 breaks give n newlines. */
static void fold_break(yp *p, strbuf *b) {
    while (b->len && is_blank(b->s[b->len - 1])) b->s[--b->len] = 0;
    int breaks = 0;
    while (is_eol(cur(p)) && cur(p)) {
        if (cur(p) == '\r') p->pos++;
        if (cur(p) == '\n') next_line(p), breaks++;
        skip_blanks(p);
    }
    if (breaks <= 1) sb_putc(b, ' ');
    else
        for (int i = 1; i < breaks; i++) sb_putc(b, '\n');
}

static char *quoted(yp *p) {
    char q = cur(p);
    strbuf b = {0};
    sb_add(&b, "", 0);
    p->pos++;
    for (;;) {
        char c = cur(p);
        if (c == 0) {
            fail(p, "found unexpected end of stream while scanning a quoted scalar");
            break;
        }
        if (c == q) {
            if (q == '\'' && p->s[p->pos + 1] == '\'') {
                sb_putc(&b, '\'');
                p->pos += 2;
                continue;
            }
            p->pos++;
            return sb_take(&b);
        }
        if (c == '\n' || c == '\r') {
            fold_break(p, &b);
            continue;
        }
        if (c == '\\' && q == '"') {
            p->pos++;
            char e = cur(p);
            p->pos++;
            unsigned long cp;
            switch (e) {
            case '0': break; /* NUL cannot live in a C string: dropped */
            case 'a': sb_putc(&b, '\a'); break;
            case 'b': sb_putc(&b, '\b'); break;
            case 't': case '\t': sb_putc(&b, '\t'); break;
            case 'n': sb_putc(&b, '\n'); break;
            case 'v': sb_putc(&b, '\v'); break;
            case 'f': sb_putc(&b, '\f'); break;
            case 'r': sb_putc(&b, '\r'); break;
            case 'e': sb_putc(&b, 27); break;
            case ' ': case '"': case '/': case '\\': sb_putc(&b, e); break;
            case 'N': put_utf8(&b, 0x85); break;
            case '_': put_utf8(&b, 0xA0); break;
            case 'L': put_utf8(&b, 0x2028); break;
            case 'P': put_utf8(&b, 0x2029); break;
            case 'x':
                if (!read_hex(p, 2, &cp)) goto out;
                put_utf8(&b, cp);
                break;
            case 'U':
                if (!read_hex(p, 8, &cp)) goto out;
                put_utf8(&b, cp);
                break;
            case 'u':
                if (!read_hex(p, 4, &cp)) goto out;
                /* JSON writes astral characters as surrogate pairs */
                if (cp >= 0xD800 && cp < 0xDC00 && cur(p) == '\\' && p->s[p->pos + 1] == 'u') {
                    unsigned long lo;
                    p->pos += 2;
                    if (!read_hex(p, 4, &lo)) goto out;
                    if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    else put_utf8(&b, 0xFFFD), cp = lo;
                }
                put_utf8(&b, cp);
                break;
            case '\r':
            case '\n':
                p->pos--;
                if (cur(p) == '\r') p->pos++;
                next_line(p);
                skip_blanks(p);
                break;
            default: fail(p, "found unknown escape character while parsing a quoted scalar"); goto out;
            }
            continue;
        }
        sb_putc(&b, c);
        p->pos++;
    }
out:
    sb_free(&b);
    return NULL;
}

static ynode *scalar_node(yp *p, char *text, bool q) {
    ynode *n = new_node(Y_SCALAR, p->line);
    n->val = text;
    n->quoted = q;
    return n;
}

/* ---------- flow style ([..] {..}, JSON) ---------- */

static void skip_flow_space(yp *p) {
    for (;;) {
        char c = cur(p);
        if (is_blank(c) || c == '\r') p->pos++;
        else if (c == '\n') next_line(p);
        else if (c == '#' && (p->pos == 0 || is_ws_or_eol(p->s[p->pos - 1]))) {
            while (cur(p) && cur(p) != '\n') p->pos++;
        } else return;
    }
}

static ynode *flow_value(yp *p, bool as_key);

static ynode *flow_plain(yp *p, bool as_key) {
    size_t start = p->pos;
    for (;;) {
        char c = cur(p);
        if (is_eol(c) || strchr(",[]{}", c)) break;
        if (c == ':' && (is_ws_or_eol(p->s[p->pos + 1]) || strchr(",[]{}", p->s[p->pos + 1]) || as_key)) break;
        if (c == '#' && p->pos > start && is_blank(p->s[p->pos - 1])) break;
        p->pos++;
    }
    char *t = xstrndup(p->s + start, p->pos - start);
    str_trim_right(t, " \t");
    return scalar_node(p, t, false);
}

static ynode *flow_collection(yp *p) {
    char open = cur(p), close = open == '[' ? ']' : '}';
    ynode *n = new_node(open == '[' ? Y_SEQ : Y_MAP, p->line);
    p->pos++;
    for (;;) {
        skip_flow_space(p);
        if (cur(p) == close) {
            p->pos++;
            return n;
        }
        if (cur(p) == 0) {
            fail(p, open == '[' ? "did not find expected ',' or ']'" : "did not find expected ',' or '}'");
            break;
        }
        if (open == '[') {
            ynode *item = flow_value(p, false);
            if (!item) break;
            append(n, item);
        } else {
            ynode *k = flow_value(p, true);
            if (!k) break;
            if (k->type != Y_SCALAR) {
                ynode_free(k);
                fail(p, "complex mapping keys are not supported");
                break;
            }
            skip_flow_space(p);
            ynode *v;
            if (cur(p) == ':') {
                p->pos++;
                skip_flow_space(p);
                v = (cur(p) == ',' || cur(p) == '}') ? new_node(Y_NULL, p->line) : flow_value(p, false);
            } else {
                v = new_node(Y_NULL, p->line);
            }
            if (!v) {
                ynode_free(k);
                break;
            }
            v->key = k->val;
            k->val = NULL;
            ynode_free(k);
            append(n, v);
        }
        skip_flow_space(p);
        if (cur(p) == ',') p->pos++;
        else if (cur(p) != close) {
            fail(p, open == '[' ? "did not find expected ',' or ']'" : "did not find expected ',' or '}'");
            break;
        }
    }
    ynode_free(n);
    return NULL;
}

static ynode *flow_value(yp *p, bool as_key) {
    skip_flow_space(p);
    char c = cur(p);
    if (c == '[' || c == '{') return flow_collection(p);
    if (c == '"' || c == '\'') {
        int line = p->line;
        char *t = quoted(p);
        if (!t) return NULL;
        ynode *n = scalar_node(p, t, true);
        n->line = line;
        return n;
    }
    if (c == ']' || c == '}' || c == ',') {
        fail(p, "did not find expected node content");
        return NULL;
    }
    return flow_plain(p, as_key);
}

/* ---------- block style ---------- */

static ynode *node(yp *p, int parent_indent, enum ctx ctx);

/* A mapping key starts here when "key:" is followed by a blank or line end. */
static bool scan_key(yp *p, char **key_out) {
    size_t save = p->pos;
    int save_line = p->line;
    size_t save_ls = p->line_start;
    char *key = NULL;
    char c = cur(p);
    if (c == '"' || c == '\'') {
        char *prev_err = p->err;
        key = quoted(p);
        if (!key || p->line != save_line) {
            free(key);
            if (!prev_err && p->err) free(p->err), p->err = NULL;
            goto no;
        }
        skip_blanks(p);
        if (cur(p) != ':' || !is_ws_or_eol(p->s[p->pos + 1])) goto no;
        p->pos++;
    } else {
        if (strchr("[]{}?|>!&*#", c) || is_seq_item(p)) return false;
        size_t start = p->pos;
        while (!is_eol(cur(p))) {
            if (cur(p) == ':' && is_ws_or_eol(p->s[p->pos + 1])) break;
            if (cur(p) == '#' && is_blank(p->s[p->pos - 1])) goto no;
            p->pos++;
        }
        if (cur(p) != ':') goto no;
        key = xstrndup(p->s + start, p->pos - start);
        str_trim_right(key, " \t");
        p->pos++;
    }
    if (key_out) *key_out = key;
    else free(key), p->pos = save;
    return true;
no:
    free(key);
    p->pos = save;
    p->line = save_line;
    p->line_start = save_ls;
    return false;
}

static ynode *block_map(yp *p, int ind) {
    ynode *m = new_node(Y_MAP, p->line);
    for (;;) {
        char *key;
        if (!scan_key(p, &key)) {
            fail(p, is_seq_item(p) ? "did not find expected key" : "could not find expected ':'");
            break;
        }
        ynode *v = node(p, ind, CTX_MAPVAL);
        if (!v) {
            free(key);
            break;
        }
        v->key = key;
        append(m, v);
        if (!skip_to_content(p) || col(p) < ind) return m;
        if (col(p) > ind) {
            fail(p, "mapping values are not allowed in this context");
            break;
        }
    }
    ynode_free(m);
    return NULL;
}

static ynode *block_seq(yp *p, int ind) {
    ynode *s = new_node(Y_SEQ, p->line);
    for (;;) {
        p->pos++; /* the '-' */
        ynode *item = node(p, ind, CTX_SEQITEM);
        if (!item) break;
        append(s, item);
        if (!skip_to_content(p) || col(p) < ind || (col(p) == ind && !is_seq_item(p))) return s;
        if (col(p) > ind || !is_seq_item(p)) {
            fail(p, "did not find expected '-' indicator");
            break;
        }
    }
    ynode_free(s);
    return NULL;
}

/* | and > scalars: the content is every following line indented deeper than the parent. */
static ynode *block_scalar(yp *p, int parent_indent) {
    int line = p->line;
    bool folded = cur(p) == '>';
    char chomp = 'c';
    int explicit_indent = 0;
    p->pos++;
    while (!is_ws_or_eol(cur(p))) {
        char c = cur(p);
        if (c == '+' || c == '-') chomp = c;
        else if (c >= '1' && c <= '9') explicit_indent = c - '0';
        else {
            fail(p, "did not find expected comment or line break");
            return NULL;
        }
        p->pos++;
    }
    if (!at_comment_or_eol(p)) {
        fail(p, "did not find expected comment or line break");
        return NULL;
    }
    next_line(p);
    int ind = explicit_indent ? (parent_indent < 0 ? 0 : parent_indent) + explicit_indent : -1;
    if (ind < 0) { /* the first non-empty line sets the indentation */
        for (size_t q = p->pos;;) {
            int n = 0;
            while (p->s[q + (size_t)n] == ' ') n++;
            char c = p->s[q + (size_t)n];
            if (c == 0) break;
            if (!is_eol(c)) {
                ind = n;
                break;
            }
            while (p->s[q] && p->s[q] != '\n') q++;
            if (p->s[q]) q++;
        }
        if (ind <= parent_indent) ind = parent_indent + 1;
    }
    strbuf b = {0};
    sb_add(&b, "", 0);
    bool prev_text = false;
    while (cur(p)) {
        int n = 0;
        while (p->s[p->pos + (size_t)n] == ' ' && n < ind) n++;
        char c = p->s[p->pos + (size_t)n];
        if (is_eol(c) && c) { /* empty line */
            /* in > scalars the break after a text line is part of this fold */
            if (!(folded && prev_text)) sb_putc(&b, '\n');
            prev_text = false;
            next_line(p);
            continue;
        }
        if (n < ind) break;
        p->pos += (size_t)n;
        size_t start = p->pos;
        while (!is_eol(cur(p))) p->pos++;
        bool more_indented = is_blank(p->s[start]);
        if (folded && prev_text && !more_indented && b.len && b.s[b.len - 1] == '\n') b.s[b.len - 1] = ' ';
        sb_add(&b, p->s + start, p->pos - start);
        sb_putc(&b, '\n');
        prev_text = !more_indented;
        if (cur(p) == '\r') p->pos++;
        if (!cur(p)) break;
        next_line(p);
    }
    if (chomp != '+') {
        while (b.len && b.s[b.len - 1] == '\n') b.s[--b.len] = 0;
        if (chomp == 'c' && b.len) sb_putc(&b, '\n');
    }
    ynode *nd = scalar_node(p, sb_take(&b), true);
    nd->line = line;
    return nd;
}

/* A plain scalar runs to the end of the line (or a " #" comment) and continues
 * on following lines that are indented deeper than its parent. */
static ynode *plain(yp *p, int parent_indent) {
    int line = p->line;
    strbuf b = {0};
    for (;;) {
        size_t start = p->pos;
        while (!is_eol(cur(p)) && !(cur(p) == '#' && p->pos > start && is_blank(p->s[p->pos - 1]))) p->pos++;
        size_t end = p->pos;
        while (end > start && is_blank(p->s[end - 1])) end--;
        if (b.len) sb_putc(&b, ' ');
        sb_add(&b, p->s + start, end - start);
        size_t save = p->pos, save_ls = p->line_start;
        int save_line = p->line;
        if (!skip_to_content(p) || p->line == save_line || col(p) <= parent_indent || scan_key(p, NULL) ||
            is_seq_item(p) || cur(p) == '#') {
            p->pos = save, p->line_start = save_ls, p->line = save_line;
            break;
        }
    }
    ynode *n = scalar_node(p, sb_take(&b), false);
    n->line = line;
    return n;
}

static ynode *node(yp *p, int parent_indent, enum ctx ctx) {
    int line0 = p->line;
    skip_blanks(p);
    /* tags and anchors are accepted and ignored; an anchor name is made of
     * letters, digits, '-' and '_' and must end at a blank, as in libyaml
     * (so `&ruby/object:Pathname` is an error, `!ruby/object:Pathname` a tag) */
    while ((cur(p) == '!' || cur(p) == '&') && !is_ws_or_eol(p->s[p->pos + 1])) {
        if (cur(p) == '&') {
            p->pos++;
            while (isalnum((unsigned char)cur(p)) || cur(p) == '-' || cur(p) == '_') p->pos++;
            if (!is_ws_or_eol(cur(p))) {
                fail(p, "did not find expected alphabetic or numeric character while scanning an anchor");
                return NULL;
            }
        }
        while (!is_ws_or_eol(cur(p))) p->pos++;
        skip_blanks(p);
    }
    if (!skip_to_content(p)) return new_node(Y_NULL, line0);
    bool same_line = p->line == line0 && ctx != CTX_DOC;
    int c = col(p);
    if (!same_line && c <= parent_indent) {
        if (ctx == CTX_MAPVAL && c == parent_indent && is_seq_item(p)) return block_seq(p, c);
        return new_node(Y_NULL, line0);
    }
    char ch = cur(p);
    if (is_seq_item(p)) {
        if (same_line && ctx == CTX_MAPVAL) {
            fail(p, "block sequence entries are not allowed in this context");
            return NULL;
        }
        return block_seq(p, c);
    }
    if (ch == '[' || ch == '{') {
        ynode *n = flow_collection(p);
        if (n && !at_comment_or_eol(p)) {
            ynode_free(n);
            fail(p, "did not find expected key");
            return NULL;
        }
        return n;
    }
    if (ch == '|' || ch == '>') return block_scalar(p, parent_indent);
    if (scan_key(p, NULL)) {
        if (same_line && ctx == CTX_MAPVAL) {
            fail(p, "mapping values are not allowed in this context");
            return NULL;
        }
        return block_map(p, c);
    }
    if (ch == '"' || ch == '\'') {
        int line = p->line;
        char *t = quoted(p);
        if (!t) return NULL;
        if (!at_comment_or_eol(p)) {
            free(t);
            fail(p, "did not find expected key");
            return NULL;
        }
        ynode *n = scalar_node(p, t, true);
        n->line = line;
        return n;
    }
    if (ch == '@' || ch == '`') {
        fail(p, "found character that cannot start any token");
        return NULL;
    }
    return plain(p, parent_indent);
}

ynode *yaml_parse(const char *text, char **err) {
    yp p = {.s = text, .line = 1};
    *err = NULL;
    ynode *root = node(&p, -1, CTX_DOC);
    if (root && skip_to_content(&p)) {
        fail(&p, "did not find expected <document start>");
    }
    if (p.err) {
        ynode_free(root);
        *err = p.err;
        return NULL;
    }
    return root;
}

ynode *ymap_get(const ynode *map, const char *key) {
    if (!map || map->type != Y_MAP) return NULL;
    for (ynode *n = map->first; n; n = n->next)
        if (!strcmp(n->key, key)) return n;
    return NULL;
}

bool y_is_null(const ynode *n) {
    if (!n || n->type == Y_NULL) return true;
    if (n->type != Y_SCALAR || n->quoted) return false;
    const char *v = n->val;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

bool y_string(const ynode *n, const char **out) {
    if (y_is_null(n)) {
        *out = "";
        return true;
    }
    if (n->type != Y_SCALAR) return false;
    *out = n->val;
    return true;
}

ynode *y_scalar(const char *key, const char *val, bool quoted) {
    ynode *n = new_node(Y_SCALAR, 0);
    n->key = key ? xstrdup(key) : NULL;
    n->val = xstrdup(val);
    n->quoted = quoted;
    return n;
}

void ymap_set(ynode *map, ynode *child) { append(map, child); }

void ymap_del(ynode *map, const char *key) {
    ynode *prev = NULL;
    for (ynode *n = map->first; n; prev = n, n = n->next) {
        if (strcmp(n->key, key) != 0) continue;
        if (prev) prev->next = n->next;
        else map->first = n->next;
        if (map->last == n) map->last = prev;
        n->next = NULL;
        ynode_free(n);
        return;
    }
}
