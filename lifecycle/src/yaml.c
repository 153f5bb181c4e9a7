/* The YAML reader on top of libyaml (the C library go-yaml was translated
 * from, so documents are accepted and rejected as Cloud Foundry's Go code
 * does): libyaml's document loader builds the node graph, which is copied into
 * the small ynode tree the programs use. Anchors and aliases are resolved by
 * libyaml; tags are ignored. */
#include "yaml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

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

/* go-yaml's error text: "yaml: line N: problem" (line of the problem, 1-based) */
static char *load_error(const yaml_parser_t *p) {
    size_t line = p->problem_mark.line + 1;
    if (p->error == YAML_PARSER_ERROR && p->context && p->problem_mark.line == 0) line = p->context_mark.line + 1;
    return xasprintf("yaml: line %zu: %s", line, p->problem ? p->problem : "unknown error");
}

/* Copies libyaml's node `id` of `doc` (depth-limited against alias cycles). */
static ynode *convert(yaml_document_t *doc, int id, int depth, char **err) {
    yaml_node_t *n = yaml_document_get_node(doc, id);
    if (!n || depth > 200) {
        *err = xstrdup("yaml: document nested too deeply");
        return NULL;
    }
    int line = (int)n->start_mark.line + 1;
    if (n->type == YAML_SCALAR_NODE) {
        ynode *y = new_node(Y_SCALAR, line);
        y->val = xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
        y->quoted = n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        return y;
    }
    if (n->type == YAML_SEQUENCE_NODE) {
        ynode *y = new_node(Y_SEQ, line);
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++) {
            ynode *c = convert(doc, *i, depth + 1, err);
            if (!c) return ynode_free(y), NULL;
            append(y, c);
        }
        return y;
    }
    ynode *y = new_node(Y_MAP, line);
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (!k || k->type != YAML_SCALAR_NODE) {
            *err = xasprintf("yaml: line %d: mapping keys must be scalars", k ? (int)k->start_mark.line + 1 : line);
            return ynode_free(y), NULL;
        }
        ynode *c = convert(doc, p->value, depth + 1, err);
        if (!c) return ynode_free(y), NULL;
        c->key = xstrndup((const char *)k->data.scalar.value, k->data.scalar.length);
        append(y, c);
    }
    return y;
}

ynode *yaml_parse(const char *text, char **err) {
    yaml_parser_t parser;
    yaml_document_t doc;
    ynode *root = NULL;
    *err = NULL;
    if (!yaml_parser_initialize(&parser)) {
        *err = xstrdup("yaml: out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    if (!yaml_parser_load(&parser, &doc)) {
        *err = load_error(&parser);
    } else {
        yaml_node_t *top = yaml_document_get_root_node(&doc);
        root = top ? convert(&doc, 1, 0, err) : new_node(Y_NULL, 1); /* the root is node 1 */
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
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
