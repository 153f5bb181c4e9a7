#include "json.h"

#include <stdlib.h>
#include <string.h>

/* Length of a valid UTF-8 sequence at p, or 0 if invalid. */
static int utf8_len(const unsigned char *p, unsigned long *cp) {
    if (p[0] < 0x80) return *cp = p[0], 1;
    int n = (p[0] & 0xE0) == 0xC0 ? 2 : (p[0] & 0xF0) == 0xE0 ? 3 : (p[0] & 0xF8) == 0xF0 ? 4 : 0;
    if (!n) return 0;
    unsigned long v = p[0] & (0x7F >> n);
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (p[i] & 0x3F);
    }
    static const unsigned long min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[n] || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return 0;
    *cp = v;
    return n;
}

void json_str(strbuf *b, const char *s) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    sb_putc(b, '"');
    while (*p) {
        unsigned char c = *p;
        if (c < 0x80) {
            switch (c) {
            case '"': sb_puts(b, "\\\""); break;
            case '\\': sb_puts(b, "\\\\"); break;
            case '\n': sb_puts(b, "\\n"); break;
            case '\r': sb_puts(b, "\\r"); break;
            case '\t': sb_puts(b, "\\t"); break;
            case '\b': sb_puts(b, "\\b"); break;
            case '\f': sb_puts(b, "\\f"); break;
            case '<': case '>': case '&': /* Go's HTML-safe escaping */
            default:
                if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                    char u[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
                    sb_puts(b, u);
                } else {
                    sb_putc(b, (char)c);
                }
            }
            p++;
            continue;
        }
        unsigned long cp;
        int n = utf8_len(p, &cp);
        if (!n) {
            sb_puts(b, "\\ufffd");
            p++;
        } else if (cp == 0x2028 || cp == 0x2029) {
            sb_puts(b, cp == 0x2028 ? "\\u2028" : "\\u2029");
            p += n;
        } else {
            sb_add(b, (const char *)p, (size_t)n);
            p += n;
        }
    }
    sb_putc(b, '"');
}

static bool is_json_number(const char *s) {
    const char *p = s;
    if (*p == '-') p++;
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9') p++;
    else return false;
    if (*p == '.') {
        p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return false;
        while (*p >= '0' && *p <= '9') p++;
    }
    return *p == 0;
}

static int cmp_key(const void *a, const void *b) {
    return strcmp((*(ynode *const *)a)->key, (*(ynode *const *)b)->key);
}

void json_node(strbuf *b, const ynode *n, bool sort_keys) {
    if (!n || n->type == Y_NULL) {
        sb_puts(b, "null");
        return;
    }
    if (n->type == Y_SCALAR) {
        if (!n->quoted && (y_is_null(n) || !strcmp(n->val, "true") || !strcmp(n->val, "false") || is_json_number(n->val)))
            sb_puts(b, y_is_null(n) ? "null" : n->val);
        else
            json_str(b, n->val);
        return;
    }
    size_t count = 0;
    for (ynode *c = n->first; c; c = c->next) count++;
    ynode **items = xmalloc(count * sizeof *items);
    count = 0;
    for (ynode *c = n->first; c; c = c->next) items[count++] = c;
    if (n->type == Y_MAP && sort_keys) qsort(items, count, sizeof *items, cmp_key);
    sb_putc(b, n->type == Y_MAP ? '{' : '[');
    for (size_t i = 0; i < count; i++) {
        if (i) sb_putc(b, ',');
        if (n->type == Y_MAP) {
            json_str(b, items[i]->key);
            sb_putc(b, ':');
        }
        json_node(b, items[i], sort_keys);
    }
    sb_putc(b, n->type == Y_MAP ? '}' : ']');
    free(items);
}
