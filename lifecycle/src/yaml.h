/* The YAML reader for what buildpacks and Cloud Foundry exchange: release
 * output (default_process_types), Procfile, deps/<i>/config.yml, launch.yml,
 * staging_info.yml and JSON documents (JSON is YAML flow syntax).
 *
 * Parsing is libyaml's (yaml_parser_load); the document is copied into the
 * ynode tree below. Anchors and aliases are resolved, tags are ignored. */
#ifndef LC_YAML_H
#define LC_YAML_H

#include <stdbool.h>

typedef enum { Y_NULL, Y_SCALAR, Y_MAP, Y_SEQ } ytype;

typedef struct ynode {
    ytype type;
    char *key;   /* key of this entry when it sits in a mapping */
    char *val;   /* scalar text */
    bool quoted; /* scalar was quoted: always a string */
    int line;    /* 1-based line where the node starts */
    struct ynode *first, *last, *next;
} ynode;

/* Parses the first document. Returns NULL and sets *err (owned) on a syntax error. */
ynode *yaml_parse(const char *text, char **err);
void ynode_free(ynode *n);

/* Builds a scalar node (key may be NULL). */
ynode *y_scalar(const char *key, const char *val, bool quoted);
/* Adds `child` (which has a key) to a mapping, replacing an entry with the same key. */
void ymap_set(ynode *map, ynode *child);
/* Removes and frees the entry `key` from a mapping, if present. */
void ymap_del(ynode *map, const char *key);

/* Mapping lookup (NULL if absent or `map` is not a mapping). */
ynode *ymap_get(const ynode *map, const char *key);
/* True for a missing node, an explicit null (~, null, empty) or Y_NULL. */
bool y_is_null(const ynode *n);
/* Converts like Go's yaml into a string field: scalars give their text, null
 * gives "". Returns false for mappings and sequences. */
bool y_string(const ynode *n, const char **out);

#endif
