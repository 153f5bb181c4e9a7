/* JSON output, escaped the way Go's encoding/json does (so files match CF's byte for byte). */
#ifndef LC_JSON_H
#define LC_JSON_H

#include <stdbool.h>

#include "util.h"
#include "yaml.h"

/* Appends s as a JSON string literal (with quotes). */
void json_str(strbuf *b, const char *s);
/* Appends a parsed document as JSON. Plain scalars that are JSON literals
 * (numbers, true, false, null) are written bare, everything else as strings.
 * With sort_keys, mapping keys are sorted (Go marshals maps that way). */
void json_node(strbuf *b, const ynode *n, bool sort_keys);

#endif
